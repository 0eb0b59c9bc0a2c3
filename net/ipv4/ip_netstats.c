// SPDX-License-Identifier: GPL-2.0-only
/*
 * netstats "ip" group: the IPv4 MIBs of the caller's network namespace.
 *
 * The MIBs keep their per-CPU counters and their this_cpu updates; only
 * their memory changes: one page-aligned page per CPU and netns (struct
 * netstats_ipv4_mibs), which a registration maps as it is, one page per
 * possible CPU.  A value is visible as soon as its CPU stored it; readers
 * sum the CPUs' copies, as /proc/net/snmp does.
 *
 * The "icmpmsg" group: the per-type ICMP counters of the netns
 * (icmpmsg_statistics, /proc/net/snmp "IcmpMsg:"), which are not per-CPU
 * but 512 atomic_long_t: with CONFIG_NETSTATS they are the counters of a
 * block of their own, its header in front (netstats_icmpmsg_alloc()).
 *
 * A registration holds no reference to the netns it maps (netns-fd may
 * name another than the netlink socket's): when the netns goes, its
 * registrations are switched to snapshots marked DEAD before the MIBs
 * are freed.
 */

#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <net/genetlink.h>
#include <net/ip.h>
#include <net/netstats.h>
#include <net/netstats_ip.h>
#include <net/snmp.h>

/* The per-CPU part of /proc/net/snmp "Icmp:"; the per-type counters are
 * in icmpmsg_statistics, the "icmpmsg" group.
 */
static const struct snmp_mib netstats_icmp_list[] = {
	SNMP_MIB_ITEM("InMsgs", ICMP_MIB_INMSGS),
	SNMP_MIB_ITEM("InErrors", ICMP_MIB_INERRORS),
	SNMP_MIB_ITEM("InCsumErrors", ICMP_MIB_CSUMERRORS),
	SNMP_MIB_ITEM("OutMsgs", ICMP_MIB_OUTMSGS),
	SNMP_MIB_ITEM("OutErrors", ICMP_MIB_OUTERRORS),
	SNMP_MIB_ITEM("OutRateLimitGlobal", ICMP_MIB_RATELIMITGLOBAL),
	SNMP_MIB_ITEM("OutRateLimitHost", ICMP_MIB_RATELIMITHOST),
	SNMP_MIB_SENTINEL
};

#define IP_SECTION(_prefix, _list, _mib, _doc) {			\
	.prefix = _prefix,						\
	.list = _list,							\
	.offset = offsetof(struct netstats_ipv4_mibs, _mib.mibs),	\
	.doc = _doc,							\
}

/* Counters are named as nstat(8) names them: section prefix + name. */
static const struct netstats_snmp_section netstats_ip_sections[] = {
	IP_SECTION("Ip", snmp4_ipstats_list, ip,
		   "IPv4 (RFC 4293), /proc/net/snmp Ip:"),
	IP_SECTION("IpExt", snmp4_ipextstats_list, ip,
		   "IPv4, /proc/net/netstat IpExt:"),
	IP_SECTION("Icmp", netstats_icmp_list, icmp,
		   "ICMP (RFC 2011), /proc/net/snmp Icmp:"),
	IP_SECTION("Tcp", snmp4_tcp_list, tcp,
		   "TCP (RFC 4022), /proc/net/snmp Tcp:"),
	IP_SECTION("Udp", snmp4_udp_list, udp,
		   "UDP (RFC 4113), /proc/net/snmp Udp:"),
	IP_SECTION("UdpLite", snmp4_udp_list, udplite,
		   "UDP-Lite, /proc/net/snmp UdpLite:"),
	IP_SECTION("TcpExt", snmp4_net_list, net,
		   "Linux TCP/IP, /proc/net/netstat TcpExt:"),
};

static_assert(sizeof(struct netstats_ipv4_mibs) <= PAGE_SIZE);
static_assert(sizeof(struct icmpmsg_mib) ==
	      NETSTATS_ICMPMSG_COUNT * sizeof(atomic_long_t));
static_assert(sizeof(struct icmpv6msg_mib) ==
	      NETSTATS_ICMPMSG_COUNT * sizeof(atomic_long_t));
/* Every entry is 8 bytes wide: u64 or, on 64BIT, unsigned long. */
static_assert(sizeof(((struct ipstats_mib *)0)->mibs[0]) == sizeof(u64));
static_assert(sizeof(((struct linux_mib *)0)->mibs[0]) == sizeof(u64));

static struct netstats_ipv4_mibs __percpu *netstats_ipv4_mibs(struct net *net)
{
	return (struct netstats_ipv4_mibs __percpu *)
	       ((char __percpu *)net->mib.ip_statistics -
		offsetof(struct netstats_ipv4_mibs, ip));
}

/* The registrations of IP MIB blocks (ip and ip6), for their netns' end;
 * @priv is the block.
 */
static DEFINE_MUTEX(netstats_snmp_lock);
static HLIST_HEAD(netstats_snmp_regs);

/**
 * netstats_snmp_attach() - map the per-CPU MIB block of a netns
 * @reg: the registration
 * @block: the block, which netstats_snmp_exit() is told about before it
 *	is freed
 *
 * Return: 0 or -errno.
 */
int netstats_snmp_attach(struct netstats_reg *reg, void __percpu *block)
{
	int err;

	mutex_lock(&netstats_snmp_lock);
	err = netstats_percpu_attach(reg, block);
	if (!err) {
		reg->priv = (void __force *)block;
		hlist_add_head(&reg->node, &netstats_snmp_regs);
	}
	mutex_unlock(&netstats_snmp_lock);
	return err;
}
EXPORT_SYMBOL_GPL(netstats_snmp_attach);

/**
 * netstats_snmp_detach() - unmap a registration of a MIB block
 * @reg: the registration
 */
void netstats_snmp_detach(struct netstats_reg *reg)
{
	/* Under the lock: the block may be freed as soon as it is off the
	 * list, and no PTE may point to it by then.
	 */
	mutex_lock(&netstats_snmp_lock);
	if (!hlist_unhashed(&reg->node))
		hlist_del_init(&reg->node);
	netstats_percpu_detach(reg);
	mutex_unlock(&netstats_snmp_lock);
}
EXPORT_SYMBOL_GPL(netstats_snmp_detach);

/* Every CPU's page of a per-CPU block starts with the block header. */
static void netstats_snmp_mark_dead(void *page_addr, unsigned int idx,
				    void *arg)
{
	struct netstats_block_hdr *hdr = page_addr;

	netstats_block_next(hdr);
	hdr->state = NETSTATS_BLOCK_DEAD;
}

/* An icmpmsg block has one header, at the start of its first page. */
static void netstats_icmpmsg_mark_dead(void *page_addr, unsigned int idx,
				       void *arg)
{
	if (!idx)
		netstats_snmp_mark_dead(page_addr, idx, arg);
}

static void netstats_snmp_kill(const void *block,
			       void (*mark)(void *page_addr, unsigned int idx,
					    void *arg))
{
	struct netstats_reg *reg;
	struct hlist_node *n;

	mutex_lock(&netstats_snmp_lock);
	hlist_for_each_entry_safe(reg, n, &netstats_snmp_regs, node) {
		if (reg->priv != block)
			continue;
		hlist_del_init(&reg->node);
		netstats_map_snapshot(reg->map, reg->pgoff, reg->npages, mark,
				      NULL);
		reg->dead = true;
		netstats_notify_dead(reg);
	}
	mutex_unlock(&netstats_snmp_lock);
}

/**
 * netstats_snmp_exit() - the netns of a MIB block goes
 * @block: the block, about to be freed
 *
 * Every registration of it keeps the final values in a snapshot, state
 * DEAD, and its netlink socket's monitors are told.
 */
void netstats_snmp_exit(void __percpu *block)
{
	netstats_snmp_kill((void __force *)block, netstats_snmp_mark_dead);
}
EXPORT_SYMBOL_GPL(netstats_snmp_exit);

/* The block of per-type ICMP counters whose counters are at @mibs. */
static void *netstats_icmpmsg_block(void *mibs)
{
	return mibs - NETSTATS_ICMPMSG_OFFSET;
}

/**
 * netstats_icmpmsg_alloc() - allocate the per-type ICMP counters of a netns
 *
 * For icmpmsg_statistics or icmpv6msg_statistics: whole pages, which
 * nothing else shares, the block header first (LIVE), the counters at
 * %NETSTATS_ICMPMSG_OFFSET, zero.
 *
 * Return: the counters, or NULL.
 */
void *netstats_icmpmsg_alloc(void)
{
	void *block;

	block = alloc_pages_exact(NETSTATS_ICMPMSG_SIZE,
				  GFP_KERNEL | __GFP_ZERO);
	if (!block)
		return NULL;
	netstats_block_init(block);
	return block + NETSTATS_ICMPMSG_OFFSET;
}
EXPORT_SYMBOL_GPL(netstats_icmpmsg_alloc);

/**
 * netstats_icmpmsg_free() - the netns of per-type ICMP counters goes
 * @mibs: from netstats_icmpmsg_alloc()
 *
 * Its registrations keep the final values in a snapshot, state DEAD, and
 * are announced, before the pages are freed.
 */
void netstats_icmpmsg_free(void *mibs)
{
	void *block = netstats_icmpmsg_block(mibs);

	netstats_snmp_kill(block, netstats_icmpmsg_mark_dead);
	free_pages_exact(block, NETSTATS_ICMPMSG_SIZE);
}
EXPORT_SYMBOL_GPL(netstats_icmpmsg_free);

/**
 * netstats_icmpmsg_attach() - map the per-type ICMP counters of a netns
 * @reg: the registration
 * @mibs: from netstats_icmpmsg_alloc()
 *
 * Return: 0 or -errno.
 */
int netstats_icmpmsg_attach(struct netstats_reg *reg, void *mibs)
{
	struct page *pages[NETSTATS_ICMPMSG_SIZE / PAGE_SIZE];
	void *block = netstats_icmpmsg_block(mibs);
	unsigned int i;
	int err;

	for (i = 0; i < ARRAY_SIZE(pages); i++)
		pages[i] = virt_to_page(block + i * PAGE_SIZE);
	mutex_lock(&netstats_snmp_lock);
	err = netstats_map_add(reg->map, pages, ARRAY_SIZE(pages), &reg->pgoff);
	if (!err) {
		reg->npages = ARRAY_SIZE(pages);
		reg->priv = block;
		hlist_add_head(&reg->node, &netstats_snmp_regs);
	}
	mutex_unlock(&netstats_snmp_lock);
	return err;
}
EXPORT_SYMBOL_GPL(netstats_icmpmsg_attach);

/**
 * netstats_icmpmsg_counters() - describe the per-type ICMP counters
 * @grp: the group, whose @counters and @n_counters are set
 * @prefix: as /proc names them: "IcmpMsg" (InType3), "Icmp6" (InType133)
 * @doc: the description of every counter
 *
 * Entry i counts messages of type i & 0xff, received below 256, sent
 * from 256 on (ICMPMSGOUT_INC_STATS(), ICMP6MSGOUT_INC_STATS()).  Called
 * once, at boot or module load; what it allocates stays.
 *
 * Return: 0 or -ENOMEM.
 */
int netstats_icmpmsg_counters(struct netstats_group *grp, const char *prefix,
			      const char *doc)
{
	struct netstats_counter_desc *all;
	unsigned int i;

	all = kcalloc(NETSTATS_ICMPMSG_COUNT, sizeof(*all), GFP_KERNEL);
	if (!all)
		return -ENOMEM;
	for (i = 0; i < NETSTATS_ICMPMSG_COUNT; i++) {
		all[i].name = kasprintf(GFP_KERNEL, "%s%sType%u", prefix,
					i & 0x100 ? "Out" : "In", i & 0xff);
		if (!all[i].name)
			goto err_free;
		all[i].doc = doc;
		all[i].offset = NETSTATS_ICMPMSG_OFFSET +
				i * sizeof(atomic_long_t);
		all[i].type = sizeof(atomic_long_t) == sizeof(u64) ?
			      NETSTATS_COUNTER_TYPE_U64 :
			      NETSTATS_COUNTER_TYPE_U32;
	}
	grp->counters = all;
	grp->n_counters = NETSTATS_ICMPMSG_COUNT;
	return 0;

err_free:
	while (i--)
		kfree(all[i].name);
	kfree(all);
	return -ENOMEM;
}
EXPORT_SYMBOL_GPL(netstats_icmpmsg_counters);

/**
 * netstats_snmp_alloc() - allocate the per-CPU MIB block of a netns
 * @syncp: offset in the block of the u64_stats_sync of its IP MIB
 *
 * Every CPU's copy is a page of its own, which nothing else shares, its
 * header LIVE, its counters zero.
 *
 * Return: the block, or NULL.
 */
void __percpu *netstats_snmp_alloc(size_t syncp)
{
	void __percpu *block;
	int cpu;

	block = __alloc_percpu(PAGE_SIZE, PAGE_SIZE);
	if (!block)
		return NULL;
	for_each_possible_cpu(cpu) {
		void *p = per_cpu_ptr(block, cpu);

		u64_stats_init((struct u64_stats_sync *)(p + syncp));
		netstats_block_init(p);
	}
	return block;
}
EXPORT_SYMBOL_GPL(netstats_snmp_alloc);

/**
 * netstats_ipv4_mib_init() - allocate the IPv4 MIBs of a netns
 * @net: the netns, from ipv4_mib_init_net()
 *
 * Return: 0 or -ENOMEM.
 */
int netstats_ipv4_mib_init(struct net *net)
{
	struct netstats_ipv4_mibs __percpu *m;

	m = netstats_snmp_alloc(offsetof(struct netstats_ipv4_mibs, ip.syncp));
	if (!m)
		return -ENOMEM;
	net->mib.icmpmsg_statistics = netstats_icmpmsg_alloc();
	if (!net->mib.icmpmsg_statistics) {
		free_percpu(m);
		return -ENOMEM;
	}
	net->mib.ip_statistics = &m->ip;
	net->mib.tcp_statistics = &m->tcp;
	net->mib.udp_statistics = &m->udp;
	net->mib.udplite_statistics = &m->udplite;
	net->mib.icmp_statistics = &m->icmp;
	net->mib.net_statistics = &m->net;
	return 0;
}

/**
 * netstats_ipv4_mib_exit() - free the IPv4 MIBs of a netns
 * @net: the netns, from ipv4_mib_exit_net()
 */
void netstats_ipv4_mib_exit(struct net *net)
{
	netstats_snmp_exit(netstats_ipv4_mibs(net));
	netstats_icmpmsg_free(net->mib.icmpmsg_statistics);
	free_percpu(netstats_ipv4_mibs(net));
}

static int netstats_ip_attach(struct netstats_reg *reg, struct genl_info *info)
{
	return netstats_snmp_attach(reg,
				    netstats_ipv4_mibs(read_pnet(&reg->target)));
}

static const struct netstats_group_ops netstats_ip_ops = {
	.attach	= netstats_ip_attach,
	.detach	= netstats_snmp_detach,
};

static struct netstats_group netstats_ip_group = {
	.name	= "ip",
	.doc	= "IPv4, ICMP, TCP, UDP and Linux MIBs of the netns, per CPU",
	.flags	= NETSTATS_GROUP_FLAGS_PERCPU | NETSTATS_GROUP_FLAGS_SELECT,
	.ops	= &netstats_ip_ops,
	.netns_fd = true,
};

static int netstats_icmpmsg_attach_net(struct netstats_reg *reg,
				       struct genl_info *info)
{
	struct net *net = read_pnet(&reg->target);

	return netstats_icmpmsg_attach(reg, net->mib.icmpmsg_statistics);
}

static const struct netstats_group_ops netstats_icmpmsg_ops = {
	.attach	= netstats_icmpmsg_attach_net,
	.detach	= netstats_snmp_detach,
};

static struct netstats_group netstats_icmpmsg_group = {
	.name	= "icmpmsg",
	.doc	= "ICMP messages received and sent by type in the netns",
	.flags	= NETSTATS_GROUP_FLAGS_SELECT,
	.ops	= &netstats_icmpmsg_ops,
	.netns_fd = true,
};

static int netstats_snmp_cmp(const void *a, const void *b)
{
	const struct netstats_counter_desc *x = a, *y = b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/**
 * netstats_snmp_counters() - describe the counters of SNMP MIB tables
 * @grp: the group, whose @counters and @n_counters are set
 * @secs: the tables
 * @n_secs: number of tables
 * @gauge: tells the levels and constants among them, may be NULL
 *
 * For groups of per-CPU MIBs whose entries are 8 bytes wide.  The
 * counters are listed in memory order, not in /proc's: a reader copies
 * a few long runs instead of one run per /proc line.  Called once, at
 * boot or module load; what it allocates stays.
 *
 * Return: 0 or -ENOMEM.
 */
int netstats_snmp_counters(struct netstats_group *grp,
			   const struct netstats_snmp_section *secs,
			   unsigned int n_secs,
			   bool (*gauge)(const struct snmp_mib *list,
					 const struct snmp_mib *e))
{
	const struct netstats_snmp_section *sec;
	struct netstats_counter_desc *all, *c;
	const struct snmp_mib *e;
	unsigned int n = 0;

	for (sec = secs; sec < secs + n_secs; sec++)
		for (e = sec->list; e->name; e++)
			n++;
	all = kcalloc(n, sizeof(*all), GFP_KERNEL);
	if (!all)
		return -ENOMEM;
	grp->counters = all;
	grp->n_counters = n;
	c = all;

	for (sec = secs; sec < secs + n_secs; sec++) {
		for (e = sec->list; e->name; e++, c++) {
			c->name = kasprintf(GFP_KERNEL, "%s%s", sec->prefix,
					    e->name);
			if (!c->name)
				goto err_free;
			c->doc = sec->doc;
			c->offset = sec->offset + e->entry * sizeof(u64);
			c->type = NETSTATS_COUNTER_TYPE_U64;
			if (gauge && gauge(sec->list, e))
				c->flags = NETSTATS_COUNTER_FLAGS_GAUGE;
		}
	}
	sort(all, n, sizeof(*all), netstats_snmp_cmp, NULL);
	return 0;

err_free:
	while (c-- > grp->counters)
		kfree(c->name);
	kfree(grp->counters);
	grp->counters = NULL;
	grp->n_counters = 0;
	return -ENOMEM;
}
EXPORT_SYMBOL_GPL(netstats_snmp_counters);

/* Constants and levels among the TCP MIB's counters. */
static bool netstats_ip_gauge(const struct snmp_mib *list,
			      const struct snmp_mib *e)
{
	return list == snmp4_tcp_list &&
	       (e->entry == TCP_MIB_RTOALGORITHM || e->entry == TCP_MIB_RTOMIN ||
		e->entry == TCP_MIB_RTOMAX || e->entry == TCP_MIB_MAXCONN ||
		e->entry == TCP_MIB_CURRESTAB);
}

static int __init netstats_ip_init(void)
{
	int err;

	/* The names are /proc's. */
	if (!IS_ENABLED(CONFIG_PROC_FS))
		return 0;
	err = netstats_snmp_counters(&netstats_ip_group, netstats_ip_sections,
				     ARRAY_SIZE(netstats_ip_sections),
				     netstats_ip_gauge) ?:
	      netstats_group_add(&netstats_ip_group);
	if (err)
		return err;
	return netstats_icmpmsg_counters(&netstats_icmpmsg_group, "IcmpMsg",
					 "ICMP messages by type, /proc/net/snmp IcmpMsg:") ?:
	       netstats_group_add(&netstats_icmpmsg_group);
}
device_initcall(netstats_ip_init);
