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
	} else {
		snprintf(reason, sizeof(reason), "%s", strerror(-rc));
		reason[0] = (char)tolower((unsigned char)reason[0]);
	}
	if (c->errpath[0])
		err_set(e, rc, "%s: %s: %s", cmd, c->errpath, reason);
	else
		err_set(e, rc, "%s: %s", cmd, reason);
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
