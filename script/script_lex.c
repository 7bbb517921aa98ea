/*
 * script_lex: splitting a script into commands and words (see script.h).
 * Quoting follows the POSIX shell (XCU 2.2, "Quoting"): a backslash outside
 * quotes keeps the next character, a backslash-newline joins lines, single
 * quotes keep everything; inside double quotes \\ \" \$ \n \t \xHH are
 * escapes and any other backslash stays as written.
 *
 * Expansion happens here too, while the quoting is known: ${NAME} in an
 * unquoted or double-quoted part is replaced by the variable's value (the
 * lexer's lookup), taken literally (never split, never a pattern), as a
 * Dockerfile's ENV references are (Dockerfile reference, "Environment
 * replacement"); a bare '$' not followed by '{' stays as written. An
 * unquoted * ? or [ makes the word a pattern for pathname expansion
 * (XCU 2.13), kept beside the word with every quoted special character
 * escaped by a backslash, as fnmatch(3) reads it.
 */
#include "script/script.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct buf {
	char *p;
	size_t len, cap;
};

/* A word being built: its bytes, and the pattern it is when glob. */
struct word {
	struct buf text, pat;
	bool glob;		/* an unquoted * ? or [ was seen */
};

static int buf_put(struct buf *b, char c)
{
	if (b->len + 2 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		char *p = realloc(b->p, cap);

		if (!p)
			return -ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	b->p[b->len++] = c;
	b->p[b->len] = '\0';
	return 0;
}

/* A character as written outside quotes: a pattern character stays one. */
static int put_raw(struct word *w, char c)
{
	if (c == '*' || c == '?' || c == '[')
		w->glob = true;
	return buf_put(&w->text, c) ? -ENOMEM : buf_put(&w->pat, c);
}

/* A quoted (or expanded) character: literal in the pattern too. */
static int put_lit(struct word *w, char c)
{
	if (buf_put(&w->text, c))
		return -ENOMEM;
	if (strchr("*?[]\\", c) && c && buf_put(&w->pat, '\\'))
		return -ENOMEM;
	return buf_put(&w->pat, c);
}

static void word_free(struct word *w)
{
	free(w->text.p);
	free(w->pat.p);
	memset(w, 0, sizeof(*w));
}

void script_lex_init(struct script_lexer *lx, const char *text, size_t len)
{
	memset(lx, 0, sizeof(*lx));
	lx->text = text;
	lx->len = len;
	lx->lineno = 1;
}

void script_lex_vars(struct script_lexer *lx, script_lookup_fn fn, void *ctx)
{
	lx->lookup = fn;
	lx->lookup_ctx = ctx;
}

static bool name_char(char c, bool first)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
	       (!first && c >= '0' && c <= '9');
}

/*
 * ${NAME}, with pos at the '{': the value goes into w literally. An
 * undefined name is an error, as `set -u` makes it in the shell: a typo
 * must not quietly become an empty path.
 */
static int lex_var(struct script_lexer *lx, struct word *w, struct err *e)
{
	const char *t = lx->text, *name = t + lx->pos + 1, *val;
	size_t n = 0, vlen;
	int rc;

	while (lx->pos + 1 + n < lx->len && name_char(name[n], n == 0))
		n++;
	if (!n || lx->pos + 1 + n >= lx->len || name[n] != '}')
		return err_set(e, -EINVAL, "bad variable reference: '${' must "
			       "be followed by a name and '}'");
	lx->pos += n + 2;
	rc = lx->lookup ? lx->lookup(lx->lookup_ctx, name, n, &val, &vlen)
			: -ENOENT;
	if (rc == -ENOENT)
		return err_set(e, -EINVAL, "undefined variable '%.*s'",
			       (int)n, name);
	for (size_t i = 0; !rc && i < vlen; i++)
		rc = put_lit(w, val[i]);
	return rc;
}

void script_line_free(struct script_line *l)
{
	for (size_t i = 0; i < l->argc; i++) {
		free(l->argv[i]);
		free(l->pats ? l->pats[i] : NULL);
	}
	free(l->argv);
	free(l->pats);
	free(l->lens);
	free(l->input);
	memset(l, 0, sizeof(*l));
}

static int add_word(struct script_line *l, struct word *w)
{
	char **argv = realloc(l->argv, (l->argc + 2) * sizeof(*argv));
	char **pats;
	size_t *lens;

	if (!argv)
		return -ENOMEM;
	l->argv = argv;
	pats = realloc(l->pats, (l->argc + 1) * sizeof(*pats));
	if (!pats)
		return -ENOMEM;
	l->pats = pats;
	lens = realloc(l->lens, (l->argc + 1) * sizeof(*lens));
	if (!lens)
		return -ENOMEM;
	l->lens = lens;
	if (!w->text.p && buf_put(&w->text, 'x') == 0)
		w->text.len = 0, w->text.p[0] = '\0';	/* an empty word: '' */
	if (!w->text.p)
		return -ENOMEM;
	l->argv[l->argc] = w->text.p;
	l->pats[l->argc] = w->glob ? w->pat.p : NULL;
	if (!w->glob)
		free(w->pat.p);
	l->lens[l->argc++] = w->text.len;
	l->argv[l->argc] = NULL;
	memset(w, 0, sizeof(*w));
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A double-quoted string from after the opening quote. */
static int lex_dquote(struct script_lexer *lx, struct word *w, struct err *e)
{
	const char *t = lx->text;
	int rc = 0;

	while (!rc) {
		char c;

		if (lx->pos >= lx->len)
			return err_set(e, -EINVAL, "unterminated double quote");
		c = t[lx->pos++];
		if (c == '"')
			return 0;
		if (c == '\n')
			lx->lineno++;
		if (c == '$' && lx->pos < lx->len && t[lx->pos] == '{') {
			rc = lex_var(lx, w, e);
			continue;
		}
		if (c != '\\' || lx->pos >= lx->len) {
			rc = put_lit(w, c);
			continue;
		}
		c = t[lx->pos++];
		if (c == '\n') {
			lx->lineno++;	/* a joined line */
		} else if (c == 'n' || c == 't') {
			rc = put_lit(w, c == 'n' ? '\n' : '\t');
		} else if (c == '\\' || c == '"' || c == '$') {
			rc = put_lit(w, c);
		} else if (c == 'x') {
			int hi = lx->pos < lx->len ? hexval(t[lx->pos]) : -1;
			int lo = lx->pos + 1 < lx->len ? hexval(t[lx->pos + 1])
						       : -1;
			if (hi < 0 || lo < 0)
				return err_set(e, -EINVAL, "bad escape '\\x': "
					       "two hex digits expected");
			lx->pos += 2;
			rc = put_lit(w, (char)(hi << 4 | lo));
		} else {
			rc = put_lit(w, '\\');
			if (!rc)
				rc = put_lit(w, c);
		}
	}
	return rc;
}

/* One character of a word outside quotes; 1 when it ends the line. */
static int lex_char(struct script_lexer *lx, struct word *w, bool *in_word,
		    struct err *e)
{
	const char *t = lx->text;
	char c = t[lx->pos++];

	switch (c) {
	case '\'':
		*in_word = true;
		while (lx->pos < lx->len && t[lx->pos] != '\'') {
			if (t[lx->pos] == '\n')
				lx->lineno++;
			if (put_lit(w, t[lx->pos++]))
				return -ENOMEM;
		}
		if (lx->pos >= lx->len)
			return err_set(e, -EINVAL, "unterminated single quote");
		lx->pos++;
		return 0;
	case '"':
		*in_word = true;
		return lex_dquote(lx, w, e);
	case '\\':
		if (lx->pos < lx->len && t[lx->pos] == '\n') {
			lx->pos++;
			lx->lineno++;
			return 0;
		}
		*in_word = true;
		return lx->pos < lx->len ? put_lit(w, t[lx->pos++])
					 : put_lit(w, '\\');
	case '$':
		*in_word = true;
		if (lx->pos < lx->len && t[lx->pos] == '{')
			return lex_var(lx, w, e);
		return put_raw(w, c);
	default:
		*in_word = true;
		return put_raw(w, c);
	}
}

/* Reads a heredoc body: lines up to one equal to tag. */
static int lex_heredoc(struct script_lexer *lx, const char *tag,
		       struct script_line *l, struct err *e)
{
	struct buf body = { 0 };
	size_t tlen = strlen(tag);

	for (;;) {
		const char *line = lx->text + lx->pos;
		const char *nl;
		size_t n;

		if (lx->pos >= lx->len) {
			free(body.p);
			return err_set(e, -EINVAL, "unterminated heredoc: "
				       "no line '%s'", tag);
		}
		nl = memchr(line, '\n', lx->len - lx->pos);
		n = nl ? (size_t)(nl - line) : lx->len - lx->pos;
		lx->pos += n + (nl ? 1 : 0);
		lx->lineno++;
		if (n == tlen && !memcmp(line, tag, n))
			break;
		for (size_t i = 0; i < n; i++)
			if (buf_put(&body, line[i]))
				goto oom;
		if (buf_put(&body, '\n'))
			goto oom;
	}
	l->input = body.p ? body.p : strdup("");
	l->input_len = body.len;
	return l->input ? 0 : -ENOMEM;
oom:
	free(body.p);
	return -ENOMEM;
}

/* The heredoc tag is the word's bytes; its pattern is of no use. */
static void take_tag(struct buf *tag, struct word *w)
{
	*tag = w->text;
	free(w->pat.p);
	memset(w, 0, sizeof(*w));
}

/* Words up to the end of the line; the heredoc tag word goes to *tag. */
static int lex_words(struct script_lexer *lx, struct script_line *l,
		     struct buf *tag, struct err *e)
{
	const char *t = lx->text;
	struct word w = { 0 };
	bool in_word = false, is_tag = false;
	int rc = 0;

	while (!rc && lx->pos < lx->len) {
		char c = t[lx->pos];

		if (c == '\n' || c == ' ' || c == '\t') {
			if (!in_word && is_tag) {
				/* "<<" then the end of the line */
				rc = err_set(e, -EINVAL, "heredoc without a tag");
				break;
			}
			if (in_word && is_tag)
				take_tag(tag, &w);
			else if (in_word)
				rc = add_word(l, &w);
			in_word = is_tag = false;
			if (c == '\n')
				break;
			lx->pos++;
		} else if (!in_word && !is_tag && c == '#') {
			while (lx->pos < lx->len && t[lx->pos] != '\n')
				lx->pos++;
		} else if (!in_word && !is_tag && c == '<' &&
			   lx->pos + 1 < lx->len && t[lx->pos + 1] == '<') {
			if (tag->p || l->input)
				rc = err_set(e, -EINVAL, "more than one heredoc");
			lx->pos += 2;
			is_tag = true;
			while (lx->pos < lx->len && (t[lx->pos] == ' ' ||
						     t[lx->pos] == '\t'))
				lx->pos++;
		} else {
			rc = lex_char(lx, &w, &in_word, e);
		}
	}
	if (!rc && in_word && is_tag)
		take_tag(tag, &w);
	else if (!rc && in_word)
		rc = add_word(l, &w);
	else if (!rc && is_tag)
		rc = err_set(e, -EINVAL, "heredoc without a tag");
	word_free(&w);
	return rc;
}

int script_lex_next(struct script_lexer *lx, struct script_line *out,
		    struct err *e)
{
	struct buf tag = { 0 };
	int rc = 0;

	memset(out, 0, sizeof(*out));
	while (!rc && !out->argc && lx->pos < lx->len) {
		out->lineno = lx->lineno;
		rc = lex_words(lx, out, &tag, e);
		if (lx->pos < lx->len) {	/* the newline */
			lx->pos++;
			lx->lineno++;
		}
		if (!rc && tag.p && !out->argc)
			rc = err_set(e, -EINVAL, "heredoc without a command");
	}
	if (!rc && tag.p)
		rc = lex_heredoc(lx, tag.p, out, e);
	free(tag.p);
	if (rc) {
		if (e && !e->line)
			e->line = out->lineno;
		script_line_free(out);
		return rc;
	}
	return out->argc ? 1 : 0;
}
