// SPDX-License-Identifier: GPL-2.0-only
/*
 * netstats: networking counters in read-only mapped pages.
 *
 * The generic netlink side: the list of counter groups (QUERY) and the
 * per netlink socket registrations (REGISTER, UNREGISTER).
 */

#include <linux/bitmap.h>
#include <linux/file.h>
#include <linux/init.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/capability.h>
#include <linux/sched/signal.h>
#include <linux/sched/user.h>
#include <linux/string.h>
#include <linux/xarray.h>
#include <net/genetlink.h>
#include <net/netstats.h>
#include <net/sock.h>

#include "netstats.h"
#include "netstats-genl-gen.h"

/* Per netlink socket cap on registrations; each costs a range of the
 * map file and a reference on its object's pages.
 */
#define NETSTATS_MAX_REGS_PER_SOCK	65536

/* All counter groups.  Producers add theirs at init and never remove
 * them (but in their initcall's error path); QUERY walks the list.
 * @netstats_groups_gen changes with every addition or removal so a dump
 * can tell it was interrupted.
 */
static LIST_HEAD(netstats_groups);
static DEFINE_MUTEX(netstats_groups_lock);
static unsigned int netstats_groups_gen = 1;

/* Live objects of the netstats core itself, for the "netstats" group. */
atomic_long_t netstats_nr_regs;
atomic_long_t netstats_nr_blocks;
atomic_long_t netstats_nr_maps;
atomic_long_t netstats_nr_snapshots;
atomic_long_t netstats_row_bytes;
atomic_long_t netstats_dir_bytes;
atomic_long_t netstats_dir_blocks;

/**
 * netstats_nr_blocks_inc() - count a block a producer made live
 *
 * For the "netstats" group's live-blocks counter (e.g. a TCP slot taken);
 * nothing is referenced.
 */
void netstats_nr_blocks_inc(void)
{
	atomic_long_inc(&netstats_nr_blocks);
}

/**
 * netstats_nr_blocks_dec() - count a live block a producer freed
 */
void netstats_nr_blocks_dec(void)
{
	atomic_long_dec(&netstats_nr_blocks);
}

/**
 * netstats_row_bytes_add() - count the bytes of rows of selected counters
 * @bytes: bytes a producer took (> 0) or gave back (< 0) in shared pages
 *
 * For the "netstats" group's row-bytes counter: a producer that maps
 * the counters a registration selected in rows of shared pages counts
 * them here, headers included.
 */
void netstats_row_bytes_add(long bytes)
{
	atomic_long_add(bytes, &netstats_row_bytes);
}

/**
 * netstats_dir_add() - count the pages and blocks of compact directories
 * @bytes: bytes of pages a directory took (> 0) or gave back (< 0)
 * @blocks: blocks it took (> 0) or freed (< 0)
 *
 * For the "netstats" group's dir-bytes and dir-blocks counters: a
 * directory group that gives the objects of a netns compact blocks of
 * the counters its registrations selected counts its pages (counters
 * and entries) and the blocks in use here.
 */
void netstats_dir_add(long bytes, long blocks)
{
	if (bytes)
		atomic_long_add(bytes, &netstats_dir_bytes);
	if (blocks)
		atomic_long_add(blocks, &netstats_dir_blocks);
}

static struct netstats_group *netstats_group_find(const char *name)
{
	struct netstats_group *grp;

	lockdep_assert_held(&netstats_groups_lock);

	list_for_each_entry(grp, &netstats_groups, list)
		if (!strcmp(grp->name, name))
			return grp;
	return NULL;
}

static int netstats_option_attr(const char *name);

/**
 * netstats_group_add() - make a counter group known to QUERY and REGISTER
 * @grp: the group; it stays valid: groups are removed only by
 *	netstats_group_del(), in the error path of their initcall
 *
 * Return: 0, or -EEXIST if a group of the same name exists.
 */
int netstats_group_add(struct netstats_group *grp)
{
	unsigned int i;
	int err = 0;

	for (i = 0; i < grp->n_options; i++)
		if (WARN_ON(!netstats_option_attr(grp->options[i].name)))
			return -EINVAL;

	mutex_lock(&netstats_groups_lock);
	if (netstats_group_find(grp->name)) {
		err = -EEXIST;
	} else {
		list_add_tail(&grp->list, &netstats_groups);
		netstats_groups_gen++;
	}
	mutex_unlock(&netstats_groups_lock);
	return err;
}
EXPORT_SYMBOL_GPL(netstats_group_add);

/**
 * netstats_group_del() - forget a group netstats_group_add() made known
 * @grp: the group
 *
 * For the error path of an initcall that adds several groups: only before
 * any REGISTER could name @grp (nothing refers to a group once added).
 */
void netstats_group_del(struct netstats_group *grp)
{
	mutex_lock(&netstats_groups_lock);
	list_del(&grp->list);
	netstats_groups_gen++;
	mutex_unlock(&netstats_groups_lock);
}

static int netstats_nl_counter_fill(struct sk_buff *rsp, int attrtype,
				    const struct netstats_counter_desc *c,
				    bool with_doc)
{
	struct nlattr *nest;

	nest = nla_nest_start(rsp, attrtype);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_string(rsp, NETSTATS_A_COUNTER_NAME, c->name) ||
	    (with_doc && nla_put_string(rsp, NETSTATS_A_COUNTER_DOC, c->doc)) ||
	    nla_put_u32(rsp, NETSTATS_A_COUNTER_TYPE, c->type) ||
	    nla_put_u32(rsp, NETSTATS_A_COUNTER_OFFSET, c->offset) ||
	    (c->flags && nla_put_u32(rsp, NETSTATS_A_COUNTER_FLAGS, c->flags))) {
		nla_nest_cancel(rsp, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(rsp, nest);
	return 0;
}

static int netstats_nl_option_fill(struct sk_buff *rsp, int attrtype,
				   const struct netstats_option_desc *o)
{
	struct nlattr *nest;

	nest = nla_nest_start(rsp, attrtype);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_string(rsp, NETSTATS_A_OPTION_NAME, o->name) ||
	    nla_put_string(rsp, NETSTATS_A_OPTION_DOC, o->doc) ||
	    nla_put_uint(rsp, NETSTATS_A_OPTION_MIN_VALUE, o->min) ||
	    nla_put_uint(rsp, NETSTATS_A_OPTION_MAX_VALUE, o->max) ||
	    nla_put_uint(rsp, NETSTATS_A_OPTION_DEFAULT, o->def)) {
		nla_nest_cancel(rsp, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(rsp, nest);
	return 0;
}

/*
 * Message sizes: a group of the IP MIBs has more than 200 counters, far
 * more than NLMSG_GOODSIZE holds.  Replies are sized to fit; readers
 * peek at a datagram's size (MSG_PEEK | MSG_TRUNC) or read with 32 KiB
 * and more, as for other large netlink objects.
 */
static size_t netstats_nl_counter_size(const struct netstats_counter_desc *c,
				       bool with_doc)
{
	return nla_total_size(0) +
	       nla_total_size(strlen(c->name) + 1) +
	       (with_doc ? nla_total_size(strlen(c->doc) + 1) : 0) +
	       nla_total_size(sizeof(u32)) +		/* type */
	       nla_total_size(sizeof(u32)) +		/* offset */
	       nla_total_size(sizeof(u32));		/* flags */
}

static size_t netstats_nl_option_size(const struct netstats_option_desc *o,
				      bool with_desc)
{
	if (!with_desc)		/* name and value in force */
		return nla_total_size(0) + nla_total_size(strlen(o->name) + 1) +
		       nla_total_size_64bit(sizeof(u64));
	return nla_total_size(0) + nla_total_size(strlen(o->name) + 1) +
	       nla_total_size(strlen(o->doc) + 1) +
	       3 * nla_total_size_64bit(sizeof(u64));
}

static size_t netstats_nl_group_size(const struct netstats_group *grp)
{
	size_t size;
	unsigned int i;

	size = nla_total_size(strlen(grp->name) + 1) +
	       nla_total_size(strlen(grp->doc) + 1) +
	       nla_total_size(sizeof(u32));
	for (i = 0; i < grp->n_counters; i++)
		size += netstats_nl_counter_size(&grp->counters[i], true);
	for (i = 0; i < grp->n_options; i++)
		size += netstats_nl_option_size(&grp->options[i], true);
	return size;
}

/* The REGISTER reply, all counters counted. */
static size_t netstats_nl_reg_size(const struct netstats_group *grp)
{
	size_t size;
	unsigned int i;

	size = 7 * nla_total_size(sizeof(u32)) +	/* id ... flags */
	       2 * nla_total_size_64bit(sizeof(u64));	/* map-offset, -size */
	for (i = 0; i < grp->n_counters; i++)
		size += netstats_nl_counter_size(&grp->counters[i], false);
	for (i = 0; i < grp->n_options; i++)
		size += netstats_nl_option_size(&grp->options[i], false);
	/* Counters named by the driver: a few dozen, no docs. */
	if (grp->dev_counters)
		size += NLMSG_GOODSIZE;
	return size;
}

static int netstats_nl_group_fill(struct sk_buff *rsp,
				  const struct netstats_group *grp,
				  const struct genl_info *info, bool instances)
{
	unsigned int i;
	void *hdr;

	hdr = genlmsg_iput(rsp, info);
	if (!hdr)
		return -EMSGSIZE;

	if (nla_put_string(rsp, NETSTATS_A_GROUP_NAME, grp->name) ||
	    nla_put_string(rsp, NETSTATS_A_GROUP_DOC, grp->doc) ||
	    nla_put_u32(rsp, NETSTATS_A_GROUP_FLAGS, grp->flags))
		goto err_cancel;
	for (i = 0; i < grp->n_counters; i++)
		if (netstats_nl_counter_fill(rsp, NETSTATS_A_GROUP_COUNTER,
					     &grp->counters[i], true))
			goto err_cancel;
	for (i = 0; i < grp->n_options; i++)
		if (netstats_nl_option_fill(rsp, NETSTATS_A_GROUP_OPTION,
					    &grp->options[i]))
			goto err_cancel;
	if (instances && grp->ops && grp->ops->instances &&
	    grp->ops->instances(rsp, genl_info_net(info)))
		goto err_cancel;

	genlmsg_end(rsp, hdr);
	return 0;

err_cancel:
	genlmsg_cancel(rsp, hdr);
	return -EMSGSIZE;
}

/* QUERY of one group: at most this much, instances included. */
#define NETSTATS_QUERY_MAX_SIZE	(256 << 10)

int netstats_nl_query_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct netstats_group *grp;
	struct sk_buff *rsp;
	bool locked = true;
	size_t size;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, NETSTATS_A_GROUP_NAME))
		return -EINVAL;

	mutex_lock(&netstats_groups_lock);
	grp = netstats_group_find(nla_data(info->attrs[NETSTATS_A_GROUP_NAME]));
	if (!grp) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[NETSTATS_A_GROUP_NAME],
				    "unknown counter group");
		err = -ENOENT;
		goto out_unlock;
	}
	/* Groups with an ops table are built in and never go away: their
	 * instances (which may take RTNL) are listed without the lock.
	 */
	if (grp->ops) {
		mutex_unlock(&netstats_groups_lock);
		locked = false;
	}
	/* The instances: as many as fit in a bounded reply. */
	size = netstats_nl_group_size(grp);
	if (grp->ops && grp->ops->instances)
		size += NLMSG_GOODSIZE;
	for (;;) {
		size = min_t(size_t, size, NETSTATS_QUERY_MAX_SIZE);
		rsp = genlmsg_new(size, GFP_KERNEL);
		err = -ENOMEM;
		if (!rsp)
			goto out_unlock;
		err = netstats_nl_group_fill(rsp, grp, info, true);
		if (err != -EMSGSIZE || size >= NETSTATS_QUERY_MAX_SIZE)
			break;
		nlmsg_free(rsp);
		size *= 4;
	}
	if (locked)
		mutex_unlock(&netstats_groups_lock);
	if (err) {
		if (err == -EMSGSIZE)
			NL_SET_ERR_MSG_FMT(info->extack,
					   "more instances than a %u-byte reply holds",
					   NETSTATS_QUERY_MAX_SIZE);
		nlmsg_free(rsp);
		return err;
	}
	return genlmsg_reply(rsp, info);

out_unlock:
	if (locked)
		mutex_unlock(&netstats_groups_lock);
	return err;
}

/* Every message of the dump holds at least the largest group. */
int netstats_nl_query_dump_pre(struct netlink_callback *cb)
{
	struct netstats_group *grp;
	size_t max = 0;

	mutex_lock(&netstats_groups_lock);
	list_for_each_entry(grp, &netstats_groups, list)
		max = max(max, netstats_nl_group_size(grp));
	mutex_unlock(&netstats_groups_lock);
	cb->min_dump_alloc = nlmsg_total_size(genlmsg_total_size(max));
	return 0;
}

struct netstats_query_dump_ctx {
	unsigned long idx;
};

int netstats_nl_query_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct netstats_query_dump_ctx *ctx = (void *)cb->ctx;
	const struct genl_info *info = genl_info_dump(cb);
	struct netstats_group *grp;
	unsigned long i = 0;
	int err = 0;

	mutex_lock(&netstats_groups_lock);
	cb->seq = netstats_groups_gen;
	list_for_each_entry(grp, &netstats_groups, list) {
		if (i++ < ctx->idx)
			continue;
		err = netstats_nl_group_fill(skb, grp, info, false);
		if (err)
			break;
		genl_dump_check_consistent(cb, nlmsg_hdr(skb));
		ctx->idx = i;
	}
	mutex_unlock(&netstats_groups_lock);

	return err;
}

/* The collection options in force: what REGISTER asked, else defaults. */
static int netstats_nl_reg_options_fill(struct sk_buff *rsp,
					struct netstats_reg *reg,
					struct genl_info *info)
{
	const struct netstats_group *grp = reg->grp;
	struct nlattr *nest;
	unsigned int i;
	u64 val;

	for (i = 0; i < grp->n_options; i++) {
		const char *name = grp->options[i].name;

		if (netstats_reg_option(reg, info, name, &val))
			return -EINVAL;
		nest = nla_nest_start(rsp, NETSTATS_A_REGISTRATION_OPTION);
		if (!nest)
			return -EMSGSIZE;
		if (nla_put_string(rsp, NETSTATS_A_OPTION_NAME, name) ||
		    nla_put_uint(rsp, NETSTATS_A_OPTION_VALUE, val)) {
			nla_nest_cancel(rsp, nest);
			return -EMSGSIZE;
		}
		nla_nest_end(rsp, nest);
	}
	return 0;
}

static int netstats_nl_reg_fill(struct sk_buff *rsp, struct netstats_reg *reg,
				struct genl_info *info, int fd)
{
	const struct netstats_counter_desc *counters;
	const struct netstats_group *grp = reg->grp;
	unsigned int i, n_counters;

	if (nla_put_u32(rsp, NETSTATS_A_REGISTRATION_ID, reg->id) ||
	    nla_put_s32(rsp, NETSTATS_A_REGISTRATION_MAP_FD, fd) ||
	    nla_put_uint(rsp, NETSTATS_A_REGISTRATION_MAP_OFFSET,
			 (u64)reg->pgoff << PAGE_SHIFT) ||
	    nla_put_uint(rsp, NETSTATS_A_REGISTRATION_MAP_SIZE,
			 (u64)reg->npages << PAGE_SHIFT) ||
	    nla_put_u32(rsp, NETSTATS_A_REGISTRATION_PAGE_SIZE, PAGE_SIZE) ||
	    nla_put_u32(rsp, NETSTATS_A_REGISTRATION_PERCPU_STRIDE,
			reg->percpu_stride) ||
	    nla_put_u32(rsp, NETSTATS_A_REGISTRATION_NCPUS, reg->ncpus) ||
	    nla_put_u32(rsp, NETSTATS_A_REGISTRATION_BLOCK_OFFSET,
			reg->block_offset) ||
	    nla_put_u32(rsp, NETSTATS_A_REGISTRATION_FLAGS,
			grp->flags & ~reg->clear_flags))
		return -EMSGSIZE;

	counters = reg->counters ?: grp->counters;
	n_counters = reg->counters ? reg->n_counters : grp->n_counters;
	for (i = 0; i < n_counters; i++) {
		struct netstats_counter_desc c = counters[i];

		if (c.flags & reg->hidden)
			continue;
		if (!reg->counters && reg->sel && !test_bit(i, reg->sel))
			continue;
		/* Offsets in the reply are from the start of the range. */
		c.offset += reg->block_offset;
		if (netstats_nl_counter_fill(rsp, NETSTATS_A_REGISTRATION_COUNTER,
					     &c, false))
			return -EMSGSIZE;
	}
	return netstats_nl_reg_options_fill(rsp, reg, info);
}

/* Mapped pages count against the user's RLIMIT_MEMLOCK, as AF_XDP umems
 * and io_uring buffers do: memory cgroups see the allocations, this bounds
 * what one user keeps mapped across all its netlink sockets.
 */
static int netstats_reg_charge(struct netstats_reg *reg,
			       struct netlink_ext_ack *extack)
{
	unsigned long limit, old, new;
	struct user_struct *user;

	if (!reg->charge)
		reg->charge = reg->npages;
	if (capable(CAP_IPC_LOCK))
		return 0;

	limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	user = get_uid(current_user());
	old = atomic_long_read(&user->locked_vm);
	do {
		new = old + reg->charge;
		if (new > limit) {
			free_uid(user);
			NL_SET_ERR_MSG_FMT(extack,
					   "RLIMIT_MEMLOCK of %lu pages reached: %lu pages locked or mapped by this user",
					   limit, old);
			return -ENOBUFS;
		}
	} while (!atomic_long_try_cmpxchg(&user->locked_vm, &old, new));
	reg->user = user;
	return 0;
}

static const struct netstats_option_desc *
netstats_option_find(const struct netstats_group *grp, const char *name)
{
	unsigned int i;

	for (i = 0; i < grp->n_options; i++)
		if (!strcmp(grp->options[i].name, name))
			return &grp->options[i];
	return NULL;
}

/* Collection options are typed attributes of REGISTER, one each. */
static const struct {
	const char *name;
	int attr;
} netstats_option_attrs[] = {
	{ "period-ms",		NETSTATS_A_REGISTRATION_PERIOD_MS },
	{ "timer-ms",		NETSTATS_A_REGISTRATION_TIMER_MS },
	{ "dead-linger-ms",	NETSTATS_A_REGISTRATION_DEAD_LINGER_MS },
	{ "derived",		NETSTATS_A_REGISTRATION_DERIVED },
	{ "collect",		NETSTATS_A_REGISTRATION_COLLECT },
};

static int netstats_option_attr(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(netstats_option_attrs); i++)
		if (!strcmp(netstats_option_attrs[i].name, name))
			return netstats_option_attrs[i].attr;
	return 0;
}

/* The policy checked the attribute's type and its widest range. */
static u64 netstats_option_val(const struct nlattr *attr)
{
	if (nla_type(attr) == NETSTATS_A_REGISTRATION_DERIVED)
		return 1;
	return nla_get_u32(attr);
}

/* Every option of a REGISTER must be one of the group's, with a value in
 * the group's range (which may be narrower than the policy's).
 */
static int netstats_options_check(const struct netstats_group *grp,
				  struct genl_info *info)
{
	const struct netstats_option_desc *o;
	struct nlattr *attr;
	unsigned int i;
	u64 val;

	for (i = 0; i < ARRAY_SIZE(netstats_option_attrs); i++) {
		attr = info->attrs[netstats_option_attrs[i].attr];
		if (!attr)
			continue;
		o = netstats_option_find(grp, netstats_option_attrs[i].name);
		if (!o) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "collection option not taken by this counter group");
			return -EINVAL;
		}
		val = netstats_option_val(attr);
		if (val < o->min || val > o->max) {
			NL_SET_ERR_MSG_ATTR_FMT(info->extack, attr,
						"%s must be within [%llu, %llu] for this counter group",
						o->name, o->min, o->max);
			return -ERANGE;
		}
	}
	return 0;
}

/**
 * netstats_reg_option() - the value of a collection option of REGISTER
 * @reg: the registration being attached
 * @info: the REGISTER request (its options were checked)
 * @name: an option of @reg's group
 * @val: the value asked for, or the option's default
 *
 * Return: 0, or -EINVAL if the group has no such option.
 */
int netstats_reg_option(struct netstats_reg *reg, struct genl_info *info,
			const char *name, u64 *val)
{
	const struct netstats_option_desc *o;
	int type;

	o = netstats_option_find(reg->grp, name);
	type = netstats_option_attr(name);
	if (WARN_ON_ONCE(!o || !type))
		return -EINVAL;
	*val = info->attrs[type] ? netstats_option_val(info->attrs[type]) :
				   o->def;
	return 0;
}

/* What REGISTER no longer takes, and what replaced it. */
static const struct {
	int attr;
	const char *msg;
} netstats_obsolete_attrs[] = {
	{ NETSTATS_A_REGISTRATION_OBJECT,
	  "object is obsolete: use the dev, queue, page-pool, qdisc or sock nest" },
	{ NETSTATS_A_REGISTRATION_SOCK_FD, "use the sock nest (fd)" },
	{ NETSTATS_A_REGISTRATION_SOCK_COOKIE,
	  "use the sock nest (cookie, src, dst, sport, dport)" },
	{ NETSTATS_A_REGISTRATION_SOCK_SRC, "use the sock nest (src)" },
	{ NETSTATS_A_REGISTRATION_SOCK_DST, "use the sock nest (dst)" },
	{ NETSTATS_A_REGISTRATION_SOCK_SPORT, "use the sock nest (sport)" },
	{ NETSTATS_A_REGISTRATION_SOCK_DPORT, "use the sock nest (dport)" },
	{ NETSTATS_A_REGISTRATION_IFINDEX, "use the sock nest (ifindex)" },
	{ NETSTATS_A_REGISTRATION_OPTION,
	  "use the typed options period-ms, timer-ms, dead-linger-ms, derived or collect" },
};

/* The nests that name an object, one per kind of object. */
static const int netstats_object_attrs[] = {
	NETSTATS_A_REGISTRATION_DEV,
	NETSTATS_A_REGISTRATION_QUEUE,
	NETSTATS_A_REGISTRATION_PAGE_POOL,
	NETSTATS_A_REGISTRATION_QDISC,
	NETSTATS_A_REGISTRATION_SOCK,
};

/*
 * REGISTER names the object of a per-object group with the one nest of
 * its kind, and nothing else; keep a copy of the nest for the object-dead
 * notification.
 */
static int netstats_object_check(struct netstats_reg *reg,
				 struct genl_info *info)
{
	const struct netstats_group *grp = reg->grp;
	struct nlattr *attr;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(netstats_obsolete_attrs); i++) {
		attr = info->attrs[netstats_obsolete_attrs[i].attr];
		if (!attr)
			continue;
		/* Not a literal: formatted (each fits the 80 bytes). */
		NL_SET_ERR_MSG_ATTR_FMT(info->extack, attr, "%s",
					netstats_obsolete_attrs[i].msg);
		return -EINVAL;
	}
	for (i = 0; i < ARRAY_SIZE(netstats_object_attrs); i++) {
		attr = info->attrs[netstats_object_attrs[i]];
		if (!attr || netstats_object_attrs[i] == grp->object_attr)
			continue;
		if (grp->object_attr)
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "counter group names its objects otherwise");
		else
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "counter group has no objects to name");
		return -EINVAL;
	}
	if (!grp->object_attr)
		return 0;
	if (GENL_REQ_ATTR_CHECK(info, grp->object_attr)) {
		NL_SET_ERR_MSG(info->extack,
			       "counter group needs its object named");
		return -EINVAL;
	}
	attr = info->attrs[grp->object_attr];
	reg->object = kmemdup(attr, nla_total_size(nla_len(attr)),
			      GFP_KERNEL_ACCOUNT);
	return reg->object ? 0 : -ENOMEM;
}

/*
 * The counters REGISTER names (counter nests, by name only), as a bitmap
 * over the group's counters in @reg->sel; none: every counter.  The
 * producer refuses what it cannot select (e.g. counters hidden from the
 * caller).
 */
static int netstats_sel_parse(struct netstats_reg *reg, struct genl_info *info)
{
	const struct netstats_group *grp = reg->grp;
	struct nlattr *tb[NETSTATS_A_COUNTER_MAX + 1];
	const struct nlattr *attr;
	unsigned int i;
	int rem, err;

	nlmsg_for_each_attr_type(attr, NETSTATS_A_REGISTRATION_COUNTER,
				 info->nlhdr, GENL_HDRLEN, rem) {
		if (!(grp->flags & NETSTATS_GROUP_FLAGS_SELECT) ||
		    grp->dev_counters) {
			NL_SET_ERR_MSG_ATTR_FMT(info->extack, attr,
						"counter group %s does not select counters: name none",
						grp->name);
			return -EOPNOTSUPP;
		}
		/* The policy checked the nest's contents. */
		err = nla_parse_nested(tb, NETSTATS_A_COUNTER_MAX, attr, NULL,
				       info->extack);
		if (err)
			return err;
		for (i = 0; i <= NETSTATS_A_COUNTER_MAX; i++) {
			if (!tb[i] || i == NETSTATS_A_COUNTER_NAME)
				continue;
			NL_SET_ERR_MSG_ATTR(info->extack, tb[i],
					    "a selected counter is named by its name only");
			return -EINVAL;
		}
		if (!tb[NETSTATS_A_COUNTER_NAME]) {
			NL_SET_ERR_ATTR_MISS(info->extack, attr,
					     NETSTATS_A_COUNTER_NAME);
			NL_SET_ERR_MSG(info->extack, "a selected counter needs its name");
			return -EINVAL;
		}
		for (i = 0; i < grp->n_counters; i++)
			if (!nla_strcmp(tb[NETSTATS_A_COUNTER_NAME],
					grp->counters[i].name))
				break;
		if (i == grp->n_counters) {
			NL_SET_ERR_MSG_ATTR_FMT(info->extack,
						tb[NETSTATS_A_COUNTER_NAME],
						"no counter %.40s in group %s",
						(char *)nla_data(tb[NETSTATS_A_COUNTER_NAME]),
						grp->name);
			return -ENOENT;
		}
		if (!reg->sel) {
			reg->sel = bitmap_zalloc(grp->n_counters,
						 GFP_KERNEL_ACCOUNT);
			if (!reg->sel)
				return -ENOMEM;
		}
		if (__test_and_set_bit(i, reg->sel)) {
			NL_SET_ERR_MSG_ATTR_FMT(info->extack,
						tb[NETSTATS_A_COUNTER_NAME],
						"counter %s selected twice",
						grp->counters[i].name);
			return -EINVAL;
		}
		reg->n_sel++;
	}
	return 0;
}

/*
 * The netns whose instance REGISTER maps, with a reference for the time
 * of attach: the caller's, or netns-fd's if the group allows it and the
 * caller has CAP_NET_ADMIN there.
 */
static struct net *netstats_target_net(const struct netstats_group *grp,
				       const struct sk_buff *skb,
				       struct genl_info *info)
{
	struct nlattr *attr = info->attrs[NETSTATS_A_REGISTRATION_NETNS_FD];
	struct net *net;

	if (!attr)
		return get_net(genl_info_net(info));
	if (!grp->netns_fd) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "counter group has no instance per network namespace");
		return ERR_PTR(-EINVAL);
	}
	net = get_net_ns_by_fd(nla_get_s32(attr));
	if (IS_ERR(net)) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "netns-fd is not a network namespace");
		return net;
	}
	if (!netlink_ns_capable(skb, net->user_ns, CAP_NET_ADMIN)) {
		put_net(net);
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "CAP_NET_ADMIN needed in the network namespace of netns-fd");
		return ERR_PTR(-EPERM);
	}
	return net;
}

static void netstats_reg_free(struct netstats_reg *reg)
{
	atomic_long_dec(&netstats_nr_regs);
	reg->grp->ops->detach(reg);
	if (reg->user) {
		atomic_long_sub(reg->charge, &reg->user->locked_vm);
		free_uid(reg->user);
	}
	bitmap_free(reg->sel);
	kfree(reg->object);
	kfree(reg);
}

int netstats_nl_register_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct netstats_nl_sock *priv;
	struct netstats_group *grp;
	struct netstats_reg *reg;
	struct nlattr *name_attr;
	struct sk_buff *rsp;
	struct net *target;
	struct file *file;
	void *hdr;
	int err, fd;

	if (GENL_REQ_ATTR_CHECK(info, NETSTATS_A_REGISTRATION_GROUP))
		return -EINVAL;
	name_attr = info->attrs[NETSTATS_A_REGISTRATION_GROUP];

	/* Groups with an ops table are built in and never go away. */
	mutex_lock(&netstats_groups_lock);
	grp = netstats_group_find(nla_data(name_attr));
	mutex_unlock(&netstats_groups_lock);
	if (!grp) {
		NL_SET_ERR_MSG_ATTR(info->extack, name_attr,
				    "unknown counter group");
		return -ENOENT;
	}
	if (!grp->ops) {
		NL_SET_ERR_MSG_ATTR(info->extack, name_attr,
				    "counter group cannot be mapped yet");
		return -EOPNOTSUPP;
	}
	priv = genl_sk_priv_get(&netstats_nl_family, NETLINK_CB(skb).sk);
	if (IS_ERR(priv))
		return PTR_ERR(priv);

	rsp = genlmsg_new(netstats_nl_reg_size(grp), GFP_KERNEL);
	if (!rsp)
		return -ENOMEM;
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		err = fd;
		goto err_free_msg;
	}

	mutex_lock(&priv->lock);
	if (!priv->map) {
		struct netstats_map *map = netstats_map_create();

		if (IS_ERR(map)) {
			err = PTR_ERR(map);
			goto err_unlock;
		}
		priv->map = map;
		priv->net = genl_info_net(info);
	}
	err = -ENOMEM;
	reg = kzalloc(sizeof(*reg), GFP_KERNEL_ACCOUNT);
	if (!reg)
		goto err_unlock;
	reg->grp = grp;
	reg->map = priv->map;
	reg->owner_id = priv->map->id;
	reg->notify = nla_get_flag(info->attrs[NETSTATS_A_REGISTRATION_NOTIFY]);
	reg->portid = info->snd_portid;
	reg->ncpus = 1;
	write_pnet(&reg->net, genl_info_net(info));
	INIT_HLIST_NODE(&reg->node);

	/* Cyclic: a late object-dead notification must not name a newer
	 * registration.
	 */
	err = xa_alloc_cyclic(&priv->regs, &reg->id, reg,
			      XA_LIMIT(1, NETSTATS_MAX_REGS_PER_SOCK),
			      &priv->next_id, GFP_KERNEL_ACCOUNT);
	if (err < 0) {
		kfree(reg);
		if (err == -EBUSY) {
			NL_SET_ERR_MSG_FMT(info->extack,
					   "at most %u registrations per netlink socket",
					   NETSTATS_MAX_REGS_PER_SOCK);
			err = -ENOSPC;
		}
		goto err_unlock;
	}

	err = netstats_object_check(reg, info);
	if (!err)
		err = netstats_options_check(grp, info);
	if (!err)
		err = netstats_sel_parse(reg, info);
	if (err)
		goto err_erase;
	target = netstats_target_net(grp, skb, info);
	if (IS_ERR(target)) {
		err = PTR_ERR(target);
		goto err_erase;
	}
	write_pnet(&reg->target, target);
	reg->net_admin = netlink_ns_capable(skb, target->user_ns, CAP_NET_ADMIN);
	reg->net_admin_init = netlink_capable(skb, CAP_NET_ADMIN);
	/* Counted before attach: a derived block's first update sees it. */
	atomic_long_inc(&netstats_nr_regs);
	err = grp->ops->attach(reg, info);
	/* From here the producer sees the netns go, if it can. */
	put_net(target);
	if (err) {
		atomic_long_dec(&netstats_nr_regs);
		goto err_erase;
	}
	err = netstats_reg_charge(reg, info->extack);
	if (err)
		goto err_unregister;

	hdr = genlmsg_iput(rsp, info);
	if (!hdr || netstats_nl_reg_fill(rsp, reg, info, fd)) {
		err = -EMSGSIZE;
		goto err_unregister;
	}
	genlmsg_end(rsp, hdr);

	/* Each reply carries a new fd of the map file: mmap the range, then
	 * close it.  The fd, the registration and the reply are one
	 * transaction: the fd is installed only once the reply is queued on
	 * the socket.  A reply that does not fit the receive buffer is
	 * dropped (the socket gets ENOBUFS), and then the registration,
	 * which no other request of the socket could see yet (priv->lock),
	 * is undone and the fd number given back.
	 */
	err = genlmsg_reply(rsp, info);
	rsp = NULL;
	if (err) {
		NL_SET_ERR_MSG(info->extack,
			       "no room for the reply in the receive buffer");
		if (err == -EAGAIN)
			err = -ENOBUFS;
		goto err_unregister;
	}
	file = get_file(priv->map->file);
	mutex_unlock(&priv->lock);
	fd_install(fd, file);
	return 0;

err_unregister:
	xa_erase(&priv->regs, reg->id);
	netstats_reg_free(reg);
	goto err_unlock;
err_erase:
	xa_erase(&priv->regs, reg->id);
	bitmap_free(reg->sel);
	kfree(reg->object);
	kfree(reg);
err_unlock:
	mutex_unlock(&priv->lock);
	put_unused_fd(fd);
err_free_msg:
	nlmsg_free(rsp);
	return err;
}

int netstats_nl_unregister_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct netstats_nl_sock *priv;
	struct netstats_reg *reg;
	struct nlattr *id_attr;

	if (GENL_REQ_ATTR_CHECK(info, NETSTATS_A_REGISTRATION_ID))
		return -EINVAL;
	id_attr = info->attrs[NETSTATS_A_REGISTRATION_ID];

	priv = genl_sk_priv_get(&netstats_nl_family, NETLINK_CB(skb).sk);
	if (IS_ERR(priv))
		return PTR_ERR(priv);

	mutex_lock(&priv->lock);
	reg = xa_erase(&priv->regs, nla_get_u32(id_attr));
	if (reg)
		netstats_reg_free(reg);
	mutex_unlock(&priv->lock);

	if (!reg) {
		NL_SET_ERR_MSG_ATTR(info->extack, id_attr,
				    "no registration with this id on this socket");
		return -ENOENT;
	}
	return 0;
}

/* The object-dead notification of @reg, sized to fit. */
static struct sk_buff *netstats_dead_msg(struct netstats_reg *reg,
					 u64 cookie)
{
	const struct nlattr *object = cookie ? NULL : reg->object;
	struct sk_buff *ntf;
	size_t size;
	void *hdr;

	size = 2 * nla_total_size(sizeof(u32)) +		/* id, portid */
	       nla_total_size(strlen(reg->grp->name) + 1) +
	       (object ? nla_total_size(nla_len(object)) : 0) +
	       (cookie ? nla_total_size_64bit(sizeof(u64)) : 0);
	ntf = genlmsg_new(size, GFP_KERNEL);
	if (!ntf)
		return NULL;
	hdr = genlmsg_put(ntf, 0, 0, &netstats_nl_family, 0,
			  NETSTATS_CMD_OBJECT_DEAD);
	if (!hdr ||
	    nla_put_u32(ntf, NETSTATS_A_REGISTRATION_ID, reg->id) ||
	    nla_put_u32(ntf, NETSTATS_A_REGISTRATION_PORTID, reg->portid) ||
	    nla_put_string(ntf, NETSTATS_A_REGISTRATION_GROUP, reg->grp->name) ||
	    (object && nla_put(ntf, nla_type(object) | NLA_F_NESTED,
			       nla_len(object), nla_data(object))) ||
	    (cookie && nla_put_u64_64bit(ntf, NETSTATS_A_REGISTRATION_SOCK_COOKIE,
					 cookie, NETSTATS_A_REGISTRATION_PAD))) {
		nlmsg_free(ntf);
		return NULL;
	}
	genlmsg_end(ntf, hdr);
	return ntf;
}

/*
 * One object-dead notification goes to the netlink socket that owns @reg,
 * by unicast, if it asked for them at REGISTER (notify), whether or not it
 * may join the monitor group; a copy goes to
 * the monitor group (CAP_NET_ADMIN), which the owner is left out of, so
 * that it hears of its registration once.  Neither waits: a socket whose
 * receive buffer is full loses the message and gets ENOBUFS, and the DEAD
 * state of the block stays authoritative.
 */
static void netstats_notify(struct netstats_reg *reg, u64 cookie)
{
	struct net *net = read_pnet(&reg->net);
	struct sk_buff *ntf;
	u32 owner;

	might_sleep();

	ntf = netstats_dead_msg(reg, cookie);
	if (!ntf)
		return;
	/* None to a socket being released: its port id is free for another
	 * socket to bind already.
	 */
	owner = reg->notify && !READ_ONCE(reg->map->owner_gone) ?
		reg->portid : 0;
	/* As nlmsg_notify() does: the group but the owner, then the owner. */
	if (genl_has_listeners(&netstats_nl_family, net,
			       NETSTATS_NLGRP_MONITOR))
		genlmsg_multicast_netns(&netstats_nl_family, net, skb_get(ntf),
					owner, NETSTATS_NLGRP_MONITOR,
					GFP_KERNEL);
	if (owner)
		genlmsg_unicast(net, ntf, owner);
	else
		nlmsg_free(ntf);
}

/**
 * netstats_counters_dup() - copy a driver's counter descriptions
 * @counters: the descriptions
 * @n: number of entries
 *
 * The REGISTER reply is built after RTNL is released, when a driver's
 * module may be gone: registrations of a driver's counters keep a copy.
 *
 * Return: one allocation (kfree() it), or NULL.
 */
struct netstats_counter_desc *
netstats_counters_dup(const struct netstats_counter_desc *counters,
		      unsigned int n)
{
	struct netstats_counter_desc *c;
	size_t size, len;
	unsigned int i;
	char *s;

	size = array_size(n, sizeof(*c));
	for (i = 0; i < n; i++)
		size = size_add(size, strlen(counters[i].name) +
				strlen(counters[i].doc) + 2);
	c = kmalloc(size, GFP_KERNEL_ACCOUNT);
	if (!c)
		return NULL;
	memcpy(c, counters, array_size(n, sizeof(*c)));
	s = (char *)(c + n);
	for (i = 0; i < n; i++) {
		len = strlen(counters[i].name) + 1;
		c[i].name = memcpy(s, counters[i].name, len);
		s += len;
		len = strlen(counters[i].doc) + 1;
		c[i].doc = memcpy(s, counters[i].doc, len);
		s += len;
	}
	return c;
}

/**
 * netstats_notify_dead() - tell the owner of a registration, and the
 *	monitor group, that its object died
 * @reg: the registration, now backed by a snapshot
 *
 * The object is named by the nest REGISTER named it with, if any.
 *
 * Context: process context, may sleep; @reg may not be freed meanwhile.
 */
void netstats_notify_dead(struct netstats_reg *reg)
{
	netstats_notify(reg, 0);
}

/**
 * netstats_notify_sock_dead() - tell the owner of a directory
 *	registration, and the monitor group, that one of its sockets died
 * @reg: the directory registration (it lives on)
 * @cookie: the socket's cookie
 *
 * Context: process context, may sleep; @reg may not be freed meanwhile.
 */
void netstats_notify_sock_dead(struct netstats_reg *reg, u64 cookie)
{
	netstats_notify(reg, cookie);
}

void netstats_nl_sock_priv_init(struct netstats_nl_sock *priv)
{
	mutex_init(&priv->lock);
	xa_init_flags(&priv->regs, XA_FLAGS_ALLOC1);
}

/*
 * A released netlink socket's registrations past the first
 * NETSTATS_RELEASE_SYNC are freed by a work item: the release runs under
 * genetlink's cb_lock, which family registration waits for.
 */
#define NETSTATS_RELEASE_SYNC	256

/**
 * struct netstats_release - the rest of a released socket's registrations
 * @work: frees them, then the map
 * @regs: the registrations (netstats_reg::free_node)
 * @map: the socket's map
 * @net: the socket's netns, held until the producers forgot them
 */
struct netstats_release {
	struct work_struct work;
	struct llist_head regs;
	struct netstats_map *map;
	struct net *net;
};

static void netstats_map_release_owner(struct netstats_map *map)
{
	struct file *file = map->file;

	/* The map goes with its file: after the last fd and mapping. */
	netstats_map_put(map);
	fput(file);
}

static void netstats_release_work(struct work_struct *work)
{
	struct netstats_release *rel = container_of(work,
						    struct netstats_release,
						    work);
	struct netstats_reg *reg, *tmp;

	llist_for_each_entry_safe(reg, tmp, llist_del_all(&rel->regs),
				  free_node) {
		netstats_reg_free(reg);
		cond_resched();
	}
	netstats_map_release_owner(rel->map);
	put_net(rel->net);
	kfree(rel);
}

void netstats_nl_sock_priv_destroy(struct netstats_nl_sock *priv)
{
	struct netstats_release *rel = NULL;
	struct netstats_reg *reg;
	unsigned int n = 0;
	unsigned long id;

	/* The socket left the port table before this: its port id may name
	 * another socket by now, which must not get our notifications.
	 */
	if (priv->map)
		WRITE_ONCE(priv->map->owner_gone, true);
	xa_for_each(&priv->regs, id, reg) {
		if (n++ == NETSTATS_RELEASE_SYNC) {
			rel = kzalloc(sizeof(*rel), GFP_KERNEL);
			if (rel)
				init_llist_head(&rel->regs);
		}
		if (rel)
			llist_add(&reg->free_node, &rel->regs);
		else
			netstats_reg_free(reg);
	}
	xa_destroy(&priv->regs);
	if (rel) {
		rel->map = priv->map;
		/* The socket still holds its netns. */
		rel->net = get_net(priv->net);
		INIT_WORK(&rel->work, netstats_release_work);
		queue_work(system_wq, &rel->work);
	} else if (priv->map) {
		netstats_map_release_owner(priv->map);
	}
	mutex_destroy(&priv->lock);
}

/*
 * The monitor group carries the object-dead notifications of every
 * registration of the netns, with the port ids of their sockets and the
 * cookies of their sockets: joining it needs CAP_NET_ADMIN over the netns.
 * The spec says so (flags: [ admin-perm ]), but the YNL generator does not
 * emit genl_multicast_group::flags yet: the generated family gets these
 * groups, the same ones with their flags, before it is registered.
 */
static const struct genl_multicast_group netstats_nl_mcgrps_perm[] = {
	[NETSTATS_NLGRP_MONITOR] = {
		.name	= NETSTATS_MCGRP_MONITOR,
		.flags	= GENL_MCAST_CAP_NET_ADMIN,
	},
};

static int __init netstats_mcgrps_set_perm(struct genl_family *family)
{
	unsigned int i;

	if (WARN_ON(family->n_mcgrps != ARRAY_SIZE(netstats_nl_mcgrps_perm)))
		return -EINVAL;
	for (i = 0; i < family->n_mcgrps; i++)
		if (WARN_ON(strcmp(family->mcgrps[i].name,
				   netstats_nl_mcgrps_perm[i].name)))
			return -EINVAL;
	family->mcgrps = netstats_nl_mcgrps_perm;
	return 0;
}

static int __init netstats_init(void)
{
	int err;

	err = netstats_mcgrps_set_perm(&netstats_nl_family);
	if (err)
		return err;
	return genl_register_family(&netstats_nl_family);
}
subsys_initcall(netstats_init);
