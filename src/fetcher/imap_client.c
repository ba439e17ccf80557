/* SPDX-License-Identifier: MIT */
/* IMAP session logic for the fetcher: every response goes through the
 * literal-safe parser, so nothing inside a message can pose as a reply. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "imap_client.h"
#include "imap_cmd.h"
#include "log.h"
#include "secret_buf.h"

/* Longest command line we build (mailbox names, FETCH ranges). */
#define IMAP_CLIENT_LINE_MAX 1024
/* Longest SASL line (base64 of user + token); tokens are ~2-4 KiB. */
#define IMAP_CLIENT_SASL_MAX 16384

struct imap_client {
	struct imap_conn *conn;
	struct imap_parse *parser;
	struct imap_client_mailbox mbox;
	unsigned tagno;
	char idle_tag[IMAP_CLIENT_TAG_MAX];
	char *caps; /* space-separated, from the last CAPABILITY seen */
	unsigned caps_serial; /* counts the capability lists seen */
	int timeout_ms;
	char errmsg[512];
	unsigned char buf[16384];
};

static void imap_client_seterr(struct imap_client *cl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
imap_client_seterr(struct imap_client *cl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cl->errmsg, sizeof(cl->errmsg), fmt, ap);
	va_end(ap);
}

static void
imap_client_copyerr(const struct imap_client *cl, char *errbuf, size_t errlen)
{
	if (errbuf && errlen)
		snprintf(errbuf, errlen, "%s", cl->errmsg);
}

static void
imap_client_set_caps(struct imap_client *cl, const char *list)
{
	char *dup = strdup(list);

	if (dup == NULL)
		return; /* keep the old list; capabilities are advisory */
	free(cl->caps);
	cl->caps = dup;
	cl->caps_serial++;
}

/* Keeps what untagged data says about the session and the mailbox. */
static void
imap_client_note(struct imap_client *cl, const struct imap_parse_resp *r)
{
	if (r->code == IMAP_PARSE_CODE_CAPABILITY ||
	    r->data == IMAP_PARSE_DATA_CAPABILITY)
		imap_client_set_caps(cl, r->cap_list);
	if (r->type != IMAP_PARSE_UNTAGGED)
		return;
	if (r->code == IMAP_PARSE_CODE_UIDVALIDITY)
		cl->mbox.uidvalidity = r->code_number;
	else if (r->code == IMAP_PARSE_CODE_UIDNEXT)
		cl->mbox.uidnext = r->code_number;
	if (r->data == IMAP_PARSE_DATA_EXISTS) {
		cl->mbox.exists = r->number;
		cl->mbox.changed = true;
	} else if (r->data == IMAP_PARSE_DATA_EXPUNGE) {
		if (cl->mbox.exists > 0)
			cl->mbox.exists--;
		cl->mbox.changed = true;
	}
}

/* Reads once from the server into the parser. */
static enum otpbox_err
imap_client_fill(struct imap_client *cl, int timeout_ms)
{
	enum otpbox_err err;
	size_t n;

	err =
	    imap_conn_read(cl->conn, cl->buf, sizeof(cl->buf), timeout_ms, &n);
	if (err == OTPBOX_ERR_NET) {
		imap_client_seterr(cl, "%s%s", imap_conn_errmsg(cl->conn),
		                   imap_parse_pending(cl->parser)
		                       ? " (in the middle of a response)"
		                       : "");
		return err;
	}
	if (err == OTPBOX_ERR_TIMEOUT)
		imap_client_seterr(cl, "the server did not answer in time");
	if (err)
		return err;
	err = imap_parse_feed(cl->parser, cl->buf, n);
	if (err)
		imap_client_seterr(cl, "%s", imap_parse_errmsg(cl->parser));
	return err;
}

enum otpbox_err
imap_client_next(struct imap_client *cl, int timeout_ms,
                 const struct imap_parse_resp **out)
{
	enum otpbox_err err;

	if (timeout_ms == -1)
		timeout_ms = cl->timeout_ms;
	for (;;) {
		err = imap_parse_next(cl->parser, out);
		if (err) {
			imap_client_seterr(cl, "bad response from server: %s",
			                   imap_parse_errmsg(cl->parser));
			return err;
		}
		if (*out) {
			imap_client_note(cl, *out);
			if ((*out)->status == IMAP_PARSE_STATUS_BYE) {
				imap_client_seterr(cl,
				                   "server closed the "
				                   "session: %s",
				                   (*out)->text);
				return OTPBOX_ERR_NET;
			}
			return OTPBOX_OK;
		}
		if ((err = imap_client_fill(cl, timeout_ms)))
			return err;
	}
}

static enum otpbox_err
imap_client_write(struct imap_client *cl, const char *line, size_t len)
{
	enum otpbox_err err = imap_conn_write(cl->conn, line, len);

	if (err)
		imap_client_seterr(cl, "%s", imap_conn_errmsg(cl->conn));
	return err;
}

static void
imap_client_new_tag(struct imap_client *cl, char tag[IMAP_CLIENT_TAG_MAX])
{
	snprintf(tag, IMAP_CLIENT_TAG_MAX, "T%u", ++cl->tagno);
}

enum otpbox_err
imap_client_send(struct imap_client *cl, char tag[IMAP_CLIENT_TAG_MAX],
                 const char *fmt, ...)
{
	char line[IMAP_CLIENT_LINE_MAX];
	va_list ap;
	int n, m;

	imap_client_new_tag(cl, tag);
	n = snprintf(line, sizeof(line), "%s ", tag);
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 2, fmt, ap);
	va_end(ap);
	if (m < 0 || (size_t)(n + m) >= sizeof(line) - 2)
		return OTPBOX_ERR_USAGE;
	log_debug("C: %s", line);
	n += m;
	line[n++] = '\r';
	line[n++] = '\n';
	return imap_client_write(cl, line, (size_t)n);
}

/* Reads until the tagged reply to tag; *final is that reply. */
static enum otpbox_err
imap_client_until(struct imap_client *cl, const char *tag,
                  const struct imap_parse_resp **final)
{
	const struct imap_parse_resp *r;
	enum otpbox_err err;

	for (;;) {
		err = imap_client_next(cl, -1, &r);
		if (err == OTPBOX_ERR_INTERRUPTED)
			continue; /* a reply is due; signals wait for it */
		if (err)
			return err;
		if (r->type == IMAP_PARSE_TAGGED && strcmp(r->tag, tag) == 0) {
			*final = r;
			return OTPBOX_OK;
		}
	}
}

static enum otpbox_err
imap_client_status_err(struct imap_client *cl, const char *what,
                       const struct imap_parse_resp *r)
{
	if (r->status == IMAP_PARSE_STATUS_OK)
		return OTPBOX_OK;
	imap_client_seterr(cl, "%s refused by the server: %s", what, r->text);
	return OTPBOX_ERR_PROTOCOL;
}

enum otpbox_err
imap_client_simple(struct imap_client *cl, const char *cmd, char *errbuf,
                   size_t errlen)
{
	const struct imap_parse_resp *r;
	char tag[IMAP_CLIENT_TAG_MAX];
	enum otpbox_err err;

	err = imap_client_send(cl, tag, "%s", cmd);
	if (err == OTPBOX_OK)
		err = imap_client_until(cl, tag, &r);
	if (err == OTPBOX_OK)
		err = imap_client_status_err(cl, cmd, r);
	if (err)
		imap_client_copyerr(cl, errbuf, errlen);
	return err;
}

const char *
imap_client_tls_version(const struct imap_client *cl)
{
	return imap_conn_tls_version(cl->conn);
}

bool
imap_client_has_cap(const struct imap_client *cl, const char *cap)
{
	size_t n = strlen(cap);
	const char *p = cl->caps;

	while (p && *p) {
		if (strncasecmp(p, cap, n) == 0 && (p[n] == ' ' || !p[n]))
			return true;
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	return false;
}

static enum otpbox_err
imap_client_greeting(struct imap_client *cl)
{
	const struct imap_parse_resp *r;
	enum otpbox_err err;

	do
		err = imap_client_next(cl, -1, &r);
	while (err == OTPBOX_ERR_INTERRUPTED);
	if (err)
		return err;
	if (r->type != IMAP_PARSE_UNTAGGED ||
	    r->status != IMAP_PARSE_STATUS_OK) {
		imap_client_seterr(cl,
		                   "unexpected greeting from the server: "
		                   "%.200s",
		                   r->text);
		return OTPBOX_ERR_PROTOCOL;
	}
	return OTPBOX_OK;
}

static enum otpbox_err
imap_client_starttls(struct imap_client *cl)
{
	enum otpbox_err err;

	/* A greeting need not list capabilities (Exchange's does not):
	 * ask before concluding that STARTTLS is missing (RFC 3501 6.1.1). */
	if (cl->caps == NULL &&
	    (err = imap_client_simple(cl, "CAPABILITY", NULL, 0)))
		return err;
	if (!imap_client_has_cap(cl, "STARTTLS")) {
		imap_client_seterr(cl, "the server does not offer STARTTLS; "
		                       "use tls = \"implicit\" (port 993)");
		return OTPBOX_ERR_TLS;
	}
	if ((err = imap_client_simple(cl, "STARTTLS", NULL, 0)))
		return err;
	/* Anything read past the OK came before encryption: refuse it. */
	if (imap_parse_pending(cl->parser)) {
		imap_client_seterr(cl, "data injected before the TLS "
		                       "handshake");
		return OTPBOX_ERR_TLS;
	}
	err = imap_conn_starttls(cl->conn, NULL, 0);
	if (err)
		imap_client_seterr(cl, "%s", imap_conn_errmsg(cl->conn));
	free(cl->caps);
	cl->caps = NULL;
	return err;
}

static enum otpbox_err
imap_client_setup(struct imap_client *cl, const struct imap_client_opts *o)
{
	struct imap_parse_limits lim = {0};
	enum otpbox_err err;

	lim.max_literal = o->max_literal ? o->max_literal : 1 << 20;
	if ((err = imap_parse_new(&lim, &cl->parser)))
		return err;
	if ((err = imap_client_greeting(cl)))
		return err;
	if (o->conn.tls == IMAP_CONN_TLS_LATER &&
	    (err = imap_client_starttls(cl)))
		return err;
	if (cl->caps == NULL)
		err = imap_client_simple(cl, "CAPABILITY", NULL, 0);
	return err;
}

enum otpbox_err
imap_client_open(const struct imap_client_opts *opts, struct imap_client **out,
                 char *errbuf, size_t errlen)
{
	struct imap_client *cl;
	enum otpbox_err err;

	*out = NULL;
	cl = calloc(1, sizeof(*cl));
	if (cl == NULL)
		return OTPBOX_ERR_NOMEM;
	cl->timeout_ms =
	    opts->conn.timeout_ms > 0 ? opts->conn.timeout_ms : 30000;
	err = imap_conn_open(&opts->conn, &cl->conn, errbuf, errlen);
	if (err) {
		free(cl);
		return err;
	}
	if ((err = imap_client_setup(cl, opts))) {
		imap_client_copyerr(cl, errbuf, errlen);
		imap_client_free(cl);
		return err;
	}
	*out = cl;
	return OTPBOX_OK;
}

void
imap_client_free(struct imap_client *cl)
{
	char tag[IMAP_CLIENT_TAG_MAX];

	if (cl == NULL)
		return;
	if (cl->conn && cl->parser)
		(void)imap_client_send(cl, tag, "LOGOUT");
	imap_conn_free(cl->conn);
	imap_parse_free(cl->parser);
	free(cl->caps);
	free(cl);
}

struct imap_client_mailbox *
imap_client_get_mailbox(struct imap_client *cl)
{
	return &cl->mbox;
}

uint64_t
imap_client_bytes_read(const struct imap_client *cl)
{
	return imap_conn_bytes_read(cl->conn);
}

const char *
imap_client_errmsg(const struct imap_client *cl)
{
	return cl->errmsg;
}

/* Sends a line that carries a secret: logged with the secret masked, and
 * wiped afterwards. */
static enum otpbox_err
imap_client_send_secret(struct imap_client *cl, const char *shown, char *line,
                        size_t len)
{
	enum otpbox_err err;

	log_debug("C: %s ****", shown);
	err = imap_client_write(cl, line, len);
	OPENSSL_cleanse(line, len);
	return err;
}

/* Base64 of len bytes into a new CRLF-terminated line after prefix. */
static char *
imap_client_b64_line(const char *prefix, const unsigned char *data, size_t len,
                     size_t *outlen)
{
	size_t plen = strlen(prefix), blen = 4 * ((len + 2) / 3);
	char *line;

	if (blen + plen + 3 > IMAP_CLIENT_SASL_MAX)
		return NULL;
	line = malloc(plen + blen + 3);
	if (line == NULL)
		return NULL;
	memcpy(line, prefix, plen);
	EVP_EncodeBlock((unsigned char *)line + plen, data, (int)len);
	memcpy(line + plen + blen, "\r\n", 3);
	*outlen = plen + blen + 2;
	return line;
}

/* A failed XOAUTH2 login sends a base64 JSON challenge; keep it in the
 * message (it names the problem) and answer with an empty line. */
static enum otpbox_err
imap_client_sasl_challenge(struct imap_client *cl,
                           const struct imap_parse_resp *r, char *detail,
                           size_t dlen)
{
	unsigned char out[512];
	size_t n = strlen(r->text);
	int m;

	if (n > 0 && n < 4 * sizeof(out) / 3 - 4) {
		m = EVP_DecodeBlock(out, (const unsigned char *)r->text,
		                    (int)n);
		if (m > 0) {
			out[m < (int)sizeof(out) ? m : (int)sizeof(out) - 1] =
			    0;
			snprintf(detail, dlen, " %.200s", (char *)out);
		}
	}
	return imap_client_write(cl, "\r\n", 2);
}

/* A refusal that says "later", not "no": RFC 5530's codes, and
 * Exchange's plain-text "Server Unavailable. 15" (it sends no codes). */
static bool
imap_client_transient(const struct imap_parse_resp *r)
{
	return r->code == IMAP_PARSE_CODE_UNAVAILABLE ||
	       r->code == IMAP_PARSE_CODE_INUSE ||
	       r->code == IMAP_PARSE_CODE_SERVERBUG ||
	       strcasestr(r->text, "Server Unavailable") != NULL;
}

static enum otpbox_err
imap_client_auth_result(struct imap_client *cl, const struct imap_parse_resp *r,
                        const char *mech, const char *detail)
{
	if (r->status == IMAP_PARSE_STATUS_OK)
		return OTPBOX_OK;
	imap_client_seterr(cl, "login (%s) refused by the server: %s%s", mech,
	                   r->text, detail);
	if (imap_client_transient(r))
		return OTPBOX_ERR_NET;
	return r->status == IMAP_PARSE_STATUS_NO ? OTPBOX_ERR_AUTH
	                                         : OTPBOX_ERR_PROTOCOL;
}

/* Reads an AUTHENTICATE exchange to its end. `line` (the initial response,
 * base64 + CRLF) is sent at the first "+" when SASL-IR was not used. */
static enum otpbox_err
imap_client_sasl_finish(struct imap_client *cl, const char *tag,
                        const char *mech, char *line, size_t len)
{
	const struct imap_parse_resp *r;
	char detail[256] = "";
	enum otpbox_err err;

	for (;;) {
		err = imap_client_next(cl, -1, &r);
		if (err == OTPBOX_ERR_INTERRUPTED)
			continue;
		if (err)
			return err;
		if (r->type == IMAP_PARSE_CONTINUATION && line) {
			err = imap_client_send_secret(cl, "(SASL response)",
			                              line, len);
			line = NULL;
		} else if (r->type == IMAP_PARSE_CONTINUATION) {
			err = imap_client_sasl_challenge(cl, r, detail,
			                                 sizeof(detail));
		} else if (r->type == IMAP_PARSE_TAGGED &&
		           strcmp(r->tag, tag) == 0) {
			return imap_client_auth_result(cl, r, mech, detail);
		}
		if (err)
			return err;
	}
}

static enum otpbox_err
imap_client_sasl(struct imap_client *cl, const char *mech,
                 const unsigned char *ir, size_t irlen)
{
	char tag[IMAP_CLIENT_TAG_MAX], prefix[128], shown[96];
	enum otpbox_err err = OTPBOX_ERR_NOMEM;
	bool sasl_ir = imap_client_has_cap(cl, "SASL-IR");
	char *line;
	size_t len;

	imap_client_new_tag(cl, tag);
	snprintf(prefix, sizeof(prefix), "%s AUTHENTICATE %s%s", tag, mech,
	         sasl_ir ? " " : "");
	line = imap_client_b64_line(sasl_ir ? prefix : "", ir, irlen, &len);
	if (line == NULL)
		goto out;
	snprintf(shown, sizeof(shown), "%s AUTHENTICATE %s", tag, mech);
	if (sasl_ir) {
		err = imap_client_send_secret(cl, shown, line, len);
		if (err == OTPBOX_OK)
			err = imap_client_sasl_finish(cl, tag, mech, NULL, 0);
	} else {
		log_debug("C: %s", shown);
		strcat(prefix, "\r\n");
		err = imap_client_write(cl, prefix, strlen(prefix));
		if (err == OTPBOX_OK)
			err = imap_client_sasl_finish(cl, tag, mech, line, len);
	}
out:
	secret_buf_free(line);
	return err;
}

/* user NUL user NUL password, or user=U ^A auth=Bearer T ^A ^A. */
static unsigned char *
imap_client_sasl_blob(const char *a, const char *sep1, const char *b,
                      const char *sep2, const char *c, size_t *len)
{
	size_t la = strlen(a), l1 = strlen(sep1), lb = strlen(b),
	       l2 = strlen(sep2), lc = strlen(c);
	unsigned char *p;

	*len = la + l1 + lb + l2 + lc;
	if (*len > IMAP_CLIENT_SASL_MAX / 2)
		return NULL;
	p = malloc(*len + 1);
	if (p == NULL)
		return NULL;
	memcpy(p, a, la);
	memcpy(p + la, sep1, l1);
	memcpy(p + la + l1, b, lb);
	memcpy(p + la + l1 + lb, sep2, l2);
	memcpy(p + la + l1 + lb + l2, c, lc);
	return p;
}

/* LOGIN with quoted strings, for servers without AUTH=PLAIN. */
static enum otpbox_err
imap_client_login_cmd(struct imap_client *cl, const char *user,
                      const char *password)
{
	char tag[IMAP_CLIENT_TAG_MAX], line[IMAP_CLIENT_SASL_MAX], shown[64];
	const struct imap_parse_resp *r;
	const char *s[2] = {user, password};
	enum otpbox_err err;
	size_t n, i;

	imap_client_new_tag(cl, tag);
	n = (size_t)snprintf(line, sizeof(line), "%s LOGIN", tag);
	for (i = 0; i < 2; i++) {
		line[n++] = ' ';
		line[n++] = '"';
		for (const char *p = s[i]; *p; p++) {
			if (*p == '\r' || *p == '\n' || n + 8 > sizeof(line))
				goto bad;
			if (*p == '"' || *p == '\\')
				line[n++] = '\\';
			line[n++] = *p;
		}
		line[n++] = '"';
	}
	memcpy(line + n, "\r\n", 2);
	snprintf(shown, sizeof(shown), "%s LOGIN", tag);
	err = imap_client_send_secret(cl, shown, line, n + 2);
	if (err == OTPBOX_OK)
		err = imap_client_until(cl, tag, &r);
	if (err == OTPBOX_OK)
		err = imap_client_auth_result(cl, r, "LOGIN", "");
	return err;
bad:
	OPENSSL_cleanse(line, sizeof(line));
	imap_client_seterr(cl, "the user name or password cannot be sent "
	                       "with LOGIN (line break or too long)");
	return OTPBOX_ERR_AUTH;
}

/* After login the capabilities may have changed: learn them again unless
 * the login's reply carried them (Dovecot's [CAPABILITY ...] code saves
 * the round trip; Exchange sends none). serial is caps_serial from before
 * the login. */
static enum otpbox_err
imap_client_after_login(struct imap_client *cl, enum otpbox_err err,
                        unsigned serial, char *errbuf, size_t errlen)
{
	if (err == OTPBOX_OK && cl->caps_serial == serial)
		err = imap_client_simple(cl, "CAPABILITY", NULL, 0);
	if (err)
		imap_client_copyerr(cl, errbuf, errlen);
	return err;
}

/* SASL PLAIN: empty authzid NUL user NUL password. */
static unsigned char *
imap_client_plain_blob(const char *user, const char *password, size_t *len)
{
	size_t lu = strlen(user), lp = strlen(password);
	unsigned char *p;

	*len = 1 + lu + 1 + lp;
	if (*len > IMAP_CLIENT_SASL_MAX / 2)
		return NULL;
	p = malloc(*len);
	if (p == NULL)
		return NULL;
	p[0] = 0;
	memcpy(p + 1, user, lu);
	p[1 + lu] = 0;
	memcpy(p + 2 + lu, password, lp);
	return p;
}

enum otpbox_err
imap_client_login_password(struct imap_client *cl, const char *user,
                           const char *password, char *errbuf, size_t errlen)
{
	enum otpbox_err err = OTPBOX_ERR_NOMEM;
	unsigned serial = cl->caps_serial;
	unsigned char *blob;
	size_t len;

	if (imap_client_has_cap(cl, "AUTH=PLAIN")) {
		blob = imap_client_plain_blob(user, password, &len);
		if (blob) {
			err = imap_client_sasl(cl, "PLAIN", blob, len);
			secret_buf_free(blob);
		}
	} else if (imap_client_has_cap(cl, "LOGINDISABLED")) {
		imap_client_seterr(cl, "the server refuses passwords here "
		                       "(LOGINDISABLED): use TLS or xoauth2");
		err = OTPBOX_ERR_AUTH;
	} else {
		err = imap_client_login_cmd(cl, user, password);
	}
	return imap_client_after_login(cl, err, serial, errbuf, errlen);
}

enum otpbox_err
imap_client_login_xoauth2(struct imap_client *cl, const char *user,
                          const char *token, char *errbuf, size_t errlen)
{
	enum otpbox_err err = OTPBOX_ERR_NOMEM;
	unsigned serial = cl->caps_serial;
	unsigned char *blob;
	size_t len;

	blob = imap_client_sasl_blob("user=", user, "\1auth=Bearer ", token,
	                             "\1\1", &len);
	if (blob) {
		err = imap_client_sasl(cl, "XOAUTH2", blob, len);
		OPENSSL_cleanse(blob, len);
		free(blob);
	}
	return imap_client_after_login(cl, err, serial, errbuf, errlen);
}

enum otpbox_err
imap_client_examine(struct imap_client *cl, const char *mailbox, char *errbuf,
                    size_t errlen)
{
	char quoted[512], tag[IMAP_CLIENT_TAG_MAX];
	const struct imap_parse_resp *r;
	enum otpbox_err err;

	memset(&cl->mbox, 0, sizeof(cl->mbox));
	/* Folder names are UTF-8 in the configuration ("Courrier
	 * indésirable") and modified UTF-7 on the wire. */
	if (imap_cmd_mailbox(mailbox, quoted, sizeof(quoted)) != OTPBOX_OK) {
		imap_client_seterr(cl,
		                   "folder name \"%s\" is not valid UTF-8 "
		                   "or is too long",
		                   mailbox);
		err = OTPBOX_ERR_CONFIG;
		goto out;
	}
	err = imap_client_send(cl, tag, "EXAMINE %s", quoted);
	if (err == OTPBOX_OK)
		err = imap_client_until(cl, tag, &r);
	if (err == OTPBOX_OK && r->status != IMAP_PARSE_STATUS_OK) {
		imap_client_seterr(cl, "cannot open folder %s: %s", mailbox,
		                   r->text);
		/* Only a plain NO means "no such folder" (then it is skipped);
		 * BAD, throttling or an unavailable server end the session. */
		err = r->status != IMAP_PARSE_STATUS_NO ? OTPBOX_ERR_PROTOCOL
		      : imap_client_transient(r) ||
		              strcasestr(r->text, "throttled")
		          ? OTPBOX_ERR_NET
		          : OTPBOX_ERR_NOT_FOUND;
	}
	if (err == OTPBOX_OK && cl->mbox.uidvalidity == 0) {
		imap_client_seterr(cl, "the server sent no UIDVALIDITY for %s",
		                   mailbox);
		err = OTPBOX_ERR_PROTOCOL;
	}
out:
	if (err)
		imap_client_copyerr(cl, errbuf, errlen);
	return err;
}

enum otpbox_err
imap_client_idle_start(struct imap_client *cl)
{
	const struct imap_parse_resp *r;
	enum otpbox_err err;

	err = imap_client_send(cl, cl->idle_tag, "IDLE");
	while (err == OTPBOX_OK) {
		err = imap_client_next(cl, -1, &r);
		if (err == OTPBOX_ERR_INTERRUPTED)
			err = OTPBOX_OK;
		else if (err)
			break;
		else if (r->type == IMAP_PARSE_CONTINUATION)
			return OTPBOX_OK;
		else if (r->type == IMAP_PARSE_TAGGED)
			return imap_client_status_err(cl, "IDLE", r);
	}
	return err;
}

enum otpbox_err
imap_client_idle_wait(struct imap_client *cl, int timeout_ms)
{
	const struct imap_parse_resp *r;
	enum otpbox_err err;

	if (cl->mbox.changed)
		return OTPBOX_OK;
	err = imap_client_next(cl, timeout_ms, &r);
	if (err == OTPBOX_OK && r->type == IMAP_PARSE_TAGGED) {
		imap_client_seterr(cl, "IDLE ended by the server: %s", r->text);
		return OTPBOX_ERR_PROTOCOL;
	}
	if (err == OTPBOX_OK && !cl->mbox.changed)
		return OTPBOX_ERR_TIMEOUT; /* e.g. "* OK Still here" */
	return err;
}

enum otpbox_err
imap_client_idle_done(struct imap_client *cl)
{
	const struct imap_parse_resp *r;
	enum otpbox_err err;

	log_debug("C: DONE");
	err = imap_client_write(cl, "DONE\r\n", 6);
	if (err == OTPBOX_OK)
		err = imap_client_until(cl, cl->idle_tag, &r);
	if (err == OTPBOX_OK)
		err = imap_client_status_err(cl, "IDLE", r);
	return err;
}
