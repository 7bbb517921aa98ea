/*
 * diff: two merged trees compared entry by entry (see diff.h). The walk
 * keeps one frame per directory level: the node on each side (NULL where
 * that side has no directory there) and each side's sorted names; the
 * next name is the smaller of the two sides' next names, as a merge of
 * two sorted lists.
 */
#include "base/grow.h"
#include "core/diff.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/pathbuf.h"
#include "layers/memfs.h"

/* One directory level of the walk. */
struct frame {
	struct vfs_node *dir[2];	/* NULL: that side has none here */
	struct vfs_names names[2];
	size_t pos[2];
	size_t pathlen;			/* the length of this directory's path */
};

struct walk {
	struct vfs_fs *fs[2];
	const struct diff_opts *o;
	struct pathbuf p;
	struct frame *st;
	size_t n, cap;
	bool differ;
	unsigned char *buf[2];		/* content windows */
};

#define WINDOW (256 * 1024)

static const char *const field_names[DIFF_NFIELDS] = {
	"type", "mode", "owner", "size", "content", "target", "device",
	"xattrs", "mtime",
};

const char *diff_field_name(unsigned field)
{
	for (unsigned i = 0; i < DIFF_NFIELDS; i++)
		if (field == 1u << i)
			return field_names[i];
	return NULL;
}

/* Whether a and b hold the same bytes: shared, same extents, or read. */
static int same_data(struct walk *w, const struct memfs_data *a,
		     const struct memfs_data *b, bool *same)
{
	*same = true;
	if (a == b)
		return 0;
	if (a->size != b->size) {
		*same = false;
		return 0;
	}
	if (a->n == b->n && !memcmp(a->ext, b->ext, a->n * sizeof(a->ext[0])))
		return 0;
	for (uint64_t off = 0; off < a->size && *same; off += WINDOW) {
		ssize_t ra = memfs_data_read(a, off, w->buf[0], WINDOW);
		ssize_t rb = memfs_data_read(b, off, w->buf[1], WINDOW);

		if (ra < 0 || rb < 0)
			return ra < 0 ? (int)ra : (int)rb;
		*same = ra == rb && !memcmp(w->buf[0], w->buf[1], (size_t)ra);
	}
	return 0;
}

static bool same_xattrs(const struct memfs_xattr *a, uint32_t na,
			const struct memfs_xattr *b, uint32_t nb)
{
	if (na != nb)
		return false;
	for (uint32_t i = 0; i < na; i++)
		if (strcmp(a[i].name, b[i].name) || a[i].len != b[i].len ||
		    (a[i].len && memcmp(a[i].value, b[i].value, a[i].len)))
			return false;
	return true;
}

/* The content fields of two entries of one type. */
static int content_fields(struct walk *w, struct vfs_node *const n[2],
			  const struct vfs_attr at[2], unsigned *f)
{
	struct memfs_data *d[2] = { NULL, NULL };
	const char *t[2];
	size_t tl[2];
	bool same;
	int rc = 0;

	if (S_ISREG(at[0].mode)) {
		if (at[0].size != at[1].size)
			*f |= DIFF_SIZE | DIFF_CONTENT;
		else if (!(w->o->ignore & DIFF_CONTENT) &&
			 !(rc = vfs_data(w->fs[0], n[0], &d[0])) &&
			 !(rc = vfs_data(w->fs[1], n[1], &d[1])) &&
			 !(rc = same_data(w, d[0], d[1], &same)) && !same)
			*f |= DIFF_CONTENT;
		memfs_data_put(d[0]);
		memfs_data_put(d[1]);
	} else if (S_ISLNK(at[0].mode)) {
		if (!(rc = vfs_readlink(w->fs[0], n[0], &t[0], &tl[0])) &&
		    !(rc = vfs_readlink(w->fs[1], n[1], &t[1], &tl[1])) &&
		    (tl[0] != tl[1] || memcmp(t[0], t[1], tl[0])))
			*f |= DIFF_TARGET;
	} else if ((S_ISCHR(at[0].mode) || S_ISBLK(at[0].mode)) &&
		   at[0].rdev != at[1].rdev) {
		*f |= DIFF_DEVICE;
	}
	return rc;
}

/* The fields in which the entries n[0] and n[1] differ. */
static int compare(struct walk *w, struct vfs_node *const n[2],
		   const struct vfs_attr at[2], unsigned *fields)
{
	const struct memfs_xattr *x[2];
	uint32_t nx[2];
	unsigned f = 0;
	int rc = 0;

	if ((at[0].mode & S_IFMT) != (at[1].mode & S_IFMT))
		f |= DIFF_TYPE;
	if ((at[0].mode & 07777) != (at[1].mode & 07777))
		f |= DIFF_MODE;
	if (at[0].uid != at[1].uid || at[0].gid != at[1].gid)
		f |= DIFF_OWNER;
	if (at[0].mtime.tv_sec != at[1].mtime.tv_sec ||
	    at[0].mtime.tv_nsec != at[1].mtime.tv_nsec)
		f |= DIFF_MTIME;
	if (!(f & DIFF_TYPE))
		rc = content_fields(w, n, at, &f);
	if (!rc && !(w->o->ignore & DIFF_XATTRS) &&
	    !(rc = vfs_listxattr(w->fs[0], n[0], &x[0], &nx[0])) &&
	    !(rc = vfs_listxattr(w->fs[1], n[1], &x[1], &nx[1])) &&
	    !same_xattrs(x[0], nx[0], x[1], nx[1]))
		f |= DIFF_XATTRS;
	*fields = f & ~w->o->ignore;
	return rc;
}

static int report(struct walk *w, enum diff_change c, mode_t a, mode_t b,
		  unsigned fields)
{
	w->differ = true;
	return w->o->fn ? w->o->fn(w->o->ctx, c, w->p.s, w->p.len, a, b, fields)
			: 0;
}

/* Enters the directories n[0], n[1] (either NULL) as a new frame. */
static int push(struct walk *w, struct vfs_node *n0, struct vfs_node *n1)
{
	struct frame *f;
	int rc = 0;

	if (grow(&w->st, w->n, &w->cap, sizeof(*w->st)))
		return -ENOMEM;
	f = &w->st[w->n];
	memset(f, 0, sizeof(*f));
	f->dir[0] = n0 ? vfs_get(w->fs[0], n0) : NULL;
	f->dir[1] = n1 ? vfs_get(w->fs[1], n1) : NULL;
	f->pathlen = w->p.len;
	w->n++;
	for (int s = 0; s < 2 && !rc; s++)
		if (f->dir[s])
			rc = vfs_list(w->fs[s], f->dir[s], &f->names[s]);
	return rc;
}

static void pop(struct walk *w)
{
	struct frame *f = &w->st[--w->n];

	for (int s = 0; s < 2; s++) {
		vfs_names_free(&f->names[s]);
		vfs_put(w->fs[s], f->dir[s]);
	}
	pathbuf_pop(&w->p, w->n ? w->st[w->n - 1].pathlen : 0);
}

/*
 * The next name of the top frame: which sides have it (bit 0: the first,
 * bit 1: the second), or 0 when the frame is done.
 */
static int next_name(struct frame *f, const char **name)
{
	const char *c[2] = { NULL, NULL };
	int cmp, sides;

	for (int s = 0; s < 2; s++)
		if (f->pos[s] < f->names[s].n)
			c[s] = f->names[s].v[f->pos[s]];
	if (!c[0] && !c[1])
		return 0;
	cmp = !c[0] ? 1 : !c[1] ? -1 : strcmp(c[0], c[1]);
	sides = cmp < 0 ? 1 : cmp > 0 ? 2 : 3;
	*name = cmp <= 0 ? c[0] : c[1];
	for (int s = 0; s < 2; s++)
		if (sides & (1 << s))
			f->pos[s]++;
	return sides;
}

/* One name of the top frame, on the sides given. */
static int visit(struct walk *w, const char *name, int sides)
{
	struct frame *f = &w->st[w->n - 1];
	size_t dirlen = f->pathlen;
	struct vfs_node *n[2] = { NULL, NULL };
	struct vfs_attr at[2] = { { 0 }, { 0 } };
	size_t len = strlen(name);
	unsigned fields = 0;
	int rc = pathbuf_push(&w->p, name, len);

	for (int s = 0; s < 2 && !rc; s++)
		if ((sides & (1 << s)) &&
		    !(rc = vfs_lookup(w->fs[s], f->dir[s], name, len, &n[s])))
			rc = vfs_getattr(w->fs[s], n[s], &at[s]);
	if (!rc && sides == 3)
		rc = compare(w, n, at, &fields);
	if (!rc && (sides != 3 || fields))
		rc = report(w, sides == 1 ? DIFF_REMOVED : sides == 2 ?
			    DIFF_ADDED : DIFF_CHANGED, at[0].mode, at[1].mode,
			    fields);
	/* a directory is entered: its path stays until its frame's pop */
	if (!rc && (S_ISDIR(at[0].mode) || S_ISDIR(at[1].mode)))
		rc = push(w, S_ISDIR(at[0].mode) ? n[0] : NULL,
			  S_ISDIR(at[1].mode) ? n[1] : NULL);
	else
		pathbuf_pop(&w->p, dirlen);
	vfs_put(w->fs[0], n[0]);
	vfs_put(w->fs[1], n[1]);
	return rc;
}

int diff_trees(struct vfs_fs *a, struct vfs_fs *b, const struct diff_opts *o,
	       struct err *e)
{
	struct walk w = { .fs = { a, b }, .o = o, .p = { .rooted = true } };
	struct vfs_node *ra = NULL, *rb = NULL;
	int rc = -ENOMEM;

	w.buf[0] = malloc(WINDOW);
	w.buf[1] = malloc(WINDOW);
	if (!w.buf[0] || !w.buf[1])
		goto out;
	rc = vfs_resolve(a, "/", false, &ra);
	if (!rc)
		rc = vfs_resolve(b, "/", false, &rb);
	if (!rc)
		rc = push(&w, ra, rb);
	while (!rc && w.n) {
		const char *name;
		int sides = next_name(&w.st[w.n - 1], &name);

		if (!sides)
			pop(&w);
		else
			rc = visit(&w, name, sides);
	}
	if (rc)
		err_entry(e, w.p.s ? w.p.s : "/", w.p.s ? w.p.len : 1);
out:
	while (w.n)
		pop(&w);
	vfs_put(a, ra);
	vfs_put(b, rb);
	free(w.st);
	free(w.buf[0]);
	free(w.buf[1]);
	pathbuf_release(&w.p);
	if (rc)
		return err_set(e, rc, NULL);
	return w.differ ? 1 : 0;
}
