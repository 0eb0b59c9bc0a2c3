// SPDX-License-Identifier: GPL-2.0-only
/*
 * Per-CPU blocks: a producer's page-aligned, page-sized per-CPU
 * allocation, mapped as it is, one page per possible CPU.  Readers sum
 * the copies (NETSTATS_GROUP_FLAGS_PERCPU).
 */

#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/slab.h>

#include "netstats.h"

/* The page of @cpu's copy; a CPU that cannot exist reads as zeroes. */
static struct page *netstats_percpu_page(void __percpu *block,
					 unsigned int cpu)
{
	if (!cpu_possible(cpu))
		return ZERO_PAGE(0);
	return pfn_to_page(PHYS_PFN(per_cpu_ptr_to_phys(per_cpu_ptr(block,
								     cpu))));
}

/**
 * netstats_percpu_attach() - map a per-CPU block for a registration
 * @reg: the registration, from the group's attach op
 * @block: from __alloc_percpu(PAGE_SIZE, PAGE_SIZE): every CPU's copy is
 *	a page of its own, which nothing else shares
 *
 * The block must outlive the registration, or be snapshotted first.
 *
 * Return: 0 or -errno.
 */
int netstats_percpu_attach(struct netstats_reg *reg, void __percpu *block)
{
	struct page **pages;
	unsigned int cpu;
	int err;

	pages = kmalloc_array(nr_cpu_ids, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	for (cpu = 0; cpu < nr_cpu_ids; cpu++)
		pages[cpu] = netstats_percpu_page(block, cpu);
	err = netstats_map_add(reg->map, pages, nr_cpu_ids, &reg->pgoff);
	kfree(pages);
	if (err)
		return err;
	reg->npages = nr_cpu_ids;
	reg->ncpus = nr_cpu_ids;
	reg->percpu_stride = PAGE_SIZE;
	return 0;
}

/**
 * netstats_percpu_detach() - unmap a registration's per-CPU block
 * @reg: the registration, from the group's detach op
 */
void netstats_percpu_detach(struct netstats_reg *reg)
{
	netstats_map_remove(reg->map, reg->pgoff, reg->npages);
}
