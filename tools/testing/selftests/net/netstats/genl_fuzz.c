// SPDX-License-Identifier: GPL-2.0
/*
 * Random messages to every command of the netstats generic netlink family.
 *
 * At least 100,000 messages go to QUERY (do and dump), REGISTER,
 * UNREGISTER, OBJECT_DEAD (an event, no request) and unknown command
 * numbers.  They mix attribute types in and out of range, nested and
 * deeply nested attributes, payloads of length 0, odd, truncated and
 * oversized, attribute and message lengths that lie, strings with
 * embedded NULs or without terminator, 4 KiB names, the names of the
 * groups the kernel lists (from a QUERY dump) and of those of the uapi
 * header with garbage objects and options, fds that are not sockets or
 * not TCP, network namespace fds (ours, another one, recreated now and
 * then), the cookies and addresses of live TCP sockets (churned at every
 * checkpoint), huge cookies, and the ids and map offsets of the
 * registrations of another netlink socket (the registrar).
 *
 * Checks:
 * - every FUZZ_CHECK messages (a checkpoint) the fuzzing socket and a
 *   second socket get an answer to a valid QUERY, and the kernel log has
 *   no splat (BUG, WARNING, KASAN, lockdep...) since the start;
 * - every REGISTER reply that succeeds by chance is sane: an id, a page
 *   aligned range, an fd of the map file, a block that reads LIVE or DEAD
 *   (or, if a later UNREGISTER of the batch removed the registration,
 *   raises SIGBUS as documented: an UNREGISTER of that id must then find
 *   nothing);
 * - no map fd ever shows up in the process without a REGISTER reply, even
 *   when replies are dropped: one fuzzing socket in four has a receive
 *   buffer small enough to overrun, and the descriptor, the registration
 *   and the reply come together or not at all
 *   (Documentation/networking/netstats.rst);
 * - at the end the registrar's registrations are all still there (the
 *   fuzzing socket's UNREGISTERs of their ids did not touch them), the
 *   core's own gauges (registrations, map files, read from the
 *   registrar's mapping of the "netstats" group) are back to where they
 *   were once the fuzzing sockets are closed, and a QUERY dump lists the
 *   groups of the start.
 *
 * Time and count: the run stops after FUZZ_COUNT messages, or when its
 * wall-clock budget ends: 60 s, or 100 s on a debug kernel (one with
 * lockdep or kmemleak, detected by /proc/lockdep and
 * /sys/kernel/debug/kmemleak): a KASAN debug kernel under TCG is about
 * five times slower, and the whole test must stay under two minutes there.
 * On a normal kernel 100,000 messages take about 10 s under TCG (2 vCPUs),
 * so a budget that ends first means the family became pathologically
 * slow: the test fails.  On a debug kernel, if the budget ends first, the
 * number of messages sent is printed and the count is reported as SKIP,
 * not as a failure: that run is there for the sanitizers, which check
 * every message that was sent.
 *
 * Memory stays bounded: registrations that succeed by chance are
 * unregistered once FUZZ_OWN_MAX have accumulated, the fuzzing socket
 * (and with it all its registrations and its map) is closed and a new one
 * opened every FUZZ_REOPEN messages, and every map fd a REGISTER reply
 * carries is closed.  Replies are read without blocking every FUZZ_DRAIN
 * messages, into a receive buffer of 8 MiB (16 KiB on the sockets meant
 * to overrun).
 *
 * Usage: genl_fuzz [-s SEED] [-n COUNT] [-t SECONDS] [-d FROM:TO], or
 * NETSTATS_FUZZ_SEED, NETSTATS_FUZZ_COUNT and NETSTATS_FUZZ_BUDGET in the
 * environment.  The seed is printed first.  A message's index is its
 * nlmsg_seq; a failure names the seed and the indexes since the last good
 * checkpoint, and -d FROM:TO prints those messages in hex.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "nsnl.h"
#include "../../kselftest.h"

#define FUZZ_SEED		0x6e657473ULL	/* "nets" */
#define FUZZ_COUNT		100000
#define FUZZ_BUDGET		60		/* seconds */
#define FUZZ_BUDGET_DEBUG	100
#define FUZZ_CHECK		1000	/* messages between checkpoints */
#define FUZZ_DRAIN		16	/* messages between two reads */
#define FUZZ_REOPEN		5000	/* messages of one fuzzing socket */
#define FUZZ_OWN_MAX		16	/* registrations before UNREGISTER */
#define FUZZ_OUT_MAX		(64 * 1024)	/* messages of one send */
#define FUZZ_MSG_MAX		(48 * 1024)	/* one message */
#define FUZZ_PAY_MAX		8192	/* one attribute's payload */
#define FUZZ_IN_MAX		(1024 * 1024)
#define FUZZ_RCVBUF		(8 * 1024 * 1024)
#define FUZZ_RCVBUF_SMALL	(16 * 1024)

/* nlmsg_seq of messages that are not fuzz: housekeeping, probes of a
 * SIGBUS, checkpoints
 */
#define SEQ_HOUSE		0x80000000u
#define SEQ_PROBE		0xa0000000u
#define SEQ_MARK		0xc0000000u
#define SEQ_KIND		0xe0000000u

/* --- random numbers: xorshift64*, seeded by splitmix64 ----------------- */

static uint64_t rng;

static void rng_seed(uint64_t s)
{
	uint64_t z = s + 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	rng = (z ^ (z >> 31)) ?: 1;
}

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static uint32_t below(uint32_t n)
{
	return n ? (uint32_t)((rnd() >> 32) % n) : 0;
}

static bool one_in(uint32_t n)
{
	return below(n) == 0;
}

/* One of the strings of @a, a NULL-terminated array. */
static const char *pick_str(const char *const *a)
{
	size_t n = 0;

	while (a[n])
		n++;
	return a[below(n)];
}

static void fill_random(void *p, size_t n)
{
	unsigned char *c = p;

	while (n--)
		*c++ = rnd() >> 56;
}

/* --- what the kernel has: groups, devices ------------------------------ */

struct opt_info {
	char name[32];
	uint64_t min;
	uint64_t max;
};

struct group_info {
	char name[64];
	uint32_t flags;
	int n_opts;
	struct opt_info opts[4];
};

static struct group_info groups[32];
static int n_groups;
static unsigned long grp_ok[33];	/* REGISTERs that went through */
static signed char seq_group[4096];	/* group of a REGISTER, by seq */
static struct group_info other_group;	/* a name the kernel did not list */

static const char *const uapi_groups[] = {
	NETSTATS_GROUP_NETSTATS, NETSTATS_GROUP_TCP, NETSTATS_GROUP_TCP_ALL,
	NETSTATS_GROUP_IP, NETSTATS_GROUP_IP6, NETSTATS_GROUP_PAGE_POOL,
	NETSTATS_GROUP_QDISC, NETSTATS_GROUP_QUEUE_RX, NETSTATS_GROUP_QUEUE_TX,
	NETSTATS_GROUP_HW, NETSTATS_GROUP_HWQUEUE_RX,
	NETSTATS_GROUP_HWQUEUE_TX, NULL,
};

static const char *const fake_groups[] = {
	"", " ", "tcp ", "TCP", "ip4", "ip66", "queue", "queue/",
	"queue/rx/", "queue/rx/0", "core", "core/", "core/page_pool/1", "/",
	"hw/", "netstats\n", "qdisc\t", "*", "..", "%s%s%n", "tcp-all-", NULL,
};

static const char *const opt_names[] = {
	"period-ms", "dead-linger-ms", "timer-ms", "derived", "", "period",
	"period-ms ", "PERIOD-MS", "period-ms\n", "%s", "-ms", NULL,
};

static const char *const fake_devs[] = {
	"", "nodev0", "lo0", "l", "LO", "0123456789abcde",
	"0123456789abcdef", "0123456789abcdef0", "..", ":", "lo ", "*", NULL,
};

static const char *const queue_ids[] = {
	"0", "1", "2", "3", "7", "63", "64", "65535", "4294967295",
	"4294967296", "-1", "", "x", "0x1", " 1", "1 ", "01", "+1", "1/2",
	NULL,
};

static const char *const handles[] = {
	"root", "0:", "1:", "8000:", "ffff:", "10000:", "1:0", "1:1",
	"1:ffff", "1:10000", ":1", ":", "zz:", "1", "0:0", "ffffffff:",
	"-1:", "1:-1", "Root", "root/", "1::", "fffffffff:", NULL,
};

static const char *const numbers[] = {
	"0", "1", "2", "3", "8", "99", "65535", "4294967295", "4294967296",
	"-1", "01", "1a", " 1", "", "18446744073709551616", NULL,
};

static char devs[16][IF_NAMESIZE];
static uint32_t ifindexes[16];
static int n_devs;

/* --- the fuzzing socket's pools of ids, fds, cookies ------------------- */

struct endpoint {
	uint64_t cookie;
	unsigned char src[16];
	unsigned char dst[16];
	int alen;		/* 4 or 16 */
	uint16_t sport;		/* network order */
	uint16_t dport;
};

static struct endpoint eps[8];
static int n_eps;
static int fds[48];		/* anything, to pass as an fd */
static int n_fds;
static int tcp_fds[8];		/* TCP sockets among them */
static int n_tcp;
static int ns_fds[4];		/* namespace fds among them */
static int n_ns;
static int churn_fds[16];	/* closed and made again at checkpoints */
static int n_churn;
static int other_netns = -1;	/* fd of a netns of our own making */
static int own_netns = -1;
static int uts_ns = -1;
static int anchor_fds[2] = { -1, -1 };	/* the registrar's TCP pair */

/* The registrar: registrations of another socket, for their ids. */
struct reg_info {
	uint32_t id;
	int map_fd;
	uint64_t map_offset;
	uint64_t map_size;
	uint32_t block_offset;
	uint32_t off_regs;	/* "registrations" of the netstats group */
	uint32_t off_maps;	/* "map_files" */
};

static struct reg_info rinfo[8];
static int n_rinfo;
static int keep_fd = -1;	/* the registrar's map fd, kept open */
static unsigned char *self_map;	/* its "netstats" range */
static struct reg_info *self_reg;

static uint32_t own_ids[64];	/* ids REGISTER replies gave us */
static unsigned int n_own;
static uint32_t live_ids[64];	/* ... not unregistered yet */
static unsigned int n_live;

/* Registrations whose range raised SIGBUS, and the REGISTER of each. */
static struct {
	uint32_t id;
	uint32_t seq;
} bus[64];
static unsigned int n_bus;
static sigjmp_buf bus_jmp;

/* --- state and statistics of the run ----------------------------------- */

static struct nsnl chk;		/* the second socket: checks */
static struct nsnl rgs;		/* the registrar */
static uint16_t family;
static int nl = -1;		/* the fuzzing socket */
static unsigned char *out;	/* messages being built */
static size_t olen, mstart;
static unsigned char *in;	/* replies */
static uint64_t seed = FUZZ_SEED;
static uint32_t dump_from = 1, dump_to;
static uint32_t cur_idx;	/* for the watchdog */
static uint32_t house_seq;
static int page_size;
static int kmsg = -1;

static struct {
	uint32_t seq;
	int reply;
	int acked;
	int err;
} mark = { .seq = SEQ_MARK };

static struct {
	unsigned long sent;
	unsigned long sends;
	unsigned long cmds[256];
	unsigned long errs[136];	/* by errno of the acks, 135: other */
	unsigned long send_errs;
	unsigned long reg_ok;
	unsigned long query_replies;
	unsigned long dumps_done;
	unsigned long dead_ntf;
	unsigned long other_replies;
	unsigned long overruns;
	unsigned long truncated;
	unsigned long swept;
	unsigned long mapped;
	unsigned long sigbus;
	unsigned long reopens;
	unsigned long findings;
	unsigned long splats;
	unsigned long rgs_dead;
} st;

static __printf(2, 3) void finding(uint32_t seq, const char *fmt, ...)
{
	va_list ap;

	if (++st.findings > 20)
		return;
	printf("# FINDING (seed %llu, message %u): ",
	       (unsigned long long)seed, seq);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void on_alarm(int sig)
{
	char buf[160];
	int n;

	(void)sig;
	n = snprintf(buf, sizeof(buf),
		     "# watchdog: no progress at message %u (seed %llu)\nnot ok 1 genl_fuzz hung\n",
		     __atomic_load_n(&cur_idx, __ATOMIC_RELAXED),
		     (unsigned long long)seed);
	if (write(STDOUT_FILENO, buf, n) < 0)
		_exit(KSFT_FAIL);
	_exit(KSFT_FAIL);
}

/* --- the kernel log ----------------------------------------------------- */

static const char *const splat_words[] = {
	"BUG: ", "WARNING: ", "KASAN", "UBSAN", "general protection fault",
	"possible recursive locking", "possible circular locking",
	"suspicious RCU usage", "inconsistent lock state", "Oops",
	"kernel BUG at", "sleeping function called from invalid context",
	"refcount_t: ", "list_add corruption", "list_del corruption",
};

/* Prints the splats logged since the last call; returns how many lines. */
static int kmsg_scan(void)
{
	static int context;
	char rec[2048];
	unsigned int i;
	int found = 0;
	ssize_t n;

	if (kmsg < 0)
		return 0;
	for (;;) {
		const char *text;

		n = read(kmsg, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;
		if (n <= 0)
			break;
		rec[n] = '\0';
		text = strchr(rec, ';');
		text = text ? text + 1 : rec;
		for (i = 0; i < ARRAY_SIZE(splat_words); i++)
			if (strstr(text, splat_words[i]))
				break;
		if (i < ARRAY_SIZE(splat_words)) {
			found++;
			context = 40;
		}
		if (context > 0) {
			context--;
			printf("# kernel: %s", text);
		}
	}
	return found;
}

/* --- building messages ------------------------------------------------- */

static bool room(size_t n)
{
	return olen - mstart + n <= FUZZ_MSG_MAX;
}

/* An attribute of header length @nla_len, with @n bytes of @data. */
static void put_attr_raw(uint16_t type, uint16_t nla_len, const void *data,
			 size_t n)
{
	struct nlattr *a = (struct nlattr *)(out + olen);

	if (!room(NLA_HDRLEN + NLA_ALIGN(n)))
		return;
	a->nla_type = type;
	a->nla_len = nla_len;
	if (n)
		memcpy(a + 1, data, n);
	memset((unsigned char *)(a + 1) + n, 0, NLA_ALIGN(n) - n);
	olen += NLA_HDRLEN + NLA_ALIGN(n);
}

static void put_attr(uint16_t type, const void *data, size_t n)
{
	put_attr_raw(type, NLA_HDRLEN + n, data, n);
}

/*
 * @type with the @n bytes at @p, one time in @odds with a length of 0,
 * odd, truncated or oversized, and rarely with a header length that lies.
 */
static void put_fuzzed(uint16_t type, const void *p, size_t n,
		       unsigned int odds)
{
	static unsigned char buf[FUZZ_PAY_MAX];
	size_t len;

	if (n > sizeof(buf))
		n = sizeof(buf);
	memcpy(buf, p, n);
	len = n;
	if (one_in(odds)) {
		switch (below(6)) {
		case 0:
			len = 0;
			break;
		case 1:
			len = n ? n - 1 : 1;
			break;
		case 2:
			len = n / 2;
			break;
		case 3:
			len = n | 1;
			break;
		case 4:
			len = n + 1 + below(8);
			break;
		default:
			len = n + below(sizeof(buf) - n);
			break;
		}
		if (len > sizeof(buf))
			len = sizeof(buf);
		if (len > n)
			fill_random(buf + n, len - n);
	}
	if (!one_in(odds * 8)) {
		put_attr(type, buf, len);
		return;
	}
	switch (below(4)) {
	case 0:		/* shorter than the header */
		put_attr_raw(type, below(NLA_HDRLEN), buf, len);
		break;
	case 1:		/* runs over the next attributes or the end */
		put_attr_raw(type, NLA_HDRLEN + len + 1 + below(64), buf, len);
		break;
	case 2:
		put_attr_raw(type, 0xffff, buf, len);
		break;
	default:	/* shorter than the payload */
		put_attr_raw(type, NLA_HDRLEN + (len ? below(len) : 0), buf,
			     len);
		break;
	}
}

static size_t nest_start(uint16_t type)
{
	size_t off = olen;

	if (!room(NLA_HDRLEN))
		return 0;
	put_attr(type, NULL, 0);
	return off;
}

static void nest_end(size_t off)
{
	struct nlattr *a = (struct nlattr *)(out + off);

	if (off)
		a->nla_len = olen - off;
}

/* --- payloads ----------------------------------------------------------- */

/*
 * @p holds a string of @len chars in a buffer of FUZZ_PAY_MAX bytes; one
 * time in @odds it is mutated.  Returns the payload length.
 */
static size_t str_payload(char *p, size_t len, unsigned int odds)
{
	size_t n, i;

	if (!one_in(odds))
		return len + 1;
	switch (below(9)) {
	case 0:		/* no terminator */
		return len;
	case 1:		/* embedded NUL, garbage after it */
		n = 1 + below(32);
		for (i = 0; i < n; i++)
			p[len + 1 + i] = 'a' + below(26);
		p[len + 1 + n] = '\0';
		return len + 1 + n + !one_in(2);
	case 2:		/* garbage suffix */
		n = 1 + below(8);
		for (i = 0; i < n; i++)
			p[len + i] = 32 + below(95);
		p[len + n] = '\0';
		return len + n + 1;
	case 3:		/* 4 KiB */
		n = 4096 - one_in(2);
		if (len < n)
			memset(p + len, 'A' + below(26), n - len);
		p[n] = '\0';
		return n + !one_in(3);
	case 4:		/* around IFNAMSIZ */
		n = 14 + below(5);
		if (len < n)
			memset(p + len, 'x', n - len);
		p[n] = '\0';
		return n + 1;
	case 5:		/* cut short */
		n = below(len + 1);
		p[n] = '\0';
		return n + 1;
	case 6:		/* empty */
		p[0] = '\0';
		return below(2);
	case 7:		/* random bytes */
		n = 1 + below(64);
		fill_random(p, n);
		return n;
	default:	/* one bit flipped */
		if (len)
			p[below(len)] ^= 1 << below(8);
		return len + 1;
	}
}

static const struct group_info *pick_group(void)
{
	const char *name;
	int i;

	if (n_groups && below(100) < 80)
		return &groups[below(n_groups)];
	name = one_in(3) ? pick_str(fake_groups) : pick_str(uapi_groups);
	for (i = 0; i < n_groups; i++)
		if (!strcmp(groups[i].name, name))
			return &groups[i];
	memset(&other_group, 0, sizeof(other_group));
	snprintf(other_group.name, sizeof(other_group.name), "%s", name);
	return &other_group;
}

static const char *pick_dev(void)
{
	if (n_devs && !one_in(4))
		return devs[below(n_devs)];
	return pick_str(fake_devs);
}

static size_t gen_group_name(char *p, unsigned int odds)
{
	size_t n = snprintf(p, FUZZ_PAY_MAX, "%s", pick_group()->name);

	return str_payload(p, n, odds);
}

/* An object name of the form @grp expects, or of another form. */
static size_t gen_object(const char *grp, char *p)
{
	size_t n;
	int form;

	if (!grp || one_in(6))
		form = below(5);
	else if (!strncmp(grp, "queue/", 6) || !strncmp(grp, "hwqueue/", 8))
		form = 0;
	else if (!strcmp(grp, NETSTATS_GROUP_QDISC))
		form = 1;
	else if (!strcmp(grp, NETSTATS_GROUP_HW))
		form = 2;
	else if (!strcmp(grp, NETSTATS_GROUP_PAGE_POOL))
		form = 3;
	else
		form = below(5);

	switch (form) {
	case 0:
		n = snprintf(p, FUZZ_PAY_MAX, "%s/%s", pick_dev(),
			     pick_str(queue_ids));
		break;
	case 1:
		n = snprintf(p, FUZZ_PAY_MAX, "%s/%s", pick_dev(),
			     pick_str(handles));
		break;
	case 2:
		n = snprintf(p, FUZZ_PAY_MAX, "%s", pick_dev());
		break;
	case 3:
		n = snprintf(p, FUZZ_PAY_MAX, "%s", pick_str(numbers));
		break;
	default:
		n = snprintf(p, FUZZ_PAY_MAX, "%s%s%s", one_in(2) ? "/" : "",
			     pick_dev(), one_in(2) ? "//" : "/");
		break;
	}
	return str_payload(p, n, 4);
}

static uint32_t pick_id(void)
{
	static const uint32_t odd[] = {
		0, 1, 2, 3, 4, 5, 16, 255, 256, 65535, 65536, 65537,
		INT32_MAX, 0x80000000u, UINT32_MAX,
	};
	const struct reg_info *r;
	int k = below(100);

	if (k < 30 && n_own)
		return own_ids[below(n_own < 64 ? n_own : 64)];
	if (k < 55 && n_rinfo)
		return rinfo[below(n_rinfo)].id;
	if (k < 70 && n_rinfo) {
		r = &rinfo[below(n_rinfo)];
		switch (below(4)) {
		case 0:
			return r->map_offset;
		case 1:
			return r->map_offset / page_size;
		case 2:
			return r->map_offset >> 32;
		default:
			return r->block_offset;
		}
	}
	return one_in(3) ? (uint32_t)rnd() : odd[below(ARRAY_SIZE(odd))];
}

static uint32_t pick_u32(void)
{
	return one_in(2) ? pick_id() : (uint32_t)rnd() >> below(32);
}

static int32_t pick_fd(void)
{
	return n_fds ? fds[below(n_fds)] : -1;
}

static uint64_t pick_u64(void)
{
	static const uint64_t odd[] = {
		0, 1, 2, 9, 10, 999, 1000, 60000, 60001, UINT32_MAX,
		1ULL << 32, INT64_MAX, 1ULL << 63, UINT64_MAX, UINT64_MAX - 1,
	};
	const struct reg_info *r;
	int k = below(100);

	if (k < 30 && n_eps)
		return eps[below(n_eps)].cookie + below(3) - 1;
	if (k < 45 && n_rinfo) {
		r = &rinfo[below(n_rinfo)];
		return one_in(2) ? r->map_offset : r->map_size;
	}
	if (k < 80)
		return odd[below(ARRAY_SIZE(odd))];
	return rnd() >> below(64);
}

static uint64_t option_value(const struct opt_info *o)
{
	switch (below(8)) {
	case 0:
		return o->min;
	case 1:
		return o->max;
	case 2:
		return o->min - 1;
	case 3:
		return o->max + 1;
	case 4:
	case 5:
		return o->min + rnd() % (o->max - o->min + 1 ?: 1);
	default:
		return pick_u64();
	}
}

/* An NLA_UINT: 8 bytes, or 4 when the value fits, or anything. */
static void put_uint(uint16_t type, uint64_t v, unsigned int odds)
{
	uint32_t v32 = v;

	if (v == v32 && one_in(2))
		put_fuzzed(type, &v32, sizeof(v32), odds);
	else
		put_fuzzed(type, &v, sizeof(v), odds);
}

static void gen_attr(int set, int depth, const struct group_info *g);
static void gen_obj_nest(uint16_t type, int depth);

enum { SET_REG, SET_GROUP, SET_OPTION, SET_COUNTER, NR_SETS };

/* A collection option: a name of the group's or another, a value. */
static void gen_option(uint16_t type, int depth, const struct group_info *g)
{
	static char s[FUZZ_PAY_MAX];
	const struct opt_info *o = NULL;
	struct opt_info any = { .min = 0, .max = UINT64_MAX };
	size_t off, n;
	int i;

	off = nest_start(type | (one_in(10) ? 0 : NLA_F_NESTED));
	if (g && g->n_opts && !one_in(4))
		o = &g->opts[below(g->n_opts)];
	if (!one_in(8)) {
		n = snprintf(s, sizeof(s), "%s",
			     o ? o->name : pick_str(opt_names));
		n = str_payload(s, n, 8);
		put_fuzzed(NETSTATS_A_OPTION_NAME, s, n, 16);
	}
	if (!one_in(8))
		put_uint(NETSTATS_A_OPTION_VALUE, option_value(o ?: &any), 8);
	if (one_in(6))
		for (i = below(3); i >= 0; i--)
			gen_attr(SET_OPTION, depth + 1, g);
	nest_end(off);
}

/* A nest of random attributes, rarely a chain of hundreds of nests. */
static void gen_nest(uint16_t type, int depth)
{
	size_t off, chain[256];
	int i, n;

	off = nest_start(type | (one_in(8) ? 0 : NLA_F_NESTED));
	if (one_in(50)) {
		n = 32 + below(224);
		for (i = 0; i < n; i++)
			chain[i] = nest_start(below(8) | NLA_F_NESTED);
		while (i--)
			nest_end(chain[i]);
	} else if (depth < 5 && !one_in(3)) {
		n = below(4);
		for (i = 0; i < n; i++)
			gen_attr(below(NR_SETS), depth + 1, NULL);
	} else if (one_in(2)) {
		unsigned char b[16];

		n = below(sizeof(b) + 1);
		fill_random(b, n);
		put_attr(below(16), b, n);
	}
	nest_end(off);
}

enum kind {
	K_BLOB, K_GROUP, K_OBJECT, K_STR, K_OPTNAME, K_U32, K_ID, K_FD,
	K_U64, K_UINT, K_ADDR, K_PORT, K_IFINDEX, K_OPTION, K_NEST,
	K_OBJNEST, K_MS, K_FLAG,
};

static const unsigned char reg_kinds[] = {
	[NETSTATS_A_REGISTRATION_ID] = K_ID,
	[NETSTATS_A_REGISTRATION_GROUP] = K_GROUP,
	[NETSTATS_A_REGISTRATION_OBJECT] = K_OBJECT,
	[NETSTATS_A_REGISTRATION_SOCK_FD] = K_FD,
	[NETSTATS_A_REGISTRATION_SOCK_COOKIE] = K_U64,
	[NETSTATS_A_REGISTRATION_OPTION] = K_OPTION,
	[NETSTATS_A_REGISTRATION_MAP_FD] = K_FD,
	[NETSTATS_A_REGISTRATION_MAP_OFFSET] = K_UINT,
	[NETSTATS_A_REGISTRATION_MAP_SIZE] = K_UINT,
	[NETSTATS_A_REGISTRATION_PAGE_SIZE] = K_U32,
	[NETSTATS_A_REGISTRATION_PERCPU_STRIDE] = K_U32,
	[NETSTATS_A_REGISTRATION_NCPUS] = K_U32,
	[NETSTATS_A_REGISTRATION_BLOCK_OFFSET] = K_U32,
	[NETSTATS_A_REGISTRATION_COUNTER] = K_NEST,
	[NETSTATS_A_REGISTRATION_REASON] = K_U32,
	[NETSTATS_A_REGISTRATION_PORTID] = K_U32,
	[NETSTATS_A_REGISTRATION_FLAGS] = K_U32,
	[NETSTATS_A_REGISTRATION_SOCK_SRC] = K_ADDR,
	[NETSTATS_A_REGISTRATION_SOCK_DST] = K_ADDR,
	[NETSTATS_A_REGISTRATION_SOCK_SPORT] = K_PORT,
	[NETSTATS_A_REGISTRATION_SOCK_DPORT] = K_PORT,
	[NETSTATS_A_REGISTRATION_IFINDEX] = K_IFINDEX,
	[NETSTATS_A_REGISTRATION_NETNS_FD] = K_FD,
	[NETSTATS_A_REGISTRATION_PAD] = K_BLOB,
	[NETSTATS_A_REGISTRATION_NOTIFY] = K_FLAG,
	[NETSTATS_A_REGISTRATION_DEV] = K_OBJNEST,
	[NETSTATS_A_REGISTRATION_QUEUE] = K_OBJNEST,
	[NETSTATS_A_REGISTRATION_PAGE_POOL] = K_OBJNEST,
	[NETSTATS_A_REGISTRATION_QDISC] = K_OBJNEST,
	[NETSTATS_A_REGISTRATION_SOCK] = K_OBJNEST,
	[NETSTATS_A_REGISTRATION_PERIOD_MS] = K_MS,
	[NETSTATS_A_REGISTRATION_TIMER_MS] = K_MS,
	[NETSTATS_A_REGISTRATION_DEAD_LINGER_MS] = K_MS,
	[NETSTATS_A_REGISTRATION_DERIVED] = K_FLAG,
	[NETSTATS_A_REGISTRATION_COLLECT] = K_U32,
};

static const unsigned char group_kinds[] = {
	[NETSTATS_A_GROUP_NAME] = K_GROUP,
	[NETSTATS_A_GROUP_DOC] = K_STR,
	[NETSTATS_A_GROUP_FLAGS] = K_U32,
	[NETSTATS_A_GROUP_COUNTER] = K_NEST,
	[NETSTATS_A_GROUP_OPTION] = K_OPTION,
	[NETSTATS_A_GROUP_INSTANCE] = K_OBJECT,
};

static const unsigned char option_kinds[] = {
	[NETSTATS_A_OPTION_NAME] = K_OPTNAME,
	[NETSTATS_A_OPTION_DOC] = K_STR,
	[NETSTATS_A_OPTION_MIN_VALUE] = K_UINT,
	[NETSTATS_A_OPTION_MAX_VALUE] = K_UINT,
	[NETSTATS_A_OPTION_DEFAULT] = K_UINT,
	[NETSTATS_A_OPTION_VALUE] = K_UINT,
};

static const unsigned char counter_kinds[] = {
	[NETSTATS_A_COUNTER_NAME] = K_STR,
	[NETSTATS_A_COUNTER_DOC] = K_STR,
	[NETSTATS_A_COUNTER_TYPE] = K_U32,
	[NETSTATS_A_COUNTER_OFFSET] = K_U32,
	[NETSTATS_A_COUNTER_FLAGS] = K_U32,
};

static const struct {
	const unsigned char *kinds;
	unsigned int max;
} sets[NR_SETS] = {
	[SET_REG] = { reg_kinds, NETSTATS_A_REGISTRATION_MAX },
	[SET_GROUP] = { group_kinds, NETSTATS_A_GROUP_MAX },
	[SET_OPTION] = { option_kinds, NETSTATS_A_OPTION_MAX },
	[SET_COUNTER] = { counter_kinds, NETSTATS_A_COUNTER_MAX },
};

static void put_addr(uint16_t type, bool src)
{
	static const unsigned char addr_lens[] = {
		0, 1, 3, 4, 5, 8, 16, 17, 20,
	};
	unsigned char a[20];
	const struct endpoint *e;
	size_t n;

	if (!n_eps || one_in(8)) {
		n = addr_lens[below(ARRAY_SIZE(addr_lens))];
		fill_random(a, n);
		put_attr(type, a, n);
		return;
	}
	e = &eps[below(n_eps)];
	memcpy(a, src ? e->src : e->dst, e->alen);
	n = e->alen;
	if (n == 4 && !one_in(8)) {	/* v4-mapped, as the policy wants */
		memmove(a + 12, a, 4);
		memset(a, 0, 10);
		a[10] = 0xff;
		a[11] = 0xff;
		n = 16;
	}
	put_fuzzed(type, a, n, 16);
}

static void put_port(uint16_t type, bool src)
{
	uint16_t p = 0;

	if (n_eps && !one_in(6))
		p = src ? eps[below(n_eps)].sport : eps[below(n_eps)].dport;
	else
		p = rnd();
	put_fuzzed(type, &p, sizeof(p), 16);
}

/* A flag: no payload, rarely one. */
static void put_flag(uint16_t type)
{
	static const unsigned char b[8];

	if (one_in(16))
		put_fuzzed(type, b, 1 + below(sizeof(b)), 2);
	else
		put_attr(type, NULL, 0);
}

/*
 * A u32 option in milliseconds: around the range QUERY gave for the
 * group's option of that attribute, else around the policy's bounds.
 */
static void put_ms(uint16_t type, const struct group_info *g)
{
	static const uint32_t odd[] = {
		0, 1, 9, 10, 99, 100, 1000, 60000, 60001, 3600000, 3600001,
		INT32_MAX, UINT32_MAX,
	};
	unsigned int base = type & NLA_TYPE_MASK;
	const struct opt_info *o = NULL;
	uint32_t v;
	int i;

	for (i = 0; g && i < g->n_opts; i++)
		if (nsnl_option_attr(g->opts[i].name) == base)
			o = &g->opts[i];
	if (o && !one_in(4))
		v = option_value(o);
	else
		v = one_in(4) ? pick_u32() : odd[below(ARRAY_SIZE(odd))];
	put_fuzzed(type, &v, sizeof(v), 16);
}

/* A collection option of @g (or another) as REGISTER takes it. */
static void gen_reg_option(const struct group_info *g)
{
	static const uint16_t any[] = {
		NETSTATS_A_REGISTRATION_PERIOD_MS,
		NETSTATS_A_REGISTRATION_TIMER_MS,
		NETSTATS_A_REGISTRATION_DEAD_LINGER_MS,
		NETSTATS_A_REGISTRATION_DERIVED,
		NETSTATS_A_REGISTRATION_COLLECT,
	};
	uint16_t type = 0;

	if (g && g->n_opts && !one_in(4))
		type = nsnl_option_attr(g->opts[below(g->n_opts)].name);
	if (!type)
		type = any[below(ARRAY_SIZE(any))];
	if (one_in(32))
		type |= NLA_F_NESTED;
	if (type == NETSTATS_A_REGISTRATION_DERIVED)
		put_flag(type);
	else
		put_ms(type, g);
}

static void put_kind(uint16_t type, int kind, int depth,
		     const struct group_info *g)
{
	static char s[FUZZ_PAY_MAX];
	unsigned int base = type & NLA_TYPE_MASK;
	uint32_t v32;
	uint64_t v64;
	size_t n;

	switch (kind) {
	case K_GROUP:
		n = gen_group_name(s, 4);
		put_fuzzed(type, s, n, 16);
		break;
	case K_OBJECT:
		n = gen_object(g ? g->name : NULL, s);
		put_fuzzed(type, s, n, 16);
		break;
	case K_OPTNAME:
		n = snprintf(s, sizeof(s), "%s", pick_str(opt_names));
		n = str_payload(s, n, 3);
		put_fuzzed(type, s, n, 16);
		break;
	case K_STR:
		n = snprintf(s, sizeof(s), "%s",
			     pick_str(one_in(2) ? fake_groups : opt_names));
		n = str_payload(s, n, 2);
		put_fuzzed(type, s, n, 16);
		break;
	case K_U32:
	case K_ID:
	case K_FD:
	case K_IFINDEX:
		if (kind == K_ID)
			v32 = pick_id();
		else if (kind == K_FD)
			v32 = (base == NETSTATS_A_REGISTRATION_NETNS_FD &&
			       n_ns && one_in(2)) ?
			      ns_fds[below(n_ns)] : pick_fd();
		else if (kind == K_IFINDEX && n_devs && one_in(2))
			v32 = ifindexes[below(n_devs)];
		else
			v32 = pick_u32();
		put_fuzzed(type, &v32, sizeof(v32), 8);
		break;
	case K_U64:
		v64 = pick_u64();
		put_fuzzed(type, &v64, sizeof(v64), 8);
		break;
	case K_UINT:
		put_uint(type, pick_u64(), 8);
		break;
	case K_ADDR:
		put_addr(type, base == NETSTATS_A_REGISTRATION_SOCK_SRC);
		break;
	case K_PORT:
		put_port(type, base == NETSTATS_A_REGISTRATION_SOCK_SPORT);
		break;
	case K_OPTION:
		gen_option(type, depth, g);
		break;
	case K_NEST:
		gen_nest(type, depth);
		break;
	case K_OBJNEST:
		gen_obj_nest(type, depth);
		break;
	case K_MS:
		put_ms(type, g);
		break;
	case K_FLAG:
		put_flag(type);
		break;
	default:
		n = one_in(2) ? below(9) : one_in(2) ? below(256) :
		    below(4097);
		fill_random(s, n);
		put_attr(type, s, n);
		break;
	}
}

/* One attribute of @set: mostly of a known type, else of any. */
static void gen_attr(int set, int depth, const struct group_info *g)
{
	static const uint16_t wild[] = {
		0, 0x3fff, 0x4000, 0x7fff, 0x8000, 0xffff, 255, 256,
	};
	unsigned int max = sets[set].max, type;
	int k = below(100), kind;

	if (depth > 6)
		return;
	if (k < 80)
		type = 1 + below(max);
	else if (k < 90)
		type = max + 1 + below(3);
	else if (k < 95)
		type = wild[below(ARRAY_SIZE(wild))];
	else
		type = (uint16_t)rnd();
	if ((type & NLA_TYPE_MASK) && (type & NLA_TYPE_MASK) <= max)
		kind = sets[set].kinds[type & NLA_TYPE_MASK];
	else
		kind = one_in(4) ? K_NEST : K_BLOB;
	if (kind != K_NEST && kind != K_OPTION && one_in(32))
		type |= NLA_F_NESTED;
	if (one_in(64))
		type |= NLA_F_NET_BYTEORDER;
	put_kind(type, kind, depth, g);
}

/* --- plausible requests, to reach past the policy ---------------------- */

/* The sock nest (@type): an fd, or a cookie with the 4-tuple. */
static void gen_tcp_target(uint16_t type)
{
	const struct endpoint *e;
	uint64_t cookie;
	size_t nest;
	int32_t fd;
	int k = below(100);

	nest = nest_start(type);
	if (k < 50 || k >= 90) {
		fd = (n_tcp && !one_in(4)) ? tcp_fds[below(n_tcp)] : pick_fd();
		put_fuzzed(NETSTATS_A_SOCK_FD, &fd, sizeof(fd), 16);
	}
	if (k >= 50 && k < 95 && n_eps) {
		e = &eps[below(n_eps)];
		cookie = one_in(5) ? pick_u64() : e->cookie;
		put_fuzzed(NETSTATS_A_SOCK_COOKIE, &cookie, sizeof(cookie), 16);
		if (!one_in(10))
			put_addr(NETSTATS_A_SOCK_SRC, !one_in(8));
		if (!one_in(10))
			put_addr(NETSTATS_A_SOCK_DST, one_in(8));
		if (!one_in(10))
			put_port(NETSTATS_A_SOCK_SPORT, !one_in(8));
		if (!one_in(10))
			put_port(NETSTATS_A_SOCK_DPORT, one_in(8));
		if (one_in(5))
			put_kind(NETSTATS_A_SOCK_IFINDEX, K_IFINDEX, 0, NULL);
	}
	nest_end(nest);
}

/* An ifindex: mostly of a device that exists. */
static void put_ifindex(uint16_t type)
{
	uint32_t v;

	if (n_devs && !one_in(4))
		v = ifindexes[below(n_devs)];
	else
		v = one_in(2) ? below(3) : pick_u32();
	put_fuzzed(type, &v, sizeof(v), 16);
}

/* A qdisc handle or parent, as tc names them. */
static uint32_t pick_tc_handle(void)
{
	static const uint32_t odd[] = {
		0xffffffff /* root */, 0xffffffff, 0xfffffff1 /* ingress */,
		0xfffffff2, 0x10000, 0x10001, 0x1ffff, 0x80000000, 0x80010000,
		0xffff0000, 0x8000, 0xffff, 1, 0,
	};

	return one_in(4) ? pick_u32() : odd[below(ARRAY_SIZE(odd))];
}

/*
 * The nest that names an object of the kind of @type (its attribute of
 * REGISTER, with or without NLA_F_NESTED): plausible members, sometimes
 * one missing, out of range, of the wrong length or of another set.
 */
static void gen_obj_nest(uint16_t type, int depth)
{
	unsigned int base = type & NLA_TYPE_MASK;
	size_t nest;
	uint32_t v;
	int k, i;

	if (base == NETSTATS_A_REGISTRATION_SOCK) {
		gen_tcp_target(type);
		return;
	}
	nest = nest_start(type);
	switch (base) {
	case NETSTATS_A_REGISTRATION_DEV:
		if (!one_in(10))
			put_ifindex(NETSTATS_A_DEV_IFINDEX);
		break;
	case NETSTATS_A_REGISTRATION_QUEUE:
		if (!one_in(10))
			put_ifindex(NETSTATS_A_QUEUE_IFINDEX);
		if (one_in(2)) {
			v = one_in(8) ? pick_u32() : below(2);
			put_fuzzed(NETSTATS_A_QUEUE_TYPE, &v, sizeof(v), 16);
		}
		if (!one_in(10)) {
			v = one_in(4) ? pick_u32() : below(4);
			put_fuzzed(NETSTATS_A_QUEUE_ID, &v, sizeof(v), 16);
		}
		break;
	case NETSTATS_A_REGISTRATION_PAGE_POOL:
		if (!one_in(10))
			put_uint(NETSTATS_A_PAGE_POOL_ID,
				 one_in(4) ? pick_u64() : 1 + below(16), 16);
		break;
	case NETSTATS_A_REGISTRATION_QDISC:
		if (!one_in(10))
			put_ifindex(NETSTATS_A_QDISC_IFINDEX);
		k = below(10);
		if (k < 4 || k == 9) {
			v = pick_tc_handle();
			put_fuzzed(NETSTATS_A_QDISC_HANDLE, &v, sizeof(v), 16);
		}
		if (k >= 4) {
			v = pick_tc_handle();
			put_fuzzed(NETSTATS_A_QDISC_PARENT, &v, sizeof(v), 16);
		}
		break;
	}
	if (depth < 5 && one_in(12))
		for (i = below(3); i >= 0; i--)
			gen_attr(below(NR_SETS), depth + 1, NULL);
	nest_end(nest);
}

/* The nest that names the objects of group @name, or 0. */
static uint16_t object_attr(const char *name)
{
	if (!strcmp(name, NETSTATS_GROUP_TCP))
		return NETSTATS_A_REGISTRATION_SOCK;
	if (!strncmp(name, "queue/", 6) || !strncmp(name, "hwqueue/", 8))
		return NETSTATS_A_REGISTRATION_QUEUE;
	if (!strcmp(name, NETSTATS_GROUP_QDISC))
		return NETSTATS_A_REGISTRATION_QDISC;
	if (!strcmp(name, NETSTATS_GROUP_HW))
		return NETSTATS_A_REGISTRATION_DEV;
	if (!strcmp(name, NETSTATS_GROUP_PAGE_POOL))
		return NETSTATS_A_REGISTRATION_PAGE_POOL;
	return 0;
}

static void gen_register(uint32_t idx)
{
	static const int n_opts[] = { 0, 0, 0, 1, 1, 2, 3 };
	static const uint16_t object_kinds[] = {
		NETSTATS_A_REGISTRATION_DEV, NETSTATS_A_REGISTRATION_QUEUE,
		NETSTATS_A_REGISTRATION_PAGE_POOL,
		NETSTATS_A_REGISTRATION_QDISC, NETSTATS_A_REGISTRATION_SOCK,
	};
	static char s[FUZZ_PAY_MAX];
	const struct group_info *g = pick_group();
	uint16_t obj;
	size_t n;
	int i;

	seq_group[idx % ARRAY_SIZE(seq_group)] =
		g == &other_group ? -1 : g - groups;

	n = snprintf(s, sizeof(s), "%s", g->name);
	n = str_payload(s, n, 6);
	put_fuzzed(NETSTATS_A_REGISTRATION_GROUP, s, n, 32);

	/* The group's object nest; rarely none, another kind or two. */
	obj = object_attr(g->name);
	if (obj && !one_in(10))
		gen_obj_nest(obj | (one_in(20) ? 0 : NLA_F_NESTED), 0);
	if (one_in(obj ? 16 : 8)) {
		obj = object_kinds[below(ARRAY_SIZE(object_kinds))];
		gen_obj_nest(obj | (one_in(10) ? 0 : NLA_F_NESTED), 0);
	}
	/* The attributes REGISTER no longer takes, now and then. */
	if (one_in(50)) {
		n = gen_object(g->name, s);
		put_fuzzed(NETSTATS_A_REGISTRATION_OBJECT, s, n, 32);
	}
	if (one_in(7))
		put_kind(NETSTATS_A_REGISTRATION_NETNS_FD, K_FD, 0, g);
	if (one_in(10))
		put_flag(NETSTATS_A_REGISTRATION_NOTIFY);
	/* Options: the group's, or a few for a group that has none. */
	i = g->n_opts || one_in(6) ? n_opts[below(ARRAY_SIZE(n_opts))] : 0;
	for (; i > 0; i--)
		gen_reg_option(g);
	if (one_in(50))
		gen_option(NETSTATS_A_REGISTRATION_OPTION, 0, g);
	if (one_in(6))
		for (i = below(2); i >= 0; i--)
			gen_attr(SET_REG, 0, g);
}

static void gen_unregister(void)
{
	uint32_t id = pick_id();
	int i;

	put_fuzzed(NETSTATS_A_REGISTRATION_ID, &id, sizeof(id), 16);
	if (one_in(20)) {
		id = pick_id();
		put_attr(NETSTATS_A_REGISTRATION_ID, &id, sizeof(id));
	}
	if (one_in(10))
		for (i = below(3); i >= 0; i--)
			gen_attr(SET_REG, 0, NULL);
}

static void gen_query(void)
{
	static char s[FUZZ_PAY_MAX];
	size_t n;
	int i;

	if (!one_in(10)) {
		n = gen_group_name(s, 5);
		put_fuzzed(NETSTATS_A_GROUP_NAME, s, n, 16);
	}
	if (one_in(10))
		for (i = below(3); i >= 0; i--)
			gen_attr(SET_GROUP, 0, NULL);
}

static void hexdump(uint32_t idx, const unsigned char *p, size_t n)
{
	size_t i;

	printf("# message %u, %zu bytes:", idx, n);
	for (i = 0; i < n; i++)
		printf("%s%02x", i % 32 ? " " : "\n#   ", p[i]);
	printf("\n");
}

/* Appends message @idx to the output; returns true if it must go alone. */
static bool gen_message(uint32_t idx)
{
	static const uint8_t unknown[] = {
		0, NETSTATS_CMD_OBJECT_DEAD, NETSTATS_CMD_MAX + 1,
		NETSTATS_CMD_MAX + 2, 16, 127, 128, 254, 255,
	};
	struct nlmsghdr *nlh = (struct nlmsghdr *)(out + olen);
	struct genlmsghdr *g = (struct genlmsghdr *)(nlh + 1);
	bool alone = false;
	int k = below(100), cmd, i;
	size_t len;

	mstart = olen;
	olen += NLMSG_HDRLEN + GENL_HDRLEN;
	if (k < 30)
		cmd = NETSTATS_CMD_QUERY;
	else if (k < 70)
		cmd = NETSTATS_CMD_REGISTER;
	else if (k < 90)
		cmd = NETSTATS_CMD_UNREGISTER;
	else if (k < 95)
		cmd = unknown[below(ARRAY_SIZE(unknown))];
	else
		cmd = NETSTATS_CMD_MAX + 1 + below(256 - NETSTATS_CMD_MAX - 1);

	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = one_in(100) ? 0 : NLM_F_REQUEST;
	if (!one_in(4))
		nlh->nlmsg_flags |= NLM_F_ACK;
	if ((cmd == NETSTATS_CMD_QUERY && one_in(25)) || one_in(50))
		nlh->nlmsg_flags |= NLM_F_DUMP;
	if (one_in(100))
		nlh->nlmsg_flags |= rnd() & 0xfff0;
	nlh->nlmsg_seq = idx;
	nlh->nlmsg_pid = one_in(50) ? (uint32_t)rnd() : 0;
	g->cmd = cmd;
	g->version = one_in(10) ? (uint8_t)rnd() : NETSTATS_FAMILY_VERSION;
	g->reserved = one_in(100) ? (uint16_t)rnd() : 0;
	seq_group[idx % ARRAY_SIZE(seq_group)] = -1;

	if (one_in(2) && cmd == NETSTATS_CMD_REGISTER) {
		gen_register(idx);
	} else if (one_in(2) && cmd == NETSTATS_CMD_UNREGISTER) {
		gen_unregister();
	} else if (one_in(2) && cmd == NETSTATS_CMD_QUERY) {
		gen_query();
	} else {
		k = below(100);
		k = k < 10 ? 0 : k < 60 ? 1 + below(3) : k < 95 ?
		    4 + below(7) : 11 + below(30);
		for (i = 0; i < k; i++)
			gen_attr(cmd == NETSTATS_CMD_QUERY ? SET_GROUP :
				 cmd == NETSTATS_CMD_REGISTER ||
				 cmd == NETSTATS_CMD_UNREGISTER ? SET_REG :
				 below(NR_SETS), 0, NULL);
	}

	len = olen - mstart;
	nlh->nlmsg_len = len;
	k = below(1000);
	if (k < 3) {		/* the headers cut */
		len = below(NLMSG_HDRLEN + GENL_HDRLEN);
		nlh->nlmsg_len = one_in(2) ? len : NLMSG_HDRLEN + GENL_HDRLEN;
		alone = true;
	} else if (k < 23 && len > NLMSG_HDRLEN + GENL_HDRLEN) {
		/* cut inside the attributes */
		len = NLMSG_HDRLEN + GENL_HDRLEN +
		      below(len - NLMSG_HDRLEN - GENL_HDRLEN);
		nlh->nlmsg_len = len;
		alone = true;
	} else if (k < 28) {	/* claims more than is sent */
		nlh->nlmsg_len = len + 1 + below(4096);
		alone = true;
	}
	olen = mstart + (alone ? len : NLMSG_ALIGN(len));
	if (idx >= dump_from && idx <= dump_to)
		hexdump(idx, out + mstart, olen - mstart);
	st.cmds[cmd]++;
	return alone;
}

static void send_out(void)
{
	struct sockaddr_nl k = { .nl_family = AF_NETLINK };

	if (!olen)
		return;
	if (sendto(nl, out, olen, 0, (struct sockaddr *)&k, sizeof(k)) < 0)
		st.send_errs++;
	st.sends++;
	olen = 0;
	mstart = 0;
}

/* --- replies ------------------------------------------------------------ */

/* The REGISTER reply @nlh: range, layout and the self group's counters. */
static int reg_parse(const struct nlmsghdr *nlh, struct reg_info *r)
{
	struct nsnl_reply rep = {
		.map_fd = -1,
		.want = { "registrations", "map_files" },
	};

	nsnl_reply_cb(nlh, &rep);
	*r = (struct reg_info) {
		.id = rep.id,
		.map_fd = rep.map_fd,
		.map_offset = rep.off,
		.map_size = rep.size,
		.block_offset = rep.block_offset,
		.off_regs = rep.want_off[0],
		.off_maps = rep.want_off[1],
	};
	return MNL_CB_OK;
}

/* Closes the map fds we hold but the registrar's; returns how many. */
static int sweep_map_fds(void)
{
	struct dirent *e;
	int fd, n = 0;
	DIR *d;

	d = opendir("/proc/self/fd");
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		fd = atoi(e->d_name);
		if (e->d_name[0] == '.' || fd == dirfd(d) || fd == keep_fd)
			continue;
		if (nsnl_is_map_fd(fd)) {
			close(fd);
			n++;
		}
	}
	closedir(d);
	return n;
}

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(bus_jmp, 1);
}

/* The state of a mapped block, or 0 if reading it raised SIGBUS. */
static uint32_t block_state(const struct netstats_block_hdr *h)
{
	if (sigsetjmp(bus_jmp, 1))
		return 0;
	return h->state;
}

/* A REGISTER of the fuzz that went through: check the reply, map it. */
static void fuzz_reg_reply(const struct nlmsghdr *nlh)
{
	const struct netstats_block_hdr *h;
	struct reg_info r;
	uint32_t state;
	void *p;
	int i;

	reg_parse(nlh, &r);
	st.reg_ok++;
	i = seq_group[nlh->nlmsg_seq % ARRAY_SIZE(seq_group)];
	grp_ok[i >= 0 && i < n_groups ? i : n_groups]++;
	if (r.map_fd < 0 || !nsnl_is_map_fd(r.map_fd)) {
		finding(nlh->nlmsg_seq, "REGISTER reply with map-fd %d, not a map file",
			r.map_fd);
		return;
	}
	if (!r.id || r.id > 65536 || !r.map_size ||
	    r.map_size % page_size || r.map_offset % page_size ||
	    r.block_offset + sizeof(*h) > r.map_size)
		finding(nlh->nlmsg_seq, "REGISTER reply: id %u, range %llu+%llu, block at %u",
			r.id, (unsigned long long)r.map_offset,
			(unsigned long long)r.map_size, r.block_offset);
	else if (one_in(4)) {
		p = mmap(NULL, r.map_size, PROT_READ, MAP_SHARED, r.map_fd,
			 r.map_offset);
		if (p == MAP_FAILED) {
			finding(nlh->nlmsg_seq, "mmap of the range %llu+%llu: %s",
				(unsigned long long)r.map_offset,
				(unsigned long long)r.map_size,
				strerror(errno));
		} else {
			h = (const void *)((char *)p + r.block_offset);
			state = block_state(h);
			if (!state && n_bus < ARRAY_SIZE(bus)) {
				/* Unregistered since, or a finding. */
				bus[n_bus].id = r.id;
				bus[n_bus++].seq = nlh->nlmsg_seq;
			} else if (state != NETSTATS_BLOCK_LIVE &&
				   state != NETSTATS_BLOCK_DEAD) {
				finding(nlh->nlmsg_seq, "block state %u",
					state);
			}
			munmap(p, r.map_size);
			st.mapped++;
		}
		p = mmap(NULL, page_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 r.map_fd, r.map_offset);
		if (p != MAP_FAILED) {
			finding(nlh->nlmsg_seq, "the map file maps writable");
			munmap(p, page_size);
		}
	}
	close(r.map_fd);
	own_ids[n_own++ % 64] = r.id;
	if (n_live < ARRAY_SIZE(live_ids))
		live_ids[n_live++] = r.id;
}

/*
 * A range that raised SIGBUS must belong to a registration that is gone:
 * its UNREGISTER must fail.  Else the map file let a reader of a live
 * registration down.
 */
static void probe_result(uint32_t slot, int err)
{
	if (slot >= ARRAY_SIZE(bus))
		return;
	st.sigbus++;
	if (err != ENOENT)
		finding(bus[slot].seq, "registration %u raised SIGBUS, its UNREGISTER: %s",
			bus[slot].id, strerror(err));
}

/* The extack messages of the fuzz, counted: how far the requests got. */
static struct {
	char msg[64];
	unsigned long n;
} extacks[48];

static void extack_count(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	unsigned int off = sizeof(*e);
	const struct nlattr *a;
	const char *msg = NULL;
	unsigned int i;

	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    off > nlh->nlmsg_len - sizeof(*nlh))
		return;
	mnl_attr_for_each(a, nlh, off)
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG)
			msg = mnl_attr_get_str(a);
	if (!msg)
		return;
	for (i = 0; i < ARRAY_SIZE(extacks) && extacks[i].n; i++)
		if (!strncmp(extacks[i].msg, msg, sizeof(extacks[i].msg) - 1))
			break;
	if (i == ARRAY_SIZE(extacks))
		return;
	if (!extacks[i].n)
		snprintf(extacks[i].msg, sizeof(extacks[i].msg), "%s", msg);
	extacks[i].n++;
}

static void parse_replies(const unsigned char *buf, int len)
{
	const struct nlmsghdr *nlh;

	for (nlh = (const void *)buf; NLMSG_OK(nlh, len);
	     nlh = NLMSG_NEXT(nlh, len)) {
		const struct genlmsghdr *g = NLMSG_DATA(nlh);
		bool fuzz = !(nlh->nlmsg_seq & SEQ_HOUSE);

		if (nlh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(nlh);
			int err = -e->error;

			if (nlh->nlmsg_seq == mark.seq) {
				mark.acked = 1;
				mark.err = err;
			} else if ((nlh->nlmsg_seq & SEQ_KIND) == SEQ_PROBE) {
				probe_result(nlh->nlmsg_seq & ~SEQ_KIND, err);
			} else if (fuzz) {
				st.errs[err >= 0 && err < 135 ? err : 135]++;
				extack_count(nlh);
			}
		} else if (nlh->nlmsg_type == NLMSG_DONE) {
			st.dumps_done++;
		} else if (nlh->nlmsg_type != family ||
			   nlh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN)) {
			st.other_replies++;
		} else if (g->cmd == NETSTATS_CMD_REGISTER) {
			fuzz_reg_reply(nlh);
		} else if (g->cmd == NETSTATS_CMD_QUERY) {
			if (nlh->nlmsg_seq == mark.seq)
				mark.reply = 1;
			st.query_replies++;
		} else if (g->cmd == NETSTATS_CMD_OBJECT_DEAD) {
			st.dead_ntf++;
		} else {
			finding(nlh->nlmsg_seq, "reply of command %u", g->cmd);
		}
	}
}

/* Reads what is there; with @wait_ms, up to then for the checkpoint ack. */
static void drain(int wait_ms)
{
	double end = now_s() + wait_ms / 1000.0;
	struct pollfd pfd = { .fd = nl, .events = POLLIN };
	ssize_t n;

	for (;;) {
		n = recv(nl, in, FUZZ_IN_MAX, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				st.overruns++;
				continue;
			}
			if (errno != EAGAIN || !wait_ms || mark.acked ||
			    now_s() > end)
				break;
			poll(&pfd, 1, 50);
			continue;
		}
		if (n > FUZZ_IN_MAX) {
			st.truncated++;
			n = FUZZ_IN_MAX;
		}
		parse_replies(in, n);
	}
}

static void put_unregister(uint32_t seq, uint16_t flags, uint32_t id)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)(out + olen);
	struct genlmsghdr *g = (struct genlmsghdr *)(nlh + 1);

	mstart = olen;
	olen += NLMSG_HDRLEN + GENL_HDRLEN;
	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = 0;
	g->cmd = NETSTATS_CMD_UNREGISTER;
	g->version = NETSTATS_FAMILY_VERSION;
	g->reserved = 0;
	put_attr(NETSTATS_A_REGISTRATION_ID, &id, sizeof(id));
	nlh->nlmsg_len = olen - mstart;
}

/* Reads the replies; asks after the ranges that raised SIGBUS. */
static void drain_all(void)
{
	unsigned int i;

	drain(0);
	if (!n_bus)
		return;
	for (i = 0; i < n_bus; i++)
		put_unregister(SEQ_PROBE | i, NLM_F_ACK, bus[i].id);
	send_out();
	drain(0);
	n_bus = 0;
}

/* Registrations that went through are taken back now and then. */
static void unregister_own(void)
{
	unsigned int i;

	for (i = 0; i < n_live; i++)
		put_unregister(SEQ_HOUSE | ++house_seq, 0, live_ids[i]);
	n_live = 0;
	send_out();
}

static int fuzz_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd, one = 1, size = FUZZ_RCVBUF;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -1;
	/* One socket in four overruns: replies are dropped. */
	if (one_in(4))
		size = FUZZ_RCVBUF_SMALL;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	if (!one_in(4))
		setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	if (one_in(2))
		setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (one_in(2))
		setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one,
			   sizeof(one));
	if (chk.monitor_grp && one_in(2))
		setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
			   &chk.monitor_grp, sizeof(chk.monitor_grp));
	return fd;
}

/* --- sockets and other fds to name --------------------------------------- */

static int endpoint_of(int fd, struct endpoint *e)
{
	struct sockaddr_storage a, b;
	socklen_t la = sizeof(a), lb = sizeof(b), lc = sizeof(e->cookie);

	memset(e, 0, sizeof(*e));
	if (getsockopt(fd, SOL_SOCKET, SO_COOKIE, &e->cookie, &lc) ||
	    getsockname(fd, (struct sockaddr *)&a, &la))
		return -1;
	if (getpeername(fd, (struct sockaddr *)&b, &lb))
		memset(&b, 0, sizeof(b));
	if (a.ss_family == AF_INET) {
		struct sockaddr_in *s = (void *)&a, *d = (void *)&b;

		e->alen = 4;
		memcpy(e->src, &s->sin_addr, 4);
		memcpy(e->dst, &d->sin_addr, 4);
		e->sport = s->sin_port;
		e->dport = d->sin_port;
	} else {
		struct sockaddr_in6 *s = (void *)&a, *d = (void *)&b;

		e->alen = 16;
		memcpy(e->src, &s->sin6_addr, 16);
		memcpy(e->dst, &d->sin6_addr, 16);
		e->sport = s->sin6_port;
		e->dport = d->sin6_port;
	}
	return 0;
}

/* A connected pair over loopback: @fd[0] connected, @fd[1] accepted. */
static int tcp_pair(int af, int fd[2], int *lfd)
{
	struct sockaddr_storage ss = { .ss_family = af };
	socklen_t len = af == AF_INET ? sizeof(struct sockaddr_in) :
			sizeof(struct sockaddr_in6);
	int l;

	if (af == AF_INET)
		((struct sockaddr_in *)&ss)->sin_addr.s_addr =
			htonl(INADDR_LOOPBACK);
	else
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	fd[0] = -1;
	fd[1] = -1;
	l = socket(af, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0)
		return -1;
	if (bind(l, (struct sockaddr *)&ss, len) || listen(l, 4) ||
	    getsockname(l, (struct sockaddr *)&ss, &len))
		goto err;
	fd[0] = socket(af, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd[0] < 0 || connect(fd[0], (struct sockaddr *)&ss, len))
		goto err;
	fd[1] = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	if (fd[1] < 0)
		goto err;
	if (lfd)
		*lfd = l;
	else
		close(l);
	return 0;
err:
	if (fd[0] >= 0)
		close(fd[0]);
	fd[0] = -1;
	close(l);
	return -1;
}

static void add_fd(int fd, bool churn)
{
	if (fd < 0 || n_fds >= (int)ARRAY_SIZE(fds))
		return;
	fds[n_fds++] = fd;
	if (churn && n_churn < (int)ARRAY_SIZE(churn_fds))
		churn_fds[n_churn++] = fd;
}

static void add_tcp(int fd, bool churn)
{
	if (fd < 0 || n_tcp >= (int)ARRAY_SIZE(tcp_fds))
		return;
	add_fd(fd, churn);
	tcp_fds[n_tcp++] = fd;
	if (n_eps < (int)ARRAY_SIZE(eps) && !endpoint_of(fd, &eps[n_eps]))
		n_eps++;
}

/* A network namespace of our own making, for netns-fd. */
static void new_other_netns(void)
{
	if (other_netns >= 0)
		close(other_netns);
	other_netns = -1;
	if (own_netns < 0 || unshare(CLONE_NEWNET))
		return;
	other_netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (setns(own_netns, CLONE_NEWNET))
		ksft_exit_fail_msg("cannot go back to our netns: %s\n",
				   strerror(errno));
}

/* Closes the sockets of the last round and makes the pools again. */
static void pools_refresh(bool netns)
{
	static const int32_t odd_fds[] = {
		-1, 0, 1, 2, 1023, 65535, INT32_MAX, INT32_MIN,
	};
	int pair[2], l = -1, i;

	for (i = 0; i < n_churn; i++)
		close(churn_fds[i]);
	n_churn = 0;
	n_fds = 0;
	n_tcp = 0;
	n_eps = 0;
	n_ns = 0;
	if (netns)
		new_other_netns();

	add_tcp(anchor_fds[0], false);
	add_tcp(anchor_fds[1], false);
	if (!tcp_pair(AF_INET, pair, &l)) {
		add_tcp(pair[0], true);
		add_tcp(pair[1], true);
		add_tcp(l, true);
	}
	if (!tcp_pair(AF_INET6, pair, NULL)) {
		add_tcp(pair[0], true);
		add_tcp(pair[1], true);
	}
	add_tcp(socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0), true);
	add_fd(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), true);
	add_fd(socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_TCP), true);
	if (!socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair)) {
		add_fd(pair[0], true);
		add_fd(pair[1], true);
	}
	if (!pipe2(pair, O_CLOEXEC)) {
		add_fd(pair[0], true);
		add_fd(pair[1], true);
	}
	add_fd(open("/dev/null", O_RDONLY | O_CLOEXEC), true);
	add_fd(open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), true);
	add_fd(nl, false);
	add_fd(mnl_socket_get_fd(chk.nl), false);
	add_fd(mnl_socket_get_fd(rgs.nl), false);
	add_fd(keep_fd, false);
	add_fd(uts_ns, false);
	add_fd(own_netns, false);
	add_fd(other_netns, false);
	for (i = 0; i < (int)ARRAY_SIZE(odd_fds); i++)
		if (n_fds < (int)ARRAY_SIZE(fds))
			fds[n_fds++] = odd_fds[i];
	if (own_netns >= 0)
		ns_fds[n_ns++] = own_netns;
	if (other_netns >= 0)
		ns_fds[n_ns++] = other_netns;
	if (uts_ns >= 0)
		ns_fds[n_ns++] = uts_ns;
}

/* --- the second socket: groups, registrar, checks ------------------------ */

static int query_cb(const struct nlmsghdr *nlh, void *data)
{
	struct group_info *g;
	const struct nlattr *a, *o;

	(void)data;
	if (n_groups >= (int)ARRAY_SIZE(groups))
		return MNL_CB_OK;
	g = &groups[n_groups++];
	memset(g, 0, sizeof(*g));
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case NETSTATS_A_GROUP_NAME:
			snprintf(g->name, sizeof(g->name), "%s",
				 mnl_attr_get_str(a));
			break;
		case NETSTATS_A_GROUP_FLAGS:
			g->flags = mnl_attr_get_u32(a);
			break;
		case NETSTATS_A_GROUP_OPTION: {
			struct opt_info *oi;

			if (g->n_opts >= (int)ARRAY_SIZE(g->opts))
				break;
			oi = &g->opts[g->n_opts++];
			mnl_attr_for_each_nested(o, a) {
				int t = mnl_attr_get_type(o);

				if (t == NETSTATS_A_OPTION_NAME)
					snprintf(oi->name, sizeof(oi->name),
						 "%s", mnl_attr_get_str(o));
				else if (t == NETSTATS_A_OPTION_MIN_VALUE)
					oi->min = nsnl_get_uint(o);
				else if (t == NETSTATS_A_OPTION_MAX_VALUE)
					oi->max = nsnl_get_uint(o);
			}
			break;
		}
		}
	}
	return MNL_CB_OK;
}

static int query_groups(void)
{
	struct nlmsghdr *nlh;

	n_groups = 0;
	nlh = nsnl_msg(&chk, family, NETSTATS_CMD_QUERY, NLM_F_DUMP);
	return nsnl_talk(&chk, nlh, query_cb, NULL);
}

static int query_one(struct nsnl *s, const char *name)
{
	struct nlmsghdr *nlh;

	nlh = nsnl_msg(s, family, NETSTATS_CMD_QUERY, 0);
	mnl_attr_put_strz(nlh, NETSTATS_A_GROUP_NAME, name);
	return nsnl_talk(s, nlh, NULL, NULL);
}

static int reg_cb(const struct nlmsghdr *nlh, void *data)
{
	return reg_parse(nlh, data);
}

/* A registration of the registrar; -errno if the kernel refused it. */
static int registrar_add(const char *group, int sock_fd, uint64_t period)
{
	struct reg_info *r = &rinfo[n_rinfo];
	struct nlmsghdr *nlh;
	int err;

	nlh = nsnl_msg(&rgs, family, NETSTATS_CMD_REGISTER, 0);
	mnl_attr_put_strz(nlh, NETSTATS_A_REGISTRATION_GROUP, group);
	if (sock_fd >= 0)
		nsnl_put_sock_fd(nlh, sock_fd);
	if (period)
		nsnl_put_option(nlh, "period-ms", period);
	err = nsnl_talk(&rgs, nlh, reg_cb, r);
	if (err) {
		ksft_print_msg("registrar: REGISTER %s: %s (%s)\n", group,
			       strerror(-err), rgs.extack);
		return err;
	}
	if (keep_fd < 0)
		keep_fd = r->map_fd;
	else
		close(r->map_fd);
	r->map_fd = keep_fd;
	n_rinfo++;
	return 0;
}

static int registrar_setup(void)
{
	const struct group_info *g;
	int i;

	if (tcp_pair(AF_INET, anchor_fds, NULL))
		return -1;
	if (!registrar_add(NETSTATS_GROUP_NETSTATS, -1, 50))
		self_reg = &rinfo[0];
	registrar_add(NETSTATS_GROUP_TCP, anchor_fds[0], 0);
	for (i = 0; i < n_groups; i++) {
		g = &groups[i];
		if (!strcmp(g->name, NETSTATS_GROUP_IP) ||
		    !strcmp(g->name, NETSTATS_GROUP_IP6) ||
		    !strcmp(g->name, NETSTATS_GROUP_TCP_ALL))
			registrar_add(g->name, -1, 0);
	}
	if (self_reg && self_reg->off_regs && self_reg->off_maps) {
		self_map = mmap(NULL, self_reg->map_size, PROT_READ, MAP_SHARED,
				keep_fd, self_reg->map_offset);
		if (self_map == MAP_FAILED)
			self_map = NULL;
	}
	if (!self_map)
		self_reg = NULL;
	for (i = 0; i < n_rinfo; i++)
		ksft_print_msg("registrar: id %u, range %llu+%llu\n",
			       rinfo[i].id,
			       (unsigned long long)rinfo[i].map_offset,
			       (unsigned long long)rinfo[i].map_size);
	return n_rinfo ? 0 : -1;
}

/*
 * Reads what the registrar's socket holds without waiting: the
 * object-dead notifications of its registrations (tcp-all hears of every
 * TCP socket the fuzz closes), so that its replies find room.
 */
static void registrar_drain(void)
{
	int fd = mnl_socket_get_fd(rgs.nl);
	const struct nlmsghdr *nlh;
	const struct genlmsghdr *g;
	ssize_t n;
	int len;

	for (;;) {
		n = recv(fd, rgs.buf, NSNL_BUF_SIZE, MSG_DONTWAIT);
		if (n < 0 && (errno == ENOBUFS || errno == EINTR))
			continue;
		if (n <= 0)
			break;
		len = n;
		for (nlh = (void *)rgs.buf; NLMSG_OK(nlh, len);
		     nlh = NLMSG_NEXT(nlh, len)) {
			g = NLMSG_DATA(nlh);
			if (nlh->nlmsg_type == family &&
			    g->cmd == NETSTATS_CMD_OBJECT_DEAD)
				st.rgs_dead++;
		}
	}
}

/* The netstats core's gauges, from the registrar's derived block. */
static bool gauges(uint64_t *regs, uint64_t *maps)
{
	struct netstats_derived_hdr *h;
	uint32_t s1;
	int i;

	if (!self_map)
		return false;
	h = (void *)(self_map + self_reg->block_offset);
	for (i = 0; i < 1000; i++) {
		s1 = __atomic_load_n(&h->seq, __ATOMIC_ACQUIRE);
		if (s1 & 1)
			continue;
		*regs = __atomic_load_n((uint64_t *)(self_map +
						     self_reg->off_regs),
					__ATOMIC_RELAXED);
		*maps = __atomic_load_n((uint64_t *)(self_map +
						     self_reg->off_maps),
					__ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&h->seq, __ATOMIC_RELAXED) == s1)
			return true;
	}
	return false;
}

/* Waits for two updates of the gauges, up to @ms. */
static void gauges_settle(int ms)
{
	struct netstats_derived_hdr *h;
	uint64_t t, t0;
	int updates = 0;
	double end = now_s() + ms / 1000.0;

	h = (void *)(self_map + self_reg->block_offset);
	t0 = __atomic_load_n(&h->timestamp_ns, __ATOMIC_RELAXED);
	while (updates < 2 && now_s() < end) {
		usleep(20000);
		t = __atomic_load_n(&h->timestamp_ns, __ATOMIC_RELAXED);
		if (t != t0)
			updates++;
		t0 = t;
	}
}

/* Waits up to @ms for the gauges to be at most @regs and @maps. */
static bool gauges_back(uint64_t regs, uint64_t maps, int ms,
			uint64_t *now_regs, uint64_t *now_maps)
{
	double end = now_s() + ms / 1000.0;

	do {
		if (gauges(now_regs, now_maps) && *now_regs <= regs &&
		    *now_maps <= maps)
			return true;
		usleep(20000);
	} while (now_s() < end);
	return false;
}

/*
 * A checkpoint: a valid QUERY on the fuzzing socket and on the second one
 * must be answered, and the kernel log must have no splat.  Returns what
 * went wrong, or NULL.
 */
static const char *checkpoint(uint32_t idx, int wait_ms)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)out;
	struct genlmsghdr *g = (struct genlmsghdr *)(nlh + 1);
	int stray;

	send_out();
	mark.seq = SEQ_MARK | idx;
	mark.reply = 0;
	mark.acked = 0;
	mark.err = 0;
	olen = NLMSG_HDRLEN + GENL_HDRLEN;
	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = mark.seq;
	nlh->nlmsg_pid = 0;
	g->cmd = NETSTATS_CMD_QUERY;
	g->version = NETSTATS_FAMILY_VERSION;
	g->reserved = 0;
	put_attr(NETSTATS_A_GROUP_NAME, NETSTATS_GROUP_NETSTATS,
		 sizeof(NETSTATS_GROUP_NETSTATS));
	nlh->nlmsg_len = olen;
	send_out();
	drain(wait_ms);
	if (!mark.acked || mark.err || !mark.reply) {
		ksft_print_msg("ack %d, error %d, reply %d\n", mark.acked,
			       mark.err, mark.reply);
		return "the fuzzing socket got no answer to a valid QUERY";
	}
	if (query_one(&chk, NETSTATS_GROUP_NETSTATS))
		return "another socket got no answer to a valid QUERY";
	registrar_drain();
	stray = sweep_map_fds();
	if (stray) {
		st.swept += stray;
		finding(idx, "%d map fds without a REGISTER reply in this batch",
			stray);
	}
	if (kmsg_scan()) {
		st.splats++;
		return "the kernel logged a splat";
	}
	return NULL;
}

static void fuzz_reopen(void)
{
	close(nl);
	nl = fuzz_open();
	if (nl < 0)
		ksft_exit_fail_msg("netlink: %s\n", strerror(errno));
	n_live = 0;
	n_own = 0;
	st.reopens++;
}

/* --- the run -------------------------------------------------------------- */

static bool debug_kernel(void)
{
	return !access("/proc/lockdep", F_OK) ||
	       !access("/sys/kernel/debug/kmemleak", F_OK);
}

static unsigned long env_or(const char *name, unsigned long def)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : def;
}

static void rcv_timeout(struct nsnl *s, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000 };

	setsockopt(mnl_socket_get_fd(s->nl), SOL_SOCKET, SO_RCVTIMEO, &tv,
		   sizeof(tv));
}

/* Loopback up; the devices and namespaces to name. */
static void devices_setup(void)
{
	struct if_nameindex *ni = if_nameindex(), *p;
	struct ifreq ifr = {};
	int s;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (s >= 0 && !ioctl(s, SIOCGIFFLAGS, &ifr)) {
		ifr.ifr_flags |= IFF_UP;
		ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	if (s >= 0)
		close(s);
	for (p = ni; p && p->if_index && n_devs < 16; p++) {
		snprintf(devs[n_devs], IF_NAMESIZE, "%s", p->if_name);
		ifindexes[n_devs++] = p->if_index;
	}
	if (ni)
		if_freenameindex(ni);
	own_netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	uts_ns = open("/proc/self/ns/uts", O_RDONLY | O_CLOEXEC);
}

static void print_summary(double secs)
{
	static const char *const cmd_names[] = {
		[NETSTATS_CMD_QUERY] = "QUERY",
		[NETSTATS_CMD_REGISTER] = "REGISTER",
		[NETSTATS_CMD_UNREGISTER] = "UNREGISTER",
		[NETSTATS_CMD_OBJECT_DEAD] = "OBJECT_DEAD",
	};
	unsigned long unknown = st.cmds[0];
	int i;

	for (i = NETSTATS_CMD_MAX + 1; i < 256; i++)
		unknown += st.cmds[i];
	ksft_print_msg("%lu messages in %lu sends, %.1f s, %.0f/s\n",
		       st.sent, st.sends, secs, st.sent / (secs ?: 1));
	for (i = 1; i <= NETSTATS_CMD_MAX; i++)
		ksft_print_msg("  %-12s %lu\n", cmd_names[i], st.cmds[i]);
	ksft_print_msg("  %-12s %lu\n", "unknown", unknown);
	ksft_print_msg("replies: QUERY %lu, dumps %lu, object-dead %lu, other %lu\n",
		       st.query_replies, st.dumps_done, st.dead_ntf,
		       st.other_replies);
	ksft_print_msg("object-dead notifications to the registrar: %lu\n",
		       st.rgs_dead);
	ksft_print_msg("REGISTER went through %lu times (%lu mapped, %lu unregistered before):",
		       st.reg_ok, st.mapped, st.sigbus);
	for (i = 0; i <= n_groups; i++)
		if (grp_ok[i])
			printf(" %s:%lu", i < n_groups ? groups[i].name : "other",
			       grp_ok[i]);
	printf("\n");
	ksft_print_msg("acks by errno:");
	for (i = 0; i < 136; i++)
		if (st.errs[i])
			printf(" %s%d:%lu", i < 135 ? "" : ">", i, st.errs[i]);
	printf("\n");
	for (i = 0; i < (int)ARRAY_SIZE(extacks) && extacks[i].n; i++)
		ksft_print_msg("  %6lu \"%s\"\n", extacks[i].n, extacks[i].msg);
	ksft_print_msg("sockets %lu, send errors %lu, overruns %lu\n",
		       st.reopens + 1, st.send_errs, st.overruns);
	ksft_print_msg("truncated replies %lu, map fds swept %lu\n",
		       st.truncated, st.swept);
}

static void bad_args(const char *prog)
{
	fprintf(stderr, "%s [-s SEED] [-n COUNT] [-t SECONDS] [-d FROM:TO]\n",
		prog);
	exit(KSFT_FAIL);
}

int main(int argc, char **argv)
{
	unsigned long count, budget, wait_ms, reopen_at = FUZZ_REOPEN;
	uint64_t base_regs = 0, base_maps = 0, regs, maps;
	uint32_t idx, last_good = 0, i;
	bool debug = debug_kernel(), ok, stopped = false, alone;
	const char *why = NULL;
	double t0, secs;
	int opt, err, groups0;

	seed = env_or("NETSTATS_FUZZ_SEED", FUZZ_SEED);
	count = env_or("NETSTATS_FUZZ_COUNT", FUZZ_COUNT);
	budget = env_or("NETSTATS_FUZZ_BUDGET",
			debug ? FUZZ_BUDGET_DEBUG : FUZZ_BUDGET);
	while ((opt = getopt(argc, argv, "s:n:t:d:")) != -1) {
		switch (opt) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			count = strtoul(optarg, NULL, 0);
			break;
		case 't':
			budget = strtoul(optarg, NULL, 0);
			break;
		case 'd':
			if (sscanf(optarg, "%u:%u", &dump_from, &dump_to) != 2)
				bad_args(argv[0]);
			break;
		default:
			bad_args(argv[0]);
		}
	}
	if (count >= SEQ_HOUSE)
		count = SEQ_HOUSE - 1;
	wait_ms = debug ? 30000 : 10000;

	ksft_print_header();
	ksft_print_msg("seed %llu (-s SEED or NETSTATS_FUZZ_SEED)\n",
		       (unsigned long long)seed);
	ksft_print_msg("%lu messages, budget %lu s%s\n", count, budget,
		       debug ? " (debug kernel)" : "");
	rng_seed(seed);
	page_size = getpagesize();
	out = malloc(FUZZ_OUT_MAX);
	in = malloc(FUZZ_IN_MAX);
	if (!out || !in)
		ksft_exit_fail_msg("out of memory\n");

	err = nsnl_open(&chk);
	if (err == -ENOENT)
		ksft_exit_skip("kernel without the netstats family\n");
	if (err)
		ksft_exit_fail_msg("netlink: %s\n", strerror(-err));
	if (nsnl_open(&rgs))
		ksft_exit_fail_msg("netlink: %s\n", strerror(errno));
	family = chk.family;
	rcv_timeout(&chk, wait_ms);
	rcv_timeout(&rgs, wait_ms);
	ksft_set_plan(7);

	err = query_groups();
	if (err || !n_groups)
		ksft_exit_fail_msg("QUERY dump: %s\n", strerror(-err));
	groups0 = n_groups;
	for (i = 0; i < (uint32_t)n_groups; i++)
		ksft_print_msg("group %s, %d options\n", groups[i].name,
			       groups[i].n_opts);

	devices_setup();

	if (registrar_setup())
		ksft_exit_fail_msg("the registrar registered nothing\n");
	if (self_reg) {
		gauges_settle(wait_ms);
		if (!gauges(&base_regs, &base_maps))
			self_reg = NULL;
		else
			ksft_print_msg("before: %llu registrations, %llu map files\n",
				       (unsigned long long)base_regs,
				       (unsigned long long)base_maps);
	}

	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg >= 0)
		lseek(kmsg, 0, SEEK_END);
	else
		ksft_print_msg("/dev/kmsg: %s: no splat check\n",
			       strerror(errno));

	nl = fuzz_open();
	if (nl < 0)
		ksft_exit_fail_msg("netlink: %s\n", strerror(errno));
	pools_refresh(true);
	signal(SIGALRM, on_alarm);
	signal(SIGBUS, on_sigbus);
	alarm(budget + wait_ms / 1000 * 3);

	t0 = now_s();
	for (idx = 1; idx <= count; idx++) {
		__atomic_store_n(&cur_idx, idx, __ATOMIC_RELAXED);
		alone = gen_message(idx);
		st.sent++;
		if (alone || olen > FUZZ_OUT_MAX - FUZZ_MSG_MAX || !one_in(20))
			send_out();
		if (idx % FUZZ_DRAIN && idx % FUZZ_CHECK)
			continue;
		send_out();
		drain_all();
		if (n_live >= FUZZ_OWN_MAX)
			unregister_own();
		if (idx % FUZZ_CHECK)
			goto next;
		why = checkpoint(idx, wait_ms);
		if (why) {
			ksft_print_msg("%s: seed %llu, messages %u to %u (-d %u:%u)\n",
				       why, (unsigned long long)seed,
				       last_good + 1, idx, last_good + 1, idx);
			stopped = true;
			break;
		}
		last_good = idx;
		if (idx % 10000 == 0)
			ksft_print_msg("%u messages, %.1f s\n", idx,
				       now_s() - t0);
		if (idx >= reopen_at) {
			/* All registrations go with the socket. */
			fuzz_reopen();
			reopen_at += FUZZ_REOPEN;
		}
		/* A new netns now and then: the old one dies under the
		 * registrations of the socket that made them.
		 */
		pools_refresh(idx % FUZZ_REOPEN == 2 * FUZZ_CHECK);
next:
		if (now_s() - t0 > budget)
			break;
	}
	send_out();
	drain_all();
	secs = now_s() - t0;
	alarm(wait_ms / 1000 * 6);
	if (!stopped && kmsg_scan()) {
		st.splats++;
		ksft_print_msg("the kernel logged a splat: seed %llu, messages %u to %lu\n",
			       (unsigned long long)seed, last_good + 1,
			       st.sent);
	}
	print_summary(secs);

	/* 1: answers at every checkpoint, and to a last QUERY */
	ok = (!stopped || st.splats) &&
	     !query_one(&chk, NETSTATS_GROUP_NETSTATS);
	ksft_test_result(ok, "family answered a valid QUERY at every checkpoint\n");

	/* 2: no splat */
	if (kmsg < 0)
		ksft_test_result_skip("no kernel splat (no /dev/kmsg)\n");
	else
		ksft_test_result(!st.splats, "no kernel splat\n");

	/* 3: the replies */
	close(nl);
	nl = -1;
	i = sweep_map_fds();
	if (i) {
		st.swept += i;
		finding(st.sent, "%u map fds without a REGISTER reply at the end",
			i);
	}
	ksft_test_result(!st.findings, "REGISTER replies sane, %lu findings\n",
			 st.findings);

	/* 4: the count */
	if (st.sent >= count)
		ksft_test_result_pass("%lu messages sent\n", st.sent);
	else if (stopped)
		ksft_test_result_fail("stopped by the failure above after %lu of %lu messages\n",
				      st.sent, count);
	else if (debug)
		ksft_test_result_skip("debug kernel: %lu of %lu messages in %lu s\n",
				      st.sent, count, budget);
	else
		ksft_test_result_fail("%lu of %lu messages sent in %lu s\n",
				      st.sent, count, budget);

	/* 5: nothing left behind by the fuzzing sockets */
	if (!self_reg) {
		ksft_test_result_skip("leak check: no netstats registration\n");
	} else {
		ok = gauges_back(base_regs, base_maps, wait_ms, &regs, &maps);
		ksft_print_msg("after: %llu registrations, %llu map files\n",
			       (unsigned long long)regs,
			       (unsigned long long)maps);
		ksft_test_result(ok, "registrations and map files back to %llu and %llu\n",
				 (unsigned long long)base_regs,
				 (unsigned long long)base_maps);
	}

	/* 6: the registrar's registrations are all there */
	ok = true;
	if (self_map) {
		const struct netstats_block_hdr *h =
			(void *)(self_map + self_reg->block_offset);

		if (h->state != NETSTATS_BLOCK_LIVE) {
			ksft_print_msg("the registrar's netstats block is %u\n",
				       h->state);
			ok = false;
		}
	}
	for (i = 0; i < (uint32_t)n_rinfo; i++) {
		struct nlmsghdr *nlh;

		registrar_drain();
		nlh = nsnl_msg(&rgs, family, NETSTATS_CMD_UNREGISTER, 0);
		mnl_attr_put_u32(nlh, NETSTATS_A_REGISTRATION_ID, rinfo[i].id);
		err = nsnl_talk(&rgs, nlh, NULL, NULL);
		if (err) {
			ksft_print_msg("registrar: UNREGISTER %u: %s\n",
				       rinfo[i].id, strerror(-err));
			ok = false;
		}
	}
	ksft_test_result(ok, "the %d registrations of another socket survived\n",
			 n_rinfo);

	/* 7: the groups */
	err = query_groups();
	ok = !err && n_groups == groups0;
	for (i = 0; ok && i < (uint32_t)n_groups; i++)
		ok = !query_one(&chk, groups[i].name);
	ksft_test_result(ok, "QUERY dump lists the %d groups, each answers\n",
			 groups0);

	alarm(0);
	if (self_map)
		munmap(self_map, self_reg->map_size);
	nsnl_close(&rgs);
	nsnl_close(&chk);
	ksft_finished();
}
