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

int script_parse_mode(const char *s, mode_t *out)
{
	unsigned long v = 0;
	size_t n = strlen(s);

	if (!n || n > 5)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '7')
			return -EINVAL;
		v = v * 8 + (unsigned long)(s[i] - '0');
	}
	if (v > 07777)
		return -EINVAL;
	*out = (mode_t)v;
	return 0;
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

/* getopt(3) over the words after the command name, options first. */
static int parse_opts(struct script_ctx *c, struct script_line *l)
{
	size_t i = 1;

	for (; i < l->argc; i++) {
		const char *w = l->argv[i];

		if (w[0] != '-' || !w[1])
			break;
		if (!strcmp(w, "--")) {
			i++;
			break;
		}
		for (size_t k = 1; w[k]; k++) {
			const char *o = islower((unsigned char)w[k])
						? strchr(c->cmd->opts, w[k])
						: NULL;
			if (!o)
				return script_failf(c, NULL, -EINVAL,
						    "unknown option '-%c'", w[k]);
			c->flags |= 1u << (w[k] - 'a');
			if (o[1] != ':')
				continue;
			if (w[k + 1]) {
				c->val[w[k] - 'a'] = w + k + 1;
			} else if (i + 1 < l->argc) {
				c->val[w[k] - 'a'] = l->argv[++i];
			} else {
				return script_failf(c, NULL, -EINVAL,
						    "option '-%c' needs a value",
						    w[k]);
			}
			break;
		}
	}
	c->args = l->argv + i;
	c->lens = l->lens + i;
	c->nargs = l->argc - i;
	return 0;
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
static int check_nul(struct script_ctx *c, const struct script_line *l)
{
	size_t content = content_word(c->cmd);
	size_t first = l->argc - c->nargs;	/* the first positional word */

	for (size_t i = 1; i < l->argc; i++) {
		const char *w = l->argv[i], *z = memchr(w, '\0', l->lens[i]);
		size_t k = 0;

		if (!z || (i >= first && i - first == content))
			continue;
		for (size_t j = 0; j < l->lens[i] && k + 5 < sizeof(c->errpath);
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

static int run_line(struct script_env *env, const char *basedir,
		    struct script_line *l, struct memfs_src **spool,
		    struct err *e)
{
	struct script_ctx c = { .env = env, .basedir = basedir,
				.input = l->input, .input_len = l->input_len,
				.spool = *spool };
	int rc;

	c.cmd = script_cmd_find(l->argv[0]);
	if (!c.cmd) {
		rc = script_failf(&c, NULL, -EINVAL, "unknown command");
	} else {
		rc = parse_opts(&c, l);
		if (!rc)
			rc = check_nul(&c, l);
		if (!rc)
			rc = check_count(&c);
		if (!rc)
			rc = c.cmd->run(&c);
	}
	*spool = c.spool;
	if (rc)
		describe(&c, l->argv[0], rc, e);
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
