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
	{ "read-write", 0, 2, 2, 2, 4, setup_buf, run_read_write, cleanup_free },
	{ "mmap-write", 0, 1, 1, 2, 2, setup_mmap, run_mmap_write, cleanup_mmap },
	{ "sendfile", 0, 0, 1, 2, 2, NULL, run_sendfile, NULL },
	{ "splice", 0, 0, 1, 2, 4, setup_splice, run_splice, cleanup_splice },
	{ "odirect-write", ZC_M_ODIRECT, 1, 1, 2, 4,
	  setup_buf, run_read_write, cleanup_free },
	{ "msg-zerocopy", ZC_M_ODIRECT | ZC_M_SOCK_ONLY | ZC_M_VERDICT,
	  0, 1, 2, 4, zc_setup_msg_zerocopy, zc_run_msg_zerocopy,
	  zc_cleanup_msg_zerocopy },
	{ "io-uring-zc", ZC_M_ODIRECT | ZC_M_SOCK_ONLY | ZC_M_VERDICT,
	  0, 1, 2, 4, zc_setup_uring, zc_run_uring, zc_cleanup_uring },
	{ "copy-file-range", ZC_M_FILE_ONLY, 1, 1, 2, 2,
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

	if (!size) {
		snprintf(msg, len, "%s does not exist; give --size to create it", path);
		return -ENOENT;
	}
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
 * Make sure @path holds at least @want bytes. A missing file is created
 * with pseudo-random data; with @recreate an existing file of another size
 * is rewritten. @want 0 means "the whole existing file".
 */
int zc_prepare_file(const char *path, uint64_t want, bool recreate,
		    uint64_t *size, char *msg, size_t len)
{
	struct stat st;
	int err;

	if (stat(path, &st)) {
		if (errno != ENOENT) {
			snprintf(msg, len, "%s: %s", path, strerror(errno));
			return -errno;
		}
	} else if (!S_ISREG(st.st_mode)) {
		snprintf(msg, len, "%s is not a regular file", path);
		return -EINVAL;
	} else if (!recreate || !want || (uint64_t)st.st_size == want) {
		return check_size(path, (uint64_t)st.st_size, want, size, msg, len);
	}
	err = create_file(path, want, msg, len);
	if (!err)
		*size = want;
	return err;
}

/*
 * Evict @path from the page cache: fsync, POSIX_FADV_DONTNEED, and
 * "1" into /proc/sys/vm/drop_caches when permitted. @note says what was done.
 */
int zc_drop_cache(const char *path, char *note, size_t len)
{
	int fd, pfd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(note, len, "%s: %s", path, strerror(errno));
		return -errno;
	}
	if (fsync(fd) || posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED))
		err = -errno;
	close(fd);
	if (err) {
		snprintf(note, len, "fadvise %s: %s", path, strerror(-err));
		return err;
	}
	pfd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
	if (pfd >= 0 && !write_full(pfd, "1\n", 2))
		snprintf(note, len, "fadvise+drop_caches");
	else
		snprintf(note, len, "fadvise only (drop_caches: %s)",
			 strerror(errno));
	if (pfd >= 0)
		close(pfd);
	return 0;
}
