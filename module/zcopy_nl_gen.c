// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/zcopy.yaml */
/* YNL-GEN kernel policies */

#include <net/netlink.h>

#include "zcopy_nl_gen.h"

static struct netlink_range_validation zcopy_a_zcopy_sample_ms_range = {
	.min = 0,
	.max = 60000,
};

const struct nla_policy zcopy_session_get_nl_policy[ZCOPY_A_SESSION_ID + 1] = {
	[ZCOPY_A_SESSION_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};

const struct nla_policy zcopy_session_new_nl_policy[ZCOPY_A_DEVFILTER + 1] = {
	[ZCOPY_A_PID] = NLA_POLICY_MIN(NLA_U32, 1),
	[ZCOPY_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, 0x1),
	[ZCOPY_A_SAMPLE_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &zcopy_a_zcopy_sample_ms_range),
	[ZCOPY_A_DEVFILTER] = { .type = NLA_NUL_STRING, .len = 31, },
};

const struct nla_policy zcopy_session_del_nl_policy[ZCOPY_A_SESSION_ID + 1] = {
	[ZCOPY_A_SESSION_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};

const struct nla_policy zcopy_reset_nl_policy[ZCOPY_A_SESSION_ID + 1] = {
	[ZCOPY_A_SESSION_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};
