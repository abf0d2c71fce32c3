/* SPDX-License-Identifier: GPL-2.0 */
/* A stand-in for the netlink client, for test_flow. */
#ifndef ZC_FAKE_NL_H
#define ZC_FAKE_NL_H

#include "nl.h"

#define FAKE_MAX_CALLS	64

struct fake_call {
	char op[8];		/* new, get, del, reset */
	uint32_t id;
	uint32_t pid;
	uint32_t flags;
	char state;		/* /proc state of pid at the call; 0: gone */
};

typedef void (*fake_fill_fn)(uint32_t id, struct zc_info *out);

extern struct fake_call fake_log[FAKE_MAX_CALLS];
extern unsigned int fake_nlog;
extern int fake_open_err;	/* zc_nl_open() fails with it */
extern int fake_new_err;	/* session-new fails with it, and */
extern const char *fake_new_msg;	/* this extack message */
extern fake_fill_fn fake_fill;	/* counters of a session at session-get */

#endif
