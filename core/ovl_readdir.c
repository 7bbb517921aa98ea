/*
 * ovl_readdir: the merged listing of a directory.
 *
 * The names of a merged directory are the union of the names in each
 * layer of its stack, the topmost layer deciding: a name whose topmost
 * entry is a whiteout is not listed (overlayfs.rst, "readdir"). Each
 * layer's listing is already sorted, so the union is a k-way merge, and the
 * result comes out in byte order without a sort.
 */
#include "core/ovl_impl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct cursor {
	struct memfs_dentry **list;
	size_t n, pos;
};

/* One layer: no merge needed, only whiteouts to skip. */
static int list_one(struct memfs_dentry *dir, vfs_dirent_fn fn, void *ctx)
{
	struct memfs_dentry **list;
	size_t n;
	int rc = memfs_readdir(dir, &list, &n);

	for (size_t i = 0; !rc && i < n; i++)
		if (!(list[i]->flags & MEMFS_D_WHITEOUT))
			rc = fn(ctx, list[i]->name, list[i]->namelen);
	return rc;
}

/*
 * Emits the smallest name among the cursors, from the topmost cursor that
 * has it, and advances every cursor past it. Returns 1 when all are done.
 */
static int merge_step(struct cursor *c, uint32_t k, vfs_dirent_fn fn,
		      void *ctx, int *rc)
{
	struct memfs_dentry *min = NULL;

	for (uint32_t i = 0; i < k; i++) {
		struct memfs_dentry *d;

		if (c[i].pos == c[i].n)
			continue;
		d = c[i].list[c[i].pos];
		if (!min || memfs_name_cmp(d, min) < 0)
			min = d;	/* strict: the topmost wins a tie */
	}
	if (!min)
		return 1;
	for (uint32_t i = 0; i < k; i++)
		if (c[i].pos < c[i].n && !memfs_name_cmp(c[i].list[c[i].pos], min))
			c[i].pos++;
	if (!(min->flags & MEMFS_D_WHITEOUT))
		*rc = fn(ctx, min->name, min->namelen);
	return 0;
}

int ovl_op_readdir(struct vfs_fs *fs, struct vfs_node *node, vfs_dirent_fn fn,
		   void *ctx)
{
	struct ovl *ovl = ovl_of(fs);
	struct ovl_dentry *d = ovl_d(node);
	struct cursor *c;
	int rc = 0;

	ovl_revalidate(ovl, d);
	if (!d->n)
		return -ENOENT;
	if (!S_ISDIR(ovl_top(d)->mode))
		return -ENOTDIR;
	if (d->n == 1)
		return list_one(d->stack[0].d, fn, ctx);
	c = calloc(d->n, sizeof(*c));
	if (!c)
		return -ENOMEM;
	for (uint32_t i = 0; i < d->n && !rc; i++)
		rc = memfs_readdir(d->stack[i].d, &c[i].list, &c[i].n);
	while (!rc && !merge_step(c, d->n, fn, ctx, &rc))
		;
	free(c);
	return rc;
}
