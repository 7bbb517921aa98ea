/*
 * script_tree: the commands that make, fill and remove names: mkdir,
 * write, append, mknod, rm, rmdir, ln. Each means what the coreutils
 * command means run as root in a chroot (overtar-script(5)).
 */
#include "script/script_impl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "script/script_cmds.h"
#include "layers/memfs.h"

/*
 * Creates path with mode; with -m, chmods after where mkdir(2) or
 * mknod(2) may have made it differ. mknod(1) sets the mode given; mkdir(1)
 * changes only the bits the mode names (bits), so that a setgid bit the
 * parent gave stays unless the mode says otherwise (gnulib dirchownmod:
 * mode | (st_mode & ~mode_bits)).
 */
static int create_at(struct script_ctx *c, const char *path,
		     const struct vfs_create *vc, mode_t bits)
{
	struct vfs_fs *fs = c->env->fs;
	struct vfs_setattr sa = { .mask = VFS_SET_MODE, .mode = vc->mode };
	bool dir = S_ISDIR(vc->mode);
	struct vfs_node *n = NULL;	/* a failed resolve leaves it */
	struct vfs_attr a = { 0 };
	int rc = vfs_create(fs, path, vc);

	if (rc || !script_opt(c, 'm') || (!dir && !(vc->mode & 07000)))
		return script_fail(c, path, rc);
	rc = vfs_resolve(fs, path, false, &n);
	if (!rc && dir && !(rc = vfs_getattr(fs, n, &a)))
		sa.mode = (vc->mode & 07777) | (a.mode & 07777 & ~bits);
	if (!rc && (!dir || sa.mode != (a.mode & 07777)))
		rc = vfs_setattr(fs, n, &sa);
	vfs_put(fs, n);
	return script_fail(c, path, rc);
}

/* mkdir -p: every missing component, parents 0755. */
static int mkdir_p(struct script_ctx *c, const char *path, mode_t mode,
		   mode_t bits)
{
	struct vfs_create d = { .mode = S_IFDIR | 0755 };
	char *buf = strdup(path);
	size_t i = 0, n;
	int rc = 0;

	if (!buf)
		return -ENOMEM;
	n = strlen(buf);
	while (!rc && i < n) {
		struct vfs_node *node;
		struct vfs_attr a;
		bool last;
		char saved;

		while (i < n && buf[i] == '/')
			i++;
		while (i < n && buf[i] != '/')
			i++;
		last = strspn(buf + i, "/") == n - i;
		saved = buf[i];
		buf[i] = '\0';
		d.mode = S_IFDIR | (last ? mode : 0755);
		rc = last ? create_at(c, buf, &d, bits)
			  : vfs_create(c->env->fs, buf, &d);
		if (rc == -EEXIST) {
			/* Fine if it is (or leads to) a directory. */
			rc = vfs_resolve(c->env->fs, buf, true, &node);
			if (!rc) {
				rc = vfs_getattr(c->env->fs, node, &a);
				vfs_put(c->env->fs, node);
				/* a file on the way is ENOTDIR, as mkdir(2)
				 * under it says; only the last is EEXIST */
				if (!rc && !S_ISDIR(a.mode))
					rc = last ? -EEXIST : -ENOTDIR;
			} else if (rc == -ENOENT) {
				/* a dangling symlink: mkdir(2)'s EEXIST
				 * stands, as mkdir -p reports it */
				rc = -EEXIST;
			}
		}
		buf[i] = saved;
		if (last)
			break;
	}
	if (rc)
		c->errpath[0] = '\0';
	free(buf);
	return script_fail(c, path, rc);
}

int script_mkdir(struct script_ctx *c)
{
	mode_t mode, bits;
	/* a symbolic -m starts from a=rwx, as mkdir.c's mode_adjust does */
	int rc = script_opt_mode(c, 0777, true, 0755, &mode, &bits);

	for (size_t i = 0; !rc && i < c->nargs; i++) {
		struct vfs_create d = { .mode = S_IFDIR | mode };

		rc = script_opt(c, 'p') ? mkdir_p(c, c->args[i], mode, bits)
					: create_at(c, c->args[i], &d, bits);
	}
	return rc;
}

/* write and append: to the file path names, following a final symlink. */
static int put_text(struct script_ctx *c, bool append)
{
	struct vfs_fs *fs = c->env->fs;
	const char *path = c->args[0];
	const char *text = c->input ? c->input : c->args[1];
	size_t len = c->input ? c->input_len : c->lens[1];
	struct vfs_create f = { .mode = S_IFREG };
	struct memfs_data *old = NULL, *d = NULL;
	struct vfs_walk w;
	struct vfs_attr a;
	bool created;
	mode_t mode;
	int rc = script_opt_mode(c, 0666, false, 0644, &mode, NULL);

	if (rc || (!c->input && c->nargs != 2) || (c->input && c->nargs != 1))
		return rc ? rc : script_failf(c, NULL, -EINVAL, "usage: %s",
					      c->cmd->usage);
	f.mode |= mode;
	rc = vfs_walk(fs, path, VFS_PARENT | VFS_FOLLOW, &w);
	if (!rc && !w.node && w.trailing_slash)
		rc = -EISDIR;
	created = !rc && !w.node;
	if (created)
		rc = vfs_create_at(fs, w.parent, w.name, w.len, &f, &w.node);
	if (!rc)
		rc = vfs_getattr(fs, w.node, &a);
	if (!rc && !S_ISREG(a.mode))
		rc = S_ISDIR(a.mode) ? -EISDIR : -EINVAL;
	if (!rc && append)
		rc = vfs_data(fs, w.node, &old);
	if (!rc && append) {
		struct memfs_data *t = script_text_data(text, len);

		rc = t ? memfs_data_append(old, t->n ? t->ext[0].src : NULL,
					   0, len, &d) : -ENOMEM;
		memfs_data_put(t);
	} else if (!rc) {
		d = script_text_data(text, len);
		rc = d ? 0 : -ENOMEM;
	}
	if (!rc && append && !len && !created) {
		/* `>>` of nothing opens for writing (a copy-up) but writes
		 * nothing, so neither the time nor the capabilities change
		 * (vfs_write returns before file_remove_privs). */
		struct vfs_setattr none = { 0 };

		rc = vfs_setattr(fs, w.node, &none);
	} else if (!rc) {
		rc = vfs_setdata(fs, w.node, d);
	}
	memfs_data_put(d);
	memfs_data_put(old);
	vfs_walk_release(fs, &w);
	return script_fail(c, path, rc);
}

int script_write(struct script_ctx *c)
{
	return put_text(c, false);
}

int script_append(struct script_ctx *c)
{
	return put_text(c, true);
}

static int parse_num(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return (*end || errno || *out > max) ? -EINVAL : 0;
}

int script_mknod(struct script_ctx *c)
{
	struct vfs_create d = { 0 };
	const char *type = c->nargs > 1 ? c->args[1] : "";
	unsigned long maj, min;
	mode_t mode;
	/* from a=rw, as mknod.c's mode_adjust starts */
	int rc = script_opt_mode(c, 0666, false, 0644, &mode, NULL);

	if (rc)
		return rc;
	if (mode & ~0777)	/* coreutils 9.1 mknod.c */
		return script_failf(c, NULL, -EINVAL, "mode must specify "
				    "only file permission bits");
	if (!strcmp(type, "p") && c->nargs == 2) {
		d.mode = S_IFIFO | mode;
	} else if ((!strcmp(type, "c") || !strcmp(type, "b")) &&
		   c->nargs == 4) {
		if (parse_num(c->args[2], 0xfffff, &maj) ||
		    parse_num(c->args[3], 0xfffff, &min))
			return script_failf(c, c->args[0], -EINVAL,
					    "invalid device number");
		d.mode = (type[0] == 'c' ? S_IFCHR : S_IFBLK) | mode;
		d.rdev = makedev(maj, min);
	} else {
		return script_failf(c, NULL, -EINVAL, "usage: %s",
				    c->cmd->usage);
	}
	return create_at(c, c->args[0], &d, 0);
}

/* Whether path names the root (after resolving .. and symlinks on the way). */
static bool is_root(struct vfs_fs *fs, const char *path)
{
	struct vfs_walk w;
	bool root;

	if (vfs_walk(fs, path, 0, &w))
		return false;
	root = !w.parent;
	vfs_walk_release(fs, &w);
	return root;
}

int script_rm(struct script_ctx *c)
{
	struct vfs_fs *fs = c->env->fs;
	int rc = 0;

	for (size_t i = 0; !rc && i < c->nargs; i++) {
		const char *p = c->args[i];
		struct vfs_node *n;
		struct vfs_attr a;

		if (is_root(fs, p))
			return script_failf(c, p, -EPERM, "refusing to remove "
					    "the root directory");
		rc = vfs_resolve(fs, p, false, &n);
		/* -f: a missing name is no error, nor is one under a
		 * non-directory (ignorable_missing in coreutils remove.c) */
		if ((rc == -ENOENT || rc == -ENOTDIR) && script_opt(c, 'f')) {
			rc = 0;
			continue;
		}
		if (!rc) {
			rc = vfs_getattr(fs, n, &a);
			vfs_put(fs, n);
		}
		if (!rc && S_ISDIR(a.mode) && !script_opt(c, 'r'))
			rc = -EISDIR;
		else if (!rc && S_ISDIR(a.mode))
			rc = vfs_remove_tree(fs, p);
		else if (!rc)
			rc = vfs_unlink(fs, p);
		/* "link/" emptied but not removed: excise() lets -f pass */
		if (rc == -ENOTDIR && script_opt(c, 'f'))
			rc = 0;
		script_fail(c, p, rc);
	}
	return rc;
}

int script_rmdir(struct script_ctx *c)
{
	int rc = 0;

	for (size_t i = 0; !rc && i < c->nargs; i++)
		rc = script_fail(c, c->args[i],
				 vfs_rmdir(c->env->fs, c->args[i]));
	return rc;
}

/* Whether path (not followed) is the entry name in directory dir. */
static bool same_entry(struct vfs_fs *fs, const char *path,
		       struct vfs_node *dir, const char *name)
{
	struct vfs_attr a, b;
	struct vfs_walk w;
	bool same;

	if (vfs_walk(fs, path, 0, &w))
		return false;
	same = w.parent && !strcmp(w.name, name) &&
	       !vfs_getattr(fs, w.parent, &a) && !vfs_getattr(fs, dir, &b) &&
	       a.ino == b.ino;
	vfs_walk_release(fs, &w);
	return same;
}

/*
 * ln -f: the existing name w names goes first, unless it is a directory,
 * or it is the file the link would be to and removing it would lose the
 * file: its last name, or the source's own entry (do_link in coreutils
 * 9.1 ln.c: stat of the source, followed for -s; lstat of the
 * destination).
 */
static int ln_force(struct script_ctx *c, struct vfs_walk *w,
		    const char *path)
{
	struct vfs_fs *fs = c->env->fs;
	struct vfs_attr a, s;
	struct vfs_node *n;
	int rc = vfs_getattr(fs, w->node, &a);

	if (!rc && S_ISDIR(a.mode))
		return script_failf(c, path, -EISDIR,
				    "cannot overwrite directory");
	if (!rc && !vfs_resolve(fs, c->args[0], script_opt(c, 's'), &n)) {
		if (!vfs_getattr(fs, n, &s) && s.ino == a.ino &&
		    (a.nlink == 1 ||
		     same_entry(fs, c->args[0], w->parent, w->name)))
			rc = script_failf(c, path, -EINVAL, "'%s' and '%s' are "
					  "the same file", c->args[0], path);
		vfs_put(fs, n);
	}
	return rc ? rc : vfs_unlink_at(fs, w->parent, w->name, w->len);
}

/*
 * The new name is resolved once, and the link made in the directory that
 * resolution found, as ln(1) works relative to the destination directory
 * it opened: removing the old name (ln -f) cannot change where it goes.
 * A hard link's source is checked first, as ln(1) lstat()s it ("failed
 * to access", "hard link not allowed for directory") before it looks at
 * the destination.
 */
static int ln_at(struct script_ctx *c, struct vfs_walk *w, const char *path)
{
	struct vfs_fs *fs = c->env->fs;
	const char *target = c->args[0];
	struct vfs_create s = { .mode = S_IFLNK | 0777, .target = target,
				.target_len = c->lens[0] };
	struct vfs_node *old = NULL;
	struct vfs_attr a;
	int rc = 0;

	if (!script_opt(c, 's')) {
		rc = vfs_resolve(fs, target, false, &old);
		if (rc)
			return script_fail(c, target, rc);
		rc = vfs_getattr(fs, old, &a);
		if (!rc && S_ISDIR(a.mode))
			rc = script_failf(c, target, -EPERM, "hard link not "
					  "allowed for directory");
	}
	if (!rc && (!w->parent || (w->node && !script_opt(c, 'f'))))
		rc = -EEXIST;
	if (!rc && w->node)
		rc = ln_force(c, w, path);
	if (!rc && w->trailing_slash)
		rc = -ENOENT;
	if (!rc && script_opt(c, 's'))
		rc = vfs_create_at(fs, w->parent, w->name, w->len, &s, NULL);
	else if (!rc)
		rc = vfs_link_at(fs, old, w->parent, w->name, w->len);
	if (rc == -EPERM && !c->reason[0])
		rc = script_failf(c, target, rc, "hard link not allowed for "
				  "directory");
	if (old)
		vfs_put(fs, old);
	return rc;
}

int script_ln(struct script_ctx *c)
{
	struct vfs_fs *fs = c->env->fs;
	struct vfs_walk w;
	char *path;
	int rc = script_target(c, c->args[0], c->args[1], &path);

	if (rc)
		return script_fail(c, c->args[1], rc);
	rc = vfs_walk(fs, path, VFS_PARENT, &w);
	if (!rc) {
		rc = ln_at(c, &w, path);
		vfs_walk_release(fs, &w);
	}
	rc = script_fail(c, path, rc);
	free(path);
	return rc;
}
