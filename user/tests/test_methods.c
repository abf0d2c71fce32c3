// SPDX-License-Identifier: GPL-2.0
/*
 * The transfer methods in-process: file to file, and the zerocopy ones to a
 * loopback TCP peer (where the kernel always copies), plus the completion
 * tracker and the test-file helper.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
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
	is_int(zc_prepare_file(path, 0, false, &size, msg, sizeof(msg)), -ENOENT,
	       "missing file without a size");
	has_str(msg, "give --size", "says how to create it");
	is_int(zc_prepare_file(path, 8192, false, &size, msg, sizeof(msg)), 0,
	       "created");
	ok(!stat(path, &st) && st.st_size == 8192 && size == 8192, "8192 bytes");
	is_int(zc_prepare_file(path, 16384, false, &size, msg, sizeof(msg)), -EINVAL,
	       "existing file too small");
	has_str(msg, "fewer than --size", "says why");
	is_int(zc_prepare_file(path, 4096, false, &size, msg, sizeof(msg)), 0,
	       "part of a file");
	is_u64(size, 4096, "uses the first bytes");
	is_int(zc_prepare_file(path, 16384, true, &size, msg, sizeof(msg)), 0,
	       "recreated at another size");
	ok(!stat(path, &st) && st.st_size == 16384, "now 16384 bytes");
	is_int(zc_prepare_file(path, 0, false, &size, msg, sizeof(msg)), 0,
	       "whole file");
	is_u64(size, 16384, "its size");
	is_int(zc_prepare_file(dir, 0, false, &size, msg, sizeof(msg)), -EINVAL,
	       "a directory is refused");
	unlink(path);
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
	is_int(zc_prepare_file(src, FILE_SIZE, false, &size, msg, sizeof(msg)), 0,
	       "test file");
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
