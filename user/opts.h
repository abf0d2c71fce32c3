/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcopy CLI: what the commands' option parsers share: getopt errors, the
 * method list, and where the data goes (--peer, --peer-ns, their
 * environment defaults). Depends on util and methods only.
 */
#ifndef ZC_OPTS_H
#define ZC_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <getopt.h>

#include "util.h"

#define ZC_DEFAULT_CONNECT_S	10.0	/* --connect-timeout */
#define ZC_DEFAULT_STALL_S	30.0	/* --stall-timeout */

struct zc_method;

extern bool zc_opt_json;	/* "zcopy -j COMMAND" */

/* Where a transfer goes: every address a --peer name has. */
struct zc_dest {
	struct zc_addr addr[ZC_MAX_ADDRS];
	unsigned int n;
	const char *ns;		/* start a sink in this network namespace */
};

int opt_error(int c, char **argv, char *err, size_t len);
void methods_list(char *buf, size_t len);
int bad_method(const char *name, char *err, size_t len);
int parse_timeout(const char *opt, const char *arg, double *out, char *err,
		  size_t len);

int peer_resolve(const char *arg, bool port_optional, struct zc_addr *a);
int peer_resolve_all(const char *arg, bool port_optional, struct zc_addr *a,
		     unsigned int max, unsigned int *n);
int dest_resolve(const char *peer, const char **ns, struct zc_dest *d,
		 char *err, size_t len);
void dest_set_port(struct zc_dest *d, uint16_t port);

/* What run and demo share, parsed by one parser (xfer_opt in opts.c). */
struct xfer_opts {
	const char *file;
	bool file_given;	/* --file, not the default scratch file */
	bool create;		/* --create: make a missing --file */
	uint64_t size;		/* 0: the whole file */
	size_t chunk;
	const char *peer;	/* --peer as given */
	const char *peer_ns;
	struct zc_dest dest;	/* port 0 with dest.ns: ask the sink */
	bool have_peer;
	bool cold;
	bool json;
	bool account;
	double connect_s;
	double stall_s;
};

void xfer_defaults(struct xfer_opts *x);
int xfer_opt(int c, const char *arg, struct xfer_opts *x, char *err,
	     size_t len);
int xfer_finish(struct xfer_opts *x, bool peer_needed, char *err, size_t len);
extern const char xfer_short[];
#define XFER_LONG_OPTS							\
	{ "file", required_argument, NULL, 'f' },			\
	{ "size", required_argument, NULL, 's' },			\
	{ "chunk", required_argument, NULL, 'c' },			\
	{ "peer", required_argument, NULL, 'P' },			\
	{ "peer-ns", required_argument, NULL, 'N' },			\
	{ "create", no_argument, NULL, 'A' },				\
	{ "cold", no_argument, NULL, 'C' },				\
	{ "warm", no_argument, NULL, 'W' },				\
	{ "no-account", no_argument, NULL, 'n' },			\
	{ "connect-timeout", required_argument, NULL, 'T' },		\
	{ "stall-timeout", required_argument, NULL, 'L' },		\
	{ "json", no_argument, NULL, 'j' },				\
	{ "help", no_argument, NULL, 'h' }

#endif
