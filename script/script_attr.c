/*
 * script_attr: the commands that change an entry in place: chmod, chown,
 * touch, truncate, setxattr, rmxattr.
 */
#include "script/script_impl.h"

#include "base/grow.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "script/script_cmds.h"
#include "layers/memfs.h"

/* Applies sa to each path from the first index on. */
static int set_each(struct script_ctx *c, size_t first, bool follow,
		    const struct vfs_setattr *sa)
{
	struct vfs_fs *fs = c->env->fs;
	int rc = 0;

	for (size_t i = first; !rc && i < c->nargs; i++) {
		struct vfs_node *n;

		rc = vfs_resolve(fs, c->args[i], follow, &n);
		if (!rc) {
			rc = vfs_setattr(fs, n, sa);
			vfs_put(fs, n);
		}
		script_fail(c, c->args[i], rc);
	}
	return rc;
}

/* The state of a tree walk: the names from the top down to where it is. */
struct walk {
	struct script_ctx *c;
	char **names;		/* names[0]: the path as given */
	size_t depth, cap;
};

struct walk_item {
	struct vfs_node *n;
	char *name;		/* NULL for a directory's after-visit */
	size_t depth;
	bool post;
};

typedef int (*walk_fn)(struct script_ctx *c, struct vfs_node *n,
		       const struct vfs_attr *a, bool top, void *arg);

/* Makes names[depth] the name, dropping deeper ones (takes name over). */
static int walk_enter(struct walk *w, size_t depth, char *name)
{
	while (w->depth > depth)
		free(w->names[--w->depth]);
	if (!name)
		return 0;
	if (grow(&w->names, depth, &w->cap, sizeof(*w->names))) {
		free(name);
		return -ENOMEM;
	}
	w->names[w->depth++] = name;
	return 0;
}

/* Records the path down to depth names as the failure's subject. */
static int walk_fail(struct walk *w, size_t depth, int rc)
{
	size_t len = 1, at = 0;
	char *p;

	if (depth > w->depth)
		depth = w->depth;
	for (size_t i = 0; i < depth; i++)
		len += strlen(w->names[i]) + 1;
	p = malloc(len);
	if (!p)
		return rc;
	for (size_t i = 0; i < depth; i++) {
		size_t n = strlen(w->names[i]);

		if (at && p[at - 1] != '/')
			p[at++] = '/';
		memcpy(p + at, w->names[i], n);
		at += n;
	}
	p[at] = '\0';
	script_fail(w->c, p, rc);
	free(p);
	return rc;
}

static int push_item(struct walk_item **st, size_t *n, size_t *cap,
		     struct walk_item it)
{
	if (grow(st, *n, cap, sizeof(**st)))
		return -ENOMEM;
	(*st)[(*n)++] = it;
	return 0;
}

/* Pushes dir's children, last first, so that they come off in byte order. */
static int push_children(struct script_ctx *c, struct vfs_node *dir,
			 size_t depth, struct walk_item **st, size_t *n,
			 size_t *cap)
{
	struct vfs_fs *fs = c->env->fs;
	struct vfs_names ns;
	int rc = vfs_list(fs, dir, &ns);

	for (size_t i = ns.n; !rc && i-- > 0;) {
		/* the names live in one buffer of ns: each item owns a copy */
		struct walk_item it = { .depth = depth,
					.name = strdup(ns.v[i]) };

		rc = it.name ? vfs_lookup(fs, dir, ns.v[i], strlen(ns.v[i]),
					  &it.n) : -ENOMEM;
		if (!rc)
			rc = push_item(st, n, cap, it);
		if (rc) {
			vfs_put(fs, it.n);
			free(it.name);
		}
	}
	vfs_names_free(&ns);
	return rc;
}

/*
 * Calls fn on path and, for a directory, on everything below it, with an
 * explicit stack (a deep tree is a valid image). Only path itself is
 * followed when follow; below it symlinks are handed to fn, never
 * entered (fts FTS_PHYSICAL, as chown -R and chmod -R walk). Directories
 * come before their entries, or after them when post (chown -R acts on
 * FTS_DP, chmod -R on FTS_D: coreutils chown-core.c, chmod.c).
 */
static int walk_tree(struct script_ctx *c, const char *path, bool follow,
		     bool post, walk_fn fn, void *arg)
{
	struct vfs_fs *fs = c->env->fs;
	struct walk w = { .c = c };
	struct walk_item *st = NULL, it = { .depth = 0 };
	size_t n = 0, cap = 0;
	int rc = vfs_resolve(fs, path, follow, &it.n);

	it.name = rc ? NULL : strdup(path);
	if (!rc)
		rc = it.name ? push_item(&st, &n, &cap, it) : -ENOMEM;
	if (rc) {
		vfs_put(fs, it.n);
		free(it.name);
		return script_fail(c, path, rc);
	}
	while (!rc && n) {
		struct vfs_attr a;

		it = st[--n];
		rc = it.post ? 0 : walk_enter(&w, it.depth, it.name);
		if (!rc)
			rc = vfs_getattr(fs, it.n, &a);
		if (!rc && (it.post || !S_ISDIR(a.mode) || !post))
			rc = fn(c, it.n, &a, it.depth == 0, arg);
		if (!rc && !it.post && S_ISDIR(a.mode) && post)
			rc = push_item(&st, &n, &cap, (struct walk_item){
				.n = vfs_get(fs, it.n), .depth = it.depth,
				.post = true });
		if (!rc && !it.post && S_ISDIR(a.mode))
			rc = push_children(c, it.n, it.depth + 1, &st, &n,
					   &cap);
		if (rc)
			walk_fail(&w, it.depth + 1, rc);
		vfs_put(fs, it.n);
	}
	while (n--) {
		vfs_put(fs, st[n].n);
		free(st[n].name);
	}
	free(st);
	walk_enter(&w, 0, NULL);
	free(w.names);
	return rc;
}

/* chmod of one entry: symlinks found below the top are left alone, as
 * chmod -R leaves them (a mode change would reach their target). */
static int chmod_one(struct script_ctx *c, struct vfs_node *n,
		     const struct vfs_attr *a, bool top, void *arg)
{
	struct vfs_setattr sa = { .mask = VFS_SET_MODE };

	if (S_ISLNK(a->mode))
		return 0;
	sa.mode = script_mode_apply(arg, a->mode, S_ISDIR(a->mode));
	return vfs_setattr(c->env->fs, n, &sa);
}

int script_chmod(struct script_ctx *c)
{
	struct script_mode *m;
	int rc = script_mode_parse(c->args[0], &m);

	if (rc)
		return rc == -EINVAL ? script_failf(c, NULL, rc, "invalid mode "
						    "'%s'", c->args[0]) : rc;
	for (size_t i = 1; !rc && i < c->nargs; i++) {
		struct vfs_node *n = NULL;
		struct vfs_attr a;

		if (script_opt(c, 'R')) {
			rc = walk_tree(c, c->args[i], true, false, chmod_one, m);
			continue;
		}
		rc = vfs_resolve(c->env->fs, c->args[i], true, &n);
		if (!rc)
			rc = vfs_getattr(c->env->fs, n, &a);
		if (!rc)
			rc = chmod_one(c, n, &a, true, m);
		vfs_put(c->env->fs, n);
		script_fail(c, c->args[i], rc);
	}
	script_mode_free(m);
	return rc;
}

/* An id field as nss_files takes one: digits only, below (uid_t)-1. */
static bool id_field(const char *s, unsigned long *out)
{
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return false;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return !errno && !*end && *out <= 0xfffffffeUL;
}

/*
 * The id of name in the image's passwd or group file (field 3), and for
 * passwd the login group (field 4). A line whose ids are empty or not
 * numbers is skipped, as glibc's nss_files parser skips a malformed line;
 * never does a name fall back to 0. 0, -ENOENT (no file, no such name), or
 * an error reading the file: -EFBIG over 64 MiB, -EISDIR, -EIO, -ENOMEM.
 */
static int lookup_id(struct vfs_fs *fs, const char *file, const char *name,
		     unsigned long *id, unsigned long *gid)
{
	char *text = NULL, *line, *save;
	size_t len;
	int rc = script_read_text(fs, file, &text, &len, NULL);

	if (!rc && len > (64u << 20))
		rc = -EFBIG;
	if (rc) {
		free(text);
		return rc;	/* -ENOENT: no file */
	}
	rc = -ENOENT;
	for (line = strtok_r(text, "\n", &save); line && rc;
	     line = strtok_r(NULL, "\n", &save)) {
		char *f[5] = { line };
		unsigned long v, g = 0;

		for (int k = 1; k < 5 && f[k - 1]; k++)
			if ((f[k] = strchr(f[k - 1], ':')))
				*f[k]++ = '\0';
		if (!f[2] || strcmp(f[0], name) || !id_field(f[2], &v) ||
		    (gid && !id_field(f[3], &g)))
			continue;
		*id = v;
		if (gid)
			*gid = g;
		rc = 0;
	}
	free(text);
	return rc;
}

static bool numeric(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/*
 * A lookup of spec that failed with rc is an error to report: a file
 * that cannot be read, unless spec is a number and the file is not one
 * glibc could read either (a directory, an I/O error): nss_files then
 * finds no such name and parse_user_spec takes the number, as the kernel
 * oracle's chown does. Over 64 MiB stays an error: a name "0" could be in
 * it. Never does a name fall back to root.
 */
static bool db_failed(const char *spec, int rc)
{
	return rc && rc != -ENOENT && (rc == -EFBIG || !numeric(spec));
}

/* A passwd or group file that cannot be read: the file and why. */
static int db_error(struct script_ctx *c, const char *file, int rc)
{
	return script_failf(c, NULL, rc, "cannot read the image's '%s': %s",
			    file, rc == -EFBIG ? "over 64 MiB"
			    : strerror(-rc));
}

int script_parse_owner(struct script_ctx *c, const char *arg, bool dflt_group,
		       struct vfs_setattr *sa)
{
	char *spec = strdup(arg), *colon;
	unsigned long uid = 0, gid = 0, login = 0;
	bool named = false;
	int rc = spec ? 0 : -ENOMEM;

	if (rc)
		return rc;
	colon = strchr(spec, ':');
	if (colon)
		*colon++ = '\0';
	/* As parse_user_spec (gnulib userspec.c): a name first, then a
	 * number; only a name has a login group for "USER:". */
	if (*spec) {
		sa->mask |= VFS_SET_UID;
		rc = lookup_id(c->env->fs, "/etc/passwd", spec, &uid, &login);
		named = !rc;
		if (db_failed(spec, rc))
			rc = db_error(c, "/etc/passwd", rc);
		else if (!named && numeric(spec) && !(rc = 0))
			uid = strtoul(spec, NULL, 10);
		else if (!named)
			rc = script_failf(c, NULL, -EINVAL, "invalid user: "
					  "'%s'", arg);
	}
	if (!rc && colon && *colon) {
		sa->mask |= VFS_SET_GID;
		rc = lookup_id(c->env->fs, "/etc/group", colon, &gid, NULL);
		if (db_failed(colon, rc)) {
			rc = db_error(c, "/etc/group", rc);
		} else if (rc) {
			rc = 0;
			if (numeric(colon))
				gid = strtoul(colon, NULL, 10);
			else
				rc = script_failf(c, NULL, -EINVAL,
						  "invalid group: '%s'", arg);
		}
	} else if (!rc && colon && *spec) {
		/* "user:" means the user's login group (chown(1)); a
		 * number has none: "invalid spec". */
		sa->mask |= VFS_SET_GID;
		gid = login;
		if (!named)
			rc = script_failf(c, NULL, -EINVAL, "invalid spec: "
					  "'%s'", arg);
	} else if (!rc && dflt_group && *spec) {
		/* COPY --chown=user: the user's group; a number: the same
		 * number (Dockerfile reference, COPY --chown) */
		sa->mask |= VFS_SET_GID;
		gid = named ? login : uid;
	}
	if (!rc && (uid > 0xfffffffe || gid > 0xfffffffe))
		rc = script_failf(c, NULL, -EINVAL, "invalid owner '%s'", arg);
	sa->uid = (uid_t)uid;
	sa->gid = (gid_t)gid;
	free(spec);
	return rc;
}

static int chown_one(struct script_ctx *c, struct vfs_node *n,
		     const struct vfs_attr *a, bool top, void *arg)
{
	return vfs_setattr(c->env->fs, n, arg);
}

int script_chown(struct script_ctx *c)
{
	struct vfs_setattr sa = { 0 };
	int rc = script_parse_owner(c, c->args[0], false, &sa);

	if (rc || !script_opt(c, 'R'))
		return rc ? rc : set_each(c, 1, !script_opt(c, 'h'), &sa);
	/* -R is -P: no symlink followed, the command line's included
	 * (chown.c: with FTS_PHYSICAL, dereference = 0) */
	for (size_t i = 1; !rc && i < c->nargs; i++)
		rc = walk_tree(c, c->args[i], false, true, chown_one, &sa);
	return rc;
}

/* "@SECONDS[.FRACTION]", as touch -d accepts it. */
static int parse_epoch(const char *s, struct timespec *ts)
{
	char *end;
	long long sec;
	long ns = 0;
	int digits = 0;

	if (*s++ != '@' || !*s)
		return -EINVAL;
	errno = 0;
	sec = strtoll(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	if (*end == '.') {
		for (end++; isdigit((unsigned char)*end); end++)
			if (digits++ < 9)
				ns = ns * 10 + (*end - '0');
		while (digits++ < 9)
			ns *= 10;
	}
	if (*end)
		return -EINVAL;
	if (sec < 0 && ns) {
		/* -1.5 is 2 seconds before the epoch, plus half of one */
		sec--;
		ns = 1000000000L - ns;
	}
	ts->tv_sec = (time_t)sec;
	ts->tv_nsec = ns;
	return 0;
}

int script_touch(struct script_ctx *c)
{
	struct vfs_fs *fs = c->env->fs;
	struct vfs_setattr sa = { .mask = VFS_SET_MTIME, .mtime = c->env->now };
	struct vfs_create f = { .mode = S_IFREG | 0644 };
	bool follow = !script_opt(c, 'h');
	int rc = 0;

	if (script_opt(c, 'd') && parse_epoch(script_optval(c, 'd'), &sa.mtime))
		return script_failf(c, NULL, -EINVAL, "invalid date '%s'",
				    script_optval(c, 'd'));
	if (c->env->clamp && (sa.mtime.tv_sec > c->env->now.tv_sec ||
			      (sa.mtime.tv_sec == c->env->now.tv_sec &&
			       sa.mtime.tv_nsec > c->env->now.tv_nsec)))
		sa.mtime = c->env->now;
	for (size_t i = 0; !rc && i < c->nargs; i++) {
		struct vfs_node *n;

		rc = vfs_resolve(fs, c->args[i], follow, &n);
		/* touch makes a missing file, but not with -h (touch.c) */
		if (rc == -ENOENT && follow) {
			struct vfs_walk w;

			rc = vfs_walk(fs, c->args[i], VFS_PARENT | VFS_FOLLOW,
				      &w);
			/* open("x/", O_CREAT) is EISDIR (do_last), which
			 * touch.c sets aside; utimensat() then says ENOENT */
			if (!rc && !w.node && w.trailing_slash)
				rc = -ENOENT;
			if (!rc && !w.node)
				rc = vfs_create_at(fs, w.parent, w.name,
						     w.len, &f, &w.node);
			n = rc ? NULL : vfs_get(fs, w.node);
			vfs_walk_release(fs, &w);
		}
		if (!rc) {
			rc = vfs_setattr(fs, n, &sa);
			vfs_put(fs, n);
		}
		script_fail(c, c->args[i], rc);
	}
	return rc;
}

/* SIZE with an optional K, M, G, T (1024s) or KB, MB, GB, TB suffix. */
static int parse_size(const char *s, uint64_t *out)
{
	static const char units[] = "KMGT";
	unsigned long long v;
	const char *u;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	if (*end && (u = strchr(units, *end))) {
		unsigned base = end[1] == 'B' ? 1000 : 1024;

		if (end[1] && strcmp(end + 1, "B") && strcmp(end + 1, "iB"))
			return -EINVAL;
		for (long k = 0; k <= u - units; k++) {
			if (v > UINT64_MAX / base)
				return -EINVAL;
			v *= base;
		}
	} else if (*end) {
		return -EINVAL;
	}
	if (v > (1ULL << 62))
		return -EFBIG;
	*out = v;
	return 0;
}

int script_truncate(struct script_ctx *c)
{
	struct vfs_fs *fs = c->env->fs;
	struct vfs_setattr sa = { .mask = VFS_SET_SIZE };
	struct vfs_create f = { .mode = S_IFREG | 0644 };
	const char *path = c->args[0];
	struct vfs_walk w;
	int rc;

	if (!script_opt(c, 's') || parse_size(script_optval(c, 's'), &sa.size))
		return script_failf(c, NULL, -EINVAL, "invalid size '%s'",
				    script_opt(c, 's') ? script_optval(c, 's')
						       : "");
	rc = vfs_walk(fs, path, VFS_PARENT | VFS_FOLLOW, &w);
	/* open("x/", O_CREAT) of a missing name is EISDIR (do_last) */
	if (!rc && !w.node && w.trailing_slash)
		rc = -EISDIR;
	if (!rc && !w.node)
		rc = vfs_create_at(fs, w.parent, w.name, w.len, &f, &w.node);
	if (!rc)
		rc = vfs_setattr(fs, w.node, &sa);
	vfs_walk_release(fs, &w);	/* a failed walk left it empty */
	return script_fail(c, path, rc);
}

static int b64val(char ch)
{
	const char *t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			"0123456789+/";
	const char *p = ch ? strchr(t, ch) : NULL;

	return p ? (int)(p - t) : -1;
}

/*
 * A value as setfattr(1) reads one: 0x... hex, 0s... base64, else the
 * bytes as given. Decodes into buf (at least len bytes); sets *out_len.
 */
static int decode_value(const char *s, size_t len, unsigned char *buf,
			size_t *out_len)
{
	size_t n = 0;

	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		if (len % 2)
			return -EINVAL;
		for (size_t i = 2; i < len; i += 2) {
			char h[3] = { s[i], s[i + 1], 0 };
			char *end;

			if (!isxdigit((unsigned char)h[0]) ||
			    !isxdigit((unsigned char)h[1]))
				return -EINVAL;
			buf[n++] = (unsigned char)strtoul(h, &end, 16);
		}
	} else if (len >= 2 && s[0] == '0' && (s[1] == 's' || s[1] == 'S')) {
		unsigned acc = 0;
		int bits = 0;

		for (size_t i = 2; i < len && s[i] != '='; i++) {
			int v = b64val(s[i]);

			if (v < 0)
				return -EINVAL;
			acc = (acc << 6) | (unsigned)v;
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				buf[n++] = (unsigned char)(acc >> bits);
			}
		}
	} else {
		memcpy(buf, s, len);
		n = len;
	}
	*out_len = n;
	return 0;
}

int script_setxattr(struct script_ctx *c)
{
	struct vfs_fs *fs = c->env->fs;
	const char *path = c->args[2];
	unsigned char *value = malloc(c->lens[1] + 1);
	struct vfs_node *n;
	size_t len = 0;
	int rc = value ? 0 : -ENOMEM;

	if (!rc && decode_value(c->args[1], c->lens[1], value, &len)) {
		/* A bad argument, like a bad mode: no path to name. */
		free(value);
		return script_failf(c, NULL, -EINVAL, "invalid value '%s'",
				    c->args[1]);
	}
	if (!rc)
		rc = vfs_resolve(fs, path, !script_opt(c, 'h'), &n);
	if (!rc) {
		rc = vfs_setxattr(fs, n, c->args[0], value, len);
		vfs_put(fs, n);
	}
	free(value);
	/* the one limit overtar's reader shares (memfs_xattr_fits) */
	if (rc == -E2BIG)
		return script_failf(c, path, rc, "xattrs too large (names %u "
				    "bytes, a value %u, all %u)",
				    MEMFS_XATTR_LIST_MAX, MEMFS_XATTR_SIZE_MAX,
				    MEMFS_XATTR_TOTAL_MAX);
	return script_fail(c, path, rc);
}

int script_rmxattr(struct script_ctx *c)
{
	struct vfs_fs *fs = c->env->fs;
	const char *path = c->args[1];
	struct vfs_node *n;
	int rc = vfs_resolve(fs, path, !script_opt(c, 'h'), &n);

	if (!rc) {
		rc = vfs_removexattr(fs, n, c->args[0]);
		vfs_put(fs, n);
	}
	return script_fail(c, path, rc);
}
