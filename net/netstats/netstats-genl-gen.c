// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/netstats.yaml */
/* YNL-GEN kernel source */

#include <net/netlink.h>
#include <net/genetlink.h>

#include "netstats-genl-gen.h"

#include <uapi/linux/netstats_generated.h>
#include <net/netstats.h>

/* Common nested types */
const struct nla_policy netstats_option_nl_policy[NETSTATS_A_OPTION_VALUE + 1] = {
	[NETSTATS_A_OPTION_NAME] = { .type = NLA_NUL_STRING, },
	[NETSTATS_A_OPTION_DOC] = { .type = NLA_NUL_STRING, },
	[NETSTATS_A_OPTION_MIN_VALUE] = { .type = NLA_UINT, },
	[NETSTATS_A_OPTION_MAX_VALUE] = { .type = NLA_UINT, },
	[NETSTATS_A_OPTION_DEFAULT] = { .type = NLA_UINT, },
	[NETSTATS_A_OPTION_VALUE] = { .type = NLA_UINT, },
};

/* NETSTATS_CMD_QUERY - do */
static const struct nla_policy netstats_query_nl_policy[NETSTATS_A_GROUP_NAME + 1] = {
	[NETSTATS_A_GROUP_NAME] = { .type = NLA_NUL_STRING, },
};

/* NETSTATS_CMD_REGISTER - do */
static const struct nla_policy netstats_register_nl_policy[NETSTATS_A_REGISTRATION_NOTIFY + 1] = {
	[NETSTATS_A_REGISTRATION_GROUP] = { .type = NLA_NUL_STRING, },
	[NETSTATS_A_REGISTRATION_OBJECT] = { .type = NLA_NUL_STRING, },
	[NETSTATS_A_REGISTRATION_SOCK_FD] = { .type = NLA_S32, },
	[NETSTATS_A_REGISTRATION_SOCK_COOKIE] = { .type = NLA_U64, },
	[NETSTATS_A_REGISTRATION_SOCK_SRC] = { .type = NLA_BINARY, },
	[NETSTATS_A_REGISTRATION_SOCK_DST] = { .type = NLA_BINARY, },
	[NETSTATS_A_REGISTRATION_SOCK_SPORT] = { .type = NLA_U16, },
	[NETSTATS_A_REGISTRATION_SOCK_DPORT] = { .type = NLA_U16, },
	[NETSTATS_A_REGISTRATION_IFINDEX] = { .type = NLA_U32, },
	[NETSTATS_A_REGISTRATION_NETNS_FD] = { .type = NLA_S32, },
	[NETSTATS_A_REGISTRATION_OPTION] = NLA_POLICY_NESTED(netstats_option_nl_policy),
	[NETSTATS_A_REGISTRATION_NOTIFY] = { .type = NLA_FLAG, },
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
		.maxattr	= NETSTATS_A_REGISTRATION_NOTIFY,
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
