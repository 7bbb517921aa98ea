/*
 * script: the interpreter. It lexes one command at a time, parses the
 * command's options as getopt(3) would, checks the word counts against the
 * table, runs it, and stops at the first failure with one message
 * "SCRIPT:LINE: COMMAND: PATH: reason".
 */
#include "script/script_impl.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/io.h"
#include "base/suggest.h"
#include "layers/memfs.h"

/* The copy-in buffer, when the kernel will not copy (EXDEV...). */
#define SCRIPT_COPY_BUF (64u << 10)

int script_fail(struct script_ctx *c, const char *path, int rc)
{
	if (rc && !c->errpath[0] && path)
		snprintf(c->errpath, sizeof(c->errpath), "%s", path);
	return rc;
}

int script_failf(struct script_ctx *c, const char *path, int rc,
		 const char *fmt, ...)
{
	va_list ap;

	if (!c->reason[0]) {
		va_start(ap, fmt);
		vsnprintf(c->reason, sizeof(c->reason), fmt, ap);
		va_end(ap);
	}
	return script_fail(c, path, rc);
}

struct memfs_data *script_text_data(const void *buf, size_t len)
{
	struct memfs_src *src;
	struct memfs_data *d;

	if (!len)
		return memfs_data_empty();
	src = memfs_src_mem(buf, len);
	if (!src)
		return NULL;
	d = memfs_data_new(len, 1);
	if (d)
		memfs_data_push(d, 0, len, src, 0);
	memfs_src_put(src);
	return d;
}

/* The run's unlinked spool file, that copy-in content goes to. */
static int spool_open(struct script_ctx *c)
{
	int fd = io_spool_open(c->env->spool_dir);

	if (fd < 0)
		return fd;
	c->spool = memfs_src_fd(fd, 0);
	return c->spool ? 0 : -ENOMEM;
}

int script_spool_data(struct script_ctx *c, int fd, uint64_t size,
		      struct memfs_data **out)
{
	/* a fresh state per file: the host files come from anywhere */
	struct io_copy st = { 0 };
	unsigned char buf[SCRIPT_COPY_BUF];
	uint64_t start;
	int rc;

	if (!size) {
		*out = memfs_data_empty();
		return 0;
	}
	if (!c->spool && (rc = spool_open(c)))
		return rc;
	start = c->spool->size;
	if (start > INT64_MAX)
		return -EFBIG;
	/* a file that shrank under us ends early: -EIO */
	rc = io_copy(fd, 0, c->spool->fd, (int64_t)start, size, &st, buf,
		     sizeof(buf));
	if (rc)
		return rc;
	c->spool->size += size;
	*out = memfs_data_new(size, 1);
	if (!*out)
		return -ENOMEM;
	memfs_data_push(*out, 0, size, c->spool, start);
	return 0;
}

int script_spool_write(struct script_ctx *c, const void *buf, size_t len)
{
	uint64_t off;
	int rc = 0;

	if (!c->spool && (rc = spool_open(c)))
		return rc;
	off = c->spool->size;
	rc = io_pwrite_all(c->spool->fd, buf, len, off);
	if (!rc)
		c->spool->size += len;
	return rc;
}

uint64_t script_spool_size(const struct script_ctx *c)
{
	return c->spool ? c->spool->size : 0;
}

int script_spool_take(struct script_ctx *c, uint64_t start,
		      struct memfs_data **out)
{
	uint64_t size = c->spool ? c->spool->size - start : 0;

	if (!size) {
		*out = memfs_data_empty();
		return 0;
	}
	*out = memfs_data_new(size, 1);
	if (!*out)
		return -ENOMEM;
	memfs_data_push(*out, 0, size, c->spool, start);
	return 0;
}

char *script_join(const char *dir, const char *name)
{
	size_t dl = strlen(dir);
	char *s = malloc(dl + strlen(name) + 2);

	if (!s)
		return NULL;
	memcpy(s, dir, dl);
	while (dl > 1 && s[dl - 1] == '/')
		dl--;
	s[dl] = '/';
	strcpy(s + dl + 1, name);
	return s;
}

char *script_basename(const char *path)
{
	size_t end = strlen(path), start;

	while (end > 1 && path[end - 1] == '/')
		end--;
	start = end;
	while (start > 0 && path[start - 1] != '/')
		start--;
	return strndup(path + start, end - start);
}

int script_target(struct script_ctx *c, const char *src, const char *dst,
		  char **out)
{
	struct vfs_fs *fs = c->env->fs;
	struct vfs_node *n;
	struct vfs_attr a;
	char *base;
	int rc = vfs_resolve(fs, dst, true, &n);

	if (!rc) {
		rc = vfs_getattr(fs, n, &a);
		vfs_put(fs, n);
		if (!rc && S_ISDIR(a.mode)) {
			base = script_basename(src);
			*out = base ? script_join(dst, base) : NULL;
			free(base);
			return *out ? 0 : -ENOMEM;
		}
	}
	*out = strdup(dst);
	return *out ? 0 : -ENOMEM;
}

/* Records option letter o (a value: val) as given. */
static void set_opt(struct script_ctx *c, char o, const char *val)
{
	c->flags |= 1ull << script_optbit(o);
	if (val)
		c->val[script_optbit(o)] = val;
}

/* A long option --name or --name=VALUE at word i; may take word i + 1. */
static int long_opt(struct script_ctx *c, struct script_line *l, size_t *i)
{
	const char *w = l->argv[*i] + 2, *eq = strchr(w, '=');
	size_t n = eq ? (size_t)(eq - w) : strlen(w);
	const struct script_longopt *lo = c->cmd->longs;

	while (lo && lo->name && (strlen(lo->name) != n ||
				  strncmp(lo->name, w, n)))
		lo++;
	if (!lo || !lo->name)
		return script_failf(c, NULL, -EINVAL, "unknown option '%s'",
				    l->argv[*i]);
	if (!lo->arg && eq)
		return script_failf(c, NULL, -EINVAL, "option '--%s' takes "
				    "no value", lo->name);
	if (lo->arg && !eq && *i + 1 >= l->argc)
		return script_failf(c, NULL, -EINVAL, "option '--%s' needs a "
				    "value", lo->name);
	set_opt(c, lo->letter, !lo->arg ? NULL : eq ? eq + 1 : l->argv[++*i]);
	return 0;
}

/*
 * chmod -w, chmod -x: a word that is a mode starting with '-' is the mode,
 * not options, as coreutils chmod.c accepts these "nonportable uses".
 */
static bool is_minus_mode(const struct script_ctx *c, const char *w)
{
	struct script_mode *m;

	/* "--x" is a long option to getopt_long, and so an unknown one */
	if (strcmp(c->cmd->name, "chmod") || w[1] == '-' ||
	    w[strspn(w, "-rwxXstugoa,+=")])
		return false;
	if (script_mode_parse(w, &m))
		return false;
	script_mode_free(m);
	return true;
}

/* Short options in word w (after the '-'); may take word i + 1. */
static int short_opts(struct script_ctx *c, struct script_line *l, size_t *i)
{
	const char *w = l->argv[*i];

	for (size_t k = 1; w[k]; k++) {
		bool letter = (w[k] >= 'a' && w[k] <= 'z') ||
			      (w[k] >= 'A' && w[k] <= 'Z');
		const char *o = letter ? strchr(c->cmd->opts, w[k]) : NULL;

		if (!o)
			return script_failf(c, NULL, -EINVAL,
					    "unknown option '-%c'", w[k]);
		if (o[1] != ':') {
			set_opt(c, w[k], NULL);
			continue;
		}
		if (w[k + 1])
			set_opt(c, w[k], w + k + 1);
		else if (*i + 1 < l->argc)
			set_opt(c, w[k], l->argv[++*i]);
		else
			return script_failf(c, NULL, -EINVAL,
					    "option '-%c' needs a value", w[k]);
		break;
	}
	return 0;
}

/* getopt(3) over the words after the command name, options first. */
static int parse_opts(struct script_ctx *c, struct script_line *l,
		      size_t *first)
{
	size_t i = 1;
	int rc = 0;

	for (; !rc && i < l->argc; i++) {
		const char *w = l->argv[i];

		if (w[0] != '-' || !w[1] || is_minus_mode(c, w))
			break;
		if (!strcmp(w, "--")) {
			i++;
			break;
		}
		rc = w[1] == '-' ? long_opt(c, l, &i) : short_opts(c, l, &i);
	}
	*first = i;
	return rc;
}

/* Adds word w (len bytes, taken over) to the positional words. */
static int push_word(struct script_ctx *c, char *w, size_t len)
{
	char **v = realloc(c->owned, (c->nowned + 2) * sizeof(*v));
	size_t *lens;

	if (v)
		c->owned = v;
	lens = v ? realloc(c->lens, (c->nowned + 1) * sizeof(*lens)) : NULL;
	if (!lens) {
		free(w);
		return -ENOMEM;
	}
	c->lens = lens;
	c->owned[c->nowned] = w;
	c->lens[c->nowned++] = len;
	c->owned[c->nowned] = NULL;
	return 0;
}

/*
 * The positional words from first on, each pattern replaced by the paths
 * it matches (XCU 2.13.3). A pattern matching nothing is an error, except
 * under rm -f, where it is dropped as a missing name would be ignored.
 */
static int expand_words(struct script_ctx *c, struct script_line *l,
			size_t first)
{
	bool quiet = !strcmp(c->cmd->name, "rm") && script_opt(c, 'f');
	int rc = 0;

	for (size_t i = first; !rc && i < l->argc; i++) {
		struct vfs_names ns = { 0 };

		if (!l->pats[i]) {
			char *w = malloc(l->lens[i] + 1);

			if (w)
				memcpy(w, l->argv[i], l->lens[i] + 1);
			rc = w ? push_word(c, w, l->lens[i]) : -ENOMEM;
			continue;
		}
		/* the image is not where copy-in's HOSTPATH is */
		if (i == first && !strcmp(c->cmd->name, "copy-in"))
			return script_failf(c, l->argv[i], -EINVAL, "a pattern "
					    "in HOSTPATH would be expanded against "
					    "the image: quote it");
		rc = script_glob(c->env->fs, l->pats[i], &ns);
		if (!rc && !ns.n && !quiet)
			rc = script_failf(c, l->argv[i], -ENOENT, "no match");
		for (size_t k = 0; !rc && k < ns.n; k++) {
			rc = push_word(c, ns.v[k], strlen(ns.v[k]));
			ns.v[k] = NULL;
		}
		vfs_names_free(&ns);
	}
	c->args = c->owned;
	c->nargs = c->nowned;
	return rc;
}

/* Checks the word count; a heredoc counts as the last word. */
static int check_count(struct script_ctx *c)
{
	size_t n = c->nargs + (c->input ? 1 : 0);

	if (c->input && !c->cmd->input)
		return script_failf(c, NULL, -EINVAL, "takes no heredoc");
	if ((int)n < c->cmd->min || (c->cmd->max >= 0 && (int)n > c->cmd->max))
		return script_failf(c, NULL, -EINVAL, "usage: %s",
				    c->cmd->usage);
	return 0;
}

/* Formats "COMMAND: PATH: reason" into e->msg. */
static void describe(struct script_ctx *c, const char *cmd, int rc,
		     struct err *e)
{
	char reason[256];

	if (c->reason[0]) {
		snprintf(reason, sizeof(reason), "%s", c->reason);
	} else {
		snprintf(reason, sizeof(reason), "%s", strerror(-rc));
		reason[0] = (char)tolower((unsigned char)reason[0]);
	}
	if (c->errpath[0])
		err_set(e, rc, "%s: %s: %s", cmd, c->errpath, reason);
	else
		err_set(e, rc, "%s: %s", cmd, reason);
}

/* "unknown command", with the closest names when there are some. */
static int unknown_command(struct script_ctx *c, const char *name)
{
	char near[256];
	size_t n;
	const char *const *names = script_cmd_names(&n);

	suggest_names(name, names, n, near, sizeof(near));
	if (near[0])
		return script_failf(c, NULL, -EINVAL, "unknown command; did "
				    "you mean %s?", near);
	return script_failf(c, NULL, -EINVAL, "unknown command");
}

static int run_line(struct script_env *env, const char *basedir,
		    struct script_line *l, struct memfs_src **spool,
		    struct err *e)
{
	struct script_ctx c = { .env = env, .basedir = basedir,
				.lineno = l->lineno,
				.input = l->input, .input_len = l->input_len,
				.spool = *spool };
	size_t first = 0;
	int rc;

	c.cmd = script_cmd_find(l->argv[0]);
	if (!c.cmd) {
		rc = unknown_command(&c, l->argv[0]);
	} else {
		rc = parse_opts(&c, l, &first);
		if (!rc)
			rc = expand_words(&c, l, first);
		/* rm -f of patterns that matched nothing: nothing to do, as
		 * rm -f without operands succeeds */
		if (!rc && !c.nargs && first < l->argc)
			goto out;
		if (!rc)
			rc = check_count(&c);
		if (!rc)
			rc = c.cmd->run(&c);
	}
out:
	*spool = c.spool;
	if (rc)
		describe(&c, l->argv[0], rc, e);
	for (size_t i = 0; i < c.nowned; i++)
		free(c.owned[i]);
	free(c.owned);
	free(c.lens);
	return rc;
}

int script_run(struct script_env *env, const char *name, const char *text,
	       size_t len, const char *basedir, struct err *e)
{
	struct memfs_src *spool = NULL;
	struct script_lexer lx;
	struct script_line l;
	int rc;

	script_lex_init(&lx, text, len);
	script_lex_vars(&lx, script_var_lookup, env);
	while ((rc = script_lex_next(&lx, &l, e)) == 1) {
		rc = run_line(env, basedir, &l, &spool, e);
		if (rc)
			e->line = l.lineno;
		script_line_free(&l);
		if (rc)
			break;
	}
	memfs_src_put(spool);
	if (rc < 0) {
		err_file(e, "", name);
		return rc;
	}
	return 0;
}
