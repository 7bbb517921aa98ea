/*
 * changeset: the diff of two merged views of one overlay, as a layer (see
 * changeset.h).
 *
 * Two views share the layers: "all" (the whole overlay) and "kept" (its
 * keep lowest layers, a borrowed ovl view). Their directories are walked
 * side by side with an explicit stack of frames, never by recursion. Any
 * name whose entry in "all" comes from a kept layer is the very entry the
 * kept view has, and a directory from a kept layer has nothing of the
 * upper layers below it, so the walk goes down only where the upper
 * layers put something.
 */
#include "core/changeset.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/export_impl.h"
#include "core/ovl.h"
#include "layers/memfs.h"
#include "layers/whiteout.h"

/* One directory of the walk, present in both views. */
struct frame {
	struct vfs_node *a, *b;	/* the directory in "all" and in "kept" */
	struct vfs_names names;	/* its names in "all" */
	size_t next;		/* the next of names to visit */
	size_t pathlen;		/* w->p.len of the directory */
	bool written;		/* its own entry is out */
	struct vfs_attr attr;	/* in "all" */
};

struct cs {
	struct export_walk w;
	struct vfs_fs *all, *kept;
	size_t keep;
	enum export_whiteouts style;
	struct timespec now;
	struct frame *f;
	size_t depth, cap;
};

static bool same_time(struct timespec x, struct timespec y)
{
	return x.tv_sec == y.tv_sec && x.tv_nsec == y.tv_nsec;
}

/* Whether both nodes have the same xattrs: 1, 0, or a negative errno. */
static int same_xattrs(struct cs *c, struct vfs_node *a, struct vfs_node *b)
{
	const struct memfs_xattr *xa, *xb;
	uint32_t na, nb;
	int rc = vfs_listxattr(c->all, a, &xa, &na);

	if (!rc)
		rc = vfs_listxattr(c->kept, b, &xb, &nb);
	if (rc)
		return rc;
	if (na != nb)
		return 0;
	for (uint32_t i = 0; i < na; i++)
		if (strcmp(xa[i].name, xb[i].name) || xa[i].len != xb[i].len ||
		    (xa[i].len && memcmp(xa[i].value, xb[i].value, xa[i].len)))
			return 0;
	return 1;
}

/* Whether two contents hold the same bytes: 1, 0, or a negative errno. */
static int same_data(const struct memfs_data *x, const struct memfs_data *y)
{
	enum { CHUNK = 1 << 16 };
	char *bx, *by;
	int rc = 1;

	if (x == y)
		return 1;
	if (x->size != y->size)
		return 0;
	bx = malloc(2 * CHUNK);
	if (!bx)
		return -ENOMEM;
	by = bx + CHUNK;
	for (uint64_t off = 0; rc == 1 && off < x->size; off += CHUNK) {
		size_t n = x->size - off < CHUNK ? (size_t)(x->size - off)
						 : CHUNK;
		ssize_t gx = memfs_data_read(x, off, bx, n);
		ssize_t gy = memfs_data_read(y, off, by, n);

		if (gx < 0 || gy < 0)
			rc = gx < 0 ? (int)gx : (int)gy;
		else if (gx != gy || memcmp(bx, by, (size_t)gx))
			rc = 0;
	}
	free(bx);
	return rc;
}

/*
 * Whether a (in "all", attributes aa) is b (in "kept", ab) unchanged:
 * type, mode, owner, mtime, xattrs and content or target. A file with
 * other names is never taken as unchanged: its names must come from one
 * layer to stay one file. 1, 0, or a negative errno.
 */
static int unchanged(struct cs *c, struct vfs_node *a,
		     const struct vfs_attr *aa, struct vfs_node *b,
		     const struct vfs_attr *ab)
{
	struct memfs_data *da = NULL, *db = NULL;
	const char *ta, *tb;
	size_t la, lb;
	int rc;

	if (aa->mode != ab->mode || aa->uid != ab->uid || aa->gid != ab->gid ||
	    !same_time(aa->mtime, ab->mtime) || aa->size != ab->size ||
	    ((S_ISCHR(aa->mode) || S_ISBLK(aa->mode)) && aa->rdev != ab->rdev))
		return 0;
	if (!S_ISDIR(aa->mode) && (aa->nlink > 1 || ab->nlink > 1))
		return 0;
	rc = same_xattrs(c, a, b);
	if (rc != 1 || S_ISDIR(aa->mode))
		return rc;
	if (S_ISLNK(aa->mode)) {
		rc = vfs_readlink(c->all, a, &ta, &la);
		if (!rc)
			rc = vfs_readlink(c->kept, b, &tb, &lb);
		return rc ? rc : la == lb && !memcmp(ta, tb, la);
	}
	if (!S_ISREG(aa->mode))
		return 1;
	rc = vfs_data(c->all, a, &da);
	if (!rc)
		rc = vfs_data(c->kept, b, &db);
	if (!rc)
		rc = same_data(da, db);
	memfs_data_put(da);
	memfs_data_put(db);
	return rc;
}

/* Writes the entries of the directories above that are not out yet. */
static int flush_parents(struct cs *c)
{
	size_t saved = c->w.p.len;
	int rc = 0;

	for (size_t i = 1; i < c->depth && !rc; i++) {
		struct frame *f = &c->f[i];

		if (f->written)
			continue;
		c->w.p.len = f->pathlen;	/* a prefix of the path */
		rc = export_node(&c->w, f->a, &f->attr);
		f->written = true;
	}
	c->w.p.len = saved;
	return rc;
}

/* Writes node at w->p and, for a directory, everything below it. */
static int put_whole(struct cs *c, struct vfs_node *node,
		     const struct vfs_attr *a, bool opaque)
{
	bool ovl = opaque && c->style == EXPORT_WH_OVL;
	int rc = flush_parents(c);

	if (!rc)
		rc = ovl ? export_node_opaque(&c->w, node, a)
			 : export_node(&c->w, node, a);
	if (!rc && opaque && c->style == EXPORT_WH_OCI)
		rc = export_whiteout(&c->w, c->style, c->now,
				     WH_OPAQUE + WH_PREFIX_LEN,
				     WH_OPAQUE_LEN - WH_PREFIX_LEN);
	if (!rc && S_ISDIR(a->mode))
		rc = export_tree(&c->w, node);
	return rc;
}

/* In binary search of the sorted names ns: whether name is there. */
static bool has_name(const struct vfs_names *ns, const char *name)
{
	size_t lo = 0, hi = ns->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = strcmp(ns->v[mid], name);

		if (!r)
			return true;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/*
 * Enters directory a (in "all") over b (in "kept"), at w->p: a frame
 * whose whiteouts (names of b that a lacks) are written at once, before
 * their siblings (layer.md).
 */
static int push_frame(struct cs *c, struct vfs_node *a, struct vfs_node *b,
		      const struct vfs_attr *attr, bool written)
{
	struct vfs_names kn;
	struct frame *f;
	int rc;

	if (c->depth == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;

		f = realloc(c->f, cap * sizeof(*f));
		if (!f)
			return -ENOMEM;
		c->f = f;
		c->cap = cap;
	}
	f = &c->f[c->depth];
	*f = (struct frame){ .a = vfs_get(c->all, a), .pathlen = c->w.p.len,
			     .written = written, .attr = *attr };
	f->b = b ? vfs_get(c->kept, b) : NULL;
	c->depth++;
	rc = vfs_list(c->all, a, &f->names);
	if (rc || !b)
		return rc;
	rc = vfs_list(c->kept, b, &kn);
	if (rc)
		return rc;
	for (size_t i = 0; !rc && i < kn.n; i++) {
		if (has_name(&f->names, kn.v[i]))
			continue;
		rc = flush_parents(c);
		if (!rc)
			rc = export_whiteout(&c->w, c->style, c->now, kn.v[i],
					     strlen(kn.v[i]));
	}
	vfs_names_free(&kn);
	return rc;
}

static void pop_frame(struct cs *c)
{
	struct frame *f = &c->f[--c->depth];

	vfs_names_free(&f->names);
	vfs_put(c->all, f->a);
	if (f->b)
		vfs_put(c->kept, f->b);
}

/*
 * A directory of both views that merges with the kept layers: its entry
 * written if it changed (else when something below needs it), then
 * entered.
 */
static int enter(struct cs *c, struct vfs_node *a, const struct vfs_attr *aa,
		 struct vfs_node *b, const struct vfs_attr *ab)
{
	int rc = unchanged(c, a, aa, b, ab);

	if (rc == 0) {
		rc = flush_parents(c);
		if (!rc)
			rc = export_node(&c->w, a, aa);
		if (!rc)
			rc = push_frame(c, a, b, aa, true);
	} else if (rc == 1) {
		rc = push_frame(c, a, b, aa, false);
	}
	return rc;
}

/*
 * One name of directory f, at w->p: skipped when the kept view has it
 * unchanged, entered (a new frame) when a directory of both merges with
 * the kept layers, else written whole.
 */
static int visit(struct cs *c, const struct frame *f, struct vfs_node *a,
		 const struct vfs_attr *aa, const char *name)
{
	struct vfs_node *b = NULL;
	struct vfs_attr ab;
	size_t floor;
	int rc;

	if ((size_t)aa->layer < c->keep)
		return 0;	/* the kept layers' own entry */
	if (!f->b)
		return put_whole(c, a, aa, false);
	rc = vfs_lookup(c->kept, f->b, name, strlen(name), &b);
	if (rc == -ENOENT)
		return put_whole(c, a, aa, false);
	if (!rc)
		rc = vfs_getattr(c->kept, b, &ab);
	if (!rc && S_ISDIR(aa->mode) && S_ISDIR(ab.mode)) {
		rc = ovl_node_floor(c->all, a, &floor);
		if (!rc && floor >= c->keep)
			rc = put_whole(c, a, aa, true);	/* replaced */
		else if (!rc)
			rc = enter(c, a, aa, b, &ab);
	} else if (!rc) {
		rc = unchanged(c, a, aa, b, &ab);
		if (!rc)
			rc = put_whole(c, a, aa, false);
	}
	if (b)
		vfs_put(c->kept, b);
	return rc < 0 ? rc : 0;
}

/* The next name of the top frame; pops finished frames. */
static int step(struct cs *c)
{
	struct frame *f = &c->f[c->depth - 1];
	struct vfs_node *a;
	struct vfs_attr aa;
	size_t depth = c->depth;
	const char *name;
	int rc;

	if (f->next == f->names.n) {
		pop_frame(c);
		pathbuf_pop(&c->w.p, c->depth ? c->f[c->depth - 1].pathlen
					      : 0);
		return 0;
	}
	name = f->names.v[f->next++];
	rc = vfs_lookup(c->all, f->a, name, strlen(name), &a);
	if (rc)
		return err_set(c->w.e, rc, "cannot look up '%s'", name);
	rc = pathbuf_push(&c->w.p, name, strlen(name));
	if (!rc)
		rc = vfs_getattr(c->all, a, &aa);
	if (!rc)
		rc = visit(c, f, a, &aa, name);
	if (rc)
		err_entry(c->w.e, c->w.p.s, c->w.p.len);
	else if (c->depth == depth)	/* no frame entered: back up */
		pathbuf_pop(&c->w.p, c->f[c->depth - 1].pathlen);
	vfs_put(c->all, a);
	return rc;
}

int changeset_write(struct ovl *ovl, size_t keep, enum export_whiteouts style,
		    struct timespec now, struct entry_writer *out, struct err *e)
{
	struct cs c = { .w = { .out = out, .e = e }, .all = ovl_vfs(ovl),
			.keep = keep, .style = style, .now = now };
	struct vfs_node *ra = NULL, *rb = NULL;
	struct ovl *view = NULL;
	struct vfs_attr attr = { 0 };
	int rc = 0;

	c.w.fs = c.all;
	if (keep) {
		rc = ovl_new_view(ovl, keep, &view, e);
		if (!rc) {
			c.kept = ovl_vfs(view);
			rc = c.kept->ops->root(c.kept, &rb);
		}
	}
	if (!rc)
		rc = c.all->ops->root(c.all, &ra);
	if (!rc)
		rc = push_frame(&c, ra, rb, &attr, true);
	while (!rc && c.depth)
		rc = step(&c);
	while (c.depth)
		pop_frame(&c);
	free(c.f);
	if (ra)
		vfs_put(c.all, ra);
	if (rb)
		vfs_put(c.kept, rb);
	ovl_free_view(view);
	export_walk_release(&c.w);
	return err_set(e, rc, NULL);
}
