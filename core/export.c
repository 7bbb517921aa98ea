/*
 * export: a tree out as entries to an entry writer (see export.h).
 */
#include "core/export.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/grow.h"
#include "base/u64map.h"
#include "core/export_impl.h"
#include "layers/memfs.h"
#include "layers/entry.h"
#include "layers/whiteout.h"

/* The content of a whiteout file: nothing. */
static const struct memfs_data export_empty;

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

void export_walk_release(struct export_walk *w)
{
	link_free(&w->links);
	pathbuf_release(&w->p);
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
static int hardlink(struct export_walk *w, uint64_t id, uint32_t nlink,
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
static int describe(struct export_walk *w, struct vfs_node *node,
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
	/* Every non-directory can have several names: link(2) takes a
	 * symlink, fifo or device as it is (POSIX link, AT_SYMLINK_FOLLOW
	 * unset), and a tar LNKTYPE may name any earlier non-directory. */
	if (!rc && ent->type != ENTRY_DIR)
		rc = hardlink(w, a->ino, a->nlink, ent);
	if (!rc && ent->type == ENTRY_SYMLINK)
		rc = fs->ops->readlink(fs, node, &ent->linkname, &ent->linklen);
	if (!rc && ent->type == ENTRY_FILE) {
		rc = fs->ops->data(fs, node, data);
		if (!rc)
			ent->data = *data;
	}
	return rc == 1 ? 0 : rc;
}

int export_node(struct export_walk *w, struct vfs_node *node,
		const struct vfs_attr *a)
{
	struct memfs_data *data = NULL;
	struct entry ent;
	int rc;

	if (S_ISSOCK(a->mode))
		return 0;	/* tar has no sockets (POSIX ustar typeflag) */
	rc = describe(w, node, a, &ent, &data);
	if (!rc)
		rc = entry_write(w->out, &ent, w->e);
	memfs_data_put(data);
	return rc;
}

/* A directory being written: its names, the next one, its path length. */
struct frame {
	struct vfs_node *dir;
	struct vfs_names ns;
	size_t pos, plen;
};

/* The directories from the root to the one being written: a stack. */
struct frames {
	struct frame *v;
	size_t n, cap;
};

static int frames_push(struct export_walk *w, struct frames *fr,
		       struct vfs_node *dir, size_t plen)
{
	struct frame *f;
	int rc;

	if (grow(&fr->v, fr->n, &fr->cap, sizeof(*fr->v)))
		return -ENOMEM;
	f = &fr->v[fr->n];
	rc = vfs_list(w->fs, dir, &f->ns);
	if (rc)
		return rc;
	f->dir = dir;
	f->pos = 0;
	f->plen = plen;
	fr->n++;
	return 0;
}

/* Pops the top directory: its path component and its node go. */
static void frames_pop(struct export_walk *w, struct frames *fr)
{
	struct frame *f = &fr->v[--fr->n];

	pathbuf_pop(&w->p, f->plen);
	vfs_names_free(&f->ns);
	vfs_put(w->fs, f->dir);
}

/*
 * One child of dir: written; a directory is returned in *sub with its
 * name left on the path, to be walked next.
 */
static int visit(struct export_walk *w, struct vfs_node *dir,
		 const char *name, struct vfs_node **sub, size_t *plen)
{
	struct vfs_fs *fs = w->fs;
	struct vfs_node *node;
	struct vfs_attr a;
	size_t saved = w->p.len, len = strlen(name);
	int rc;

	*sub = NULL;
	*plen = saved;
	rc = fs->ops->lookup(fs, dir, name, len, &node);
	if (rc)
		return err_set(w->e, rc, "cannot look up '%s'", name);
	rc = pathbuf_push(&w->p, name, len);
	if (!rc)
		rc = fs->ops->getattr(fs, node, &a);
	if (!rc)
		rc = export_node(w, node, &a);
	if (!rc && S_ISDIR(a.mode)) {
		*sub = node;
		return 0;
	}
	if (rc)
		err_entry(w->e, w->p.s, w->p.len);
	pathbuf_pop(&w->p, saved);
	vfs_put(fs, node);
	return rc;
}

/*
 * Depth first with an explicit stack of directories (STYLE.md: never
 * recursion whose depth the input decides).
 */
int export_tree(struct export_walk *w, struct vfs_node *root)
{
	struct frames fr = { 0 };
	int rc = frames_push(w, &fr, vfs_get(w->fs, root), w->p.len);

	if (rc)
		vfs_put(w->fs, root);
	while (!rc && fr.n) {
		struct frame *f = &fr.v[fr.n - 1];
		struct vfs_node *sub;
		size_t plen;

		if (f->pos == f->ns.n) {
			frames_pop(w, &fr);
			continue;
		}
		rc = visit(w, f->dir, f->ns.v[f->pos++], &sub, &plen);
		if (!rc && sub && (rc = frames_push(w, &fr, sub, plen))) {
			err_entry(w->e, w->p.s, w->p.len);
			vfs_put(w->fs, sub);
		}
	}
	while (fr.n)
		frames_pop(w, &fr);
	free(fr.v);
	return rc;
}

int export_flat(struct vfs_fs *fs, struct entry_writer *out, struct err *e)
{
	struct export_walk w = { .fs = fs, .out = out, .e = e };
	struct vfs_node *root;
	int rc = fs->ops->root(fs, &root);

	if (rc)
		return err_set(e, rc, NULL);
	rc = export_tree(&w, root);
	vfs_put(fs, root);
	export_walk_release(&w);
	return err_set(e, rc, NULL);
}

/* --- a layer: the upper memfs as a changeset ------------------------- */

struct layer_walk {
	struct export_walk w;
	enum export_whiteouts style;
	struct timespec now;
};

/* Pushes ".wh." + name, the OCI spelling of a whiteout, onto the path. */
static int push_wh(struct export_walk *w, const char *name, size_t len)
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

int export_whiteout(struct export_walk *w, enum export_whiteouts style,
		    struct timespec now, const char *name, size_t len)
{
	struct entry ent = { .mtime = now };
	size_t saved = w->p.len;
	int rc;

	if (style == EXPORT_WH_OCI) {
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

/* A whiteout for name in the current directory, in the layer's spelling. */
static int write_whiteout(struct layer_walk *lw, const char *name, size_t len)
{
	return export_whiteout(&lw->w, lw->style, lw->now, name, len);
}

/* xattrs of ino plus trusted.overlay.opaque=y, for an overlayfs layer. */
static int opaque_xattrs(const struct memfs_xattr *xs, uint32_t n,
			 struct memfs_xattr **out, uint32_t *nout)
{
	static const struct memfs_xattr opq = {
		.name = WH_OVL_OPAQUE_XATTR, .value = (unsigned char *)"y",
		.len = 1 };
	uint32_t k = 0;
	struct memfs_xattr *x = malloc((n + 1) * sizeof(*x));

	if (!x)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		if (k == i && strcmp(xs[i].name, opq.name) > 0)
			x[k++] = opq;
		x[k++] = xs[i];
	}
	if (k == n)
		x[k++] = opq;
	*out = x;
	*nout = k;
	return 0;
}

int export_node_opaque(struct export_walk *w, struct vfs_node *node,
		       const struct vfs_attr *a)
{
	struct memfs_data *data = NULL;
	struct memfs_xattr *xs = NULL;
	struct entry ent;
	int rc = describe(w, node, a, &ent, &data);

	if (!rc)
		rc = opaque_xattrs(ent.xattrs, ent.nxattrs, &xs, &ent.nxattrs);
	if (!rc) {
		ent.xattrs = xs;
		rc = entry_write(w->out, &ent, w->e);
	}
	free(xs);
	memfs_data_put(data);
	return rc;
}

/*
 * One real entry of the upper layer; a directory is left on the path,
 * for its own entries to follow (*is_dir).
 */
static int layer_entry(struct layer_walk *lw, struct memfs_dentry *d,
		       bool *is_dir, size_t *plen)
{
	struct export_walk *w = &lw->w;
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

	*is_dir = false;
	*plen = saved;
	ent.path = w->p.s;
	ent.pathlen = w->p.len;
	if (!rc && !S_ISDIR(ino->mode) && !S_ISSOCK(ino->mode))
		rc = hardlink(w, ino->ino, ino->nlink, &ent);	/* as describe */
	if (rc == 1) {
		rc = 0;
	} else if (!rc && S_ISLNK(ino->mode)) {
		ent.linkname = ino->u.target;
		ent.linklen = ino->target_len;
	} else if (!rc && S_ISREG(ino->mode)) {
		ent.data = ino->u.data;
	} else if (!rc && S_ISDIR(ino->mode) && lw->style == EXPORT_WH_OVL &&
		   (ino->flags & MEMFS_I_OPAQUE)) {
		rc = opaque_xattrs(ino->xattrs, ino->nxattrs, &xs,
				   &ent.nxattrs);
		ent.xattrs = xs;
	}
	if (!rc && !S_ISSOCK(ino->mode))
		rc = entry_write(w->out, &ent, w->e);
	free(xs);
	if (!rc && S_ISDIR(ino->mode)) {
		*is_dir = true;
		return 0;
	}
	if (rc)
		err_entry(w->e, w->p.s, w->p.len);
	pathbuf_pop(&w->p, saved);
	return rc;
}

/* A directory of the upper layer being written. */
struct layer_frame {
	struct memfs_dentry **list;	/* memfs_readdir's, owned by dir */
	size_t n, pos, plen;
};

/*
 * Enters a directory of the upper layer: its opaque marker, then its
 * whiteouts, so every marker stands before its siblings; its entries
 * follow from the frame.
 */
static int layer_enter(struct layer_walk *lw, struct memfs_dentry *dir,
		       struct layer_frame *f, size_t plen)
{
	int rc = memfs_readdir(dir, &f->list, &f->n);

	f->pos = 0;
	f->plen = plen;
	if (!rc && dir->parent && (dir->ino->flags & MEMFS_I_OPAQUE) &&
	    lw->style == EXPORT_WH_OCI)
		rc = write_whiteout(lw, WH_OPAQUE + WH_PREFIX_LEN,
				    WH_OPAQUE_LEN - WH_PREFIX_LEN);
	for (size_t i = 0; !rc && i < f->n; i++)
		if (f->list[i]->flags & MEMFS_D_WHITEOUT)
			rc = write_whiteout(lw, f->list[i]->name,
					    f->list[i]->namelen);
	return rc;
}

/* The whole upper layer, depth first with an explicit stack. */
static int layer_tree(struct layer_walk *lw, struct memfs_dentry *root)
{
	struct export_walk *w = &lw->w;
	struct layer_frame *fr = malloc(16 * sizeof(*fr));
	size_t n = 0, cap = 16;
	int rc = fr ? layer_enter(lw, root, &fr[n++], w->p.len) : -ENOMEM;

	while (!rc && n) {
		struct layer_frame *f = &fr[n - 1];
		struct memfs_dentry *d;
		bool is_dir;
		size_t plen;

		if (f->pos == f->n) {
			pathbuf_pop(&w->p, f->plen);
			n--;
			continue;
		}
		d = f->list[f->pos++];
		if (d->flags & MEMFS_D_WHITEOUT)
			continue;
		rc = layer_entry(lw, d, &is_dir, &plen);
		if (rc || !is_dir)
			continue;
		if (n == cap) {
			struct layer_frame *v = realloc(fr, 2 * cap * sizeof(*v));

			if (!v) {
				rc = -ENOMEM;
				break;
			}
			fr = v;
			cap *= 2;
		}
		rc = layer_enter(lw, d, &fr[n], plen);
		n++;
	}
	if (rc && n)
		err_entry(w->e, w->p.s, w->p.len);
	free(fr);
	return rc;
}

int export_layer(struct memfs *upper, enum export_whiteouts style,
		 struct timespec now, struct entry_writer *out, struct err *e)
{
	struct layer_walk lw = { .w = { .out = out, .e = e }, .style = style,
				 .now = now };
	int rc = layer_tree(&lw, memfs_root(upper));

	export_walk_release(&lw.w);
	return err_set(e, rc, NULL);
}
