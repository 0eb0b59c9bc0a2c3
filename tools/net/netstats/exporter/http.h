/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The little of HTTP/1.x that a metrics endpoint needs: parse a request
 * head, route it, format a response head.
 */
#ifndef __NETSTATS_EXPORTER_HTTP_H
#define __NETSTATS_EXPORTER_HTTP_H

#include <stddef.h>
#include <sys/socket.h>

#define HTTP_METRICS_PATH	"/metrics"
#define HTTP_METRICS_TYPE	"text/plain; version=0.0.4; charset=utf-8"

enum http_method {
	HTTP_GET,
	HTTP_HEAD,
	HTTP_OTHER,
};

struct http_request {
	enum http_method method;
	const char *path;	/* into the parsed buffer, without the query */
	size_t path_len;
	int minor;		/* HTTP/1.<minor> */
	size_t head_len;	/* bytes up to and with the empty line */
};

int http_parse_request(const char *buf, size_t len, size_t cap,
		       struct http_request *req);
int http_route(const struct http_request *req);
const char *http_reason(int status);
int http_format_head(char *buf, size_t size, int status, const char *type,
		     size_t content_len);
int http_parse_addr(const char *str, struct sockaddr_storage *ss,
		    socklen_t *len);

#endif /* __NETSTATS_EXPORTER_HTTP_H */
