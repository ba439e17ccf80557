/* SPDX-License-Identifier: MIT */
/* otpbox configuration: the libconfig file, the environment and defaults. */
#ifndef OTPBOX_CONF_H
#define OTPBOX_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "conf_env.h"
#include "conf_secret.h"
#include "otpbox_err.h"

/* Microsoft 365 defaults, used when a setting is absent. */
#define CONF_DEFAULT_HOST "outlook.office365.com"
#define CONF_DEFAULT_PORT 993
#define CONF_DEFAULT_FOLDER "INBOX"
#define CONF_DEFAULT_PASSWORD_ENV "M365_APP_PASSWORD"
#define CONF_DEFAULT_EMAIL_ENV CONF_ENV_EMAIL
#define CONF_DEFAULT_TOKEN_ENDPOINT                                            \
	"https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"
/* The system-wide file, a fixed path that scripts and docs rely on. */
#define CONF_SYSTEM_FILE "/etc/otpbox/otpbox.conf"
/* The database of a fetcher running as root (systemd StateDirectory). */
#define CONF_SYSTEM_DATABASE "/var/lib/otpbox/otpbox.db"

enum conf_auth {
	CONF_AUTH_PASSWORD = 0, /* LOGIN / AUTH=PLAIN with a password */
	CONF_AUTH_XOAUTH2,      /* SASL XOAUTH2 with an OAuth2 token */
};

enum conf_tls {
	CONF_TLS_IMPLICIT = 0, /* TLS from the first byte (port 993) */
	CONF_TLS_STARTTLS,     /* plain connect, then STARTTLS (port 143) */
	CONF_TLS_NONE,         /* no TLS at all: needs allow_plaintext */
};

enum conf_oauth2_flow {
	CONF_OAUTH2_CLIENT_CREDENTIALS = 0, /* app-only, IMAP.AccessAsApp */
	CONF_OAUTH2_REFRESH_TOKEN,          /* delegated, rotating token */
};

struct conf_oauth2 {
	char *tenant;
	char *client_id;
	struct conf_secret client_secret;
	enum conf_oauth2_flow flow;
	char *refresh_token_file;
	char *token_endpoint; /* {tenant} is replaced by tenant */
	char *scope;          /* NULL: the flow's Microsoft default */
	char *ca_file;        /* extra trust anchor for the endpoint */
	char *access_token_command;
};

struct conf_account {
	char *name;
	char *user;
	char *mailbox; /* the catch-all's own address; defaults to user */
	enum conf_auth auth;
	struct conf_secret password;
	char *host;
	int port;
	enum conf_tls tls;
	bool allow_plaintext;
	char *ca_file;
	int timeout_seconds; /* connect and reply deadline */
	char **folders;
	size_t nfolders;
	char **domains; /* bot domains; none means any domain */
	size_t ndomains;
	/* Recipient headers in trust order; none: the server's default
	 * (recipient_headers_for_host()). */
	char **recipient_headers;
	size_t nrecipient_headers;
	/* Whose Authentication-Results count; NULL: the topmost one. */
	char *authserv_id;
	bool has_oauth2;
	struct conf_oauth2 oauth2;
	int line; /* where the account was defined, 0 if from environment */
};

struct conf {
	char *path; /* the file read, or NULL when none */
	/* The documented keys of ./.env (conf_env.h), or NULL when not read.
	 * Never exported: the secrets' dotenv fields point here. */
	struct conf_env *dotenv;
	char *warnings; /* lines for the user ("FILE:LINE: ...\n"), or NULL */
	char *database; /* NULL until resolved by conf_database() */
	/* The PostgreSQL password (database_password_env/_file/_command);
	 * none set: libpq's own (.pgpass, PGPASSFILE, a service file). */
	struct conf_secret database_password;
	struct conf_account *accounts;
	size_t naccounts;
	struct {
		bool idle;
		int poll_interval_seconds;
		long max_message_bytes;
		int retention_days;
		int batch_size;
	} fetch;
	struct {
		int timeout_seconds;
		int max_email_age_seconds;
		/* Default --from patterns of every wait (none: any sender) */
		char **senders;
		size_t nsenders;
		bool require_authenticated_sender; /* default --authenticated */
	} wait;
	struct {
		char **custom_patterns;
		size_t ncustom_patterns;
		/* extract.rules: rule i tries rule_pattern[i] on mail whose
		 * From addr-spec matches the glob rule_from[i] */
		char **rule_from, **rule_pattern;
		size_t nrules;
	} extract;
	struct {
		/* `otpbox status` says unhealthy past these
		 * (docs/operations.md) */
		int max_sync_age_seconds;      /* since the last success */
		int max_heartbeat_age_seconds; /* --watch fetcher silent */
	} status;
};

/* What conf_load_flags() reads besides the configuration file. */
enum conf_load_flag {
	/* ./.env of the working directory: for the otpbox program only,
	 * never for libotpbox, whose caller's directory is not ours. */
	CONF_LOAD_DOTENV = 1 << 0,
};

/*
 * Loads the configuration. path is the -c argument or NULL; then
 * $OTPBOX_CONFIG, then CONF_SYSTEM_FILE if it exists. The file must be a
 * readable regular file; it is read whole and then parsed. With
 * CONF_LOAD_DOTENV, ./.env is read too (conf_env.h): only M365_EMAIL and
 * the names of password_env / client_secret_env are taken from it
 * (variables already in the environment win), into conf->dotenv, never
 * into the environment; other keys are dropped with a line in
 * conf->warnings. With no account in the file, $M365_EMAIL creates one
 * with Microsoft 365 defaults. On OTPBOX_ERR_CONFIG, *errors holds every
 * problem found, one per line, each naming file, line and setting; the
 * caller frees it. On success *out belongs to the caller (conf_free()).
 */
enum otpbox_err conf_load_flags(const char *path, unsigned flags,
                                struct conf **out, char **errors);
/* conf_load_flags(path, CONF_LOAD_DOTENV, out, errors): the program's. */
enum otpbox_err conf_load(const char *path, struct conf **out, char **errors);
/* Parses configuration text as if read from the file name `name`. */
enum otpbox_err conf_load_string(const char *text, const char *name,
                                 struct conf **out, char **errors);
void conf_free(struct conf *conf);

/*
 * The database path (conf_file_database_dup(): --db, $OTPBOX_DB, the
 * file's `database`, then the per-user default). The result belongs to
 * conf and replaces the previous one; NULL when out of memory.
 */
const char *conf_database(struct conf *conf, const char *override);

#endif
