/*
 * inspect: per-layer changes and wasted bytes of a stack (see inspect.h).
 *
 * One depth-first walk over the union of every layer's tree. At each path
 * the walk holds each layer's dentry there (a small array, bottom first)
 * and the layers that block it from an ancestor (a whiteout, non-directory
 * or opaque directory higher up the path); from these it works out, for
 * every entry, the lowest layer that covers it, as ovl_lookup_stack would
 * stop at it. The merged views M(0)..M(n-1) at that path are then the
 * union of the intervals [layer, covering layer) of its entries, so one
 * sweep gives A, M and D per layer without building any view.
 */
#include "core/inspect.h"
#include "core/inspect_impl.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/ovl.h"
#include "base/grow.h"
#include "base/u64map.h"
#include "core/pathbuf.h"
#include "layers/memfs.h"


/*
 * A file with several names in its layer: its bytes count once, and are
 * wasted only when none of its names is in the final view.
 */
struct link_ent {
	const struct memfs_inode *ino;
	const struct memfs_dentry *first;
	uint64_t seq;
	uint32_t layer, by;
	bool visible;
};

/* The multiply-linked files seen, in order; links maps inode -> index. */
struct link_tab {
	struct u64map links;
	struct link_ent *v;
	size_t n, cap;
};

/* A wasted file that may make the top list. */
struct cand {
	const struct memfs_dentry *d;
	uint64_t bytes, seq;
	uint32_t layer, by;
};

struct walker {
	const struct inspect_opts *o;
	struct inspect_report *r;
	uint32_t n;
	uint32_t *cov;		/* per slot of the current path: covered by */
	struct pathbuf p;	/* "/a/b" of the current path */
	uint32_t *blk;		/* layers blocking the current path above */
	size_t nblk, blkcap;
	struct link_tab links;
	struct cand *heap;	/* min-heap (worst first) of o->top */
	size_t nheap;
	uint64_t seq;		/* regular files seen, for stable ties */
	struct inspect_dive_walk *dive;
	bool dive_only;		/* the second walk (inspect_dive_rewind) */
};

/* The entry of ino, added (zeroed, ino set, *added true) when new. */
static struct link_ent *link_get(struct link_tab *t,
				 const struct memfs_inode *ino, bool *added)
{
	uint64_t *ix;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct link_ent *v = realloc(t->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		t->v = v;
		t->cap = cap;
	}
	ix = u64map_put(&t->links, (uint64_t)(uintptr_t)ino, added);
	if (!ix)
		return NULL;
	if (*added) {
		*ix = t->n;
		t->v[t->n++] = (struct link_ent){ .ino = ino };
	}
	return &t->v[*ix];
}

/* a ranks before b in the top list: larger, lower layer, earlier. */
static bool cand_before(const struct cand *a, const struct cand *b)
{
	if (a->bytes != b->bytes)
		return a->bytes > b->bytes;
	if (a->layer != b->layer)
		return a->layer < b->layer;
	return a->seq < b->seq;
}

static void heap_down(struct cand *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, w = i;
		struct cand t;

		if (l < n && cand_before(&h[w], &h[l]))
			w = l;
		if (r < n && cand_before(&h[w], &h[r]))
			w = r;
		if (w == i)
			return;
		t = h[i];
		h[i] = h[w];
		h[w] = t;
		i = w;
	}
}

/* Offers c to the top list, a heap whose root is its last-ranked. */
static void heap_offer(struct walker *w, const struct cand *c)
{
	struct cand *h = w->heap;
	size_t i;

	if (!w->o->top)
		return;
	if (w->nheap == w->o->top) {
		if (!cand_before(c, &h[0]))
			return;
		h[0] = *c;
		heap_down(h, w->nheap, 0);
		return;
	}
	i = w->nheap++;
	h[i] = *c;
	while (i && cand_before(&h[(i - 1) / 2], &h[i])) {
		struct cand t = h[i];

		h[i] = h[(i - 1) / 2];
		h[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

static int blk_push(struct walker *w, uint32_t layer)
{
	if (w->nblk == w->blkcap) {
		size_t cap = w->blkcap ? w->blkcap * 2 : 16;
		uint32_t *b = realloc(w->blk, cap * sizeof(*b));

		if (!b)
			return -ENOMEM;
		w->blk = b;
		w->blkcap = cap;
	}
	w->blk[w->nblk++] = layer;
	return 0;
}

/* The lowest layer above k that blocks the path from an ancestor, or n. */
static uint32_t blocked_above(const struct walker *w, uint32_t k)
{
	uint32_t c = w->n;

	for (size_t i = 0; i < w->nblk; i++)
		if (w->blk[i] > k && w->blk[i] < c)
			c = w->blk[i];
	return c;
}

static bool is_wh(const struct memfs_dentry *d)
{
	return d->flags & MEMFS_D_WHITEOUT;
}

/* Whether d hides every lower entry at its path and below. */
static bool blocks(const struct memfs_dentry *d)
{
	return is_wh(d) || !S_ISDIR(d->ino->mode) ||
	       (d->ino->flags & MEMFS_I_OPAQUE);
}

/*
 * Fills w->cov[i] for each real entry of s: the lowest layer that covers
 * it (overlayfs lookup: a directory merges only with a directory below;
 * anything else at the path, or a blocker above it, covers), else n.
 */
static void covering(struct walker *w, const struct inspect_slot *s, uint32_t m)
{
	uint32_t any = w->n, blk = w->n;

	for (uint32_t i = m; i-- > 0;) {
		const struct memfs_dentry *d = s[i].d;
		uint32_t above = blocked_above(w, s[i].layer);

		if (!is_wh(d)) {
			uint32_t c = S_ISDIR(d->ino->mode) ? blk : any;

			w->cov[i] = c < above ? c : above;
		}
		any = s[i].layer;
		if (blocks(d))
			blk = s[i].layer;
	}
}

static int report_change(struct walker *w, uint32_t layer,
			 enum inspect_change c, const struct memfs_inode *ino)
{
	struct inspect_layer *l = &w->r->layers[layer];

	if (c == INSPECT_ADDED)
		l->added++;
	else if (c == INSPECT_MODIFIED)
		l->modified++;
	else
		l->removed++;
	if (w->o->fn && w->o->layer == (int)layer)
		return w->o->fn(w->o->ctx, c, w->p.s, w->p.len, ino);
	return 0;
}

/* The bytes of one regular file's name in layer k, covered by cov. */
static int account(struct walker *w, const struct memfs_dentry *d, uint32_t k,
		   uint32_t cov)
{
	const struct memfs_inode *ino = d->ino;
	struct inspect_layer *l = &w->r->layers[k];
	uint64_t size = ino->u.data->size;
	struct link_ent *le;
	bool added;

	w->seq++;
	if (ino->nlink < 2) {
		l->files++;
		l->bytes += size;
		if (cov < w->n) {
			struct cand c = { d, size, w->seq, k, cov };

			l->wasted += size;
			heap_offer(w, &c);
		}
		return 0;
	}
	le = link_get(&w->links, ino, &added);
	if (!le)
		return -ENOMEM;
	if (added) {
		*le = (struct link_ent){ .ino = ino, .first = d, .seq = w->seq,
					 .layer = k, .by = cov };
		l->files++;
		l->bytes += size;
	}
	if (cov == w->n)
		le->visible = true;
	else if (cov > le->by)
		le->by = cov;
	return 0;
}

/*
 * Whether b, a directory over the directory a, leaves it as it was: same
 * mode, owner, time and xattrs (a layer repeats the parents of what it
 * adds; dive too marks such a parent unmodified).
 */
static bool same_dir(const struct memfs_inode *a, const struct memfs_inode *b)
{
	/* an opaque directory hides what is below: a change however equal */
	if (!S_ISDIR(a->mode) || !S_ISDIR(b->mode) || a->mode != b->mode ||
	    (b->flags & MEMFS_I_OPAQUE) ||
	    a->uid != b->uid || a->gid != b->gid ||
	    a->mtime.tv_sec != b->mtime.tv_sec ||
	    a->mtime.tv_nsec != b->mtime.tv_nsec || a->nxattrs != b->nxattrs)
		return false;
	for (uint32_t i = 0; i < a->nxattrs; i++) {
		const struct memfs_xattr *x = &a->xattrs[i], *y = &b->xattrs[i];

		if (strcmp(x->name, y->name) || x->len != y->len ||
		    (x->len && memcmp(x->value, y->value, x->len)))
			return false;
	}
	return true;
}

/* One path: its entries s[0..m-1] (bottom first, whiteouts included). */
static int visit_path(struct walker *w, const struct inspect_slot *s, uint32_t m)
{
	uint32_t end = 0, top = 0;
	bool have = false;
	int rc = 0;

	covering(w, s, m);
	for (uint32_t i = 0; !rc && i < m; i++) {
		uint32_t k = s[i].layer;

		if (is_wh(s[i].d))
			continue;
		/* The view's interval ended below k: removed at layer end. */
		if (have && end < k) {
			rc = report_change(w, end, INSPECT_REMOVED,
					   s[top].d->ino);
			have = false;
		}
		/* a directory merging with an equal one changes nothing */
		if (!rc && !(have && same_dir(s[top].d->ino, s[i].d->ino)))
			rc = report_change(w, k, have ? INSPECT_MODIFIED :
					   INSPECT_ADDED, s[i].d->ino);
		if (!rc && S_ISREG(s[i].d->ino->mode))
			rc = account(w, s[i].d, k, w->cov[i]);
		if (!have || w->cov[i] > end)
			end = w->cov[i];
		have = true;
		top = i;
	}
	if (!rc && have && end < w->n)
		rc = report_change(w, end, INSPECT_REMOVED, s[top].d->ino);
	return rc;
}

struct cursor {
	struct memfs_dentry **list;
	size_t n, pos;
};

/*
 * A path being walked: the merge of its directories' listings (bottom
 * first, cur[i] the listing of dirs[i]), kids scratch for one child name,
 * and what to restore when it is done (leave: the dive saw it entered).
 */
struct frame {
	struct cursor *cur;
	struct inspect_slot *dirs, *kids;
	uint32_t nd;
	size_t plen, nblk;
	bool leave;
};

struct frames {
	struct frame *v;
	size_t n, cap;
};

/* Pushes a frame for the directories dirs[0..nd-1] (copied). */
static int frame_push(struct frames *fr, const struct inspect_slot *dirs,
		      uint32_t nd, size_t plen, size_t nblk, bool leave)
{
	struct frame *f;
	int rc = 0;

	if (grow(&fr->v, fr->n, &fr->cap, sizeof(*fr->v)))
		return -ENOMEM;
	f = &fr->v[fr->n];
	f->cur = malloc(nd * (sizeof(struct cursor) +
			      2 * sizeof(struct inspect_slot)));
	if (!f->cur)
		return -ENOMEM;
	f->dirs = (struct inspect_slot *)(f->cur + nd);
	f->kids = f->dirs + nd;
	f->nd = nd;
	f->plen = plen;
	f->nblk = nblk;
	f->leave = leave;
	memcpy(f->dirs, dirs, nd * sizeof(*dirs));
	for (uint32_t i = 0; !rc && i < nd; i++) {
		f->cur[i].pos = 0;
		rc = memfs_readdir(dirs[i].d, &f->cur[i].list, &f->cur[i].n);
	}
	if (rc) {
		free(f->cur);
		return rc;
	}
	fr->n++;
	return 0;
}

/* The next child name of f into f->kids; 0 when the listings are done. */
static uint32_t frame_next(struct frame *f)
{
	struct memfs_dentry *min = NULL;
	uint32_t m = 0;

	for (uint32_t i = 0; i < f->nd; i++)
		if (f->cur[i].pos < f->cur[i].n &&
		    (!min || memfs_name_cmp(f->cur[i].list[f->cur[i].pos], min) < 0))
			min = f->cur[i].list[f->cur[i].pos];
	if (!min)
		return 0;
	for (uint32_t i = 0; i < f->nd; i++) {
		if (f->cur[i].pos < f->cur[i].n &&
		    !memfs_name_cmp(f->cur[i].list[f->cur[i].pos], min)) {
			f->kids[m].d = f->cur[i].list[f->cur[i].pos++];
			f->kids[m++].layer = f->dirs[i].layer;
		}
	}
	return m;
}

/*
 * One child name: its entries kids[0..m-1]; its directories go to sub
 * (room for m), *ns of them, to be walked next with the path left on.
 */
static int visit_child(struct walker *w, const struct inspect_slot *kids,
		       uint32_t m, struct inspect_slot *sub, uint32_t *ns)
{
	const struct memfs_dentry *d0 = kids[0].d;
	int rc = pathbuf_push(&w->p, d0->name, d0->namelen);

	*ns = 0;
	if (!rc && !w->dive_only)
		rc = visit_path(w, kids, m);
	if (!rc)
		rc = inspect_dive_enter(w->dive, kids, m, w->p.s, w->p.len);
	for (uint32_t i = 0; !rc && i < m; i++) {
		if (!is_wh(kids[i].d) && S_ISDIR(kids[i].d->ino->mode))
			sub[(*ns)++] = kids[i];
		if (blocks(kids[i].d) && kids[i].layer > 0)
			rc = blk_push(w, kids[i].layer);
	}
	return rc;
}

/* A child done: the dive leaves it, then the walk's state is restored. */
static int child_done(struct walker *w, size_t plen, size_t nblk)
{
	int rc = inspect_dive_leave(w->dive, w->p.s, w->p.len);

	w->nblk = nblk;
	pathbuf_pop(&w->p, plen);
	return rc;
}

/*
 * Every path below the roots (bottom first), depth first with an
 * explicit stack of merged directories (STYLE.md: no recursion whose
 * depth the input decides).
 */
static int walk_dir(struct walker *w, const struct inspect_slot *roots,
		    uint32_t n)
{
	struct frames fr = { 0 };
	struct inspect_slot *sub = malloc(n * sizeof(*sub));
	int rc = sub ? frame_push(&fr, roots, n, w->p.len, w->nblk, false)
		     : -ENOMEM;

	while (!rc && fr.n) {
		struct frame *f = &fr.v[fr.n - 1];
		size_t saved = w->p.len, nblk = w->nblk;
		uint32_t m = frame_next(f), ns;

		if (!m) {
			struct frame done = *f;

			free(f->cur);
			fr.n--;
			if (done.leave)
				rc = child_done(w, done.plen, done.nblk);
			continue;
		}
		rc = visit_child(w, f->kids, m, sub, &ns);
		if (!rc && ns)
			rc = frame_push(&fr, sub, ns, saved, nblk, true);
		else if (!rc)
			rc = child_done(w, saved, nblk);
	}
	while (fr.n)
		free(fr.v[--fr.n].cur);
	free(fr.v);
	free(sub);
	return rc;
}

/* Settles the multiply-linked files and turns the heap into the list. */
static int finish(struct walker *w)
{
	struct inspect_report *r = w->r;

	for (size_t i = 0; i < w->links.n; i++) {
		const struct link_ent *le = &w->links.v[i];

		if (!le->visible) {
			struct cand c = { le->first, le->ino->u.data->size,
					  le->seq, le->layer, le->by };

			r->layers[le->layer].wasted += c.bytes;
			heap_offer(w, &c);
		}
	}
	for (size_t i = 0; i < r->nlayers; i++) {
		r->bytes += r->layers[i].bytes;
		r->wasted += r->layers[i].wasted;
	}
	r->efficiency = r->bytes ? (double)(r->bytes - r->wasted) /
				   (double)r->bytes : 1.0;
	/* heap to list: take the last-ranked out from the back */
	r->waste = calloc(w->nheap ? w->nheap : 1, sizeof(*r->waste));
	if (!r->waste)
		return -ENOMEM;
	r->nwaste = w->nheap;	/* filled from the back; paths NULL till then */
	for (size_t k = w->nheap; k-- > 0;) {
		struct cand c = w->heap[0];
		char *p = memfs_path(c.d);

		w->heap[0] = w->heap[k];
		heap_down(w->heap, k, 0);
		if (!p)
			return -ENOMEM;
		r->waste[k].path = malloc(strlen(p) + 2);
		if (!r->waste[k].path) {
			free(p);
			return -ENOMEM;
		}
		r->waste[k].path[0] = '/';
		strcpy(r->waste[k].path + 1, p);
		free(p);
		r->waste[k].bytes = c.bytes;
		r->waste[k].layer = c.layer;
		r->waste[k].by = c.by;
	}
	return 0;
}

int inspect_run(struct ovl *ovl, const struct inspect_opts *o,
		struct inspect_report *r, struct err *e)
{
	size_t n = ovl_nlayers(ovl);
	struct walker w = { .o = o, .r = r, .n = (uint32_t)n,
			   .p = { .rooted = true } };
	struct inspect_slot *roots;
	int rc = -ENOMEM;

	memset(r, 0, sizeof(*r));
	if (o->layer >= (int)n)
		return err_set(e, -EINVAL, "no layer %d: the stack has %zu",
			       o->layer + 1, n);
	r->nlayers = n;
	r->layers = calloc(n, sizeof(*r->layers));
	roots = calloc(n, sizeof(*roots));
	w.cov = calloc(n, sizeof(*w.cov));
	w.heap = calloc(o->top ? o->top : 1, sizeof(*w.heap));
	if (!r->layers || !roots || !w.cov || !w.heap ||
	    inspect_dive_new(w.n, o->top, &w.dive))
		goto out;
	/* The roots merge whatever they say (ovl_lookup.c, root_stack). */
	for (size_t i = 0; i < n; i++) {
		roots[i].d = memfs_root(ovl_layer(ovl, i));
		roots[i].layer = (uint32_t)i;
	}
	rc = walk_dir(&w, roots, (uint32_t)n);
	if (rc)
		err_entry(e, w.p.s, w.p.len);
	else
		rc = finish(&w);
	if (!rc && inspect_dive_rewind(w.dive)) {
		w.dive_only = true;
		rc = walk_dir(&w, roots, (uint32_t)n);
		if (rc)
			err_entry(e, w.p.s, w.p.len);
	}
	if (!rc)
		rc = inspect_dive_finish(w.dive, r);
out:
	inspect_dive_free(w.dive);
	free(roots);
	free(w.cov);
	free(w.heap);
	pathbuf_release(&w.p);
	free(w.blk);
	free(w.links.v);
	u64map_release(&w.links.links);
	return err_set(e, rc, NULL);
}

void inspect_report_release(struct inspect_report *r)
{
	if (r->waste)
		for (size_t i = 0; i < r->nwaste; i++)
			free(r->waste[i].path);
	free(r->waste);
	for (size_t i = 0; i < r->dive.nfiles; i++)
		free(r->dive.files[i].path);
	free(r->dive.files);
	free(r->layers);
	memset(r, 0, sizeof(*r));
}
