/*
 * ovl_dirlinks: --keep-dirlinks, for images built across a usrmerge.
 *
 * Under overlay2, a layer's directory "lib" over a lower symlink
 * "lib -> usr/lib" replaces the symlink: the lower files under usr/lib stay,
 * but "lib" is now a separate directory. Extracting the layers with GNU
 * tar's --keep-directory-symlink (or umoci) instead writes the layer's files
 * through the symlink into usr/lib. This pass gives that result by
 * rewriting each layer, bottom up, before the stack is used: every
 * directory whose path the layers below show as a symlink to a directory
 * has its children moved to the symlink's resolved target in the same
 * layer, and is then removed, so the lower symlink shows through.
 */
#include "core/ovl_impl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/*
 * Finds or makes the directory at path in layer fs, making missing parents
 * with the metadata the lower view shows for them. Returns 0 and *out, or
 * -ENOTDIR when the layer has a non-directory on the way.
 */
static int layer_mkdirs(struct memfs *fs, const char *path,
			const struct memfs_inode *meta, struct memfs_dentry **out)
{
	struct memfs_dentry *d = memfs_root(fs), *c;
	const char *p = path;

	while (*p) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		struct memfs_inode *ino;
		int rc;

		c = memfs_lookup(d, p, len);
		if (c && (c->flags & MEMFS_D_WHITEOUT)) {
			memfs_unlink(fs, c);
			c = NULL;
		}
		if (!c) {
			rc = memfs_inode_new(fs, S_IFDIR | 0755, NULL, 0, &ino);
			if (rc)
				return rc;
			if (!slash && meta) {
				ino->mode = meta->mode;
				ino->uid = meta->uid;
				ino->gid = meta->gid;
				ino->mtime = meta->mtime;
			}
			rc = memfs_link(fs, d, p, len, ino, &c);
			memfs_inode_put(ino);
			if (rc)
				return rc;
		}
		if (!S_ISDIR(c->ino->mode))
			return -ENOTDIR;
		d = c;
		p += len + (slash ? 1 : 0);
	}
	*out = d;
	return 0;
}

/* Moves every child of from into to, a later name replacing an earlier. */
static int move_children(struct memfs *fs, struct memfs_dentry *from,
			 struct memfs_dentry *to)
{
	struct memfs_dentry **list, **copy;
	size_t n;
	int rc = memfs_readdir(from, &list, &n);

	if (rc || !n)
		return rc;
	/* Moving changes from's listing: work from a copy of it. */
	copy = malloc(n * sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	memcpy(copy, list, n * sizeof(*copy));
	for (size_t i = 0; i < n && !rc; i++) {
		struct memfs_dentry *old;

		old = memfs_lookup(to, copy[i]->name, copy[i]->namelen);
		if (old)
			memfs_unlink(fs, old);
		rc = memfs_move(fs, copy[i], to, copy[i]->name,
				copy[i]->namelen);
	}
	free(copy);
	return rc;
}

/*
 * Where the lower view shows path as a symlink to a directory, sets *target
 * to that directory's path (caller frees) and *meta to its inode.
 * Returns 1 when it does, 0 when not, or a negative errno.
 */
static int lower_dirlink(struct ovl *lower, const char *path, char **target,
			 const struct memfs_inode **meta)
{
	struct vfs_fs *fs = ovl_vfs(lower);
	struct vfs_node *n;
	struct vfs_attr a;
	int rc = vfs_resolve(fs, path, false, &n);

	if (rc)
		return rc == -ENOMEM ? rc : 0;
	rc = vfs_getattr(fs, n, &a);
	vfs_put(fs, n);
	if (rc || !S_ISLNK(a.mode))
		return rc;
	rc = vfs_resolve(fs, path, true, &n);
	if (rc)
		return rc == -ENOMEM ? rc : 0;
	rc = 0;
	if (S_ISDIR(ovl_top(ovl_d(n))->mode) && ovl_d(n)->parent) {
		*meta = ovl_top(ovl_d(n));
		/* Every layer holds a name at the same path as the overlay. */
		*target = memfs_path(ovl_d(n)->stack[0].d);
		rc = *target ? 1 : -ENOMEM;
	}
	vfs_put(fs, n);
	return rc;
}

/* A directory being rewritten: a copy of its listing, the next entry. */
struct dl_frame {
	struct memfs_dentry **v;
	size_t n, i;
};

/* Pushes a frame with a copy of d's listing (it changes under the walk). */
static int dl_push(struct dl_frame **st, size_t *n, size_t *cap,
		   struct memfs_dentry *d)
{
	struct memfs_dentry **list;
	struct dl_frame *f;
	size_t k;
	int rc = memfs_readdir(d, &list, &k);

	if (rc || !k)
		return rc;
	if (*n == *cap) {
		size_t c = *cap ? 2 * *cap : 16;

		if (!(f = realloc(*st, c * sizeof(*f))))
			return -ENOMEM;
		*st = f;
		*cap = c;
	}
	f = &(*st)[*n];
	if (!(f->v = malloc(k * sizeof(*f->v))))
		return -ENOMEM;
	memcpy(f->v, list, k * sizeof(*f->v));
	f->n = k;
	f->i = 0;
	(*n)++;
	return 0;
}

/* One directory c of layer fs: merged into a lower dirlink's target (1). */
static int rewrite_one(struct memfs *fs, struct ovl *lower,
		       struct memfs_dentry *c, struct err *e)
{
	const struct memfs_inode *meta;
	char *path = memfs_path(c), *target = NULL;
	struct memfs_dentry *t;
	int rc = path ? lower_dirlink(lower, path, &target, &meta) : -ENOMEM;

	if (rc == 1) {
		rc = layer_mkdirs(fs, target, meta, &t);
		if (!rc && (c->ino->flags & MEMFS_I_OPAQUE))
			t->ino->flags |= MEMFS_I_OPAQUE;
		if (!rc)
			rc = move_children(fs, c, t);
		if (!rc)
			memfs_unlink(fs, c);
		if (rc)
			err_set(e, rc, "keep-dirlinks: cannot merge '%s' "
				"into '%s'", path, target);
		else
			rc = 1;
	}
	free(target);
	free(path);
	return rc;
}

/*
 * Rewrites the directories below d in layer fs against the lower view,
 * depth first with an explicit stack.
 */
static int rewrite_dir(struct memfs *fs, struct ovl *lower,
		       struct memfs_dentry *d, struct err *e)
{
	struct dl_frame *st = NULL;
	size_t n = 0, cap = 0;
	int rc = dl_push(&st, &n, &cap, d);

	while (!rc && n) {
		struct dl_frame *f = &st[n - 1];
		struct memfs_dentry *c;

		if (f->i == f->n) {
			free(f->v);
			n--;
			continue;
		}
		c = f->v[f->i++];
		if (!c->ino || !S_ISDIR(c->ino->mode))
			continue;
		rc = rewrite_one(fs, lower, c, e);
		if (!rc)
			rc = dl_push(&st, &n, &cap, c);
		else if (rc == 1)
			rc = 0;
	}
	while (n)
		free(st[--n].v);
	free(st);
	return rc;
}

int ovl_keep_dirlinks(struct ovl *ovl, struct err *e)
{
	struct ovl_opts ro = { 0 };
	int rc = 0;

	for (size_t l = 1; l < ovl->nlayers && !rc; l++) {
		struct ovl *lower;

		/* A read-only view of the layers below l, borrowing them. */
		rc = ovl_new(ovl->layers, l, &ro, &lower, e);
		if (rc)
			break;
		rc = rewrite_dir(ovl->layers[l], lower,
				 memfs_root(ovl->layers[l]), e);
		ovl_forget(lower);
	}
	ovl->gen++;
	return rc;
}
