/* SPDX-License-Identifier: MIT */
/* The network steps of `otpbox doctor` for one account, each on its own
 * so the first broken one is named: secret, DNS, TCP, TLS and greeting
 * (imap_client_open), sign-in (the fetcher's own login, with its OAuth2
 * explanations), and EXAMINE of every folder. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <unistd.h>

#include "doctor_p.h"
#include "fetch_account.h"
#include "imap_client.h"

/* doctor is never interrupted between steps; the fetch code wants a flag. */
static volatile sig_atomic_t doctor_net_stop;

/* Reads the secret s the way the fetcher will; optional: a secret with no
 * source set is not needed (an OAuth2 flow without a client secret). */
static bool
doctor_net_one_secret(struct doctor *d, const struct conf_account *a,
                      const struct conf_secret *s, const char *what,
                      bool optional)
{
	char errbuf[512], *secret = NULL;
	enum otpbox_err err;

	if (optional && !s->env && !s->file && !s->command)
		return true;
	err = conf_secret_read(s, what, &secret, errbuf, sizeof(errbuf));
	conf_secret_free(secret);
	if (err)
		return doctor_step(d, "secret", a->name, DOCTOR_FAIL, EX_CONFIG,
		                   "make the secret readable by this user only "
		                   "(chmod 600) or set the variable it names",
		                   "%s", errbuf);
	return true;
}

static bool
doctor_net_secret(struct doctor *d, const struct conf_account *a)
{
	if (a->auth == CONF_AUTH_PASSWORD) {
		if (!doctor_net_one_secret(d, a, &a->password, "password",
		                           false))
			return false;
	} else if (!doctor_net_one_secret(d, a, &a->oauth2.client_secret,
	                                  "oauth2.client_secret", true)) {
		return false;
	}
	if (a->auth == CONF_AUTH_XOAUTH2 && a->oauth2.refresh_token_file &&
	    access(a->oauth2.refresh_token_file, R_OK | W_OK) < 0)
		return doctor_step(d, "secret", a->name, DOCTOR_FAIL, EX_CONFIG,
		                   "the refresh token file must exist and be "
		                   "readable and writable (it rotates); create "
		                   "it as the fetcher's user",
		                   "%s: %s", a->oauth2.refresh_token_file,
		                   strerror(errno));
	return doctor_step(
	    d, "secret", a->name, DOCTOR_OK, 0, NULL, "%s readable (not shown)",
	    a->auth == CONF_AUTH_PASSWORD ? "password" : "OAuth2 settings");
}

static bool
doctor_net_dns(struct doctor *d, const struct conf_account *a,
               struct addrinfo **res)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM};
	char port[16];
	int rc, n = 0;

	snprintf(port, sizeof(port), "%d", a->port);
	rc = getaddrinfo(a->host, port, &hints, res);
	if (rc != 0)
		return doctor_step(d, "dns", a->name, DOCTOR_FAIL, EX_NOHOST,
		                   "check the spelling of host and this "
		                   "machine's resolver (getent hosts NAME, "
		                   "/etc/resolv.conf)",
		                   "%s does not resolve: %s", a->host,
		                   gai_strerror(rc));
	for (struct addrinfo *ai = *res; ai; ai = ai->ai_next)
		n++;
	return doctor_step(d, "dns", a->name, DOCTOR_OK, 0, NULL,
	                   "%s resolves to %d address%s", a->host, n,
	                   n == 1 ? "" : "es");
}

/* Connects to one address within timeout_ms; 0 or an errno. */
static int
doctor_net_connect(const struct addrinfo *ai, int timeout_ms)
{
	struct pollfd p;
	socklen_t len = sizeof(int);
	int fd, e = 0;

	fd = socket(ai->ai_family,
	            ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
	            ai->ai_protocol);
	if (fd < 0)
		return errno;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		e = errno;
		if (e == EINPROGRESS) {
			p = (struct pollfd){.fd = fd, .events = POLLOUT};
			e = poll(&p, 1, timeout_ms) == 1 ? 0 : ETIMEDOUT;
			if (e == 0 &&
			    getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
				e = errno;
		}
	}
	close(fd);
	return e;
}

static bool
doctor_net_tcp(struct doctor *d, const struct conf_account *a,
               const struct addrinfo *res)
{
	char addr[128] = "?";
	int e = ENOENT;

	for (const struct addrinfo *ai = res; ai && e; ai = ai->ai_next) {
		getnameinfo(ai->ai_addr, ai->ai_addrlen, addr, sizeof(addr),
		            NULL, 0, NI_NUMERICHOST);
		e = doctor_net_connect(ai, a->timeout_seconds * 1000);
	}
	if (e)
		return doctor_step(
		    d, "tcp", a->name, DOCTOR_FAIL, EX_UNAVAILABLE,
		    "a firewall or the server refuses the port: "
		    "check port (993 implicit TLS, 143 STARTTLS) "
		    "and outbound rules (nc -vz HOST PORT)",
		    "cannot connect to %s port %d (last tried "
		    "%s): %s",
		    a->host, a->port, addr, strerror(e));
	return doctor_step(d, "tcp", a->name, DOCTOR_OK, 0, NULL,
	                   "connected to %s port %d", addr, a->port);
}

/* The TLS step's fix for imap_conn's message. */
static const char *
doctor_net_tls_fix(const char *msg)
{
	if (strstr(msg, "mismatch") || strstr(msg, "hostname"))
		return "connect by the name in the server's certificate "
		       "(host = ...), not by an address or an alias";
	if (strstr(msg, "certificate"))
		return "the certificate is not trusted here: set ca_file to "
		       "the CA that signed it, install ca-certificates, or fix "
		       "the server's chain";
	return "the server must speak TLS 1.2 or newer on this port: check "
	       "tls (implicit for 993, starttls for 143) and port";
}

static bool
doctor_net_open(struct doctor *d, const struct conf_account *a,
                struct imap_client **cl)
{
	struct imap_client_opts o = {
	    .conn = {.host = a->host,
	             .port = a->port,
	             .ca_file = a->ca_file,
	             .timeout_ms = a->timeout_seconds * 1000,
	             .tls = a->tls == CONF_TLS_IMPLICIT ? IMAP_CONN_TLS_NOW
	                    : a->tls == CONF_TLS_STARTTLS
	                        ? IMAP_CONN_TLS_LATER
	                        : IMAP_CONN_TLS_NEVER},
	    .max_literal = 65536,
	};
	char errbuf[1024] = "";
	enum otpbox_err err;

	if (a->tls == CONF_TLS_NONE && !a->allow_plaintext)
		return doctor_step(d, "tls", a->name, DOCTOR_FAIL, EX_CONFIG,
		                   "use tls = \"implicit\" or \"starttls\"; or "
		                   "set allow_plaintext = true to send the "
		                   "password in clear",
		                   "tls = \"none\" without allow_plaintext");
	err = imap_client_open(&o, cl, errbuf, sizeof(errbuf));
	if (err == OTPBOX_ERR_TLS)
		return doctor_step(d, "tls", a->name, DOCTOR_FAIL, EX_TEMPFAIL,
		                   doctor_net_tls_fix(errbuf), "%s", errbuf);
	if (a->tls == CONF_TLS_NONE)
		doctor_step(
		    d, "tls", a->name, DOCTOR_WARN, 0,
		    "use tls = \"implicit\" (993) or \"starttls\" (143)",
		    "plain text (allow_plaintext): the password crosses "
		    "the network in clear");
	else if (err)
		doctor_step(d, "tls", a->name, DOCTOR_SKIP, 0, NULL,
		            "not checked: the session failed first");
	else
		doctor_step(d, "tls", a->name, DOCTOR_OK, 0, NULL,
		            "%s; certificate verified for %s",
		            imap_client_tls_version(*cl), a->host);
	if (err)
		return doctor_step(
		    d, "greeting", a->name, DOCTOR_FAIL, EX_PROTOCOL,
		    "this port does not answer like an IMAP "
		    "server: check host, port and tls",
		    "%s", errbuf[0] ? errbuf : otpbox_strerror(err));
	return doctor_step(
	    d, "greeting", a->name,
	    imap_client_has_cap(*cl, "IDLE") ? DOCTOR_OK : DOCTOR_WARN, 0,
	    "without IDLE, fetch --watch polls every "
	    "fetch.poll_interval_seconds",
	    "IMAP server ready; IDLE %s",
	    imap_client_has_cap(*cl, "IDLE") ? "offered" : "not offered");
}

/* Reads the INTERNALDATE of the selected folder's last message ("FETCH *":
 * read-only, sets no flag) into d->server_newest. Best effort: the clock
 * step simply has less to say without it. */
static void
doctor_net_newest(struct doctor *d, struct imap_client *cl)
{
	const struct imap_parse_resp *r;
	char tag[IMAP_CLIENT_TAG_MAX];

	if (imap_client_get_mailbox(cl)->exists == 0 ||
	    imap_client_send(cl, tag, "FETCH * (INTERNALDATE)"))
		return;
	while (imap_client_next(cl, -1, &r) == OTPBOX_OK) {
		if (r->type == IMAP_PARSE_UNTAGGED &&
		    r->data == IMAP_PARSE_DATA_FETCH &&
		    r->fetch.has_internaldate)
			d->server_newest = (int64_t)r->fetch.internaldate;
		if (r->type == IMAP_PARSE_TAGGED && !strcmp(r->tag, tag))
			return;
	}
}

/* Signs in the way the fetcher does, then EXAMINEs every folder. */
static bool
doctor_net_login(struct doctor *d, size_t index)
{
	const struct conf_account *a = &d->conf->accounts[index];
	struct fetch_account *fa = NULL;
	struct imap_client *cl = NULL;
	char errbuf[1024] = "";
	enum otpbox_err err;
	bool ok = true;
	size_t i;

	err = fetch_account_new(d->conf, index, NULL, &doctor_net_stop, &fa,
	                        errbuf, sizeof(errbuf));
	if (err == OTPBOX_OK)
		err = fetch_account_connect(fa, &cl, errbuf, sizeof(errbuf));
	if (err)
		ok = doctor_step(d, "sign-in", a->name, DOCTOR_FAIL,
		                 fetch_account_exit_status(err),
		                 err == OTPBOX_ERR_AUTH
		                     ? "check user and the password or OAuth2 "
		                       "settings (docs/m365-setup.md); the "
		                       "server's words are above"
		                     : "see the message above",
		                 "%s",
		                 errbuf[0] ? errbuf : otpbox_strerror(err));
	else
		ok = doctor_step(d, "sign-in", a->name, DOCTOR_OK, 0, NULL,
		                 "signed in as %s (%s)", a->user,
		                 a->auth == CONF_AUTH_XOAUTH2 ? "XOAUTH2"
		                                              : "password");
	for (i = 0; ok && i < a->nfolders; i++) {
		err = imap_client_examine(cl, a->folders[i], errbuf,
		                          sizeof(errbuf));
		if (err)
			ok = doctor_step(
			    d, "folder", a->name, DOCTOR_FAIL,
			    err == OTPBOX_ERR_NOT_FOUND ? EX_NOINPUT
			                                : EX_TEMPFAIL,
			    "check the folder's exact name on the server "
			    "(Microsoft 365: \"Junk Email\", not \"Junk\")",
			    "%s: %s", a->folders[i], errbuf);
		else
			ok = doctor_step(
			    d, "folder", a->name, DOCTOR_OK, 0, NULL,
			    "%s: %u messages, UIDVALIDITY %u (read-only "
			    "EXAMINE)",
			    a->folders[i], imap_client_get_mailbox(cl)->exists,
			    imap_client_get_mailbox(cl)->uidvalidity);
		if (ok && i == 0 && index == 0)
			doctor_net_newest(d, cl);
	}
	imap_client_free(cl);
	fetch_account_free(fa);
	return ok;
}

bool
doctor_net_account(struct doctor *d, size_t index)
{
	const struct conf_account *a = &d->conf->accounts[index];
	struct imap_client *cl = NULL;
	struct addrinfo *res = NULL;
	bool ok;

	if (!doctor_net_secret(d, a))
		return false;
	ok = doctor_net_dns(d, a, &res) && doctor_net_tcp(d, a, res);
	if (res)
		freeaddrinfo(res);
	ok = ok && doctor_net_open(d, a, &cl);
	imap_client_free(cl);
	return ok && doctor_net_login(d, index);
}
