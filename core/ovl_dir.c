/*
 * ovl_dir: directory mutations: create, link, unlink, rmdir, rename.
 *
 * Each copies the parent up, changes the upper layer, and leaves a
 * whiteout where a lower layer still has the removed name, as
 * fs/overlayfs/dir.c does (ovl_create_object, ovl_do_remove, ovl_rename).
 * A directory made where the upper layer had a whiteout is opaque, so the
 * lower directory of that name stays hidden (ovl_create_over_whiteout).
 * Like the kernel with redirect_dir=off, renaming a directory that exists
 * in a lower layer fails with EXDEV; vfs_rename() then moves it by copy
 * and removal, as coreutils mv does.
 */
#include "core/ovl_impl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

static struct memfs *upper_of(struct ovl *ovl)
{
	return ovl->layers[ovl->nlayers];
}

/* Copies dir up; its upper dentry in *out. -ENOENT, -ENOTDIR, -EROFS. */
static int updir_of(struct ovl *ovl, struct ovl_dentry *dir,
		    struct memfs_dentry **out)
{
	int rc;

	if (!upper_of(ovl))
		return -EROFS;
	ovl_revalidate(ovl, dir);
	if (!dir->n)
		return -ENOENT;
	if (!S_ISDIR(ovl_top(dir)->mode))
		return -ENOTDIR;
	rc = ovl_copy_up(ovl, dir);
	if (rc)
		return rc;
	*out = dir->stack[0].d;
	return 0;
}

/*
 * Whether a layer below the upper one shows name in dir (ovl_lower_positive
 * in fs/overlayfs/namei.c): then removing it needs a whiteout.
 */
static bool lower_positive(struct ovl *ovl, struct ovl_dentry *dir,
			   const char *name, size_t len)
{
	for (uint32_t i = 0; i < dir->n; i++) {
		struct memfs_dentry *c;

		if (dir->stack[i].idx == ovl->nlayers)
			continue;
		c = memfs_lookup(dir->stack[i].d, name, len);
		if (c)
			return !(c->flags & MEMFS_D_WHITEOUT);
	}
	return false;
}

/* The child of dir called name, or -ENOENT. */
static int child_of(struct ovl *ovl, struct ovl_dentry *dir, const char *name,
		    size_t len, struct ovl_dentry **out)
{
	struct vfs_node *n;
	int rc = ovl_op_lookup(&ovl->vfs, ovl_node(dir), name, len, &n);

	if (!rc)
		*out = ovl_d(n);
	return rc;
}

/* A directory's content changed: stamp it, as the real fs would. */
static void dir_changed(struct ovl *ovl, struct memfs_dentry *updir)
{
	updir->ino->mtime = ovl->opts.now;
	ovl->gen++;
}

/*
 * Removes an upper whiteout at name; returns whether there was one. What
 * it hid shows until something takes its place: dentries are rebuilt,
 * even on failure, all of them (all) or the negative ones (a create,
 * which bumps ovl->neg_gen itself).
 */
static bool drop_whiteout(struct ovl *ovl, struct memfs_dentry *updir,
			  const char *name, size_t len, bool all)
{
	struct memfs_dentry *w = memfs_lookup(updir, name, len);

	if (!w || !(w->flags & MEMFS_D_WHITEOUT))
		return false;
	memfs_unlink(upper_of(ovl), w);
	if (all)
		ovl->gen++;
	return true;
}

/* The new inode for create: type, bits, owner, the setgid rule. */
static int new_inode(struct ovl *ovl, const struct memfs_inode *parent,
		     const struct vfs_create *c, struct memfs_inode **out)
{
	struct memfs_inode *ino;
	mode_t mode = c->mode;
	int rc;

	/* A setgid directory hands its group down, and its setgid bit to
	 * new directories (inode_init_owner in fs/inode.c). */
	if ((parent->mode & S_ISGID) && S_ISDIR(mode))
		mode |= S_ISGID;
	rc = memfs_inode_new(upper_of(ovl), mode, c->target, c->target_len,
			     &ino);
	if (rc)
		return rc;
	ino->uid = c->uid;
	ino->gid = (parent->mode & S_ISGID) ? parent->gid : c->gid;
	ino->rdev = c->rdev;
	ino->mtime = ovl->opts.now;
	*out = ino;
	return 0;
}

int ovl_op_create(struct vfs_fs *fs, struct vfs_node *dirn,
		  const char *name, size_t len, const struct vfs_create *c,
		     struct vfs_node **out)
{
	struct ovl *ovl = ovl_of(fs);
	struct ovl_dentry *dir = ovl_d(dirn), *old;
	struct memfs_dentry *updir;
	struct memfs_inode *ino;
	bool over_wh;
	int rc;

	/* Nobody makes a whiteout by hand (ovl_mknod refuses it). */
	if (S_ISCHR(c->mode) && c->rdev == makedev(0, 0))
		return -EPERM;
	if (!child_of(ovl, dir, name, len, &old)) {
		ovl_dentry_put(old);
		return -EEXIST;
	}
	rc = ovl_limit_new(ovl, dir, len, 0, 0);
	if (!rc)
		rc = updir_of(ovl, dir, &updir);
	if (rc)
		return rc;
	rc = new_inode(ovl, ovl_top(dir), c, &ino);
	if (rc)
		return rc;
	/* a new name where the merged view had none: only negative
	 * dentries can be stale now (ovl->neg_gen) */
	over_wh = drop_whiteout(ovl, updir, name, len, false);
	if (over_wh && S_ISDIR(c->mode))
		ino->flags |= MEMFS_I_OPAQUE;
	rc = memfs_link(upper_of(ovl), updir, name, len, ino, NULL);
	memfs_inode_put(ino);
	ovl->neg_gen++;
	if (rc)
		return rc;
	updir->ino->mtime = ovl->opts.now;
	if (!out)
		return 0;
	return ovl_op_lookup(fs, dirn, name, len, out);
}

int ovl_op_link(struct vfs_fs *fs, struct vfs_node *node,
		   struct vfs_node *dirn, const char *name, size_t len)
{
	struct ovl *ovl = ovl_of(fs);
	struct ovl_dentry *src = ovl_d(node), *dir = ovl_d(dirn), *old;
	struct memfs_dentry *updir;
	int rc;

	ovl_revalidate(ovl, src);
	if (!src->n)
		return -ENOENT;
	if (S_ISDIR(ovl_top(src)->mode))
		return -EPERM;
	if (!child_of(ovl, dir, name, len, &old)) {
		ovl_dentry_put(old);
		return -EEXIST;
	}
	rc = ovl_limit_new(ovl, dir, len, 0, 0);
	if (!rc)
		rc = ovl_copy_up(ovl, src);
	if (!rc)
		rc = updir_of(ovl, dir, &updir);
	if (rc)
		return rc;
	ovl_revalidate(ovl, src);
	drop_whiteout(ovl, updir, name, len, true);
	rc = memfs_link(upper_of(ovl), updir, name, len, ovl_top(src), NULL);
	if (rc)
		return rc;
	dir_changed(ovl, updir);
	return 0;
}

/*
 * Removes the name child of dir: its upper entry (a directory with the
 * whiteouts it held), then a whiteout if a lower layer still has it.
 */
static int remove_child(struct ovl *ovl, struct ovl_dentry *dir,
			struct ovl_dentry *child)
{
	struct memfs_dentry *updir;
	int rc = updir_of(ovl, dir, &updir);

	if (rc)
		return rc;
	ovl_revalidate(ovl, child);
	if (ovl_is_upper(ovl, child))
		memfs_unlink(upper_of(ovl), child->stack[0].d);
	if (lower_positive(ovl, dir, child->name, child->namelen))
		rc = memfs_link(upper_of(ovl), updir, child->name,
				child->namelen, NULL, NULL);
	dir_changed(ovl, updir);
	return rc;
}

static int any_entry(void *ctx, const char *name, size_t len)
{
	return 1;
}

/* 0 when the merged directory d lists nothing, else -ENOTEMPTY. */
static int merged_empty(struct ovl *ovl, struct ovl_dentry *d)
{
	int rc = ovl_op_readdir(&ovl->vfs, ovl_node(d), any_entry, NULL);

	return rc == 1 ? -ENOTEMPTY : rc;
}

/* unlink(2) and rmdir(2): the type checks, then remove_child. */
static int remove_entry(struct vfs_fs *fs, struct vfs_node *dirn,
			const char *name, size_t len, bool want_dir)
{
	struct ovl *ovl = ovl_of(fs);
	struct ovl_dentry *dir = ovl_d(dirn), *child;
	int rc = child_of(ovl, dir, name, len, &child);
	bool is_dir;

	if (rc)
		return rc;
	is_dir = S_ISDIR(ovl_top(child)->mode);
	if (is_dir != want_dir)
		rc = is_dir ? -EISDIR : -ENOTDIR;
	else if (is_dir)
		rc = merged_empty(ovl, child);
	if (!rc)
		rc = remove_child(ovl, dir, child);
	ovl_dentry_put(child);
	return rc;
}

int ovl_op_unlink(struct vfs_fs *fs, struct vfs_node *dirn, const char *name,
		  size_t len)
{
	return remove_entry(fs, dirn, name, len, false);
}

int ovl_op_rmdir(struct vfs_fs *fs, struct vfs_node *dirn, const char *name,
		 size_t len)
{
	return remove_entry(fs, dirn, name, len, true);
}

/*
 * rm -r of a directory in one step: rm empties it entry by entry, copying
 * every lower parent up for the whiteouts, and then rmdir drops the upper
 * directory with all it holds and leaves one whiteout (remove_child). That
 * end state is made at once, in time that does not grow with the tree's
 * depth times its size.
 */
int ovl_op_rmtree(struct vfs_fs *fs, struct vfs_node *dirn, const char *name,
		  size_t len)
{
	struct ovl *ovl = ovl_of(fs);
	struct ovl_dentry *dir = ovl_d(dirn), *child;
	int rc = child_of(ovl, dir, name, len, &child);

	if (rc)
		return rc;
	if (!S_ISDIR(ovl_top(child)->mode))
		rc = -ENOTDIR;
	if (!rc)
		rc = remove_child(ovl, dir, child);
	ovl_dentry_put(child);
	return rc;
}

static bool same_path(const struct ovl_dentry *a, const struct ovl_dentry *b)
{
	for (; a && b; a = a->parent, b = b->parent)
		if (a == b)
			return true;
		else if (a->namelen != b->namelen ||
			 memcmp(a->name, b->name, a->namelen))
			return false;
	return !a && !b;
}

/* The checks rename(2) makes before anything changes. */
static int rename_check(struct ovl *ovl, struct ovl_dentry *src,
			struct ovl_dentry *ndir, struct ovl_dentry *tgt)
{
	bool sdir = S_ISDIR(ovl_top(src)->mode);

	if (sdir)
		for (const struct ovl_dentry *p = ndir; p; p = p->parent)
			if (same_path(p, src))
				return -EINVAL;
	if (tgt) {
		bool tdir = S_ISDIR(ovl_top(tgt)->mode);

		if (sdir && !tdir)
			return -ENOTDIR;
		if (!sdir && tdir)
			return -EISDIR;
		if (tdir && merged_empty(ovl, tgt))
			return -ENOTEMPTY;
	}
	/* redirect_dir=off: a directory with lower parts cannot move. */
	if (sdir && !(src->n == 1 && ovl_is_upper(ovl, src)))
		return -EXDEV;
	return 0;
}

/* Moves the upper entry of src to ndir/nname, over tgt if any. */
static int rename_upper(struct ovl *ovl, struct ovl_dentry *odir,
			struct ovl_dentry *src, struct ovl_dentry *ndir,
			struct ovl_dentry *tgt, const char *nname, size_t nlen)
{
	struct memfs_dentry *oup, *nup;
	struct memfs_inode *ino;
	bool over_wh, opaque;
	int rc;

	rc = ovl_copy_up(ovl, src);
	if (!rc)
		rc = updir_of(ovl, odir, &oup);
	if (!rc)
		rc = updir_of(ovl, ndir, &nup);
	if (rc)
		return rc;
	/* what moves must fit where it goes (a directory: all below it) */
	ovl_revalidate(ovl, src);
	rc = ovl_limit_tree(ovl, ndir, nlen, src->stack[0].d);
	if (rc)
		return rc;
	if (tgt) {
		ovl_revalidate(ovl, tgt);
		if (ovl_is_upper(ovl, tgt)) {
			memfs_unlink(upper_of(ovl), tgt->stack[0].d);
			ovl->gen++;	/* as in drop_whiteout */
		}
	}
	ovl_revalidate(ovl, src);
	ino = ovl_top(src);
	over_wh = drop_whiteout(ovl, nup, nname, nlen, true);
	opaque = S_ISDIR(ino->mode) &&
		 (over_wh || lower_positive(ovl, ndir, nname, nlen));
	rc = memfs_move(upper_of(ovl), src->stack[0].d, nup, nname, nlen);
	if (rc)
		return rc;
	if (opaque)
		ino->flags |= MEMFS_I_OPAQUE;
	ovl->gen++;
	ovl_revalidate(ovl, odir);
	if (lower_positive(ovl, odir, src->name, src->namelen))
		rc = memfs_link(upper_of(ovl), oup, src->name, src->namelen,
				NULL, NULL);
	dir_changed(ovl, oup);
	dir_changed(ovl, nup);
	return rc;
}

int ovl_op_rename(struct vfs_fs *fs, struct vfs_node *odirn,
		     const char *oname, size_t olen, struct vfs_node *ndirn,
		     const char *nname, size_t nlen)
{
	struct ovl *ovl = ovl_of(fs);
	struct ovl_dentry *odir = ovl_d(odirn), *ndir = ovl_d(ndirn);
	struct ovl_dentry *src, *tgt = NULL;
	int rc = child_of(ovl, odir, oname, olen, &src);

	if (rc)
		return rc;
	rc = child_of(ovl, ndir, nname, nlen, &tgt);
	if (rc == -ENOENT)
		rc = 0;
	if (!rc && tgt && ovl_top(tgt) == ovl_top(src))
		goto out;	/* one file under both names: nothing to do */
	if (!rc && !upper_of(ovl))
		rc = -EROFS;
	if (!rc)
		rc = rename_check(ovl, src, ndir, tgt);
	if (!rc)
		rc = rename_upper(ovl, odir, src, ndir, tgt, nname, nlen);
out:
	ovl_dentry_put(tgt);
	ovl_dentry_put(src);
	return rc;
}
