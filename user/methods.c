// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy CLI: the transfer methods that need no completion tracking, the
 * method table, and the file helpers (test file, cold cache).
 *
 * Every method moves x->size bytes from x->in_fd to x->out_fd in calls of
 * at most x->chunk bytes, retrying EINTR and short writes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>

#include "methods.h"
#include "methods_zc.h"
#include "util.h"

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static int fail(struct zc_xfer *x, int err, const char *what)
{
	snprintf(x->msg, sizeof(x->msg), "%s: %s", what, strerror(-err));
	return err;
}

static void progress(struct zc_xfer *x)
{
	x->calls++;
	if (x->progress)
		*x->progress = x->bytes;
}

/* A page-aligned buffer of @len bytes (rounded up to the alignment). */
static int buf_alloc(struct zc_xfer *x, size_t len)
{
	void *p;
	int err;

	len = (len + ZC_ALIGN - 1) & ~(size_t)(ZC_ALIGN - 1);
	err = posix_memalign(&p, ZC_ALIGN, len);
	if (err)
		return fail(x, -err, "buffer");
	memset(p, 0, len);
	x->priv = p;
	return 0;
}

static int setup_buf(struct zc_xfer *x)
{
	return buf_alloc(x, x->chunk);
}

static void cleanup_free(struct zc_xfer *x)
{
	free(x->priv);
	x->priv = NULL;
}

/* Read one chunk at the current file offset; 0 at an early end of file. */
ssize_t zc_read_chunk(struct zc_xfer *x, void *buf, size_t want)
{
	size_t len = want;
	ssize_t n;

	if (x->m->flags & ZC_M_ODIRECT)
		len = (len + ZC_ALIGN - 1) & ~(size_t)(ZC_ALIGN - 1);
	do {
		n = read(x->in_fd, buf, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n > (ssize_t)want ? (ssize_t)want : n;
}

static int early_eof(struct zc_xfer *x)
{
	snprintf(x->msg, sizeof(x->msg),
		 "file ended after %llu of %llu bytes",
		 (unsigned long long)x->bytes, (unsigned long long)x->size);
	return -EIO;
}

/* read-write and odirect-write: read into a buffer, write it out. */
static int run_read_write(struct zc_xfer *x)
{
	ssize_t n;
	int err;

	while (x->bytes < x->size) {
		n = zc_read_chunk(x, x->priv, min_u64(x->chunk, x->size - x->bytes));
		if (n < 0)
			return fail(x, (int)n, "read");
		if (n == 0)
			return early_eof(x);
		err = write_full(x->out_fd, x->priv, (size_t)n);
		if (err)
			return fail(x, err, "write");
		x->bytes += (uint64_t)n;
		progress(x);
	}
	return 0;
}

static int setup_mmap(struct zc_xfer *x)
{
	void *p;

	p = mmap(NULL, x->size, PROT_READ, MAP_SHARED, x->in_fd, 0);
	if (p == MAP_FAILED)
		return fail(x, -errno, "mmap");
	x->priv = p;
	return 0;
}

static void cleanup_mmap(struct zc_xfer *x)
{
	if (x->priv)
		munmap(x->priv, x->size);
	x->priv = NULL;
}

static int run_mmap_write(struct zc_xfer *x)
{
	const char *p = x->priv;
	size_t n;
	int err;

	while (x->bytes < x->size) {
		n = (size_t)min_u64(x->chunk, x->size - x->bytes);
		err = write_full(x->out_fd, p + x->bytes, n);
		if (err)
			return fail(x, err, "write");
		x->bytes += n;
		progress(x);
	}
	return 0;
}

static int run_sendfile(struct zc_xfer *x)
{
	off_t off = 0;
	ssize_t n;

	while (x->bytes < x->size) {
		n = sendfile(x->out_fd, x->in_fd, &off,
			     (size_t)min_u64(x->chunk, x->size - x->bytes));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail(x, -errno, "sendfile");
		if (n == 0)
			return early_eof(x);
		x->bytes += (uint64_t)n;
		progress(x);
	}
	return 0;
}

struct splice_state {
	int p[2];
	size_t cap;
};

static int setup_splice(struct zc_xfer *x)
{
	struct splice_state *s = xcalloc(1, sizeof(*s));
	int sz;

	x->priv = s;
	if (pipe2(s->p, O_CLOEXEC)) {
		s->p[0] = s->p[1] = -1;
		return fail(x, -errno, "pipe");
	}
	if (x->chunk > 65536)
		fcntl(s->p[1], F_SETPIPE_SZ, (int)x->chunk);
	sz = fcntl(s->p[1], F_GETPIPE_SZ);
	s->cap = sz > 0 ? (size_t)sz : 65536;
	return 0;
}

static void cleanup_splice(struct zc_xfer *x)
{
	struct splice_state *s = x->priv;

	if (s && s->p[0] >= 0) {
		close(s->p[0]);
		close(s->p[1]);
	}
	free(s);
	x->priv = NULL;
}

/* Move @n bytes that sit in the pipe to the destination. */
static int splice_drain(struct zc_xfer *x, int pfd, size_t n)
{
	ssize_t m;

	while (n) {
		m = splice(pfd, NULL, x->out_fd, NULL, n,
			   SPLICE_F_MOVE | SPLICE_F_MORE);
		if (m < 0 && errno == EINTR)
			continue;
		if (m < 0)
			return fail(x, -errno, "splice pipe->out");
		if (m == 0)
			return fail(x, -EIO, "splice pipe->out");
		n -= (size_t)m;
	}
	return 0;
}

static int run_splice(struct zc_xfer *x)
{
	struct splice_state *s = x->priv;
	loff_t off = 0;
	size_t want;
	ssize_t n;
	int err;

	while (x->bytes < x->size) {
		want = (size_t)min_u64(min_u64(x->chunk, s->cap), x->size - x->bytes);
		n = splice(x->in_fd, &off, s->p[1], NULL, want,
			   SPLICE_F_MOVE | SPLICE_F_MORE);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail(x, -errno, "splice file->pipe");
		if (n == 0)
			return early_eof(x);
		err = splice_drain(x, s->p[0], (size_t)n);
		if (err)
			return err;
		x->bytes += (uint64_t)n;
		progress(x);
	}
	return 0;
}

static int run_copy_file_range(struct zc_xfer *x)
{
	loff_t in_off = 0, out_off = 0;
	ssize_t n;

	while (x->bytes < x->size) {
		n = copy_file_range(x->in_fd, &in_off, x->out_fd, &out_off,
				    (size_t)min_u64(x->chunk, x->size - x->bytes), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == ENOSYS || errno == EOPNOTSUPP ||
			      errno == EXDEV)) {
			snprintf(x->msg, sizeof(x->msg),
				 "copy_file_range: %s", strerror(errno));
			return -EOPNOTSUPP;
		}
		if (n < 0)
			return fail(x, -errno, "copy_file_range");
		if (n == 0)
			return early_eof(x);
		x->bytes += (uint64_t)n;
		progress(x);
	}
	return 0;
}

const struct zc_method zc_methods[] = {
	{ "read-write", 0, 2, 2, 2, 4, 4, setup_buf, run_read_write, cleanup_free },
	{ "mmap-write", 0, 1, 1, 2, 4, 2, setup_mmap, run_mmap_write, cleanup_mmap },
	{ "sendfile", 0, 0, 1, 2, 2, 2, NULL, run_sendfile, NULL },
	{ "splice", 0, 0, 1, 2, 4, 4, setup_splice, run_splice, cleanup_splice },
	{ "odirect-write", ZC_M_ODIRECT, 1, 1, 2, 4, 4,
	  setup_buf, run_read_write, cleanup_free },
	{ "msg-zerocopy", ZC_M_ODIRECT | ZC_M_SOCK_ONLY | ZC_M_VERDICT,
	  0, 1, 2, 4, 4, zc_setup_msg_zerocopy, zc_run_msg_zerocopy,
	  zc_cleanup_msg_zerocopy },
	{ "io-uring-zc", ZC_M_ODIRECT | ZC_M_SOCK_ONLY | ZC_M_VERDICT,
	  0, 1, 2, 4, 4, zc_setup_uring, zc_run_uring, zc_cleanup_uring },
	{ "copy-file-range", ZC_M_FILE_ONLY, 1, 1, 2, 2, 2,
	  NULL, run_copy_file_range, NULL },
};

const unsigned int zc_nmethods = ARRAY_SIZE(zc_methods);

const struct zc_method *zc_method_find(const char *name)
{
	unsigned int i;

	for (i = 0; name && i < zc_nmethods; i++)
		if (!strcmp(zc_methods[i].name, name))
			return &zc_methods[i];
	return NULL;
}

/* Can @m run to this destination with this chunk? -EINVAL with a reason. */
int zc_method_check(const struct zc_method *m, bool to_file, size_t chunk,
		    char *msg, size_t len)
{
	if (to_file && (m->flags & ZC_M_SOCK_ONLY)) {
		snprintf(msg, len, "%s sends to a socket: use --peer, not --to",
			 m->name);
		return -EINVAL;
	}
	if (!to_file && (m->flags & ZC_M_FILE_ONLY)) {
		snprintf(msg, len, "%s copies file to file: it needs --to FILE",
			 m->name);
		return -EINVAL;
	}
	if (!chunk || chunk > ZC_MAX_CHUNK) {
		snprintf(msg, len, "--chunk must be between 1 and %u bytes",
			 ZC_MAX_CHUNK);
		return -EINVAL;
	}
	if ((m->flags & ZC_M_ODIRECT) && chunk % ZC_ALIGN) {
		snprintf(msg, len, "%s reads with O_DIRECT: --chunk must be a "
			 "multiple of %u", m->name, ZC_ALIGN);
		return -EINVAL;
	}
	return 0;
}

/*
 * Textbook copies per payload byte. A warm cache saves the disk DMA except
 * for O_DIRECT reads, which always go to the disk.
 */
void zc_expected(const struct zc_method *m, bool sg, bool cold,
		 double *cpu, double *dma)
{
	*cpu = sg ? m->tb_cpu : m->tb_cpu_nosg;
	*dma = m->tb_dma;
	if (!cold && !(m->flags & ZC_M_ODIRECT))
		*dma -= 1;
}

const char *zc_verdict_name(int v)
{
	switch (v) {
	case ZCV_ZEROCOPY:
		return "zerocopy";
	case ZCV_COPIED:
		return "copied";
	case ZCV_MIXED:
		return "mixed";
	case ZCV_UNKNOWN:
		return "unknown";
	default:
		return "none";
	}
}

int zc_verdict_of(uint64_t completions, uint64_t copied, bool reported)
{
	if (!reported || !completions)
		return ZCV_UNKNOWN;
	if (!copied)
		return ZCV_ZEROCOPY;
	return copied == completions ? ZCV_COPIED : ZCV_MIXED;
}

int zc_xfer_open_input(struct zc_xfer *x, const char *path)
{
	int flags = O_RDONLY | O_CLOEXEC;

	if (x->m->flags & ZC_M_ODIRECT)
		flags |= O_DIRECT;
	x->in_fd = open(path, flags);
	if (x->in_fd >= 0)
		return 0;
	if (errno == EINVAL && (flags & O_DIRECT)) {
		snprintf(x->msg, sizeof(x->msg),
			 "O_DIRECT is not supported by the filesystem of %s", path);
		return -EOPNOTSUPP;
	}
	snprintf(x->msg, sizeof(x->msg), "%s: %s", path, strerror(errno));
	return -errno;
}

int zc_xfer_setup(struct zc_xfer *x)
{
	x->zc_verdict = (x->m->flags & ZC_M_VERDICT) ? ZCV_UNKNOWN : ZCV_NONE;
	return x->m->setup ? x->m->setup(x) : 0;
}

int zc_xfer_run(struct zc_xfer *x)
{
	return x->m->run(x);
}

void zc_xfer_cleanup(struct zc_xfer *x)
{
	if (x->m->cleanup)
		x->m->cleanup(x);
	if (x->in_fd >= 0)
		close(x->in_fd);
	x->in_fd = -1;
}

/* Files */

static int fill_file(int fd, uint64_t size)
{
	uint64_t state = 0x9e3779b97f4a7c15ull, done = 0;
	const size_t blk = 1 << 20;
	uint64_t *buf = malloc(blk);
	size_t i, n;
	int err = 0;

	if (!buf)
		return -ENOMEM;
	while (!err && done < size) {
		for (i = 0; i < blk / 8; i++) {	/* xorshift64: incompressible */
			state ^= state << 13;
			state ^= state >> 7;
			state ^= state << 17;
			buf[i] = state;
		}
		n = (size_t)min_u64(blk, size - done);
		err = write_full(fd, buf, n);
		done += n;
	}
	free(buf);
	if (!err && fsync(fd))
		err = -errno;
	return err;
}

static int create_file(const char *path, uint64_t size, char *msg, size_t len)
{
	int fd, err;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(msg, len, "cannot create %s: %s", path, strerror(errno));
		return -errno;
	}
	err = fill_file(fd, size);
	close(fd);
	if (err)
		snprintf(msg, len, "writing %s: %s", path, strerror(-err));
	return err;
}

static int check_size(const char *path, uint64_t have, uint64_t want,
		      uint64_t *size, char *msg, size_t len)
{
	if (want > have) {
		snprintf(msg, len, "%s has %llu bytes, fewer than --size %llu",
			 path, (unsigned long long)have, (unsigned long long)want);
		return -EINVAL;
	}
	*size = want ? want : have;
	if (!*size) {
		snprintf(msg, len, "%s is empty", path);
		return -EINVAL;
	}
	return 0;
}

/*
 * The file to send: @want bytes of it, or all of it (@want 0). A missing
 * file is an error naming it, unless ZC_FILE_CREATE: then it is made, of
 * @want bytes (ZC_DEFAULT_FILE_SIZE if 0) of pseudo-random data. With
 * ZC_FILE_RECREATE (the demo's own scratch file) an existing file of
 * another size is rewritten. Returns 1 when the file was written, @msg
 * saying so; 0 when it was used as it is.
 */
int zc_prepare_file(const char *path, uint64_t want, unsigned int flags,
		    uint64_t *size, char *msg, size_t len)
{
	uint64_t make = want ? want : ZC_DEFAULT_FILE_SIZE;
	struct stat st;
	int err;

	msg[0] = '\0';
	if (stat(path, &st)) {
		err = -errno;
		if (err != -ENOENT || !(flags & ZC_FILE_CREATE)) {
			snprintf(msg, len, "--file %s: %s%s", path, strerror(-err),
				 err == -ENOENT ? " (--create makes a scratch file "
				 "of --size bytes)" : "");
			return err;
		}
	} else if (!S_ISREG(st.st_mode)) {
		snprintf(msg, len, "%s is not a regular file", path);
		return -EINVAL;
	} else if (!(flags & ZC_FILE_RECREATE) || !want ||
		   (uint64_t)st.st_size == want) {
		return check_size(path, (uint64_t)st.st_size, want, size, msg, len);
	}
	err = create_file(path, make, msg, len);
	if (err)
		return err;
	*size = make;
	snprintf(msg, len, "wrote %llu bytes of pseudo-random data to %s",
		 (unsigned long long)make, path);
	return 1;
}

static void evict_note(struct zc_evict *ev, const char *path)
{
	if (ev->resident == UINT64_MAX)
		return;
	if (!ev->resident)
		snprintf(ev->note, sizeof(ev->note), "cold (all %llu pages of the "
			 "file evicted)", (unsigned long long)ev->pages);
	else
		snprintf(ev->note, sizeof(ev->note), "cold, eviction incomplete: "
			 "%llu of %llu pages of %s still cached (mapped or locked "
			 "elsewhere?)", (unsigned long long)ev->resident,
			 (unsigned long long)ev->pages, path);
}

/* Pages of @fd's first @size bytes that are in the page cache. */
static int count_resident(int fd, uint64_t size, uint64_t *resident)
{
	const uint64_t win = 1ull << 30;	/* map at most 1 GiB at a time */
	size_t psz = (size_t)sysconf(_SC_PAGESIZE);
	unsigned char *vec = NULL;
	uint64_t off, i, n;
	void *p;
	int err = 0;

	*resident = 0;
	vec = malloc(win / psz);
	if (!vec)
		return -ENOMEM;
	for (off = 0; !err && off < size; off += win) {
		n = min_u64(win, size - off);
		p = mmap(NULL, n, PROT_READ, MAP_SHARED, fd, (off_t)off);
		if (p == MAP_FAILED) {
			err = -errno;
			break;
		}
		if (mincore(p, n, vec))
			err = -errno;
		for (i = 0; !err && i < (n + psz - 1) / psz; i++)
			*resident += vec[i] & 1;
		munmap(p, n);
	}
	free(vec);
	return err;
}

/*
 * Evict @path, and only it, from the page cache: write back its dirty
 * pages (fsync), drop them (POSIX_FADV_DONTNEED), then count with
 * mincore() what is still cached: pages another process maps or locks
 * stay. @ev says how many of how many remain, and in @ev->note.
 */
void zc_evict_file(const char *path, struct zc_evict *ev)
{
	size_t psz = (size_t)sysconf(_SC_PAGESIZE);
	struct stat st;
	int fd, err = 0, i;

	memset(ev, 0, sizeof(*ev));
	ev->resident = UINT64_MAX;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		snprintf(ev->note, sizeof(ev->note), "not evicted: %s: %s", path,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	ev->pages = ((uint64_t)st.st_size + psz - 1) / psz;
	if (fsync(fd) && errno != EINVAL && errno != EROFS)
		err = -errno;
	/* Pages under writeback are skipped: try again once they are clean. */
	for (i = 0; !err && i < 3; i++) {
		err = -posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
		if (!err)
			err = count_resident(fd, (uint64_t)st.st_size, &ev->resident);
		if (err || !ev->resident)
			break;
		sleep_ns(10000000ull);
	}
	close(fd);
	if (err) {
		ev->resident = UINT64_MAX;
		snprintf(ev->note, sizeof(ev->note), "not evicted: %s: %s", path,
			 strerror(-err));
		return;
	}
	evict_note(ev, path);
}
