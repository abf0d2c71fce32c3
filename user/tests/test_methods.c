// SPDX-License-Identifier: GPL-2.0
/*
 * The transfer methods in-process: file to file, and the zerocopy ones to a
 * loopback TCP peer (where the kernel always copies), plus the completion
 * tracker and the test-file helper.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "methods.h"
#include "methods_zc.h"
#include "tap.h"
#include "util.h"

#define FILE_SIZE	((1u << 20) + 123)
#define CHUNK		(64u << 10)

static char dir[256], src[300];

static void test_track(void)
{
	struct zc_track t;
	unsigned int i;

	zc_track_init(&t);
	for (i = 0; i < 10; i++)
		zc_track_issue(&t);
	is_int(zc_track_inflight(&t), 10, "ten in flight");
	is_int(zc_track_complete(&t, 3, 5), 3, "out of order range");
	ok(!zc_track_done(&t, 0) && !zc_track_done(&t, 3), "nothing done below a hole");
	is_int(zc_track_complete(&t, 0, 2), 3, "the hole fills");
	ok(zc_track_done(&t, 5) && !zc_track_done(&t, 6), "done through 5");
	is_int(zc_track_complete(&t, 4, 6), 1, "overlap counts only the new id");
	is_int(zc_track_complete(&t, 8, 12), -EINVAL, "beyond the issued ids");
	is_int(zc_track_complete(&t, 9, 8), -EINVAL, "inverted range");
	is_int(zc_track_complete(&t, 7, 9), 3, "the rest");
	is_int(zc_track_inflight(&t), 0, "nothing in flight");
	t.base = t.next = UINT32_MAX - 2;	/* ids wrap around */
	for (i = 0; i < 5; i++)
		zc_track_issue(&t);
	is_int(zc_track_complete(&t, UINT32_MAX - 2, 1), 5, "range across the wrap");
	ok(zc_track_done(&t, 1) && !zc_track_done(&t, 2), "done across the wrap");
}

static void test_prepare(void)
{
	char path[320], msg[256];
	uint64_t size = 0;
	struct stat st;

	snprintf(path, sizeof(path), "%s/p.dat", dir);
	is_int(zc_prepare_file(path, 0, 0, &size, msg, sizeof(msg)), -ENOENT,
	       "missing file: an error");
	has_str(msg, "--file ", "names the option");
	has_str(msg, "p.dat: No such file or directory", "names the path and why");
	has_str(msg, "--create", "says how to make one");
	is_int(zc_prepare_file(path, 8192, 0, &size, msg, sizeof(msg)), -ENOENT,
	       "missing file with a size: still an error, nothing made");
	ok(stat(path, &st) && errno == ENOENT, "no file was made");
	is_int(zc_prepare_file(path, 8192, ZC_FILE_CREATE, &size, msg, sizeof(msg)),
	       1, "created with ZC_FILE_CREATE");
	has_str(msg, "wrote 8192 bytes of pseudo-random data to ", "says it wrote it");
	ok(!stat(path, &st) && st.st_size == 8192 && size == 8192, "8192 bytes");
	is_int(zc_prepare_file(path, 16384, ZC_FILE_CREATE, &size, msg, sizeof(msg)),
	       -EINVAL, "existing file too small: not rewritten");
	has_str(msg, "fewer than --size", "says why");
	ok(!stat(path, &st) && st.st_size == 8192, "left as it was");
	is_int(zc_prepare_file(path, 4096, 0, &size, msg, sizeof(msg)), 0,
	       "part of a file");
	is_u64(size, 4096, "uses the first bytes");
	is_int(zc_prepare_file(path, 16384, ZC_FILE_CREATE | ZC_FILE_RECREATE, &size,
			       msg, sizeof(msg)), 1, "recreated at another size");
	ok(!stat(path, &st) && st.st_size == 16384, "now 16384 bytes");
	is_int(zc_prepare_file(path, 0, 0, &size, msg, sizeof(msg)), 0,
	       "whole file");
	is_u64(size, 16384, "its size");
	is_int(zc_prepare_file(dir, 0, 0, &size, msg, sizeof(msg)), -EINVAL,
	       "a directory is refused");
	unlink(path);
	is_int(zc_prepare_file(path, 0, ZC_FILE_CREATE, &size, msg, sizeof(msg)), 1,
	       "created without a size");
	is_u64(size, ZC_DEFAULT_FILE_SIZE, "of the default size");
	unlink(path);
}

/* Pages of @path in the page cache, by mincore(): the ground truth. */
static uint64_t cached_pages(const char *path)
{
	size_t psz = (size_t)sysconf(_SC_PAGESIZE);
	int fd = open(path, O_RDONLY);
	unsigned char *vec;
	uint64_t n = 0, i;
	struct stat st;
	void *p;

	if (fd < 0 || fstat(fd, &st) || !st.st_size)
		return UINT64_MAX;
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	vec = malloc((size_t)st.st_size / psz + 1);
	if (p != MAP_FAILED && vec && !mincore(p, (size_t)st.st_size, vec))
		for (i = 0; i < ((uint64_t)st.st_size + psz - 1) / psz; i++)
			n += vec[i] & 1;
	else
		n = UINT64_MAX;
	if (p != MAP_FAILED)
		munmap(p, (size_t)st.st_size);
	free(vec);
	close(fd);
	return n;
}

/*
 * Cold cache evicts the file and nothing else, and says when it could not:
 * a page another process keeps locked stays cached.
 */
static void test_evict(void)
{
	char path[320], other[320], buf[4096], msg[256];
	struct zc_evict ev;
	uint64_t size, before;
	int fd, p[2];
	pid_t pid;
	char c;

	snprintf(path, sizeof(path), "%s/e.dat", dir);
	snprintf(other, sizeof(other), "%s/other.dat", dir);
	zc_prepare_file(path, 1 << 20, ZC_FILE_CREATE, &size, msg, sizeof(msg));
	zc_prepare_file(other, 1 << 20, ZC_FILE_CREATE, &size, msg, sizeof(msg));
	fd = open(other, O_RDONLY);
	while (fd >= 0 && read(fd, buf, sizeof(buf)) > 0)
		;
	before = cached_pages(other);
	fd >= 0 ? close(fd) : 0;
	fd = open(path, O_RDONLY);
	while (fd >= 0 && read(fd, buf, sizeof(buf)) > 0)
		;
	fd >= 0 ? close(fd) : 0;
	if (cached_pages(path) == 0 || before == 0) {
		skip("this filesystem does not cache pages");
		goto out;
	}
	zc_evict_file(path, &ev);
	is_u64(ev.pages, 256, "evict: the file's 256 pages");
	is_u64(ev.resident, 0, "evict: none still cached, as the evictor says");
	is_u64(cached_pages(path), 0, "evict: none cached, as mincore says");
	has_str(ev.note, "cold (all 256 pages of the file evicted)", "evict: the note");
	is_u64(cached_pages(other), before, "evict: another file's cache untouched");
	/* A child keeps the first page locked: eviction is incomplete. */
	if (pipe(p))
		goto out;
	pid = fork();
	if (pid == 0) {
		int f = open(path, O_RDONLY);
		void *m = f < 0 ? MAP_FAILED :
			  mmap(NULL, 4096, PROT_READ, MAP_SHARED | MAP_POPULATE, f, 0);

		c = m != MAP_FAILED && !mlock(m, 4096) ? 'y' : 'n';
		write_full(p[1], &c, 1);
		pause();
		_exit(0);
	}
	c = 'n';
	read_full(p[0], &c, 1);
	if (c == 'y') {
		zc_evict_file(path, &ev);
		ok(ev.resident >= 1 && ev.resident == cached_pages(path),
		   "evict: a locked page stays, counted (%llu)",
		   (unsigned long long)ev.resident);
		has_str(ev.note, "eviction incomplete: ", "evict: and said");
	} else {
		skip("cannot mlock here");
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(p[0]), close(p[1]);
	zc_evict_file("/nonexistent/zcopy", &ev);
	ok(ev.resident == UINT64_MAX, "evict: a missing file is unknown");
	has_str(ev.note, "not evicted: /nonexistent/zcopy: No such file", "evict: says so");
out:
	unlink(path);
	unlink(other);
}

static bool same_files(const char *a, const char *b, size_t len)
{
	char *x = malloc(len + 1), *y = malloc(len + 1);
	int fa = open(a, O_RDONLY), fb = open(b, O_RDONLY);
	bool same = fa >= 0 && fb >= 0 &&
		    read_full(fa, x, len + 1) == (ssize_t)len &&
		    read_full(fb, y, len + 1) == (ssize_t)len && !memcmp(x, y, len);

	close(fa);
	close(fb);
	free(x);
	free(y);
	return same;
}

/* Run @name from the test file to @out_fd; returns the method's result. */
static int xfer(const char *name, int out_fd, uint64_t size, struct zc_xfer *x)
{
	int err;

	memset(x, 0, sizeof(*x));
	x->m = zc_method_find(name);
	x->in_fd = -1;
	x->out_fd = out_fd;
	x->size = size;
	x->chunk = CHUNK;
	err = zc_xfer_open_input(x, src);
	if (!err)
		err = zc_xfer_setup(x);
	if (!err)
		err = zc_xfer_run(x);
	zc_xfer_cleanup(x);
	return err;
}

static void file_method(const char *name)
{
	char out[320], n[320];
	struct zc_xfer x;
	int fd, err;

	snprintf(out, sizeof(out), "%s/out.dat", dir);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	err = xfer(name, fd, FILE_SIZE, &x);
	close(fd);
	if (err == -EOPNOTSUPP) {
		snprintf(n, sizeof(n), "%s unavailable here: %s", name, x.msg);
		skip(n);
		return;
	}
	snprintf(n, sizeof(n), "%s to a file", name);
	is_int(err, 0, n);
	snprintf(n, sizeof(n), "%s: bytes", name);
	is_u64(x.bytes, FILE_SIZE, n);
	snprintf(n, sizeof(n), "%s: 17 calls of 64k", name);
	is_u64(x.calls, 17, n);
	snprintf(n, sizeof(n), "%s: same content", name);
	ok(same_files(src, out, FILE_SIZE), "%s", n);
	unlink(out);
}

static void test_errors(void)
{
	struct zc_xfer x;
	int fd = open("/dev/null", O_WRONLY);

	is_int(xfer("read-write", fd, FILE_SIZE + 100, &x), -EIO,
	       "size beyond the file");
	has_str(x.msg, "file ended after 1048699 of 1048799 bytes", "says where");
	is_int(xfer("sendfile", fd, FILE_SIZE + 100, &x), -EIO, "sendfile too");
	close(fd);
	memset(&x, 0, sizeof(x));
	x.m = zc_method_find("read-write");
	is_int(zc_xfer_open_input(&x, "/nonexistent/zcopy"), -ENOENT, "no input");
	has_str(x.msg, "/nonexistent/zcopy: No such file", "names the file");
}

/* A loopback TCP peer that counts what it gets and sends the count back. */
static int peer_start(pid_t *pid)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0), c;

	if (bind(l, (void *)&a, sizeof(a)) || listen(l, 1) ||
	    getsockname(l, (void *)&a, &len))
		return -1;
	*pid = fork();
	if (*pid == 0) {
		static char buf[65536];
		uint64_t total = 0;
		ssize_t n;

		c = accept(l, NULL, NULL);
		while ((n = read(c, buf, sizeof(buf))) > 0)
			total += (uint64_t)n;
		write_full(c, &total, sizeof(total));
		_exit(0);
	}
	close(l);
	c = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(c, (void *)&a, sizeof(a)))
		return -1;
	return c;
}

static void sock_method(const char *name)
{
	uint64_t got = 0;
	struct zc_xfer x;
	char n[320];
	pid_t pid;
	int fd = peer_start(&pid), err;

	if (fd < 0) {
		ok(0, "loopback peer for %s", name);
		return;
	}
	err = xfer(name, fd, FILE_SIZE, &x);
	shutdown(fd, SHUT_WR);
	read_full(fd, &got, sizeof(got));
	close(fd);
	waitpid(pid, NULL, 0);
	if (err == -EOPNOTSUPP) {
		snprintf(n, sizeof(n), "%s unavailable here: %s", name, x.msg);
		skip(n);
		return;
	}
	snprintf(n, sizeof(n), "%s over loopback", name);
	is_int(err, 0, n);
	snprintf(n, sizeof(n), "%s: the peer got every byte", name);
	is_u64(got, FILE_SIZE, n);
	snprintf(n, sizeof(n), "%s: a completion per call", name);
	is_u64(x.zc_completions, x.calls, n);
	snprintf(n, sizeof(n), "%s: loopback always copies", name);
	is_str(zc_verdict_name(x.zc_verdict), "copied", n);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char msg[256];
	uint64_t size;

	snprintf(dir, sizeof(dir), "%s/zcopy-test-XXXXXX", tmp);
	if (!mkdtemp(dir))
		return ok(0, "mkdtemp"), done_testing();
	snprintf(src, sizeof(src), "%s/src.dat", dir);
	test_track();
	test_prepare();
	is_int(zc_prepare_file(src, FILE_SIZE, ZC_FILE_CREATE, &size, msg,
			       sizeof(msg)), 1, "test file");
	test_evict();
	file_method("read-write");
	file_method("mmap-write");
	file_method("sendfile");
	file_method("splice");
	file_method("odirect-write");
	file_method("copy-file-range");
	test_errors();
	sock_method("msg-zerocopy");
	sock_method("io-uring-zc");
	unlink(src);
	rmdir(dir);
	return done_testing();
}
