// SPDX-License-Identifier: GPL-2.0
/* zcopy CLI: small helpers (parsing, I/O, time, messages). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static int size_shift(const char *suf, unsigned int *shift)
{
	static const char units[] = "kmgt";
	const char *u;

	*shift = 0;
	if (!*suf)
		return 0;
	u = strchr(units, tolower((unsigned char)*suf));
	if (!u)
		return -EINVAL;
	*shift = 10 * (unsigned int)(u - units + 1);
	suf++;
	/* Accept "16M", "16MB" and "16MiB". */
	if (!*suf || !strcmp(suf, "B") || !strcmp(suf, "iB"))
		return 0;
	return -EINVAL;
}

/* "4096", "64k", "16M", "1G" (powers of 1024). */
int parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	unsigned int shift;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (size_shift(end, &shift))
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = (uint64_t)v << shift;
	return 0;
}

int parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	if (!s || !*s || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v < 0 || v > 86400.0 * 365)
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_u32(const char *s, uint32_t *out)
{
	unsigned long v;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

int parse_onoff(const char *s, bool *on)
{
	if (!s)
		return -EINVAL;
	if (!strcmp(s, "on") || !strcmp(s, "1") || !strcmp(s, "yes")) {
		*on = true;
		return 0;
	}
	if (!strcmp(s, "off") || !strcmp(s, "0") || !strcmp(s, "no")) {
		*on = false;
		return 0;
	}
	return -EINVAL;
}

static int split_hostport(const char *s, char *host, size_t hlen,
			  const char **port)
{
	const char *colon;
	size_t n;

	if (s[0] == '[') {
		colon = strchr(s, ']');
		if (!colon || colon[1] != ':')
			return -EINVAL;
		n = (size_t)(colon - s - 1);
		s++;
		colon++;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -ENOENT;
		n = (size_t)(colon - s);
	}
	if (n >= hlen)
		return -EINVAL;
	memcpy(host, s, n);
	host[n] = '\0';
	*port = colon + 1;
	return 0;
}

static char resolve_err[200];

/* Why the last parse_hostport() / parse_hostports() failed, for messages. */
const char *zc_resolve_error(void)
{
	return resolve_err[0] ? resolve_err : "bad address";
}

static int resolve(const char *host, const char *port, struct zc_addr *a,
		   unsigned int max, unsigned int *n)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICSERV | (*host ? 0 : AI_PASSIVE),
	};
	struct addrinfo *res, *r;
	uint32_t p;
	int e;

	if (parse_u32(port, &p) || p > 65535) {
		snprintf(resolve_err, sizeof(resolve_err),
			 "bad port '%s' (0 to 65535)", port);
		return -EINVAL;
	}
	e = getaddrinfo(*host ? host : NULL, port, &hints, &res);
	if (e) {
		snprintf(resolve_err, sizeof(resolve_err), "cannot resolve '%s': %s",
			 host, e == EAI_SYSTEM ? strerror(errno) : gai_strerror(e));
		return -EHOSTUNREACH;
	}
	*n = 0;
	for (r = res; r && *n < max; r = r->ai_next) {
		if (r->ai_addrlen > sizeof(a[*n].ss))
			continue;
		memcpy(&a[*n].ss, r->ai_addr, r->ai_addrlen);
		a[*n].len = r->ai_addrlen;
		(*n)++;
	}
	freeaddrinfo(res);
	if (!*n) {
		snprintf(resolve_err, sizeof(resolve_err),
			 "'%s' has no usable address", host);
		return -EHOSTUNREACH;
	}
	return 0;
}

/*
 * "ADDR:PORT", "[V6ADDR]:PORT" or, when @port_only_ok, just "PORT"
 * (any address). Names are resolved: up to @max addresses, in the
 * resolver's order, land in @a and their number in @n.
 */
int parse_hostports(const char *s, bool port_only_ok, struct zc_addr *a,
		    unsigned int max, unsigned int *n)
{
	char host[256];
	const char *port;
	int err;

	resolve_err[0] = '\0';
	if (!s || !*s || !max)
		return -EINVAL;
	err = split_hostport(s, host, sizeof(host), &port);
	if (err == -ENOENT && port_only_ok) {
		host[0] = '\0';
		port = s;
		err = 0;
	}
	if (err || (!*host && !port_only_ok)) {
		snprintf(resolve_err, sizeof(resolve_err),
			 err == -ENOENT ? "'%s' has no port (ADDR:PORT)" :
			 "'%s' is not ADDR:PORT or [V6ADDR]:PORT", s);
		return -EINVAL;
	}
	return resolve(host, port, a, max, n);
}

int parse_hostport(const char *s, bool port_only_ok, struct zc_addr *a)
{
	unsigned int n;

	return parse_hostports(s, port_only_ok, a, 1, &n);
}

void format_addr(const struct zc_addr *a, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned int port = 0;

	if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)&a->ss;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		port = ntohs(in->sin_port);
		snprintf(buf, len, "%s:%u", host, port);
	} else if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)&a->ss;
		bool mapped = IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr);

		/* An IPv4 peer of a dual-stack socket reads as IPv4. */
		if (mapped)
			inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], host,
				  sizeof(host));
		else
			inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
		snprintf(buf, len, mapped ? "%s:%u" : "[%s]:%u", host, port);
	} else {
		snprintf(buf, len, "?");
	}
}

void addr_set_port(struct zc_addr *a, uint16_t port)
{
	if (a->ss.ss_family == AF_INET)
		((struct sockaddr_in *)&a->ss)->sin_port = htons(port);
	else if (a->ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&a->ss)->sin6_port = htons(port);
}

uint16_t addr_port(const struct zc_addr *a)
{
	if (a->ss.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
	if (a->ss.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)&a->ss)->sin6_port);
	return 0;
}

/* Read until @len bytes or end of file; returns bytes read or -errno. */
ssize_t read_full(int fd, void *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = read(fd, (char *)buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

/* Write all of @buf, retrying short writes and EINTR. */
int write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void sleep_ns(uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / 1000000000ull),
		.tv_nsec = (long)(ns % 1000000000ull),
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

int xpipe(int fds[2])
{
	return pipe2(fds, O_CLOEXEC) ? -errno : 0;
}

static void vmsg(const char *prefix, const char *fmt, va_list ap)
{
	char buf[1024];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	fprintf(stderr, "zcopy: %s%s\n", prefix, buf);
}

void zc_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

void zc_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p) {
		zc_err("out of memory");
		exit(ZC_EXIT_FAIL);
	}
	return p;
}

/* An environment variable, or NULL when unset or empty. */
const char *env_str(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

void strlcpy0(char *dst, const char *src, size_t len)
{
	size_t n;

	if (!len)
		return;
	n = strnlen(src, len - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/*
 * The transfer file when none was given: zcopy-demo.dat in the lab's disk
 * directory ($ZCOPY_DISK_DIR). Returns -EINVAL, with @err set, without one.
 */
int zc_default_file(const char **file, char *err, size_t len)
{
	static char path[4096];
	const char *dir = env_str("ZCOPY_DISK_DIR");

	if (*file)
		return 0;
	if (!dir) {
		snprintf(err, len, "a file is needed: --file PATH (or ZCOPY_DISK_DIR)");
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "%s/zcopy-demo.dat", dir);
	*file = path;
	return 0;
}
