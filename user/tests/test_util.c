// SPDX-License-Identifier: GPL-2.0
/* Size, number and address parsing; full reads and writes. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "tap.h"
#include "util.h"

static void test_sizes(void)
{
	static const struct { const char *s; uint64_t v; } good[] = {
		{ "0", 0 }, { "4096", 4096 }, { "64k", 65536 }, { "64K", 65536 },
		{ "16M", 16ull << 20 }, { "16m", 16ull << 20 }, { "1G", 1ull << 30 },
		{ "2T", 2ull << 40 }, { "16MiB", 16ull << 20 }, { "8KB", 8192 },
	};
	static const char *const bad[] = {
		"", "-1", "k", "12x", "1.5M", " 5", "5 ", "16MX", "0x10", "16Mi",
	};
	uint64_t v;
	unsigned int i;
	char name[64];

	for (i = 0; i < ARRAY_SIZE(good); i++) {
		v = 12345;
		snprintf(name, sizeof(name), "parse_size(\"%s\")", good[i].s);
		is_int(parse_size(good[i].s, &v), 0, name);
		is_u64(v, good[i].v, name);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(name, sizeof(name), "parse_size(\"%s\") fails", bad[i]);
		is_int(parse_size(bad[i], &v), -EINVAL, name);
	}
	is_int(parse_size("17179869184G", &v), -ERANGE, "parse_size overflow");
	is_int(parse_size("99999999999999999999999", &v), -ERANGE,
	       "parse_size strtoull overflow");
	is_int(parse_size(NULL, &v), -EINVAL, "parse_size(NULL)");
}

static void test_numbers(void)
{
	double d = 0;
	uint32_t u = 0;
	bool on = false;

	is_int(parse_seconds("1.5", &d), 0, "parse_seconds 1.5");
	is_dbl(d, 1.5, 1e-12, "parse_seconds value");
	is_int(parse_seconds("-1", &d), -EINVAL, "parse_seconds negative");
	is_int(parse_seconds("nan", &d), -EINVAL, "parse_seconds nan");
	is_int(parse_seconds("2s", &d), -EINVAL, "parse_seconds junk");
	is_int(parse_u32("4294967295", &u), 0, "parse_u32 max");
	is_u64(u, 4294967295u, "parse_u32 value");
	is_int(parse_u32("4294967296", &u), -EINVAL, "parse_u32 overflow");
	is_int(parse_u32("+3", &u), -EINVAL, "parse_u32 sign");
	is_int(parse_onoff("off", &on), 0, "parse_onoff off");
	ok(!on, "off is false");
	is_int(parse_onoff("on", &on), 0, "parse_onoff on");
	ok(on, "on is true");
	is_int(parse_onoff("maybe", &on), -EINVAL, "parse_onoff maybe");
}

static void test_addrs(void)
{
	struct zc_addr a;
	char buf[80];

	is_int(parse_hostport("127.0.0.1:5201", false, &a), 0, "v4 host:port");
	format_addr(&a, buf, sizeof(buf));
	is_str(buf, "127.0.0.1:5201", "format v4");
	is_int(addr_port(&a), 5201, "addr_port");
	addr_set_port(&a, 80);
	format_addr(&a, buf, sizeof(buf));
	is_str(buf, "127.0.0.1:80", "addr_set_port");
	is_int(parse_hostport("[::1]:443", false, &a), 0, "v6 [addr]:port");
	format_addr(&a, buf, sizeof(buf));
	is_str(buf, "[::1]:443", "format v6");
	is_int(parse_hostport("[::ffff:198.18.0.1]:5201", false, &a), 0,
	       "v4-mapped [addr]:port");
	format_addr(&a, buf, sizeof(buf));
	is_str(buf, "198.18.0.1:5201", "format v4-mapped as v4");
	is_int(parse_hostport("5201", true, &a), 0, "port only when allowed");
	is_int(addr_port(&a), 5201, "port only: port");
	is_int(parse_hostport("5201", false, &a), -EINVAL, "port only refused");
	is_int(parse_hostport("127.0.0.1:70000", false, &a), -EINVAL, "port > 65535");
	is_int(parse_hostport("127.0.0.1:", false, &a), -EINVAL, "empty port");
	is_int(parse_hostport(":80", false, &a), -EINVAL, "empty host");
	is_int(parse_hostport("[::1]443", false, &a), -EINVAL, "v6 without colon");
	is_int(parse_hostport("", true, &a), -EINVAL, "empty");
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* read_full() goes on after EINTR and gathers short reads. */
static void test_read_eintr(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	struct itimerval it = { .it_value = { 0, 20000 } };
	char buf[8] = { 0 };
	int p[2];
	pid_t pid;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	if (pipe(p)) {
		ok(0, "pipe");
		return;
	}
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		usleep(100000);
		write_full(p[1], "abc", 3);
		usleep(50000);
		write_full(p[1], "defgh", 5);
		_exit(0);
	}
	close(p[1]);
	setitimer(ITIMER_REAL, &it, NULL);
	is_int(read_full(p[0], buf, 8), 8, "read_full across EINTR and short reads");
	ok(!memcmp(buf, "abcdefgh", 8), "read_full data");
	is_int(read_full(p[0], buf, 8), 0, "read_full at EOF");
	close(p[0]);
	waitpid(pid, NULL, 0);
}

/* write_full() of more than a pipe holds: many short writes. */
static void test_write_short(void)
{
	const size_t len = 1 << 20;
	char *big = malloc(len), *back = malloc(len);
	int p[2];
	pid_t pid;
	size_t i;

	for (i = 0; i < len; i++)
		big[i] = (char)(i * 7);
	if (pipe(p)) {
		ok(0, "pipe");
		return;
	}
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		_exit(write_full(p[1], big, len) ? 1 : 0);
	}
	close(p[1]);
	is_int(read_full(p[0], back, len), (long long)len, "1 MiB through a pipe");
	ok(!memcmp(big, back, len), "write_full data intact");
	close(p[0]);
	waitpid(pid, NULL, 0);
	is_int(write_full(-1, "x", 1), -EBADF, "write_full error");
	free(big);
	free(back);
}

static void test_misc(void)
{
	char b[4];

	strlcpy0(b, "abcdef", sizeof(b));
	is_str(b, "abc", "strlcpy0 truncates");
	setenv("ZC_TEST_EMPTY", "", 1);
	ok(!env_str("ZC_TEST_EMPTY"), "env_str: empty is unset");
	setenv("ZC_TEST_SET", "x", 1);
	is_str(env_str("ZC_TEST_SET"), "x", "env_str value");
	ok(now_ns() > 0, "now_ns");
}

int main(void)
{
	test_sizes();
	test_numbers();
	test_addrs();
	test_read_eintr();
	test_write_short();
	test_misc();
	return done_testing();
}
