/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Common to the zcopy API test programs: the kselftest harness with its
 * log on stdout (so that failures land in the TAP output), the helpers,
 * and assertions on netlink answers.
 */
#ifndef ZC_TEST_H
#define ZC_TEST_H

#include <stdio.h>
#include <string.h>

#define TH_LOG_STREAM	stdout
/* The harness's own signal handler ignores an argument; -Wextra says so. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
/*
 * Each test's wrapper sets a local after the harness's setjmp(); whether
 * -Wclobbered notices depends on inlining. The tests do not longjmp.
 */
#pragma GCC diagnostic ignored "-Wclobbered"

#include "zc_api.h"
#include "zc_nl.h"
#include "zc_util.h"

/* The harness compares as is: unsigned twins of the UAPI's int constants. */
#define ZC_NCTR		((unsigned int)__ZCOPY_COUNTER_MAX)
#define ZC_VERSION	((__u32)ZCOPY_FAMILY_VERSION)

/*
 * Checks of netlink answers. Each logs what it expected and what it saw
 * when it fails; the ASSERT_ forms take an optional block, like the
 * harness's own, for more context.
 */
#define ZC_LOG(fmt, ...)						\
	fprintf(TH_LOG_STREAM, "# %s:%d:%s:" fmt "\n", file, line,	\
		_metadata->name, ##__VA_ARGS__)

static inline bool zc_nl_is_err(struct __test_metadata *_metadata,
				const char *file, int line,
				const struct zc_nl *nl, int ret, int want,
				const char *substr)
{
	if (ret != -want) {
		ZC_LOG("expected %s, got %s; extack message \"%s\"",
		       zc_errname(-want), zc_errname(ret), nl->ext.msg);
		return false;
	}
	if (substr && !strstr(nl->ext.msg, substr)) {
		ZC_LOG("%s as expected; extack message \"%s\", expected \"%s\" in it",
		       zc_errname(ret), nl->ext.msg, substr);
		return false;
	}
	return true;
}

static inline bool zc_nl_blames(struct __test_metadata *_metadata,
				const char *file, int line,
				const struct zc_nl *nl, size_t off)
{
	if (!nl->ext.has_off) {
		ZC_LOG("expected the extack to blame offset %zu; it has no offset",
		       off);
		return false;
	}
	if (nl->ext.off != off) {
		ZC_LOG("expected the extack to blame offset %zu, it blames %u",
		       off, nl->ext.off);
		return false;
	}
	return true;
}

/* The request must fail with @want (a positive errno)... */
#define ASSERT_NL_ERRNO(nl, ret, want)					\
	ASSERT_TRUE(zc_nl_is_err(_metadata, __FILE__, __LINE__, nl, ret, \
				 want, NULL))
/* ... and an extack message that contains @substr. */
#define ASSERT_NL_ERR(nl, ret, want, substr)				\
	ASSERT_TRUE(zc_nl_is_err(_metadata, __FILE__, __LINE__, nl, ret, \
				 want, substr))
/* The request must succeed. */
#define ASSERT_NL_OK(nl, ret)						\
	ASSERT_TRUE(zc_nl_is_err(_metadata, __FILE__, __LINE__, nl, ret, \
				 0, NULL))
#define EXPECT_NL_OK(nl, ret)						\
	EXPECT_TRUE(zc_nl_is_err(_metadata, __FILE__, __LINE__, nl, ret, \
				 0, NULL))
/* The extack must point at the attribute at offset @off of the request. */
#define ASSERT_BLAMES(nl, off)						\
	ASSERT_TRUE(zc_nl_blames(_metadata, __FILE__, __LINE__, nl, off))

/*
 * main() of a test program: skip the whole program (exit 4, "1..0 # SKIP
 * reason") when it cannot run here (not root, no zcopy.ko loaded), fail it
 * ("Bail out!", exit 1) when the loaded module lacks an interface, else
 * run the harness with line-buffered stdout: test children leave with
 * _exit(), which would drop a buffer.
 */
static inline int zc_main(int argc, char **argv, bool need_dev)
{
	const char *why;

	setvbuf(stdout, NULL, _IOLBF, 0);
	why = zc_cannot_run();
	if (why) {
		ksft_print_header();
		ksft_exit_skip("%s\n", why);
	}
	why = zc_missing_prereq(need_dev);
	if (why) {
		ksft_print_header();
		ksft_exit_fail_msg("%s\n", why);
	}
	return test_harness_run(argc, argv);
}

#endif /* ZC_TEST_H */
