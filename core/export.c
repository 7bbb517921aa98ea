/*
 * export: a tree out as entries to an entry writer (see export.h).
 */
#include "core/export.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/u64map.h"
#include "core/pathbuf.h"
#include "layers/memfs.h"
#include "layers/entry.h"
#include "layers/whiteout.h"

/* The content of a whiteout file: nothing. */
static const struct memfs_data export_empty;

struct walk {
	struct vfs_fs *fs;
	struct entry_writer *out;
	struct err *e;
	struct vfs_node *dir;
	struct pathbuf p;	/* the current entry's path */
	struct u64map links;	/* vfs_attr.ino -> first path written (char *) */
};

static int link_free_one(void *ctx, uint64_t ino, uint64_t path)
{
	free((char *)(uintptr_t)path);
	return 0;
}

/* Frees the paths the link map holds, then the map. */
static void link_free(struct u64map *m)
{
	u64map_each(m, link_free_one, NULL);
	u64map_release(m);
}

static enum entry_type type_of(mode_t mode)
{
	if (S_ISDIR(mode))
		return ENTRY_DIR;
	if (S_ISLNK(mode))
		return ENTRY_SYMLINK;
	if (S_ISCHR(mode))
		return ENTRY_CHR;
	if (S_ISBLK(mode))
		return ENTRY_BLK;
	if (S_ISFIFO(mode))
		return ENTRY_FIFO;
	return ENTRY_FILE;
}

/*
 * For a file with other names: the first one written stays a file and is
 * remembered; a later one becomes a link to it (ent changed, returns 1).
 */
static int hardlink(struct walk *w, uint64_t id, uint32_t nlink,
		    struct entry *ent)
{
	uint64_t *path;
	bool added;

	if (nlink < 2)
		return 0;
	path = u64map_put(&w->links, id, &added);
	if (!path)
		return -ENOMEM;
	if (!added) {
		ent->type = ENTRY_HARDLINK;
		ent->linkname = (const char *)(uintptr_t)*path;
		ent->linklen = strlen(ent->linkname);
		return 1;
	}
	*path = (uint64_t)(uintptr_t)strndup(w->p.s, w->p.len);
	return *path ? 0 : -ENOMEM;
}

/* Fills ent for node; takes a data reference into *data for files. */
static int describe(struct walk *w, struct vfs_node *node,
		    const struct vfs_attr *a, struct entry *ent,
		    struct memfs_data **data)
{
	struct vfs_fs *fs = w->fs;
	int rc;

	memset(ent, 0, sizeof(*ent));
	ent->type = type_of(a->mode);
	ent->path = w->p.s;
	ent->pathlen = w->p.len;
	ent->mode = a->mode & 07777;
	ent->uid = a->uid;
	ent->gid = a->gid;
	ent->mtime = a->mtime;
	ent->rdev = a->rdev;
	rc = fs->ops->listxattr(fs, node, &ent->xattrs, &ent->nxattrs);
	if (!rc && ent->type == ENTRY_SYMLINK)
		rc = fs->ops->readlink(fs, node, &ent->linkname, &ent->linklen);
	if (!rc && ent->type == ENTRY_FILE) {
		rc = hardlink(w, a->ino, a->nlink, ent);
		if (!rc)
			rc = fs->ops->data(fs, node, data);
		if (!rc)
			ent->data = *data;
	}
	return rc == 1 ? 0 : rc;
}

static int walk_dir(struct walk *w, struct vfs_node *dir);

/* One child of w->dir: written, then walked if a directory. */
static int visit(void *ctx, const char *name, size_t len)
{
	struct walk *w = ctx;
	struct vfs_fs *fs = w->fs;
	struct memfs_data *data = NULL;
	struct entry ent;
	struct vfs_node *node;
	struct vfs_attr a;
	size_t saved = w->p.len;
	int rc;

	rc = fs->ops->lookup(fs, w->dir, name, len, &node);
	if (rc)
		return err_set(w->e, rc, "cannot look up '%.*s'", (int)len, name);
	rc = pathbuf_push(&w->p, name, len);
	if (!rc)
		rc = fs->ops->getattr(fs, node, &a);
	if (!rc && S_ISSOCK(a.mode))
		goto out;	/* tar has no sockets (POSIX ustar typeflag) */
	if (!rc)
		rc = describe(w, node, &a, &ent, &data);
	if (!rc)
		rc = entry_write(w->out, &ent, w->e);
	memfs_data_put(data);
	if (!rc && S_ISDIR(a.mode))
		rc = walk_dir(w, node);
out:
	if (rc)
		err_entry(w->e, w->p.s, w->p.len);
	pathbuf_pop(&w->p, saved);
	vfs_put(fs, node);
	return rc;
}

static int walk_dir(struct walk *w, struct vfs_node *dir)
{
	struct vfs_node *saved = w->dir;
	int rc;

	w->dir = dir;
	rc = w->fs->ops->readdir(w->fs, dir, visit, w);
	w->dir = saved;
	return rc;
}

int export_flat(struct vfs_fs *fs, struct entry_writer *out, struct err *e)
{
	struct walk w = { .fs = fs, .out = out, .e = e };
	struct vfs_node *root;
	int rc = fs->ops->root(fs, &root);

	if (rc)
		return err_set(e, rc, NULL);
	rc = walk_dir(&w, root);
	vfs_put(fs, root);
	link_free(&w.links);
	pathbuf_release(&w.p);
	return err_set(e, rc, NULL);
}

/* --- a layer: the upper memfs as a changeset ------------------------- */

struct layer_walk {
	struct walk w;
	enum export_whiteouts style;
	struct timespec now;
};

/* Pushes ".wh." + name, the OCI spelling of a whiteout, onto the path. */
static int push_wh(struct walk *w, const char *name, size_t len)
{
	char *s = malloc(WH_PREFIX_LEN + len);
	int rc;

	if (!s)
		return -ENOMEM;
	memcpy(s, WH_PREFIX, WH_PREFIX_LEN);
	memcpy(s + WH_PREFIX_LEN, name, len);
	rc = pathbuf_push(&w->p, s, WH_PREFIX_LEN + len);
	free(s);
	return rc;
}

/* A whiteout for name in the current directory, in the chosen spelling. */
static int write_whiteout(struct layer_walk *lw, const char *name, size_t len)
{
	struct walk *w = &lw->w;
	struct entry ent = { .mtime = lw->now };
	size_t saved = w->p.len;
	int rc;

	if (lw->style == EXPORT_WH_OCI) {
		/* OCI image-spec layer.md: an empty file ".wh.NAME". */
		rc = push_wh(w, name, len);
		ent.type = ENTRY_FILE;
		ent.mode = 0644;
		ent.data = &export_empty;
	} else {
		/* overlayfs.rst: a character device 0/0. */
		rc = pathbuf_push(&w->p, name, len);
		ent.type = ENTRY_CHR;
	}
	ent.path = w->p.s;
	ent.pathlen = w->p.len;
	if (!rc)
		rc = entry_write(w->out, &ent, w->e);
	if (rc)
		err_entry(w->e, w->p.s, w->p.len);
	pathbuf_pop(&w->p, saved);
	return rc;
}

/* xattrs of ino plus trusted.overlay.opaque=y, for an overlayfs layer. */
static int opaque_xattrs(const struct memfs_inode *ino,
			 struct memfs_xattr **out, uint32_t *n)
{
	static const struct memfs_xattr opq = {
		.name = WH_OVL_OPAQUE_XATTR, .value = (unsigned char *)"y",
		.len = 1 };
	uint32_t k = 0;
	struct memfs_xattr *x = malloc((ino->nxattrs + 1) * sizeof(*x));

	if (!x)
		return -ENOMEM;
	for (uint32_t i = 0; i < ino->nxattrs; i++) {
		if (k == i && strcmp(ino->xattrs[i].name, opq.name) > 0)
			x[k++] = opq;
		x[k++] = ino->xattrs[i];
	}
	if (k == ino->nxattrs)
		x[k++] = opq;
	*out = x;
	*n = k;
	return 0;
}

static int layer_dir(struct layer_walk *lw, struct memfs_dentry *dir);

/* One real entry of the upper layer, and what is below it. */
static int layer_entry(struct layer_walk *lw, struct memfs_dentry *d)
{
	struct walk *w = &lw->w;
	struct memfs_inode *ino = d->ino;
	struct memfs_xattr *xs = NULL;
	struct entry ent = { .type = type_of(ino->mode),
				    .mode = ino->mode & 07777,
				    .uid = ino->uid, .gid = ino->gid,
				    .mtime = ino->mtime, .rdev = ino->rdev,
				    .xattrs = ino->xattrs,
				    .nxattrs = ino->nxattrs };
	size_t saved = w->p.len;
	int rc = pathbuf_push(&w->p, d->name, d->namelen);

	ent.path = w->p.s;
	ent.pathlen = w->p.len;
	if (!rc && S_ISLNK(ino->mode)) {
		ent.linkname = ino->u.target;
		ent.linklen = ino->target_len;
	} else if (!rc && S_ISREG(ino->mode)) {
		rc = hardlink(w, ino->ino, ino->nlink, &ent);
		ent.data = rc == 1 ? NULL : ino->u.data;
		rc = rc == 1 ? 0 : rc;
	} else if (!rc && S_ISDIR(ino->mode) && lw->style == EXPORT_WH_OVL &&
		   (ino->flags & MEMFS_I_OPAQUE)) {
		rc = opaque_xattrs(ino, &xs, &ent.nxattrs);
		ent.xattrs = xs;
	}
	if (!rc && !S_ISSOCK(ino->mode))
		rc = entry_write(w->out, &ent, w->e);
	free(xs);
	if (!rc && S_ISDIR(ino->mode))
		rc = layer_dir(lw, d);
	if (rc)
		err_entry(w->e, w->p.s, w->p.len);
	pathbuf_pop(&w->p, saved);
	return rc;
}

/*
 * A directory of the upper layer: its opaque marker, then its whiteouts,
 * then its entries, so every marker stands before its siblings.
 */
static int layer_dir(struct layer_walk *lw, struct memfs_dentry *dir)
{
	struct memfs_dentry **list;
	size_t n;
	int rc = memfs_readdir(dir, &list, &n);

	if (!rc && dir->parent && (dir->ino->flags & MEMFS_I_OPAQUE) &&
	    lw->style == EXPORT_WH_OCI)
		rc = write_whiteout(lw, WH_OPAQUE + WH_PREFIX_LEN,
				    WH_OPAQUE_LEN - WH_PREFIX_LEN);
	for (size_t i = 0; !rc && i < n; i++)
		if (list[i]->flags & MEMFS_D_WHITEOUT)
			rc = write_whiteout(lw, list[i]->name,
					    list[i]->namelen);
	for (size_t i = 0; !rc && i < n; i++)
		if (!(list[i]->flags & MEMFS_D_WHITEOUT))
			rc = layer_entry(lw, list[i]);
	return rc;
}

int export_layer(struct memfs *upper, enum export_whiteouts style,
		 struct timespec now, struct entry_writer *out, struct err *e)
{
	struct layer_walk lw = { .w = { .out = out, .e = e }, .style = style,
				 .now = now };
	int rc = layer_dir(&lw, memfs_root(upper));

	link_free(&lw.w.links);
	pathbuf_release(&lw.w.p);
	return err_set(e, rc, NULL);
}
