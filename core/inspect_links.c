/*
 * inspect_links: link counts in the merged view (see inspect.h).
 *
 * A layer's inode counts the names it has in that layer (vfs_attr.nlink),
 * but a later layer may hide some of them: layer 2 of the sample replaces
 * usr/bin/tool-alias, so usr/bin/tool is alone in the merged view although
 * its layer gives it two names. The merged count is what a flattened tree
 * unpacked on disk shows: for a directory 2 plus its subdirectories, for a
 * file the names the merged view gives it, counted once over the whole
 * tree by vfs_attr.ino (the identity of one file across its names).
 */
#include "core/inspect.h"

#include "base/u64map.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>


struct inspect_links {
	struct vfs_fs *fs;
	bool built;
	struct u64map names;	/* vfs_attr.ino -> names in the merged view */
};

/* The walk that counts names: the directory it is in. */
struct count_walk {
	struct inspect_links *l;
	struct vfs_node *dir;
};

static int count_dir(struct inspect_links *l, struct vfs_node *dir);

/* One more merged-view name of the file ino. */
static int count_name(struct inspect_links *l, uint64_t ino)
{
	uint64_t *n = u64map_put(&l->names, ino, NULL);

	if (!n)
		return -ENOMEM;
	++*n;
	return 0;
}

static int count_one(void *ctx, const char *name, size_t len)
{
	struct count_walk *cw = ctx;
	struct vfs_fs *fs = cw->l->fs;
	struct vfs_node *node;
	struct vfs_attr a;
	int rc = fs->ops->lookup(fs, cw->dir, name, len, &node);

	if (rc)
		return rc;
	rc = fs->ops->getattr(fs, node, &a);
	if (!rc && S_ISDIR(a.mode))
		rc = count_dir(cw->l, node);
	else if (!rc && a.nlink > 1)
		rc = count_name(cw->l, a.ino);
	vfs_put(fs, node);
	return rc;
}

static int count_dir(struct inspect_links *l, struct vfs_node *dir)
{
	struct count_walk cw = { .l = l, .dir = dir };

	return l->fs->ops->readdir(l->fs, dir, count_one, &cw);
}

int inspect_links_new(struct vfs_fs *fs, struct inspect_links **out)
{
	struct inspect_links *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->fs = fs;
	*out = l;
	return 0;
}

void inspect_links_free(struct inspect_links *l)
{
	if (!l)
		return;
	u64map_release(&l->names);
	free(l);
}

/* Counts the subdirectories of dir. */
struct subdirs {
	struct vfs_fs *fs;
	struct vfs_node *dir;
	uint32_t n;
};

static int subdir_one(void *ctx, const char *name, size_t len)
{
	struct subdirs *s = ctx;
	struct vfs_node *node;
	struct vfs_attr a;
	int rc = s->fs->ops->lookup(s->fs, s->dir, name, len, &node);

	if (rc)
		return rc;
	rc = s->fs->ops->getattr(s->fs, node, &a);
	if (!rc && S_ISDIR(a.mode))
		s->n++;
	vfs_put(s->fs, node);
	return rc;
}

int inspect_nlink(struct inspect_links *l, struct vfs_node *node,
		  const struct vfs_attr *a, uint32_t *out)
{
	struct vfs_node *root;
	uint64_t *n;
	int rc;

	if (S_ISDIR(a->mode)) {
		struct subdirs s = { .fs = l->fs, .dir = node };

		rc = l->fs->ops->readdir(l->fs, node, subdir_one, &s);
		*out = 2 + s.n;
		return rc;
	}
	if (a->nlink < 2) {
		*out = 1;
		return 0;
	}
	if (!l->built) {
		rc = l->fs->ops->root(l->fs, &root);
		if (rc)
			return rc;
		rc = count_dir(l, root);
		vfs_put(l->fs, root);
		if (rc)
			return rc;
		l->built = true;
	}
	n = u64map_get(&l->names, a->ino);
	*out = n ? (uint32_t)*n : 1;
	return 0;
}
