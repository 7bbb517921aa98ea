/*
 * script: the interpreter. It lexes one command at a time, parses the
 * command's options as getopt(3) would, checks the word counts against the
 * table, runs it, and stops at the first failure with one message
 * "SCRIPT:LINE: COMMAND: PATH: reason".
 */
#include "script/script_impl.h"

#include <ctype.h>
#include <errno.h>
#include <stdatomic.h>
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

/* One run of data in a sparse host file. */
struct span {
	uint64_t off, len;
	uint64_t at;		/* where in the spool it went */
};

/*
 * The runs of data of the host file fd (size bytes), by lseek(2)
 * SEEK_DATA and SEEK_HOLE: the holes between stay holes (cp
 * --sparse=auto). A filesystem without them gives one run. Returns 0 and
 * *out (caller frees), or a negative errno.
 */
static int data_spans(int fd, uint64_t size, struct span **out, uint32_t *n)
{
	struct span *v = NULL, *nv;
	uint32_t k = 0, cap = 0;
	uint64_t at = 0;

	while (at < size) {
		off_t d = lseek(fd, (off_t)at, SEEK_DATA), h;

		if (d < 0 && errno == ENXIO)
			break;		/* a hole to the end */
		if (d < 0) {
			d = (off_t)at;	/* no SEEK_DATA: all data */
			h = (off_t)size;
		} else if ((h = lseek(fd, d, SEEK_HOLE)) < 0) {
			h = (off_t)size;
		}
		if ((uint64_t)h > size)
			h = (off_t)size;
		if ((uint64_t)d >= size || h <= d)
			break;
		if (k == cap) {
			cap = cap ? 2 * cap : 8;
			if (!(nv = realloc(v, cap * sizeof(*v)))) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
		}
		v[k++] = (struct span){ (uint64_t)d, (uint64_t)(h - d), 0 };
		at = (uint64_t)h;
	}
	*out = v;
	*n = k;
	return 0;
}

/* Counts size bytes against the spool budget; -ENOSPC beyond it. */
static int spool_budget(struct script_ctx *c, uint64_t size)
{
	const struct script_env *env = c->env;
	uint64_t used;

	if (!env->max_spool || !env->spool_used)
		return 0;
	used = atomic_load(env->spool_used);
	do {
		if (size > env->max_spool || used > env->max_spool - size)
			return -ENOSPC;
	} while (!atomic_compare_exchange_weak(env->spool_used, &used,
					       used + size));
	return 0;
}

int script_spool_data(struct script_ctx *c, int fd, uint64_t size,
		      struct memfs_data **out)
{
	unsigned char buf[SCRIPT_COPY_BUF];
	struct span *sp = NULL;
	uint32_t n = 0;
	int rc = 0;

	if (!size) {
		*out = memfs_data_empty();
		return 0;
	}
	/* before a byte is copied: the whole size, holes included (they
	 * are written out in full), as a layer's sparse file counts */
	if (spool_budget(c, size))
		return script_failf(c, NULL, -ENOSPC, "%llu bytes, beyond the "
				    "spool limit of %llu (--max-spool)",
				    (unsigned long long)size,
				    (unsigned long long)c->env->max_spool);
	if (!c->spool && (rc = spool_open(c)))
		return rc;
	rc = data_spans(fd, size, &sp, &n);
	for (uint32_t i = 0; !rc && i < n; i++) {
		/* a fresh state per file: the host files come from anywhere */
		struct io_copy st = { 0 };

		sp[i].at = c->spool->size;
		if (sp[i].at > INT64_MAX) {
			rc = -EFBIG;
			break;
		}
		/* a file that shrank under us ends early: -EIO */
		rc = io_copy(fd, sp[i].off, c->spool->fd, (int64_t)sp[i].at,
			     sp[i].len, &st, buf, sizeof(buf));
		if (!rc)
			c->spool->size += sp[i].len;
	}
	if (!rc && !(*out = memfs_data_new(size, n)))
		rc = -ENOMEM;
	for (uint32_t i = 0; !rc && i < n; i++)
		memfs_data_push(*out, sp[i].off, sp[i].len, c->spool, sp[i].at);
	free(sp);
	return rc;
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
			ns.v[k] = NULL;	/* push_word took it */
		}
		script_glob_free(&ns);
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
	} else if (rc == -EDQUOT && c->env->fs->limit) {
		/* a limit of overtar(1) LIMITS: the fs says which */
		snprintf(reason, sizeof(reason), "%s", c->env->fs->limit);
	} else {
		snprintf(reason, sizeof(reason), "%s", strerror(-rc));
		reason[0] = (char)tolower((unsigned char)reason[0]);
	}
	if (c->errpath[0])
		err_set(e, rc, "%s: %s: %s", cmd, c->errpath, reason);
	else
		err_set(e, rc, "%s: %s", cmd, reason);
}

/* The positional word of cmd that is content, which may hold NULs. */
static size_t content_word(const struct script_cmd *cmd)
{
	static const char *const with_content[] = { "write", "append",
						    "setxattr" };

	for (size_t i = 0; i < sizeof(with_content) / sizeof(*with_content);
	     i++)
		if (!strcmp(cmd->name, with_content[i]))
			return 1;
	return (size_t)-1;
}

/*
 * A NUL byte ("\x00" or a raw one) would cut a path short, so that
 * rm -r "/etc\x00/x" removed /etc: every word but content is refused
 * with one, the word shown with the NUL escaped.
 */
static int check_nul(struct script_ctx *c, const struct script_line *l,
		     size_t first)
{
	size_t content = content_word(c->cmd);

	for (size_t i = 1; i < first + c->nargs; i++) {
		/* options are the line's words; operands, once expanded,
		 * the command's */
		const char *w = i < first ? l->argv[i] : c->args[i - first];
		size_t len = i < first ? l->lens[i] : c->lens[i - first];
		const char *z = memchr(w, '\0', len);
		size_t k = 0;

		if (!z || (i >= first && i - first == content))
			continue;
		for (size_t j = 0; j < len && k + 5 < sizeof(c->errpath);
		     j++) {
			if (w[j])
				c->errpath[k++] = w[j];
			else
				k += (size_t)snprintf(c->errpath + k, 5, "\\x00");
		}
		c->errpath[k] = '\0';
		return script_failf(c, NULL, -EINVAL, "a path or name cannot "
				    "hold a NUL byte");
	}
	return 0;
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
			rc = check_nul(&c, l, first);
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
