/*
 * script_copy: the commands that move and copy trees: mv, cp, copy-in.
 */
#include "script/script_impl.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "script/script_cmds.h"
#include "layers/memfs.h"

/* Whether the file at path and the file src are one (stat's st_ino). */
static bool same_file(struct vfs_fs *fs, const char *path,
		      const struct vfs_attr *src)
{
	struct vfs_node *n;
	struct vfs_attr a;
	bool same = false;

	if (!vfs_resolve(fs, path, false, &n)) {
		same = !vfs_getattr(fs, n, &a) && a.ino == src->ino;
		vfs_put(fs, n);
	}
	return same;
}

int script_mv(struct script_ctx *c)
{
	struct vfs_fs *fs = c->env->fs;
	const char *src = c->args[0];
	struct vfs_node *n;
	struct vfs_attr a;
	char *dst;
	int rc = vfs_resolve(fs, src, false, &n);

	if (rc)
		return script_fail(c, src, rc);
	rc = vfs_getattr(fs, n, &a);
	vfs_put(fs, n);
	if (!rc)
		rc = script_target(c, src, c->args[1], &dst);
	if (rc)
		return script_fail(c, src, rc);
	/* mv refuses one file under two names, hard links included, and
	 * however spelt ("d/" and "d"); only two names of one symlink may
	 * be renamed (same_file_ok in coreutils copy.c). */
	if (same_file(fs, dst, &a) && (!S_ISLNK(a.mode) || !strcmp(src, dst)))
		rc = script_failf(c, src, -EINVAL, "'%s' and '%s' are the "
				  "same file", src, dst);
	if (!rc && strcmp(dst, c->args[1]))
		rc = vfs_rename_into(fs, src, dst);	/* into a directory */
	else if (!rc)
		rc = vfs_rename(fs, src, dst);
	if (rc == -EINVAL)
		rc = script_failf(c, src, rc, "cannot move to a subdirectory "
				  "of itself, '%s'", dst);
	if (rc == -EBUSY)
		rc = script_failf(c, src, rc, "cannot move the root directory");
	free(dst);
	return script_fail(c, src, rc);
}

/* Whether the existing or new path dst lies inside the directory src. */
static bool inside(struct vfs_fs *fs, const char *dst, const struct vfs_attr *src)
{
	struct vfs_node *n, *p = NULL;
	struct vfs_walk w;
	bool in = false;

	if (vfs_walk(fs, dst, VFS_PARENT | VFS_FOLLOW, &w))
		return false;
	n = vfs_get(fs, w.node ? w.node : w.parent);
	vfs_walk_release(fs, &w);
	while (n && !in) {
		struct vfs_attr a;

		in = !vfs_getattr(fs, n, &a) && a.ino == src->ino;
		if (vfs_parent(fs, n, &p)) {
			break;
		} else if (p == n) {
			vfs_put(fs, p);	/* the root: its own parent */
			break;
		}
		vfs_put(fs, n);
		n = p;
	}
	vfs_put(fs, n);
	return in;
}

static int cp_to(struct script_ctx *c, struct vfs_node *src,
		 const char *dst, unsigned flags);

/* cp -r of a directory onto an existing one: the children merge. */
static int cp_merge(struct script_ctx *c, struct vfs_node *src,
		    struct vfs_node *dstn, const char *dst, unsigned flags)
{
	struct vfs_fs *fs = c->env->fs;
	struct vfs_node *child;
	struct vfs_names ns;
	int rc = vfs_list(fs, src, &ns);

	if (rc)
		return rc;
	for (size_t i = 0; !rc && i < ns.n; i++) {
		char *p = script_join(dst, ns.v[i]);

		rc = p ? vfs_lookup(fs, src, ns.v[i], strlen(ns.v[i]),
					 &child) : -ENOMEM;
		if (!rc) {
			rc = cp_to(c, child, p, flags);
			vfs_put(fs, child);
		}
		free(p);
	}
	vfs_names_free(&ns);
	return rc ? rc : vfs_copy_attrs(fs, src, dstn, flags);
}

/* One file onto an existing one: its content, and with -a the rest. */
static int cp_over(struct script_ctx *c, struct vfs_node *src,
		   const struct vfs_attr *sa, struct vfs_node *dstn,
		   const char *dst, unsigned flags)
{
	struct vfs_fs *fs = c->env->fs;
	struct memfs_data *d;
	int rc;

	if (!S_ISREG(sa->mode)) {
		/* cp -a of a link or a device replaces the name. */
		rc = vfs_unlink(fs, dst);
		return rc ? rc : vfs_copy(fs, src, dst, flags, 0, 0);
	}
	rc = vfs_data(fs, src, &d);
	if (rc)
		return rc;
	rc = vfs_setdata(fs, dstn, d);
	memfs_data_put(d);
	return rc ? rc : vfs_copy_attrs(fs, src, dstn, flags);
}

/* cp of src to dst, which may exist. */
static int cp_to(struct script_ctx *c, struct vfs_node *src,
		 const char *dst, unsigned flags)
{
	struct vfs_fs *fs = c->env->fs;
	struct vfs_attr sa, da;
	struct vfs_node *dstn = NULL;	/* a failed resolve leaves it unset */
	int rc = vfs_getattr(fs, src, &sa);

	if (rc)
		return rc;
	/* A symlink copied as such replaces the name, even a dangling link
	 * (cp -P lstats the destination); a file writes through a link. */
	rc = vfs_resolve(fs, dst, !S_ISDIR(sa.mode) && !S_ISLNK(sa.mode),
			 &dstn);
	if (rc == -ENOENT)
		return script_fail(c, dst, vfs_copy(fs, src, dst, flags, 0, 0));
	if (!rc)
		rc = vfs_getattr(fs, dstn, &da);
	if (!rc && da.ino == sa.ino)
		rc = script_failf(c, dst, -EINVAL, "source and destination "
				  "are the same file");
	else if (!rc && S_ISDIR(sa.mode) && !S_ISDIR(da.mode))
		rc = script_failf(c, dst, -ENOTDIR, "cannot overwrite "
				  "non-directory with directory");
	else if (!rc && S_ISDIR(sa.mode))
		rc = cp_merge(c, src, dstn, dst, flags);
	else if (!rc && S_ISDIR(da.mode))
		rc = script_failf(c, dst, -EISDIR, "cannot overwrite "
				  "directory with non-directory");
	else if (!rc)
		rc = cp_over(c, src, &sa, dstn, dst, flags);
	vfs_put(fs, dstn);
	return script_fail(c, dst, rc);
}

int script_cp(struct script_ctx *c)
{
	struct vfs_fs *fs = c->env->fs;
	bool rec = script_opt(c, 'r') || script_opt(c, 'a');
	unsigned flags = script_opt(c, 'a') ? VFS_COPY_ALL : 0;
	const char *src = c->args[0];
	struct vfs_node *n;
	struct vfs_attr a;
	char *dst = NULL;
	/* Without -r, cp follows a symlink it is given; -r and -a copy it. */
	int rc = vfs_resolve(fs, src, !rec, &n);

	if (rc)
		return script_fail(c, src, rc);
	rc = vfs_getattr(fs, n, &a);
	if (!rc && S_ISDIR(a.mode) && !rec)
		rc = script_failf(c, src, -EISDIR, "-r not specified; "
				  "omitting directory");
	if (!rc)
		rc = script_target(c, src, c->args[1], &dst);
	if (!rc && S_ISDIR(a.mode) && inside(fs, dst, &a))
		rc = script_failf(c, src, -EINVAL, "cannot copy a directory "
				  "into itself, '%s'", dst);
	if (!rc)
		rc = cp_to(c, n, dst, flags);
	vfs_put(fs, n);
	free(dst);
	return script_fail(c, src, rc);
}

static int copyin(struct script_ctx *c, const char *host, const char *dst);

int script_copyin_attrs(struct script_ctx *c, struct vfs_node *n)
{
	const struct script_copyin_opts *o = c->cmd_data;
	struct vfs_fs *fs = c->env->fs;
	struct vfs_setattr sa;
	struct vfs_attr a;
	int rc;

	if (!o || (!o->owner.mask && !o->mode))
		return 0;
	rc = vfs_getattr(fs, n, &a);
	/* the owner first: chown drops setuid and setgid, the mode after
	 * puts them back (as cp -a orders them, coreutils copy.c) */
	if (!rc && o->owner.mask)
		rc = vfs_setattr(fs, n, &o->owner);
	if (rc || !o->mode || S_ISLNK(a.mode))
		return rc;
	sa = (struct vfs_setattr){
		.mask = VFS_SET_MODE,
		.mode = script_mode_apply(o->mode, a.mode, S_ISDIR(a.mode)),
	};
	return vfs_setattr(fs, n, &sa);
}

/* The attributes --owner and --mode give, on the entry dst names. */
static int copyin_set(struct script_ctx *c, const char *dst, bool follow)
{
	struct vfs_node *n;
	int rc;

	if (!c->cmd_data)
		return 0;
	rc = vfs_resolve(c->env->fs, dst, follow, &n);
	if (!rc) {
		rc = script_copyin_attrs(c, n);
		vfs_put(c->env->fs, n);
	}
	return script_fail(c, dst, rc);
}

/* A host directory's entries, in byte order for a stable result. */
static int copyin_dir(struct script_ctx *c, const char *host, const char *dst)
{
	struct dirent **list;
	int n = scandir(host, &list, NULL, alphasort), rc = 0;

	if (n < 0)
		return script_fail(c, host, -errno);
	for (int i = 0; i < n; i++) {
		const char *name = list[i]->d_name;
		char *h, *d;

		if (!rc && strcmp(name, ".") && strcmp(name, "..")) {
			h = script_join(host, name);
			d = script_join(dst, name);
			rc = h && d ? copyin(c, h, d) : -ENOMEM;
			free(h);
			free(d);
		}
		free(list[i]);
	}
	free(list);
	return rc;
}

/* A host regular file's content into dst, made if missing. */
static int copyin_file(struct script_ctx *c, const char *host,
		       const struct stat *st, const char *dst,
		       const struct vfs_create *vc)
{
	struct vfs_fs *fs = c->env->fs;
	struct memfs_data *d = NULL;
	struct vfs_node *n = NULL;
	/* non-blocking: what turned into a fifo since lstat must not hang */
	int fd = open(host, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	int rc = fd < 0 ? -errno : 0;
	struct stat fst;
	char probe;

	if (!rc && (fstat(fd, &fst) || !S_ISREG(fst.st_mode)))
		rc = script_failf(c, host, -EINVAL, "not a regular file any "
				  "more");
	/* /proc and /sys files say 0 bytes and hold more: never empty */
	if (!rc && !fst.st_size && pread(fd, &probe, 1, 0) == 1)
		rc = script_failf(c, host, -EINVAL, "reports 0 bytes but has "
				  "content (a /proc or /sys file?): not "
				  "copied");
	if (!rc)
		rc = script_spool_data(c, fd, (uint64_t)fst.st_size, &d);
	if (fd >= 0)
		close(fd);
	if (rc)
		return script_fail(c, host, rc);
	rc = vfs_resolve(fs, dst, true, &n);
	if (rc == -ENOENT)
		rc = vfs_create(fs, dst, vc);
	else if (!rc) {
		/* onto an existing file: its content, then the host's mode
		 * (cp --preserve=mode; without special bits only the
		 * permissions, an ACL: the file keeps its own special bits) */
		struct vfs_setattr sa = { .mask = VFS_SET_MODE,
					  .mode = vc->mode & 07777 };
		struct vfs_attr a;

		rc = vfs_setdata(fs, n, d);
		if (!rc && !(sa.mode & 07000) && !(rc = vfs_getattr(fs, n, &a)))
			sa.mode |= a.mode & 07000;
		if (!rc)
			rc = vfs_setattr(fs, n, &sa);
		goto out;
	}
	if (!rc && !n)
		rc = vfs_resolve(fs, dst, true, &n);
	if (!rc)
		rc = vfs_setdata(fs, n, d);
out:
	if (!rc && n)
		rc = script_copyin_attrs(c, n);
	vfs_put(fs, n);
	memfs_data_put(d);
	return script_fail(c, dst, rc);
}

/* copy-in of one host path to dst: owner 0:0, modes kept. */
static int copyin(struct script_ctx *c, const char *host, const char *dst)
{
	struct vfs_create vc = { 0 };
	struct stat st;
	char target[4096];
	ssize_t tl;
	int rc;

	if (lstat(host, &st))
		return script_fail(c, host, -errno);
	vc.mode = st.st_mode & (S_IFMT | 07777);
	vc.rdev = st.st_rdev;
	if (S_ISREG(st.st_mode))
		return copyin_file(c, host, &st, dst, &vc);
	/* What has no content of its own to copy (a device, a fifo, a
	 * socket) is refused, never made empty: an image's devices come
	 * from mknod, where the script says so. */
	if (!S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode))
		return script_failf(c, host, -EINVAL, "not a regular file, "
				    "directory or symlink (%s): not copied",
				    S_ISCHR(st.st_mode) ? "a character device"
				    : S_ISBLK(st.st_mode) ? "a block device"
				    : S_ISFIFO(st.st_mode) ? "a fifo"
				    : "a socket");
	if (S_ISLNK(st.st_mode)) {
		tl = readlink(host, target, sizeof(target));
		if (tl < 0 || tl == (ssize_t)sizeof(target))
			return script_fail(c, host, tl < 0 ? -errno
							   : -ENAMETOOLONG);
		vc.target = target;
		vc.target_len = (size_t)tl;
	}
	rc = vfs_create(c->env->fs, dst, &vc);
	if (!rc)
		rc = copyin_set(c, dst, false);
	else if (rc == -EEXIST && S_ISDIR(st.st_mode)) {
		/* into an existing directory: merge; never over a file */
		struct vfs_node *n;
		struct vfs_attr a;

		rc = vfs_resolve(c->env->fs, dst, true, &n);
		if (!rc) {
			rc = vfs_getattr(c->env->fs, n, &a);
			vfs_put(c->env->fs, n);
		}
		if (!rc && !S_ISDIR(a.mode))
			rc = script_failf(c, dst, -ENOTDIR, "cannot overwrite "
					  "non-directory with directory");
	}
	if (rc)
		return script_fail(c, dst, rc);
	return S_ISDIR(st.st_mode) ? copyin_dir(c, host, dst) : 0;
}

/* --owner and --mode, parsed once for the whole copy. */
static int copyin_opts(struct script_ctx *c, struct script_copyin_opts *o)
{
	const char *m = script_optval(c, 'm');
	int rc = 0;

	if (script_opt(c, 'o'))
		rc = script_parse_owner(c, script_optval(c, 'o'), true,
					&o->owner);
	if (!rc && m && (rc = script_mode_parse(m, &o->mode)) == -EINVAL)
		rc = script_failf(c, NULL, rc, "invalid mode '%s'", m);
	if (!rc && (o->owner.mask || o->mode))
		c->cmd_data = o;
	return rc;
}

int script_copy_in(struct script_ctx *c)
{
	struct script_copyin_opts o = { 0 };
	const char *arg = c->args[0];
	char *host, *dst = NULL;
	int rc;

	host = arg[0] == '/' ? strdup(arg) : script_join(c->basedir, arg);
	if (!host)
		return -ENOMEM;
	rc = copyin_opts(c, &o);
	/* SRC/. is SRC's content: basename "." puts it into DEST itself,
	 * as cp -R SRC/. DEST does */
	if (!rc && script_opt(c, 'x'))
		rc = script_extract(c, host, c->args[1]);
	else if (!rc)
		rc = script_target(c, arg, c->args[1], &dst);
	if (!rc && !script_opt(c, 'x'))
		rc = copyin(c, host, dst);
	script_mode_free(o.mode);
	c->cmd_data = NULL;
	free(host);
	free(dst);
	return rc;
}
