/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/netstats.yaml */
/* YNL-GEN kernel header */

#ifndef _LINUX_NETSTATS_GEN_H
#define _LINUX_NETSTATS_GEN_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include <uapi/linux/netstats_generated.h>
#include <net/netstats.h>

/* Common nested types */
extern const struct nla_policy netstats_counter_nl_policy[NETSTATS_A_COUNTER_FLAGS + 1];
extern const struct nla_policy netstats_dev_nl_policy[NETSTATS_A_DEV_IFINDEX + 1];
extern const struct nla_policy netstats_option_nl_policy[NETSTATS_A_OPTION_VALUE + 1];
extern const struct nla_policy netstats_page_pool_nl_policy[NETSTATS_A_PAGE_POOL_NAPI_ID + 1];
extern const struct nla_policy netstats_qdisc_nl_policy[NETSTATS_A_QDISC_PARENT + 1];
extern const struct nla_policy netstats_queue_nl_policy[NETSTATS_A_QUEUE_COLLECT_MODES + 1];
extern const struct nla_policy netstats_sock_nl_policy[NETSTATS_A_SOCK_IFINDEX + 1];

int netstats_nl_query_dump_pre(struct netlink_callback *cb);

int netstats_nl_query_doit(struct sk_buff *skb, struct genl_info *info);
int netstats_nl_query_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int netstats_nl_register_doit(struct sk_buff *skb, struct genl_info *info);
int netstats_nl_unregister_doit(struct sk_buff *skb, struct genl_info *info);

enum {
	NETSTATS_NLGRP_MONITOR,
};

extern struct genl_family netstats_nl_family;

void netstats_nl_sock_priv_init(struct netstats_nl_sock *priv);
void netstats_nl_sock_priv_destroy(struct netstats_nl_sock *priv);

#endif /* _LINUX_NETSTATS_GEN_H */
