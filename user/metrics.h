/* SPDX-License-Identifier: GPL-2.0 */
/* zcopy CLI: the counters in the OpenMetrics text format (metrics.c). */
#ifndef ZC_METRICS_H
#define ZC_METRICS_H

#include <stdbool.h>
#include <stdio.h>

#include "nl.h"

void metrics_print(FILE *f, const struct zc_info *g,
		   const struct zc_session_list *l, bool openmetrics);

#endif
