/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The exporter's web side, as the Prometheus exporters have it: listen
 * addresses (--web.listen-address), the web configuration file of the
 * exporter-toolkit (--web.config.file: TLS, basic authentication) and an
 * HTTP server, libmicrohttpd, run from the exporter's own poll loop.
 */
#ifndef __NETSTATS_EXPORTER_WEB_H
#define __NETSTATS_EXPORTER_WEB_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "prom.h"

#define WEB_METRICS_PATH	"/metrics"
#define WEB_METRICS_TYPE	"text/plain; version=0.0.4; charset=utf-8"
#define WEB_MAX_LISTEN		16
#define WEB_LISTEN_FORMS	"HOST:PORT, [IPV6]:PORT or :PORT"

/* A user and its bcrypt hash ($2a$, $2b$ or $2y$), or a header. */
struct web_pair {
	char *name;
	char *value;
};

/* --web.config.file, loaded: the files it names are read in memory. */
struct web_config {
	char *cert_pem;		/* NULL: plain HTTP */
	char *key_pem;
	char *priorities;	/* GnuTLS priority string, NULL: default */
	size_t user_cnt;
	struct web_pair *users;
	size_t header_cnt;
	struct web_pair *headers;
};

int web_parse_listen(const char *str, struct sockaddr_storage *ss,
		     socklen_t *len);
int web_config_load(struct web_config *cfg, const char *path, char *err,
		    size_t err_size);
void web_config_free(struct web_config *cfg);
bool web_auth_check(const struct web_config *cfg, const char *user,
		    const char *password);

/* Routes, for web_route(). */
enum web_route {
	WEB_ROUTE_METRICS,
	WEB_ROUTE_LANDING,
	WEB_ROUTE_NOT_FOUND,
	WEB_ROUTE_BAD_METHOD,
};

enum web_route web_route(const char *method, const char *url,
			 const char *metrics_path);

/*
 * What the server asks of the exporter: the exposition into @b (@count:
 * a GET, not a HEAD), 0 or -ENOMEM; the count of a failed request; the
 * work left for after the requests of one turn of the loop (called after
 * every wake-up, timeouts included); and, if @watch is set, @watch_fd
 * polled with the listeners (@watch called when it is readable) and a
 * deadline, @timeout_ms (milliseconds from now, -1: none), the loop
 * wakes up at.
 */
struct web_ops {
	int (*render)(void *ctx, struct exp_buf *b, bool count);
	void (*http_error)(void *ctx);
	void (*after)(void *ctx);
	void (*watch)(void *ctx);
	int (*timeout_ms)(void *ctx);
	int watch_fd;
	void *ctx;
};

struct web_server;

struct web_server *web_server_new(const struct web_config *cfg,
				  const struct web_ops *ops,
				  const char *metrics_path,
				  unsigned int timeout_s);
int web_server_listen(struct web_server *s, const char *addr);
int web_server_start(struct web_server *s);
int web_server_port(const struct web_server *s, size_t i);
int web_server_serve(struct web_server *s, int stop_fd);
void web_server_free(struct web_server *s);

#endif /* __NETSTATS_EXPORTER_WEB_H */
