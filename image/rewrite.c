/*
 * rewrite: one layer of an image read in, changed and written again, for
 * `overtar mod` (--strip, --retime, -z). The layer is loaded into a memfs
 * (layers/tarin.h), paths matching a --strip pattern are removed from it
 * with everything below them, whiteouts included (regctl's
 * --layer-strip-file: the bytes leave the image, no whiteout is added),
 * mtimes are clamped, and it is written back as a changeset
 * (core/export.h) through a digest sink into a temporary file, which
 * becomes the layer's blob.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/export.h"
#include "image/image_impl.h"
#include "layers/memfs.h"
#include "layers/tarin.h"
#include "layers/tarout.h"

/* Whether the path of d (no leading '/') matches one of the patterns. */
static int stripped(const struct memfs_dentry *d, const char *const *pat,
		    size_t npat, bool *hit)
{
	char *p = memfs_path(d);

	if (!p)
		return -ENOMEM;
	*hit = false;
	for (size_t i = 0; i < npat && !*hit; i++) {
		const char *q = pat[i];

		while (*q == '/')
			q++;
		/* FNM_PATHNAME: '*' stays within one component */
		*hit = !fnmatch(q, p, FNM_PATHNAME | FNM_PERIOD);
	}
	free(p);
	return 0;
}

/*
 * Removes what the patterns match from fs, and clamps mtimes to clamp
 * (when given); *changed says whether anything was removed or clamped.
 * An explicit stack of directories, not recursion.
 */
static int edit_tree(struct memfs *fs, const struct image_rewrite *rw,
		     bool *changed)
{
	struct memfs_dentry **stack = NULL, **list;
	size_t depth = 0, cap = 0, n;
	int rc = 0;

	*changed = false;
	stack = malloc(sizeof(*stack));
	if (!stack)
		return -ENOMEM;
	stack[depth++] = memfs_root(fs);
	cap = 1;
	while (!rc && depth) {
		struct memfs_dentry *dir = stack[--depth];
		struct memfs_dentry **kill = NULL;
		size_t nkill = 0;

		rc = memfs_readdir(dir, &list, &n);
		if (!rc && n && !(kill = malloc(n * sizeof(*kill))))
			rc = -ENOMEM;
		for (size_t i = 0; !rc && i < n; i++) {
			struct memfs_dentry *d = list[i];
			bool hit;

			rc = stripped(d, rw->strip, rw->nstrip, &hit);
			if (rc || hit) {
				if (!rc)
					kill[nkill++] = d;
				continue;
			}
			if (d->ino && rw->clamp &&
			    (d->ino->mtime.tv_sec > rw->now.tv_sec ||
			     (d->ino->mtime.tv_sec == rw->now.tv_sec &&
			      d->ino->mtime.tv_nsec > rw->now.tv_nsec))) {
				d->ino->mtime = rw->now;
				*changed = true;
			}
			if (d->ino && S_ISDIR(d->ino->mode)) {
				if (depth == cap) {
					struct memfs_dentry **s = realloc(
						stack, 2 * cap * sizeof(*s));

					if (!s) {
						rc = -ENOMEM;
						break;
					}
					stack = s;
					cap *= 2;
				}
				stack[depth++] = d;
			}
		}
		/* the listing is dir's own: unlink only once done with it */
		for (size_t i = 0; !rc && i < nkill; i++)
			memfs_unlink(fs, kill[i]);
		*changed |= nkill > 0;
		free(kill);
	}
	free(stack);
	return rc;
}

/* Writes fs as a layer through a digest sink into a temporary file. */
static int write_layer(struct memfs *fs, const struct image_rewrite *rw,
		       struct image_layer *out, struct sink **s,
		       struct err *e)
{
	struct sink_opts so = { .comp = rw->comp, .digest = true };
	struct sink_sums sums;
	struct tarout *t;
	int rc = sink_open(rw->tmp, &so, s, e);

	if (rc)
		return rc;
	t = tarout_new(*s);
	rc = t ? export_layer(fs, EXPORT_WH_OCI, rw->now, tarout_writer(t), e)
	       : -ENOMEM;
	if (!rc)
		rc = tarout_finish(t, e);
	tarout_free(t);
	if (rc) {
		sink_abort(*s);
		*s = NULL;
		return rc;
	}
	rc = sink_end(*s, &sums, e);
	if (rc) {
		*s = NULL;
		return rc;
	}
	out->path = strdup(sink_temp(*s));
	if (!out->path)
		return -ENOMEM;
	out->window = false;
	out->off = 0;
	out->len = sums.out_size;
	out->has_digest = true;
	memcpy(out->digest, sums.out_sha256, 32);
	memcpy(out->diff_id, sums.in_sha256, 32);
	out->media_type = image_layer_media_type(rw->comp);
	return 0;
}

int image_layer_rewrite(const struct image *img, size_t i,
			const struct image_rewrite *rw,
			struct image_layer *out, struct sink **tmp,
			struct err *e)
{
	struct tarin_opts to = { .spool_dir = rw->spool_dir };
	struct tarin_src src;
	struct memfs *fs = NULL;
	bool changed;
	int rc;

	*tmp = NULL;
	memset(out, 0, sizeof(*out));
	image_layer_src(img, i, &src);
	rc = tarin_load_src(&src, &to, &fs, e);
	if (!rc)
		rc = edit_tree(fs, rw, &changed);
	if (!rc && !changed && !rw->always) {
		memfs_free(fs);
		return 1;	/* as it was: the blob is reused */
	}
	if (!rc)
		rc = write_layer(fs, rw, out, tmp, e);
	memfs_free(fs);
	if (!rc)
		out->name = strdup(img->layers[i].name);
	return err_set(e, rc, NULL);
}
