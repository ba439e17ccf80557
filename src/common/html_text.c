/* SPDX-License-Identifier: MIT */
/* HTML to plain text with libxml2's HTML parser, keeping links. */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "html_text.h"

#define HTML_TEXT_MAX_DEPTH 200
#define HTML_TEXT_MAX_ANCHOR 300

enum html_text_role {
	HTML_ROLE_INLINE = 0,
	HTML_ROLE_SKIP,  /* nothing inside is visible */
	HTML_ROLE_BLOCK, /* starts and ends a line */
	HTML_ROLE_CELL,  /* separated from its neighbours by a space */
};

static const struct {
	const char *name;
	enum html_text_role role;
} html_text_roles[] = {
    {"head", HTML_ROLE_SKIP},     {"style", HTML_ROLE_SKIP},
    {"script", HTML_ROLE_SKIP},   {"title", HTML_ROLE_SKIP},
    {"noscript", HTML_ROLE_SKIP}, {"template", HTML_ROLE_SKIP},
    {"svg", HTML_ROLE_SKIP},      {"object", HTML_ROLE_SKIP},
    {"iframe", HTML_ROLE_SKIP},   {"blockquote", HTML_ROLE_SKIP},
    {"p", HTML_ROLE_BLOCK},       {"div", HTML_ROLE_BLOCK},
    {"br", HTML_ROLE_BLOCK},      {"tr", HTML_ROLE_BLOCK},
    {"li", HTML_ROLE_BLOCK},      {"ul", HTML_ROLE_BLOCK},
    {"ol", HTML_ROLE_BLOCK},      {"table", HTML_ROLE_BLOCK},
    {"h1", HTML_ROLE_BLOCK},      {"h2", HTML_ROLE_BLOCK},
    {"h3", HTML_ROLE_BLOCK},      {"h4", HTML_ROLE_BLOCK},
    {"h5", HTML_ROLE_BLOCK},      {"h6", HTML_ROLE_BLOCK},
    {"hr", HTML_ROLE_BLOCK},      {"pre", HTML_ROLE_BLOCK},
    {"section", HTML_ROLE_BLOCK}, {"article", HTML_ROLE_BLOCK},
    {"header", HTML_ROLE_BLOCK},  {"footer", HTML_ROLE_BLOCK},
    {"center", HTML_ROLE_BLOCK},  {"dl", HTML_ROLE_BLOCK},
    {"dt", HTML_ROLE_BLOCK},      {"dd", HTML_ROLE_BLOCK},
    {"form", HTML_ROLE_BLOCK},    {"address", HTML_ROLE_BLOCK},
    {"main", HTML_ROLE_BLOCK},    {"nav", HTML_ROLE_BLOCK},
    {"tbody", HTML_ROLE_BLOCK},   {"thead", HTML_ROLE_BLOCK},
    {"tfoot", HTML_ROLE_BLOCK},   {"caption", HTML_ROLE_BLOCK},
    {"td", HTML_ROLE_CELL},       {"th", HTML_ROLE_CELL},
};

/* Class names mail clients give to the quoted earlier message. */
static const char *const html_text_quote_classes[] = {
    "gmail_quote",   "moz-cite-prefix",      "yahoo_quoted",
    "divRplyFwdMsg", "OutlookMessageHeader",
};

#define HTML_TEXT_MAX_CLASSES 64 /* class rules of <style> kept */
#define HTML_TEXT_COLOR 24       /* bytes of a normalised colour */

/* What a <style> rule for one class (or id) says about its text. */
struct html_text_class {
	char name[48];
	bool hidden;
	bool emph;
};

struct html_text_buf {
	struct html_text *ht;
	size_t cap;
	bool space;   /* a space is pending */
	int newlines; /* line breaks pending */
	bool full;
	struct html_text_class classes[HTML_TEXT_MAX_CLASSES];
	size_t nclasses;
	char bg[HTML_TEXT_COLOR]; /* background of the current element */
};

static enum html_text_role
html_text_role(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(html_text_roles) / sizeof(html_text_roles[0]);
	     i++)
		if (!strcasecmp(name, html_text_roles[i].name))
			return html_text_roles[i].role;
	return HTML_ROLE_INLINE;
}

static bool
html_text_put(struct html_text_buf *b, const char *s, size_t n)
{
	char *p;
	size_t want;

	if (b->full)
		return false;
	if (b->ht->len + n + 1 > HTML_TEXT_MAX_OUT) {
		b->full = true;
		return false;
	}
	if (b->ht->len + n + 1 > b->cap) {
		want = b->cap ? b->cap * 2 : 1024;
		while (want < b->ht->len + n + 1)
			want *= 2;
		if (!(p = realloc(b->ht->text, want)))
			return false;
		b->ht->text = p;
		b->cap = want;
	}
	memcpy(b->ht->text + b->ht->len, s, n);
	b->ht->len += n;
	b->ht->text[b->ht->len] = '\0';
	return true;
}

/* Emits what is pending (line breaks win over a space) before text. */
static void
html_text_flush(struct html_text_buf *b)
{
	if (b->ht->len == 0) {
		b->newlines = 0;
		b->space = false;
		return;
	}
	if (b->newlines > 0)
		html_text_put(b, "\n", 1);
	else if (b->space && b->ht->text[b->ht->len - 1] != '\n')
		html_text_put(b, " ", 1);
	b->newlines = 0;
	b->space = false;
}

static void
html_text_add(struct html_text_buf *b, const char *s)
{
	const char *run;

	while (*s) {
		if (isspace((unsigned char)*s)) {
			b->space = true;
			s++;
			continue;
		}
		html_text_flush(b);
		for (run = s; *s && !isspace((unsigned char)*s); s++)
			;
		html_text_put(b, run, (size_t)(s - run));
	}
}

/* The style attribute in lower case without blanks, or NULL. */
static char *
html_text_style(xmlNode *node)
{
	xmlChar *style = xmlGetProp(node, (const xmlChar *)"style");
	char *out, *o;
	const char *s;

	if (!style)
		return NULL;
	if ((out = malloc(strlen((const char *)style) + 1)) != NULL) {
		for (s = (const char *)style, o = out; *s; s++)
			if (!isspace((unsigned char)*s))
				*o++ = (char)tolower((unsigned char)*s);
		*o = '\0';
	}
	xmlFree(style);
	return out;
}

/* Whether style has "prop:0" with nothing but a unit or ';' after. */
static bool
html_text_style_zero(const char *style, const char *prop)
{
	const char *p = style;
	size_t n = strlen(prop);

	while ((p = strstr(p, prop)) != NULL) {
		if ((p == style || p[-1] == ';' || p[-1] == '"') &&
		    p[n] == '0' && !isdigit((unsigned char)p[n + 1]) &&
		    p[n + 1] != '.')
			return true;
		p += n;
	}
	return false;
}

/* Copies the colour at s ("#abc", "#aabbcc", "white", "rgb(...)") to
 * out as "#rrggbb" where it can, else as written; "" when none. */
static void
html_text_color_norm(const char *s, char *out)
{
	static const char *const names[][2] = {
	    {"white", "#ffffff"}, {"black", "#000000"}, {"red", "#ff0000"}};
	size_t n = 0, i;
	int r, g, bl;

	out[0] = '\0';
	if (sscanf(s, "rgb(%d,%d,%d)", &r, &g, &bl) == 3) {
		snprintf(out, HTML_TEXT_COLOR, "#%02x%02x%02x", r & 0xff,
		         g & 0xff, bl & 0xff);
		return;
	}
	if (s[0] == '#') {
		while (n < 6 && isxdigit((unsigned char)s[n + 1]))
			n++;
		if (n == 3)
			snprintf(out, HTML_TEXT_COLOR, "#%c%c%c%c%c%c", s[1],
			         s[1], s[2], s[2], s[3], s[3]);
		else if (n == 6)
			snprintf(out, HTML_TEXT_COLOR, "#%.6s", s + 1);
		for (i = 0; out[i]; i++)
			out[i] = (char)tolower((unsigned char)out[i]);
		return;
	}
	while (n + 1 < HTML_TEXT_COLOR && isalpha((unsigned char)s[n]))
		n++;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (n == strlen(names[i][0]) && !strncmp(s, names[i][0], n)) {
			strcpy(out, names[i][1]);
			return;
		}
	snprintf(out, HTML_TEXT_COLOR, "%.*s", (int)n, s);
}

/* The colour a declaration prop (e.g. "color:") gives, into out. */
static void
html_text_decl_color(const char *style, const char *prop, char *out)
{
	const char *p = style;
	size_t n = strlen(prop);

	out[0] = '\0';
	while (style && (p = strstr(p, prop)) != NULL) {
		if (p == style || p[-1] == ';' || p[-1] == '{') {
			html_text_color_norm(p + n, out);
			return;
		}
		p += n;
	}
}

/* Whether declarations (lower case, no blanks) hide their text: the
 * ways senders hide preheaders and decoys. */
static bool
html_text_decl_hidden(const char *style)
{
	char color[HTML_TEXT_COLOR];

	html_text_decl_color(style, "color:", color);
	return strstr(style, "display:none") ||
	       strstr(style, "visibility:hidden") ||
	       strstr(style, "mso-hide:all") || !strcmp(color, "transparent") ||
	       html_text_style_zero(style, "opacity:") ||
	       html_text_style_zero(style, "font-size:") ||
	       html_text_style_zero(style, "max-height:") ||
	       ((html_text_style_zero(style, "height:") ||
	         html_text_style_zero(style, "width:")) &&
	        strstr(style, "overflow:hidden"));
}

/* Whether the class attribute names a <style> class with the flag. */
static bool
html_text_class_says(struct html_text_buf *b, xmlNode *node, bool hidden)
{
	const char *attrs[] = {"class", "id"};
	char *save, *tok;
	xmlChar *val;
	bool found = false;
	size_t i, k;

	for (k = 0; k < 2 && !found && b->nclasses; k++) {
		if (!(val = xmlGetProp(node, (const xmlChar *)attrs[k])))
			continue;
		for (tok = strtok_r((char *)val, " \t\r\n", &save);
		     tok && !found; tok = strtok_r(NULL, " \t\r\n", &save))
			for (i = 0; i < b->nclasses; i++)
				if ((b->classes[i].name[0] == '.') ==
				        (k == 0) &&
				    !strcasecmp(b->classes[i].name + 1, tok) &&
				    (hidden ? b->classes[i].hidden
				            : b->classes[i].emph))
					found = true;
		xmlFree(val);
	}
	return found;
}

/* Sets b->bg from the element's own background, if it has one. */
static void
html_text_background(struct html_text_buf *b, xmlNode *node, const char *style)
{
	char c[HTML_TEXT_COLOR];
	xmlChar *attr;

	html_text_decl_color(style, "background-color:", c);
	if (!c[0])
		html_text_decl_color(style, "background:", c);
	if (!c[0] && (attr = xmlGetProp(node, (const xmlChar *)"bgcolor"))) {
		html_text_color_norm((const char *)attr, c);
		xmlFree(attr);
	}
	if (c[0] && strcmp(c, "transparent") && strcmp(c, "none"))
		strcpy(b->bg, c);
}

/* Text coloured like the background it sits on (when that is known). */
static bool
html_text_invisible_color(struct html_text_buf *b, xmlNode *node,
                          const char *style)
{
	char c[HTML_TEXT_COLOR];
	xmlChar *attr;

	html_text_decl_color(style, "color:", c);
	if (!c[0] && !strcasecmp((const char *)node->name, "font") &&
	    (attr = xmlGetProp(node, (const xmlChar *)"color"))) {
		html_text_color_norm((const char *)attr, c);
		xmlFree(attr);
	}
	return c[0] && b->bg[0] && !strcmp(c, b->bg);
}

static bool
html_text_hidden(struct html_text_buf *b, xmlNode *node, const char *style)
{
	xmlChar *cls;
	bool hidden = false;
	size_t i;

	if (xmlHasProp(node, (const xmlChar *)"hidden"))
		return true;
	if (style && html_text_decl_hidden(style))
		return true;
	if (html_text_class_says(b, node, true) ||
	    html_text_invisible_color(b, node, style))
		return true;
	if ((cls = xmlGetProp(node, (const xmlChar *)"class")) == NULL)
		cls = xmlGetProp(node, (const xmlChar *)"id");
	if (!cls)
		return false;
	for (i = 0; i < sizeof(html_text_quote_classes) /
	                    sizeof(html_text_quote_classes[0]);
	     i++)
		if (strstr((const char *)cls, html_text_quote_classes[i]))
			hidden = true;
	xmlFree(cls);
	return hidden;
}

/* Bold, headings, big type or spaced letters: how codes are shown. */
static bool
html_text_emphasis(const char *name, const char *style)
{
	const char *p;

	if (!strcasecmp(name, "b") || !strcasecmp(name, "strong") ||
	    !strcasecmp(name, "h1") || !strcasecmp(name, "h2") ||
	    !strcasecmp(name, "code") || !strcasecmp(name, "kbd"))
		return true;
	if (!style)
		return false;
	if (strstr(style, "font-weight:bold") ||
	    strstr(style, "font-weight:700") ||
	    strstr(style, "font-weight:800") ||
	    strstr(style, "font-weight:900"))
		return true;
	if ((p = strstr(style, "letter-spacing:")) && p[15] != '0' &&
	    p[15] != 'n')
		return true;
	if ((p = strstr(style, "font-size:")) && atoi(p + 10) >= 20)
		return true;
	return false;
}

/* Records one rule's selectors (".name" or "#name", alone or after a
 * tag name) when its declarations hide or emphasise text. */
static void
html_text_rule(struct html_text_buf *b, char *sel, const char *decl)
{
	bool hidden = html_text_decl_hidden(decl);
	bool emph = html_text_emphasis("", decl);
	struct html_text_class *c;
	char *save, *one, *dot, *end;

	if (!hidden && !emph)
		return;
	for (one = strtok_r(sel, ",", &save); one;
	     one = strtok_r(NULL, ",", &save)) {
		while (isspace((unsigned char)*one))
			one++;
		for (end = one + strlen(one);
		     end > one && isspace((unsigned char)end[-1]); end--)
			end[-1] = '\0';
		dot = one + strcspn(one, ".#");
		/* Only "x.name" and ".name": descendants are another matter. */
		if (!*dot || strpbrk(dot + 1, ".#:[>+~") ||
		    strpbrk(one, " \t\r\n") ||
		    b->nclasses >= HTML_TEXT_MAX_CLASSES ||
		    strlen(dot) >= sizeof(c->name))
			continue;
		c = &b->classes[b->nclasses++];
		snprintf(c->name, sizeof(c->name), "%s", dot);
		c->hidden = hidden;
		c->emph = emph;
	}
}

/* Reads the simple class rules of one style sheet. At-rules are
 * skipped whole: @media blocks mostly restyle for phones. No cascade,
 * no specificity: only the patterns senders use to hide a preheader or
 * a decoy and to style the code box. */
static void
html_text_sheet(struct html_text_buf *b, const char *css)
{
	char *copy = strdup(css), *p, *open, *close, *decl, *o;
	int depth;

	if (!copy)
		return;
	/* Comments out, so they cannot hide braces. */
	while ((p = strstr(copy, "/*")) != NULL) {
		close = strstr(p + 2, "*/");
		memmove(p, close ? close + 2 : p + strlen(p),
		        strlen(close ? close + 2 : p + strlen(p)) + 1);
	}
	for (p = copy; (open = strchr(p, '{')) != NULL; p = close + 1) {
		*open = '\0';
		if (strchr(p, '@')) {
			for (depth = 1, close = open + 1; *close && depth;
			     close++)
				depth += *close == '{'   ? 1
				         : *close == '}' ? -1
				                         : 0;
			if (depth)
				break;
			close--;
			continue;
		}
		if (!(close = strchr(open + 1, '}')))
			break;
		*close = '\0';
		for (decl = o = open + 1; *decl; decl++)
			if (!isspace((unsigned char)*decl))
				*o++ = (char)tolower((unsigned char)*decl);
		*o = '\0';
		html_text_rule(b, strrchr(p, '}') ? strrchr(p, '}') + 1 : p,
		               open + 1);
	}
	free(copy);
}

/* Reads every <style> element of the document before the text. */
static void
html_text_sheets(struct html_text_buf *b, xmlNode *node, int depth)
{
	xmlChar *css;

	for (; node && depth < HTML_TEXT_MAX_DEPTH; node = node->next) {
		if (node->type != XML_ELEMENT_NODE || !node->name)
			continue;
		if (!strcasecmp((const char *)node->name, "style")) {
			if ((css = xmlNodeGetContent(node)) != NULL) {
				html_text_sheet(b, (const char *)css);
				xmlFree(css);
			}
			continue;
		}
		html_text_sheets(b, node->children, depth + 1);
	}
}

static void html_text_walk(struct html_text_buf *b, xmlNode *node, int depth);

static void
html_text_link(struct html_text_buf *b, xmlNode *node, size_t start)
{
	struct html_text *ht = b->ht;
	struct html_text_link *l;
	xmlChar *href = xmlGetProp(node, (const xmlChar *)"href");
	size_t n = ht->len - start;
	char mark;

	if (!href || ht->nlinks >= HTML_TEXT_MAX_LINKS ||
	    (strncasecmp((const char *)href, "http://", 7) &&
	     strncasecmp((const char *)href, "https://", 8)))
		goto out;
	if (!ht->links &&
	    !(ht->links = calloc(HTML_TEXT_MAX_LINKS, sizeof(*ht->links))))
		goto out;
	l = &ht->links[ht->nlinks];
	if (n > HTML_TEXT_MAX_ANCHOR)
		n = HTML_TEXT_MAX_ANCHOR;
	l->url = strdup((const char *)href);
	l->text = strndup(ht->text ? ht->text + start : "", n);
	if (!l->url || !l->text) {
		free(l->url);
		free(l->text);
		l->url = l->text = NULL;
		goto out;
	}
	ht->nlinks++;
	mark = HTML_TEXT_LINK_MARK;
	html_text_put(b, &mark, 1);
out:
	xmlFree(href);
}

static void
html_text_element(struct html_text_buf *b, xmlNode *node, int depth)
{
	const char *name = (const char *)node->name;
	enum html_text_role role = html_text_role(name);
	char *style, bg[HTML_TEXT_COLOR];
	bool emph, anchor = !strcasecmp(name, "a");
	size_t start;

	if (role == HTML_ROLE_SKIP)
		return;
	style = html_text_style(node);
	memcpy(bg, b->bg, sizeof(bg));
	html_text_background(b, node, style);
	if (html_text_hidden(b, node, style)) {
		free(style);
		memcpy(b->bg, bg, sizeof(bg));
		return;
	}
	emph = html_text_emphasis(name, style) ||
	       html_text_class_says(b, node, false);
	free(style);
	if (role == HTML_ROLE_BLOCK)
		b->newlines = 1;
	else if (role == HTML_ROLE_CELL)
		b->space = true;
	if (emph || anchor)
		html_text_flush(b);
	if (emph)
		html_text_put(b, "\x01", 1);
	start = b->ht->len;
	html_text_walk(b, node->children, depth + 1);
	if (anchor)
		html_text_link(b, node, start);
	if (emph)
		html_text_put(b, "\x02", 1);
	if (role == HTML_ROLE_BLOCK)
		b->newlines = 1;
	else if (role == HTML_ROLE_CELL)
		b->space = true;
	memcpy(b->bg, bg, sizeof(bg));
}

static void
html_text_walk(struct html_text_buf *b, xmlNode *node, int depth)
{
	if (depth > HTML_TEXT_MAX_DEPTH)
		return;
	for (; node && !b->full; node = node->next) {
		if (node->type == XML_TEXT_NODE ||
		    node->type == XML_CDATA_SECTION_NODE) {
			if (node->content)
				html_text_add(b, (const char *)node->content);
		} else if (node->type == XML_ELEMENT_NODE && node->name) {
			html_text_element(b, node, depth);
		}
	}
}

enum otpbox_err
html_text_convert(const char *html, size_t len, struct html_text **out)
{
	struct html_text_buf b = {0};
	htmlDocPtr doc;
	int opts = HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
	           HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
	           HTML_PARSE_IGNORE_ENC;

	*out = NULL;
	if (!(b.ht = calloc(1, sizeof(*b.ht))))
		return OTPBOX_ERR_NOMEM;
	if (len > (size_t)INT32_MAX)
		len = (size_t)INT32_MAX;
	doc = len ? htmlReadMemory(html, (int)len, NULL, "UTF-8", opts) : NULL;
	if (doc) {
		html_text_sheets(&b, xmlDocGetRootElement(doc), 0);
		html_text_walk(&b, xmlDocGetRootElement(doc), 0);
		xmlFreeDoc(doc);
	}
	if (!b.ht->text && !(b.ht->text = strdup(""))) {
		html_text_free(b.ht);
		return OTPBOX_ERR_NOMEM;
	}
	*out = b.ht;
	return OTPBOX_OK;
}

void
html_text_free(struct html_text *ht)
{
	size_t i;

	if (!ht)
		return;
	for (i = 0; i < ht->nlinks; i++) {
		free(ht->links[i].url);
		free(ht->links[i].text);
	}
	free(ht->links);
	free(ht->text);
	free(ht);
}
