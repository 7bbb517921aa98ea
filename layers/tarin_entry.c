/*
 * tarin_entry: the changeset rules of one layer (OCI image-spec layer.md
 * "Changesets" and "Whiteouts"), applied to each entry as it is read.
 *
 * Names are cleaned and may not climb out of the root; missing parents are
 * made implicitly; a later duplicate replaces an earlier one; a hard link
 * shares its target's inode. Whiteouts in either spelling (".wh.NAME",
 * ".wh..wh..opq", overlayfs' char device 0/0 and trusted.overlay.opaque) are
 * recorded while reading and resolved after the last entry, so where a
 * marker stood relative to its siblings never matters.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <linux/limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "layers/memfs.h"
#include "layers/tarin_impl.h"
#include "layers/whiteout.h"

/* --- names and the tree ------------------------------------------------ */

/*
 * The next '/'-separated component of [*p, end): its start, *len bytes
 * long (0 for an empty one); *p moves past it and its slash.
 */
static const char *next_component(const char **p, const char *end,
				  size_t *len)
{
	const char *s = *p;

	while (*p < end && **p != '/')
		(*p)++;
	*len = (size_t)(*p - s);
	*p += *p < end;
	return s;
}

/* Whether the components from p to end, d deep, go above the root. */
static bool climbs_out(const char *p, const char *end, size_t d)
{
	while (p < end) {
		size_t len;
		const char *s = next_component(&p, end, &len);

		if (len == 2 && s[0] == '.' && s[1] == '.') {
			if (!d)
				return true;
			d--;
		} else if (len && !(len == 1 && s[0] == '.')) {
			d++;
		}
	}
	return false;
}

/*
 * Cleans raw into out: no leading "/" or "./", no empty or "." component,
 * no trailing '/'; *depth is the number of components ("" is the root).
 * A ".." component is refused rather than resolved: a layer is a changeset
 * of its own root (image-spec layer.md), nothing in it may name its parent.
 */
static int clean_name(struct tarin_loader *ld, const char *raw,
		      const char *what, struct tarin_buf *out, size_t *depth)
{
	size_t n = strlen(raw), d = 0;
	const char *p = raw, *end = raw + n;
	char *o;

	if (n > ld->max_path)
		return err_set(ld->e, -ENAMETOOLONG,
			       "%s longer than %zu bytes", what, ld->max_path);
	if (tarin_buf_reserve(out, n + 1))
		return tarin_oom(ld);
	o = out->p;
	while (p < end) {
		size_t len;
		const char *s = next_component(&p, end, &len);

		if (!len || (len == 1 && s[0] == '.'))
			continue;
		/* Refused wherever it stands (a layer's names are plain
		 * paths, OCI layer.md); the message says whether it climbs
		 * out of the root ("a/../x" does not). */
		if (len == 2 && s[0] == '.' && s[1] == '.')
			return err_set(ld->e, -EINVAL, climbs_out(s, end, d)
				       ? "%s climbs out of the root"
				       : "%s contains '..'", what);
		if (len > TARIN_NAME_MAX)
			return err_set(ld->e, -ENAMETOOLONG,
				       "%s has a component over %d bytes",
				       what, TARIN_NAME_MAX);
		if (o != out->p)
			*o++ = '/';
		memcpy(o, s, len);
		o += len;
		d++;
	}
	*o = '\0';
	out->len = (size_t)(o - out->p);
	*depth = d;
	if (d > ld->max_depth)
		return err_set(ld->e, -E2BIG, "%s deeper than %zu components",
			       what, ld->max_depth);
	return 0;
}

static size_t count_slashes(const char *p, size_t len)
{
	size_t k = 0;

	for (const char *q = p; (q = memchr(q, '/', len - (size_t)(q - p)));
	     q++)
		k++;
	return k;
}

static void cache_reset(struct tarin_loader *ld)
{
	ld->cdepth = 0;
	ld->cpath.len = 0;
}

/* A directory implied by a deeper entry: 0755 root:root, mtime 0. */
static int implicit_dir(struct tarin_loader *ld, struct memfs_dentry *dir,
			const char *name, size_t len,
			struct memfs_dentry **out)
{
	struct memfs_inode *ino;
	int rc;

	/* A ".wh." name stands for a whiteout, never for a directory. */
	if (len >= WH_PREFIX_LEN && !memcmp(name, WH_PREFIX, WH_PREFIX_LEN))
		return err_set(ld->e, -EINVAL, "invalid whiteout '%.*s'",
			       (int)len, name);
	if ((rc = memfs_inode_new(ld->fs, S_IFDIR | 0755, NULL, 0, &ino)))
		return tarin_oom(ld);
	rc = memfs_link(ld->fs, dir, name, len, ino, out);
	memfs_inode_put(ino);
	return rc ? err_set(ld->e, rc, "cannot add '%.*s'", (int)len, name)
		  : 0;
}

/*
 * The directory named by the first plen bytes of the cleaned path p,
 * creating missing ones. Starts from the longest whole-component prefix
 * shared with the previous walk. Never follows symlinks: a layer is a
 * filesystem of its own, so a non-directory on the way is an error.
 */
static int walk_parent(struct tarin_loader *ld, const char *p, size_t plen,
		       struct memfs_dentry **out)
{
	const char *c = ld->cpath.p;
	size_t clen = ld->cpath.len, i = 0, k, pos, end;

	/* k whole components, p[0..end), are shared; pos starts the rest. */
	while (i < plen && i < clen && p[i] == c[i])
		i++;
	if ((i == plen || p[i] == '/') && (i == clen || c[i] == '/')) {
		k = i ? count_slashes(p, i) + 1 : 0;
		end = i;
		pos = i < plen ? i + 1 : i;
	} else {
		while (i && p[i - 1] != '/')
			i--;
		k = count_slashes(p, i);
		end = i ? i - 1 : 0;
		pos = i;
	}
	if (tarin_buf_reserve(&ld->cpath, plen + 1))
		return tarin_oom(ld);
	memcpy(ld->cpath.p, p, plen);
	ld->cdepth = k;
	ld->cpath.len = end;
	while (pos < plen) {
		struct memfs_dentry *d = ld->cdent[k], *child;
		const char *s = p + pos, *e = memchr(s, '/', plen - pos);
		size_t len = e ? (size_t)(e - s) : plen - pos;
		int rc;

		child = memfs_lookup(d, s, len);
		if (!child && (rc = implicit_dir(ld, d, s, len, &child)))
			return rc;
		if (!child->ino || !S_ISDIR(child->ino->mode))
			return err_set(ld->e, -ENOTDIR,
				       "'%.*s' is not a directory",
				       (int)(pos + len), p);
		if (k + 1 >= ld->ccap) {
			size_t cap = 2 * ld->ccap;
			struct memfs_dentry **v;

			v = realloc(ld->cdent, cap * sizeof(*v));
			if (!v)
				return tarin_oom(ld);
			ld->cdent = v;
			ld->ccap = cap;
		}
		ld->cdent[++k] = child;
		ld->cdepth = k;
		ld->cpath.len = pos + len;
		pos += len + 1;
	}
	*out = ld->cdent[k];
	return 0;
}

/* The dentry at cleaned path p (len bytes), or NULL; creates nothing. */
static struct memfs_dentry *resolve(struct tarin_loader *ld, const char *p,
				    size_t len)
{
	struct memfs_dentry *d = memfs_root(ld->fs);
	size_t pos = 0;

	while (d && pos < len) {
		const char *s = p + pos, *e = memchr(s, '/', len - pos);
		size_t n = e ? (size_t)(e - s) : len - pos;

		if (!d->ino || !S_ISDIR(d->ino->mode))
			return NULL;
		d = memfs_lookup(d, s, n);
		pos += n + 1;
	}
	return d;
}

/* Whether a component of p's first dlen bytes is a non-directory here. */
static bool under_nondir(struct tarin_loader *ld, const char *p, size_t dlen)
{
	struct memfs_dentry *d = memfs_root(ld->fs);
	size_t pos = 0;

	while (pos < dlen) {
		const char *s = p + pos, *e = memchr(s, '/', dlen - pos);
		size_t n = e ? (size_t)(e - s) : dlen - pos;

		d = memfs_lookup(d, s, n);
		if (!d || !d->ino)
			return false;
		if (!S_ISDIR(d->ino->mode))
			return true;
		pos += n + 1;
	}
	return false;
}

/*
 * A directory named again takes the new metadata and keeps its children,
 * as tar extraction does; an opaque flag, however it came, stays.
 */
static int dir_update(struct tarin_loader *ld, struct memfs_inode *to,
		      const struct memfs_inode *from)
{
	to->mode = from->mode;
	to->uid = from->uid;
	to->gid = from->gid;
	to->mtime = from->mtime;
	to->flags |= from->flags;
	return memfs_xattr_copy(to, from) ? tarin_oom(ld) : 0;
}

/* Puts ino at name in dir; a later duplicate replaces an earlier one. */
static int place(struct tarin_loader *ld, struct memfs_dentry *dir,
		 const char *name, size_t len, struct memfs_inode *ino)
{
	struct memfs_dentry *old = memfs_lookup(dir, name, len);
	int rc;

	if (old && old->ino && S_ISDIR(old->ino->mode)) {
		if (S_ISDIR(ino->mode))
			return dir_update(ld, old->ino, ino);
		cache_reset(ld);	/* the walk cache may point below */
	}
	if (old)
		memfs_unlink(ld->fs, old);
	rc = memfs_link(ld->fs, dir, name, len, ino, NULL);
	return rc ? err_set(ld->e, rc, "cannot add '%.*s'", (int)len, name)
		  : 0;
}

/* --- entries ----------------------------------------------------------- */

/*
 * The entry's xattrs, within the limits a memfs shares with every writer
 * (memfs_xattr_fits: Linux's own, and a pax header overtar can read back),
 * which also bounds the work a hostile pax header causes.
 */
static int entry_xattrs(struct tarin_loader *ld, struct archive_entry *ae,
			struct memfs_inode *ino)
{
	const char *name;
	const void *val;
	size_t len;

	archive_entry_xattr_reset(ae);
	while (archive_entry_xattr_next(ae, &name, &val, &len) == ARCHIVE_OK) {
		int rc = name ? memfs_xattr_fits(ino, name, len) : -EINVAL;

		if (rc == -EINVAL || rc == -ERANGE)
			return err_set(ld->e, -EINVAL, "invalid xattr name "
				       "'%.64s'", name ? name : "");
		if (rc)
			return err_set(ld->e, -E2BIG, "xattrs too large "
				       "(names %u bytes, a value %u, all %u)",
				       MEMFS_XATTR_LIST_MAX,
				       MEMFS_XATTR_SIZE_MAX,
				       MEMFS_XATTR_TOTAL_MAX);
		/*
		 * overlayfs.rst: trusted.overlay.* belongs to the overlay
		 * that wrote the tar; opaque "y" is its opaque directory.
		 */
		if (!strncmp(name, WH_OVL_XATTR_PREFIX,
			     sizeof(WH_OVL_XATTR_PREFIX) - 1)) {
			if (S_ISDIR(ino->mode) &&
			    !strcmp(name, WH_OVL_OPAQUE_XATTR) && len == 1 &&
			    *(const char *)val == 'y')
				ino->flags |= MEMFS_I_OPAQUE;
			continue;
		}
		if (memfs_xattr_set(ino, name, val, len))
			return tarin_oom(ld);
	}
	return 0;
}

/* A new inode with the entry's type, metadata, xattrs and content. */
static int entry_inode(struct tarin_loader *ld, struct archive_entry *ae,
		       mode_t type, struct memfs_inode **out)
{
	const char *target = S_ISLNK(type) ? archive_entry_symlink(ae) : NULL;
	la_int64_t uid = archive_entry_uid(ae), gid = archive_entry_gid(ae);
	struct memfs_inode *ino;
	int rc;

	if (S_ISLNK(type) && !target)
		return err_set(ld->e, -EINVAL, "symlink without a target");
	/* (uid_t)-1 means "no change" to chown(2): never a real owner. */
	if (uid < 0 || uid >= UINT32_MAX)
		return err_set(ld->e, -EINVAL, "uid %lld out of range",
			       (long long)uid);
	if (gid < 0 || gid >= UINT32_MAX)
		return err_set(ld->e, -EINVAL, "gid %lld out of range",
			       (long long)gid);
	rc = memfs_inode_new(ld->fs, type | (archive_entry_perm(ae) & 07777),
			     target, target ? strlen(target) : 0, &ino);
	if (rc)
		return tarin_oom(ld);
	ino->uid = (uid_t)uid;
	ino->gid = (gid_t)gid;
	if (archive_entry_mtime_is_set(ae)) {
		ino->mtime.tv_sec = archive_entry_mtime(ae);
		ino->mtime.tv_nsec = archive_entry_mtime_nsec(ae);
	}
	if (S_ISCHR(type) || S_ISBLK(type))
		ino->rdev = archive_entry_rdev(ae);
	rc = entry_xattrs(ld, ae, ino);
	if (!rc && S_ISREG(type))
		rc = tarin_entry_data(ld, ae, ino);
	if (rc) {
		memfs_inode_put(ino);
		return rc;
	}
	*out = ino;
	return 0;
}

/*
 * Records a whiteout of the cleaned path p (len bytes) for the end of the
 * layer, after making sure its directory exists (dlen bytes of p).
 */
static int whiteout_record(struct tarin_loader *ld, const char *p,
			   size_t dlen, size_t len)
{
	struct memfs_dentry *dir;
	int rc;

	/* Under a non-directory of this layer it hides nothing: that entry
	 * already hides everything below it. umoci repack of a directory
	 * that became a file writes "etc/apt" then "etc/apt/.wh.NAME";
	 * umoci, containers-storage and podman load it. */
	if (under_nondir(ld, p, dlen))
		return 0;
	if ((rc = walk_parent(ld, p, dlen, &dir)))
		return rc;
	if (tarin_buf_reserve(&ld->wh, ld->wh.len + len + 1))
		return tarin_oom(ld);
	memcpy(ld->wh.p + ld->wh.len, p, len);
	ld->wh.p[ld->wh.len + len] = '\0';
	ld->wh.len += len + 1;
	return 0;
}

/*
 * An OCI whiteout file (image-spec layer.md "Whiteouts"): ".wh..wh..opq"
 * makes its directory opaque; ".wh.NAME" deletes NAME below. Its own
 * metadata means nothing. Names that cannot be deleted (".wh." with
 * nothing, ".", "..") and the rest of the reserved ".wh..wh." space are
 * refused.
 */
static int whiteout_entry(struct tarin_loader *ld, size_t dlen,
			  const char *base, size_t blen)
{
	const char *nm = base + WH_PREFIX_LEN;
	size_t nlen = blen - WH_PREFIX_LEN;
	struct memfs_dentry *dir;
	int rc;

	if (blen == WH_OPAQUE_LEN && !memcmp(base, WH_OPAQUE, blen)) {
		if ((rc = walk_parent(ld, ld->name.p, dlen, &dir)))
			return rc;
		dir->ino->flags |= MEMFS_I_OPAQUE;
		return 0;
	}
	if (!nlen || (nm[0] == '.' && (nlen == 1 || (nlen == 2 &&
						      nm[1] == '.'))) ||
	    (nlen >= WH_PREFIX_LEN && !memcmp(nm, WH_PREFIX, WH_PREFIX_LEN)))
		return err_set(ld->e, -EINVAL, "invalid whiteout");
	/* Turn "dir/.wh.NAME" into "dir/NAME" in place. */
	memmove((char *)base, nm, nlen + 1);
	ld->name.len -= WH_PREFIX_LEN;
	return whiteout_record(ld, ld->name.p, dlen, ld->name.len);
}

/*
 * Resolves each recorded whiteout against the finished layer. A whiteout
 * hides lower layers only, never an entry of its own layer: with a
 * directory of that name here, the lower one is replaced, so the directory
 * becomes opaque; with a non-directory, that entry hides the lower already.
 */
int tarin_whiteouts_resolve(struct tarin_loader *ld)
{
	for (size_t i = 0; i < ld->wh.len;) {
		const char *p = ld->wh.p + i, *slash;
		size_t len = strlen(p), dlen;
		struct memfs_dentry *dir, *d;
		int rc;

		i += len + 1;
		slash = memrchr(p, '/', len);
		dlen = slash ? (size_t)(slash - p) : 0;
		dir = resolve(ld, p, dlen);
		/* Gone with its directory, replaced by a later non-dir. */
		if (!dir || !dir->ino || !S_ISDIR(dir->ino->mode))
			continue;
		p += slash ? dlen + 1 : 0;
		len -= slash ? dlen + 1 : 0;
		d = memfs_lookup(dir, p, len);
		if (d && d->ino && S_ISDIR(d->ino->mode))
			d->ino->flags |= MEMFS_I_OPAQUE;
		if (d) {
			d->flags |= MEMFS_D_SHADOWED;
			continue;
		}
		if ((rc = memfs_link(ld->fs, dir, p, len, NULL, NULL)))
			return err_set(ld->e, rc, "cannot add whiteout '%s'",
				       p);
	}
	return 0;
}

/*
 * A hard link: a new name for a non-directory earlier in this layer. The
 * target is held while placing, since replacing a directory at the link's
 * name may drop the target's dentry.
 */
static int hardlink_entry(struct tarin_loader *ld, const char *link,
			  struct memfs_dentry *dir, const char *base,
			  size_t blen)
{
	struct memfs_dentry *d;
	struct memfs_inode *ino;
	const char *t;
	size_t depth;
	int rc = clean_name(ld, link, "hard link target", &ld->target, &depth);

	if (rc)
		return rc;
	t = ld->target.p;
	if (!strcmp(t, ld->name.p))
		return err_set(ld->e, -EINVAL,
			       "hard link target '%s' is the entry itself", t);
	d = resolve(ld, t, ld->target.len);
	if (!d || !d->ino)
		return err_set(ld->e, -EINVAL,
			       "hard link target '%s' not found", t);
	if (S_ISDIR(d->ino->mode))
		return err_set(ld->e, -EINVAL,
			       "hard link target '%s' is a directory", t);
	ino = memfs_inode_get(d->ino);
	rc = place(ld, dir, base, blen, ino);
	memfs_inode_put(ino);
	if (!rc && (d = memfs_lookup(dir, base, blen)))
		d->flags |= MEMFS_D_LINK;
	return rc;
}

/* The file type of a non-link entry; sockets and unknowns are refused. */
static int entry_type(struct tarin_loader *ld, struct archive_entry *ae,
		      mode_t *type)
{
	*type = archive_entry_filetype(ae);
	switch (*type) {
	case AE_IFREG: case AE_IFDIR: case AE_IFLNK:
	case AE_IFCHR: case AE_IFBLK: case AE_IFIFO:
		return 0;
	default:
		return err_set(ld->e, -EINVAL, "unsupported entry type 0%o",
			       (unsigned)*type);
	}
}

/* The entry "./": the root directory's own metadata. */
static int root_entry(struct tarin_loader *ld, struct archive_entry *ae,
		      mode_t type)
{
	struct memfs_inode *ino;
	int rc;

	if (archive_entry_hardlink(ae) || !S_ISDIR(type))
		return err_set(ld->e, -EINVAL, "the root is not a directory");
	if ((rc = entry_inode(ld, ae, type, &ino)))
		return rc;
	rc = dir_update(ld, memfs_root(ld->fs)->ino, ino);
	memfs_inode_put(ino);
	return rc;
}

int tarin_load_entry(struct tarin_loader *ld, struct archive_entry *ae)
{
	const char *raw = archive_entry_pathname(ae), *base, *slash;
	const char *link = archive_entry_hardlink(ae);
	struct memfs_dentry *dir;
	struct memfs_inode *ino;
	size_t depth, dlen, blen;
	mode_t type = 0;
	int rc;

	if (!raw)
		return err_set(ld->e, -EINVAL, "entry without a name");
	progress_add(ld->in.progress, in_entries, 1);
	if (++ld->nentries > ld->max_entries)
		return err_set(ld->e, -E2BIG, "more than %llu entries",
			       (unsigned long long)ld->max_entries);
	if ((rc = clean_name(ld, raw, "name", &ld->name, &depth)))
		return rc;
	slash = memrchr(ld->name.p, '/', ld->name.len);
	dlen = slash ? (size_t)(slash - ld->name.p) : 0;
	base = slash ? slash + 1 : ld->name.p;
	blen = ld->name.len - (size_t)(base - ld->name.p);
	/* A whiteout's own type and metadata mean nothing (layer.md). */
	if (blen >= WH_PREFIX_LEN && !memcmp(base, WH_PREFIX, WH_PREFIX_LEN))
		return whiteout_entry(ld, dlen, base, blen);
	if (!link && (rc = entry_type(ld, ae, &type)))
		return rc;
	if (!depth)
		return root_entry(ld, ae, type);
	/* overlayfs.rst: a character device 0/0 is a whiteout. */
	if (S_ISCHR(type) && !archive_entry_rdevmajor(ae) &&
	    !archive_entry_rdevminor(ae))
		return whiteout_record(ld, ld->name.p, dlen, ld->name.len);
	if ((rc = walk_parent(ld, ld->name.p, dlen, &dir)))
		return rc;
	/* Any data a pax writer put on a hard link is skipped unread. */
	if (link)
		return hardlink_entry(ld, link, dir, base, blen);
	if ((rc = entry_inode(ld, ae, type, &ino)))
		return rc;
	rc = place(ld, dir, base, blen, ino);
	memfs_inode_put(ino);
	return rc;
}
