/*
 * inspect_dive: dive's CI figures (efficiency, wasted bytes, user wasted
 * percent), computed on inspect's walk over the union of the layers the
 * way dive computes them on its own trees, so that a .dive-ci rule gives
 * dive's verdict (see struct inspect_dive in inspect.h).
 *
 * dive (dive/filetree/efficiency.go) visits the leaves of each layer's
 * tree: files, symlinks, empty directories and whiteouts (".wh.NAME",
 * counted at NAME; ".wh..wh..opq" is never added to its trees). A leaf
 * adds its tar size to its path: a regular file its size, a name from a
 * hard link entry 0 (MEMFS_D_LINK: the entry has no data), anything else 0, and
 * a whiteout the sizes of every node under NAME in the stack of the layers
 * below it when NAME is a directory there, else 0. dive's stack
 * (file_tree.go, Stack) adds every node and removes a whited-out path with
 * all below it, and knows neither opaque directories nor a file that
 * replaces a directory. A whiteout whose name that stack lacks makes dive
 * stop counting its layer (the visitor's error ends VisitDepthChildFirst),
 * and leaves its path at the size -1. For a whiteout of the base layer,
 * dive's stack of "the layers below" is the base's own tree.
 *
 * dive visits a layer's leaves in byte order of its tree's names, where a
 * whiteout is named ".wh.NAME"; overtar's walk goes by NAME. So where a
 * layer stops, the walk first only notes where (the first stop in dive's
 * order, per layer), and when any layer stopped the figures are taken
 * again by a second walk that skips each stopped layer's leaves past that
 * point (inspect_dive_rewind). What cannot be matched
 * from the layers as loaded: two tar entries of one name in one layer
 * (dive counts both in the layer's size), and overlayfs-style whiteouts
 * (character devices 0/0, which dive takes for devices).
 */
#include "core/inspect_impl.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "layers/memfs.h"

/* A whiteout of a directory, summing what it deletes as the walk goes. */
struct acc {
	uint32_t layer;		/* the whiteout's layer: the stack is below */
	uint64_t total;
};

/* One path the walk stands in. */
struct frame {
	int64_t min;		/* -1 until a size is seen */
	uint64_t cum, count;
	bool created;		/* in dive's map (a visit began) */
	size_t nacc, nwh;	/* accumulators, whiteout layers below it */
};

/* An inefficient path of the top list. */
struct top {
	char *path;
	uint64_t count, bytes;
};

struct inspect_dive_walk {
	uint32_t n;
	char **stop;		/* per layer: where dive stops counting it
				   ("/a/.wh.b"), or NULL */
	bool rewound;		/* the second walk: stop is final */
	bool restart;		/* the first walk found a stop */
	uint64_t *dsize;	/* per slot of the current path */
	size_t dcap;
	struct frame *fr;
	size_t nfr, frcap;
	struct acc *acc;
	size_t nacc, acccap;
	uint32_t *wh;		/* layers of whiteouts above the path */
	size_t nwh, whcap;
	int64_t sum_min;
	uint64_t sum_cum, wasted;
	struct top *top;
	size_t ntop, maxtop;
};

int inspect_dive_new(uint32_t n, size_t top, struct inspect_dive_walk **out)
{
	struct inspect_dive_walk *dw = calloc(1, sizeof(*dw));

	if (!dw)
		return -ENOMEM;
	dw->n = n;
	dw->maxtop = top;
	dw->stop = calloc(n ? n : 1, sizeof(*dw->stop));
	dw->top = calloc(top ? top : 1, sizeof(*dw->top));
	if (!dw->stop || !dw->top) {
		inspect_dive_free(dw);
		return -ENOMEM;
	}
	*out = dw;
	return 0;
}

void inspect_dive_free(struct inspect_dive_walk *dw)
{
	if (!dw)
		return;
	for (size_t i = 0; i < dw->ntop; i++)
		free(dw->top[i].path);
	free(dw->top);
	for (uint32_t i = 0; dw->stop && i < dw->n; i++)
		free(dw->stop[i]);
	free(dw->stop);
	free(dw->dsize);
	free(dw->fr);
	free(dw->acc);
	free(dw->wh);
	free(dw);
}

/* Makes room for one more element of size sz in *v (n used, *cap). */
static int grow(void **v, size_t n, size_t *cap, size_t sz)
{
	size_t c;
	void *p;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 16;
	p = realloc(*v, c * sz);
	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = c;
	return 0;
}

static bool is_wh(const struct memfs_dentry *d)
{
	return d->flags & MEMFS_D_WHITEOUT;
}

/* The tar size dive reads for a (non-whiteout) entry: a link entry's 0. */
static uint64_t tar_size(const struct memfs_dentry *d)
{
	if (!S_ISREG(d->ino->mode) || (d->flags & MEMFS_D_LINK))
		return 0;
	return d->ino->u.data->size;
}

/*
 * The slot of s holding the path in dive's stack of the layers below
 * `below`, or -1 when the stack lacks it: the topmost entry below that
 * no whiteout at the path or above it (in a layer below `below`) came
 * after.
 */
static int in_stack(const struct inspect_dive_walk *dw,
		    const struct inspect_slot *s, uint32_t m, uint32_t below)
{
	int64_t rm = -1;
	int top = -1;

	/* dive's StackTreeRange(trees, 0, -1) for the base: the base's own
	   tree, its whiteouts not applied */
	if (!below)
		return m && !s[0].layer && !is_wh(s[0].d) ? 0 : -1;
	for (size_t i = 0; i < dw->nwh; i++)
		if (dw->wh[i] < below && (int64_t)dw->wh[i] > rm)
			rm = dw->wh[i];
	/* a whiteout at layer j removes what the layers below j have; an
	   entry of j itself next to its own whiteout (shadowed) stays */
	for (uint32_t i = 0; i < m && s[i].layer < below; i++) {
		if (is_wh(s[i].d) || (s[i].d->flags & MEMFS_D_SHADOWED))
			if ((int64_t)s[i].layer > rm)
				rm = s[i].layer;
		if (!is_wh(s[i].d))
			top = (int)i;
	}
	return top >= 0 && (int64_t)s[top].layer >= rm ? top : -1;
}

/*
 * Orders the leaf at path (its last name spelled ".wh.NAME" when wh) and
 * the stop key (".wh." already in it) as dive's walk meets them: name by
 * name, in byte order. Returns <0, 0 or >0.
 */
static int key_cmp(const char *path, size_t len, bool wh, const char *key)
{
	const char *p = path, *end = path + len, *k = key;

	for (;;) {
		const char *pe, *ke;
		size_t pl, kl;
		int c;

		while (p < end && *p == '/')
			p++;
		while (*k == '/')
			k++;
		if (p == end || !*k)
			return (p < end) - (*k != '\0');
		pe = memchr(p, '/', (size_t)(end - p));
		pe = pe ? pe : end;
		ke = strchr(k, '/');
		ke = ke ? ke : k + strlen(k);
		if (wh && pe == end) {	/* the leaf's last name: ".wh.NAME" */
			kl = (size_t)(ke - k);
			c = strncmp(".wh.", k, kl < 4 ? kl : 4);
			if (c || kl < 4)
				return c ? c : 1;
			k += 4;
		}
		pl = (size_t)(pe - p);
		kl = (size_t)(ke - k);
		c = memcmp(p, k, pl < kl ? pl : kl);
		if (c || pl != kl)
			return c ? c : pl < kl ? -1 : 1;
		p = pe;
		k = ke;
	}
}

/*
 * Whether dive has stopped counting layer k by the leaf at path (wh: a
 * whiteout). The first walk counts everything (and notes the stops).
 */
static bool stopped(const struct inspect_dive_walk *dw, uint32_t k,
		    const char *path, size_t len, bool wh)
{
	return dw->rewound && dw->stop[k] &&
	       key_cmp(path, len, wh, dw->stop[k]) > 0;
}

/* Notes that dive stops layer k at the whiteout at path. 0 or -ENOMEM. */
static int note_stop(struct inspect_dive_walk *dw, uint32_t k,
		     const char *path, size_t len)
{
	const char *slash;
	char *key;

	if (dw->rewound)
		return 0;
	if (dw->stop[k] && key_cmp(path, len, true, dw->stop[k]) >= 0)
		return 0;
	slash = memrchr(path, '/', len);
	slash = slash ? slash + 1 : path;
	key = malloc(len + 5);
	if (!key)
		return -ENOMEM;
	memcpy(key, path, (size_t)(slash - path));
	memcpy(key + (slash - path), ".wh.", 4);
	memcpy(key + (slash - path) + 4, slash, len - (size_t)(slash - path));
	key[len + 4] = '\0';
	free(dw->stop[k]);
	dw->stop[k] = key;
	dw->restart = true;
	return 0;
}

/* One leaf of size `size` at the current path. */
static void add_size(struct frame *f, uint64_t size)
{
	f->cum += size;
	if (f->min < 0 || size < (uint64_t)f->min)
		f->min = (int64_t)size;
	f->count++;
	f->created = true;
}

/* A whiteout of layer k at the current path, as dive's visitor sees it. */
static int visit_wh(struct inspect_dive_walk *dw, const struct inspect_slot *s,
		    uint32_t m, uint32_t k, struct frame *f, const char *path,
		    size_t len)
{
	int t;

	if (stopped(dw, k, path, len, true))
		return 0;
	t = in_stack(dw, s, m, k);
	if (t < 0) {
		/* GetNode fails: the entry is made, the layer's walk ends */
		f->created = true;
		return note_stop(dw, k, path, len);
	}
	if (!S_ISDIR(s[t].d->ino->mode)) {
		add_size(f, 0);
		return 0;
	}
	if (grow((void **)&dw->acc, dw->nacc, &dw->acccap, sizeof(*dw->acc)))
		return -ENOMEM;
	dw->acc[dw->nacc++] = (struct acc){ .layer = k };
	f->nacc++;
	f->created = true;
	return 0;
}

/* The slot i at the current path, as dive's visitor sees it. */
static int visit_slot(struct inspect_dive_walk *dw, const struct inspect_slot *s,
		      uint32_t m, uint32_t i, struct frame *f,
		      const char *path, size_t len)
{
	const struct memfs_dentry *d = s[i].d;
	int rc = 0;

	if (is_wh(d))
		return visit_wh(dw, s, m, s[i].layer, f, path, len);
	/* dive sees the tar's ".wh.NAME" beside NAME as a leaf of its own */
	if (d->flags & MEMFS_D_SHADOWED)
		rc = visit_wh(dw, s, m, s[i].layer, f, path, len);
	if (rc || stopped(dw, s[i].layer, path, len, false))
		return rc;
	if (!S_ISDIR(d->ino->mode) || !memfs_dir_count(d))
		add_size(f, dw->dsize[i]);
	return 0;
}

int inspect_dive_enter(struct inspect_dive_walk *dw,
		       const struct inspect_slot *s, uint32_t m,
		       const char *path, size_t len)
{
	struct frame *f;
	int rc;

	if (m > dw->dcap) {
		uint64_t *p = realloc(dw->dsize, m * sizeof(*p));

		if (!p)
			return -ENOMEM;
		dw->dsize = p;
		dw->dcap = m;
	}
	for (uint32_t i = 0; i < m; i++)
		dw->dsize[i] = is_wh(s[i].d) ? 0 : tar_size(s[i].d);
	/* what the whiteouts above delete includes this path */
	for (size_t a = 0; a < dw->nacc; a++) {
		int t = in_stack(dw, s, m, dw->acc[a].layer);

		if (t >= 0)
			dw->acc[a].total += dw->dsize[t];
	}
	if (grow((void **)&dw->fr, dw->nfr, &dw->frcap, sizeof(*dw->fr)))
		return -ENOMEM;
	f = &dw->fr[dw->nfr++];
	*f = (struct frame){ .min = -1 };
	for (uint32_t i = 0; i < m; i++)
		if ((rc = visit_slot(dw, s, m, i, f, path, len)))
			return rc;
	for (uint32_t i = 0; i < m; i++) {
		if (!is_wh(s[i].d) && !(s[i].d->flags & MEMFS_D_SHADOWED))
			continue;
		if (grow((void **)&dw->wh, dw->nwh, &dw->whcap,
			 sizeof(*dw->wh)))
			return -ENOMEM;
		dw->wh[dw->nwh++] = s[i].layer;
		f->nwh++;
	}
	return 0;
}

/* Offers a path seen more than once to the top list (largest first). */
static int offer(struct inspect_dive_walk *dw, const char *path, size_t len,
		 const struct frame *f)
{
	size_t i = dw->ntop;
	char *p;

	if (!dw->maxtop)
		return 0;
	/* ties keep walk order: byte order of paths */
	while (i > 0 && dw->top[i - 1].bytes < f->cum)
		i--;
	if (i >= dw->maxtop)
		return 0;
	p = strndup(path, len);
	if (!p)
		return -ENOMEM;
	if (dw->ntop == dw->maxtop)
		free(dw->top[--dw->ntop].path);
	memmove(&dw->top[i + 1], &dw->top[i],
		(dw->ntop - i) * sizeof(*dw->top));
	dw->top[i] = (struct top){ p, f->count, f->cum };
	dw->ntop++;
	return 0;
}

int inspect_dive_leave(struct inspect_dive_walk *dw, const char *path,
		       size_t len)
{
	struct frame *f = &dw->fr[--dw->nfr];

	dw->nwh -= f->nwh;
	/* the whiteouts of this path: now the size of what they delete */
	for (size_t a = dw->nacc - f->nacc; a < dw->nacc; a++) {
		uint64_t size = dw->acc[a].total;

		f->cum += size;
		if (f->min < 0 || size < (uint64_t)f->min)
			f->min = (int64_t)size;
		f->count++;
	}
	dw->nacc -= f->nacc;
	if (!f->created)
		return 0;
	dw->sum_min += f->count ? f->min : -1;
	dw->sum_cum += f->cum;
	if (f->count < 2)
		return 0;
	dw->wasted += f->cum;
	return offer(dw, path, len, f);
}

bool inspect_dive_rewind(struct inspect_dive_walk *dw)
{
	if (!dw->restart || dw->rewound)
		return false;
	dw->rewound = true;
	for (size_t i = 0; i < dw->ntop; i++)
		free(dw->top[i].path);
	dw->ntop = 0;
	dw->nfr = dw->nacc = dw->nwh = 0;
	dw->sum_min = 0;
	dw->sum_cum = dw->wasted = 0;
	return true;
}

int inspect_dive_finish(struct inspect_dive_walk *dw, struct inspect_report *r)
{
	struct inspect_dive *d = &r->dive;

	for (size_t i = 0; i < r->nlayers; i++) {
		d->size_bytes += r->layers[i].bytes;
		if (i)
			d->user_size_bytes += r->layers[i].bytes;
	}
	d->wasted_bytes = dw->wasted;
	d->efficiency = dw->sum_cum ? (double)dw->sum_min /
				      (double)dw->sum_cum : 1.0;
	/* float64(wasted) / float64(user): NaN or +Inf over 0, as in Go */
	d->wasted_user_percent = (double)d->wasted_bytes /
				 (double)d->user_size_bytes;
	d->files = calloc(dw->ntop ? dw->ntop : 1, sizeof(*d->files));
	if (!d->files)
		return -ENOMEM;
	for (size_t i = 0; i < dw->ntop; i++) {
		d->files[i] = (struct inspect_dive_file){
			dw->top[i].path, dw->top[i].count, dw->top[i].bytes };
		dw->top[i].path = NULL;
	}
	d->nfiles = dw->ntop;
	dw->ntop = 0;
	return 0;
}
