// SPDX-License-Identifier: GPL-2.0-only
/*
 * The map file of a netstats netlink socket.
 *
 * Every registration of the socket is a range of page offsets of one
 * file; user space mmap()s the range read-only.  Pages are inserted by
 * the fault handler from the map's page table (@pages), which the core
 * changes under @lock followed by a zap of the range: a reader refaults
 * onto whatever backs the range now (a snapshot once the object died),
 * never onto memory that was freed or reused.
 *
 * The pages a range's snapshot will need are allocated with the range,
 * in the registrant's context: they are charged to the registrant's
 * memory cgroup, and an object's death allocates nothing.
 */

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "netstats.h"

/**
 * struct netstats_map_sparse - a range whose missing pages read as zeroes
 * @node: entry in netstats_map::sparse
 * @pgoff: first page offset
 * @npages: length in pages
 */
struct netstats_map_sparse {
	struct list_head node;
	unsigned long pgoff;
	unsigned long npages;
};

static bool netstats_map_sparse(struct netstats_map *map, unsigned long pgoff)
{
	struct netstats_map_sparse *r;

	lockdep_assert_held(&map->lock);

	list_for_each_entry(r, &map->sparse, node)
		if (pgoff - r->pgoff < r->npages)
			return true;
	return false;
}

static vm_fault_t netstats_map_fault(struct vm_fault *vmf)
{
	struct netstats_map *map = vmf->vma->vm_file->private_data;
	vm_fault_t ret = VM_FAULT_SIGBUS;
	struct page *page;
	pgprot_t prot;
	void *entry;

	mutex_lock(&map->lock);
	entry = xa_load(&map->pages, vmf->pgoff);
	if (xa_is_value(entry)) {
		/* device memory: uncached where its driver said so */
		prot = vmf->vma->vm_page_prot;
		if (xa_get_mark(&map->pages, vmf->pgoff, NETSTATS_MAP_UNCACHED))
			prot = pgprot_noncached(prot);
		ret = vmf_insert_pfn_prot(vmf->vma, vmf->address,
					  xa_to_value(entry), prot);
		mutex_unlock(&map->lock);
		return ret;
	}
	page = entry;
	if (!page && netstats_map_sparse(map, vmf->pgoff))
		page = ZERO_PAGE(0);
	if (page)
		ret = vmf_insert_pfn(vmf->vma, vmf->address, page_to_pfn(page));
	mutex_unlock(&map->lock);

	return ret;
}

/* A registration's range is mapped whole or not at all. */
static int netstats_map_may_split(struct vm_area_struct *vma,
				  unsigned long addr)
{
	return -EINVAL;
}

static const struct vm_operations_struct netstats_map_vmops = {
	.fault		= netstats_map_fault,
	.may_split	= netstats_map_may_split,
};

static int netstats_map_mmap(struct file *file, struct vm_area_struct *vma)
{
	if (vma->vm_flags & (VM_WRITE | VM_EXEC))
		return -EPERM;

	/* Read-only for good (mprotect() cannot add write or exec), not
	 * inherited by fork(), no GUP (VM_IO | VM_PFNMAP), not in core dumps.
	 */
	vm_flags_clear(vma, VM_MAYWRITE | VM_MAYEXEC);
	vm_flags_set(vma, VM_PFNMAP | VM_IO | VM_DONTEXPAND | VM_DONTDUMP |
		     VM_DONTCOPY);
	vma->vm_ops = &netstats_map_vmops;
	return 0;
}

static void netstats_map_free(struct netstats_map *map)
{
	struct netstats_map_sparse *r, *tmp;
	struct page *page;
	unsigned long idx;

	list_for_each_entry_safe(r, tmp, &map->sparse, node)
		kfree(r);

	xa_for_each_marked(&map->pages, idx, page, NETSTATS_MAP_OWNED) {
		__free_page(page);
		atomic_long_dec(&netstats_nr_snapshots);
	}
	xa_for_each(&map->spares, idx, page)
		__free_page(page);
	atomic_long_dec(&netstats_nr_maps);
	xa_destroy(&map->spares);
	xa_destroy(&map->pages);
	mutex_destroy(&map->lock);
	kfree(map);
}

void netstats_map_put(struct netstats_map *map)
{
	if (map && refcount_dec_and_test(&map->refcnt))
		netstats_map_free(map);
}

static int netstats_map_release(struct inode *inode, struct file *file)
{
	netstats_map_put(file->private_data);
	return 0;
}

static const struct file_operations netstats_map_fops = {
	.owner		= THIS_MODULE,
	.mmap		= netstats_map_mmap,
	.release	= netstats_map_release,
};

static atomic64_t netstats_map_ids = ATOMIC64_INIT(0);

/**
 * netstats_map_create() - create the map file of a netlink socket
 *
 * Return: the map with one reference for the caller and one held by its
 * file (dropped when the last fd and mapping of the file are gone).  The
 * caller also owns the file reference in @map->file: it drops both when
 * the netlink socket goes.
 */
struct netstats_map *netstats_map_create(void)
{
	struct netstats_map *map;
	struct file *file;

	map = kzalloc(sizeof(*map), GFP_KERNEL_ACCOUNT);
	if (!map)
		return ERR_PTR(-ENOMEM);
	refcount_set(&map->refcnt, 2);
	atomic_long_inc(&netstats_nr_maps);
	map->id = atomic64_inc_return(&netstats_map_ids);
	mutex_init(&map->lock);
	xa_init(&map->pages);
	xa_init(&map->spares);
	INIT_LIST_HEAD(&map->sparse);

	file = anon_inode_create_getfile("[netstats]", &netstats_map_fops,
					 map, O_RDONLY, NULL);
	if (IS_ERR(file)) {
		netstats_map_free(map);
		return ERR_CAST(file);
	}
	map->file = file;
	return map;
}

static int __netstats_map_add(struct netstats_map *map, struct page **pages,
			      unsigned int npages, unsigned long *pgoff,
			      bool spares)
{
	struct page *spare;
	unsigned int i;
	int err = 0;

	mutex_lock(&map->lock);
	*pgoff = map->next_pgoff;
	for (i = 0; i < npages; i++) {
		if (spares) {
			spare = alloc_page(GFP_KERNEL_ACCOUNT);
			if (!spare) {
				err = -ENOMEM;
				break;
			}
			err = xa_insert(&map->spares, *pgoff + i, spare,
					GFP_KERNEL_ACCOUNT);
			if (err) {
				__free_page(spare);
				break;
			}
		}
		err = xa_insert(&map->pages, *pgoff + i, pages[i],
				GFP_KERNEL_ACCOUNT);
		if (err) {
			if (spares)
				__free_page(xa_erase(&map->spares, *pgoff + i));
			break;
		}
	}
	if (err) {
		while (i--) {
			xa_erase(&map->pages, *pgoff + i);
			if (spares)
				__free_page(xa_erase(&map->spares, *pgoff + i));
		}
	} else {
		map->next_pgoff += npages;
	}
	mutex_unlock(&map->lock);

	return err;
}

/**
 * netstats_map_add() - back a new range of the map file with @pages
 * @map: the map
 * @pages: the pages, in range order; they stay owned by the caller, who
 *	must remove or snapshot the range before freeing them
 * @npages: number of pages
 * @pgoff: the first page offset of the range, on success
 *
 * Also allocates, charged to the caller, the pages a snapshot of the
 * range will take.  Called in the registrant's context.
 *
 * Return: 0 or -errno.
 */
int netstats_map_add(struct netstats_map *map, struct page **pages,
		     unsigned int npages, unsigned long *pgoff)
{
	return __netstats_map_add(map, pages, npages, pgoff, true);
}

/**
 * netstats_map_add_pfn() - back a new two-page range with @first and a page
 *	of device memory
 * @map: the map
 * @first: the range's first page (the block header), the caller's
 * @pfn: the device page: counters only, no read side effects; it stays
 *	the device's until the caller snapshots or removes the range
 * @uncached: map it uncached (MMIO); else with the mapping's protection
 * @pgoff: the first page offset of the range, on success
 *
 * The device page's snapshot is not copied by netstats_map_snapshot():
 * its fixup fills the copy (idx 1), from a mapping of the caller's, with
 * memcpy_fromio() for MMIO.
 *
 * Return: 0 or -errno.
 */
int netstats_map_add_pfn(struct netstats_map *map, struct page *first,
			 unsigned long pfn, bool uncached, unsigned long *pgoff)
{
	struct page *pages[2] = { first, xa_mk_value(pfn) };
	int err;

	if (pfn > LONG_MAX)
		return -EINVAL;
	err = __netstats_map_add(map, pages, 2, pgoff, true);
	if (!err && uncached) {
		mutex_lock(&map->lock);
		xa_set_mark(&map->pages, *pgoff + 1, NETSTATS_MAP_UNCACHED);
		mutex_unlock(&map->lock);
	}
	return err;
}

/**
 * netstats_map_add_live() - back a new one-page range with @page, which
 *	is never snapshotted (a derived block dies in place)
 * @map: the map
 * @page: the page; the caller removes the range before freeing it
 * @pgoff: the page offset of the range, on success
 *
 * Return: 0 or -errno.
 */
int netstats_map_add_live(struct netstats_map *map, struct page *page,
			  unsigned long *pgoff)
{
	return __netstats_map_add(map, &page, 1, pgoff, false);
}

/**
 * netstats_map_reserve() - reserve a sparse range of the map file
 * @map: the map
 * @npages: number of pages
 * @pgoff: the first page offset of the range, on success
 *
 * The range starts empty: its pages read as zeroes until
 * netstats_map_set() backs them.  For groups whose objects come and go
 * while the range is mapped (directories).
 *
 * Return: 0 or -ENOMEM.
 */
int netstats_map_reserve(struct netstats_map *map, unsigned long npages,
			 unsigned long *pgoff)
{
	struct netstats_map_sparse *r;

	r = kmalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		return -ENOMEM;
	mutex_lock(&map->lock);
	r->pgoff = map->next_pgoff;
	r->npages = npages;
	list_add(&r->node, &map->sparse);
	map->next_pgoff += npages;
	*pgoff = r->pgoff;
	mutex_unlock(&map->lock);
	return 0;
}

static void netstats_map_zap(struct netstats_map *map, unsigned long pgoff,
			     unsigned int npages)
{
	lockdep_assert_held(&map->lock);

	unmap_mapping_range(map->file->f_mapping, (loff_t)pgoff << PAGE_SHIFT,
			    (loff_t)npages << PAGE_SHIFT, 1);
}

/**
 * netstats_map_snapshot() - replace a range by private copies of its pages
 * @map: the map
 * @pgoff: first page offset of the range
 * @npages: number of pages
 * @fixup: called on each copy, with the page's index in the range, before
 *	it becomes visible (to mark the block dead); may be NULL
 * @arg: passed to @fixup
 *
 * Readers refault onto the copies, which hold the values the live pages
 * held at the time of the call.  Once this returns, no mapping of this
 * map refers to the live pages any more.  The copies are the pages
 * netstats_map_add() set aside: nothing is allocated here.
 */
void netstats_map_snapshot(struct netstats_map *map, unsigned long pgoff,
			   unsigned int npages,
			   void (*fixup)(void *page_addr, unsigned int idx,
					 void *arg),
			   void *arg)
{
	struct page *live, *copy;
	unsigned int i;

	mutex_lock(&map->lock);
	for (i = 0; i < npages; i++) {
		live = xa_load(&map->pages, pgoff + i);
		if (!live || xa_get_mark(&map->pages, pgoff + i,
					 NETSTATS_MAP_OWNED))
			continue;
		copy = xa_erase(&map->spares, pgoff + i);
		if (WARN_ON_ONCE(!copy)) {
			/* Not a netstats_map_add() range: readers fault. */
			xa_erase(&map->pages, pgoff + i);
			continue;
		}
		/* Device memory: the fixup copies it. */
		if (xa_is_value(live))
			xa_clear_mark(&map->pages, pgoff + i,
				      NETSTATS_MAP_UNCACHED);
		else
			copy_highpage(copy, live);
		if (fixup)
			fixup(page_address(copy), i, arg);
		xa_store(&map->pages, pgoff + i, copy, GFP_KERNEL);
		xa_set_mark(&map->pages, pgoff + i, NETSTATS_MAP_OWNED);
		atomic_long_inc(&netstats_nr_snapshots);
	}
	netstats_map_zap(map, pgoff, npages);
	mutex_unlock(&map->lock);
}

/**
 * netstats_map_set() - back, rebase or empty one page of a range
 * @map: the map
 * @pgoff: the page offset, in a range from netstats_map_reserve(), or a
 *	live page of a netstats_map_add() range (the page set aside for its
 *	snapshot stays)
 * @page: the page, owned by the caller (who calls this with NULL before
 *	freeing it), or NULL: the offset reads as zeroes again
 *
 * Readers refault onto the new page.  A snapshot is left as it is.
 *
 * Return: 0 (always, when @pgoff is backed already), -EBUSY for a
 * snapshot, or -ENOMEM.
 */
int netstats_map_set(struct netstats_map *map, unsigned long pgoff,
		     struct page *page)
{
	int err = 0;

	mutex_lock(&map->lock);
	if (xa_get_mark(&map->pages, pgoff, NETSTATS_MAP_OWNED))
		err = -EBUSY;
	else if (page)
		err = xa_err(xa_store(&map->pages, pgoff, page,
				      GFP_KERNEL_ACCOUNT));
	else
		xa_erase(&map->pages, pgoff);
	if (!err)
		netstats_map_zap(map, pgoff, 1);
	mutex_unlock(&map->lock);
	return err;
}

/**
 * netstats_map_remove() - stop backing a range of the map file
 * @map: the map
 * @pgoff: first page offset of the range
 * @npages: number of pages
 *
 * A reader that still has the range mapped gets SIGBUS on its next
 * access: UNREGISTER is the reader's own request.
 */
void netstats_map_remove(struct netstats_map *map, unsigned long pgoff,
			 unsigned int npages)
{
	struct netstats_map_sparse *r;
	struct page *page;
	unsigned long idx;

	mutex_lock(&map->lock);
	/* Zap first: faults wait for the lock, so no PTE to a page of the
	 * range exists once the pages are erased and the copies freed.
	 */
	netstats_map_zap(map, pgoff, npages);
	list_for_each_entry(r, &map->sparse, node) {
		if (r->pgoff == pgoff) {
			list_del(&r->node);
			kfree(r);
			break;
		}
	}
	xa_for_each_range(&map->spares, idx, page, pgoff, pgoff + npages - 1) {
		xa_erase(&map->spares, idx);
		__free_page(page);
	}
	xa_for_each_range(&map->pages, idx, page, pgoff, pgoff + npages - 1) {
		bool owned = xa_get_mark(&map->pages, idx, NETSTATS_MAP_OWNED);

		xa_erase(&map->pages, idx);
		if (owned) {
			__free_page(page);
			atomic_long_dec(&netstats_nr_snapshots);
		}
	}
	mutex_unlock(&map->lock);
}
