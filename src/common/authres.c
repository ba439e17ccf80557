/* SPDX-License-Identifier: MIT */
/* Sender facts: the From addr-spec and the receiving server's verdict in
 * Authentication-Results (RFC 8601), read with one linear lexer. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "authres.h"

/* Longest word the lexer keeps; longer words are cut (and so never
 * match a domain or keyword). */
#define AUTHRES_WORD_MAX 320
/* Results read per header: a sender cannot make us walk more. */
#define AUTHRES_PAIRS_MAX 256

enum authres_tok {
	AUTHRES_TOK_END,
	AUTHRES_TOK_SEMI,
	AUTHRES_TOK_EQ,
	AUTHRES_TOK_WORD,
};

struct authres_lex {
	const char *p, *end;
	char word[AUTHRES_WORD_MAX + 1];
	size_t len;
	bool cut; /* the word was longer than AUTHRES_WORD_MAX */
};

/* One method's result and properties while a resinfo is read. */
struct authres_res {
	char method[AUTHRES_RESULT_MAX + 1];
	char result[AUTHRES_RESULT_MAX + 1];
	char header_d[AUTHRES_DOMAIN_MAX + 1];
	char header_from[AUTHRES_DOMAIN_MAX + 1];
};

/* Skips a comment starting at p ('('); comments nest, a backslash quotes
 * the next character, an unclosed comment runs to the end. */
static const char *
authres_skip_comment(const char *p, const char *end)
{
	size_t depth = 0;

	for (; p < end; p++) {
		if (*p == '\\' && p + 1 < end)
			p++;
		else if (*p == '(')
			depth++;
		else if (*p == ')' && --depth == 0)
			return p + 1;
	}
	return end;
}

static const char *
authres_skip_cfws(const char *p, const char *end)
{
	while (p < end) {
		if (*p == '(')
			p = authres_skip_comment(p, end);
		else if (isspace((unsigned char)*p))
			p++;
		else
			break;
	}
	return p;
}

static void
authres_put(struct authres_lex *lx, char c)
{
	if (lx->len < AUTHRES_WORD_MAX)
		lx->word[lx->len++] = (char)tolower((unsigned char)c);
	else
		lx->cut = true;
}

/* Reads a quoted string starting at lx->p ('"') into lx->word. */
static void
authres_quoted(struct authres_lex *lx)
{
	const char *p = lx->p + 1;

	for (; p < lx->end && *p != '"'; p++) {
		if (*p == '\\' && p + 1 < lx->end)
			p++;
		authres_put(lx, *p);
	}
	lx->p = p < lx->end ? p + 1 : p;
}

static enum authres_tok
authres_next(struct authres_lex *lx)
{
	lx->p = authres_skip_cfws(lx->p, lx->end);
	lx->len = 0;
	lx->cut = false;
	lx->word[0] = '\0';
	if (lx->p >= lx->end)
		return AUTHRES_TOK_END;
	if (*lx->p == ';' || *lx->p == '=') {
		return *lx->p++ == ';' ? AUTHRES_TOK_SEMI : AUTHRES_TOK_EQ;
	}
	if (*lx->p == '"')
		authres_quoted(lx);
	else
		while (lx->p < lx->end && !strchr(" \t\r\n;=(\"", *lx->p))
			authres_put(lx, *lx->p++);
	lx->word[lx->len] = '\0';
	return AUTHRES_TOK_WORD;
}

/* Copies word into dst (size n) unless it does not fit. */
static void
authres_copy(char *dst, size_t n, const struct authres_lex *lx)
{
	if (!lx->cut && lx->len < n)
		memcpy(dst, lx->word, lx->len + 1);
}

/* Appends domain to the space-separated list unless it is there. */
static void
authres_add_domain(char *list, size_t n, const char *domain)
{
	size_t used = strlen(list), len = strlen(domain), count = 0;
	const char *p;

	if (len == 0)
		return;
	for (p = list; *p; p += strcspn(p, " "), p += *p == ' ') {
		count++;
		if (strcspn(p, " ") == len && !memcmp(p, domain, len))
			return;
	}
	if (count >= AUTHRES_DKIM_MAX || used + len + 2 > n)
		return;
	snprintf(list + used, n - used, "%s%s", used ? " " : "", domain);
}

/* Merges one finished resinfo into out (first result of each method
 * wins; every passing DKIM domain is kept). */
static void
authres_merge(struct authres_facts *out, const struct authres_res *r)
{
	if (!strcmp(r->method, "spf") && !out->spf[0])
		memcpy(out->spf, r->result, sizeof(out->spf));
	if (!strcmp(r->method, "dmarc") && !out->dmarc[0]) {
		memcpy(out->dmarc, r->result, sizeof(out->dmarc));
		memcpy(out->dmarc_from, r->header_from,
		       sizeof(out->dmarc_from));
	}
	if (strcmp(r->method, "dkim"))
		return;
	if (!strcmp(r->result, "pass")) {
		memcpy(out->dkim, r->result, sizeof(out->dkim));
		authres_add_domain(out->dkim_domains, sizeof(out->dkim_domains),
		                   r->header_d);
	} else if (!out->dkim[0]) {
		memcpy(out->dkim, r->result, sizeof(out->dkim));
	}
}

/* Records name=value (the lexer holds value) in r: the first pair of a
 * resinfo is method=result, later ones its properties. */
static void
authres_pair(struct authres_res *r, const char *name,
             const struct authres_lex *lx)
{
	size_t n = strcspn(name, "/"); /* "dkim/1": a method version */

	if (!r->method[0]) {
		if (n <= AUTHRES_RESULT_MAX && n > 0) {
			memcpy(r->method, name, n);
			r->method[n] = '\0';
			authres_copy(r->result, sizeof(r->result), lx);
		}
		return;
	}
	if (!strcmp(name, "header.d"))
		authres_copy(r->header_d, sizeof(r->header_d), lx);
	else if (!strcmp(name, "header.from"))
		authres_copy(r->header_from, sizeof(r->header_from), lx);
}

/*
 * Reads one header value. *id gets its authserv-id ("" when it starts
 * with a result, as Exchange Online writes it). Results go to res, which
 * the caller merges only when the header is to be trusted.
 */
static size_t
authres_read(const char *value, char *id, size_t idlen, struct authres_res *res,
             size_t max)
{
	struct authres_lex lx = {.p = value, .end = value + strlen(value)};
	char name[AUTHRES_WORD_MAX + 1] = "";
	size_t nres = 0, pairs = 0, seg = 0;
	enum authres_tok t, pending = AUTHRES_TOK_END;
	bool have_name = false;

	*id = '\0';
	memset(res, 0, max * sizeof(*res));
	while (pairs < AUTHRES_PAIRS_MAX) {
		t = pending != AUTHRES_TOK_END ? pending : authres_next(&lx);
		pending = AUTHRES_TOK_END;
		/* A word not followed by '=' in the first segment is the
		 * authserv-id (then maybe its version); elsewhere noise. */
		if (have_name && t != AUTHRES_TOK_EQ && seg == 0 && !*id &&
		    !pairs)
			snprintf(id, idlen, "%s", name);
		if (t == AUTHRES_TOK_END)
			break;
		if (t == AUTHRES_TOK_SEMI) {
			if (nres < max && res[nres].method[0])
				nres++;
			seg++;
			have_name = false;
		} else if (t == AUTHRES_TOK_WORD) {
			memcpy(name, lx.word, lx.len + 1);
			have_name = true;
		} else if (have_name &&
		           (pending = authres_next(&lx)) == AUTHRES_TOK_WORD) {
			pending = AUTHRES_TOK_END;
			if (nres < max)
				authres_pair(&res[nres], name, &lx);
			pairs++;
			have_name = false;
		} else {
			have_name = false;
		}
	}
	if (nres < max && res[nres].method[0])
		nres++;
	return nres;
}

/* Takes the trusted headers' results into out. */
static void
authres_results(const struct mime_header *h, size_t nh, const char *want_id,
                struct authres_facts *out)
{
	struct authres_res res[16];
	char id[AUTHRES_WORD_MAX + 1];
	size_t i, j, n;

	for (i = 0; i < nh; i++) {
		if (strcasecmp(h[i].name, "Authentication-Results"))
			continue;
		n = authres_read(h[i].value, id, sizeof(id), res,
		                 sizeof(res) / sizeof(res[0]));
		if (want_id && *want_id && strcasecmp(id, want_id))
			continue;
		for (j = 0; j < n; j++)
			authres_merge(out, &res[j]);
		out->trusted++;
		if (!want_id || !*want_id)
			return; /* only the topmost one */
	}
}

/* The addr-spec of a From value: the <...> part, or the whole value
 * without comments. "" when there are several mailboxes or none. */
static void
authres_from_value(const char *value, struct authres_facts *out)
{
	const char *p = value, *end = value + strlen(value), *lt = NULL;
	char buf[AUTHRES_ADDRESS_MAX + 1];
	size_t len = 0;
	bool quoted = false;

	for (; p < end; p++) {
		if (*p == '"' && !lt)
			quoted = !quoted;
		else if (*p == '\\' && quoted && p + 1 < end)
			p++;
		else if (quoted)
			continue;
		else if (*p == '(')
			p = authres_skip_comment(p, end) - 1;
		else if (*p == ',' || (*p == '<' && lt) || *p == ';')
			return;
		else if (*p == '<')
			lt = p, len = 0;
		else if (*p == '>' && lt)
			break;
		else if (!isspace((unsigned char)*p) && len < sizeof(buf) - 1)
			buf[len++] = (char)tolower((unsigned char)*p);
		else if (!isspace((unsigned char)*p))
			return;
	}
	buf[len] = '\0';
	p = strchr(buf, '@');
	if (!p || p == buf || !p[1] || strchr(p + 1, '@') ||
	    strlen(p + 1) > AUTHRES_DOMAIN_MAX)
		return;
	memcpy(out->from_address, buf, len + 1);
	memcpy(out->from_domain, p + 1, strlen(p + 1) + 1);
}

/* The single From header, if there is exactly one. */
static void
authres_from(const struct mime_header *h, size_t nh, struct authres_facts *out)
{
	const char *value = NULL;
	size_t i;

	for (i = 0; i < nh; i++) {
		if (strcasecmp(h[i].name, "From"))
			continue;
		if (value)
			return; /* two From headers: whose would it be? */
		value = h[i].value;
	}
	if (value)
		authres_from_value(value, out);
}

bool
authres_aligned(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	const char *shorter = la < lb ? a : b, *longer = la < lb ? b : a;
	size_t ls = la < lb ? la : lb, ll = la < lb ? lb : la;

	if (ls == 0 || !strchr(shorter, '.'))
		return false;
	if (ls == ll)
		return !strcasecmp(a, b);
	return longer[ll - ls - 1] == '.' &&
	       !strcasecmp(longer + ll - ls, shorter);
}

/* Whether any passing DKIM domain aligns with the From domain. */
static bool
authres_dkim_aligned(const struct authres_facts *f)
{
	char domain[AUTHRES_DOMAIN_MAX + 1];
	const char *p = f->dkim_domains;
	size_t n;

	while (*p) {
		n = strcspn(p, " ");
		if (n < sizeof(domain)) {
			memcpy(domain, p, n);
			domain[n] = '\0';
			if (authres_aligned(domain, f->from_domain))
				return true;
		}
		p += n;
		p += *p == ' ';
	}
	return false;
}

void
authres_parse(const struct mime_header *headers, size_t nheaders,
              const char *authserv_id, struct authres_facts *out)
{
	memset(out, 0, sizeof(*out));
	authres_from(headers, nheaders, out);
	authres_results(headers, nheaders, authserv_id, out);
	if (!out->from_domain[0])
		return;
	/* DMARC judged the domain in its header.from: it must be ours. */
	if (!strcmp(out->dmarc, "pass") &&
	    (!out->dmarc_from[0] ||
	     !strcasecmp(out->dmarc_from, out->from_domain)))
		out->authenticated = true;
	else if (authres_dkim_aligned(out))
		out->authenticated = true;
}
