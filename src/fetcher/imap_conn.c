/* SPDX-License-Identifier: MIT */
/* TCP and TLS for the IMAP client: non-blocking sockets driven by poll()
 * with deadlines, OpenSSL with chain and host name verification. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <ctype.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "clock.h"
#include "imap_conn.h"

struct imap_conn {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
	char *host;
	char *ca_file;
	int timeout_ms;
	uint64_t bytes_read; /* application bytes, for -v and tests */
	char errmsg[256];
};

static int
imap_conn_left(long long deadline)
{
	long long left;

	if (deadline < 0)
		return -1;
	left = deadline - clock_mono_ms();
	return left < 0 ? 0 : (int)left;
}

/* Waits for events on fd until deadline (-1: none). 1 ready, 0 timed
 * out, -1 interrupted by a signal, -2 failed. */
static int
imap_conn_wait(int fd, short events, long long deadline)
{
	struct pollfd p = {.fd = fd, .events = events};
	int rc = poll(&p, 1, imap_conn_left(deadline));

	if (rc < 0)
		return errno == EINTR ? -1 : -2;
	return rc > 0 ? 1 : 0;
}

static void
imap_conn_seterr(struct imap_conn *c, const char *what, const char *why)
{
	snprintf(c->errmsg, sizeof(c->errmsg), "%s:%s%s", what, why ? " " : "",
	         why ? why : "");
}

/* A peer that vanished without a FIN (NAT timeout, cable) is noticed by
 * the kernel within about two minutes, even while we idle. */
static void
imap_conn_keepalive(int fd)
{
	int on = 1, idle = 60, intvl = 15, cnt = 4;

	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
}

static int
imap_conn_try_addr(const struct addrinfo *ai, long long deadline)
{
	int fd, err = 0;
	socklen_t len = sizeof(err);

	fd = socket(ai->ai_family,
	            ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
	            ai->ai_protocol);
	if (fd < 0)
		return -1;
	imap_conn_keepalive(fd);
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return fd;
	if (errno == EINPROGRESS &&
	    imap_conn_wait(fd, POLLOUT, deadline) == 1 &&
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && !err)
		return fd;
	if (err)
		errno = err;
	else if (errno == EINPROGRESS)
		errno = ETIMEDOUT;
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

static enum otpbox_err
imap_conn_connect(struct imap_conn *c, const struct imap_conn_opts *o)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res, *ai;
	long long deadline = clock_mono_ms() + o->timeout_ms;
	char port[16];
	int rc;

	snprintf(port, sizeof(port), "%d", o->port);
	rc = getaddrinfo(o->host, port, &hints, &res);
	if (rc != 0) {
		imap_conn_seterr(c, "cannot resolve host", gai_strerror(rc));
		return OTPBOX_ERR_NET;
	}
	errno = 0;
	for (ai = res; ai && c->fd < 0; ai = ai->ai_next)
		c->fd = imap_conn_try_addr(ai, deadline);
	freeaddrinfo(res);
	if (c->fd < 0) {
		imap_conn_seterr(c, "cannot connect",
		                 strerror(errno ? errno : ECONNREFUSED));
		return OTPBOX_ERR_NET;
	}
	return OTPBOX_OK;
}

/* Describes why the handshake failed, naming a verification problem. */
static void
imap_conn_tls_error(struct imap_conn *c)
{
	long vr = c->ssl ? SSL_get_verify_result(c->ssl) : X509_V_OK;
	char buf[160];
	unsigned long e = ERR_peek_last_error();

	if (vr != X509_V_OK) {
		snprintf(c->errmsg, sizeof(c->errmsg),
		         "TLS certificate of %s refused: %s (set ca_file for "
		         "a private CA; the host must match the certificate)",
		         c->host, X509_verify_cert_error_string(vr));
		return;
	}
	ERR_error_string_n(e, buf, sizeof(buf));
	snprintf(c->errmsg, sizeof(c->errmsg),
	         "TLS handshake with %s failed: %s", c->host,
	         e ? buf : "connection closed");
}

/* Whether dir holds OpenSSL's hashed names ("9d04f354.0"): then
 * certificates are looked up one file at a time, when needed. */
static bool
imap_conn_hashed_dir(const char *dir)
{
	struct dirent *e;
	bool found = false;
	DIR *d = opendir(dir);
	size_t n;

	while (d && !found && (e = readdir(d)) != NULL) {
		n = strspn(e->d_name, "0123456789abcdef");
		found = n == 8 && e->d_name[8] == '.' &&
		        isdigit((unsigned char)e->d_name[9]);
	}
	if (d)
		closedir(d);
	return found;
}

/*
 * The system's trust anchors, loaded lazily: OpenSSL 3 parses every
 * certificate of a CA bundle file when it is loaded (about 140 on Debian,
 * most of the CPU an empty sync spent), while the hashed directory is
 * read only for the issuer a handshake needs (Debian's update-ca-
 * certificates keeps both in step). The bundle (SSL_CERT_FILE or the
 * default) is loaded only where there is no hashed directory; a private
 * CA belongs in the account's ca_file.
 */
static void
imap_conn_trust(SSL_CTX *ctx)
{
	const char *dir = getenv(X509_get_default_cert_dir_env());

	if (dir == NULL)
		dir = X509_get_default_cert_dir();
	if (SSL_CTX_set_default_verify_dir(ctx) != 1)
		ERR_clear_error();
	if (!imap_conn_hashed_dir(dir) &&
	    SSL_CTX_set_default_verify_file(ctx) != 1)
		ERR_clear_error();
}

static enum otpbox_err
imap_conn_ctx(struct imap_conn *c)
{
	c->ctx = SSL_CTX_new(TLS_client_method());
	if (c->ctx == NULL)
		return OTPBOX_ERR_NOMEM;
	SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_mode(c->ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
	                             SSL_MODE_ENABLE_PARTIAL_WRITE);
	imap_conn_trust(c->ctx);
	if (c->ca_file && *c->ca_file &&
	    SSL_CTX_load_verify_locations(c->ctx, c->ca_file, NULL) != 1) {
		snprintf(c->errmsg, sizeof(c->errmsg), "cannot load ca_file %s",
		         c->ca_file);
		return OTPBOX_ERR_TLS;
	}
	return OTPBOX_OK;
}

/* Runs one SSL operation's retry loop; op returns SSL_*'s value. */
static int
imap_conn_ssl_step(struct imap_conn *c, int rc, long long deadline)
{
	int w;

	switch (SSL_get_error(c->ssl, rc)) {
	case SSL_ERROR_WANT_READ:
		w = imap_conn_wait(c->fd, POLLIN, deadline);
		break;
	case SSL_ERROR_WANT_WRITE:
		w = imap_conn_wait(c->fd, POLLOUT, deadline);
		break;
	default:
		return -2;
	}
	return w == 1 ? 1 : w == 0 ? 0 : -1;
}

static enum otpbox_err
imap_conn_handshake(struct imap_conn *c)
{
	long long deadline = clock_mono_ms() + c->timeout_ms;
	enum otpbox_err err;
	int rc, step;

	if ((err = imap_conn_ctx(c)))
		return err;
	c->ssl = SSL_new(c->ctx);
	if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1)
		return OTPBOX_ERR_NOMEM;
	SSL_set_tlsext_host_name(c->ssl, c->host);
	if (SSL_set1_host(c->ssl, c->host) != 1)
		return OTPBOX_ERR_NOMEM;
	for (;;) {
		ERR_clear_error();
		rc = SSL_connect(c->ssl);
		if (rc == 1)
			return OTPBOX_OK;
		step = imap_conn_ssl_step(c, rc, deadline);
		if (step == 1)
			continue;
		if (step == 0) {
			imap_conn_seterr(c, "TLS handshake", "timed out");
			return OTPBOX_ERR_NET;
		}
		if (step == -1)
			continue; /* a signal; the deadline still holds */
		imap_conn_tls_error(c);
		return OTPBOX_ERR_TLS;
	}
}

static void
imap_conn_copyerr(const struct imap_conn *c, char *errbuf, size_t errlen)
{
	if (errbuf && errlen)
		snprintf(errbuf, errlen, "%s", c->errmsg);
}

enum otpbox_err
imap_conn_open(const struct imap_conn_opts *opts, struct imap_conn **out,
               char *errbuf, size_t errlen)
{
	struct imap_conn *c;
	enum otpbox_err err;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return OTPBOX_ERR_NOMEM;
	c->fd = -1;
	c->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : 30000;
	c->host = strdup(opts->host);
	c->ca_file = opts->ca_file ? strdup(opts->ca_file) : NULL;
	err = OTPBOX_ERR_NOMEM;
	if (c->host == NULL || (opts->ca_file && c->ca_file == NULL))
		goto out;
	if ((err = imap_conn_connect(c, opts)))
		goto out;
	if (opts->tls == IMAP_CONN_TLS_NOW)
		err = imap_conn_handshake(c);
out:
	if (err) {
		imap_conn_copyerr(c, errbuf, errlen);
		imap_conn_free(c);
		return err;
	}
	*out = c;
	return OTPBOX_OK;
}

enum otpbox_err
imap_conn_starttls(struct imap_conn *c, char *errbuf, size_t errlen)
{
	enum otpbox_err err = imap_conn_handshake(c);

	if (err)
		imap_conn_copyerr(c, errbuf, errlen);
	return err;
}

void
imap_conn_free(struct imap_conn *c)
{
	if (c == NULL)
		return;
	if (c->ssl) {
		SSL_shutdown(c->ssl); /* non-blocking: best effort */
		SSL_free(c->ssl);
	}
	SSL_CTX_free(c->ctx);
	if (c->fd >= 0)
		close(c->fd);
	free(c->host);
	free(c->ca_file);
	free(c);
}

static enum otpbox_err
imap_conn_write_tls(struct imap_conn *c, const char *p, size_t len,
                    long long deadline)
{
	int rc, step;

	while (len > 0) {
		ERR_clear_error();
		rc = SSL_write(c->ssl, p, len > 16384 ? 16384 : (int)len);
		if (rc > 0) {
			p += rc;
			len -= (size_t)rc;
			continue;
		}
		step = imap_conn_ssl_step(c, rc, deadline);
		if (step == 0 || step == -2) {
			imap_conn_seterr(c, "write to server",
			                 step ? "connection lost"
			                      : "timed out");
			return OTPBOX_ERR_NET;
		}
	}
	return OTPBOX_OK;
}

static enum otpbox_err
imap_conn_write_plain(struct imap_conn *c, const char *p, size_t len,
                      long long deadline)
{
	ssize_t n;
	int w;

	while (len > 0) {
		n = send(c->fd, p, len, MSG_NOSIGNAL);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			imap_conn_seterr(c, "write to server", strerror(errno));
			return OTPBOX_ERR_NET;
		}
		w = imap_conn_wait(c->fd, POLLOUT, deadline);
		if (w == 0 || w == -2) {
			imap_conn_seterr(c, "write to server", "timed out");
			return OTPBOX_ERR_NET;
		}
	}
	return OTPBOX_OK;
}

enum otpbox_err
imap_conn_write(struct imap_conn *c, const void *buf, size_t len)
{
	long long deadline = clock_mono_ms() + c->timeout_ms;

	if (c->ssl)
		return imap_conn_write_tls(c, buf, len, deadline);
	return imap_conn_write_plain(c, buf, len, deadline);
}

/* Maps a wait result to the read error it stands for. */
static enum otpbox_err
imap_conn_wait_err(struct imap_conn *c, int w)
{
	if (w == 0) {
		imap_conn_seterr(c, "read from server", "timed out");
		return OTPBOX_ERR_TIMEOUT;
	}
	if (w == -1)
		return OTPBOX_ERR_INTERRUPTED;
	imap_conn_seterr(c, "read from server", strerror(errno));
	return OTPBOX_ERR_NET;
}

static enum otpbox_err
imap_conn_read_tls(struct imap_conn *c, void *buf, size_t cap,
                   long long deadline, size_t *n)
{
	int rc, w;

	for (;;) {
		ERR_clear_error();
		rc = SSL_read(c->ssl, buf, cap > 65536 ? 65536 : (int)cap);
		if (rc > 0) {
			*n = (size_t)rc;
			return OTPBOX_OK;
		}
		switch (SSL_get_error(c->ssl, rc)) {
		case SSL_ERROR_WANT_READ:
			w = imap_conn_wait(c->fd, POLLIN, deadline);
			break;
		case SSL_ERROR_WANT_WRITE:
			w = imap_conn_wait(c->fd, POLLOUT, deadline);
			break;
		default:
			imap_conn_seterr(c, "read from server",
			                 "connection closed");
			return OTPBOX_ERR_NET;
		}
		if (w != 1)
			return imap_conn_wait_err(c, w);
	}
}

static enum otpbox_err
imap_conn_read_plain(struct imap_conn *c, void *buf, size_t cap,
                     long long deadline, size_t *n)
{
	ssize_t got;
	int w;

	for (;;) {
		got = recv(c->fd, buf, cap, 0);
		if (got > 0) {
			*n = (size_t)got;
			return OTPBOX_OK;
		}
		if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
			imap_conn_seterr(c, "read from server",
			                 got ? strerror(errno)
			                     : "connection closed");
			return OTPBOX_ERR_NET;
		}
		w = imap_conn_wait(c->fd, POLLIN, deadline);
		if (w != 1)
			return imap_conn_wait_err(c, w);
	}
}

enum otpbox_err
imap_conn_read(struct imap_conn *c, void *buf, size_t cap, int timeout_ms,
               size_t *n)
{
	long long deadline = timeout_ms < 0 ? -1 : clock_mono_ms() + timeout_ms;

	enum otpbox_err err;

	*n = 0;
	if (c->ssl)
		err = imap_conn_read_tls(c, buf, cap, deadline, n);
	else
		err = imap_conn_read_plain(c, buf, cap, deadline, n);
	c->bytes_read += *n;
	return err;
}

uint64_t
imap_conn_bytes_read(const struct imap_conn *c)
{
	return c->bytes_read;
}

bool
imap_conn_pending(const struct imap_conn *c)
{
	return c->ssl && SSL_pending(c->ssl) > 0;
}

int
imap_conn_fd(const struct imap_conn *c)
{
	return c->fd;
}

bool
imap_conn_is_tls(const struct imap_conn *c)
{
	return c->ssl != NULL;
}

const char *
imap_conn_tls_version(const struct imap_conn *c)
{
	return c->ssl ? SSL_get_version(c->ssl) : NULL;
}

const char *
imap_conn_errmsg(const struct imap_conn *c)
{
	return c->errmsg;
}
