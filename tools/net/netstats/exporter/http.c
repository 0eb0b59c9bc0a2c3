// SPDX-License-Identifier: GPL-2.0
/*
 * Request parsing after RFC 9112 (HTTP/1.1 message syntax), strict where
 * being strict costs nothing: a metrics endpoint answers one kind of
 * request, and anything it does not understand gets a 4xx status.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"

/* RFC 9110 tchar: the characters of methods and field names. */
static bool http_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c);
}

/* Visible ASCII, as in a request target. */
static bool http_vchar(unsigned char c)
{
	return c > 0x20 && c < 0x7f;
}

/* Field values: visible characters, obs-text, space and tab. */
static bool http_field_char(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

/* [@s, @e): "http://authority/path" -> "/path", "/" if there is none. */
static const char *http_skip_authority(const char *s, const char *e)
{
	static const char scheme[] = "http://";
	const size_t n = sizeof(scheme) - 1;

	if ((size_t)(e - s) < n || strncasecmp(s, scheme, n))
		return NULL;
	for (s += n; s < e; s++)
		if (*s == '/')
			return s;
	return e;
}

/* The request line [@s, @e), without its line end. */
static int http_parse_request_line(const char *s, const char *e,
				   struct http_request *req)
{
	const char *m = s, *t, *te, *q;

	while (s < e && http_tchar(*s))
		s++;
	if (s == m || s == e || *s != ' ')
		return 400;
	if (s - m == 3 && !memcmp(m, "GET", 3))
		req->method = HTTP_GET;
	else if (s - m == 4 && !memcmp(m, "HEAD", 4))
		req->method = HTTP_HEAD;
	else
		req->method = HTTP_OTHER;

	t = ++s;
	while (s < e && http_vchar(*s))
		s++;
	if (s == t || s == e || *s != ' ')
		return 400;
	te = s++;

	if (e - s != 8 || memcmp(s, "HTTP/", 5) || s[5] < '0' || s[5] > '9' ||
	    s[6] != '.' || s[7] < '0' || s[7] > '9')
		return 400;
	if (s[5] != '1')
		return 505;
	req->minor = s[7] - '0';

	if (*t != '/') {
		q = http_skip_authority(t, te);
		/* "*" (OPTIONS) is a valid target, but not a resource here. */
		if (!q && !(te - t == 1 && *t == '*'))
			return 400;
		if (q)
			t = q;
	}
	req->path = t;
	q = memchr(t, '?', te - t);
	req->path_len = (q ? q : te) - t;
	return 0;
}

static int http_parse_field(const char *s, const char *e)
{
	const char *n = s;

	while (s < e && http_tchar(*s))
		s++;
	/* No space before the colon, no obsolete line folding. */
	if (s == n || s == e || *s != ':')
		return 400;
	for (s++; s < e; s++)
		if (!http_field_char(*s))
			return 400;
	return 0;
}

/**
 * http_parse_request() - parse the head of a request
 * @buf: the bytes received so far
 * @len: their number
 * @cap: the most the caller will ever receive for one head
 * @req: filled when the head is complete and valid
 *
 * Lines end in CRLF or a bare LF; empty lines before the request line are
 * ignored (RFC 9112, section 2.2). Header fields are checked for syntax
 * and otherwise ignored: the request has no body the server would read.
 *
 * Return: 0 if @req holds a complete request; -EAGAIN if more bytes are
 * needed; otherwise the status to answer with: 400 for a malformed head,
 * 414 or 431 if the request line or the head does not fit in @cap bytes,
 * 505 for an HTTP major version other than 1.
 */
int http_parse_request(const char *buf, size_t len, size_t cap,
		       struct http_request *req)
{
	const char *s = buf, *end = buf + len, *nl, *le;
	bool first = true;
	int err;

	while (s < end && (*s == '\n' || (*s == '\r' && s + 1 < end &&
					  s[1] == '\n')))
		s += *s == '\r' ? 2 : 1;

	for (;;) {
		nl = memchr(s, '\n', end - s);
		if (!nl)
			break;
		le = nl > s && nl[-1] == '\r' ? nl - 1 : nl;
		if (memchr(s, '\r', le - s))
			return 400;
		if (!first && le == s) {
			req->head_len = nl + 1 - buf;
			return 0;
		}
		if (first)
			err = http_parse_request_line(s, le, req);
		else
			err = http_parse_field(s, le);
		if (err)
			return err;
		first = false;
		s = nl + 1;
	}
	if (len < cap)
		return -EAGAIN;
	return first ? 414 : 431;
}

/* Return: 200 to serve the metrics, else the error status to answer. */
int http_route(const struct http_request *req)
{
	const size_t n = sizeof(HTTP_METRICS_PATH) - 1;

	if (req->path_len != n || memcmp(req->path, HTTP_METRICS_PATH, n))
		return 404;
	if (req->method == HTTP_OTHER)
		return 405;
	return 200;
}

const char *http_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 414:
		return "URI Too Long";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 505:
		return "HTTP Version Not Supported";
	}
	return "Error";
}

/**
 * http_format_head() - format the head of a response
 * @buf: where to write it
 * @size: size of @buf
 * @status: status code
 * @type: Content-Type
 * @content_len: length of the body (sent or not, as for HEAD)
 *
 * Every response closes the connection: a scrape is one request.
 *
 * Return: the length of the head, or -1 if it does not fit in @size.
 */
int http_format_head(char *buf, size_t size, int status, const char *type,
		     size_t content_len)
{
	int n;

	n = snprintf(buf, size,
		     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%sConnection: close\r\n\r\n",
		     status, http_reason(status), type, content_len,
		     status == 405 ? "Allow: GET, HEAD\r\n" : "");
	if (n < 0 || (size_t)n >= size)
		return -1;
	return n;
}

/**
 * http_parse_addr() - parse a numeric listen address
 * @str: "A.B.C.D:PORT" or "[IPV6]:PORT"
 * @ss: the socket address
 * @len: its length
 *
 * Return: 0, or -EINVAL if @str is not such an address.
 */
int http_parse_addr(const char *str, struct sockaddr_storage *ss,
		    socklen_t *len)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	char host[INET6_ADDRSTRLEN];
	const char *colon, *port;
	bool v6 = str[0] == '[';
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
		if (!colon)
			return -EINVAL;
		port = colon + 1;
	}
	hlen = colon - str;
	if (!hlen || hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, str, hlen);
	host[hlen] = '\0';

	if (port[0] < '0' || port[0] > '9')
		return -EINVAL;
	errno = 0;
	p = strtoul(port, &end, 10);
	if (errno || *end || p > 65535)
		return -EINVAL;

	if (v6) {
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return -EINVAL;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(p);
		*len = sizeof(*sin6);
	} else {
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return -EINVAL;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(p);
		*len = sizeof(*sin);
	}
	return 0;
}
