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

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>

struct link_count {
	uint64_t ino;	/* 0: a free slot */
	uint32_t n;
};

struct inspect_links {
	struct vfs_fs *fs;
	bool built;
	struct link_count *v;
	size_t cap, count;	/* cap a power of two, count * 2 <= cap */
};

/* The walk that counts names: the directory it is in. */
struct count_walk {
	struct inspect_links *l;
	struct vfs_node *dir;
};

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

static struct link_count *find(const struct inspect_links *l, uint64_t ino)
{
	size_t i = mix(ino) & (l->cap - 1);

	while (l->v[i].ino && l->v[i].ino != ino)
		i = (i + 1) & (l->cap - 1);
	return &l->v[i];
}

static int bump(struct inspect_links *l, uint64_t ino)
{
	struct link_count *c;

	if ((l->count + 1) * 2 > l->cap) {
		struct inspect_links g = { .cap = l->cap ? l->cap * 2 : 64 };

		g.v = calloc(g.cap, sizeof(*g.v));
		if (!g.v)
			return -ENOMEM;
		for (size_t i = 0; i < l->cap; i++)
			if (l->v[i].ino)
				*find(&g, l->v[i].ino) = l->v[i];
		free(l->v);
		l->v = g.v;
		l->cap = g.cap;
	}
	c = find(l, ino);
	if (!c->ino) {
		c->ino = ino;
		l->count++;
	}
	c->n++;
	return 0;
}

static int count_dir(struct inspect_links *l, struct vfs_node *dir);

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
		rc = bump(cw->l, a.ino);
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
	free(l->v);
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
	*out = l->cap && find(l, a->ino)->ino ? find(l, a->ino)->n : 1;
	return 0;
}
