// SPDX-License-Identifier: GPL-2.0
/*
 * Listen addresses, the exporter-toolkit web configuration file and the
 * HTTP(S) server of netstats-exporter.
 *
 * The server is libmicrohttpd (with GnuTLS for TLS), one daemon per
 * listen address, each in epoll mode without a thread of its own: the
 * exporter's poll loop waits on their epoll descriptors and runs them, so
 * that every request is served by the one thread, in turn, and the scrape
 * path needs no lock. The listen sockets are made by the exporter (before
 * it drops its capabilities) and handed over.
 */
#define MHD_NO_DEPRECATION	/* the 0.9.75 API of Debian 12, also on 1.0 */
#include <arpa/inet.h>
#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "web.h"

#define WEB_NAME		"netstats-exporter"
#define WEB_MAX_CONNS		256
#define WEB_MAX_FILE		(1024 * 1024)
#define WEB_REALM		"netstats-exporter"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif

/* --- listen addresses ---------------------------------------------------- */

/**
 * web_parse_listen() - parse a --web.listen-address
 * @str: "HOST:PORT", "[IPV6]:PORT" or ":PORT" (every address: "[::]",
 *	which also takes IPv4 unless net.ipv6.bindv6only is set, or
 *	0.0.0.0 where there is no IPv6). HOST is an address or a name,
 *	resolved to its first address.
 * @ss: the socket address
 * @len: its length
 *
 * Return: 0, or -EINVAL if @str is not such an address.
 */
int web_parse_listen(const char *str, struct sockaddr_storage *ss,
		     socklen_t *len)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM };
	const char *colon, *port;
	bool v6 = str[0] == '[';
	struct addrinfo *ai;
	char host[256];
	unsigned long p;
	size_t hlen;
	char *end;

	memset(ss, 0, sizeof(*ss));
	if (v6) {
		colon = strchr(str, ']');
		if (!colon || colon[1] != ':')
			return -EINVAL;
		port = colon + 2;
		str++;
	} else {
		colon = strrchr(str, ':');
		if (!colon || memchr(str, ':', colon - str))
			return -EINVAL;
		port = colon + 1;
	}
	hlen = colon - str;
	if ((v6 && !hlen) || hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, str, hlen);
	host[hlen] = '\0';

	if (port[0] < '0' || port[0] > '9')
		return -EINVAL;
	errno = 0;
	p = strtoul(port, &end, 10);
	if (errno || *end || p > 65535)
		return -EINVAL;

	if (!hlen || v6) {
		if (hlen && inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return -EINVAL;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(p);
		*len = sizeof(*sin6);
		return 0;
	}
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(p);
		*len = sizeof(*sin);
		return 0;
	}
	/* A name: its first address, as Go's net.Listen() takes it. */
	if (strspn(host, "0123456789.") == hlen ||
	    getaddrinfo(host, NULL, &hints, &ai))
		return -EINVAL;
	if (ai->ai_addrlen > sizeof(*ss)) {
		freeaddrinfo(ai);
		return -EINVAL;
	}
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	sin->sin_port = htons(p);	/* same place in both families */
	return 0;
}

/* --- the web configuration file ------------------------------------------ */

struct web_yaml {
	yaml_document_t doc;
	const char *dir;	/* of the file: relative paths are from there */
	char *err;
	size_t err_size;
};

static int web_err(struct web_yaml *y, const yaml_node_t *n,
		   const char *fmt, ...)
{
	size_t off = 0;
	va_list ap;

	if (n)
		off = snprintf(y->err, y->err_size, "line %zu: ",
			       n->start_mark.line + 1);
	if (off >= y->err_size)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(y->err + off, y->err_size - off, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static const char *web_scalar(const yaml_node_t *n)
{
	if (!n || n->type != YAML_SCALAR_NODE)
		return NULL;
	return (const char *)n->data.scalar.value;
}

/* A scalar that is null: "", "~" or "null" written plain. */
static bool web_null(const yaml_node_t *n)
{
	const char *s = web_scalar(n);

	return s && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (!s[0] || !strcmp(s, "~") || !strcmp(s, "null"));
}

static int web_read_file(struct web_yaml *y, const yaml_node_t *n,
			 const char *path, char **out)
{
	char *full = NULL, *buf = NULL;
	struct stat st;
	ssize_t r;
	size_t got = 0;
	int fd, err;

	if (path[0] != '/' && asprintf(&full, "%s/%s", y->dir, path) < 0)
		return web_err(y, n, "out of memory");
	fd = open(full ? full : path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = web_err(y, n, "%s: %s", full ? full : path,
			      strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) || st.st_size > WEB_MAX_FILE) {
		err = web_err(y, n, "%s: not a file of at most 1 MiB",
			      full ? full : path);
		goto out;
	}
	buf = malloc(st.st_size + 1);
	if (!buf) {
		err = web_err(y, n, "out of memory");
		goto out;
	}
	while (got < (size_t)st.st_size) {
		r = read(fd, buf + got, st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			err = web_err(y, n, "%s: short read", full ? full : path);
			goto out;
		}
		got += r;
	}
	buf[got] = '\0';
	*out = buf;
	buf = NULL;
	err = 0;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	free(full);
	return err;
}

/* Calls @fn for each key and value of the mapping @n. */
static int web_map(struct web_yaml *y, const yaml_node_t *n, const char *what,
		   int (*fn)(struct web_yaml *y, const char *key,
			     yaml_node_t *val, void *ctx),
		   void *ctx)
{
	yaml_node_pair_t *p;
	const char *key;
	int err;

	if (web_null(n))
		return 0;
	if (n->type != YAML_MAPPING_NODE)
		return web_err(y, n, "%s: not a mapping", what);
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		key = web_scalar(yaml_document_get_node(&y->doc, p->key));
		if (!key)
			return web_err(y, n, "%s: a key is not a string", what);
		err = fn(y, key, yaml_document_get_node(&y->doc, p->value),
			 ctx);
		if (err)
			return err;
	}
	return 0;
}

struct web_tls {
	struct web_config *cfg;
	const char *min, *max;
	const yaml_node_t *node;
};

static int web_tls_key(struct web_yaml *y, const char *key, yaml_node_t *v,
		       void *ctx)
{
	struct web_tls *t = ctx;
	const char *s = web_scalar(v);

	if (!s && !web_null(v))
		return web_err(y, v, "tls_server_config: %s: not a string", key);
	if (web_null(v))
		return 0;
	if (!strcmp(key, "cert_file"))
		return web_read_file(y, v, s, &t->cfg->cert_pem);
	if (!strcmp(key, "key_file"))
		return web_read_file(y, v, s, &t->cfg->key_pem);
	if (!strcmp(key, "min_version")) {
		t->min = s;
		return 0;
	}
	if (!strcmp(key, "max_version")) {
		t->max = s;
		return 0;
	}
	/* What GnuTLS does by default, or what only Go has. */
	if (!strcmp(key, "client_auth_type") && !strcmp(s, "NoClientCert"))
		return 0;
	if (!strcmp(key, "prefer_server_cipher_suites"))
		return 0;
	return web_err(y, v, "tls_server_config: %s: not supported", key);
}

static const char *const web_tls_versions[] = {
	"TLS10", "TLS11", "TLS12", "TLS13",
};

static int web_tls_version(const char *s)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(web_tls_versions); i++)
		if (!strcmp(s, web_tls_versions[i]))
			return i;
	return -1;
}

/* min_version/max_version as a GnuTLS priority string. */
static int web_tls_priorities(struct web_yaml *y, struct web_tls *t)
{
	static const char *const prio[] = {
		"VERS-TLS1.0", "VERS-TLS1.1", "VERS-TLS1.2", "VERS-TLS1.3",
	};
	int min = 2, max = 3, i;	/* exporter-toolkit: TLS12 */
	char buf[128];
	size_t off;

	if (t->min)
		min = web_tls_version(t->min);
	if (min < 0)
		return web_err(y, t->node, "min_version: %s: not TLS10 to TLS13",
			       t->min);
	if (t->max)
		max = web_tls_version(t->max);
	if (max < 0)
		return web_err(y, t->node, "max_version: %s: not TLS10 to TLS13",
			       t->max);
	if (min > max)
		return web_err(y, t->node, "min_version above max_version");
	off = snprintf(buf, sizeof(buf), "NORMAL");
	for (i = 0; i < 4; i++)
		if (i < min || i > max)
			off += snprintf(buf + off, sizeof(buf) - off, ":-%s",
					prio[i]);
	t->cfg->priorities = strdup(buf);
	return t->cfg->priorities ? 0 : web_err(y, NULL, "out of memory");
}

static bool web_bcrypt(const char *h)
{
	return strlen(h) == 60 && h[0] == '$' && h[1] == '2' &&
	       (h[2] == 'a' || h[2] == 'b' || h[2] == 'y') && h[3] == '$';
}

/* Appends copies of @name and @value to the @cnt pairs at @pairs. */
static int web_pair_add(struct web_yaml *y, yaml_node_t *v,
			struct web_pair **pairs, size_t *cnt,
			const char *name, const char *value)
{
	struct web_pair *p = realloc(*pairs, (*cnt + 1) * sizeof(*p));

	if (!p)
		return web_err(y, v, "out of memory");
	*pairs = p;
	p = &p[*cnt];
	p->name = strdup(name);
	p->value = strdup(value);
	(*cnt)++;
	return p->name && p->value ? 0 : web_err(y, v, "out of memory");
}

static void web_pairs_free(struct web_pair *pairs, size_t cnt)
{
	size_t i;

	for (i = 0; i < cnt; i++) {
		free(pairs[i].name);
		free(pairs[i].value);
	}
	free(pairs);
}

static int web_user_key(struct web_yaml *y, const char *key, yaml_node_t *v,
			void *ctx)
{
	struct web_config *cfg = ctx;
	const char *s = web_scalar(v);
	size_t i;

	if (!s || !web_bcrypt(s))
		return web_err(y, v, "basic_auth_users: %s: %s", key,
			       "not a bcrypt hash ($2a$, $2b$ or $2y$, as htpasswd -B makes)");
	for (i = 0; i < cfg->user_cnt; i++)
		if (!strcmp(cfg->users[i].name, key))
			return web_err(y, v, "basic_auth_users: %s given twice",
				       key);
	if (!key[0] || strchr(key, ':'))
		return web_err(y, v, "basic_auth_users: invalid user name '%s'",
			       key);
	return web_pair_add(y, v, &cfg->users, &cfg->user_cnt, key, s);
}

static int web_header_key(struct web_yaml *y, const char *key,
			  yaml_node_t *v, void *ctx)
{
	struct web_config *cfg = ctx;
	const char *s = web_scalar(v);
	const char *c;

	if (!s)
		return web_err(y, v, "headers: %s: not a string", key);
	for (c = key; *c; c++)
		if (*c <= ' ' || *c >= 0x7f || *c == ':')
			return web_err(y, v, "headers: invalid name '%s'", key);
	for (c = s; *c; c++)
		if ((unsigned char)*c < ' ' && *c != '\t')
			return web_err(y, v, "headers: %s: invalid value", key);
	if (!key[0] || !strcasecmp(key, "Content-Type") ||
	    !strcasecmp(key, "Content-Length") ||
	    !strcasecmp(key, "WWW-Authenticate"))
		return web_err(y, v, "headers: %s: not settable", key);
	return web_pair_add(y, v, &cfg->headers, &cfg->header_cnt, key, s);
}

static int web_http_key(struct web_yaml *y, const char *key, yaml_node_t *v,
			void *ctx)
{
	if (!strcmp(key, "headers"))
		return web_map(y, v, "headers", web_header_key, ctx);
	/* Served over HTTP/1.1 only: "http2: false" asks for no more. */
	if (!strcmp(key, "http2"))
		return 0;
	return web_err(y, v, "http_server_config: %s: not supported", key);
}

static int web_top_key(struct web_yaml *y, const char *key, yaml_node_t *v,
		       void *ctx)
{
	struct web_config *cfg = ctx;
	struct web_tls t = { .cfg = cfg, .node = v };
	int err;

	if (!strcmp(key, "tls_server_config")) {
		err = web_map(y, v, key, web_tls_key, &t);
		if (err)
			return err;
		if (!cfg->cert_pem && !cfg->key_pem)
			return 0;
		if (!cfg->cert_pem || !cfg->key_pem)
			return web_err(y, v, "tls_server_config: %s",
				       "cert_file and key_file go together");
		return web_tls_priorities(y, &t);
	}
	if (!strcmp(key, "basic_auth_users"))
		return web_map(y, v, key, web_user_key, cfg);
	if (!strcmp(key, "http_server_config"))
		return web_map(y, v, key, web_http_key, cfg);
	return web_err(y, v, "%s: not a field of the web configuration", key);
}

/**
 * web_config_load() - read a web configuration file
 * @cfg: where it goes, zeroed by the caller; web_config_free() it also
 *	on failure
 * @path: the file, in the format of the Prometheus exporter-toolkit
 *	(tls_server_config: cert_file, key_file, min_version, max_version;
 *	basic_auth_users: user: bcrypt hash; http_server_config: headers)
 * @err: where a failure is described
 * @err_size: its size
 *
 * Files named relative are found from the file's directory, and read now.
 *
 * Return: 0, or a negative error code.
 */
int web_config_load(struct web_config *cfg, const char *path, char *err,
		    size_t err_size)
{
	struct web_yaml y = { .err = err, .err_size = err_size };
	yaml_parser_t parser;
	yaml_node_t *root;
	char *dir_buf;
	FILE *f;
	int ret;

	err[0] = '\0';
	f = fopen(path, "re");
	if (!f) {
		snprintf(err, err_size, "%s", strerror(errno));
		return -errno;
	}
	dir_buf = strdup(path);
	if (!dir_buf || !yaml_parser_initialize(&parser)) {
		fclose(f);
		free(dir_buf);
		snprintf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	y.dir = dirname(dir_buf);
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &y.doc)) {
		snprintf(err, err_size, "line %zu: %s",
			 parser.problem_mark.line + 1,
			 parser.problem ? parser.problem : "invalid YAML");
		yaml_parser_delete(&parser);
		fclose(f);
		free(dir_buf);
		return -EINVAL;
	}
	root = yaml_document_get_root_node(&y.doc);
	ret = root ? web_map(&y, root, "the file", web_top_key, cfg) : 0;
	yaml_document_delete(&y.doc);
	yaml_parser_delete(&parser);
	fclose(f);
	free(dir_buf);
	return ret;
}

void web_config_free(struct web_config *cfg)
{
	if (cfg->key_pem)
		explicit_bzero(cfg->key_pem, strlen(cfg->key_pem));
	free(cfg->key_pem);
	free(cfg->cert_pem);
	free(cfg->priorities);
	web_pairs_free(cfg->users, cfg->user_cnt);
	web_pairs_free(cfg->headers, cfg->header_cnt);
	memset(cfg, 0, sizeof(*cfg));
}

/**
 * web_auth_check() - check a user and password against the configuration
 * @cfg: the configuration; it must have users
 * @user: the user name the client sent, or NULL
 * @password: its password, or NULL
 *
 * An unknown user costs the same bcrypt computation as a known one, so
 * that the time of an answer does not tell which users exist.
 *
 * Return: whether the password is the user's.
 */
bool web_auth_check(const struct web_config *cfg, const char *user,
		    const char *password)
{
	/* bcrypt("", cost 10): for unknown users. */
	static const char dummy[] =
		"$2b$10$abcdefghijklmnopqrstuuvpgpUodkd.0A/oshvJvwYmaVqXmzF3G";
	static struct crypt_data cd;
	const char *hash = dummy, *got;
	unsigned char diff = 0;
	bool found = false;
	size_t i;

	for (i = 0; user && i < cfg->user_cnt; i++) {
		if (!strcmp(cfg->users[i].name, user)) {
			hash = cfg->users[i].value;
			found = true;
			break;
		}
	}
	memset(&cd, 0, sizeof(cd));
	got = crypt_r(password ? password : "", hash, &cd);
	if (!got || strlen(got) != strlen(hash))
		return false;
	for (i = 0; hash[i]; i++)
		diff |= got[i] ^ hash[i];
	return found && password && !diff;
}

/**
 * web_route() - what a request asks for
 * @method: its method
 * @url: its path, without the query string
 * @metrics_path: where the metrics are (--web.telemetry-path)
 *
 * Return: the route.
 */
enum web_route web_route(const char *method, const char *url,
			 const char *metrics_path)
{
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return WEB_ROUTE_BAD_METHOD;
	if (!strcmp(url, metrics_path))
		return WEB_ROUTE_METRICS;
	if (!strcmp(url, "/"))
		return WEB_ROUTE_LANDING;
	return WEB_ROUTE_NOT_FOUND;
}

/* --- the server ---------------------------------------------------------- */

struct web_listener {
	int fd;
	char *addr;		/* as given */
	struct MHD_Daemon *d;
	int epfd;
};

struct web_server {
	const struct web_config *cfg;
	struct web_ops ops;
	const char *metrics_path;
	unsigned int timeout_s;
	size_t cnt;
	struct web_listener l[WEB_MAX_LISTEN];
	struct exp_buf body;
};

static void web_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	fprintf(stderr, "%s: http: ", WEB_NAME);
	vfprintf(stderr, fmt, ap);
}

static void web_completed(void *cls, struct MHD_Connection *conn,
			  void **req_cls, enum MHD_RequestTerminationCode toe)
{
	struct web_server *s = cls;

	(void)conn;
	(void)req_cls;
	if (toe == MHD_REQUEST_TERMINATED_WITH_ERROR ||
	    toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ||
	    toe == MHD_REQUEST_TERMINATED_READ_ERROR)
		s->ops.http_error(s->ops.ctx);
}

static enum MHD_Result web_queue(struct web_server *s,
				 struct MHD_Connection *conn,
				 unsigned int status, const char *type,
				 const char *body, size_t len, bool auth_fail)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	size_t i;

	if (status >= 400)
		s->ops.http_error(s->ops.ctx);
	r = MHD_create_response_from_buffer(len, (void *)body,
					    MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type) !=
	    MHD_YES)
		goto err;
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED &&
	    MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD") !=
	    MHD_YES)
		goto err;
	for (i = 0; i < s->cfg->header_cnt; i++)
		if (MHD_add_response_header(r, s->cfg->headers[i].name,
					    s->cfg->headers[i].value) != MHD_YES)
			goto err;
	if (auth_fail)
		ret = MHD_queue_basic_auth_fail_response(conn, WEB_REALM, r);
	else
		ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
err:
	MHD_destroy_response(r);
	return MHD_NO;
}

static enum MHD_Result web_text(struct web_server *s,
				struct MHD_Connection *conn,
				unsigned int status, const char *text,
				bool auth_fail)
{
	return web_queue(s, conn, status, "text/plain; charset=utf-8", text,
			 strlen(text), auth_fail);
}

static const char web_landing[] =
	"<!DOCTYPE html>\n<html><head><title>netstats-exporter</title></head>\n"
	"<body><h1>netstats-exporter</h1>\n"
	"<p><a href=\"%s\">Metrics</a></p></body></html>\n";

static enum MHD_Result web_handler(void *cls, struct MHD_Connection *conn,
				   const char *url, const char *method,
				   const char *version, const char *upload,
				   size_t *upload_size, void **req_cls)
{
	struct web_server *s = cls;
	char *user, *pass = NULL;
	enum MHD_Result ret;
	char page[512];
	bool ok;
	int n;

	(void)version;
	(void)upload;
	/* Answered at the first call: a body, if any, is not read. */
	*upload_size = 0;
	*req_cls = s;

	if (s->cfg->user_cnt) {
		user = MHD_basic_auth_get_username_password(conn, &pass);
		ok = web_auth_check(s->cfg, user, pass);
		if (pass) {
			explicit_bzero(pass, strlen(pass));
			MHD_free(pass);
		}
		MHD_free(user);
		if (!ok)
			return web_text(s, conn, MHD_HTTP_UNAUTHORIZED,
					"Unauthorized\n", true);
	}

	switch (web_route(method, url, s->metrics_path)) {
	case WEB_ROUTE_BAD_METHOD:
		return web_text(s, conn, MHD_HTTP_METHOD_NOT_ALLOWED,
				"Method Not Allowed\n", false);
	case WEB_ROUTE_NOT_FOUND:
		return web_text(s, conn, MHD_HTTP_NOT_FOUND, "Not Found\n",
				false);
	case WEB_ROUTE_LANDING:
		n = snprintf(page, sizeof(page), web_landing, s->metrics_path);
		return web_queue(s, conn, MHD_HTTP_OK, "text/html; charset=utf-8",
				 page, n < (int)sizeof(page) ? n : 0, false);
	case WEB_ROUTE_METRICS:
		break;
	}

	exp_buf_reset(&s->body);
	if (s->ops.render(s->ops.ctx, &s->body, !strcmp(method, "GET")))
		return web_text(s, conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
				"Internal Server Error\n", false);
	ret = web_queue(s, conn, MHD_HTTP_OK, WEB_METRICS_TYPE, s->body.data,
			s->body.len, false);
	return ret;
}

struct web_server *web_server_new(const struct web_config *cfg,
				  const struct web_ops *ops,
				  const char *metrics_path,
				  unsigned int timeout_s)
{
	struct web_server *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->cfg = cfg;
	s->ops = *ops;
	s->metrics_path = metrics_path;
	s->timeout_s = timeout_s;
	return s;
}

/* Binds @addr (a --web.listen-address) now, for web_server_start(). */
int web_server_listen(struct web_server *s, const char *addr)
{
	struct web_listener *l = &s->l[s->cnt];
	struct sockaddr_storage ss;
	bool any6 = false;
	socklen_t len;
	int one = 1, fd;

	if (s->cnt == WEB_MAX_LISTEN) {
		fprintf(stderr, "%s: more than %d listen addresses\n", WEB_NAME,
			WEB_MAX_LISTEN);
		return -E2BIG;
	}
	if (web_parse_listen(addr, &ss, &len)) {
		fprintf(stderr, "%s: bad listen address '%s' (%s)\n",
			WEB_NAME, addr, WEB_LISTEN_FORMS);
		return -EINVAL;
	}
	any6 = addr[0] == ':';
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0 && any6 && errno == EAFNOSUPPORT) {
		/* No IPv6: every IPv4 address. */
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		in_port_t port = ((struct sockaddr_in6 *)&ss)->sin6_port;

		memset(&ss, 0, sizeof(ss));
		sin->sin_family = AF_INET;
		sin->sin_port = port;
		len = sizeof(*sin);
		fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			    0);
	}
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&ss, len) ||
	    listen(fd, SOMAXCONN)) {
		fprintf(stderr, "%s: cannot listen on %s: %s\n", WEB_NAME, addr,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	l->fd = fd;
	l->addr = strdup(addr);
	l->epfd = -1;
	s->cnt++;
	return l->addr ? 0 : -ENOMEM;
}

static void web_print_listener(const struct web_server *s,
			       const struct web_listener *l)
{
	char host[INET6_ADDRSTRLEN] = "?";
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	const void *ip;
	in_port_t port;

	if (getsockname(l->fd, (struct sockaddr *)&ss, &len))
		return;
	if (ss.ss_family == AF_INET6) {
		ip = &((struct sockaddr_in6 *)&ss)->sin6_addr;
		port = ((struct sockaddr_in6 *)&ss)->sin6_port;
	} else {
		ip = &((struct sockaddr_in *)&ss)->sin_addr;
		port = ((struct sockaddr_in *)&ss)->sin_port;
	}
	inet_ntop(ss.ss_family, ip, host, sizeof(host));
	fprintf(stderr, "%s: serving at %s://%s%s%s:%u%s%s\n", WEB_NAME,
		s->cfg->cert_pem ? "https" : "http",
		ss.ss_family == AF_INET6 ? "[" : "", host,
		ss.ss_family == AF_INET6 ? "]" : "", ntohs(port),
		s->metrics_path, s->cfg->user_cnt ? " (basic auth)" : "");
}

static struct MHD_Daemon *web_daemon(struct web_server *s,
				     const struct web_listener *l)
{
	unsigned int flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	struct MHD_OptionItem opts[] = {
		{ MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)web_log, NULL },
		{ MHD_OPTION_LISTEN_SOCKET, l->fd, NULL },
		{ MHD_OPTION_CONNECTION_TIMEOUT, s->timeout_s, NULL },
		{ MHD_OPTION_CONNECTION_LIMIT, WEB_MAX_CONNS, NULL },
		{ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)web_completed, s },
		{ MHD_OPTION_END, 0, NULL },	/* the TLS options go here */
		{ MHD_OPTION_END, 0, NULL },
		{ MHD_OPTION_END, 0, NULL },
		{ MHD_OPTION_END, 0, NULL },
	};

	if (s->cfg->cert_pem) {
		flags |= MHD_USE_TLS;
		opts[5].option = MHD_OPTION_HTTPS_MEM_CERT;
		opts[5].ptr_value = s->cfg->cert_pem;
		opts[6].option = MHD_OPTION_HTTPS_MEM_KEY;
		opts[6].ptr_value = s->cfg->key_pem;
		if (s->cfg->priorities) {
			opts[7].option = MHD_OPTION_HTTPS_PRIORITIES;
			opts[7].ptr_value = s->cfg->priorities;
		}
	}
	return MHD_start_daemon(flags, 0, NULL, NULL, web_handler, s,
				MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
}

/* Starts a daemon on every listen socket; prints where it serves. */
int web_server_start(struct web_server *s)
{
	const union MHD_DaemonInfo *info;
	struct web_listener *l;
	size_t i;

	for (i = 0; i < s->cnt; i++) {
		l = &s->l[i];
		l->d = web_daemon(s, l);
		if (!l->d) {
			fprintf(stderr, "%s: cannot serve %s\n", WEB_NAME,
				l->addr);
			return -1;
		}
		info = MHD_get_daemon_info(l->d, MHD_DAEMON_INFO_EPOLL_FD);
		if (!info) {
			fprintf(stderr, "%s: %s: no epoll descriptor\n",
				WEB_NAME, l->addr);
			return -1;
		}
		l->epfd = info->epoll_fd;
		web_print_listener(s, l);
	}
	return 0;
}

/* The port of listen address @i (of web_server_listen()), or -1. */
int web_server_port(const struct web_server *s, size_t i)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (i >= s->cnt || getsockname(s->l[i].fd, (struct sockaddr *)&ss, &len))
		return -1;
	/* Where both families have it. */
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* Serves until @stop_fd is readable: 0, or -1 if poll() fails. */
int web_server_serve(struct web_server *s, int stop_fd)
{
	struct pollfd pfd[WEB_MAX_LISTEN + 2];
	MHD_UNSIGNED_LONG_LONG t;
	size_t i, n, w = 0;
	long long timeout;
	int ms;

	for (;;) {
		timeout = -1;
		pfd[0].fd = stop_fd;
		pfd[0].events = POLLIN;
		for (i = 0; i < s->cnt; i++) {
			pfd[i + 1].fd = s->l[i].epfd;
			pfd[i + 1].events = POLLIN;
			if (MHD_get_timeout(s->l[i].d, &t) == MHD_YES &&
			    (timeout < 0 || (long long)t < timeout))
				timeout = t > INT32_MAX ? INT32_MAX : t;
		}
		n = s->cnt + 1;
		if (s->ops.watch) {
			w = n++;
			pfd[w].fd = s->ops.watch_fd;
			pfd[w].events = POLLIN;
			pfd[w].revents = 0;
		}
		if (s->ops.timeout_ms) {
			ms = s->ops.timeout_ms(s->ops.ctx);
			if (ms >= 0 && (timeout < 0 || ms < timeout))
				timeout = ms;
		}
		if (poll(pfd, n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "%s: poll: %s\n", WEB_NAME,
				strerror(errno));
			return -1;
		}
		if (pfd[0].revents)
			return 0;
		if (s->ops.watch && pfd[w].revents)
			s->ops.watch(s->ops.ctx);
		for (i = 0; i < s->cnt; i++)
			MHD_run(s->l[i].d);
		if (s->ops.after)
			s->ops.after(s->ops.ctx);
	}
}

void web_server_free(struct web_server *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->cnt; i++) {
		/* The daemon closes the listen socket it was given. */
		if (s->l[i].d)
			MHD_stop_daemon(s->l[i].d);
		else
			close(s->l[i].fd);
		free(s->l[i].addr);
	}
	exp_buf_free(&s->body);
	free(s);
}
