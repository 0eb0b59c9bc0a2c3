// SPDX-License-Identifier: GPL-2.0
/*
 * Memory of a registration is charged to the registrant's memory cgroup
 * at REGISTER, the pages its snapshot will need included, so that an
 * object's death allocates nothing: not in the context that kills the
 * object (a kworker, another process's cgroup), and never with
 * __GFP_NOFAIL.
 *
 * A process in a cgroup of its own with a small memory.max registers
 * one TCP socket many times (each registration has a range, and so a
 * snapshot, of its own), then the socket is destroyed: every
 * registration turns DEAD, and the cgroup still holds at least the
 * snapshot pages, which the reaper, a kworker, did not allocate.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/netstats.h>
#include <linux/tcp.h>

#include "nsmap.h"
#include "../../kselftest_harness.h"
#include "tcp_util.h"

#define N_REGS		256
#define CG_MAX_SLACK	(16 << 20)	/* memory.max above the start */

static char cg_root[256];
static char cg_dir[300];

static long long read_ll(const char *dir, const char *file)
{
	unsigned long long v;
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return file_read_ull(path, &v) ? -1 : (long long)v;
}

/* A cgroup2 hierarchy with the memory controller; false to skip. */
static bool cgroup2_setup(void)
{
	char path[512];

	snprintf(cg_root, sizeof(cg_root), "/sys/fs/cgroup");
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", cg_root);
	if (access(path, F_OK)) {
		snprintf(cg_root, sizeof(cg_root), "/tmp/netstats-cg2");
		mkdir(cg_root, 0755);
		if (mount("none", cg_root, "cgroup2", 0, NULL) && errno != EBUSY)
			return false;
		snprintf(path, sizeof(path), "%s/cgroup.subtree_control",
			 cg_root);
	}
	if (file_write_str(path, "+memory"))
		return false;
	snprintf(cg_dir, sizeof(cg_dir), "%s/netstats-memcg-%d", cg_root,
		 getpid());
	return !mkdir(cg_dir, 0755) || errno == EEXIST;
}

static int cg_enter(const char *dir)
{
	char path[512], pid[32];

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	snprintf(pid, sizeof(pid), "%d", getpid());
	return file_write_str(path, pid);
}

static bool all_dead(struct nsm_reg **regs, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!nsm_dead(regs[i]))
			return false;
	return true;
}

TEST(snapshot_pages_charged_to_registrant)
{
	struct nsm_reg *regs[N_REGS];
	long long before, registered, dead, max;
	long page = sysconf(_SC_PAGESIZE);
	char buf[64], path[512];
	struct nsnl s;
	long long pages = 0;
	struct conn c;
	int i, status;
	pid_t pid;

	if (!tcp_netns_setup(_metadata, AF_INET))
		return;
	if (!cgroup2_setup())
		SKIP(return, "no cgroup2 memory controller");

	/* The child does all the charging, in the test's cgroup. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (cg_enter(cg_dir))
			_exit(2);
		tcp_conn_setup(_metadata, AF_INET, "127.0.0.1", &c);
		if (pump(c.cli, c.srv, 1000))
			_exit(3);
		if (nsnl_open(&s))
			_exit(4);
		before = read_ll(cg_dir, "memory.current");
		snprintf(path, sizeof(path), "%s/memory.max", cg_dir);
		snprintf(buf, sizeof(buf), "%lld", before + CG_MAX_SLACK);
		if (file_write_str(path, buf))
			_exit(5);

		for (i = 0; i < N_REGS; i++) {
			regs[i] = nsm_register_fd(&s, c.srv);
			if (!regs[i]) {
				fprintf(stderr, "# register %d: %s\n", i,
					s.extack);
				_exit(6);
			}
		}
		registered = read_ll(cg_dir, "memory.current");
		/* Pages a snapshot takes: the registration's range. */
		for (i = 0; i < (int)regs[0]->n; i++) {
			const struct nsm_ctr *ci = &regs[0]->ctr[i];

			if ((long long)(ci->offset / page) + 1 > pages)
				pages = ci->offset / page + 1;
		}

		/* Destroyed by the reaper, a kworker of the root cgroup. */
		close_conn(&c);
		for (i = 0; i < 2000 && !all_dead(regs, N_REGS); i++)
			usleep(5000);
		if (!all_dead(regs, N_REGS))
			_exit(7);
		dead = read_ll(cg_dir, "memory.current");
		max = read_ll(cg_dir, "memory.max");
		fprintf(stderr,
			"# %d registrations of %lld page(s): cgroup %lld -> %lld at REGISTER -> %lld once DEAD (max %lld)\n",
			N_REGS, pages, before, registered, dead, max);
		/* The snapshots of every registration stay charged here. */
		if (dead - before < (long long)N_REGS * pages * page) {
			fprintf(stderr,
				"# the cgroup holds %lld bytes, below the %lld of the snapshots\n",
				dead - before, (long long)N_REGS * pages * page);
			_exit(1);
		}
		for (i = 0; i < N_REGS; i++)
			nsm_unregister(regs[i]);
		nsnl_close(&s);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	rmdir(cg_dir);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
