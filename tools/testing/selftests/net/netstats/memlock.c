// SPDX-License-Identifier: GPL-2.0
/*
 * Registrations count against the user's RLIMIT_MEMLOCK: an unprivileged
 * user gets as many mapped pages as the limit allows, then ENOBUFS with
 * an extack message naming the limit; UNREGISTER, closing the netlink
 * socket and being killed give the pages back.
 */
#include <grp.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/wait.h>

#include "nstest.h"

/* An owner's registration of its TCP socket maps two pages (counters,
 * sequence numbers): the limit allows REGS of them.
 */
#define REG_PAGES	2
#define REGS		3
#define LIMIT_PAGES	(REGS * REG_PAGES)

static int reg_tcp(struct nsnl *s, int fd, uint32_t *id)
{
	struct nsnl_reply r;
	int err = nsnl_reg_tcp(s, fd, false, &r);

	if (err)
		return err;
	*id = r.id;
	/* The arithmetic above is what the test checks. */
	return r.size == REG_PAGES * (uint64_t)getpagesize() ? 0 : -EPROTO;
}

/* Become nobody, without CAP_IPC_LOCK, with a small RLIMIT_MEMLOCK. */
static int drop_to_nobody(void)
{
	struct rlimit rl = {
		.rlim_cur = LIMIT_PAGES * getpagesize(),
		.rlim_max = LIMIT_PAGES * getpagesize(),
	};

	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		return 10;
	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		return 11;
	return 0;
}

/* Registers up to the limit, says so on @ready and waits to be killed. */
static int victim(int ready)
{
	struct nsnl s;
	uint32_t id;
	int fd, i;

	if (drop_to_nobody() || nsnl_open(&s))
		return 1;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	for (i = 0; i < REGS; i++)
		if (reg_tcp(&s, fd, &id))
			return 2;
	if (write(ready, "r", 1) != 1)
		return 3;
	pause();
	return 4;
}

/* Exit codes of the unprivileged child, one per failed step. */
static int child(void)
{
	uint32_t ids[REGS], id;
	struct nsnl s;
	int fd, i, err;

	err = drop_to_nobody();
	if (err)
		return err;
	if (nsnl_open(&s))
		return 12;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return 13;

	for (i = 0; i < REGS; i++)
		if (reg_tcp(&s, fd, &ids[i]))
			return 20 + i;
	err = reg_tcp(&s, fd, &id);
	if (err != -ENOBUFS) {
		fprintf(stderr, "over the limit: %d (%s)\n", err, s.extack);
		return 30;
	}
	if (!strstr(s.extack, "RLIMIT_MEMLOCK")) {
		fprintf(stderr, "extack: \"%s\"\n", s.extack);
		return 31;
	}

	/* UNREGISTER gives the page back. */
	{
		struct nlmsghdr *nlh;

		nlh = nsnl_msg(&s, s.family, NETSTATS_CMD_UNREGISTER, 0);
		mnl_attr_put_u32(nlh, NETSTATS_A_REGISTRATION_ID, ids[0]);
		if (nsnl_talk(&s, nlh, NULL, NULL))
			return 40;
	}
	if (reg_tcp(&s, fd, &id))
		return 41;

	/* Closing the netlink socket gives them all back. */
	nsnl_close(&s);
	if (nsnl_open(&s))
		return 50;
	for (i = 0; i < REGS; i++)
		if (reg_tcp(&s, fd, &ids[i]))
			return 51;
	return 0;
}

TEST(memlock_limits_registrations)
{
	int status;
	pid_t pid;
	struct nsnl s;

	if (!nstest_open(_metadata, &s))
		return;
	nsnl_close(&s);
	if (geteuid())
		SKIP(return, "needs root to switch to an unprivileged user");

	/* A process killed with its registrations gives their pages back:
	 * else the child below, same user, could not register any.
	 */
	{
		int ready[2];
		char c;

		ASSERT_EQ(0, pipe(ready));
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid)
			_exit(victim(ready[1]));
		close(ready[1]);
		ASSERT_EQ(1, read(ready[0], &c, 1))
			TH_LOG("the victim could not register up to the limit");
		close(ready[0]);
		ASSERT_EQ(0, kill(pid, SIGKILL));
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFSIGNALED(status));
	}

	nstest_run_child(_metadata, child, "child");
}

TEST_HARNESS_MAIN
