// SPDX-License-Identifier: GPL-2.0-only
/*
 * netstats "ip6" group: the IPv6 MIBs of the caller's network namespace,
 * as the "ip" group (net/ipv4/ip_netstats.c) maps the IPv4 ones: one
 * page-aligned page per CPU and netns holding the per-CPU MIBs that
 * /proc/net/snmp6 prints, mapped as it is; and "icmp6msg", the per-type
 * ICMPv6 counters (icmpv6msg_statistics), a block of their own as
 * "icmpmsg"'s.
 */

#include <linux/percpu.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/netstats.h>
#include <net/netstats_ip.h>
#include <net/snmp.h>

#define IP6_SECTION(_list, _mib, _doc) {				\
	.prefix = "",	/* /proc/net/snmp6's names are nstat's */	\
	.list = _list,							\
	.offset = offsetof(struct netstats_ipv6_mibs, _mib.mibs),	\
	.doc = _doc,							\
}

static const struct netstats_snmp_section netstats_ip6_sections[] = {
	IP6_SECTION(snmp6_ipstats_list, ip6, "IPv6 (RFC 2465), /proc/net/snmp6"),
	IP6_SECTION(snmp6_icmp6_list, icmp6, "ICMPv6 (RFC 2466), /proc/net/snmp6"),
	IP6_SECTION(snmp6_udp6_list, udp6, "UDP over IPv6, /proc/net/snmp6"),
	IP6_SECTION(snmp6_udplite6_list, udplite6,
		    "UDP-Lite over IPv6, /proc/net/snmp6"),
};

static_assert(sizeof(struct netstats_ipv6_mibs) <= PAGE_SIZE);
static_assert(sizeof(((struct icmpv6_mib *)0)->mibs[0]) == sizeof(u64));

static struct netstats_ipv6_mibs __percpu *netstats_ipv6_mibs(struct net *net)
{
	return (struct netstats_ipv6_mibs __percpu *)
	       ((char __percpu *)net->mib.ipv6_statistics -
		offsetof(struct netstats_ipv6_mibs, ip6));
}

/**
 * netstats_ipv6_mib_init() - allocate the IPv6 MIBs of a netns
 * @net: the netns, from ipv6_init_mibs()
 *
 * Return: 0 or -ENOMEM.
 */
int netstats_ipv6_mib_init(struct net *net)
{
	struct netstats_ipv6_mibs __percpu *m;

	m = netstats_snmp_alloc(offsetof(struct netstats_ipv6_mibs, ip6.syncp));
	if (!m)
		return -ENOMEM;
	net->mib.icmpv6msg_statistics = netstats_icmpmsg_alloc();
	if (!net->mib.icmpv6msg_statistics) {
		free_percpu(m);
		return -ENOMEM;
	}
	net->mib.ipv6_statistics = &m->ip6;
	net->mib.icmpv6_statistics = &m->icmp6;
	net->mib.udp_stats_in6 = &m->udp6;
	net->mib.udplite_stats_in6 = &m->udplite6;
	return 0;
}

/**
 * netstats_ipv6_mib_exit() - free the IPv6 MIBs of a netns
 * @net: the netns, from ipv6_cleanup_mibs()
 */
void netstats_ipv6_mib_exit(struct net *net)
{
	netstats_snmp_exit(netstats_ipv6_mibs(net));
	netstats_icmpmsg_free(net->mib.icmpv6msg_statistics);
	free_percpu(netstats_ipv6_mibs(net));
}

static int netstats_ip6_attach(struct netstats_reg *reg, struct genl_info *info)
{
	return netstats_snmp_attach(reg,
				    netstats_ipv6_mibs(read_pnet(&reg->target)));
}

static const struct netstats_group_ops netstats_ip6_ops = {
	.attach	= netstats_ip6_attach,
	.detach	= netstats_snmp_detach,
};

static struct netstats_group netstats_ip6_group = {
	.name	= "ip6",
	.doc	= "IPv6, ICMPv6 and UDP(-Lite) over IPv6 MIBs of the netns, per CPU",
	.flags	= NETSTATS_GROUP_FLAGS_PERCPU | NETSTATS_GROUP_FLAGS_SELECT,
	.ops	= &netstats_ip6_ops,
	.netns_fd = true,
};

static int netstats_icmp6msg_attach(struct netstats_reg *reg,
				    struct genl_info *info)
{
	struct net *net = read_pnet(&reg->target);

	return netstats_icmpmsg_attach(reg, net->mib.icmpv6msg_statistics);
}

static const struct netstats_group_ops netstats_icmp6msg_ops = {
	.attach	= netstats_icmp6msg_attach,
	.detach	= netstats_snmp_detach,
};

static struct netstats_group netstats_icmp6msg_group = {
	.name	= "icmp6msg",
	.doc	= "ICMPv6 messages received and sent by type in the netns",
	.flags	= NETSTATS_GROUP_FLAGS_SELECT,
	.ops	= &netstats_icmp6msg_ops,
	.netns_fd = true,
};

/**
 * netstats_ip6_group_init() - add the "ip6" and "icmp6msg" groups, from
 *	inet6_init()
 *
 * IPv6 stays up without it: the MIBs are there, only not mappable.
 */
void netstats_ip6_group_init(void)
{
	int err;

	/* The names are /proc's. */
	if (!IS_ENABLED(CONFIG_PROC_FS))
		return;
	err = netstats_snmp_counters(&netstats_ip6_group, netstats_ip6_sections,
				     ARRAY_SIZE(netstats_ip6_sections), NULL) ?:
	      netstats_group_add(&netstats_ip6_group);
	if (err)
		pr_warn("netstats: no ip6 group: %d\n", err);
	err = netstats_icmpmsg_counters(&netstats_icmp6msg_group, "Icmp6",
					"ICMPv6 messages by type, /proc/net/snmp6 Icmp6") ?:
	      netstats_group_add(&netstats_icmp6msg_group);
	if (err)
		pr_warn("netstats: no icmp6msg group: %d\n", err);
}
