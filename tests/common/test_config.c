/* SPDX-License-Identifier: MIT */
/* Configuration tests: every error path, defaults and precedence. */
#include "../cunit_main.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "otpbox.h"

/* A configuration text and the error lines it must produce. */
struct conf_case {
	const char *name;
	const char *text;
	const char *want[4]; /* substrings that must appear in the errors */
	int want_lines;      /* number of error lines, 0 = valid */
};

static const struct conf_case conf_cases[] = {
    {"minimal account", "accounts = ( { user = \"a@x.test\"; } );", {NULL}, 0},
    {"syntax error names the line",
     "database = \"x\";\naccounts = ( { user = a@x; } );",
     {"t.conf:2: syntax error"},
     1},
    {"unknown top-level setting with suggestion",
     "databse = \"/tmp/x.db\";",
     {"t.conf:1: unknown setting 'databse' (did you mean 'database'?)"},
     1},
    {"unknown account setting",
     "accounts = ( {\n user = \"a@x.test\";\n pasword_env = \"P\";\n} );",
     {"t.conf:3: unknown setting 'accounts[0].pasword_env' "
      "(did you mean 'password_env'?)"},
     1},
    {"unknown setting without a near name",
     "fetch = { zzzzzzzzzz = 1; };",
     {"unknown setting 'fetch.zzzzzzzzzz'"},
     1},
    {"string expected",
     "database = 5;",
     {"t.conf:1: setting 'database' must be a string"},
     1},
    {"integer expected",
     "accounts = ( { user = \"a@x.test\"; port = \"993\"; } );",
     {"setting 'accounts[0].port' must be a whole number"},
     1},
    {"integer out of range",
     "accounts = ( { user = \"a@x.test\"; port = 70000; } );",
     {"'accounts[0].port' is 70000; it must be from 1 to 65535"},
     1},
    {"boolean expected",
     "fetch = { idle = \"yes\"; };",
     {"setting 'fetch.idle' must be true or false"},
     1},
    {"list expected",
     "accounts = ( { user = \"a@x.test\"; folders = \"INBOX\"; } );",
     {"'accounts[0].folders' must be a list of strings"},
     1},
    {"list of strings expected",
     "extract = { custom_patterns = [ 1, 2 ]; };",
     {"'extract.custom_patterns' must contain only strings"},
     2},
    {"extract rules load",
     "extract = { rules = ( { from = \"*@a.example\"; pattern = "
     "\"code: ([0-9]{6})\"; } ); };",
     {NULL},
     0},
    {"extract rule with a bad pattern or no scope",
     "extract = {\n rules = (\n { from = \"*@a.example\";\n"
     "   pattern = \"code: (\\\\d{6}\"; },\n { pattern = \"x\"; } );\n};",
     {"t.conf:4: extract.rules[0].pattern: pattern 'code: (\\d{6}' at "
      "offset 12: missing closing parenthesis",
      "t.conf:5: extract.rules[1].from must be a non-empty string"},
     2},
    {"enum value",
     "accounts = ( { user = \"a@x.test\"; tls = \"ssl\"; } );",
     {"'accounts[0].tls' must be one of: implicit, starttls, none"},
     1},
    {"group expected", "fetch = 3;", {"setting 'fetch' must be a group"}, 1},
    {"accounts must be a list",
     "accounts = 3;",
     {"setting 'accounts' must be a list"},
     1},
    {"account without user",
     "accounts = ( { name = \"a\"; } );",
     {"t.conf:1: accounts[0]: 'user' is missing"},
     1},
    {"plaintext needs consent",
     "accounts = ( { user = \"a@x.test\"; tls = \"none\"; } );",
     {"t.conf:1: accounts[0].tls: tls = \"none\" sends the password",
      "allow_plaintext = true"},
     1},
    {"plaintext with consent",
     "accounts = ( { user = \"a@x.test\"; tls = \"none\";"
     " allow_plaintext = true; } );",
     {NULL},
     0},
    {"two password sources",
     "accounts = ( { user = \"a@x.test\"; password_env = \"A\";"
     " password_file = \"/f\"; } );",
     {"give only one of password_env, password_file"},
     1},
    {"xoauth2 without oauth2 group",
     "accounts = ( { user = \"a@x.test\"; auth = \"xoauth2\"; } );",
     {"needs an 'oauth2' group"},
     1},
    {"xoauth2 missing client id, tenant and secret",
     "accounts = ( { user = \"a@x.test\"; auth = \"xoauth2\";"
     " oauth2 = { flow = \"client_credentials\"; }; } );",
     {"accounts[0].oauth2: 'client_id' is missing",
      "'tenant' (or 'token_endpoint')", "needs client_secret_env"},
     3},
    {"refresh flow needs a token file",
     "accounts = ( { user = \"a@x.test\"; auth = \"xoauth2\";"
     " oauth2 = { flow = \"refresh_token\"; tenant = \"t\";"
     " client_id = \"c\"; }; } );",
     {"needs 'refresh_token_file'"},
     1},
    {"oauth2 complete",
     "accounts = ( { user = \"a@x.test\"; auth = \"xoauth2\";"
     " oauth2 = { tenant = \"t\"; client_id = \"c\";"
     " client_secret_env = \"S\"; }; } );",
     {NULL},
     0},
    {"oauth2 group with password auth",
     "accounts = ( { user = \"a@x.test\";"
     " oauth2 = { tenant = \"t\"; }; } );",
     {"only used with auth = \"xoauth2\""},
     1},
    {"unknown oauth2 setting",
     "accounts = ( { user = \"a@x.test\"; auth = \"xoauth2\";"
     " oauth2 = { tenant = \"t\"; client_id = \"c\";"
     " client_secret_env = \"S\"; tennant = \"x\"; }; } );",
     {"unknown setting 'accounts[0].oauth2.tennant'"},
     1},
    {"duplicate account names",
     "accounts = ( { name = \"a\"; user = \"a@x.test\"; },\n"
     " { name = \"a\"; user = \"b@x.test\"; } );",
     {"t.conf:2: account name 'a' is used twice"},
     1},
    {"trust settings",
     "accounts = ( { user = \"a@x.test\"; authserv_id = \"mx.x.test\";\n"
     " recipient_headers = [ \"Delivered-To\", \"To\" ]; } );\n"
     "wait = { senders = [ \"bank.example\", \"*@*.b.example\" ];\n"
     " require_authenticated_sender = true; };",
     {NULL},
     0},
    {"bad sender pattern names its line",
     "wait = { senders = [ \"bank.example\",\n \"Bank <a@b>\" ]; };",
     {"t.conf:2: wait.senders: 'Bank <a@b>' is not an address"},
     1},
    {"require_authenticated_sender is a boolean",
     "wait = {\n require_authenticated_sender = 1; };",
     {"t.conf:2: setting 'wait.require_authenticated_sender' must be true"},
     1},
    {"every error at once",
     "databse = \"x\";\nfetch = { idle = 1; poll_interval_seconds = 0; };"
     "\nwait = { timeout_seconds = \"x\"; };",
     {"t.conf:1:", "fetch.idle", "poll_interval_seconds' is 0", "t.conf:3:"},
     4},
};

static int
test_count_lines(const char *s)
{
	int n = 0;

	for (; s && *s; s++)
		n += *s == '\n';
	return n;
}

static void
test_conf_table(void)
{
	size_t i, j;

	unsetenv("M365_EMAIL");
	for (i = 0; i < sizeof(conf_cases) / sizeof(conf_cases[0]); i++) {
		const struct conf_case *c = &conf_cases[i];
		struct conf *conf = NULL;
		char *errors = NULL;
		enum otpbox_err err;

		err = conf_load_string(c->text, "t.conf", &conf, &errors);
		TEST_EXPECT_INT(c->name, err,
		                c->want_lines ? OTPBOX_ERR_CONFIG : OTPBOX_OK);
		TEST_EXPECT_INT(c->name, test_count_lines(errors),
		                c->want_lines);
		for (j = 0; j < 4 && c->want[j]; j++)
			if (errors == NULL || !strstr(errors, c->want[j])) {
				fprintf(stderr, "  %s: wanted '%s' in:\n%s\n",
				        c->name, c->want[j],
				        errors ? errors : "(none)");
				CU_FAIL("missing error text");
			}
		conf_free(conf);
		free(errors);
	}
}

/* Errors come in the order of the file, whatever order they were found. */
static void
test_conf_error_order(void)
{
	struct conf *conf = NULL;
	char *errors = NULL, *a, *b, *c;

	unsetenv("M365_EMAIL");
	CU_ASSERT(
	    conf_load_string("accounts = ( {\n user = \"a@x.test\";\n"
	                     " porrt = 1; } );\nfetch = { idel = true; };\n"
	                     "wait = { timeout_seconds = \"x\"; };",
	                     "t.conf", &conf, &errors) == OTPBOX_ERR_CONFIG);
	CU_ASSERT_FATAL(errors != NULL);
	a = strstr(errors, "t.conf:3:");
	b = strstr(errors, "t.conf:4:");
	c = strstr(errors, "t.conf:5:");
	if (!(a && b && c && a < b && b < c))
		fprintf(stderr, "  errors out of file order:\n%s", errors);
	CU_ASSERT(a && b && c && a < b && b < c);
	free(errors);
}

/* A file full of typos reports the first hundred and counts the rest. */
static void
test_conf_error_cap(void)
{
	struct conf *conf = NULL;
	char text[4096], *errors = NULL;
	size_t off = 0;
	int i;

	for (i = 0; i < 105; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
		                        "typo%d = 1;\n", i);
	CU_ASSERT(conf_load_string(text, "t.conf", &conf, &errors) ==
	          OTPBOX_ERR_CONFIG);
	CU_ASSERT_FATAL(errors != NULL);
	TEST_EXPECT_INT("error lines", test_count_lines(errors), 101);
	CU_ASSERT(strstr(errors, "t.conf:1: unknown setting 'typo0'") ==
	          errors);
	CU_ASSERT(strstr(errors, "\n... and 5 more errors\n") != NULL);
	free(errors);
}

static void
test_conf_defaults(void)
{
	struct conf *conf = NULL;
	struct conf_account *a;

	unsetenv("M365_EMAIL");
	CU_ASSERT_FATAL(conf_load_string("accounts = ( { user = "
	                                 "\"Admin@x.test\"; } );",
	                                 "t.conf", &conf, NULL) == OTPBOX_OK);
	a = &conf->accounts[0];
	TEST_EXPECT_STR("host", a->host, CONF_DEFAULT_HOST);
	TEST_EXPECT_INT("port", a->port, 993);
	TEST_EXPECT_INT("tls", a->tls, CONF_TLS_IMPLICIT);
	TEST_EXPECT_INT("timeout", a->timeout_seconds, 120);
	TEST_EXPECT_STR("folder", a->folders[0], "INBOX");
	TEST_EXPECT_INT("nfolders", a->nfolders, 1);
	TEST_EXPECT_STR("password env", a->password.env, "M365_APP_PASSWORD");
	TEST_EXPECT_STR("mailbox", a->mailbox, "Admin@x.test");
	TEST_EXPECT_STR("name", a->name, "account1");
	TEST_EXPECT_INT("poll", conf->fetch.poll_interval_seconds, 3);
	TEST_EXPECT_INT("max bytes", conf->fetch.max_message_bytes, 262144);
	TEST_EXPECT_INT("wait timeout", conf->wait.timeout_seconds, 120);
	TEST_EXPECT_INT("max age", conf->wait.max_email_age_seconds, 600);
	TEST_EXPECT_INT("no senders", conf->wait.nsenders, 0);
	TEST_EXPECT_INT("authenticated not required",
	                conf->wait.require_authenticated_sender, 0);
	TEST_EXPECT_STR("authserv_id", a->authserv_id, NULL);
	TEST_EXPECT_INT("recipient headers", a->nrecipient_headers, 0);
	conf_free(conf);

	CU_ASSERT_FATAL(
	    conf_load_string("accounts = ( { user = \"a@x.test\";"
	                     " authserv_id = \"mx.x.test\";"
	                     " recipient_headers = [ \"To\" ]; } );"
	                     " wait = { senders = [ \"bank.example\" ];"
	                     " require_authenticated_sender = true; };",
	                     "t.conf", &conf, NULL) == OTPBOX_OK);
	TEST_EXPECT_STR("authserv_id set", conf->accounts[0].authserv_id,
	                "mx.x.test");
	TEST_EXPECT_STR("recipient header",
	                conf->accounts[0].recipient_headers[0], "To");
	TEST_EXPECT_STR("sender", conf->wait.senders[0], "bank.example");
	TEST_EXPECT_INT("authenticated required",
	                conf->wait.require_authenticated_sender, 1);
	conf_free(conf);

	CU_ASSERT_FATAL(conf_load_string("accounts = ( { user = \"a@x.test\";"
	                                 " tls = \"starttls\"; } );",
	                                 "t.conf", &conf, NULL) == OTPBOX_OK);
	TEST_EXPECT_INT("starttls port", conf->accounts[0].port, 143);
	conf_free(conf);
}

/* Writes text to dir/name and returns the path (static buffer). */
static const char *
test_write(const char *dir, const char *name, const char *text, int mode)
{
	static char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	CU_ASSERT_FATAL(fp != NULL);
	fputs(text, fp);
	fclose(fp);
	chmod(path, (mode_t)mode);
	return path;
}

static char test_dir[256];

/* A new scratch directory in test_dir; the previous test's is removed. */
static void
test_make_dir(void)
{
	test_remove_tree(test_dir);
	snprintf(test_dir, sizeof(test_dir), "/tmp/otpbox-conf.XXXXXX");
	CU_ASSERT_FATAL(mkdtemp(test_dir) != NULL);
}

static void
test_conf_precedence(void)
{
	struct conf *conf = NULL;
	char a[512], b[512], cwd[512];

	test_make_dir();
	snprintf(
	    a, sizeof(a), "%s",
	    test_write(test_dir, "a.conf", "database = \"/from/a.db\";", 0600));
	snprintf(
	    b, sizeof(b), "%s",
	    test_write(test_dir, "b.conf", "database = \"/from/b.db\";", 0600));
	unsetenv("OTPBOX_DB");
	setenv("OTPBOX_CONFIG", b, 1);
	CU_ASSERT_FATAL(conf_load(a, &conf, NULL) == OTPBOX_OK);
	TEST_EXPECT_STR("-c beats $OTPBOX_CONFIG", conf_database(conf, NULL),
	                "/from/a.db");
	TEST_EXPECT_STR("--db beats the file", conf_database(conf, "/cli.db"),
	                "/cli.db");
	conf_free(conf);
	CU_ASSERT_FATAL(conf_load(NULL, &conf, NULL) == OTPBOX_OK);
	TEST_EXPECT_STR("$OTPBOX_CONFIG used", conf->path, b);
	setenv("OTPBOX_DB", "/env.db", 1);
	TEST_EXPECT_STR("$OTPBOX_DB beats the file", conf_database(conf, NULL),
	                "/env.db");
	unsetenv("OTPBOX_DB");
	conf_free(conf);
	unsetenv("OTPBOX_CONFIG");

	/* No file: the seed's environment and ./.env make the account. */
	CU_ASSERT_FATAL(getcwd(cwd, sizeof(cwd)) != NULL);
	CU_ASSERT_FATAL(chdir(test_dir) == 0);
	test_write(test_dir, ".env",
	           "# seed style\nM365_EMAIL=env@x.test\n"
	           "export M365_APP_PASSWORD='from dotenv'\n",
	           0600);
	unsetenv("M365_EMAIL");
	setenv("M365_APP_PASSWORD", "already set", 1);
	CU_ASSERT_FATAL(conf_load(NULL, &conf, NULL) == OTPBOX_OK);
	CU_ASSERT_FATAL(conf->naccounts == 1);
	TEST_EXPECT_STR(".env user", conf->accounts[0].user, "env@x.test");
	TEST_EXPECT_STR("M365 host", conf->accounts[0].host,
	                "outlook.office365.com");
	{
		char errbuf[256], *pw = NULL;

		CU_ASSERT(conf_secret_read(&conf->accounts[0].password, "pw",
		                           &pw, errbuf,
		                           sizeof(errbuf)) == OTPBOX_OK);
		TEST_EXPECT_STR("environment beats .env", pw, "already set");
		conf_secret_free(pw);
	}
	conf_free(conf);
	/* A file account without user takes $M365_EMAIL. */
	setenv("M365_EMAIL", "env@x.test", 1);
	CU_ASSERT_FATAL(conf_load_string("accounts = ( { name = \"n\"; } );",
	                                 "t.conf", &conf, NULL) == OTPBOX_OK);
	TEST_EXPECT_STR("user from env", conf->accounts[0].user, "env@x.test");
	conf_free(conf);
	unsetenv("M365_EMAIL");
	unsetenv("M365_APP_PASSWORD");
	CU_ASSERT(chdir(cwd) == 0);
}

static void
test_conf_missing_file(void)
{
	struct conf *conf = NULL;
	char *errors = NULL;

	CU_ASSERT(conf_load("/nonexistent/otpbox.conf", &conf, &errors) ==
	          OTPBOX_ERR_CONFIG);
	CU_ASSERT(errors && strstr(errors, "/nonexistent/otpbox.conf: cannot "
	                                   "open"));
	CU_ASSERT(conf == NULL);
	free(errors);
}

static void
test_conf_secrets(void)
{
	struct conf_secret s = {.file = NULL};
	char errbuf[512], *secret = NULL, path[512];

	test_make_dir();
	snprintf(path, sizeof(path), "%s",
	         test_write(test_dir, "pw", "s3cret\n", 0644));
	s.file = path;
	CU_ASSERT(conf_secret_read(&s, "password", &secret, errbuf,
	                           sizeof(errbuf)) == OTPBOX_ERR_SECRET);
	CU_ASSERT(strstr(errbuf, "readable by group or others") != NULL);
	CU_ASSERT(strstr(errbuf, "s3cret") == NULL);
	chmod(path, 0600);
	CU_ASSERT(conf_secret_read(&s, "password", &secret, errbuf,
	                           sizeof(errbuf)) == OTPBOX_OK);
	TEST_EXPECT_STR("file secret", secret, "s3cret");
	conf_secret_free(secret);

	s.file = NULL;
	s.command = "printf 'from-command\\n'";
	CU_ASSERT(conf_secret_read(&s, "password", &secret, errbuf,
	                           sizeof(errbuf)) == OTPBOX_OK);
	TEST_EXPECT_STR("command secret", secret, "from-command");
	conf_secret_free(secret);
	s.command = "exit 3";
	CU_ASSERT(conf_secret_read(&s, "password", &secret, errbuf,
	                           sizeof(errbuf)) == OTPBOX_ERR_SECRET);
	CU_ASSERT(strstr(errbuf, "exit status 3") != NULL);

	s.command = NULL;
	s.env = "OTPBOX_TEST_SECRET";
	unsetenv("OTPBOX_TEST_SECRET");
	CU_ASSERT(conf_secret_read(&s, "password", &secret, errbuf,
	                           sizeof(errbuf)) == OTPBOX_ERR_SECRET);
	CU_ASSERT(strstr(errbuf, "OTPBOX_TEST_SECRET is not set") != NULL);
	setenv("OTPBOX_TEST_SECRET", "env-secret", 1);
	CU_ASSERT(conf_secret_read(&s, "password", &secret, errbuf,
	                           sizeof(errbuf)) == OTPBOX_OK);
	TEST_EXPECT_STR("env secret", secret, "env-secret");
	conf_secret_free(secret);
}

/* Loads the configuration (no file) with ./.env of test_dir holding text
 * at mode; returns conf_load's result. */
static enum otpbox_err
test_dotenv_load(const char *text, int mode, struct conf **conf, char **errors)
{
	char cwd[512];
	enum otpbox_err err;

	test_make_dir();
	test_write(test_dir, ".env", text, mode);
	CU_ASSERT_FATAL(getcwd(cwd, sizeof(cwd)) != NULL);
	CU_ASSERT_FATAL(chdir(test_dir) == 0);
	err = conf_load(NULL, conf, errors);
	CU_ASSERT(chdir(cwd) == 0);
	return err;
}

static void
test_dotenv_unset(void)
{
	unsetenv("OTPBOX_CONFIG");
	unsetenv("M365_EMAIL");
	unsetenv("M365_APP_PASSWORD");
	unsetenv("SSL_CERT_FILE");
	unsetenv("OPENSSL_CONF");
}

/* The account's password as conf_secret_read() returns it (static). */
static const char *
test_password(struct conf *conf)
{
	static char got[16384];
	char errbuf[256], *pw = NULL;

	got[0] = '\0';
	if (conf_secret_read(&conf->accounts[0].password, "password", &pw,
	                     errbuf, sizeof(errbuf)) == OTPBOX_OK)
		snprintf(got, sizeof(got), "%s", pw);
	else
		snprintf(got, sizeof(got), "error: %s", errbuf);
	conf_secret_free(pw);
	return got;
}

/* Keys otpbox does not read (SSL_CERT_FILE would make the fetcher trust
 * another CA, OPENSSL_CONF load code) never reach the environment; the
 * documented ones are read without being exported either. */
static void
test_dotenv_not_exported(void)
{
	struct conf *conf = NULL;
	char *errors = NULL;

	test_dotenv_unset();
	CU_ASSERT_FATAL(test_dotenv_load("SSL_CERT_FILE=/tmp/evil-ca.pem\n"
	                                 "export OPENSSL_CONF=/tmp/evil.cnf\n"
	                                 "M365_EMAIL=bot@x.test\n"
	                                 "M365_APP_PASSWORD=\"pw from env\"\n",
	                                 0600, &conf, &errors) == OTPBOX_OK);
	TEST_EXPECT_STR("SSL_CERT_FILE", getenv("SSL_CERT_FILE"), NULL);
	TEST_EXPECT_STR("OPENSSL_CONF", getenv("OPENSSL_CONF"), NULL);
	TEST_EXPECT_STR("M365_EMAIL", getenv("M365_EMAIL"), NULL);
	TEST_EXPECT_STR("M365_APP_PASSWORD", getenv("M365_APP_PASSWORD"), NULL);
	CU_ASSERT_FATAL(conf->naccounts == 1);
	TEST_EXPECT_STR("user from .env", conf->accounts[0].user, "bot@x.test");
	TEST_EXPECT_STR("password from .env", test_password(conf),
	                "pw from env");
	CU_ASSERT(conf->warnings &&
	          strstr(conf->warnings, ".env:1: SSL_CERT_FILE is not read") &&
	          strstr(conf->warnings, ".env:2: OPENSSL_CONF is not read"));
	CU_ASSERT(conf->warnings && !strstr(conf->warnings, "evil") &&
	          !strstr(conf->warnings, "pw from env"));
	conf_free(conf);
	free(errors);
}

/* A .env holding a password obeys password_file's rule. */
static void
test_dotenv_mode(void)
{
	struct conf *conf = NULL;
	char *errors = NULL;

	test_dotenv_unset();
	CU_ASSERT(test_dotenv_load("M365_EMAIL=bot@x.test\n"
	                           "M365_APP_PASSWORD=hunter2\n",
	                           0644, &conf, &errors) == OTPBOX_ERR_CONFIG);
	CU_ASSERT(conf == NULL);
	if (!errors || !strstr(errors, ".env holds M365_APP_PASSWORD but") ||
	    !strstr(errors, "group or others can read it; run 'chmod 600"))
		fprintf(stderr, "  got: %s\n", errors ? errors : "(none)");
	CU_ASSERT(errors && strstr(errors, ".env holds M365_APP_PASSWORD") &&
	          strstr(errors, "chmod 600"));
	CU_ASSERT(errors && !strstr(errors, "hunter2"));
	free(errors);
	errors = NULL;
	/* Without a secret in it, a readable .env is fine. */
	CU_ASSERT(test_dotenv_load("M365_EMAIL=bot@x.test\n", 0644, &conf,
	                           &errors) == OTPBOX_OK);
	conf_free(conf);
	free(errors);
}

/* A .env that another user owns is not ours to trust. */
static void
test_dotenv_owner(void)
{
	struct conf *conf = NULL;
	char *errors = NULL, path[600];

	if (geteuid() != 0)
		return; /* only root can give a file away */
	test_dotenv_unset();
	test_make_dir();
	snprintf(path, sizeof(path), "%s/.env", test_dir);
	test_write(test_dir, ".env", "M365_EMAIL=bot@x.test\n", 0600);
	CU_ASSERT_FATAL(chown(path, 65534, 65534) == 0);
	CU_ASSERT_FATAL(chdir(test_dir) == 0);
	CU_ASSERT(conf_load(NULL, &conf, &errors) == OTPBOX_ERR_CONFIG);
	CU_ASSERT(chdir("/") == 0);
	CU_ASSERT(errors && strstr(errors, ".env belongs to uid 65534"));
	free(errors);
}

/* A line longer than any buffer is one value, not a value and a tail. */
static void
test_dotenv_long_line(void)
{
	struct conf *conf = NULL;
	char *errors = NULL, *text, *value;
	size_t n = 10000, pre = strlen("M365_APP_PASSWORD=");

	test_dotenv_unset();
	value = malloc(n + 1);
	text = malloc(n + 64);
	CU_ASSERT_FATAL(value && text);
	memset(value, 'a', n);
	/* Where the old 4095-byte read cut, a new "setting" began. */
	memcpy(value + 4095 - pre, "OPENSSL_CONF=/tmp/evil.cnf", 26);
	value[n] = '\0';
	snprintf(text, n + 64, "M365_EMAIL=bot@x.test\nM365_APP_PASSWORD=%s\n",
	         value);
	CU_ASSERT_FATAL(test_dotenv_load(text, 0600, &conf, &errors) ==
	                OTPBOX_OK);
	TEST_EXPECT_INT("password length", strlen(test_password(conf)), n);
	CU_ASSERT(strcmp(test_password(conf), value) == 0);
	TEST_EXPECT_STR("OPENSSL_CONF", getenv("OPENSSL_CONF"), NULL);
	CU_ASSERT(conf->warnings == NULL);
	conf_free(conf);
	free(errors);
	free(text);
	free(value);
}

/* A password_env named in the file may come from .env; its secret makes
 * the file's mode matter. */
static void
test_dotenv_named_secret(void)
{
	struct conf *conf = NULL;
	char *errors = NULL, conf_path[600];

	test_dotenv_unset();
	test_make_dir();
	snprintf(conf_path, sizeof(conf_path), "%s",
	         test_write(test_dir, "o.conf",
	                    "accounts = ( { user = \"a@x.test\";"
	                    " password_env = \"MY_PW\"; } );",
	                    0600));
	setenv("OTPBOX_CONFIG", conf_path, 1);
	test_write(test_dir, ".env", "MY_PW=named\nM365_APP_PASSWORD=x\n",
	           0600);
	CU_ASSERT_FATAL(chdir(test_dir) == 0);
	CU_ASSERT(conf_load(NULL, &conf, &errors) == OTPBOX_OK);
	CU_ASSERT(chdir("/") == 0);
	unsetenv("OTPBOX_CONFIG");
	CU_ASSERT_FATAL(conf != NULL);
	TEST_EXPECT_STR("named secret", test_password(conf), "named");
	CU_ASSERT(conf->warnings &&
	          strstr(conf->warnings, "M365_APP_PASSWORD is not read"));
	TEST_EXPECT_STR("MY_PW", getenv("MY_PW"), NULL);
	conf_free(conf);
	free(errors);
}

/* libotpbox runs in someone else's working directory: its default path
 * never reads ./.env, so a hostile one there changes nothing. */
static void
test_dotenv_not_in_library(void)
{
	struct otpbox *box = NULL;
	char cwd[512], errbuf[512];

	test_dotenv_unset();
	test_make_dir();
	test_write(test_dir, ".env",
	           "OPENSSL_CONF=/tmp/evil.cnf\nM365_APP_PASSWORD=x\n", 0644);
	setenv("OTPBOX_DB", "/nonexistent/otpbox.db", 1);
	CU_ASSERT_FATAL(getcwd(cwd, sizeof(cwd)) != NULL);
	CU_ASSERT_FATAL(chdir(test_dir) == 0);
	TEST_EXPECT_INT("otpbox_open",
	                otpbox_open(NULL, &box, errbuf, sizeof(errbuf)),
	                OTPBOX_ERR_NO_DB);
	CU_ASSERT(chdir(cwd) == 0);
	unsetenv("OTPBOX_DB");
	TEST_EXPECT_STR("OPENSSL_CONF", getenv("OPENSSL_CONF"), NULL);
	CU_ASSERT(strstr(errbuf, ".env") == NULL);
	otpbox_close(box);
}

/* The configuration file is checked before the parser sees it:
 * libconfig's scanner exits the process when reading fails. */
static void
test_conf_not_a_file(void)
{
	struct conf *conf = NULL;
	char *errors = NULL;

	test_make_dir();
	CU_ASSERT(conf_load(test_dir, &conf, &errors) == OTPBOX_ERR_CONFIG);
	CU_ASSERT(errors && strstr(errors, test_dir) &&
	          strstr(errors, "is a directory"));
	CU_ASSERT(conf == NULL);
	free(errors);
	CU_ASSERT(conf_load("/dev/null", &conf, &errors) == OTPBOX_ERR_CONFIG);
	CU_ASSERT(errors && strstr(errors, "/dev/null: is not a regular file"));
	free(errors);
}

static void
test_conf_sample_file(void)
{
	struct conf *conf = NULL;
	char *errors = NULL, path[1024];
	const char *src = getenv("OTPBOX_SRCDIR");

	snprintf(path, sizeof(path), "%s/etc/otpbox.conf", src ? src : ".");
	CU_ASSERT(conf_load(path, &conf, &errors) == OTPBOX_OK);
	if (errors)
		fprintf(stderr, "%s", errors);
	CU_ASSERT(conf && conf->naccounts == 1 &&
	          conf->accounts[0].nfolders == 2);
	conf_free(conf);
	free(errors);
}

static void
test_cleanup(void)
{
	test_remove_tree(test_dir);
}

static CU_TestInfo test_cases[] = {
    {"error table", test_conf_table},
    {"errors in file order", test_conf_error_order},
    {"at most a hundred errors", test_conf_error_cap},
    {"defaults", test_conf_defaults},
    {"precedence", test_conf_precedence},
    {"missing file", test_conf_missing_file},
    {"secrets", test_conf_secrets},
    {".env is never exported", test_dotenv_not_exported},
    {".env with a secret must be private", test_dotenv_mode},
    {".env must be ours", test_dotenv_owner},
    {".env line of 10000 bytes", test_dotenv_long_line},
    {".env key named by password_env", test_dotenv_named_secret},
    {"libotpbox never reads .env", test_dotenv_not_in_library},
    {"configuration must be a file", test_conf_not_a_file},
    {"sample file parses", test_conf_sample_file},
    {"cleanup", test_cleanup},
    CU_TEST_INFO_NULL,
};
#define TEST_SUITE_NAME "config"
#include "../cunit_main.h"
