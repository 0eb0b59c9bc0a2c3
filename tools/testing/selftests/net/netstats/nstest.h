/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the kselftest_harness tests on nsnl.h share: the netstats family
 * opened for a test (skipped on a kernel without it), and a step of a
 * test run in a child process (as another user, in another netns) whose
 * exit code names the check that failed.
 */
#ifndef _SELFTESTS_NETSTATS_NSTEST_H
#define _SELFTESTS_NETSTATS_NSTEST_H

#include <sys/types.h>
#include <sys/wait.h>

#include "nsnl.h"
#include "../../kselftest_harness.h"

/*
 * Open @s for the test: skip the test on a kernel without the netstats
 * family, fail it on any other error.  False if the test ends there.
 */
static inline bool nstest_open(struct __test_metadata *_metadata,
			       struct nsnl *s)
{
	int err = nsnl_open(s);

	if (err == -ENOENT)
		SKIP(return false, "kernel without the netstats family");
	ASSERT_EQ(0, err) TH_LOG("nsnl_open: %s", strerror(-err));
	return true;
}

/*
 * Run @fn in a child process and expect it to exit 0; else its exit
 * code is the step at which @who failed.
 */
static inline void nstest_run_child(struct __test_metadata *_metadata,
				    int (*fn)(void), const char *who)
{
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(fn());
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("%s failed at step %d", who, WEXITSTATUS(status));
}

#endif /* _SELFTESTS_NETSTATS_NSTEST_H */
