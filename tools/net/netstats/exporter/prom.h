/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Prometheus text exposition format 0.0.4: metric names, escaping and
 * sample lines, written into a growable buffer.
 */
#ifndef __NETSTATS_EXPORTER_PROM_H
#define __NETSTATS_EXPORTER_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Output buffer. exp_buf_reset() keeps the memory, so a buffer that has
 * grown once is written again without allocating. An append that cannot
 * grow the buffer sets @oom and is dropped; so are all later appends
 * until the next reset.
 */
struct exp_buf {
	char *data;
	size_t len;
	size_t cap;
	bool oom;
};

void exp_buf_reset(struct exp_buf *b);
void exp_buf_free(struct exp_buf *b);
int exp_buf_reserve(struct exp_buf *b, size_t len);
void exp_buf_add(struct exp_buf *b, const void *s, size_t len);
void exp_buf_puts(struct exp_buf *b, const char *s);
void exp_buf_putc(struct exp_buf *b, char c);
void exp_buf_put_u64(struct exp_buf *b, uint64_t v);

/* A label of a sample: @name must already be a valid label name. */
struct prom_label {
	const char *name;
	const char *value;
};

char *prom_metric_name(const char *const *parts, size_t cnt, bool counter);
void prom_put_help(struct exp_buf *b, const char *name, const char *help);
void prom_put_type(struct exp_buf *b, const char *name, bool counter);
void prom_put_label_value(struct exp_buf *b, const char *value);
void prom_put_labels(struct exp_buf *b, const struct prom_label *labels,
		     size_t cnt);
void prom_put_sample(struct exp_buf *b, const char *name, const char *labels,
		     uint64_t value);
void prom_put_sample_str(struct exp_buf *b, const char *name,
			 const char *labels, const char *value);

#endif /* __NETSTATS_EXPORTER_PROM_H */
