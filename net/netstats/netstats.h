/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * netstats core internals: the map file of a netlink socket.
 */
#ifndef _NET_NETSTATS_NETSTATS_H
#define _NET_NETSTATS_NETSTATS_H

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/xarray.h>
#include <net/netstats.h>

/**
 * struct netstats_map - the map file of one netlink socket
 * @refcnt: one reference for the netlink socket, one for the open file
 * @lock: protects @pages and @next_pgoff, and serialises page faults with
 *	page replacement, so that no PTE ever points to a page once it is
 *	replaced
 * @pages: page offset in the file -> the page backing it; pages marked
 *	%NETSTATS_MAP_OWNED (snapshots) belong to the map; a value entry
 *	(xa_mk_value()) is the PFN of device memory (netstats_map_add_pfn()),
 *	marked %NETSTATS_MAP_UNCACHED if it is mapped uncached
 * @spares: page offset -> the page a snapshot of that page will take,
 *	allocated with the range by the registrant (netstats_map_add()), so
 *	that an object's death allocates nothing
 * @next_pgoff: first page offset never handed out; offsets are not reused
 * @sparse: ranges whose missing pages read as zeroes
 * @id: unique, never reused (netstats_reg::owner_id)
 * @file: the anon inode file; its own inode, so zapping a range of it
 *	touches only this map's mappings
 * @owner_gone: the netlink socket is being released; its port id may name
 *	another socket already, which notifications must not reach
 */
struct netstats_map {
	refcount_t refcnt;
	/* pages and next_pgoff; faults vs. page replacement */
	struct mutex lock;
	struct xarray pages;
	struct xarray spares;
	unsigned long next_pgoff;
	struct list_head sparse;
	u64 id;
	struct file *file;
	bool owner_gone;
};

#define NETSTATS_MAP_OWNED	XA_MARK_0
#define NETSTATS_MAP_UNCACHED	XA_MARK_1

extern atomic_long_t netstats_nr_regs;
extern atomic_long_t netstats_nr_blocks;
extern atomic_long_t netstats_nr_maps;
extern atomic_long_t netstats_nr_snapshots;
extern atomic_long_t netstats_row_bytes;
extern atomic_long_t netstats_dir_bytes;
extern atomic_long_t netstats_dir_blocks;
extern atomic_long_t netstats_nr_derived;
extern atomic_long_t netstats_nr_refreshers;

struct netstats_map *netstats_map_create(void);
void netstats_map_put(struct netstats_map *map);
int netstats_map_add_live(struct netstats_map *map, struct page *page,
			  unsigned long *pgoff);

#endif /* _NET_NETSTATS_NETSTATS_H */
