/* SPDX-License-Identifier: MIT */
/* Opening the store a configuration names, with the database password
 * its settings give (database_password_env/_file/_command). */
#ifndef OTPBOX_STORE_CONF_H
#define OTPBOX_STORE_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "store.h"

/*
 * store_open() of database (resolved: conf_database()) with the password
 * of conf's database_password_* setting when database is a server and one
 * is set; the secret is read, handed to libpq and wiped. Errors: those of
 * store_open(), and OTPBOX_ERR_SECRET with errbuf saying why (without the
 * secret).
 */
enum otpbox_err store_conf_open(const struct conf *conf, const char *database,
                                bool create, struct store **out, char *errbuf,
                                size_t errlen);

#endif
