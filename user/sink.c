// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy sink: the receiver. Accepts any number of connections (one poll()
 * loop, at most ZC_SINK_MAX_CONN at once), reads and discards, and with -v
 * prints what each connection delivered when it closes.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "cmds.h"
#include "sink.h"

#define SINK_BUF	(256u << 10)

struct conn {
	int fd;
	uint64_t bytes;
	char peer[64];
};

static volatile sig_atomic_t sink_stop;

static void on_stop(int sig)
{
	(void)sig;
	sink_stop = 1;
}

static int listen_on(const struct zc_addr *a, int *fd)
{
	int one = 1, zero = 0, s, err;

	s = socket(a->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* An IPv6 wildcard takes IPv4 too, whatever net.ipv6.bindv6only says. */
	if (a->ss.ss_family == AF_INET6)
		setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(s, (const void *)&a->ss, a->len) || listen(s, 64)) {
		err = -errno;
		close(s);
		return err;
	}
	*fd = s;
	return 0;
}

static bool any4(const struct zc_addr *a)
{
	const struct sockaddr_in *in = (const void *)&a->ss;

	return a->ss.ss_family == AF_INET &&
	       in->sin_addr.s_addr == htonl(INADDR_ANY);
}

/*
 * Listen on @a. The IPv4 wildcard listens on every address of both
 * families, where the kernel has IPv6 at all.
 */
int zc_sink_listen(const struct zc_addr *a, int *fd)
{
	struct zc_addr six = { .len = sizeof(struct sockaddr_in6) };
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&six.ss;
	int err;

	if (!any4(a))
		return listen_on(a, fd);
	in6->sin6_family = AF_INET6;
	in6->sin6_addr = in6addr_any;
	in6->sin6_port = ((const struct sockaddr_in *)&a->ss)->sin_port;
	err = listen_on(&six, fd);
	return err == -EAFNOSUPPORT ? listen_on(a, fd) : err;
}

static int local_addr(int fd, struct zc_addr *a)
{
	a->len = sizeof(a->ss);
	return getsockname(fd, (struct sockaddr *)&a->ss, &a->len) ? -errno : 0;
}

static void conn_accept(int lfd, struct conn *c)
{
	struct zc_addr a = { .len = sizeof(a.ss) };
	int fd;

	fd = accept4(lfd, (struct sockaddr *)&a.ss, &a.len, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	c->fd = fd;
	c->bytes = 0;
	format_addr(&a, c->peer, sizeof(c->peer));
}

/* Read what is there; returns true when the connection is finished. */
static bool conn_read(struct conn *c, char *buf, FILE *log, bool verbose)
{
	ssize_t n = recv(c->fd, buf, SINK_BUF, MSG_DONTWAIT);

	if (n > 0) {
		c->bytes += (uint64_t)n;
		return false;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return false;
	if (verbose) {
		if (n < 0)
			fprintf(log, "sink: %s: %" PRIu64 " bytes (%s)\n", c->peer,
				c->bytes, strerror(errno));
		else
			fprintf(log, "sink: %s: %" PRIu64 " bytes\n", c->peer,
				c->bytes);
		fflush(log);
	}
	close(c->fd);
	c->fd = -1;
	return true;
}

static unsigned int build_poll(int lfd, const struct conn *c, struct pollfd *p,
			       unsigned int *map)
{
	unsigned int i, n = 0, free_slots = 0;

	for (i = 0; i < ZC_SINK_MAX_CONN; i++) {
		if (c[i].fd < 0) {
			free_slots++;
			continue;
		}
		p[n] = (struct pollfd){ .fd = c[i].fd, .events = POLLIN };
		map[n++] = i;
	}
	if (free_slots)	/* stop accepting while every slot is busy */
		p[n++] = (struct pollfd){ .fd = lfd, .events = POLLIN };
	return n;
}

static void accept_one(int lfd, struct conn *c)
{
	unsigned int i;

	for (i = 0; i < ZC_SINK_MAX_CONN; i++)
		if (c[i].fd < 0) {
			conn_accept(lfd, &c[i]);
			return;
		}
}

/* Serve until a signal, or with @once until the first connection ends. */
int zc_sink_serve(int lfd, bool once, bool verbose, FILE *log)
{
	struct pollfd p[ZC_SINK_MAX_CONN + 1];
	unsigned int map[ZC_SINK_MAX_CONN], n, i;
	struct conn *c = xcalloc(ZC_SINK_MAX_CONN, sizeof(*c));
	char *buf = xcalloc(1, SINK_BUF);
	bool done = false;

	for (i = 0; i < ZC_SINK_MAX_CONN; i++)
		c[i].fd = -1;
	while (!done && !sink_stop) {
		n = build_poll(lfd, c, p, map);
		if (poll(p, n, -1) < 0)
			continue;	/* EINTR: check sink_stop */
		for (i = 0; i < n; i++) {
			if (!p[i].revents)
				continue;
			if (p[i].fd == lfd)
				accept_one(lfd, c);
			else if (conn_read(&c[map[i]], buf, log, verbose) && once)
				done = true;
		}
	}
	for (i = 0; i < ZC_SINK_MAX_CONN; i++)
		if (c[i].fd >= 0)
			close(c[i].fd);
	free(c);
	free(buf);
	return 0;
}

/* A sink in network namespace @ns */

static int enter_netns(const char *ns)
{
	char path[300];
	int fd, err = 0;

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (setns(fd, CLONE_NEWNET))
		err = -errno;
	close(fd);
	return err;
}

struct ns_report {
	int err;
	uint16_t port;
};

static int ns_sink_main(const char *ns, int rep_fd)
{
	struct zc_addr a = { .len = sizeof(struct sockaddr_in) };
	struct ns_report r = { 0 };
	struct sockaddr_in *in = (struct sockaddr_in *)&a.ss;
	int lfd = -1;

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	signal(SIGINT, SIG_IGN);	/* the parent stops us */
	signal(SIGHUP, SIG_IGN);
	signal(SIGTERM, on_stop);
	in->sin_family = AF_INET;
	r.err = enter_netns(ns);
	if (!r.err)
		r.err = zc_sink_listen(&a, &lfd);
	if (!r.err)
		r.err = local_addr(lfd, &a);
	r.port = addr_port(&a);
	write_full(rep_fd, &r, sizeof(r));
	close(rep_fd);
	if (r.err)
		return 1;
	zc_sink_serve(lfd, false, false, stderr);
	return 0;
}

/*
 * Fork a sink that enters /run/netns/@ns and listens on an ephemeral port
 * of every address there; @port is that port.
 */
int zc_sink_spawn_ns(const char *ns, int close_fd, pid_t *pid, uint16_t *port,
		     char *msg, size_t len)
{
	struct ns_report r = { .err = -EPIPE };
	int p[2], err;

	err = xpipe(p);
	if (err)
		return err;
	fflush(NULL);
	*pid = fork();
	if (*pid == 0) {
		close(p[0]);
		if (close_fd >= 0)
			close(close_fd);
		_exit(ns_sink_main(ns, p[1]));
	}
	close(p[1]);
	if (*pid < 0 || read_full(p[0], &r, sizeof(r)) != sizeof(r))
		r.err = *pid < 0 ? -errno : -EPIPE;
	close(p[0]);
	if (r.err) {
		snprintf(msg, len, "sink in network namespace '%s' (/run/netns/%s): %s",
			 ns, ns, strerror(-r.err));
		if (*pid > 0)
			zc_sink_stop(*pid);
		*pid = 0;
		return r.err;
	}
	*port = r.port;
	return 0;
}

void zc_sink_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* zcopy sink */

static const struct option sink_long[] = {
	{ "listen", required_argument, NULL, 'l' },
	{ "once", no_argument, NULL, '1' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int sink_parse_args(int argc, char **argv, struct sink_opts *o, char *err,
		    size_t len)
{
	const char *listen = NULL;
	int c;

	memset(o, 0, sizeof(*o));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":l:vh", sink_long, NULL)) != -1) {
		switch (c) {
		case 'l':
			listen = optarg;
			break;
		case '1':
			o->once = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			return ZC_PARSE_HELP;
		default:
			return opt_error(c, argv, err, len);
		}
	}
	if (optind < argc) {
		snprintf(err, len, "unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	if (!listen) {
		snprintf(err, len, "--listen [ADDR:]PORT is needed");
		return -EINVAL;
	}
	if (parse_hostport(listen, true, &o->listen)) {
		snprintf(err, len, "bad --listen '%s' ([ADDR:]PORT)", listen);
		return -EINVAL;
	}
	return 0;
}

static void sink_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int cmd_sink(int argc, char **argv)
{
	struct sink_opts o;
	struct zc_addr a;
	char err[256], addr[80];
	int lfd, ret;

	ret = sink_parse_args(argc, argv, &o, err, sizeof(err));
	if (ret == ZC_PARSE_HELP || ret) {
		if (ret != ZC_PARSE_HELP)
			zc_err("sink: %s", err);
		fprintf(ret == ZC_PARSE_HELP ? stdout : stderr,
			"usage: zcopy sink --listen [ADDR:]PORT [OPTIONS]\n"
			"  -l, --listen [ADDR:]PORT  where; a port alone: every address (needed)\n"
			"      --once                exit after the first connection (serve on)\n"
			"  -v, --verbose             print the address and each connection's bytes (quiet)\n"
			"  -h, --help                this help\n");
		return ret == ZC_PARSE_HELP ? ZC_EXIT_OK : ZC_EXIT_USAGE;
	}
	format_addr(&o.listen, addr, sizeof(addr));
	ret = zc_sink_listen(&o.listen, &lfd);
	if (ret) {
		zc_err("sink: listen on %s: %s", addr, strerror(-ret));
		return ZC_EXIT_FAIL;
	}
	if (o.verbose && !local_addr(lfd, &a)) {
		format_addr(&a, addr, sizeof(addr));
		printf("sink: listening on %s\n", addr);
		fflush(stdout);
	}
	sink_signals();
	zc_sink_serve(lfd, o.once, o.verbose, stdout);
	close(lfd);
	return ZC_EXIT_OK;
}
