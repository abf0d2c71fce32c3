/* SPDX-License-Identifier: GPL-2.0 */
/* zcopy CLI: the file -> socket (or file) transfer methods. */
#ifndef ZC_METHODS_H
#define ZC_METHODS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZC_M_SOCK_ONLY	(1u << 0)	/* destination must be a socket */
#define ZC_M_FILE_ONLY	(1u << 1)	/* destination must be a file */
#define ZC_M_ODIRECT	(1u << 2)	/* reads the file with O_DIRECT */
#define ZC_M_VERDICT	(1u << 3)	/* the kernel reports zerocopy or copied */

/* Number of buffers kept in flight by the zerocopy methods. */
#define ZC_NBUF		8
#define ZC_MAX_CHUNK	(64u << 20)

enum zc_zc_verdict {
	ZCV_NONE,		/* the method has no verdict */
	ZCV_ZEROCOPY,		/* every completion said zerocopy */
	ZCV_COPIED,		/* every completion said copied */
	ZCV_MIXED,		/* some of each */
	ZCV_UNKNOWN,		/* the kernel did not report */
};

struct zc_xfer;

struct zc_method {
	const char *name;
	unsigned int flags;
	double tb_cpu;		/* textbook CPU copies per byte, NIC SG on */
	double tb_cpu_nosg;	/* the same with NIC SG off */
	double tb_dma;		/* textbook DMA copies per byte, cold cache */
	double tb_modesw_book;	/* textbook mode switches, as books print them */
	double tb_modesw;	/* the same per call of our loop (mmap-write:
				 * the mmap is made once, outside the loop) */
	int (*setup)(struct zc_xfer *x);
	int (*run)(struct zc_xfer *x);
	void (*cleanup)(struct zc_xfer *x);
};

struct zc_xfer {
	const struct zc_method *m;
	int in_fd;
	int out_fd;
	bool out_is_sock;
	uint64_t size;		/* bytes to transfer */
	size_t chunk;		/* bytes per call */
	volatile uint64_t *progress;	/* bytes done, shared; may be NULL */
	void *priv;		/* the method's state between setup and cleanup */

	/* Results. */
	uint64_t bytes;
	uint64_t calls;		/* loop iterations (chunks) */
	uint64_t zc_completions;	/* zerocopy completions reported */
	uint64_t zc_copied;	/* of which the kernel copied */
	int zc_verdict;		/* enum zc_zc_verdict */
	char msg[200];		/* why it failed or is unavailable */
};

extern const struct zc_method zc_methods[];
extern const unsigned int zc_nmethods;

const struct zc_method *zc_method_find(const char *name);
int zc_method_check(const struct zc_method *m, bool to_file, size_t chunk,
		    char *msg, size_t len);
void zc_expected(const struct zc_method *m, bool sg, bool cold,
		 double *cpu, double *dma);
const char *zc_verdict_name(int v);
int zc_verdict_of(uint64_t completions, uint64_t copied, bool reported);

int zc_xfer_open_input(struct zc_xfer *x, const char *path);
int zc_xfer_setup(struct zc_xfer *x);
int zc_xfer_run(struct zc_xfer *x);
void zc_xfer_cleanup(struct zc_xfer *x);

#define ZC_DEFAULT_FILE_SIZE	(16ull << 20)	/* a scratch file made */
#define ZC_FILE_CREATE		(1u << 0)	/* make a missing file */
#define ZC_FILE_RECREATE	(1u << 1)	/* and rewrite one of another size */

int zc_prepare_file(const char *path, uint64_t want, unsigned int flags,
		    uint64_t *size, char *msg, size_t len);

/* What a cold-cache eviction achieved. */
struct zc_evict {
	uint64_t pages;		/* of the file */
	uint64_t resident;	/* still cached after it; UINT64_MAX: unknown */
	char note[160];		/* for the report */
};

void zc_evict_file(const char *path, struct zc_evict *ev);

#endif
