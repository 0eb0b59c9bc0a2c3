/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The IPv4 and IPv6 MIBs of a network namespace in netstats mapped pages.
 */
#ifndef _NET_NETSTATS_IP_H
#define _NET_NETSTATS_IP_H

#include <linux/mm.h>
#include <net/netstats.h>
#include <net/snmp.h>

struct net;

/**
 * struct netstats_ipv4_mibs - one CPU's page of a netns's IPv4 MIBs
 * @hdr: block header (generation, state), the same on every CPU's page
 * @ip: IPSTATS_MIB (/proc/net/snmp "Ip:", /proc/net/netstat "IpExt:")
 * @tcp: TCP_MIB ("Tcp:")
 * @udp: UDP_MIB ("Udp:")
 * @udplite: UDP_MIB of UDP-Lite ("UdpLite:")
 * @icmp: ICMP_MIB (the per-CPU part of "Icmp:")
 * @net: LINUX_MIB (/proc/net/netstat "TcpExt:")
 *
 * With CONFIG_NETSTATS, the per-CPU MIB pointers of net->mib point into
 * one page-aligned, page-sized per-CPU allocation laid out as this
 * struct: their updates stay the this_cpu operations they are, and each
 * CPU's page can be mapped as it is.
 */
struct netstats_ipv4_mibs {
	struct netstats_block_hdr hdr;
	struct ipstats_mib ip;
	struct tcp_mib tcp;
	struct udp_mib udp;
	struct udp_mib udplite;
	struct icmp_mib icmp;
	struct linux_mib net;
};

/**
 * struct netstats_ipv6_mibs - one CPU's page of a netns's IPv6 MIBs
 * @hdr: block header (generation, state), the same on every CPU's page
 * @ip6: IPSTATS_MIB of IPv6 (/proc/net/snmp6 "Ip6")
 * @icmp6: ICMP6_MIB (the per-CPU part of "Icmp6")
 * @udp6: UDP_MIB of UDP over IPv6 ("Udp6")
 * @udplite6: UDP_MIB of UDP-Lite over IPv6 ("UdpLite6")
 *
 * As &struct netstats_ipv4_mibs, for the per-CPU pointers of net->mib
 * that IPv6 allocates.
 */
struct netstats_ipv6_mibs {
	struct netstats_block_hdr hdr;
	struct ipstats_mib ip6;
	struct icmpv6_mib icmp6;
	struct udp_mib udp6;
	struct udp_mib udplite6;
};

/*
 * The per-type ICMP counters of a netns and family (icmpmsg_statistics,
 * icmpv6msg_statistics: 512 atomic_long_t, not per-CPU) are a block of
 * their own: the block header, then the counters at this offset, in
 * whole pages that nothing else shares.
 */
#define NETSTATS_ICMPMSG_OFFSET	64
#define NETSTATS_ICMPMSG_COUNT	ICMPMSG_MIB_MAX
#define NETSTATS_ICMPMSG_SIZE						\
	PAGE_ALIGN(NETSTATS_ICMPMSG_OFFSET +				\
		   NETSTATS_ICMPMSG_COUNT * sizeof(atomic_long_t))

/* The names /proc/net/snmp and /proc/net/netstat print. */
extern const struct snmp_mib snmp4_ipstats_list[];
extern const struct snmp_mib snmp4_ipextstats_list[];
extern const struct snmp_mib snmp4_tcp_list[];
extern const struct snmp_mib snmp4_udp_list[];
extern const struct snmp_mib snmp4_net_list[];
/* ... and /proc/net/snmp6. */
extern const struct snmp_mib snmp6_ipstats_list[];
extern const struct snmp_mib snmp6_icmp6_list[];
extern const struct snmp_mib snmp6_udp6_list[];
extern const struct snmp_mib snmp6_udplite6_list[];

/**
 * struct netstats_snmp_section - one SNMP MIB table of a group
 * @prefix: prepended to the table's names (as nstat(8) shows them)
 * @list: the table, as /proc prints it
 * @offset: of the MIB's first entry in the group's block
 * @doc: the description of the table's counters
 */
struct netstats_snmp_section {
	const char *prefix;
	const struct snmp_mib *list;
	size_t offset;
	const char *doc;
};

#if IS_ENABLED(CONFIG_NETSTATS)
int netstats_snmp_counters(struct netstats_group *grp,
			   const struct netstats_snmp_section *secs,
			   unsigned int n_secs,
			   bool (*gauge)(const struct snmp_mib *list,
					 const struct snmp_mib *e));
void __percpu *netstats_snmp_alloc(size_t syncp);
int netstats_snmp_attach(struct netstats_reg *reg, void __percpu *block);
void netstats_snmp_detach(struct netstats_reg *reg);
void netstats_snmp_exit(void __percpu *block);
void *netstats_icmpmsg_alloc(void);
void netstats_icmpmsg_free(void *mibs);
int netstats_icmpmsg_attach(struct netstats_reg *reg, void *mibs);
int netstats_icmpmsg_counters(struct netstats_group *grp, const char *prefix,
			      const char *doc);
int netstats_ipv4_mib_init(struct net *net);
void netstats_ipv4_mib_exit(struct net *net);
int netstats_ipv6_mib_init(struct net *net);
void netstats_ipv6_mib_exit(struct net *net);
void netstats_ip6_group_init(void);
#else
static inline int netstats_ipv4_mib_init(struct net *net)
{
	return -EOPNOTSUPP;
}

static inline void netstats_ipv4_mib_exit(struct net *net)
{
}

static inline int netstats_ipv6_mib_init(struct net *net)
{
	return -EOPNOTSUPP;
}

static inline void netstats_ipv6_mib_exit(struct net *net)
{
}

static inline void netstats_ip6_group_init(void)
{
}
#endif

#endif /* _NET_NETSTATS_IP_H */
