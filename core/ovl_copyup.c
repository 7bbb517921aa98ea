/*
 * ovl_copyup: bringing an entry into the upper layer before it changes.
 *
 * As Linux's fs/overlayfs/copy_up.c (ovl_copy_up_flags): return at once
 * when the entry is already upper; otherwise copy up the parent first, then
 * make the upper entry from the topmost lower one: its data (shared, never
 * copied: memfs data is immutable), then its metadata and xattrs. The
 * parent's time stamps are left as they were, as ovl_copy_up_one restores
 * them. Without index=on, a hard-linked lower file copies up to a new inode
 * of its own and so breaks away from its other names.
 */
#include "core/ovl_impl.h"

#include <errno.h>
#include <sys/stat.h>

bool ovl_is_upper(const struct ovl *ovl, const struct ovl_dentry *d)
{
	return d->n && d->stack[0].idx == ovl->nlayers;
}

/* A new upper inode that is a copy of lower (not linked anywhere). */
static int copy_inode(struct ovl *ovl, const struct memfs_inode *lower,
		      struct memfs_inode **out)
{
	struct memfs *upper = ovl->layers[ovl->nlayers];
	struct memfs_inode *ino;
	int rc;

	rc = memfs_inode_new(upper, lower->mode,
			     S_ISLNK(lower->mode) ? lower->u.target : NULL,
			     lower->target_len, &ino);
	if (rc)
		return rc;
	if (S_ISREG(lower->mode))
		memfs_inode_set_data(ino, lower->u.data);
	ino->uid = lower->uid;
	ino->gid = lower->gid;
	ino->rdev = lower->rdev;
	ino->mtime = lower->mtime;
	rc = memfs_xattr_copy(ino, lower);
	if (rc) {
		memfs_inode_put(ino);
		return rc;
	}
	*out = ino;
	return 0;
}

/* Copies up d, whose parent is upper and valid. */
static int copy_up_one(struct ovl *ovl, struct ovl_dentry *d)
{
	struct memfs_dentry *updir;
	struct memfs_inode *ino;
	int rc;

	ovl_revalidate(ovl, d->parent);
	updir = d->parent->stack[0].d;
	/* a copied-up entry is one of the new layer's */
	rc = ovl_limit_new(ovl, d->parent, d->namelen, 0, 0);
	if (!rc)
		rc = copy_inode(ovl, ovl_top(d), &ino);
	if (rc)
		return rc;
	rc = memfs_link(ovl->layers[ovl->nlayers], updir, d->name, d->namelen,
			ino, NULL);
	memfs_inode_put(ino);
	if (rc)
		return rc;
	ovl->gen++;
	ovl_revalidate(ovl, d);
	return 0;
}

/*
 * The missing ancestors are copied up top down, found by reversing their
 * parent pointers on the way up (as ovl_revalidate), so the depth of the
 * tree grows no stack.
 */
int ovl_copy_up(struct ovl *ovl, struct ovl_dentry *d)
{
	struct ovl_dentry *down = NULL, *x = d;
	int rc = 0;

	if (!ovl->layers[ovl->nlayers])
		return -EROFS;
	ovl_revalidate(ovl, d);
	if (!d->n)
		return -ENOENT;
	/* The root is always upper: the way up ends there at the latest. */
	while (!ovl_is_upper(ovl, x)) {
		struct ovl_dentry *up = x->parent;

		x->parent = down;
		down = x;
		x = up;
	}
	while (down) {
		struct ovl_dentry *next = down->parent;

		down->parent = x;
		if (!rc)
			rc = copy_up_one(ovl, down);
		x = down;
		down = next;
	}
	return rc;
}
