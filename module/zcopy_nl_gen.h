/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/zcopy.yaml */
/* YNL-GEN kernel policy declarations */

#ifndef _ZCOPY_NL_GEN_H
#define _ZCOPY_NL_GEN_H

#include <net/netlink.h>

#include <uapi/linux/zcopy.h>

extern const struct nla_policy zcopy_session_get_nl_policy[ZCOPY_A_SESSION_ID + 1];
extern const struct nla_policy zcopy_session_new_nl_policy[ZCOPY_A_DEVFILTER + 1];
extern const struct nla_policy zcopy_session_del_nl_policy[ZCOPY_A_SESSION_ID + 1];
extern const struct nla_policy zcopy_reset_nl_policy[ZCOPY_A_SESSION_ID + 1];

#endif /* _ZCOPY_NL_GEN_H */
