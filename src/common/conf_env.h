/* SPDX-License-Identifier: MIT */
/* The ./.env file: KEY=VALUE lines kept in a private table, never exported
 * into the process environment, and only for keys otpbox documents. */
#ifndef OTPBOX_CONF_ENV_H
#define OTPBOX_CONF_ENV_H

#include <stdbool.h>

#include "otpbox_err.h"

/* The key that names the account's address in the seed's set-up. */
#define CONF_ENV_EMAIL "M365_EMAIL"

struct conf_env; /* opaque: the values of one .env file */

/* Makes an empty table. OTPBOX_OK or OTPBOX_ERR_NOMEM; *out belongs to
 * the caller (conf_env_free()). */
enum otpbox_err conf_env_new(struct conf_env **out);
/* Wipes every value and frees env; NULL is fine. */
void conf_env_free(struct conf_env *env);

/*
 * Reads the KEY=VALUE lines of path (comments, "export KEY=..." and quotes
 * as a shell .env; lines of any length) into env. A missing file is not an
 * error. The file must belong to the running user or root. Returns
 * OTPBOX_OK, OTPBOX_ERR_NOMEM, or OTPBOX_ERR_CONFIG (not ours, not a
 * regular file, unreadable, over 1 MiB: conf_env_error() says which).
 */
enum otpbox_err conf_env_read(struct conf_env *env, const char *path);

/* Declares that otpbox reads the key name from .env; secret: its value is
 * a secret, so the file must not be readable by group or others. The
 * name is copied. OTPBOX_OK or OTPBOX_ERR_NOMEM. */
enum otpbox_err conf_env_allow(struct conf_env *env, const char *name,
                               bool secret);

/*
 * Applies the declared keys: every other key is dropped (and wiped) with
 * a warning, and a file holding a secret key must pass
 * conf_secret_file_check(). Returns OTPBOX_OK or OTPBOX_ERR_CONFIG
 * (conf_env_error() says why).
 */
enum otpbox_err conf_env_check(struct conf_env *env);

/* The value of name: the process environment first (a variable already
 * set wins, as a shell's would), then env's table (env may be NULL).
 * Borrowed: valid until env is freed or the environment changes. NULL
 * when neither has it. */
const char *conf_env_lookup(const struct conf_env *env, const char *name);

/* Why the last call failed, one line with the file name; "" if none.
 * Belongs to env. */
const char *conf_env_error(const struct conf_env *env);
/* Lines "FILE:LINE: KEY ... ignored\n" for each key conf_env_check()
 * dropped, or NULL. Belongs to env. */
const char *conf_env_warnings(const struct conf_env *env);

#endif
