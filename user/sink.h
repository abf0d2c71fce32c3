/* SPDX-License-Identifier: GPL-2.0 */
/* zcopy CLI: the receiver that discards what it is sent. */
#ifndef ZC_SINK_H
#define ZC_SINK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "util.h"

#define ZC_SINK_MAX_CONN	256

int zc_sink_listen(const struct zc_addr *a, int *fd);
int zc_sink_serve(int lfd, bool once, bool verbose, FILE *log);
int zc_sink_spawn_ns(const char *ns, int close_fd, pid_t *pid, uint16_t *port,
		     char *msg, size_t len);
void zc_sink_stop(pid_t pid);

#endif
