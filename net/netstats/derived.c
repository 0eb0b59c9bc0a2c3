// SPDX-License-Identifier: GPL-2.0-only
/*
 * Derived counter blocks: counters a callback computes from state that
 * cannot be mapped as it is (per-CPU sums taken under a lock, values a
 * driver reads from hardware), published every period-ms under a
 * sequence counter with the time of the update.  Each registration has a
 * block of its own, since the period is its collection option.
 */

#include <linux/highmem.h>
#include <linux/jiffies.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <net/genetlink.h>
#include <net/netstats.h>

#include "netstats.h"

/* Return: what fill returned: 0, -ENOENT if the object is gone, -EAGAIN
 * if it cannot be read now (nothing changed, not even the timestamp).
 */
static int netstats_derived_update(struct netstats_derived *d)
{
	struct netstats_derived_hdr *h = page_address(d->page);
	int err;

	/* One writer: under d->lock, or attach before the first work. */
	WRITE_ONCE(h->seq, h->seq + 1);
	/* odd seq before the counters; pairs with the reader's acquire */
	smp_wmb();
	err = d->fill(d->reg, h);
	if (!err)
		WRITE_ONCE(h->timestamp_ns, ktime_get_ns());
	/* counters before even seq; pairs with the reader's acquire */
	smp_wmb();
	WRITE_ONCE(h->seq, h->seq + 1);
	return err;
}

static void netstats_derived_die(struct netstats_derived *d)
{
	struct netstats_derived_hdr *h = page_address(d->page);

	lockdep_assert_held(&d->lock);

	WRITE_ONCE(h->hdr.generation, h->hdr.generation + 1);
	WRITE_ONCE(h->hdr.state, NETSTATS_BLOCK_DEAD);
	d->dead = true;
	d->reg->dead = true;
}

static void netstats_derived_work(struct work_struct *work)
{
	struct netstats_derived *d = container_of(to_delayed_work(work),
						  struct netstats_derived,
						  work);

	bool died = false;

	if (d->flags & NETSTATS_DERIVED_RTNL)
		rtnl_lock();
	mutex_lock(&d->lock);
	if (!d->dead) {
		if (netstats_derived_update(d) == -ENOENT) {
			netstats_derived_die(d);
			died = true;
		} else {
			schedule_delayed_work(&d->work, d->period);
		}
	}
	mutex_unlock(&d->lock);
	if (d->flags & NETSTATS_DERIVED_RTNL)
		rtnl_unlock();
	if (died)
		netstats_notify_dead(d->reg, NULL);
}

/**
 * netstats_derived_attach() - give a registration a derived block
 * @reg: the registration (its group has a period-ms option)
 * @info: the REGISTER request, for the option
 * @fill: computes the counters; the block starts with struct
 *	netstats_derived_hdr, the group's offsets are from its start
 * @data: for @fill (netstats_derived_data())
 * @flags: NETSTATS_DERIVED_*; with NETSTATS_DERIVED_RTNL the caller holds
 *	RTNL (this runs @fill once)
 *
 * Return: 0 or -errno.
 */
int netstats_derived_attach(struct netstats_reg *reg, struct genl_info *info,
			    int (*fill)(struct netstats_reg *reg, void *block),
			    void *data, unsigned int flags)
{
	struct netstats_derived_hdr *h;
	struct netstats_derived *d;
	u64 period_ms;
	int err;

	err = netstats_reg_option(reg, info, "period-ms", &period_ms);
	if (err)
		return err;

	d = kzalloc(sizeof(*d), GFP_KERNEL_ACCOUNT);
	if (!d)
		return -ENOMEM;
	d->page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!d->page) {
		kfree(d);
		return -ENOMEM;
	}
	mutex_init(&d->lock);
	d->reg = reg;
	d->fill = fill;
	d->data = data;
	d->flags = flags;
	/* reg->priv before the first fill, which may look at it */
	reg->priv = d;
	d->period = msecs_to_jiffies(period_ms);
	INIT_DELAYED_WORK(&d->work, netstats_derived_work);

	h = page_address(d->page);
	h->hdr.generation = 1;
	h->hdr.state = NETSTATS_BLOCK_LIVE;
	h->period_ms = period_ms;
	netstats_derived_update(d);

	err = netstats_map_add(reg->map, &d->page, 1, &reg->pgoff);
	if (err) {
		reg->priv = NULL;
		__free_page(d->page);
		kfree(d);
		return err;
	}
	reg->npages = 1;
	reg->block_offset = 0;
	schedule_delayed_work(&d->work, d->period);
	return 0;
}
EXPORT_SYMBOL_GPL(netstats_derived_attach);

/**
 * netstats_derived_kill() - the object of a derived registration died
 * @reg: the registration
 * @object: the object's name, for the notification
 * @update: a last update first (the object must still be readable);
 *	else the block keeps the values of the last one
 *
 * The block is marked DEAD in place, where it keeps the final values,
 * the updates stop and the monitor group hears of it.  With
 * NETSTATS_DERIVED_RTNL the caller holds RTNL.
 */
void netstats_derived_kill(struct netstats_reg *reg, const char *object,
			   bool update)
{
	struct netstats_derived *d = reg->priv;

	mutex_lock(&d->lock);
	if (d->dead) {
		mutex_unlock(&d->lock);
		return;
	}
	if (update)
		netstats_derived_update(d);
	netstats_derived_die(d);
	mutex_unlock(&d->lock);
	netstats_notify_dead(reg, object);
}
EXPORT_SYMBOL_GPL(netstats_derived_kill);

/**
 * netstats_derived_detach() - stop the updates, unmap and free the block
 * @reg: the registration
 */
void netstats_derived_detach(struct netstats_reg *reg)
{
	struct netstats_derived *d = reg->priv;

	cancel_delayed_work_sync(&d->work);
	netstats_map_remove(reg->map, reg->pgoff, reg->npages);
	mutex_destroy(&d->lock);
	__free_page(d->page);
	kfree(d);
}
EXPORT_SYMBOL_GPL(netstats_derived_detach);
