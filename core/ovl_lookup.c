/*
 * ovl_lookup: finding a name across the layers.
 *
 * One loop over the layers, top down, with the rules of Linux overlayfs
 * (fs/overlayfs/namei.c, ovl_lookup and ovl_lookup_single; overlayfs.rst
 * "whiteouts and opaque directories"): a whiteout hides the name in every
 * layer below it; a non-directory is the whole answer and stops the
 * search; a directory merges with directories below it, unless it is
 * opaque, and a lower non-directory under a directory is ignored and ends
 * the merge.
 */
#include "core/ovl_impl.h"

#include <errno.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct ovl_dentry *ovl_dentry_alloc(struct ovl *ovl, struct ovl_dentry *parent,
				    const char *name, size_t len)
{
	size_t cap = ovl_stack_cap(ovl);
	size_t off = (sizeof(struct ovl_dentry) + alignof(struct ovl_layer_ref) -
		      1) & ~(alignof(struct ovl_layer_ref) - 1);
	struct ovl_dentry *d;

	d = malloc(off + cap * sizeof(struct ovl_layer_ref) + len + 1);
	if (!d)
		return NULL;
	d->refs = 1;
	d->parent = parent;
	/* "a/b": a slash between components, none before the first */
	d->depth = parent ? parent->depth + 1 : 0;
	d->pathlen = parent ? parent->pathlen + (parent->parent != NULL) + len
			    : 0;
	if (parent)
		parent->refs++;
	d->gen = ovl->gen;
	d->neg_gen = ovl->neg_gen;
	d->n = 0;
	d->stack = (struct ovl_layer_ref *)((char *)d + off);
	d->name = (char *)(d->stack + cap);
	d->namelen = (uint16_t)len;
	memcpy(d->name, name, len);
	d->name[len] = '\0';
	return d;
}

void ovl_dentry_put(struct ovl_dentry *d)
{
	/* Iterative, so a deep chain of last references cannot overflow. */
	while (d && --d->refs == 0) {
		struct ovl_dentry *p = d->parent;

		free(d);
		d = p;
	}
}

void ovl_lookup_stack(struct ovl *ovl, const struct ovl_dentry *parent,
		      struct ovl_dentry *child)
{
	child->n = 0;
	for (uint32_t i = 0; i < parent->n; i++) {
		struct memfs_dentry *c;
		bool dir;

		c = memfs_lookup(parent->stack[i].d, child->name,
				 child->namelen);
		if (!c)
			continue;
		if (c->flags & MEMFS_D_WHITEOUT)
			break;
		dir = S_ISDIR(c->ino->mode);
		if (child->n && !dir)
			break;
		child->stack[child->n].d = c;
		child->stack[child->n].idx = parent->stack[i].idx;
		child->n++;
		if (!dir || (c->ino->flags & MEMFS_I_OPAQUE))
			break;
	}
	child->gen = ovl->gen;
	child->neg_gen = ovl->neg_gen;
}

/*
 * The root merges every layer's root. Like the kernel, which builds the
 * root's stack at mount time, an opaque mark on a layer's root is ignored.
 */
static void root_stack(struct ovl *ovl, struct ovl_dentry *root)
{
	size_t top = ovl->layers[ovl->nlayers] ? ovl->nlayers : ovl->nlayers - 1;

	root->n = 0;
	for (size_t i = top + 1; i-- > 0;) {
		root->stack[root->n].d = memfs_root(ovl->layers[i]);
		root->stack[root->n].idx = (uint32_t)i;
		root->n++;
	}
	root->gen = ovl->gen;
	root->neg_gen = ovl->neg_gen;
}

/* Rebuilds d alone from its parent, which is valid. */
static void revalidate_one(struct ovl *ovl, struct ovl_dentry *d)
{
	if (!d->parent) {
		root_stack(ovl, d);
	} else if (d->parent->n && S_ISDIR(ovl_top(d->parent)->mode)) {
		ovl_lookup_stack(ovl, d->parent, d);
	} else {
		d->n = 0;
		d->gen = ovl->gen;
		d->neg_gen = ovl->neg_gen;
	}
}

/*
 * The stale ancestors are rebuilt top down. The way up reverses their
 * parent pointers and the way down puts them back (Schorr-Waite pointer
 * reversal), so neither a stack nor an allocation grows with the depth.
 */
void ovl_revalidate(struct ovl *ovl, struct ovl_dentry *d)
{
	struct ovl_dentry *down = NULL, *x = d;

	while (ovl_stale(ovl, x) && x->parent) {
		struct ovl_dentry *up = x->parent;

		x->parent = down;
		down = x;
		x = up;
	}
	if (ovl_stale(ovl, x))
		revalidate_one(ovl, x);		/* the root */
	while (down) {
		struct ovl_dentry *next = down->parent;

		down->parent = x;
		revalidate_one(ovl, down);
		x = down;
		down = next;
	}
}

int ovl_op_lookup(struct vfs_fs *fs, struct vfs_node *dir, const char *name,
		  size_t len, struct vfs_node **out)
{
	struct ovl *ovl = ovl_of(fs);
	struct ovl_dentry *p = ovl_d(dir), *c;

	if (len > 255)
		return -ENAMETOOLONG;
	ovl_revalidate(ovl, p);
	if (!p->n)
		return -ENOENT;
	if (!S_ISDIR(ovl_top(p)->mode))
		return -ENOTDIR;
	c = ovl_dentry_alloc(ovl, p, name, len);
	if (!c)
		return -ENOMEM;
	ovl_lookup_stack(ovl, p, c);
	if (!c->n) {
		ovl_dentry_put(c);
		return -ENOENT;
	}
	*out = ovl_node(c);
	return 0;
}
