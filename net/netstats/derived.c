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
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <net/genetlink.h>
#include <net/netstats.h>

#include "netstats.h"

static void netstats_derived_update(struct netstats_derived *d)
{
	struct netstats_derived_hdr *h = page_address(d->page);

	/* One writer: under d->lock, or attach before the first work. */
	WRITE_ONCE(h->seq, h->seq + 1);
	/* odd seq before the counters; pairs with the reader's acquire */
	smp_wmb();
	d->fill(d->reg, h);
	WRITE_ONCE(h->timestamp_ns, ktime_get_ns());
	/* counters before even seq; pairs with the reader's acquire */
	smp_wmb();
	WRITE_ONCE(h->seq, h->seq + 1);
}

static void netstats_derived_work(struct work_struct *work)
{
	struct netstats_derived *d = container_of(to_delayed_work(work),
						  struct netstats_derived,
						  work);

	mutex_lock(&d->lock);
	if (!d->dead) {
		netstats_derived_update(d);
		schedule_delayed_work(&d->work, d->period);
	}
	mutex_unlock(&d->lock);
}

/**
 * netstats_derived_attach() - give a registration a derived block
 * @reg: the registration (its group has a period-ms option)
 * @info: the REGISTER request, for the option
 * @fill: computes the counters; the block starts with struct
 *	netstats_derived_hdr, the group's offsets are from its start
 * @data: for @fill (netstats_derived_data())
 *
 * Return: 0 or -errno.
 */
int netstats_derived_attach(struct netstats_reg *reg, struct genl_info *info,
			    void (*fill)(struct netstats_reg *reg, void *block),
			    void *data)
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
 *
 * A last update (the object must still be readable), then the block is
 * marked DEAD in place, where it keeps the final values, the updates
 * stop and the monitor group hears of it.
 */
void netstats_derived_kill(struct netstats_reg *reg, const char *object)
{
	struct netstats_derived *d = reg->priv;
	struct netstats_derived_hdr *h = page_address(d->page);

	mutex_lock(&d->lock);
	if (d->dead) {
		mutex_unlock(&d->lock);
		return;
	}
	netstats_derived_update(d);
	WRITE_ONCE(h->hdr.generation, h->hdr.generation + 1);
	WRITE_ONCE(h->hdr.state, NETSTATS_BLOCK_DEAD);
	d->dead = true;
	reg->dead = true;
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
