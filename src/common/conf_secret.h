/* SPDX-License-Identifier: MIT */
/* Where a secret comes from (environment, ./.env, file, command), and
 * reading it only when it is needed. */
#ifndef OTPBOX_CONF_SECRET_H
#define OTPBOX_CONF_SECRET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "otpbox_err.h"

struct conf_env;

/* Where a secret comes from. At most one of env, file and command is set;
 * the secret itself is read only when needed, by conf_secret_read(). */
struct conf_secret {
	char *env;     /* name of an environment variable (or ./.env key) */
	char *file;    /* a file of ours that only its owner can read */
	char *command; /* a shell command whose output is the secret */
	/* The values of ./.env consulted after the environment, or NULL.
	 * Borrowed: set by conf_load(), owned by its struct conf. */
	const struct conf_env *dotenv;
};

/*
 * Reads a secret. *out is a NUL-terminated copy the caller must wipe and
 * free with conf_secret_free(). what names the setting in messages
 * ("password"). An env secret comes from the environment, else from the
 * ./.env values (secret->dotenv). A file must pass conf_secret_file_check().
 * Returns OTPBOX_OK, OTPBOX_ERR_SECRET (errbuf says why, without the
 * secret) or OTPBOX_ERR_NOMEM.
 */
enum otpbox_err conf_secret_read(const struct conf_secret *secret,
                                 const char *what, char **out, char *errbuf,
                                 size_t errlen);
/* Wipes and frees a secret from conf_secret_read(); NULL is fine. */
void conf_secret_free(char *secret);

/*
 * The rule for a file otpbox takes settings or secrets from (password
 * files, ./.env): its owner is the running user or root, and, when it
 * holds a secret, neither group nor others may read or write it. st is
 * the file's fstat(). Returns true when the file may be used; else false
 * with why and what to do in buf ("FILE is readable by ...; run ...").
 */
bool conf_secret_file_check(const struct stat *st, const char *path,
                            bool holds_secret, char *buf, size_t len);

#endif
