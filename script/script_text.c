/*
 * script_text: the commands that edit a text file line by line:
 * append-line (virt-customize --append-line), replace (sed -E s///, per
 * line) and delete-lines (sed -E /RE/d). Like write, they follow a final
 * symlink (/etc/os-release edits /usr/lib/os-release) and replace the
 * file's content in place, so its mode, owner and xattrs stay.
 */
#include "script/script_impl.h"

#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "script/script_cmds.h"
#include "layers/memfs.h"

/* Text files larger than this are not read whole (a safety limit). */
#define TEXT_MAX (256u << 20)

int script_read_text(struct vfs_fs *fs, const char *path, char **text,
		     size_t *len, struct vfs_node **out)
{
	struct memfs_data *d = NULL;
	struct vfs_node *n;
	struct vfs_attr a;
	ssize_t got = 0;
	int rc = vfs_resolve(fs, path, true, &n);

	*text = NULL;
	if (rc)
		return rc;
	rc = vfs_getattr(fs, n, &a);
	if (!rc && !S_ISREG(a.mode))
		rc = S_ISDIR(a.mode) ? -EISDIR : -EINVAL;
	if (!rc)
		rc = vfs_data(fs, n, &d);
	if (!rc && d->size > TEXT_MAX)
		rc = -EFBIG;
	if (!rc)
		rc = (*text = malloc(d->size + 1)) ? 0 : -ENOMEM;
	if (!rc && (got = memfs_data_read(d, 0, *text, d->size)) < 0)
		rc = (int)got;
	memfs_data_put(d);
	if (rc) {
		free(*text);
		*text = NULL;
		vfs_put(fs, n);
		return rc;
	}
	(*text)[got] = '\0';
	*len = (size_t)got;
	if (out)
		*out = n;
	else
		vfs_put(fs, n);
	return 0;
}

int script_replace_text(struct vfs_fs *fs, struct vfs_node *n,
			const char *text, size_t len)
{
	struct memfs_data *d = script_text_data(text, len);
	int rc = d ? vfs_setdata(fs, n, d) : -ENOMEM;

	memfs_data_put(d);
	return rc;
}

/* A growable output buffer. */
struct out {
	char *p;
	size_t len, cap;
};

static int out_put(struct out *o, const char *s, size_t n)
{
	if (o->len + n + 1 > o->cap) {
		size_t cap = o->cap ? o->cap : 256;
		char *p;

		while (cap < o->len + n + 1)
			cap *= 2;
		p = realloc(o->p, cap);
		if (!p)
			return -ENOMEM;
		o->p = p;
		o->cap = cap;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
	return 0;
}

int script_append_line(struct script_ctx *c)
{
	struct vfs_fs *fs = c->env->fs;
	const char *path = c->args[0], *line = c->args[1];
	size_t ll = c->lens[1], len = 0;
	struct vfs_node *n = NULL;
	struct out o = { 0 };
	char *text = NULL;
	int rc = script_read_text(fs, path, &text, &len, &n);

	if (memchr(line, '\n', ll))
		return script_failf(c, NULL, -EINVAL, "LINE holds a newline");
	if (rc == -ENOENT) {	/* a missing file is made, as append does */
		struct vfs_create f = { .mode = S_IFREG | 0644 };

		rc = vfs_create(fs, path, &f);
		if (!rc)
			rc = vfs_resolve(fs, path, true, &n);
	}
	if (rc)
		return script_fail(c, path, rc);
	/* already there as a whole line: nothing to do */
	for (const char *p = text; p && p < text + len;) {
		const char *nl = memchr(p, '\n', (size_t)(text + len - p));
		size_t k = nl ? (size_t)(nl - p) : (size_t)(text + len - p);

		if (k == ll && !memcmp(p, line, ll))
			goto out;
		p += k + 1;
	}
	rc = out_put(&o, text ? text : "", len);
	if (!rc && len && text[len - 1] != '\n')
		rc = out_put(&o, "\n", 1);
	if (!rc)
		rc = out_put(&o, line, ll);
	if (!rc)
		rc = out_put(&o, "\n", 1);
	if (!rc)
		rc = script_replace_text(fs, n, o.p, o.len);
out:
	free(o.p);
	free(text);
	vfs_put(fs, n);
	return script_fail(c, path, rc);
}

/* REPLACEMENT with \0..\9 as the match's groups and \\ a backslash. */
static int put_replacement(struct out *o, const char *rep, const char *line,
			   const regmatch_t *m)
{
	int rc = 0;

	for (const char *r = rep; !rc && *r; r++) {
		if (*r == '\\' && r[1] >= '0' && r[1] <= '9') {
			const regmatch_t *g = &m[r[1] - '0'];

			if (g->rm_so >= 0)
				rc = out_put(o, line + g->rm_so,
					     (size_t)(g->rm_eo - g->rm_so));
			r++;
		} else if (*r == '\\' && r[1] == '\\') {
			rc = out_put(o, "\\", 1);
			r++;
		} else {
			rc = out_put(o, r, 1);
		}
	}
	return rc;
}

/*
 * One line (NUL-terminated, without its newline) through the regex: its
 * replaced text into o (replace), or nothing when it matches (delete).
 * Counts matches into *count.
 */
static int edit_line(struct script_ctx *c, const regex_t *re, const char *line,
		     struct out *o, size_t *count)
{
	const char *rep = c->nargs > 2 ? c->args[2] : NULL;
	regmatch_t m[10];
	size_t at = 0, len = strlen(line);
	int rc = 0, flags = 0;

	if (!rep) {
		if (!regexec(re, line, 0, NULL, 0)) {
			++*count;
			return 0;
		}
		return out_put(o, line, len);
	}
	while (!rc && at <= len && !regexec(re, line + at, 10, m, flags)) {
		++*count;
		rc = out_put(o, line + at, (size_t)m[0].rm_so);
		if (!rc)
			rc = put_replacement(o, rep, line + at, m);
		if (m[0].rm_eo == m[0].rm_so) {	/* empty: step over a byte */
			if (!rc && at + (size_t)m[0].rm_eo < len)
				rc = out_put(o, line + at + m[0].rm_eo, 1);
			at += (size_t)m[0].rm_eo + 1;
		} else {
			at += (size_t)m[0].rm_eo;
		}
		flags = REG_NOTBOL;
		if (!script_opt(c, 'g'))
			break;
	}
	return rc || at > len ? rc : out_put(o, line + at, len - at);
}

/* replace and delete-lines: every line of the file through edit_line. */
static int edit_lines(struct script_ctx *c)
{
	struct vfs_fs *fs = c->env->fs;
	const char *path = c->args[0];
	struct vfs_node *n = NULL;
	struct out o = { 0 };
	char *text = NULL;
	size_t len = 0, count = 0;
	regex_t re;
	int rc = regcomp(&re, c->args[1], REG_EXTENDED);

	if (rc) {
		char why[128];

		regerror(rc, &re, why, sizeof(why));
		return script_failf(c, NULL, -EINVAL, "invalid regular "
				    "expression '%s': %s", c->args[1], why);
	}
	rc = script_read_text(fs, path, &text, &len, &n);
	/* regexec(3) stops at a NUL: a line holding one would be cut */
	if (!rc && memchr(text, '\0', len))
		rc = script_failf(c, path, -EINVAL, "not a text file: it holds "
				  "a NUL byte");
	for (char *p = text; !rc && p < text + len;) {
		char *nl = memchr(p, '\n', (size_t)(text + len - p));
		size_t was = count;

		if (nl)
			*nl = '\0';
		rc = edit_line(c, &re, p, &o, &count);
		/* a deleted line takes its newline with it */
		if (!rc && nl && (c->nargs > 2 || count == was))
			rc = out_put(&o, "\n", 1);
		p = nl ? nl + 1 : text + len;
	}
	if (!rc && !count && !script_opt(c, 'f'))
		rc = script_failf(c, path, -ENOENT, "no line matches '%s'",
				  c->args[1]);
	if (!rc && count)
		rc = script_replace_text(fs, n, o.p ? o.p : "", o.len);
	regfree(&re);
	free(o.p);
	free(text);
	vfs_put(fs, n);
	return script_fail(c, path, rc);
}

int script_replace(struct script_ctx *c)
{
	return edit_lines(c);
}

int script_delete_lines(struct script_ctx *c)
{
	return edit_lines(c);
}
