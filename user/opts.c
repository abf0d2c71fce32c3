// SPDX-License-Identifier: GPL-2.0
/* zcopy CLI: the helpers every command's option parser shares. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "methods.h"
#include "opts.h"

bool zc_opt_json;

/* Describe a getopt_long error (returns -EINVAL). */
int opt_error(int c, char **argv, char *err, size_t len)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "?";

	if (c == ':')
		snprintf(err, len, "option '%s' needs a value", arg);
	else if (optopt)
		snprintf(err, len, "unknown option '-%c'", optopt);
	else
		snprintf(err, len, "unknown option '%s'", arg);
	return -EINVAL;
}

void methods_list(char *buf, size_t len)
{
	size_t off = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < zc_nmethods && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
					i ? ", " : "", zc_methods[i].name);
}

int bad_method(const char *name, char *err, size_t len)
{
	char list[256];

	methods_list(list, sizeof(list));
	snprintf(err, len, "unknown method '%s' (methods: %s)", name, list);
	return -EINVAL;
}

/* A timeout in seconds, more than 0 and at most a day. */
int parse_timeout(const char *opt, const char *arg, double *out, char *err,
		  size_t len)
{
	if (parse_seconds(arg, out) || *out <= 0 || *out > 86400) {
		snprintf(err, len, "bad %s '%s' (seconds, more than 0)", opt, arg);
		return -EINVAL;
	}
	return 0;
}

static unsigned int count_char(const char *s, char c)
{
	unsigned int n = 0;

	while ((s = strchr(s, c)))
		n++, s++;
	return n;
}

/*
 * "ADDR:PORT", "[V6]:PORT", or with @port_optional also "ADDR", "V6" or
 * "[V6]" (port 0). Up to @max addresses of a name, in the resolver's order.
 */
int peer_resolve_all(const char *arg, bool port_optional, struct zc_addr *a,
		     unsigned int max, unsigned int *n)
{
	char buf[300];
	size_t len = arg ? strlen(arg) : 0;
	bool bare_v6 = arg && arg[0] != '[' && count_char(arg, ':') >= 2;
	bool bracketed = len > 2 && arg[0] == '[' && arg[len - 1] == ']';
	int err;

	if (!arg || len > 256)
		return -EINVAL;
	if (!bare_v6) {
		err = parse_hostports(arg, false, a, max, n);
		if (!err || err == -EHOSTUNREACH)
			return err;
	}
	if (!port_optional || (!bare_v6 && !bracketed && strchr(arg, ':')))
		return -EINVAL;
	snprintf(buf, sizeof(buf), bare_v6 ? "[%s]:0" : "%s:0", arg);
	return parse_hostports(buf, false, a, max, n);
}

int peer_resolve(const char *arg, bool port_optional, struct zc_addr *a)
{
	unsigned int n;

	return peer_resolve_all(arg, port_optional, a, 1, &n);
}

/*
 * Where the data goes: --peer ADDR:PORT (a sink already listening), or a
 * sink this program starts in network namespace @ns (--peer-ns, or
 * ZCOPY_PEER_NS when --peer has no port), at --peer ADDR or ZCOPY_PEER_ADDR.
 */
int dest_resolve(const char *peer, const char **ns, struct zc_dest *d,
		 char *err, size_t len)
{
	struct zc_addr tmp;
	bool has_port = peer && !peer_resolve(peer, false, &tmp);
	int ret;

	memset(d, 0, sizeof(*d));
	if (!*ns && !has_port)
		*ns = env_str("ZCOPY_PEER_NS");
	if (!peer && *ns)
		peer = env_str("ZCOPY_PEER_ADDR");
	if (!peer) {
		snprintf(err, len, *ns ?
			 "--peer-ns needs the peer's address: --peer ADDR or ZCOPY_PEER_ADDR" :
			 "a destination is needed: --peer ADDR:PORT or --peer-ns NS");
		return -EINVAL;
	}
	ret = peer_resolve_all(peer, !!*ns, d->addr, ZC_MAX_ADDRS, &d->n);
	if (ret == -EHOSTUNREACH) {
		snprintf(err, len, "--peer %s", zc_resolve_error());
		return -EINVAL;
	}
	if (ret || (!*ns && !addr_port(&d->addr[0]))) {
		snprintf(err, len, "bad --peer '%s' (ADDR:PORT, [V6ADDR]:PORT%s)",
			 peer, *ns ? ", or ADDR with --peer-ns" : "");
		return -EINVAL;
	}
	d->ns = *ns;
	return 0;
}

void dest_set_port(struct zc_dest *d, uint16_t port)
{
	unsigned int i;

	for (i = 0; i < d->n; i++)
		addr_set_port(&d->addr[i], port);
}

/* Options run and demo share */

const char xfer_short[] = "f:s:c:j";

void xfer_defaults(struct xfer_opts *x)
{
	memset(x, 0, sizeof(*x));
	x->chunk = 64u << 10;
	x->cold = true;
	x->account = true;
	x->json = zc_opt_json;
	x->connect_s = ZC_DEFAULT_CONNECT_S;
	x->stall_s = ZC_DEFAULT_STALL_S;
}

/* One shared option: 0, 1 when @c is not one of them, or -EINVAL. */
int xfer_opt(int c, const char *arg, struct xfer_opts *x, char *err,
	     size_t len)
{
	uint64_t v;

	switch (c) {
	case 'f':
		x->file = arg;
		x->file_given = true;
		return 0;
	case 's':
		if (parse_size(arg, &x->size) || !x->size) {
			snprintf(err, len, "bad --size '%s' (e.g. 16M)", arg);
			return -EINVAL;
		}
		return 0;
	case 'c':
		if (parse_size(arg, &v) || !v || v > ZC_MAX_CHUNK) {
			snprintf(err, len, "bad --chunk '%s' (1 to 64M)", arg);
			return -EINVAL;
		}
		x->chunk = (size_t)v;
		return 0;
	case 'P':
		x->peer = arg;
		return 0;
	case 'N':
		x->peer_ns = arg;
		return 0;
	case 'A':
		x->create = true;
		return 0;
	case 'C':
		x->cold = true;
		return 0;
	case 'W':
		x->cold = false;
		return 0;
	case 'n':
		x->account = false;
		return 0;
	case 'T':
		return parse_timeout("--connect-timeout", arg, &x->connect_s, err, len);
	case 'L':
		return parse_timeout("--stall-timeout", arg, &x->stall_s, err, len);
	case 'j':
		x->json = true;
		return 0;
	}
	return 1;
}

/* After the options: where to, and which file (the default one if none). */
int xfer_finish(struct xfer_opts *x, bool peer_needed, char *err, size_t len)
{
	int ret = 0;

	if (peer_needed) {
		ret = dest_resolve(x->peer, &x->peer_ns, &x->dest, err, len);
		x->have_peer = !ret;
	}
	return ret ? ret : zc_default_file(&x->file, err, len);
}
