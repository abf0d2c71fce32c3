// SPDX-License-Identifier: GPL-2.0
/* Option parsing of every command (no side effects are involved). */
#include <errno.h>
#include <stdlib.h>

#include "cmds.h"
#include "methods.h"
#include "tap.h"

#define ARGV(...)	((char *[]){ __VA_ARGS__, NULL })
#define ARGC(v)		((int)(sizeof(v) / sizeof(char *)) - 1)
#define PARSE(fn, o, ...)						\
	fn(ARGC(((char *[]){ __VA_ARGS__, NULL })), ARGV(__VA_ARGS__), o,	\
	   err, sizeof(err))

static char err[256];

static void clear_env(void)
{
	unsetenv("ZCOPY_PEER_ADDR");
	unsetenv("ZCOPY_PEER_NS");
	unsetenv("ZCOPY_DEV");
	unsetenv("ZCOPY_DISK_DIR");
}

static void test_run(void)
{
	struct run_opts o;
	char buf[80];

	is_int(PARSE(run_parse_args, &o, "run", "sendfile", "--file", "/f",
		     "--size", "16M", "--chunk", "128k", "--peer", "127.0.0.1:5201",
		     "--warm", "-j"), 0, "run: full options");
	is_str(o.m->name, "sendfile", "run: method");
	is_str(o.x.file, "/f", "run: file");
	is_u64(o.x.size, 16ull << 20, "run: size");
	is_u64(o.x.chunk, 128 << 10, "run: chunk");
	ok(!o.x.cold && o.x.json && o.x.account && o.x.have_peer, "run: flags");
	format_addr(&o.x.dest.addr[0], buf, sizeof(buf));
	is_str(buf, "127.0.0.1:5201", "run: peer");
	is_int(PARSE(run_parse_args, &o, "run", "--peer", "127.0.0.1:1", "splice",
		     "--file", "/f", "--no-account"), 0, "run: method after options");
	ok(o.m && !strcmp(o.m->name, "splice") && !o.x.account && o.x.cold,
	   "run: --no-account, cold by default");
	is_u64(o.x.chunk, ZC_DEFAULT_CHUNK, "run: default chunk");
	is_int(PARSE(run_parse_args, &o, "run", "--file", "/f"), -EINVAL,
	       "run: no method");
	has_str(err, "which method", "run: says a method is needed");
	is_int(PARSE(run_parse_args, &o, "run", "nope", "--file", "/f", "--to", "/o"),
	       -EINVAL, "run: unknown method");
	has_str(err, "unknown method 'nope'", "run: names the method");
	is_int(PARSE(run_parse_args, &o, "run", "sendfile", "--file", "/f",
		     "--peer", "127.0.0.1:1", "--to", "/o"), -EINVAL,
	       "run: --peer with --to");
	is_int(PARSE(run_parse_args, &o, "run", "sendfile", "--file", "/f"),
	       -EINVAL, "run: no destination");
	has_str(err, "--peer ADDR:PORT or --to FILE", "run: says which");
	is_int(PARSE(run_parse_args, &o, "run", "odirect-write", "--file", "/f",
		     "--to", "/o", "--chunk", "1000"), -EINVAL,
	       "run: O_DIRECT chunk not aligned");
	has_str(err, "multiple of 4096", "run: says why");
	is_int(PARSE(run_parse_args, &o, "run", "msg-zerocopy", "--file", "/f",
		     "--to", "/o"), -EINVAL, "run: msg-zerocopy to a file");
	is_int(PARSE(run_parse_args, &o, "run", "copy-file-range", "--file", "/f",
		     "--peer", "127.0.0.1:9"), -EINVAL, "run: copy-file-range to a socket");
	is_int(PARSE(run_parse_args, &o, "run", "copy-file-range", "--file", "/f",
		     "--to", "/o"), 0, "run: copy-file-range --to");
	is_int(PARSE(run_parse_args, &o, "run", "sendfile", "--file", "/f",
		     "--peer", "127.0.0.1"), -EINVAL, "run: peer without port");
	is_int(PARSE(run_parse_args, &o, "run", "sendfile", "--file", "/f",
		     "--size", "12q", "--to", "/o"), -EINVAL, "run: bad size");
	is_int(PARSE(run_parse_args, &o, "run", "sendfile", "--file", "/f",
		     "--chunk"), -EINVAL, "run: option without value");
	has_str(err, "needs a value", "run: says the value is missing");
	is_int(PARSE(run_parse_args, &o, "run", "sendfile", "--bogus"), -EINVAL,
	       "run: unknown option");
	has_str(err, "'--bogus'", "run: names the option");
	is_int(PARSE(run_parse_args, &o, "run", "-h"), ZC_PARSE_HELP, "run: -h");
	is_int(PARSE(run_parse_args, &o, "run", "sendfile", "--to", "/o"), -EINVAL,
	       "run: no file and no ZCOPY_DISK_DIR");
	setenv("ZCOPY_DISK_DIR", "/mnt/nvme", 1);
	setenv("ZCOPY_PEER_NS", "zcpeer", 1);
	setenv("ZCOPY_PEER_ADDR", "198.18.0.2", 1);
	is_int(PARSE(run_parse_args, &o, "run", "sendfile"), 0,
	       "run: lab defaults from the environment");
	is_str(o.x.file, "/mnt/nvme/zcopy-demo.dat", "run: file in ZCOPY_DISK_DIR");
	is_str(o.x.peer_ns, "zcpeer", "run: sink namespace");
	format_addr(&o.x.dest.addr[0], buf, sizeof(buf));
	is_str(buf, "198.18.0.2:0", "run: peer address, port from the sink");
	clear_env();
	is_int(PARSE(run_parse_args, &o, "run", "read-write", "--file", "/f",
		     "--to", "/o", "--force", "--create"), 0, "run: --force --create");
	ok(o.force && o.x.create && !strcmp(o.to, "/o"), "run: --force, --create set");
	ok(!PARSE(run_parse_args, &o, "run", "read-write", "-f", "/f", "-t", "/o") &&
	   !o.force && !o.x.create, "run: no --force, no --create by default");
	is_int(PARSE(run_parse_args, &o, "run", "read-write", "--file", "/f",
		     "--peer", "127.0.0.1:9", "--force"), -EINVAL,
	       "run: --force without --to");
	has_str(err, "--force goes with --to", "run: says so");
	is_int(PARSE(run_parse_args, &o, "run", "sendfile", "--file", "/f",
		     "--peer", "127.0.0.1:9", "--connect-timeout", "2.5",
		     "--stall-timeout", "7"), 0, "run: timeouts");
	ok(o.x.connect_s == 2.5 && o.x.stall_s == 7, "run: timeout values");
	is_int(PARSE(run_parse_args, &o, "run", "sendfile", "--file", "/f",
		     "--peer", "127.0.0.1:9", "--connect-timeout", "0"), -EINVAL,
	       "run: connect timeout 0 refused");
	is_int(PARSE(run_parse_args, &o, "run", "sendfile", "--file", "/f",
		     "--peer", "no-such-host.invalid:9"), -EINVAL,
	       "run: unresolvable peer");
	has_str(err, "cannot resolve 'no-such-host.invalid': ", "run: the resolver's reason");
	is_int(PARSE(run_parse_args, &o, "run", "sendfile", "--file", "/f",
		     "--peer", "localhost:9"), 0, "run: a name");
	ok(o.x.dest.n >= 1 && addr_port(&o.x.dest.addr[0]) == 9,
	   "run: its addresses (%u), each with the port", o.x.dest.n);
	is_int(PARSE(run_parse_args, &o, "run", "sendfile", "--file", "/f",
		     "-p", "127.0.0.1:9"), -EINVAL, "run: -p is not --peer (it is --pid)");
}

static void test_demo(void)
{
	struct demo_opts o;

	is_int(PARSE(demo_parse_args, &o, "demo", "--peer", "127.0.0.1:7",
		     "--file", "/f"), 0, "demo: minimal");
	is_int(o.nmethods, 7, "demo: seven methods by default");
	is_str(o.methods[6]->name, "io-uring-zc", "demo: default order");
	ok(o.x.cold && o.sg == ZC_SG_BOTH && !o.dev && o.x.account && !o.check,
	   "demo: defaults");
	is_u64(o.x.size, 0, "demo --file: all of the file by default");
	is_int(PARSE(demo_parse_args, &o, "demo", "--peer", "127.0.0.1:7", "--file",
		     "/f", "--methods", "sendfile,splice, sendfile", "--sg", "off",
		     "--dev", "eth1", "--warm", "--diagram", "--check", "-j"), 0,
	       "demo: all options");
	is_int(o.nmethods, 2, "demo: duplicate method once");
	is_str(o.methods[1]->name, "splice", "demo: method list");
	ok(o.sg == ZC_SG_OFF && !o.x.cold && o.diagram && o.check && o.x.json,
	   "demo: flags");
	is_str(o.dev, "eth1", "demo: --dev");
	is_int(PARSE(demo_parse_args, &o, "demo", "--peer", "127.0.0.1:7", "--file",
		     "/f", "--methods", "copy-file-range"), -EINVAL,
	       "demo: copy-file-range refused");
	is_int(PARSE(demo_parse_args, &o, "demo", "--peer", "127.0.0.1:7", "--file",
		     "/f", "--methods", "sendfile,warp"), -EINVAL, "demo: unknown method");
	has_str(err, "'warp'", "demo: names it");
	is_int(PARSE(demo_parse_args, &o, "demo", "--peer", "127.0.0.1:7", "--file",
		     "/f", "--sg", "sideways"), -EINVAL, "demo: bad --sg");
	is_int(PARSE(demo_parse_args, &o, "demo", "--peer", "127.0.0.1:7", "--file",
		     "/f", "--check", "--no-account"), -EINVAL,
	       "demo: --check needs accounting");
	is_int(PARSE(demo_parse_args, &o, "demo", "--peer", "127.0.0.1:7", "--file",
		     "/f", "--chunk", "6000"), -EINVAL, "demo: chunk not 4k-aligned");
	is_int(PARSE(demo_parse_args, &o, "demo", "--file", "/f"), -EINVAL,
	       "demo: no peer");
	has_str(err, "--peer ADDR:PORT or --peer-ns NS", "demo: says which");
	is_int(PARSE(demo_parse_args, &o, "demo", "--peer", "127.0.0.1:7"), -EINVAL,
	       "demo: no file");
	is_int(PARSE(demo_parse_args, &o, "demo", "--peer-ns", "zc", "--file", "/f"),
	       -EINVAL, "demo: --peer-ns without an address");
	setenv("ZCOPY_DISK_DIR", "/mnt/nvme", 1);
	setenv("ZCOPY_PEER_NS", "zcpeer", 1);
	setenv("ZCOPY_PEER_ADDR", "198.18.0.2", 1);
	setenv("ZCOPY_DEV", "eth0", 1);
	is_int(PARSE(demo_parse_args, &o, "demo"), 0, "demo: lab environment");
	is_str(o.x.peer_ns, "zcpeer", "demo: ns from env");
	is_str(o.dev, "eth0", "demo: dev from env");
	is_str(o.x.file, "/mnt/nvme/zcopy-demo.dat", "demo: file from env");
	ok(!o.x.file_given, "demo: its own file");
	is_u64(o.x.size, 16ull << 20, "demo: 16M of its own file");
	is_int(PARSE(demo_parse_args, &o, "demo", "--peer", "127.0.0.1:9"), 0,
	       "demo: explicit peer wins over the environment's namespace");
	ok(!o.x.peer_ns, "demo: no namespace with ADDR:PORT");
	clear_env();
}

static void test_stat(void)
{
	char *v1[] = { "stat", "-j", "--", "ls", "-l", NULL };
	char *v2[] = { "stat", "--no-children", "dd", "if=/dev/zero", NULL };
	struct stat_opts o;

	is_int(stat_parse_args(5, v1, &o, err, sizeof(err)), 0, "stat: command");
	ok(o.json && o.children && !o.pid, "stat: flags");
	is_int(o.argc, 2, "stat: command argc");
	is_str(o.argv[1], "-l", "stat: command options left alone");
	is_int(stat_parse_args(4, v2, &o, err, sizeof(err)), 0,
	       "stat: command without --");
	ok(!o.children && o.argc == 2, "stat: --no-children");
	is_str(o.argv[1], "if=/dev/zero", "stat: the command's argument");
	is_int(PARSE(stat_parse_args, &o, "stat", "-p", "123", "-d", "1.5"), 0,
	       "stat: -p -d");
	is_int(o.pid, 123, "stat: pid");
	is_dbl(o.duration, 1.5, 1e-9, "stat: duration");
	is_int(PARSE(stat_parse_args, &o, "stat", "-p", "1", "--", "ls"), -EINVAL,
	       "stat: pid and command");
	is_int(PARSE(stat_parse_args, &o, "stat", "-c", "--", "ls"), -EINVAL,
	       "stat: -c is --chunk elsewhere, not --no-children");
	is_int(PARSE(stat_parse_args, &o, "stat", "-p", "10,11", "-p", "12", "-I",
		     "500", "--bytes", "16M"), 0, "stat: several -p, -I, --bytes");
	ok(o.npids == 3 && o.pids[0] == 10 && o.pids[2] == 12 && o.pid == 10,
	   "stat: the three pids");
	ok(o.interval_ms == 500 && o.bytes == 16ull << 20, "stat: -I and --bytes");
	is_int(PARSE(stat_parse_args, &o, "stat", "-I", "5", "--", "ls"), -EINVAL,
	       "stat: -I below 10 ms");
	is_int(PARSE(stat_parse_args, &o, "stat", "--cgroup", "/sys/fs/cgroup/x",
		     "-d", "2"), 0, "stat: --cgroup PATH");
	is_str(o.cgroup, "/sys/fs/cgroup/x", "stat: the cgroup");
	is_int(PARSE(stat_parse_args, &o, "stat", "--cgroup", "/x", "--", "ls"),
	       -EINVAL, "stat: --cgroup and a command");
	is_int(PARSE(stat_parse_args, &o, "stat"), -EINVAL, "stat: nothing");
	is_int(PARSE(stat_parse_args, &o, "stat", "-d", "2", "--", "ls"), -EINVAL,
	       "stat: -d without -p");
	is_int(PARSE(stat_parse_args, &o, "stat", "-p", "0"), -EINVAL, "stat: pid 0");
	is_int(PARSE(stat_parse_args, &o, "stat", "--sample-ms", "5", "--", "ls"),
	       -EINVAL, "stat: sample-ms below 10");
	is_int(PARSE(stat_parse_args, &o, "stat", "--devfilter", "eth0",
		     "--devfilter", "nvme", "--sample-ms", "100", "-p", "9"), 0,
	       "stat: devfilters and sampling");
	ok(o.n_devfilter == 2 && !strcmp(o.devfilter[1], "nvme") &&
	   o.sample_ms == 100, "stat: devfilter values");
}

static void test_sink_query(void)
{
	struct sink_opts s;
	struct query_opts q;
	char buf[80];

	is_int(PARSE(sink_parse_args, &s, "sink", "--listen", "5201", "-v", "--once"),
	       0, "sink: port only");
	ok(s.verbose && s.once, "sink: flags");
	is_int(addr_port(&s.listen), 5201, "sink: port");
	is_int(PARSE(sink_parse_args, &s, "sink", "--listen", "127.0.0.1:0"), 0,
	       "sink: addr:port");
	format_addr(&s.listen, buf, sizeof(buf));
	is_str(buf, "127.0.0.1:0", "sink: address");
	is_int(PARSE(sink_parse_args, &s, "sink"), -EINVAL, "sink: no --listen");
	is_int(PARSE(sink_parse_args, &s, "sink", "--listen", "x:y"), -EINVAL,
	       "sink: bad --listen");
	is_int(query_parse_args("watch", 7, ARGV("watch", "-i", "0.5", "-n", "3",
						 "--events", "-j", "-e"),
				&q, err, sizeof(err)), 0, "watch: options");
	ok(q.events && q.json && q.count == 3, "watch: flags");
	is_dbl(q.interval, 0.5, 1e-9, "watch: interval");
	is_int(query_parse_args("watch", 3, ARGV("watch", "-i", "0"), &q, err,
				sizeof(err)), -EINVAL, "watch: zero interval");
	is_int(query_parse_args("stats", 2, ARGV("stats", "--events"), &q, err,
				sizeof(err)), -EINVAL, "stats: --events refused");
	has_str(err, "does not apply to 'stats'", "stats: says so");
	is_int(query_parse_args("reset", 3, ARGV("reset", "-S", "7"), &q, err,
				sizeof(err)), 0, "reset: -S");
	is_u64(q.session_id, 7, "reset: session id");
	is_int(query_parse_args("watch", 3, ARGV("watch", "--session", "7"), &q, err,
				sizeof(err)), 0, "watch: --session (a per-session watch)");
	is_u64(q.session_id, 7, "watch: its id");
	is_int(query_parse_args("reset", 3, ARGV("reset", "-s", "7"), &q, err,
				sizeof(err)), -EINVAL, "reset: -s is --size elsewhere, not a session");
	is_int(query_parse_args("reset", 3, ARGV("reset", "-S", "0"), &q, err,
				sizeof(err)), -EINVAL, "reset: id 0");
	is_int(query_parse_args("probes", 2, ARGV("probes", "extra"), &q, err,
				sizeof(err)), -EINVAL, "probes: extra argument");
}

static void test_peer(void)
{
	struct zc_addr a;
	char buf[80];

	is_int(peer_resolve("198.18.0.2", true, &a), 0, "peer: address only");
	format_addr(&a, buf, sizeof(buf));
	is_str(buf, "198.18.0.2:0", "peer: port 0");
	is_int(peer_resolve("fd00::2", true, &a), 0, "peer: bare v6");
	format_addr(&a, buf, sizeof(buf));
	is_str(buf, "[fd00::2]:0", "peer: bare v6 port 0");
	is_int(peer_resolve("[fd00::2]", true, &a), 0, "peer: [v6]");
	format_addr(&a, buf, sizeof(buf));
	is_str(buf, "[fd00::2]:0", "peer: [v6] port 0");
	is_int(peer_resolve("[fd00::2]", false, &a), -EINVAL, "peer: [v6] needs port");
	is_int(peer_resolve("[fd00::2]x", true, &a), -EINVAL, "peer: [v6] then junk");
	is_int(peer_resolve("fd00::2", false, &a), -EINVAL, "peer: bare v6 needs port");
	is_int(peer_resolve("198.18.0.2", false, &a), -EINVAL, "peer: port required");
}

int main(void)
{
	clear_env();
	test_run();
	test_demo();
	test_stat();
	test_sink_query();
	test_peer();
	return done_testing();
}
