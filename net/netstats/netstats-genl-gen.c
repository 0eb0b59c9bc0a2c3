// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/netstats.yaml */
/* YNL-GEN kernel source */

#include <net/netlink.h>
#include <net/genetlink.h>

#include "netstats-genl-gen.h"

#include <uapi/linux/netstats_generated.h>
#include <net/netstats.h>

/* Integer value ranges */
static const struct netlink_range_validation netstats_a_dev_ifindex_range = {
	.min	= 1ULL,
	.max	= S32_MAX,
};

static const struct netlink_range_validation netstats_a_queue_ifindex_range = {
	.min	= 1ULL,
	.max	= S32_MAX,
};

static const struct netlink_range_validation netstats_a_page_pool_id_range = {
	.min	= 1ULL,
	.max	= U32_MAX,
};

static const struct netlink_range_validation netstats_a_qdisc_ifindex_range = {
	.min	= 1ULL,
	.max	= S32_MAX,
};

static const struct netlink_range_validation netstats_a_qdisc_handle_range = {
	.min	= 65536ULL,
	.max	= U32_MAX,
};

static const struct netlink_range_validation netstats_a_qdisc_parent_range = {
	.min	= 65536ULL,
	.max	= U32_MAX,
};

static const struct netlink_range_validation netstats_a_sock_ifindex_range = {
	.min	= 1ULL,
	.max	= S32_MAX,
};

static const struct netlink_range_validation netstats_a_registration_period_ms_range = {
	.min	= 10ULL,
	.max	= 3600000ULL,
};

static const struct netlink_range_validation netstats_a_registration_timer_ms_range = {
	.max	= 60000ULL,
};

static const struct netlink_range_validation netstats_a_registration_dead_linger_ms_range = {
	.max	= 60000ULL,
};

/* Common nested types */
const struct nla_policy netstats_counter_nl_policy[NETSTATS_A_COUNTER_FLAGS + 1] = {
	[NETSTATS_A_COUNTER_NAME] = { .type = NLA_NUL_STRING, },
	[NETSTATS_A_COUNTER_DOC] = { .type = NLA_NUL_STRING, },
	[NETSTATS_A_COUNTER_TYPE] = NLA_POLICY_RANGE(NLA_U32, 1, 2),
	[NETSTATS_A_COUNTER_OFFSET] = { .type = NLA_U32, },
	[NETSTATS_A_COUNTER_FLAGS] = NLA_POLICY_MASK(NLA_U32, 0x3),
};

const struct nla_policy netstats_dev_nl_policy[NETSTATS_A_DEV_IFINDEX + 1] = {
	[NETSTATS_A_DEV_IFINDEX] = NLA_POLICY_FULL_RANGE(NLA_U32, &netstats_a_dev_ifindex_range),
};

const struct nla_policy netstats_option_nl_policy[NETSTATS_A_OPTION_VALUE + 1] = {
	[NETSTATS_A_OPTION_NAME] = { .type = NLA_NUL_STRING, },
	[NETSTATS_A_OPTION_DOC] = { .type = NLA_NUL_STRING, },
	[NETSTATS_A_OPTION_MIN_VALUE] = { .type = NLA_UINT, },
	[NETSTATS_A_OPTION_MAX_VALUE] = { .type = NLA_UINT, },
	[NETSTATS_A_OPTION_DEFAULT] = { .type = NLA_UINT, },
	[NETSTATS_A_OPTION_VALUE] = { .type = NLA_UINT, },
};

const struct nla_policy netstats_page_pool_nl_policy[NETSTATS_A_PAGE_POOL_NAPI_ID + 1] = {
	[NETSTATS_A_PAGE_POOL_ID] = NLA_POLICY_FULL_RANGE(NLA_UINT, &netstats_a_page_pool_id_range),
	[NETSTATS_A_PAGE_POOL_IFINDEX] = { .type = NLA_U32, },
	[NETSTATS_A_PAGE_POOL_NAPI_ID] = { .type = NLA_UINT, },
};

const struct nla_policy netstats_qdisc_nl_policy[NETSTATS_A_QDISC_PARENT + 1] = {
	[NETSTATS_A_QDISC_IFINDEX] = NLA_POLICY_FULL_RANGE(NLA_U32, &netstats_a_qdisc_ifindex_range),
	[NETSTATS_A_QDISC_HANDLE] = NLA_POLICY_FULL_RANGE(NLA_U32, &netstats_a_qdisc_handle_range),
	[NETSTATS_A_QDISC_PARENT] = NLA_POLICY_FULL_RANGE(NLA_U32, &netstats_a_qdisc_parent_range),
};

const struct nla_policy netstats_queue_nl_policy[NETSTATS_A_QUEUE_COLLECT_MODES + 1] = {
	[NETSTATS_A_QUEUE_IFINDEX] = NLA_POLICY_FULL_RANGE(NLA_U32, &netstats_a_queue_ifindex_range),
	[NETSTATS_A_QUEUE_TYPE] = NLA_POLICY_MAX(NLA_U32, 1),
	[NETSTATS_A_QUEUE_ID] = { .type = NLA_U32, },
	[NETSTATS_A_QUEUE_COLLECT_MODES] = NLA_POLICY_MASK(NLA_U32, 0x7),
};

const struct nla_policy netstats_sock_nl_policy[NETSTATS_A_SOCK_IFINDEX + 1] = {
	[NETSTATS_A_SOCK_FD] = NLA_POLICY_MIN(NLA_S32, 0),
	[NETSTATS_A_SOCK_COOKIE] = NLA_POLICY_MIN(NLA_U64, 1),
	[NETSTATS_A_SOCK_SRC] = NLA_POLICY_EXACT_LEN(16),
	[NETSTATS_A_SOCK_DST] = NLA_POLICY_EXACT_LEN(16),
	[NETSTATS_A_SOCK_SPORT] = { .type = NLA_BE16, },
	[NETSTATS_A_SOCK_DPORT] = { .type = NLA_BE16, },
	[NETSTATS_A_SOCK_IFINDEX] = NLA_POLICY_FULL_RANGE(NLA_U32, &netstats_a_sock_ifindex_range),
};

/* NETSTATS_CMD_QUERY - do */
static const struct nla_policy netstats_query_nl_policy[NETSTATS_A_GROUP_NAME + 1] = {
	[NETSTATS_A_GROUP_NAME] = { .type = NLA_NUL_STRING, },
};

/* NETSTATS_CMD_REGISTER - do */
static const struct nla_policy netstats_register_nl_policy[NETSTATS_A_REGISTRATION_COLLECT + 1] = {
	[NETSTATS_A_REGISTRATION_GROUP] = { .type = NLA_NUL_STRING, },
	[NETSTATS_A_REGISTRATION_OBJECT] = { .type = NLA_NUL_STRING, },
	[NETSTATS_A_REGISTRATION_SOCK_FD] = { .type = NLA_S32, },
	[NETSTATS_A_REGISTRATION_SOCK_COOKIE] = { .type = NLA_U64, },
	[NETSTATS_A_REGISTRATION_SOCK_SRC] = { .type = NLA_BINARY, },
	[NETSTATS_A_REGISTRATION_SOCK_DST] = { .type = NLA_BINARY, },
	[NETSTATS_A_REGISTRATION_SOCK_SPORT] = { .type = NLA_BE16, },
	[NETSTATS_A_REGISTRATION_SOCK_DPORT] = { .type = NLA_BE16, },
	[NETSTATS_A_REGISTRATION_IFINDEX] = { .type = NLA_U32, },
	[NETSTATS_A_REGISTRATION_NETNS_FD] = NLA_POLICY_MIN(NLA_S32, 0),
	[NETSTATS_A_REGISTRATION_OPTION] = NLA_POLICY_NESTED(netstats_option_nl_policy),
	[NETSTATS_A_REGISTRATION_NOTIFY] = { .type = NLA_FLAG, },
	[NETSTATS_A_REGISTRATION_DEV] = NLA_POLICY_NESTED(netstats_dev_nl_policy),
	[NETSTATS_A_REGISTRATION_QUEUE] = NLA_POLICY_NESTED(netstats_queue_nl_policy),
	[NETSTATS_A_REGISTRATION_PAGE_POOL] = NLA_POLICY_NESTED(netstats_page_pool_nl_policy),
	[NETSTATS_A_REGISTRATION_QDISC] = NLA_POLICY_NESTED(netstats_qdisc_nl_policy),
	[NETSTATS_A_REGISTRATION_SOCK] = NLA_POLICY_NESTED(netstats_sock_nl_policy),
	[NETSTATS_A_REGISTRATION_PERIOD_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &netstats_a_registration_period_ms_range),
	[NETSTATS_A_REGISTRATION_TIMER_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &netstats_a_registration_timer_ms_range),
	[NETSTATS_A_REGISTRATION_DEAD_LINGER_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &netstats_a_registration_dead_linger_ms_range),
	[NETSTATS_A_REGISTRATION_DERIVED] = { .type = NLA_FLAG, },
	[NETSTATS_A_REGISTRATION_COLLECT] = NLA_POLICY_MAX(NLA_U32, 2),
	[NETSTATS_A_REGISTRATION_COUNTER] = NLA_POLICY_NESTED(netstats_counter_nl_policy),
};

/* NETSTATS_CMD_UNREGISTER - do */
static const struct nla_policy netstats_unregister_nl_policy[NETSTATS_A_REGISTRATION_ID + 1] = {
	[NETSTATS_A_REGISTRATION_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* Ops table for netstats */
static const struct genl_split_ops netstats_nl_ops[] = {
	{
		.cmd		= NETSTATS_CMD_QUERY,
		.doit		= netstats_nl_query_doit,
		.policy		= netstats_query_nl_policy,
		.maxattr	= NETSTATS_A_GROUP_NAME,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd	= NETSTATS_CMD_QUERY,
		.start	= netstats_nl_query_dump_pre,
		.dumpit	= netstats_nl_query_dumpit,
		.flags	= GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= NETSTATS_CMD_REGISTER,
		.doit		= netstats_nl_register_doit,
		.policy		= netstats_register_nl_policy,
		.maxattr	= NETSTATS_A_REGISTRATION_COLLECT,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= NETSTATS_CMD_UNREGISTER,
		.doit		= netstats_nl_unregister_doit,
		.policy		= netstats_unregister_nl_policy,
		.maxattr	= NETSTATS_A_REGISTRATION_ID,
		.flags		= GENL_CMD_CAP_DO,
	},
};

static const struct genl_multicast_group netstats_nl_mcgrps[] = {
	[NETSTATS_NLGRP_MONITOR] = { "monitor", },
};

static void __netstats_nl_sock_priv_init(void *priv)
{
	netstats_nl_sock_priv_init(priv);
}

static void __netstats_nl_sock_priv_destroy(void *priv)
{
	netstats_nl_sock_priv_destroy(priv);
}

struct genl_family netstats_nl_family __ro_after_init = {
	.name		= NETSTATS_FAMILY_NAME,
	.version	= NETSTATS_FAMILY_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.split_ops	= netstats_nl_ops,
	.n_split_ops	= ARRAY_SIZE(netstats_nl_ops),
	.mcgrps		= netstats_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(netstats_nl_mcgrps),
	.sock_priv_size	= sizeof(struct netstats_nl_sock),
	.sock_priv_init	= __netstats_nl_sock_priv_init,
	.sock_priv_destroy = __netstats_nl_sock_priv_destroy,
};
