// SPDX-License-Identifier: GPL-2.0
/*
 * netstats-exporter needs CAP_NET_ADMIN for some registrations (the
 * netstats group, restricted counters, sockets of other users) and
 * CAP_NET_BIND_SERVICE for a port below 1024, at start-up only: the
 * mapped counters are then read with plain loads. So, before the first
 * request is served, every capability goes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "privs.h"

/**
 * privs_drop() - drop every capability of the process, for good
 * @bounding_dropped: set to whether the bounding set could be emptied
 *	too (that needs CAP_SETPCAP, which a systemd unit need not give)
 *
 * The ambient, inheritable, permitted and effective sets are emptied,
 * the bounding set too where allowed, and no_new_privs is set: an
 * execve() (of a set-user-ID or file-capability program) cannot give
 * any back. The caller is single-threaded: capabilities are
 * per-thread.
 *
 * Return: 0, or a negative error code (the sets are then checked and
 * found not empty, or a call failed).
 */
int privs_drop(bool *bounding_dropped)
{
	cap_flag_value_t setpcap = CAP_CLEAR;
	cap_t caps, none;
	cap_value_t c;
	int ret = 0;

	*bounding_dropped = false;
	caps = cap_get_proc();
	if (!caps)
		return -errno;
	cap_get_flag(caps, CAP_SETPCAP, CAP_EFFECTIVE, &setpcap);
	cap_free(caps);

	/* The bounding set first: it takes CAP_SETPCAP, dropped below. */
	if (setpcap == CAP_SET) {
		for (c = 0; c < cap_max_bits(); c++)
			if (cap_drop_bound(c) && errno != EINVAL)
				return -errno;
		*bounding_dropped = true;
	}
	if (cap_reset_ambient() && errno != EINVAL)
		return -errno;

	none = cap_init();
	if (!none)
		return -errno;
	if (cap_set_proc(none))
		ret = -errno;
	if (!ret && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		ret = -errno;

	/* And check: nothing effective, permitted or inheritable is left. */
	caps = cap_get_proc();
	if (!ret && (!caps || cap_compare(caps, none)))
		ret = -EPERM;
	cap_free(caps);
	cap_free(none);
	return ret;
}
