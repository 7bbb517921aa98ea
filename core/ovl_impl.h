/*
 * ovl_impl: the overlay's private types, shared by core/ovl*.c only.
 *
 * An overlay dentry is a cache of what the layers say about one path: its
 * stack of layer dentries, topmost first, as lookup found them. All state
 * lives in the layers (the upper memfs included), so a dentry can always be
 * rebuilt from its parent by name. Every mutation bumps ovl->gen; a dentry
 * whose gen is older is rebuilt before use (ovl_revalidate), which is what
 * keeps handles valid across copy-up, unlink and rename.
 */
#ifndef OVERTAR_OVL_IMPL_H
#define OVERTAR_OVL_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/ovl.h"
#include "layers/memfs.h"

struct ovl_layer_ref {
	struct memfs_dentry *d;	/* never a whiteout */
	uint32_t idx;		/* layer index, 0 = bottom, nlayers = upper */
};

struct ovl_dentry {
	unsigned refs;
	struct ovl_dentry *parent;	/* holds a reference; NULL: root */
	uint64_t gen;			/* ovl->gen the stack was built at */
	uint64_t neg_gen;		/* and ovl->neg_gen */
	uint32_t n;			/* layers in stack; 0: negative */
	struct ovl_layer_ref *stack;	/* topmost first; trailing storage */
	uint16_t namelen;
	char *name;			/* trailing storage, NUL-terminated */
	size_t depth, pathlen;		/* of its path: components, bytes */
};

struct ovl {
	struct vfs_fs vfs;		/* first: ovl_vfs() casts back */
	struct memfs **layers;		/* nlayers + 1; [nlayers] the upper */
	size_t nlayers;
	struct ovl_opts opts;
	uint64_t gen;
	/*
	 * Bumped where a name is made where none was (create): that can
	 * only turn negative dentries stale, never a positive one, whose
	 * layer dentries all stay; so a deep chain of mkdir revalidates
	 * nothing above it.
	 */
	uint64_t neg_gen;
	struct ovl_dentry *root;
	uint64_t added;			/* bytes counted against max_added */
	char limit[128];		/* vfs.limit points here */
};

static inline struct ovl *ovl_of(struct vfs_fs *fs)
{
	return (struct ovl *)fs;
}

static inline struct ovl_dentry *ovl_d(struct vfs_node *n)
{
	return (struct ovl_dentry *)n;
}

static inline struct vfs_node *ovl_node(struct ovl_dentry *d)
{
	return (struct vfs_node *)d;
}

/* The inode of d's topmost layer; d must be positive. */
static inline struct memfs_inode *ovl_top(const struct ovl_dentry *d)
{
	return d->stack[0].d->ino;
}

/* Layers a stack can hold: every read-only layer and the upper. */
static inline size_t ovl_stack_cap(const struct ovl *ovl)
{
	return ovl->nlayers + 1;
}

/*
 * Allocates a dentry named name under parent (taking a reference on it),
 * with an empty stack and refs 1. NULL when out of memory.
 */
struct ovl_dentry *ovl_dentry_alloc(struct ovl *ovl, struct ovl_dentry *parent,
				    const char *name, size_t len);
void ovl_dentry_put(struct ovl_dentry *d);

/*
 * Fills child's stack from parent's by looking child's name up in each
 * layer, top down, by overlayfs's rules (ovl_lookup_layer in
 * fs/overlayfs/namei.c). The parent must be valid and a directory.
 */
void ovl_lookup_stack(struct ovl *ovl, const struct ovl_dentry *parent,
		      struct ovl_dentry *child);

/* Whether a mutation since d was built may have changed its stack. */
static inline bool ovl_stale(const struct ovl *ovl, const struct ovl_dentry *d)
{
	return d->gen != ovl->gen || (!d->n && d->neg_gen != ovl->neg_gen);
}

/* Rebuilds d (and its ancestors) when a mutation made it stale. */
void ovl_revalidate(struct ovl *ovl, struct ovl_dentry *d);

/* The vfs ops of the read side (ovl_lookup.c, ovl_readdir.c). */
int ovl_op_lookup(struct vfs_fs *fs, struct vfs_node *dir, const char *name,
		  size_t len, struct vfs_node **out);
int ovl_op_readdir(struct vfs_fs *fs, struct vfs_node *node, vfs_dirent_fn fn,
		   void *ctx);

/* The vfs ops of the write side (ovl_dir.c, ovl_attr.c). */
int ovl_op_create(struct vfs_fs *fs, struct vfs_node *dir, const char *name,
		  size_t len, const struct vfs_create *c, struct vfs_node **out);
int ovl_op_link(struct vfs_fs *fs, struct vfs_node *node, struct vfs_node *dir,
		const char *name, size_t len);
int ovl_op_unlink(struct vfs_fs *fs, struct vfs_node *dir, const char *name,
		  size_t len);
int ovl_op_rmdir(struct vfs_fs *fs, struct vfs_node *dir, const char *name,
		 size_t len);
int ovl_op_rmtree(struct vfs_fs *fs, struct vfs_node *dir, const char *name,
		  size_t len);
int ovl_op_rename(struct vfs_fs *fs, struct vfs_node *odir, const char *oname,
		  size_t olen, struct vfs_node *ndir, const char *nname,
		  size_t nlen);
int ovl_op_setattr(struct vfs_fs *fs, struct vfs_node *node,
		   const struct vfs_setattr *sa);
int ovl_op_setdata(struct vfs_fs *fs, struct vfs_node *node,
		   struct memfs_data *d);
int ovl_op_setxattr(struct vfs_fs *fs, struct vfs_node *node, const char *name,
		    const void *value, size_t len);
int ovl_op_removexattr(struct vfs_fs *fs, struct vfs_node *node,
		       const char *name);

/* Whether d's topmost entry is in the upper layer. */
bool ovl_is_upper(const struct ovl *ovl, const struct ovl_dentry *d);

/*
 * Copies d and its missing ancestors up into the upper layer; idempotent.
 * Returns 0, -EROFS without an upper layer, -ENOENT, -ENOMEM.
 */
int ovl_copy_up(struct ovl *ovl, struct ovl_dentry *d);

/*
 * The limits of ovl_opts (ovl_limits.c). Each returns 0 or -EDQUOT with
 * the limit named on ovl->vfs.limit.
 *
 * ovl_limit_new: a new name of nlen bytes in dir, and below it a tree
 * sub_depth components and sub_bytes bytes deep (0 for a leaf).
 * ovl_limit_tree: the same for an upper directory d moving there: its
 * height is measured (iteratively).
 * ovl_limit_bytes: bytes more of content.
 */
int ovl_limit_new(struct ovl *ovl, const struct ovl_dentry *dir, size_t nlen,
		  size_t sub_depth, size_t sub_bytes);
int ovl_limit_tree(struct ovl *ovl, const struct ovl_dentry *dir, size_t nlen,
		   struct memfs_dentry *d);
int ovl_limit_bytes(struct ovl *ovl, uint64_t bytes);

/* Frees ovl but not its read-only layers (a view that borrowed them). */
void ovl_forget(struct ovl *ovl);

/* keep_dirlinks: rewrites layers above usrmerge-style symlinks. */
int ovl_keep_dirlinks(struct ovl *ovl, struct err *e);

#endif
