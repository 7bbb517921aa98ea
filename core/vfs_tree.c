/*
 * vfs_tree: whole-tree operations built on the ops table: copy (cp -R,
 * cp -a), removal (rm -r), and rename with the fallback coreutils mv uses
 * when rename(2) answers EXDEV (copy everything, then remove the source).
 * They work by directory node and name, so no path length limits a tree's
 * depth.
 */
#include "core/vfs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "layers/memfs.h"

static int names_add(void *ctx, const char *name, size_t len)
{
	struct vfs_names *ns = ctx;

	if (ns->n == ns->cap) {
		size_t cap = ns->cap ? ns->cap * 2 : 16;
		char **v = realloc(ns->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		ns->v = v;
		ns->cap = cap;
	}
	ns->v[ns->n] = strndup(name, len);
	if (!ns->v[ns->n])
		return -ENOMEM;
	ns->n++;
	return 0;
}

void vfs_names_free(struct vfs_names *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
	memset(ns, 0, sizeof(*ns));
}

int vfs_list(struct vfs_fs *fs, struct vfs_node *dir,
		      struct vfs_names *ns)
{
	int rc;

	memset(ns, 0, sizeof(*ns));
	rc = fs->ops->readdir(fs, dir, names_add, ns);
	if (rc)
		vfs_names_free(ns);
	return rc;
}

static int remove_at(struct vfs_fs *fs, struct vfs_node *dir,
		     const char *name);

/* rm -r of everything in the directory dir. */
static int remove_children(struct vfs_fs *fs, struct vfs_node *dir)
{
	struct vfs_names ns;
	int rc = vfs_list(fs, dir, &ns);

	if (rc)
		return rc;
	for (size_t i = 0; !rc && i < ns.n; i++)
		rc = remove_at(fs, dir, ns.v[i]);
	vfs_names_free(&ns);
	return rc;
}

/* rm -r of name in dir. */
static int remove_at(struct vfs_fs *fs, struct vfs_node *dir, const char *name)
{
	struct vfs_node *n;
	struct vfs_attr a;
	int rc = fs->ops->lookup(fs, dir, name, strlen(name), &n);

	if (rc)
		return rc;
	rc = fs->ops->getattr(fs, n, &a);
	if (!rc && S_ISDIR(a.mode)) {
		rc = remove_children(fs, n);
		if (!rc)
			rc = fs->ops->rmdir(fs, dir, name, strlen(name));
	} else if (!rc) {
		rc = fs->ops->unlink(fs, dir, name, strlen(name));
	}
	vfs_put(fs, n);
	return rc;
}

int vfs_remove_tree(struct vfs_fs *fs, const char *path)
{
	struct vfs_walk w;
	int rc;

	if (!fs->ops->unlink)
		return -EROFS;
	rc = vfs_walk(fs, path, VFS_SLASH_NOFOLLOW, &w);
	if (rc == -ENOTDIR && !vfs_walk(fs, path, 0, &w)) {
		/* "link/" to a directory: rm's fts stats through the link
		 * and empties the directory, then rmdir("link/") answers
		 * ENOTDIR (rmdir(2) does not follow the last component). */
		rc = w.node && w.parent ? remove_children(fs, w.node) : 0;
		vfs_walk_release(fs, &w);
		return rc ? rc : -ENOTDIR;
	}
	if (rc)
		return rc;
	if (!w.parent)
		rc = -EBUSY;	/* the root */
	else if (!strcmp(w.name, ".") || !strcmp(w.name, ".."))
		rc = -EINVAL;
	else
		rc = remove_at(fs, w.parent, w.name);
	vfs_walk_release(fs, &w);
	return rc;
}

/* Copies made so far of multiply-linked files, to link again (cp -a). */
struct copied {
	struct copied_file {
		uint64_t ino;		/* the source's vfs_attr.ino */
		struct vfs_node *copy;	/* holds a reference */
	} *v;
	size_t n, cap;
};

struct copy {
	struct vfs_fs *fs;
	unsigned flags;
	uid_t uid;
	gid_t gid;
	struct copied links;
};

static struct vfs_node *copied_find(struct copied *c, uint64_t ino)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].ino == ino)
			return c->v[i].copy;
	return NULL;
}

static int copied_add(struct copy *cp, uint64_t ino, struct vfs_node *copy)
{
	struct copied *c = &cp->links;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 8;
		struct copied_file *v = realloc(c->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n].ino = ino;
	c->v[c->n++].copy = vfs_get(cp->fs, copy);
	return 0;
}

static int copy_at(struct copy *cp, struct vfs_node *src, struct vfs_node *dir,
		   const char *name);

/* Content and children of one new copy. */
static int copy_body(struct copy *cp, struct vfs_node *src,
		     const struct vfs_attr *a, struct vfs_node *dst)
{
	struct vfs_fs *fs = cp->fs;
	struct memfs_data *d;
	struct vfs_names ns;
	int rc = 0;

	if (S_ISREG(a->mode)) {
		rc = fs->ops->data(fs, src, &d);
		if (!rc) {
			rc = vfs_setdata(fs, dst, d);
			memfs_data_put(d);
		}
	}
	if (!rc && S_ISDIR(a->mode) && !(rc = vfs_list(fs, src, &ns))) {
		for (size_t i = 0; !rc && i < ns.n; i++) {
			struct vfs_node *c;

			rc = fs->ops->lookup(fs, src, ns.v[i], strlen(ns.v[i]),
					     &c);
			if (!rc) {
				rc = copy_at(cp, c, dst, ns.v[i]);
				vfs_put(fs, c);
			}
		}
		vfs_names_free(&ns);
	}
	return rc;
}

int vfs_copy_attrs(struct vfs_fs *fs, struct vfs_node *src,
		   struct vfs_node *dst, unsigned flags)
{
	struct vfs_setattr sa = { 0 };
	struct vfs_attr a;
	int rc = fs->ops->getattr(fs, src, &a);

	if (rc)
		return rc;
	if (flags & VFS_COPY_OWNER) {
		struct vfs_attr d;

		sa.mask = VFS_SET_UID | VFS_SET_GID;
		sa.uid = a.uid;
		sa.gid = a.gid;
		/* cp skips a chown that changes nothing, and so keeps the
		 * setuid bit it would clear (copy.c, SAME_OWNER_AND_GROUP) */
		rc = fs->ops->getattr(fs, dst, &d);
		if (!rc && (d.uid != a.uid || d.gid != a.gid))
			rc = vfs_setattr(fs, dst, &sa);
	}
	if (!rc && (flags & VFS_COPY_MODE) && !S_ISLNK(a.mode)) {
		struct vfs_attr d;

		sa.mask = VFS_SET_MODE;
		sa.mode = a.mode;
		/* Without special bits cp -p sets only the permissions (an
		 * ACL, gnulib qcopy_acl), so dst keeps the special bits it
		 * has after the chown: a directory's setgid from a setgid
		 * parent (inode_init_owner), an overwritten file's own. */
		if (!(a.mode & 07000) && !(rc = fs->ops->getattr(fs, dst, &d)))
			sa.mode |= d.mode & 07000;
		if (!rc)
			rc = vfs_setattr(fs, dst, &sa);
	}
	if (!rc && (flags & VFS_COPY_XATTRS)) {
		const struct memfs_xattr *x;
		uint32_t nx;

		rc = fs->ops->listxattr(fs, src, &x, &nx);
		/* As cp -a: an xattr the target refuses is not fatal. */
		for (uint32_t i = 0; !rc && i < nx; i++)
			vfs_setxattr(fs, dst, x[i].name, x[i].value, x[i].len);
	}
	if (!rc && (flags & VFS_COPY_TIMES)) {
		sa.mask = VFS_SET_MTIME;
		sa.mtime = a.mtime;
		rc = vfs_setattr(fs, dst, &sa);
	}
	return rc;
}

/* cp of src to the new name in dir. */
static int copy_at(struct copy *cp, struct vfs_node *src, struct vfs_node *dir,
		   const char *name)
{
	struct vfs_fs *fs = cp->fs;
	struct vfs_create c = { .uid = cp->uid, .gid = cp->gid };
	struct vfs_node *dst = NULL, *first;
	struct vfs_attr a;
	int rc = fs->ops->getattr(fs, src, &a);

	if (rc)
		return rc;
	if ((cp->flags & VFS_COPY_LINKS) && !S_ISDIR(a.mode) && a.nlink > 1 &&
	    (first = copied_find(&cp->links, a.ino)))
		return fs->ops->link(fs, first, dir, name, strlen(name));
	/* Without -p, cp creates with the source's permission bits: a file
	 * loses setuid, setgid and sticky. A fifo or device is made by
	 * mknod(2) with the source's whole mode, special bits included
	 * (coreutils 9.1 copy.c; `cp_special_keeps_special_bits`). A
	 * directory is made by mkdir(2), which keeps only sticky (setgid
	 * comes from a setgid parent alone), even with -p: its own mode is
	 * set after its entries are copied, so they never inherit a setgid
	 * bit it is only going to get. */
	c.mode = a.mode & (S_ISDIR(a.mode) ? (S_IFMT | 01777) :
			   cp->flags & VFS_COPY_MODE ? ~(mode_t)0 :
			   S_ISFIFO(a.mode) || S_ISCHR(a.mode) ||
			   S_ISBLK(a.mode) ? (S_IFMT | 07777) :
			   (S_IFMT | 0777));
	if (cp->flags & VFS_COPY_OWNER) {
		c.uid = a.uid;
		c.gid = a.gid;
	}
	c.rdev = a.rdev;
	if (S_ISLNK(a.mode))
		rc = fs->ops->readlink(fs, src, &c.target, &c.target_len);
	if (!rc)
		rc = fs->ops->create(fs, dir, name, strlen(name), &c, &dst);
	if (!rc)
		rc = copy_body(cp, src, &a, dst);
	if (!rc)
		rc = vfs_copy_attrs(fs, src, dst, cp->flags);
	if (!rc && (cp->flags & VFS_COPY_LINKS) && !S_ISDIR(a.mode) &&
	    a.nlink > 1)
		rc = copied_add(cp, a.ino, dst);
	vfs_put(fs, dst);
	return rc;
}

int vfs_copy(struct vfs_fs *fs, struct vfs_node *src, const char *dst,
	     unsigned flags, uid_t uid, gid_t gid)
{
	struct copy cp = { .fs = fs, .flags = flags, .uid = uid, .gid = gid };
	struct vfs_walk w;
	int rc;

	if (!fs->ops->create)
		return -EROFS;
	rc = vfs_walk(fs, dst, VFS_PARENT, &w);
	if (rc)
		return rc;
	if (w.node || !w.parent)
		rc = -EEXIST;
	else
		rc = copy_at(&cp, src, w.parent, w.name);
	if (rc && rc != -EEXIST)
		remove_at(fs, w.parent, w.name);	/* what it made */
	for (size_t i = 0; i < cp.links.n; i++)
		vfs_put(fs, cp.links.v[i].copy);
	free(cp.links.v);
	vfs_walk_release(fs, &w);
	return rc;
}

/*
 * coreutils 9.1 mv into an existing directory, once rename(2) answered
 * EXDEV for the directory src: copy_internal retries renameat2 for every
 * entry below it (the retry is skipped only when mv's own first rename
 * already failed), so the new directory is made, each child is renamed
 * into it (a child directory answering EXDEV again is moved the same way),
 * the new directory takes src's attributes as cp -a gives them, and the
 * emptied src goes. Renamed lower files are copied up one by one, so hard
 * links among them break, where a copy (vfs_copy) would keep them.
 */
static int move_entries(struct vfs_fs *fs, struct vfs_node *odir,
			const char *oname, struct vfs_node *src,
			struct vfs_node *ndir, const char *nname)
{
	struct vfs_create c = { .mode = S_IFDIR | 0700 };
	struct vfs_setattr sa = { .mask = VFS_SET_MTIME };
	struct vfs_node *dst = NULL, *child;
	struct vfs_names ns;
	struct vfs_attr a;
	/* The times are src's before its entries left (cp stats first). */
	int rc = fs->ops->getattr(fs, src, &a);

	if (!rc)
		rc = fs->ops->create(fs, ndir, nname, strlen(nname), &c, &dst);
	if (!rc)
		rc = vfs_list(fs, src, &ns);
	if (rc)
		goto out;
	for (size_t i = 0; !rc && i < ns.n; i++) {
		size_t len = strlen(ns.v[i]);

		rc = fs->ops->rename(fs, src, ns.v[i], len, dst, ns.v[i], len);
		if (rc != -EXDEV)
			continue;
		rc = fs->ops->lookup(fs, src, ns.v[i], len, &child);
		if (!rc) {
			rc = move_entries(fs, src, ns.v[i], child, dst, ns.v[i]);
			vfs_put(fs, child);
		}
	}
	vfs_names_free(&ns);
	sa.mtime = a.mtime;
	if (!rc)
		rc = vfs_copy_attrs(fs, src, dst, VFS_COPY_ALL);
	if (!rc)
		rc = vfs_setattr(fs, dst, &sa);
	if (!rc)
		rc = fs->ops->rmdir(fs, odir, oname, strlen(oname));
out:
	vfs_put(fs, dst);
	return rc;
}

static int rename_path(struct vfs_fs *fs, const char *oldpath,
		       const char *newpath, bool into)
{
	struct vfs_walk o, n;
	struct vfs_node *src;
	int rc;

	if (!fs->ops->rename)
		return -EROFS;
	rc = vfs_walk(fs, oldpath, VFS_SLASH_NOFOLLOW, &o);
	if (rc)
		return rc;
	rc = vfs_walk(fs, newpath, VFS_PARENT | VFS_SLASH_NOFOLLOW, &n);
	if (rc)
		goto out_old;
	if (!o.parent || !n.parent)
		rc = -EBUSY;
	else if (!strcmp(o.name, ".") || !strcmp(o.name, "..") ||
		 !strcmp(n.name, ".") || !strcmp(n.name, ".."))
		rc = -EINVAL;
	else
		rc = fs->ops->rename(fs, o.parent, o.name, o.len, n.parent,
				     n.name, n.len);
	if (rc != -EXDEV)
		goto out;
	/* coreutils mv after EXDEV: the target (an empty directory, as
	 * rename checked) goes, the copy keeps everything, then the
	 * source goes. */
	src = vfs_get(fs, o.node);
	rc = n.node ? fs->ops->rmdir(fs, n.parent, n.name, n.len) : 0;
	if (!rc && into)
		rc = move_entries(fs, o.parent, o.name, src, n.parent, n.name);
	else if (!rc)
		rc = vfs_copy(fs, src, newpath, VFS_COPY_ALL, 0, 0);
	if (!rc && !into)
		rc = remove_at(fs, o.parent, o.name);
	vfs_put(fs, src);
out:
	vfs_walk_release(fs, &n);
out_old:
	vfs_walk_release(fs, &o);
	return rc;
}

int vfs_rename(struct vfs_fs *fs, const char *oldpath, const char *newpath)
{
	return rename_path(fs, oldpath, newpath, false);
}

int vfs_rename_into(struct vfs_fs *fs, const char *oldpath,
		    const char *newpath)
{
	return rename_path(fs, oldpath, newpath, true);
}
