/* SPDX-License-Identifier: GPL-2.0 */
/* zcopy demo: its rows, and what prints them (demo_out.c); demo.c runs them. */
#ifndef ZC_DEMO_OUT_H
#define ZC_DEMO_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cmds.h"
#include "nl.h"
#include "output.h"
#include "session.h"

#define DEMO_MAX_ROWS	32

struct demo_row {
	const struct zc_method *m;
	bool sg;		/* the NIC SG state asked for this row */
	bool sg_known;		/* false when no NIC is handled */
	char label[48];
	struct zc_run_res res;
	struct zc_derived d;
	double exp_cpu, exp_dma;
	int verdict;		/* enum zc_verdict */
	char why[256];		/* why off, for --check */
};

struct demo_ctx {
	const struct demo_opts *o;
	struct zc_nl nl;
	char kernel[128];
	bool nic_ok;		/* the guard holds the NIC */
	bool nic_orig;		/* its SG state at start */
	uint64_t file_bytes;
	struct zc_dest dest;	/* the sink: its addresses */
	const char *peer_ns;
	char file_note[256];	/* the scratch file was written */
	pid_t sink;
	struct demo_row rows[DEMO_MAX_ROWS];
	unsigned int nrows;
};

/* Whether the kernel reported @ctr for @r: false where it cannot measure it. */
static inline bool demo_counted(const struct demo_row *r, unsigned int ctr)
{
	return r->res.info.counters.present & (1ull << ctr);
}

void demo_print(const struct demo_ctx *c);
int demo_print_json(const struct demo_ctx *c);
void demo_diagrams(const struct demo_ctx *c);
void demo_path(const struct demo_row *r, const char **nodes,
	       struct zc_hop *hops, unsigned int *n);

#endif
