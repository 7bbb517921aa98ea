/*
 * script_lex: splitting a script into commands and words (see script.h).
 * Quoting follows the POSIX shell (XCU 2.2, "Quoting"): a backslash outside
 * quotes keeps the next character, a backslash-newline joins lines, single
 * quotes keep everything; inside double quotes \\ \" \n \t \xHH are
 * escapes and any other backslash stays as written.
 */
#include "script/script.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct buf {
	char *p;
	size_t len, cap;
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

void script_lex_init(struct script_lexer *lx, const char *text, size_t len)
{
	lx->text = text;
	lx->len = len;
	lx->pos = 0;
	lx->lineno = 1;
}

void script_line_free(struct script_line *l)
{
	for (size_t i = 0; i < l->argc; i++)
		free(l->argv[i]);
	free(l->argv);
	free(l->lens);
	free(l->input);
	memset(l, 0, sizeof(*l));
}

static int add_word(struct script_line *l, struct buf *w)
{
	char **argv = realloc(l->argv, (l->argc + 2) * sizeof(*argv));
	size_t *lens;

	if (!argv)
		return -ENOMEM;
	l->argv = argv;
	lens = realloc(l->lens, (l->argc + 1) * sizeof(*lens));
	if (!lens)
		return -ENOMEM;
	l->lens = lens;
	if (!w->p && buf_put(w, 'x') == 0)
		w->len = 0, w->p[0] = '\0';	/* an empty word: '' */
	if (!w->p)
		return -ENOMEM;
	l->argv[l->argc] = w->p;
	l->lens[l->argc++] = w->len;
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
static int lex_dquote(struct script_lexer *lx, struct buf *w, struct err *e)
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
		if (c != '\\' || lx->pos >= lx->len) {
			rc = buf_put(w, c);
			continue;
		}
		c = t[lx->pos++];
		if (c == '\n') {
			lx->lineno++;	/* a joined line */
		} else if (c == 'n' || c == 't') {
			rc = buf_put(w, c == 'n' ? '\n' : '\t');
		} else if (c == '\\' || c == '"') {
			rc = buf_put(w, c);
		} else if (c == 'x') {
			int hi = lx->pos < lx->len ? hexval(t[lx->pos]) : -1;
			int lo = lx->pos + 1 < lx->len ? hexval(t[lx->pos + 1])
						       : -1;
			if (hi < 0 || lo < 0)
				return err_set(e, -EINVAL, "bad escape '\\x': "
					       "two hex digits expected");
			lx->pos += 2;
			rc = buf_put(w, (char)(hi << 4 | lo));
		} else {
			rc = buf_put(w, '\\');
			if (!rc)
				rc = buf_put(w, c);
		}
	}
	return rc;
}

/* One character of a word outside quotes; 1 when it ends the line. */
static int lex_char(struct script_lexer *lx, struct buf *w, bool *in_word,
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
			if (buf_put(w, t[lx->pos++]))
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
		return lx->pos < lx->len ? buf_put(w, t[lx->pos++])
					 : buf_put(w, '\\');
	default:
		*in_word = true;
		return buf_put(w, c);
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

/* Words up to the end of the line; the heredoc tag word goes to *tag. */
static int lex_words(struct script_lexer *lx, struct script_line *l,
		     struct buf *tag, struct err *e)
{
	const char *t = lx->text;
	struct buf w = { 0 };
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
				*tag = w, memset(&w, 0, sizeof(w));
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
		*tag = w, memset(&w, 0, sizeof(w));
	else if (!rc && in_word)
		rc = add_word(l, &w);
	else if (!rc && is_tag)
		rc = err_set(e, -EINVAL, "heredoc without a tag");
	free(w.p);
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
