// SPDX-License-Identifier: GPL-2.0
/*
 * Prometheus text exposition format 0.0.4 (the format of
 * https://prometheus.io/docs/instrumenting/exposition_formats/).
 */
#include <stdlib.h>
#include <string.h>

#include "prom.h"

#define EXP_BUF_MIN	(64 * 1024)

void exp_buf_reset(struct exp_buf *b)
{
	b->len = 0;
	b->oom = false;
}

void exp_buf_free(struct exp_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->oom = false;
}

/* Makes room for @len more bytes; 0 or -1 (and @oom set). */
int exp_buf_reserve(struct exp_buf *b, size_t len)
{
	size_t cap;
	char *p;

	if (b->oom)
		return -1;
	if (len <= b->cap - b->len)
		return 0;
	cap = b->cap ? b->cap : EXP_BUF_MIN;
	while (cap - b->len < len) {
		if (cap > SIZE_MAX / 2)
			goto oom;
		cap *= 2;
	}
	p = realloc(b->data, cap);
	if (!p)
		goto oom;
	b->data = p;
	b->cap = cap;
	return 0;
oom:
	b->oom = true;
	return -1;
}

void exp_buf_add(struct exp_buf *b, const void *s, size_t len)
{
	if (exp_buf_reserve(b, len))
		return;
	memcpy(b->data + b->len, s, len);
	b->len += len;
}

void exp_buf_puts(struct exp_buf *b, const char *s)
{
	exp_buf_add(b, s, strlen(s));
}

void exp_buf_putc(struct exp_buf *b, char c)
{
	exp_buf_add(b, &c, 1);
}

void exp_buf_put_u64(struct exp_buf *b, uint64_t v)
{
	char tmp[20];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = '0' + v % 10;
		v /= 10;
	} while (v);
	exp_buf_add(b, tmp + i, sizeof(tmp) - i);
}

static bool prom_lower(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool prom_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

/**
 * prom_metric_name() - build a metric name from free-form parts
 * @parts: e.g. { "netstats", "core/page_pool", "alloc_fast" }
 * @cnt: number of @parts
 * @counter: the metric is a counter: its name ends in "_total"
 *
 * Names are snake_case: an upper case letter that follows a lower case
 * letter or a digit starts a new word ("InReceives" -> "in_receives",
 * "OutRSTs" -> "out_rsts"), and every run of characters other than
 * [a-zA-Z0-9] becomes one '_'. The parts are joined with '_' and parts
 * left empty are dropped. The result only holds [a-z0-9_]: the ':' the
 * format allows is reserved for recording rules. A counter gets the
 * "_total" suffix unless its name already ends in it.
 *
 * Return: the name (free() it), or NULL if out of memory or the name
 * would be empty or start with a digit.
 */
char *prom_metric_name(const char *const *parts, size_t cnt, bool counter)
{
	static const char total[] = "_total";
	size_t i, len = sizeof(total);
	bool sep = false;
	const char *s;
	char *name, *p;

	for (i = 0; i < cnt; i++)
		len += 2 * strlen(parts[i]) + 1;
	name = malloc(len);
	if (!name)
		return NULL;
	p = name;
	for (i = 0; i < cnt; i++) {
		for (s = parts[i]; *s; s++) {
			if (!prom_lower(*s) && !prom_upper(*s)) {
				sep = true;
				continue;
			}
			if (prom_upper(*s) && s > parts[i] && prom_lower(s[-1]))
				sep = true;
			if (sep && p != name)
				*p++ = '_';
			sep = false;
			*p++ = prom_upper(*s) ? *s - 'A' + 'a' : *s;
		}
		sep = true;
	}
	*p = '\0';
	if (p == name || (name[0] >= '0' && name[0] <= '9')) {
		free(name);
		return NULL;
	}
	len = p - name;
	if (counter && (len < sizeof(total) - 1 ||
			strcmp(p - (sizeof(total) - 1), total)))
		memcpy(p, total, sizeof(total));
	return name;
}

/* Length of the valid UTF-8 sequence at @s, 0 if it is not one. */
static size_t prom_utf8_len(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	/* No overlong forms, surrogates or code points above U+10FFFF. */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/*
 * The exposition is UTF-8: an invalid byte becomes U+FFFD. Backslash and
 * line feed are escaped, and the double quote too in label values.
 */
static void prom_put_escaped(struct exp_buf *b, const char *str, bool quote)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n;

	while (*s) {
		if (*s == '\\') {
			exp_buf_add(b, "\\\\", 2);
		} else if (*s == '\n') {
			exp_buf_add(b, "\\n", 2);
		} else if (*s == '"' && quote) {
			exp_buf_add(b, "\\\"", 2);
		} else {
			n = prom_utf8_len(s);
			if (n) {
				exp_buf_add(b, s, n);
				s += n;
				continue;
			}
			exp_buf_add(b, "\xef\xbf\xbd", 3);
		}
		s++;
	}
}

void prom_put_help(struct exp_buf *b, const char *name, const char *help)
{
	exp_buf_puts(b, "# HELP ");
	exp_buf_puts(b, name);
	exp_buf_putc(b, ' ');
	prom_put_escaped(b, help, false);
	exp_buf_putc(b, '\n');
}

void prom_put_type(struct exp_buf *b, const char *name, bool counter)
{
	exp_buf_puts(b, "# TYPE ");
	exp_buf_puts(b, name);
	exp_buf_puts(b, counter ? " counter\n" : " gauge\n");
}

void prom_put_label_value(struct exp_buf *b, const char *value)
{
	exp_buf_putc(b, '"');
	prom_put_escaped(b, value, true);
	exp_buf_putc(b, '"');
}

/* Writes {a="x",b="y"}, or nothing if @cnt is 0. */
void prom_put_labels(struct exp_buf *b, const struct prom_label *labels,
		     size_t cnt)
{
	size_t i;

	if (!cnt)
		return;
	exp_buf_putc(b, '{');
	for (i = 0; i < cnt; i++) {
		if (i)
			exp_buf_putc(b, ',');
		exp_buf_puts(b, labels[i].name);
		exp_buf_putc(b, '=');
		prom_put_label_value(b, labels[i].value);
	}
	exp_buf_putc(b, '}');
}

/* @labels: formatted by prom_put_labels(), or "". */
void prom_put_sample(struct exp_buf *b, const char *name, const char *labels,
		     uint64_t value)
{
	exp_buf_puts(b, name);
	exp_buf_puts(b, labels);
	exp_buf_putc(b, ' ');
	exp_buf_put_u64(b, value);
	exp_buf_putc(b, '\n');
}

/* A sample whose value is already formatted, e.g. "0.000125". */
void prom_put_sample_str(struct exp_buf *b, const char *name,
			 const char *labels, const char *value)
{
	exp_buf_puts(b, name);
	exp_buf_puts(b, labels);
	exp_buf_putc(b, ' ');
	exp_buf_puts(b, value);
	exp_buf_putc(b, '\n');
}
