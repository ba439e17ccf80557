/* SPDX-License-Identifier: MIT */
/* Opens the configured store: a PostgreSQL password from the
 * configuration's secret settings, read only for a server and wiped at
 * once. */
#include "store_conf.h"

enum otpbox_err
store_conf_open(const struct conf *conf, const char *database, bool create,
                struct store **out, char *errbuf, size_t errlen)
{
	const struct conf_secret *s = &conf->database_password;
	char *password = NULL;
	enum otpbox_err err;

	*out = NULL;
	if (store_kind_of(database) != STORE_KIND_SQLITE &&
	    (s->env || s->file || s->command) &&
	    (err = conf_secret_read(s, "database_password", &password, errbuf,
	                            errlen)))
		return err;
	err = store_open_password(database, password, create, out, errbuf,
	                          errlen);
	conf_secret_free(password);
	return err;
}
