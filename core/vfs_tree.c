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

/* Appends name to the one buffer; v[] holds offsets until vfs_list ends. */
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
	if (ns->blen + len + 1 > ns->bcap) {
		size_t cap = ns->bcap ? ns->bcap : 256;
		char *b;

		while (cap < ns->blen + len + 1)
			cap *= 2;
		if (!(b = realloc(ns->buf, cap)))
			return -ENOMEM;
		ns->buf = b;
		ns->bcap = cap;
	}
	ns->v[ns->n++] = (char *)(uintptr_t)ns->blen;
	memcpy(ns->buf + ns->blen, name, len);
	ns->buf[ns->blen + len] = '\0';
	ns->blen += len + 1;
	return 0;
}

void vfs_names_free(struct vfs_names *ns)
{
	free(ns->buf);
	free(ns->v);
	memset(ns, 0, sizeof(*ns));
}

int vfs_list(struct vfs_fs *fs, struct vfs_node *dir,
		      struct vfs_names *ns)
{
	int rc;

	memset(ns, 0, sizeof(*ns));
	rc = fs->ops->readdir(fs, dir, names_add, ns);
	if (rc) {
		vfs_names_free(ns);
		return rc;
	}
	for (size_t i = 0; i < ns->n; i++)
		ns->v[i] = ns->buf + (size_t)(uintptr_t)ns->v[i];
	return 0;
}

/*
 * A directory a tree walk stands in: its names, the next one, and where
 * it hangs (parent and name; parent NULL for the walk's own top).
 */
struct tree_frame {
	struct vfs_node *parent, *node;	/* node holds a reference */
	const char *name;	/* in the parent frame's names, or the caller's */
	struct vfs_names ns;
	size_t pos;
	struct vfs_node *dst;	/* copies: the new directory (a reference) */
	struct vfs_attr a;	/* moves: src's attributes before it empties */
};

/* The frames from the top of a walk down: an explicit stack (STYLE.md). */
struct tree_stack {
	struct tree_frame *v;
	size_t n, cap;
};

/*
 * Pushes a frame for node (taking over the reference) and lists it.
 * On failure puts node. 0 or a negative errno.
 */
static int tree_push(struct vfs_fs *fs, struct tree_stack *st,
		     struct vfs_node *parent, const char *name,
		     struct vfs_node *node)
{
	struct tree_frame *f;
	int rc = 0;

	if (st->n == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 16;

		if (!(f = realloc(st->v, cap * sizeof(*f))))
			rc = -ENOMEM;
		else {
			st->v = f;
			st->cap = cap;
		}
	}
	if (!rc) {
		f = &st->v[st->n];
		memset(f, 0, sizeof(*f));
		rc = vfs_list(fs, node, &f->ns);
	}
	if (rc) {
		vfs_put(fs, node);
		return rc;
	}
	f->parent = parent;
	f->name = name;
	f->node = node;
	st->n++;
	return 0;
}

static void tree_pop(struct vfs_fs *fs, struct tree_stack *st)
{
	struct tree_frame *f = &st->v[--st->n];

	vfs_names_free(&f->ns);
	vfs_put(fs, f->node);
	vfs_put(fs, f->dst);
}

static void tree_release(struct vfs_fs *fs, struct tree_stack *st)
{
	while (st->n)
		tree_pop(fs, st);
	free(st->v);
}

/*
 * rm -r of everything in dir (a new reference, taken over), and of dir
 * itself as name in parent unless parent is NULL: children first, each
 * directory removed once emptied.
 */
static int remove_below(struct vfs_fs *fs, struct vfs_node *parent,
			const char *name, struct vfs_node *dir)
{
	struct tree_stack st = { 0 };
	int rc = tree_push(fs, &st, parent, name, dir);

	while (!rc && st.n) {
		struct tree_frame *f = &st.v[st.n - 1];
		struct vfs_node *n = NULL;
		struct vfs_attr a;
		const char *c;

		if (f->pos == f->ns.n) {
			if (f->parent)
				rc = fs->ops->rmdir(fs, f->parent, f->name,
						    strlen(f->name));
			tree_pop(fs, &st);
			continue;
		}
		c = f->ns.v[f->pos++];
		rc = fs->ops->lookup(fs, f->node, c, strlen(c), &n);
		if (!rc)
			rc = fs->ops->getattr(fs, n, &a);
		if (!rc && S_ISDIR(a.mode)) {
			rc = tree_push(fs, &st, f->node, c, n);
			continue;
		}
		if (!rc)
			rc = fs->ops->unlink(fs, f->node, c, strlen(c));
		if (n)
			vfs_put(fs, n);
	}
	tree_release(fs, &st);
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
	if (!rc && S_ISDIR(a.mode) && fs->ops->rmtree) {
		vfs_put(fs, n);
		return fs->ops->rmtree(fs, dir, name, strlen(name));
	}
	if (!rc && S_ISDIR(a.mode))
		return remove_below(fs, dir, name, n);
	if (!rc)
		rc = fs->ops->unlink(fs, dir, name, strlen(name));
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
		rc = w.node && w.parent ?
		     remove_below(fs, NULL, NULL, vfs_get(fs, w.node)) : 0;
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

/*
 * cp of src to the new name in dir, one entry: a directory is returned in
 * *sub (a reference), its entries and attributes still to come.
 */
static int copy_one(struct copy *cp, struct vfs_node *src, struct vfs_node *dir,
		    const char *name, struct vfs_node **sub)
{
	struct vfs_fs *fs = cp->fs;
	struct vfs_create c = { .uid = cp->uid, .gid = cp->gid };
	struct vfs_node *dst = NULL, *first;
	struct memfs_data *d;
	struct vfs_attr a;
	int rc = fs->ops->getattr(fs, src, &a);

	*sub = NULL;
	if (rc)
		return rc;
	if ((cp->flags & VFS_COPY_LINKS) && !S_ISDIR(a.mode) && a.nlink > 1 &&
	    (first = copied_find(&cp->links, a.ino)))
		return fs->ops->link(fs, first, dir, name, strlen(name));
	/* Without -p, cp creates with the source's permission bits: a file
	 * loses setuid, setgid and sticky. A directory is made by mkdir(2),
	 * which keeps only sticky (setgid comes from a setgid parent alone),
	 * even with -p: its own mode is set after its entries are copied,
	 * so they never inherit a setgid bit it is only going to get. */
	c.mode = a.mode & (S_ISDIR(a.mode) ? (S_IFMT | 01777) :
			   cp->flags & VFS_COPY_MODE ? ~(mode_t)0 :
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
	if (!rc && S_ISDIR(a.mode)) {
		*sub = dst;
		return 0;
	}
	if (!rc && S_ISREG(a.mode) && !(rc = fs->ops->data(fs, src, &d))) {
		rc = vfs_setdata(fs, dst, d);
		memfs_data_put(d);
	}
	if (!rc)
		rc = vfs_copy_attrs(fs, src, dst, cp->flags);
	if (!rc && (cp->flags & VFS_COPY_LINKS) && a.nlink > 1)
		rc = copied_add(cp, a.ino, dst);
	vfs_put(fs, dst);
	return rc;
}

/*
 * cp of the tree at src to the new name in dir: depth first with an
 * explicit stack; a directory takes its attributes once its entries are
 * in, as cp does.
 */
static int copy_at(struct copy *cp, struct vfs_node *src, struct vfs_node *dir,
		   const char *name)
{
	struct vfs_fs *fs = cp->fs;
	struct tree_stack st = { 0 };
	struct vfs_node *sub;
	int rc = copy_one(cp, src, dir, name, &sub);

	if (!rc && sub && !(rc = tree_push(fs, &st, NULL, NULL,
					   vfs_get(fs, src))))
		st.v[0].dst = sub;
	else if (sub)
		vfs_put(fs, sub);
	while (!rc && st.n) {
		struct tree_frame *f = &st.v[st.n - 1];
		struct vfs_node *c;
		const char *nm;

		if (f->pos == f->ns.n) {
			rc = vfs_copy_attrs(fs, f->node, f->dst, cp->flags);
			tree_pop(fs, &st);
			continue;
		}
		nm = f->ns.v[f->pos++];
		c = sub = NULL;
		rc = fs->ops->lookup(fs, f->node, nm, strlen(nm), &c);
		if (!rc)
			rc = copy_one(cp, c, f->dst, nm, &sub);
		if (!rc && sub) {
			/* the frame takes c over (tree_push puts it on failure) */
			if (!(rc = tree_push(fs, &st, NULL, NULL, c)))
				st.v[st.n - 1].dst = sub;
			else
				vfs_put(fs, sub);
			continue;
		}
		if (c)
			vfs_put(fs, c);
	}
	tree_release(fs, &st);
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
/*
 * Starts moving src (a reference, taken over), oname in odir, to the new
 * directory nname in ndir: src's attributes first (cp stats first), the
 * new directory, src's names. Pushes the frame.
 */
static int move_push(struct vfs_fs *fs, struct tree_stack *st,
		     struct vfs_node *odir, const char *oname,
		     struct vfs_node *src, struct vfs_node *ndir,
		     const char *nname)
{
	struct vfs_create c = { .mode = S_IFDIR | 0700 };
	struct vfs_node *dst = NULL;
	struct vfs_attr a;
	int rc = fs->ops->getattr(fs, src, &a);

	if (!rc)
		rc = fs->ops->create(fs, ndir, nname, strlen(nname), &c, &dst);
	if (rc) {
		vfs_put(fs, src);
		return rc;
	}
	rc = tree_push(fs, st, odir, oname, src);
	if (rc) {
		vfs_put(fs, dst);
		return rc;
	}
	st->v[st->n - 1].dst = dst;
	st->v[st->n - 1].a = a;
	return 0;
}

/* The end of one directory's move: attributes, then the emptied src goes. */
static int move_finish(struct vfs_fs *fs, struct tree_frame *f)
{
	struct vfs_setattr sa = { .mask = VFS_SET_MTIME, .mtime = f->a.mtime };
	int rc = vfs_copy_attrs(fs, f->node, f->dst, VFS_COPY_ALL);

	if (!rc)
		rc = vfs_setattr(fs, f->dst, &sa);
	if (!rc)
		rc = fs->ops->rmdir(fs, f->parent, f->name, strlen(f->name));
	return rc;
}

/* The move, depth first with an explicit stack. */
static int move_entries(struct vfs_fs *fs, struct vfs_node *odir,
			const char *oname, struct vfs_node *src,
			struct vfs_node *ndir, const char *nname)
{
	struct tree_stack st = { 0 };
	int rc = move_push(fs, &st, odir, oname, vfs_get(fs, src), ndir,
			   nname);

	while (!rc && st.n) {
		struct tree_frame *f = &st.v[st.n - 1];
		struct vfs_node *child;
		const char *nm;
		size_t len;

		if (f->pos == f->ns.n) {
			rc = move_finish(fs, f);
			tree_pop(fs, &st);
			continue;
		}
		nm = f->ns.v[f->pos++];
		len = strlen(nm);
		rc = fs->ops->rename(fs, f->node, nm, len, f->dst, nm, len);
		if (rc != -EXDEV)
			continue;
		rc = fs->ops->lookup(fs, f->node, nm, len, &child);
		if (!rc)
			rc = move_push(fs, &st, f->node, nm, child, f->dst, nm);
	}
	tree_release(fs, &st);
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
