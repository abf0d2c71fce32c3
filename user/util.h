/* SPDX-License-Identifier: GPL-2.0 */
/* zcopy CLI: small helpers (parsing, I/O, time, messages). */
#ifndef ZC_UTIL_H
#define ZC_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define ZC_ALIGN	4096u

#define ZC_TOOL_VERSION		"0.2"
#define ZC_JSON_SCHEMA_VERSION	2	/* zcopy.schema.json */

/* Exit codes shared by every command. */
enum { ZC_EXIT_OK = 0, ZC_EXIT_FAIL = 1, ZC_EXIT_USAGE = 2 };

struct zc_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

int parse_size(const char *s, uint64_t *out);
int parse_seconds(const char *s, double *out);
int parse_u32(const char *s, uint32_t *out);
int parse_onoff(const char *s, bool *on);
#define ZC_MAX_ADDRS	8	/* addresses of a name that are tried */

int parse_hostport(const char *s, bool port_only_ok, struct zc_addr *a);
int parse_hostports(const char *s, bool port_only_ok, struct zc_addr *a,
		    unsigned int max, unsigned int *n);
const char *zc_resolve_error(void);
void format_addr(const struct zc_addr *a, char *buf, size_t len);
void addr_set_port(struct zc_addr *a, uint16_t port);
uint16_t addr_port(const struct zc_addr *a);

ssize_t read_full(int fd, void *buf, size_t len);
int write_full(int fd, const void *buf, size_t len);
uint64_t now_ns(void);
void sleep_ns(uint64_t ns);
int xpipe(int fds[2]);

void zc_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void zc_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void *xcalloc(size_t n, size_t size);

const char *env_str(const char *name);
void strlcpy0(char *dst, const char *src, size_t len);

int zc_default_file(const char **file, char *err, size_t len);

#endif
