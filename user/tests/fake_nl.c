// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for the netlink client (nl.c) for test_flow: sessions live in
 * memory, every call is logged with the state of the followed process, and
 * the counters a session reports come from the test.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fake_nl.h"

struct fake_call fake_log[FAKE_MAX_CALLS];
unsigned int fake_nlog;
int fake_open_err;
int fake_new_err;
const char *fake_new_msg;
fake_fill_fn fake_fill;

static uint32_t next_id = 1;
static uint32_t session_pid[64];

/* 'S' for a process asleep (waiting on the pipe), 0 if it is gone. */
static char proc_state(uint32_t pid)
{
	char path[64], buf[256], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
	fclose(f);
	return p && p[1] == ' ' ? p[2] : '?';
}

/*
 * At session-new the child must be waiting for its release: it may still
 * be on its way to the pipe read, so give it a second to fall asleep.
 */
static char wait_asleep(uint32_t pid)
{
	char st = proc_state(pid);
	int i;

	for (i = 0; i < 100 && st == 'R'; i++) {
		usleep(10000);
		st = proc_state(pid);
	}
	return st;
}

static void log_call(const char *op, uint32_t id, uint32_t pid, uint32_t flags)
{
	struct fake_call *c;

	if (fake_nlog >= FAKE_MAX_CALLS)
		return;
	c = &fake_log[fake_nlog++];
	snprintf(c->op, sizeof(c->op), "%s", op);
	c->id = id;
	c->pid = pid;
	c->flags = flags;
	c->state = !pid ? 0 : strcmp(op, "new") ? proc_state(pid) : wait_asleep(pid);
}

int zc_nl_open_family(struct zc_nl *nl, const char *name)
{
	memset(nl, 0, sizeof(*nl));
	(void)name;
	if (fake_open_err)
		return fake_open_err;
	nl->sk = (struct nl_sock *)nl;	/* opaque, never dereferenced */
	nl->family = 0x20;
	return 0;
}

int zc_nl_open(struct zc_nl *nl)
{
	return zc_nl_open_family(nl, ZCOPY_FAMILY_NAME);
}

void zc_nl_close(struct zc_nl *nl)
{
	nl->sk = NULL;
}

int zc_nl_fd(const struct zc_nl *nl)
{
	(void)nl;
	return -1;
}

int zc_nl_session_new(struct zc_nl *nl, uint32_t pid, uint32_t flags,
		      uint32_t sample_ms, const char *const *devfilter,
		      unsigned int n_devfilter, struct zc_info *out)
{
	(void)sample_ms, (void)devfilter, (void)n_devfilter;
	log_call("new", 0, pid, flags);
	if (fake_new_err) {
		snprintf(nl->ext_msg, sizeof(nl->ext_msg), "%s",
			 fake_new_msg ? fake_new_msg : "");
		return fake_new_err;
	}
	out->session_id = next_id;
	out->pid = pid;
	out->flags = flags;
	session_pid[next_id % 64] = pid;
	next_id++;
	return 0;
}

int zc_nl_session_get(struct zc_nl *nl, uint32_t id, struct zc_info *out)
{
	uint32_t pid = session_pid[id % 64];

	(void)nl;
	log_call("get", id, pid, 0);
	out->session_id = id;
	out->pid = pid;
	out->present |= 1ull << ZCOPY_A_SESSION_ID;
	/* As a kernel with every probe: each counter, 0 unless filled. */
	out->counters.present = (1ull << ZC_NCOUNTERS) - 1;
	if (fake_fill)
		fake_fill(id, out);
	return 0;
}

int zc_nl_session_del(struct zc_nl *nl, uint32_t id)
{
	(void)nl;
	log_call("del", id, session_pid[id % 64], 0);
	return 0;
}

int zc_nl_session_dump(struct zc_nl *nl, struct zc_session_list *out)
{
	(void)nl;
	out->n = 0;
	return 0;
}

int zc_nl_reset(struct zc_nl *nl, uint32_t id)
{
	(void)nl;
	log_call("reset", id, 0, 0);
	return 0;
}

int zc_nl_stats(struct zc_nl *nl, struct zc_info *out)
{
	(void)nl;
	out->version = ZCOPY_FAMILY_VERSION;
	return 0;
}

int zc_nl_probes(struct zc_nl *nl, struct zc_info *out)
{
	(void)nl, (void)out;
	return 0;
}

int zc_nl_events_open(struct zc_nl *nl)
{
	(void)nl;
	return -EOPNOTSUPP;
}

int zc_nl_events_read(struct zc_nl *nl, zc_event_fn fn, void *arg)
{
	(void)nl, (void)fn, (void)arg;
	return -EAGAIN;
}
