/*
 * ovl: building and freeing the overlay, and the read-only vfs ops that
 * answer from the topmost layer of a dentry's stack (getattr, readlink,
 * data, xattrs), as overlayfs does for a file that is not copied up.
 */
#include "core/ovl_impl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int op_root(struct vfs_fs *fs, struct vfs_node **out)
{
	struct ovl *ovl = ovl_of(fs);

	ovl->root->refs++;
	*out = ovl_node(ovl->root);
	return 0;
}

static int op_parent(struct vfs_fs *fs, struct vfs_node *node,
		     struct vfs_node **out)
{
	struct ovl_dentry *d = ovl_d(node);
	struct ovl_dentry *p = d->parent ? d->parent : d;

	p->refs++;
	*out = ovl_node(p);
	return 0;
}

static struct vfs_node *op_get(struct vfs_fs *fs, struct vfs_node *node)
{
	ovl_d(node)->refs++;
	return node;
}

static void op_put(struct vfs_fs *fs, struct vfs_node *node)
{
	ovl_dentry_put(ovl_d(node));
}

/* The valid, positive d, or -ENOENT when the name has gone. */
static int live(struct vfs_fs *fs, struct vfs_node *node,
		struct ovl_dentry **out)
{
	struct ovl_dentry *d = ovl_d(node);

	ovl_revalidate(ovl_of(fs), d);
	if (!d->n)
		return -ENOENT;
	*out = d;
	return 0;
}

static int op_getattr(struct vfs_fs *fs, struct vfs_node *node,
		      struct vfs_attr *a)
{
	struct ovl_dentry *d;
	const struct memfs_inode *ino;
	int rc = live(fs, node, &d);

	if (rc)
		return rc;
	ino = ovl_top(d);
	a->mode = ino->mode;
	a->uid = ino->uid;
	a->gid = ino->gid;
	a->nlink = ino->nlink;
	a->rdev = ino->rdev;
	a->mtime = ino->mtime;
	a->size = S_ISREG(ino->mode) ? ino->u.data->size :
		  S_ISLNK(ino->mode) ? ino->target_len : 0;
	/* Two names share an inode only within one layer. */
	a->ino = ((uint64_t)d->stack[0].idx << 44) | ino->ino;
	a->layer = (int)d->stack[0].idx;
	return 0;
}

static int op_readlink(struct vfs_fs *fs, struct vfs_node *node,
		       const char **target, size_t *len)
{
	struct ovl_dentry *d;
	int rc = live(fs, node, &d);

	if (rc)
		return rc;
	if (!S_ISLNK(ovl_top(d)->mode))
		return -EINVAL;
	*target = ovl_top(d)->u.target;
	*len = ovl_top(d)->target_len;
	return 0;
}

static int op_data(struct vfs_fs *fs, struct vfs_node *node,
		   struct memfs_data **out)
{
	struct ovl_dentry *d;
	int rc = live(fs, node, &d);

	if (rc)
		return rc;
	if (S_ISDIR(ovl_top(d)->mode))
		return -EISDIR;
	if (!S_ISREG(ovl_top(d)->mode))
		return -EINVAL;
	*out = memfs_data_get(ovl_top(d)->u.data);
	return 0;
}

static int op_listxattr(struct vfs_fs *fs, struct vfs_node *node,
			const struct memfs_xattr **list, uint32_t *n)
{
	struct ovl_dentry *d;
	int rc = live(fs, node, &d);

	if (rc)
		return rc;
	*list = ovl_top(d)->xattrs;
	*n = ovl_top(d)->nxattrs;
	return 0;
}

static const struct vfs_ops ovl_ops = {
	.root = op_root,
	.lookup = ovl_op_lookup,
	.parent = op_parent,
	.get = op_get,
	.put = op_put,
	.getattr = op_getattr,
	.readlink = op_readlink,
	.data = op_data,
	.readdir = ovl_op_readdir,
	.listxattr = op_listxattr,
	.create = ovl_op_create,
	.link = ovl_op_link,
	.unlink = ovl_op_unlink,
	.rmdir = ovl_op_rmdir,
	.rmtree = ovl_op_rmtree,
	.rename = ovl_op_rename,
	.setattr = ovl_op_setattr,
	.setdata = ovl_op_setdata,
	.setxattr = ovl_op_setxattr,
	.removexattr = ovl_op_removexattr,
};

int ovl_new(struct memfs **layers, size_t n, const struct ovl_opts *opts,
	    struct ovl **out, struct err *e)
{
	struct ovl *ovl;
	int rc = -ENOMEM;

	if (!n)
		return err_set(e, -EINVAL, "no layers");
	ovl = calloc(1, sizeof(*ovl));
	if (!ovl)
		return -ENOMEM;
	ovl->vfs.ops = &ovl_ops;
	ovl->opts = *opts;
	ovl->nlayers = n;
	ovl->layers = calloc(n + 1, sizeof(*ovl->layers));
	if (!ovl->layers)
		goto fail;
	memcpy(ovl->layers, layers, n * sizeof(*layers));
	if (opts->writable && (rc = memfs_new(&ovl->layers[n])))
		goto fail;
	ovl->root = ovl_dentry_alloc(ovl, NULL, "", 0);
	if (!ovl->root)
		goto fail;
	ovl->gen = 1;	/* the root, allocated at gen 0, builds its stack */
	ovl_revalidate(ovl, ovl->root);
	if (opts->keep_dirlinks && (rc = ovl_keep_dirlinks(ovl, e)))
		goto fail;
	*out = ovl;
	return 0;
fail:
	if (ovl->layers) {
		/* The caller's layers stay the caller's on failure. */
		memfs_free(ovl->layers[n]);
		free(ovl->layers);
	}
	ovl_dentry_put(ovl->root);
	free(ovl);
	return err_set(e, rc, NULL);
}

void ovl_forget(struct ovl *ovl)
{
	ovl_dentry_put(ovl->root);
	memfs_free(ovl->layers[ovl->nlayers]);
	free(ovl->layers);
	free(ovl);
}

void ovl_free(struct ovl *ovl)
{
	if (!ovl)
		return;
	for (size_t i = 0; i < ovl->nlayers; i++)
		memfs_free(ovl->layers[i]);
	ovl_forget(ovl);
}

struct vfs_fs *ovl_vfs(struct ovl *ovl)
{
	return &ovl->vfs;
}

size_t ovl_nlayers(const struct ovl *ovl)
{
	return ovl->nlayers;
}

struct memfs *ovl_layer(struct ovl *ovl, size_t i)
{
	return i <= ovl->nlayers ? ovl->layers[i] : NULL;
}
