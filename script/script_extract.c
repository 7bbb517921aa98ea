/*
 * script_extract: copy-in --extract, an archive unpacked into the image
 * (as Dockerfile ADD unpacks a local tar, with any format and filter
 * libarchive reads). Each entry is placed by walking its path from the
 * destination directory one name at a time, never through a symlink and
 * never up through "..": bsdtar refuses both by default (its
 * ARCHIVE_EXTRACT_SECURE_SYMLINKS and _SECURE_NODOTDOT), and here no
 * entry may leave the destination. A leading '/' is dropped, as tar does.
 * Entries keep the archive's owner, mode, time and xattrs, as tar does
 * run as root; --owner and --mode then apply to each.
 */
#include "script/script_impl.h"

#include "base/grow.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "layers/memfs.h"

/* A directory's time, set once everything inside it is in place. */
struct dir_time {
	struct vfs_node *n;
	struct timespec mtime;
};

struct extract {
	struct script_ctx *c;
	struct vfs_fs *fs;
	struct vfs_node *top;		/* the destination directory */
	struct archive *a;
	struct dir_time *dirs;
	size_t ndirs, cap;
	bool escaped;			/* an entry tried to leave top */
};

/*
 * The directory that holds the last name of path, walked from the
 * destination (missing directories made 0755), in *dir; the last name
 * in *name (a pointer into path; NULL when path names the destination).
 * ".." or a symlink on the way sets x->escaped (-EPERM).
 */
static int walk_parent(struct extract *x, char *path, struct vfs_node **dir,
		       char **name)
{
	struct vfs_create d = { .mode = S_IFDIR | 0755 };
	struct vfs_node *cur = vfs_get(x->fs, x->top), *next;
	char *p = path, *slash;
	int rc = 0;

	*name = NULL;
	while (!rc && *p) {
		struct vfs_attr a;
		size_t n;

		while (*p == '/')
			p++;
		slash = strchr(p, '/');
		n = slash ? (size_t)(slash - p) : strlen(p);
		if (!*p)
			break;
		if (n == 2 && !strncmp(p, "..", 2))
			x->escaped = true, rc = -EPERM;
		else if (n == 1 && *p == '.')
			;	/* "./" names where it stands */
		else if (!slash || !slash[strspn(slash, "/")])
			*name = p;	/* the last name */
		if (rc || (n == 1 && *p == '.') || (*name == p)) {
			if (slash && *name == p)
				*slash = '\0';	/* "dir/" as "dir" */
			p = slash ? slash + 1 : p + n;
			continue;
		}
		next = NULL;
		rc = vfs_lookup(x->fs, cur, p, n, &next);
		if (rc == -ENOENT)
			rc = vfs_create_at(x->fs, cur, p, n, &d, &next);
		if (!rc && !(rc = vfs_getattr(x->fs, next, &a)) &&
		    !S_ISDIR(a.mode)) {
			x->escaped = S_ISLNK(a.mode);
			rc = S_ISLNK(a.mode) ? -EPERM : -ENOTDIR;
		}
		if (!rc) {
			vfs_put(x->fs, cur);
			cur = next;
		} else {
			vfs_put(x->fs, next);
		}
		p += n;
	}
	if (rc)
		vfs_put(x->fs, cur);
	else
		*dir = cur;
	return rc;
}

/* The entry's content, read into the spool. */
static int entry_data(struct extract *x, struct memfs_data **out)
{
	uint64_t start = script_spool_size(x->c);
	char buf[65536];
	la_ssize_t n;
	int rc = 0;

	while (!rc && (n = archive_read_data(x->a, buf, sizeof(buf))) > 0)
		rc = script_spool_write(x->c, buf, (size_t)n);
	if (!rc && n < 0)
		rc = -EIO;
	return rc ? rc : script_spool_take(x->c, start, out);
}

/* Owner, mode, xattrs and (for non-directories) time from the entry. */
static int entry_attrs(struct extract *x, struct archive_entry *ae,
		       struct vfs_node *n, bool dir)
{
	struct script_env *env = x->c->env;
	struct vfs_setattr sa = {
		.mask = VFS_SET_UID | VFS_SET_GID | VFS_SET_MODE,
		.uid = (uid_t)archive_entry_uid(ae),
		.gid = (gid_t)archive_entry_gid(ae),
		.mode = archive_entry_perm(ae) & 07777,
		.mtime = { archive_entry_mtime(ae),
			   archive_entry_mtime_nsec(ae) },
	};
	const char *name;
	const void *val;
	size_t len;
	int rc = 0;

	if (env->clamp && sa.mtime.tv_sec > env->now.tv_sec)
		sa.mtime = env->now;
	if (archive_entry_filetype(ae) == AE_IFLNK)
		sa.mask &= ~(unsigned)VFS_SET_MODE;
	if (!dir && archive_entry_mtime_is_set(ae))
		sa.mask |= VFS_SET_MTIME;
	archive_entry_xattr_reset(ae);
	while (!rc && archive_entry_xattr_next(ae, &name, &val, &len) ==
		      ARCHIVE_OK)
		rc = vfs_setxattr(x->fs, n, name, val, len);
	if (!rc)
		rc = vfs_setattr(x->fs, n, &sa);
	if (!rc)
		rc = script_copyin_attrs(x->c, n);
	if (!rc && dir && archive_entry_mtime_is_set(ae)) {
		if (grow(&x->dirs, x->ndirs, &x->cap, sizeof(*x->dirs)))
			return -ENOMEM;
		x->dirs[x->ndirs++] = (struct dir_time){ vfs_get(x->fs, n),
							 sa.mtime };
	}
	return rc;
}

/* A hard link's target, inside the destination like any entry. */
static int link_target(struct extract *x, const char *target,
		       struct vfs_node **out)
{
	char *t = strdup(target), *name;
	struct vfs_node *dir;
	int rc = t ? walk_parent(x, t, &dir, &name) : -ENOMEM;

	if (!rc && !name) {
		vfs_put(x->fs, dir);
		rc = -EPERM;	/* a hard link to a directory: link(2) */
	}
	if (!rc) {
		rc = vfs_lookup(x->fs, dir, name, strlen(name), out);
		vfs_put(x->fs, dir);
	}
	free(t);
	return rc;
}

/* Makes what entry ae describes as name in dir, replacing a non-dir. */
static int put_entry(struct extract *x, struct archive_entry *ae,
		     struct vfs_node *dir, const char *name)
{
	struct vfs_create vc = { .mode = archive_entry_mode(ae) };
	const char *hl = archive_entry_hardlink(ae);
	size_t len = strlen(name);
	struct memfs_data *d = NULL;
	struct vfs_node *n = NULL, *old = NULL;
	struct vfs_attr a;
	int rc = vfs_lookup(x->fs, dir, name, len, &old);

	if (!rc && !(rc = vfs_getattr(x->fs, old, &a))) {
		if (S_ISDIR(a.mode) && S_ISDIR(vc.mode) && !hl)
			n = vfs_get(x->fs, old);	/* kept, as tar does */
		else if (S_ISDIR(a.mode))
			rc = -EISDIR;
		else
			rc = vfs_unlink_at(x->fs, dir, name, len);
	} else if (rc == -ENOENT) {
		rc = 0;
	}
	vfs_put(x->fs, old);
	if (!rc && hl && !(rc = link_target(x, hl, &old))) {
		rc = vfs_link_at(x->fs, old, dir, name, len);
		vfs_put(x->fs, old);
		return rc;
	}
	if (!rc && S_ISLNK(vc.mode)) {
		vc.mode = S_IFLNK | 0777;	/* symlink(2) makes them so */
		vc.target = archive_entry_symlink(ae);
		vc.target_len = vc.target ? strlen(vc.target) : 0;
	}
	vc.rdev = archive_entry_rdev(ae);
	if (!rc && !n)
		rc = vfs_create_at(x->fs, dir, name, len, &vc, &n);
	if (!rc && S_ISREG(vc.mode) && !(rc = entry_data(x, &d)))
		rc = vfs_setdata(x->fs, n, d);
	memfs_data_put(d);
	if (!rc)
		rc = entry_attrs(x, ae, n, S_ISDIR(vc.mode));
	vfs_put(x->fs, n);
	return rc;
}

/* One entry: where it goes, then what it is. */
static int one_entry(struct extract *x, struct archive_entry *ae)
{
	const char *path = archive_entry_pathname(ae);
	char *p = path ? strdup(path) : NULL, *name = NULL;
	struct vfs_node *dir = NULL;
	int rc = p ? walk_parent(x, p, &dir, &name) : -EINVAL;

	if (!rc && name)
		rc = put_entry(x, ae, dir, name);
	else if (!rc && archive_entry_filetype(ae) != AE_IFDIR)
		x->escaped = true;	/* "./" as a file would replace dst */
	vfs_put(x->fs, dir);
	if (x->escaped)
		rc = script_failf(x->c, path, -EPERM, "entry leaves the "
				  "destination (through '..' or a symlink)");
	else if (rc)
		script_fail(x->c, path, rc);
	free(p);
	return rc;
}

/* dst and its missing parents, as directories 0755; the node in *out. */
static int make_dest(struct script_ctx *c, const char *dst,
		     struct vfs_node **out)
{
	struct vfs_create d = { .mode = S_IFDIR | 0755 };
	struct vfs_fs *fs = c->env->fs;
	struct vfs_attr a;
	char *p = strdup(dst);
	int rc = p ? 0 : -ENOMEM;

	for (char *s = p; !rc && s && *s; s++) {
		if (*s != '/' || s == p)
			continue;
		*s = '\0';
		rc = vfs_create(fs, p, &d);
		rc = rc == -EEXIST ? 0 : rc;
		*s = '/';
	}
	if (!rc && (rc = vfs_create(fs, p, &d)) == -EEXIST)
		rc = 0;
	if (!rc)
		rc = vfs_resolve(fs, dst, true, out);
	if (!rc && !(rc = vfs_getattr(fs, *out, &a)) && !S_ISDIR(a.mode)) {
		vfs_put(fs, *out);
		rc = -ENOTDIR;
	}
	free(p);
	return script_fail(c, dst, rc);
}

int script_extract(struct script_ctx *c, const char *host, const char *dst)
{
	struct extract x = { .c = c, .fs = c->env->fs };
	struct archive_entry *ae;
	int rc = make_dest(c, dst, &x.top), r;

	if (rc)
		return rc;
	x.a = archive_read_new();
	rc = x.a ? 0 : -ENOMEM;
	if (!rc) {
		archive_read_support_format_all(x.a);
		archive_read_support_filter_all(x.a);
		if (archive_read_open_filename(x.a, host, 65536) != ARCHIVE_OK)
			rc = script_failf(c, host, -EINVAL, "%s",
					  archive_error_string(x.a));
	}
	while (!rc && (r = archive_read_next_header(x.a, &ae)) == ARCHIVE_OK)
		rc = one_entry(&x, ae);
	if (!rc && r != ARCHIVE_EOF)
		rc = script_failf(c, host, -EINVAL, "%s",
				  archive_error_string(x.a));
	/* directories' times last: what went inside them changed them */
	for (size_t i = 0; i < x.ndirs; i++) {
		struct vfs_setattr sa = { .mask = VFS_SET_MTIME,
					  .mtime = x.dirs[i].mtime };

		if (!rc)
			rc = script_fail(c, dst, vfs_setattr(x.fs, x.dirs[i].n,
							     &sa));
		vfs_put(x.fs, x.dirs[i].n);
	}
	free(x.dirs);
	archive_read_free(x.a);
	vfs_put(x.fs, x.top);
	return rc;
}
