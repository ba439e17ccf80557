/* SPDX-License-Identifier: MIT */
/* Tests for oauth2.c: pure helpers by table, then the token source against
 * the loopback token endpoint that tests/fetcher/oauth2_unit.sh starts. */
#include "../cunit_main.h"
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oauth2.h"
#include "oauth2_explain.h"

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	if (v == NULL) {
		fprintf(stderr, "%s unset: run through oauth2_unit.sh\n", name);
		exit(99);
	}
	return v;
}

/* Changes the endpoint's behaviour: token_server.py set DIR KEY=VALUE. */
static void
server_set(const char *kv)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		execlp("python3", "python3", env("OTPBOX_TEST_TOKEN_SERVER"),
		       "set", env("OTPBOX_TEST_TOKEN_DIR"), kv, (char *)NULL);
		_exit(127);
	}
	CU_ASSERT_FATAL(pid > 0);
	waitpid(pid, &status, 0);
	CU_ASSERT_FATAL(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* Lines in the endpoint's request log: one per request it answered. */
static int
server_requests(void)
{
	char path[1024], line[512];
	int n = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/requests.log",
	         env("OTPBOX_TEST_TOKEN_DIR"));
	if ((fp = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp))
		n++;
	fclose(fp);
	return n;
}

static void
test_endpoint_fmt(void)
{
	static const struct {
		const char *tmpl, *tenant, *want;
		enum otpbox_err err;
	} cases[] = {
	    {CONF_DEFAULT_TOKEN_ENDPOINT, "contoso.onmicrosoft.com",
	     "https://login.microsoftonline.com/contoso.onmicrosoft.com/"
	     "oauth2/v2.0/token",
	     OTPBOX_OK},
	    {CONF_DEFAULT_TOKEN_ENDPOINT,
	     "9188040d-6c67-4c5b-b112-36a304b66dad",
	     "https://login.microsoftonline.com/"
	     "9188040d-6c67-4c5b-b112-36a304b66dad/oauth2/v2.0/token",
	     OTPBOX_OK},
	    {"https://h/{tenant}/t", "a/b", NULL, OTPBOX_ERR_CONFIG},
	    {"https://h/{tenant}/t", "x?y=1", NULL, OTPBOX_ERR_CONFIG},
	    {"https://h/{tenant}/t", NULL, NULL, OTPBOX_ERR_CONFIG},
	    {"https://h/fixed", NULL, "https://h/fixed", OTPBOX_OK},
	};
	size_t i;
	char *got;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TEST_EXPECT_INT(
		    cases[i].tmpl,
		    oauth2_endpoint_fmt(cases[i].tmpl, cases[i].tenant, &got),
		    cases[i].err);
		TEST_EXPECT_STR(cases[i].tmpl, got, cases[i].want);
		free(got);
	}
}

static void
test_form_fmt(void)
{
	static const struct {
		const char *pairs[7];
		const char *want;
	} cases[] = {
	    {{"grant_type", "client_credentials", NULL},
	     "grant_type=client_credentials"},
	    {{"a", "x y", "b", "1+2&c=3%", NULL}, "a=x%20y&b=1%2B2%26c%3D3%25"},
	    {{"scope", OAUTH2_SCOPE_DELEGATED, NULL},
	     "scope=https%3A%2F%2Foutlook.office.com%2F"
	     "IMAP.AccessAsUser.All%20offline_access"},
	    {{"k", "", "u", "\xc3\xa9~", NULL}, "k=&u=%C3%A9~"},
	    {{NULL}, ""},
	};
	size_t i;
	char *got;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TEST_EXPECT_INT(cases[i].want,
		                oauth2_form_fmt(cases[i].pairs, &got),
		                OTPBOX_OK);
		TEST_EXPECT_STR(cases[i].want, got, cases[i].want);
		free(got);
	}
}

static void
test_reply_parse(void)
{
	static const struct {
		long status;
		const char *body;
		enum otpbox_err err;
		const char *access, *refresh;
		long expires;
		const char *message; /* a part of errbuf */
	} cases[] = {
	    {200,
	     "{\"token_type\":\"Bearer\",\"expires_in\":3599,"
	     "\"access_token\":\"eyA.eyB.sig\"}",
	     OTPBOX_OK, "eyA.eyB.sig", NULL, 3599, NULL},
	    {200,
	     "{\"token_type\":\"bearer\",\"expires_in\":\"3600\","
	     "\"access_token\":\"a\",\"refresh_token\":\"r\"}",
	     OTPBOX_OK, "a", "r", 3600, NULL},
	    {200, "{\"access_token\":\"a\"}", OTPBOX_OK, "a", NULL, 0, NULL},
	    {200, "{\"token_type\":\"MAC\",\"access_token\":\"a\"}",
	     OTPBOX_ERR_PROTOCOL, NULL, NULL, 0, "no usable bearer"},
	    {200, "{\"access_token\":\"a b\"}", OTPBOX_ERR_PROTOCOL, NULL, NULL,
	     0, "no usable bearer"},
	    {200, "{\"access_token\":\"a\",\"access_token\":\"b\"}",
	     OTPBOX_ERR_PROTOCOL, NULL, NULL, 0, "not JSON"},
	    {200, "<html>", OTPBOX_ERR_PROTOCOL, NULL, NULL, 0, "not JSON"},
	    {401,
	     "{\"error\":\"invalid_client\",\"error_description\":"
	     "\"AADSTS7000215: Invalid client secret provided.\\r\\n"
	     "Trace ID: 1\"}",
	     OTPBOX_ERR_TOKEN, NULL, NULL, 0,
	     "the client secret is wrong: use the secret's Value (shown "
	     "once, when it was created), not its Secret ID "
	     "[invalid_client: AADSTS7000215: Invalid client secret "
	     "provided.]"},
	    {400, "{\"error\":\"invalid_grant\"}", OTPBOX_ERR_TOKEN, NULL, NULL,
	     0, "refresh token has expired"},
	    {429, "{\"error\":\"temporarily_unavailable\"}", OTPBOX_ERR_NET,
	     NULL, NULL, 0, "throttling"},
	    {503, "Service Unavailable", OTPBOX_ERR_NET, NULL, NULL, 0,
	     "not JSON"},
	    {200, "{\"error\":\"temporarily_unavailable\"}", OTPBOX_ERR_NET,
	     NULL, NULL, 0, "failing"},
	    {404, "{}", OTPBOX_ERR_PROTOCOL, NULL, NULL, 0,
	     "check token_endpoint"},
	};
	struct oauth2_reply r;
	char errbuf[512];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		errbuf[0] = '\0';
		TEST_EXPECT_INT(cases[i].body,
		                oauth2_reply_parse(cases[i].status,
		                                   cases[i].body,
		                                   strlen(cases[i].body), &r,
		                                   errbuf, sizeof(errbuf)),
		                cases[i].err);
		TEST_EXPECT_STR(cases[i].body, r.access_token, cases[i].access);
		TEST_EXPECT_STR(cases[i].body, r.refresh_token,
		                cases[i].refresh);
		TEST_EXPECT_INT(cases[i].body, r.expires_in, cases[i].expires);
		if (cases[i].message && !strstr(errbuf, cases[i].message))
			TEST_EXPECT_STR(cases[i].body, errbuf,
			                cases[i].message);
		oauth2_reply_clear(&r);
	}
}

static void
test_error_explain(void)
{
	static const struct {
		const char *error, *description, *want;
	} cases[] = {
	    {"invalid_client",
	     "AADSTS7000222: The provided client secret "
	     "keys are expired.",
	     "has expired"},
	    {"unauthorized_client",
	     "AADSTS700016: Application with "
	     "identifier 'x' was not found",
	     "Application (client) ID"},
	    {"invalid_scope",
	     "AADSTS1002012: The provided value for "
	     "scope x is not valid.",
	     "remove 'scope'"},
	    {"invalid_request",
	     "AADSTS500011: The resource principal "
	     "named x was not found",
	     "wrong audience"},
	    {"invalid_grant",
	     "AADSTS65001: The user or administrator has "
	     "not consented",
	     "IMAP.AccessAsApp"},
	    {"invalid_grant", "AADSTS50076: Due to a configuration change",
	     "interactive"},
	    {"invalid_client", NULL,
	     "check client_id and the client "
	     "secret"},
	    {"unauthorized_client", "", "Allow public client flows"},
	    {"something_new", "AADSTS1: new", "docs/m365-setup.md"},
	    {NULL, NULL, "no error code"},
	};
	char buf[1024];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		oauth2_explain_error(cases[i].error, cases[i].description, buf,
		                     sizeof(buf));
		if (!strstr(buf, cases[i].want))
			TEST_EXPECT_STR(cases[i].want, buf, cases[i].want);
	}
}

static void
test_jwt_exp(void)
{
	static const struct {
		const char *token;
		long want;
	} cases[] = {
	    /* {"alg":"none"} . {"exp":1700000000} */
	    {"eyJhbGciOiJub25lIn0.eyJleHAiOjE3MDAwMDAwMDB9.x", 1700000000},
	    /* {"alg":"none"} . {"sub":"a"} */
	    {"eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0.x", 0},
	    {"opaque-token", 0},
	    {"a.!!!.b", 0},
	    {"a.eyJleHAiOiJzb29uIn0.b", 0}, /* exp is a string */
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		TEST_EXPECT_INT(cases[i].token,
		                oauth2_explain_jwt_exp(cases[i].token),
		                cases[i].want);
}

static char *
slurp(const char *path)
{
	static char buf[4096];
	size_t n;
	FILE *fp = fopen(path, "r");

	if (fp == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static int
dir_entries(const char *path)
{
	struct dirent *e;
	DIR *d = opendir(path);
	int n = 0;

	while (d && (e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	if (d)
		closedir(d);
	return n;
}

static void
test_refresh_file_write(void)
{
	char dir[] = "/tmp/otpbox-oauth2-XXXXXX", path[256], errbuf[256];
	struct stat st;
	FILE *fp;

	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/refresh", dir);
	fp = fopen(path, "w"); /* an old file with too loose a mode */
	CU_ASSERT_FATAL(fp != NULL);
	fputs("old-token\n", fp);
	fclose(fp);
	chmod(path, 0644);
	TEST_EXPECT_INT("write",
	                oauth2_refresh_file_write(path, "new-token", errbuf,
	                                          sizeof(errbuf)),
	                OTPBOX_OK);
	TEST_EXPECT_STR("content", slurp(path), "new-token\n");
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	TEST_EXPECT_INT("mode", st.st_mode & 07777, 0600);
	TEST_EXPECT_INT("no temporary left", dir_entries(dir), 1);
	unlink(path);
	rmdir(dir);
	snprintf(path, sizeof(path), "%s/refresh", dir); /* dir is gone */
	TEST_EXPECT_INT(
	    "missing dir",
	    oauth2_refresh_file_write(path, "t", errbuf, sizeof(errbuf)),
	    OTPBOX_ERR_IO);
	if (!strstr(errbuf, "No such file"))
		TEST_EXPECT_STR("message", errbuf, "... No such file ...");
}

/* An app-only configuration pointing at the loopback endpoint. */
static struct conf_oauth2
app_conf(void)
{
	struct conf_oauth2 c;

	memset(&c, 0, sizeof(c));
	c.tenant = "test-tenant";
	c.client_id = "otpbox-test-client";
	c.client_secret.env = "OAUTH2_SECRET";
	c.flow = CONF_OAUTH2_CLIENT_CREDENTIALS;
	c.token_endpoint = (char *)env("OTPBOX_TEST_TOKEN_TEMPLATE");
	c.ca_file = (char *)env("OTPBOX_TEST_TOKEN_CA");
	return c;
}

static void
test_client_credentials(void)
{
	struct conf_oauth2 c = app_conf();
	const char *tok, *again;
	struct oauth2 *o;
	char errbuf[256], *copy;
	time_t now = time(NULL);
	int before;

	CU_ASSERT_FATAL(oauth2_new(&c, &o, errbuf, sizeof(errbuf)) ==
	                OTPBOX_OK);
	before = server_requests();
	TEST_EXPECT_INT("get", oauth2_token_get(o, now, &tok), OTPBOX_OK);
	if (tok == NULL) {
		fprintf(stderr, "  error: %s\n", oauth2_error(o));
		oauth2_free(o);
		return;
	}
	TEST_EXPECT_INT("renew at", oauth2_renew_at(o), now + 3599 - 300);
	copy = strdup(tok);
	TEST_EXPECT_INT("cached", oauth2_token_get(o, now + 3000, &again),
	                OTPBOX_OK);
	TEST_EXPECT_STR("cached", again, copy);
	TEST_EXPECT_INT("one request", server_requests() - before, 1);
	TEST_EXPECT_INT("renewed", oauth2_token_get(o, now + 3300, &again),
	                OTPBOX_OK);
	CU_ASSERT(again && strcmp(again, copy) != 0);
	oauth2_token_reject(o);
	TEST_EXPECT_INT("after reject", oauth2_renew_at(o), 0);
	TEST_EXPECT_INT("after reject", oauth2_token_get(o, now, &again),
	                OTPBOX_OK);
	TEST_EXPECT_INT("three requests", server_requests() - before, 3);
	free(copy);
	oauth2_free(o);
}

static void
test_short_lifetime(void)
{
	struct conf_oauth2 c = app_conf();
	struct oauth2 *o;
	const char *tok;
	char errbuf[256];
	time_t now = time(NULL);

	server_set("lifetime=10");
	CU_ASSERT_FATAL(oauth2_new(&c, &o, errbuf, sizeof(errbuf)) ==
	                OTPBOX_OK);
	TEST_EXPECT_INT("get", oauth2_token_get(o, now, &tok), OTPBOX_OK);
	TEST_EXPECT_INT("renew at a fifth before", oauth2_renew_at(o), now + 8);
	oauth2_free(o);
	server_set("lifetime=3599");
}

static void
test_renewal_outage(void)
{
	struct conf_oauth2 c = app_conf();
	const char *tok;
	struct oauth2 *o;
	char buf[600], *first;
	time_t now = time(NULL);
	int before;

	CU_ASSERT_FATAL(oauth2_new(&c, &o, buf, sizeof(buf)) == OTPBOX_OK);
	TEST_EXPECT_INT("get", oauth2_token_get(o, now, &tok), OTPBOX_OK);
	CU_ASSERT_FATAL(tok != NULL);
	first = strdup(tok);
	TEST_EXPECT_INT("serial", oauth2_token_serial(o), 1);
	server_set("mode=down");
	TEST_EXPECT_INT("old token kept", oauth2_token_get(o, now + 3300, &tok),
	                OTPBOX_OK);
	TEST_EXPECT_STR("old token kept", tok, first);
	TEST_EXPECT_INT("serial unchanged", oauth2_token_serial(o), 1);
	CU_ASSERT(oauth2_warning_take(o, buf, sizeof(buf)));
	if (!strstr(buf, "could not renew"))
		TEST_EXPECT_STR("warning", buf, "... could not renew ...");
	TEST_EXPECT_INT("retry soon", oauth2_renew_at(o),
	                now + 3300 + OAUTH2_RETRY_SECONDS);
	before = server_requests();
	TEST_EXPECT_INT("cached meanwhile",
	                oauth2_token_get(o, now + 3310, &tok), OTPBOX_OK);
	TEST_EXPECT_INT("no request meanwhile", server_requests() - before, 0);
	TEST_EXPECT_INT("too close to expiry",
	                oauth2_token_get(o, now + 3590, &tok), OTPBOX_ERR_NET);
	CU_ASSERT(tok == NULL);
	server_set("mode=ok");
	TEST_EXPECT_INT("back", oauth2_token_get(o, now + 3600, &tok),
	                OTPBOX_OK);
	TEST_EXPECT_INT("new serial", oauth2_token_serial(o), 2);
	free(first);
	oauth2_free(o);
}

/* One failing configuration: the error kind and words in the message. */
static void
expect_failure(const char *name, struct conf_oauth2 *c, enum otpbox_err want,
               const char *words)
{
	struct oauth2 *o;
	const char *tok;
	char errbuf[256];

	CU_ASSERT_FATAL(oauth2_new(c, &o, errbuf, sizeof(errbuf)) == OTPBOX_OK);
	TEST_EXPECT_INT(name, oauth2_token_get(o, time(NULL), &tok), want);
	CU_ASSERT(tok == NULL);
	if (!strstr(oauth2_error(o), words))
		TEST_EXPECT_STR(name, oauth2_error(o), words);
	if (strstr(oauth2_error(o), env("OAUTH2_SECRET")))
		TEST_EXPECT_STR(name, "(the secret)", "no secret in message");
	oauth2_free(o);
}

static void
test_failures(void)
{
	struct conf_oauth2 c = app_conf();

	setenv("WRONG_SECRET", "not-the-secret", 1);
	c.client_secret.env = "WRONG_SECRET";
	expect_failure("wrong secret", &c, OTPBOX_ERR_TOKEN, "AADSTS7000215");
	c = app_conf();
	c.client_id = "someone-else";
	expect_failure("wrong client", &c, OTPBOX_ERR_TOKEN, "AADSTS700016");
	c = app_conf();
	c.scope = "https://graph.microsoft.com/.default";
	expect_failure("wrong scope", &c, OTPBOX_ERR_TOKEN, "remove 'scope'");
	c = app_conf();
	c.client_secret.env = "UNSET_SECRET_VARIABLE";
	expect_failure("no secret", &c, OTPBOX_ERR_SECRET, "not set");
	c = app_conf();
	c.ca_file = NULL; /* the system's anchors do not know our CA */
	expect_failure("untrusted", &c, OTPBOX_ERR_TLS, "ca_file");
	c = app_conf();
	c.token_endpoint = "https://127.0.0.1:1/{tenant}/oauth2/v2.0/token";
	expect_failure("closed port", &c, OTPBOX_ERR_NET, "unreachable");
	server_set("mode=down");
	c = app_conf();
	expect_failure("down", &c, OTPBOX_ERR_NET, "failing (HTTP 503");
	server_set("mode=ok");
}

static void
test_throttled(void)
{
	struct conf_oauth2 c = app_conf();
	struct oauth2 *o;
	const char *tok;
	char errbuf[256];
	time_t now = time(NULL);
	int before;

	server_set("mode=throttle");
	CU_ASSERT_FATAL(oauth2_new(&c, &o, errbuf, sizeof(errbuf)) ==
	                OTPBOX_OK);
	TEST_EXPECT_INT("throttled", oauth2_token_get(o, now, &tok),
	                OTPBOX_ERR_NET);
	TEST_EXPECT_INT("retry after", oauth2_retry_after(o), 7);
	before = server_requests();
	TEST_EXPECT_INT("held back", oauth2_token_get(o, now + 3, &tok),
	                OTPBOX_ERR_NET);
	TEST_EXPECT_INT("held back", oauth2_retry_after(o), 4);
	TEST_EXPECT_INT("no request while held back",
	                server_requests() - before, 0);
	server_set("mode=ok");
	TEST_EXPECT_INT("after the wait", oauth2_token_get(o, now + 7, &tok),
	                OTPBOX_OK);
	oauth2_free(o);
}

static void
test_refresh_rotation(void)
{
	struct conf_oauth2 c = app_conf();
	char dir[] = "/tmp/otpbox-oauth2-rt-XXXXXX", path[256], errbuf[256];
	char first[4096];
	struct oauth2 *o;
	const char *tok;
	struct stat st;
	time_t now = time(NULL);

	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/refresh", dir);
	CU_ASSERT_FATAL(
	    oauth2_refresh_file_write(path, env("OTPBOX_TEST_REFRESH0"), errbuf,
	                              sizeof(errbuf)) == OTPBOX_OK);
	c.flow = CONF_OAUTH2_REFRESH_TOKEN;
	c.client_secret.env = NULL; /* a public client */
	c.refresh_token_file = path;
	CU_ASSERT_FATAL(oauth2_new(&c, &o, errbuf, sizeof(errbuf)) ==
	                OTPBOX_OK);
	TEST_EXPECT_INT("first", oauth2_token_get(o, now, &tok), OTPBOX_OK);
	snprintf(first, sizeof(first), "%s", slurp(path));
	CU_ASSERT(strncmp(first, "rt-", 3) == 0);
	CU_ASSERT(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600);
	oauth2_token_reject(o);
	TEST_EXPECT_INT("second", oauth2_token_get(o, now, &tok), OTPBOX_OK);
	CU_ASSERT(strcmp(first, slurp(path)) != 0);
	chmod(path, 0644);
	oauth2_token_reject(o);
	TEST_EXPECT_INT("loose mode", oauth2_token_get(o, now, &tok),
	                OTPBOX_ERR_SECRET);
	if (!strstr(oauth2_error(o), "chmod 600"))
		TEST_EXPECT_STR("loose mode", oauth2_error(o), "chmod 600");
	chmod(path, 0600);
	oauth2_free(o);
	unlink(path);
	rmdir(dir);
}

static void
test_unsaved_rotation(void)
{
	struct conf_oauth2 c = app_conf();
	char dir[] = "/tmp/otpbox-oauth2-ro-XXXXXX", path[256], errbuf[256];
	char note[4096];
	struct rlimit saved, none;
	struct oauth2 *o;
	const char *tok;
	time_t now = time(NULL);

	/* The server now accepts only the token test_refresh_rotation left
	 * in its state; fetch it from there through a fresh file. */
	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/state.json",
	         env("OTPBOX_TEST_TOKEN_DIR"));
	snprintf(note, sizeof(note), "%s", slurp(path));
	snprintf(path, sizeof(path), "%s/refresh", dir);
	{
		char *rt = strstr(note, "\"refresh_token\": \"");
		char *end;

		CU_ASSERT_FATAL(rt != NULL);
		rt += strlen("\"refresh_token\": \"");
		end = strchr(rt, '"');
		*end = '\0';
		CU_ASSERT_FATAL(oauth2_refresh_file_write(path, rt, errbuf,
		                                          sizeof(errbuf)) ==
		                OTPBOX_OK);
	}
	c.flow = CONF_OAUTH2_REFRESH_TOKEN;
	c.client_secret.env = NULL;
	c.refresh_token_file = path;
	CU_ASSERT_FATAL(oauth2_new(&c, &o, errbuf, sizeof(errbuf)) ==
	                OTPBOX_OK);
	/* No file may grow (this stops root too): the rotated token cannot
	 * be written back. */
	signal(SIGXFSZ, SIG_IGN);
	CU_ASSERT_FATAL(getrlimit(RLIMIT_FSIZE, &saved) == 0);
	none = saved;
	none.rlim_cur = 0;
	CU_ASSERT_FATAL(setrlimit(RLIMIT_FSIZE, &none) == 0);
	TEST_EXPECT_INT("first", oauth2_token_get(o, now, &tok), OTPBOX_OK);
	setrlimit(RLIMIT_FSIZE, &saved);
	CU_ASSERT(oauth2_warning_take(o, note, sizeof(note)));
	if (!strstr(note, "kept in memory"))
		TEST_EXPECT_STR("warning", note, "... kept in memory ...");
	CU_ASSERT(!oauth2_warning_take(o, note, sizeof(note)));
	TEST_EXPECT_INT("file left alone", dir_entries(dir), 1);
	oauth2_token_reject(o);
	TEST_EXPECT_INT("from memory", oauth2_token_get(o, now, &tok),
	                OTPBOX_OK);
	oauth2_free(o);
	unlink(path);
	rmdir(dir);
}

static void
test_command(void)
{
	struct conf_oauth2 c;
	struct oauth2 *o;
	const char *tok;
	char errbuf[256];
	time_t now = time(NULL);

	memset(&c, 0, sizeof(c));
	/* {"alg":"none"} . {"exp":4102444800} (2100-01-01) */
	c.access_token_command = "printf 'eyJhbGciOiJub25lIn0."
	                         "eyJleHAiOjQxMDI0NDQ4MDB9.x\\n'";
	CU_ASSERT_FATAL(oauth2_new(&c, &o, errbuf, sizeof(errbuf)) ==
	                OTPBOX_OK);
	TEST_EXPECT_INT("jwt", oauth2_token_get(o, now, &tok), OTPBOX_OK);
	TEST_EXPECT_INT("renew from exp", oauth2_renew_at(o), 4102444800 - 300);
	oauth2_free(o);
	c.access_token_command = "echo opaque";
	CU_ASSERT_FATAL(oauth2_new(&c, &o, errbuf, sizeof(errbuf)) ==
	                OTPBOX_OK);
	TEST_EXPECT_INT("opaque", oauth2_token_get(o, now, &tok), OTPBOX_OK);
	TEST_EXPECT_STR("opaque", tok, "opaque");
	TEST_EXPECT_INT("renew after ttl", oauth2_renew_at(o),
	                now + OAUTH2_COMMAND_TTL - OAUTH2_COMMAND_TTL / 5);
	oauth2_free(o);
	c.access_token_command = "echo two words";
	CU_ASSERT_FATAL(oauth2_new(&c, &o, errbuf, sizeof(errbuf)) ==
	                OTPBOX_OK);
	TEST_EXPECT_INT("bad output", oauth2_token_get(o, now, &tok),
	                OTPBOX_ERR_SECRET);
	oauth2_free(o);
	c.access_token_command = "exit 3";
	CU_ASSERT_FATAL(oauth2_new(&c, &o, errbuf, sizeof(errbuf)) ==
	                OTPBOX_OK);
	TEST_EXPECT_INT("failing", oauth2_token_get(o, now, &tok),
	                OTPBOX_ERR_SECRET);
	oauth2_free(o);
}

static void
test_refusal_explain(void)
{
	static const struct {
		const char *role_setting, *server_text, *want;
		long backoff;
	} cases[] = {
	    {"app_role=1", "AUTHENTICATE failed.", "service principal", 0},
	    {"app_role=0", "AUTHENTICATE failed.", "no IMAP.AccessAsApp", 0},
	    {"app_role=1", "User is authenticated but not connected.",
	     "New-ServicePrincipal", 0},
	    {"app_role=1",
	     "Request is throttled. Suggested Backoff Time: "
	     "299961 milliseconds",
	     "throttling", 300},
	};
	struct conf_oauth2 c = app_conf();
	struct oauth2 *o;
	const char *tok;
	char buf[512];
	long backoff;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		server_set(cases[i].role_setting);
		CU_ASSERT_FATAL(oauth2_new(&c, &o, buf, sizeof(buf)) ==
		                OTPBOX_OK);
		TEST_EXPECT_INT("get", oauth2_token_get(o, time(NULL), &tok),
		                OTPBOX_OK);
		oauth2_refusal_explain(o, cases[i].server_text, buf,
		                       sizeof(buf), &backoff);
		if (!strstr(buf, cases[i].want))
			TEST_EXPECT_STR(cases[i].server_text, buf,
			                cases[i].want);
		TEST_EXPECT_INT(cases[i].server_text, backoff,
		                cases[i].backoff);
		oauth2_free(o);
	}
	server_set("app_role=1");
}

static CU_TestInfo test_cases[] = {
    {"endpoint URL from template", test_endpoint_fmt},
    {"form body URL-encoded", test_form_fmt},
    {"token reply parsing", test_reply_parse},
    {"Microsoft errors explained", test_error_explain},
    {"JWT exp claim", test_jwt_exp},
    {"refresh file rewritten 0600", test_refresh_file_write},
    {"client credentials, cache, renewal", test_client_credentials},
    {"short lifetime renews early", test_short_lifetime},
    {"refusals and outages", test_failures},
    {"renewal outage keeps the old token", test_renewal_outage},
    {"throttling honours Retry-After", test_throttled},
    {"refresh token rotation", test_refresh_rotation},
    {"rotated token kept when unsaved", test_unsaved_rotation},
    {"access_token_command", test_command},
    {"IMAP refusal explained", test_refusal_explain},
    CU_TEST_INFO_NULL,
};

#define TEST_SUITE_NAME "oauth2"
#include "../cunit_main.h"
