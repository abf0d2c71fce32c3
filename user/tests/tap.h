/* SPDX-License-Identifier: GPL-2.0 */
/* A tiny TAP producer for the unit tests. */
#ifndef ZC_TAP_H
#define ZC_TAP_H

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>

static int tap_n, tap_failed;

static inline int tap_ok(int cond, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond) {
		tap_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return cond;
}

#define ok(cond, ...)	tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

#define is_int(got, want, name) do {					\
	long long g_ = (long long)(got), w_ = (long long)(want);	\
	if (!ok(g_ == w_, "%s", name))					\
		printf("#   got %lld, want %lld\n", g_, w_);		\
} while (0)

#define is_u64(got, want, name) do {					\
	uint64_t g_ = (uint64_t)(got), w_ = (uint64_t)(want);		\
	if (!ok(g_ == w_, "%s", name))					\
		printf("#   got %" PRIu64 ", want %" PRIu64 "\n", g_, w_); \
} while (0)

#define is_str(got, want, name) do {					\
	const char *g_ = (got), *w_ = (want);				\
	if (!ok(g_ && w_ && !strcmp(g_, w_), "%s", name))		\
		printf("#   got '%s', want '%s'\n", g_ ? g_ : "(null)",	\
		       w_ ? w_ : "(null)");				\
} while (0)

#define has_str(hay, needle, name) do {					\
	const char *h_ = (hay), *n_ = (needle);				\
	if (!ok(h_ && strstr(h_, n_), "%s", name))			\
		printf("#   '%s' not in '%s'\n", n_, h_ ? h_ : "(null)");	\
} while (0)

#define is_dbl(got, want, eps, name) do {				\
	double g_ = (got), w_ = (want);					\
	if (!ok(fabs(g_ - w_) <= (eps), "%s", name))			\
		printf("#   got %.6f, want %.6f\n", g_, w_);		\
} while (0)

static inline void skip(const char *why)
{
	tap_n++;
	printf("ok %d # SKIP %s\n", tap_n, why);
}

/*
 * Run python ($PYTHON or python3) on @script with @path as its argument:
 * its exit status, 127 when python is missing, -1 when it died.
 */
static inline int run_python(const char *script, const char *path)
{
	const char *py = getenv("PYTHON") ? getenv("PYTHON") : "python3";
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		execlp(py, py, "-c", script, path, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static inline int done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
