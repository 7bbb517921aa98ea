/*
 * ovl_limits: the bounds on what mutations make. A layer is refused
 * beyond --max-path-depth, --max-entries and the path length overtar(1)
 * LIMITS gives; a script must not build what no layer could hold (its
 * output would not load again), nor content without end (--max-added).
 * A dentry knows its depth; a moved tree's height is measured by an
 * explicit-stack walk: nothing here recurses.
 */
#include "core/ovl_impl.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static int refuse(struct ovl *ovl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int refuse(struct ovl *ovl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ovl->limit, sizeof(ovl->limit), fmt, ap);
	va_end(ap);
	ovl->vfs.limit = ovl->limit;
	return -EDQUOT;
}

/* Whether a path depth components and bytes long passes the limits. */
static int check(struct ovl *ovl, size_t depth, size_t bytes)
{
	const struct ovl_opts *o = &ovl->opts;
	struct memfs *upper = ovl->layers[ovl->nlayers];

	if (o->max_depth && depth > o->max_depth)
		return refuse(ovl, "deeper than %zu components "
			      "(--max-path-depth)", o->max_depth);
	if (o->max_path && bytes > o->max_path)
		return refuse(ovl, "a path longer than %zu bytes",
			      o->max_path);
	if (o->max_entries && upper && memfs_count(upper) > o->max_entries)
		return refuse(ovl, "more than %" PRIu64 " entries "
			      "(--max-entries)", o->max_entries);
	return 0;
}

/* Components and bytes of the path of a new name nlen bytes in dir. */
static void new_extent(const struct ovl_dentry *dir, size_t nlen,
		       size_t *depth, size_t *bytes)
{
	*depth = dir->depth + 1;
	*bytes = dir->pathlen + (dir->parent != NULL) + nlen;
}

int ovl_limit_new(struct ovl *ovl, const struct ovl_dentry *dir, size_t nlen,
		  size_t sub_depth, size_t sub_bytes)
{
	size_t depth, bytes;

	new_extent(dir, nlen, &depth, &bytes);
	return check(ovl, depth + sub_depth, bytes + sub_bytes);
}

/* One directory of a measured tree: its listing and extent below the top. */
struct hframe {
	struct memfs_dentry **list;
	size_t n, pos, depth, bytes;
};

int ovl_limit_tree(struct ovl *ovl, const struct ovl_dentry *dir, size_t nlen,
		   struct memfs_dentry *d)
{
	struct hframe *st, *v;
	size_t n = 0, cap = 16, depth, bytes;
	int rc;

	new_extent(dir, nlen, &depth, &bytes);
	rc = check(ovl, depth, bytes);
	if (rc || !d->ino || !S_ISDIR(d->ino->mode) ||
	    (!ovl->opts.max_depth && !ovl->opts.max_path))
		return rc;
	if (!(st = malloc(cap * sizeof(*st))))
		return -ENOMEM;
	st[0] = (struct hframe){ .depth = depth, .bytes = bytes };
	rc = memfs_readdir(d, &st[0].list, &st[0].n);
	n = !rc;
	while (!rc && n) {
		struct hframe *f = &st[n - 1];
		struct memfs_dentry *c;
		struct hframe nf;

		if (f->pos == f->n) {
			n--;
			continue;
		}
		c = f->list[f->pos++];
		if (c->flags & MEMFS_D_WHITEOUT)
			continue;
		nf = (struct hframe){ .depth = f->depth + 1,
				      .bytes = f->bytes + 1 + c->namelen };
		if ((rc = check(ovl, nf.depth, nf.bytes)))
			break;
		if (!c->ino || !S_ISDIR(c->ino->mode))
			continue;
		if ((rc = memfs_readdir(c, &nf.list, &nf.n)))
			break;
		if (n == cap) {
			if (!(v = realloc(st, 2 * cap * sizeof(*v)))) {
				rc = -ENOMEM;
				break;
			}
			st = v;
			cap *= 2;
		}
		st[n++] = nf;
	}
	free(st);
	return rc;
}

int ovl_limit_bytes(struct ovl *ovl, uint64_t bytes)
{
	uint64_t max = ovl->opts.max_added;

	if (max && (bytes > max || ovl->added > max - bytes))
		return refuse(ovl, "more than %" PRIu64 " bytes of content "
			      "added (--max-added)", max);
	ovl->added += bytes;
	return 0;
}
