/*
 * script_attr: the commands that change an entry in place: chmod, chown,
 * touch, truncate, setxattr, rmxattr.
 */
#include "script/script_impl.h"

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

int script_chmod(struct script_ctx *c)
{
	struct vfs_fs *fs = c->env->fs;
	struct vfs_setattr sa = { .mask = VFS_SET_MODE };
	mode_t mode, keep;
	int rc = 0;

	if (script_parse_mode(c->args[0], &mode))
		return script_failf(c, NULL, -EINVAL, "invalid mode '%s'",
				    c->args[0]);
	/* A directory keeps the setuid and setgid bits a mode of fewer than
	 * five digits leaves out ("00755" clears them): mode_compile and
	 * mode_adjust in gnulib modechange.c, chmod(1). */
	keep = strlen(c->args[0]) < 5 ? (S_ISUID | S_ISGID) & ~mode : 0;
	for (size_t i = 1; !rc && i < c->nargs; i++) {
		struct vfs_node *n = NULL;
		struct vfs_attr a;

		rc = vfs_resolve(fs, c->args[i], true, &n);
		if (!rc)
			rc = vfs_getattr(fs, n, &a);
		if (!rc) {
			sa.mode = mode | (S_ISDIR(a.mode) ? a.mode & keep : 0);
			rc = vfs_setattr(fs, n, &sa);
		}
		vfs_put(fs, n);
		script_fail(c, c->args[i], rc);
	}
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
	struct memfs_data *d = NULL;
	struct vfs_node *n;
	char *text = NULL, *line, *save;
	ssize_t got;
	int rc = vfs_resolve(fs, file, true, &n);

	if (rc)
		return -ENOENT;
	rc = vfs_data(fs, n, &d);
	vfs_put(fs, n);
	if (!rc && d->size > (64u << 20))
		rc = -EFBIG;
	if (rc)
		goto out;
	text = malloc(d->size + 1);
	rc = text ? 0 : -ENOMEM;
	got = rc ? 0 : memfs_data_read(d, 0, text, d->size);
	if (got < 0)
		rc = (int)got;
	if (rc)
		goto out;
	text[got] = '\0';
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
out:
	free(text);
	memfs_data_put(d);
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

/* A passwd or group file that cannot be read: the file and why. */
static int db_error(struct script_ctx *c, const char *file, int rc)
{
	return script_failf(c, NULL, rc, "cannot read the image's '%s': %s",
			    file, rc == -EFBIG ? "over 64 MiB"
			    : strerror(-rc));
}

/* OWNER[:GROUP]: numbers, or names from the image's own files. */
static int parse_owner(struct script_ctx *c, struct vfs_setattr *sa)
{
	char *spec = strdup(c->args[0]), *colon;
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
		if (rc && rc != -ENOENT)
			rc = db_error(c, "/etc/passwd", rc);
		else if (!named && numeric(spec) && !(rc = 0))
			uid = strtoul(spec, NULL, 10);
		else if (!named)
			rc = script_failf(c, NULL, -EINVAL, "invalid user: "
					  "'%s'", c->args[0]);
	}
	if (!rc && colon && *colon) {
		sa->mask |= VFS_SET_GID;
		rc = lookup_id(c->env->fs, "/etc/group", colon, &gid, NULL);
		if (rc && rc != -ENOENT) {
			rc = db_error(c, "/etc/group", rc);
		} else if (rc) {
			rc = 0;
			if (numeric(colon))
				gid = strtoul(colon, NULL, 10);
			else
				rc = script_failf(c, NULL, -EINVAL,
						  "invalid group: '%s'",
						  c->args[0]);
		}
	} else if (!rc && colon && *spec) {
		/* "user:" means the user's login group (chown(1)); a
		 * number has none: "invalid spec". */
		sa->mask |= VFS_SET_GID;
		gid = login;
		if (!named)
			rc = script_failf(c, NULL, -EINVAL, "invalid spec: "
					  "'%s'", c->args[0]);
	}
	if (!rc && (uid > 0xfffffffe || gid > 0xfffffffe))
		rc = script_failf(c, NULL, -EINVAL, "invalid owner '%s'",
				  c->args[0]);
	sa->uid = (uid_t)uid;
	sa->gid = (gid_t)gid;
	free(spec);
	return rc;
}

int script_chown(struct script_ctx *c)
{
	struct vfs_setattr sa = { 0 };
	int rc = parse_owner(c, &sa);

	return rc ? rc : set_each(c, 1, !script_opt(c, 'h'), &sa);
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

	if (script_opt(c, 'd') && parse_epoch(c->val['d' - 'a'], &sa.mtime))
		return script_failf(c, NULL, -EINVAL, "invalid date '%s'",
				    c->val['d' - 'a']);
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

	if (!script_opt(c, 's') || parse_size(c->val['s' - 'a'], &sa.size))
		return script_failf(c, NULL, -EINVAL, "invalid size '%s'",
				    script_opt(c, 's') ? c->val['s' - 'a']
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
