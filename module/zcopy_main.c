// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy: measure CPU copies against DMA on the file-to-socket paths.
 *
 * Module entry: parameters, and init/exit of the parts in the order they
 * depend on each other.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "zcopy.h"

/* Serialises sessions, probe (un)registration, resets and counter reads. */
DEFINE_MUTEX(zc_lock);

unsigned int zc_max_sessions = 16;
module_param_named(max_sessions, zc_max_sessions, uint, 0444);
MODULE_PARM_DESC(max_sessions,
		 "Maximum number of accounting sessions at once (1-1024, default 16)");

/*
 * Init and exit are one stack, the layers from the bottom up: counters and
 * tables (stats, track), the probes, the sessions, then the user-facing
 * interfaces, /dev/zcopy after the family. Once misc_register() succeeded
 * nothing can fail, so no file can be open on a module whose init then
 * fails. What a user may have started meanwhile through the family
 * (sessions, armed probes, work) is undone by the same calls as at exit,
 * in the same order. zc_track has nothing to set up: its tables are
 * static; zc_session neither: its state starts empty.
 */
static int __init zc_init(void)
{
	int err;

	if (!zc_max_sessions || zc_max_sessions > 1024) {
		pr_err("zcopy: max_sessions=%u is out of range 1-1024\n",
		       zc_max_sessions);
		return -EINVAL;
	}

	err = zc_stats_init();
	if (err)
		return err;
	zc_probes_init();
	err = zc_nl_init();
	if (err)
		goto err_sessions;
	err = zc_chrdev_init();
	if (err)
		goto err_nl;
	return 0;

err_nl:
	zc_nl_exit();
err_sessions:
	zc_session_exit();
	zc_probes_exit();
	zc_track_exit();
	zc_stats_exit();
	return err;
}

/* zc_init() in reverse: the interfaces go first, the counters last. */
static void __exit zc_exit(void)
{
	zc_chrdev_exit();
	zc_nl_exit();
	zc_session_exit();
	zc_probes_exit();
	zc_track_exit();
	zc_stats_exit();
}

module_init(zc_init);
module_exit(zc_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The zcopy developers");
MODULE_DESCRIPTION("Accounts CPU copies against DMA mappings on file-to-socket paths");
MODULE_VERSION("0.1.0");
