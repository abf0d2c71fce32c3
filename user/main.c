// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy: measure the CPU copies and the DMA of file -> socket transfer
 * methods on a real kernel, through the zcopy module's generic netlink
 * family. This file only dispatches commands.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cmds.h"

#define ZCOPY_VERSION	ZC_TOOL_VERSION

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *args;
	const char *help;
};

static const struct command commands[] = {
	{ "run", cmd_run, "METHOD --peer ADDR:PORT|--to FILE",
	  "one transfer, measured" },
	{ "demo", cmd_demo, "[--check] [--diagram]", "every method against the textbook" },
	{ "stat", cmd_stat, "-- CMD | -p PID | --cgroup PATH",
	  "count what processes copy" },
	{ "stats", cmd_stats, "", "global counters, copy sites, DMA devices" },
	{ "sessions", cmd_sessions, "", "the live sessions" },
	{ "watch", cmd_watch, "[-i SECONDS] [-S ID] [--events]",
	  "live counters, or events" },
	{ "reset", cmd_reset, "[-S ID]", "reset the global or a session's counters" },
	{ "probes", cmd_probes, "", "probe sites: type, state, hits, missed" },
	{ "sink", cmd_sink, "--listen [ADDR:]PORT", "the receiver" },
};

static void usage(FILE *f)
{
	unsigned int i;

	fprintf(f, "usage: zcopy [-j] COMMAND [OPTIONS]   (zcopy COMMAND -h for "
		"its options)\n"
		"  -j, --json     JSON output for every command\n"
		"  -h, --help     this help\n"
		"  -V, --version  the version\n\ncommands:\n");
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-8s %-36s %s\n", commands[i].name, commands[i].args,
			commands[i].help);
	fprintf(f, "\nmethods: read-write mmap-write sendfile splice odirect-write "
		"msg-zerocopy\n         io-uring-zc copy-file-range\n"
		"  help, version  as -h, -V\nsee zcopy(8)\n");
}

static const struct command *find(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const struct command *c;
	int i = 1;

	signal(SIGPIPE, SIG_IGN);
	while (i < argc && argv[i][0] == '-') {
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json")) {
			zc_opt_json = true;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return ZC_EXIT_OK;
		} else if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version")) {
			printf("zcopy %s\n", ZCOPY_VERSION);
			return ZC_EXIT_OK;
		} else {
			fprintf(stderr, "zcopy: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return ZC_EXIT_USAGE;
		}
		i++;
	}
	if (i >= argc) {
		usage(stderr);
		return ZC_EXIT_USAGE;
	}
	if (!strcmp(argv[i], "help")) {
		usage(stdout);
		return ZC_EXIT_OK;
	}
	if (!strcmp(argv[i], "version")) {
		printf("zcopy %s\n", ZCOPY_VERSION);
		return ZC_EXIT_OK;
	}
	c = find(argv[i]);
	if (!c) {
		fprintf(stderr, "zcopy: unknown command '%s'\n", argv[i]);
		usage(stderr);
		return ZC_EXIT_USAGE;
	}
	return c->fn(argc - i, argv + i);
}
