/*
 * memfs: one layer as an in-memory filesystem (see memfs.h).
 *
 * Directories keep their children in an open-addressing hash table with
 * linear probing and backward-shift deletion, so lookup, insert and remove
 * are O(1) in a directory of any size; the sorted listing that readdir and
 * the tar writer need is built once per change and cached. Sources and
 * the extents of file content are memfs_data.c's.
 */
#include "layers/memfs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct memfs_dir {
	struct memfs_dentry **slots;	/* cap entries, NULL = free */
	uint32_t cap;			/* 0 or a power of two */
	uint32_t count;
	struct memfs_dentry **sorted;	/* count entries, or NULL: stale */
};

/*
 * Dentries are carved from 64 KiB chunks of their filesystem, in classes
 * of 8 bytes, each class with a free list (linked through ->parent): a
 * dentry of a short name is 32 bytes here, 48 as a malloc chunk, and a
 * layer of millions of names saves that much per name (README "Memory
 * model"). The chunks go with the filesystem. Under AddressSanitizer
 * dentries come from malloc, so that a use after free is still caught.
 */
#define DSLAB_CHUNK (64u << 10)
#define DSLAB_CLASS(len) \
	((offsetof(struct memfs_dentry, name) + (len) + 1 + 7) / 8)
#if defined(__SANITIZE_ADDRESS__)
#define DSLAB_MALLOC 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DSLAB_MALLOC 1
#endif
#endif

struct memfs {
	struct memfs_dentry *root;
	uint64_t next_ino;
	size_t ndentries;
	void *chunks;		/* the dentry chunks, linked by first word */
	char *bump;		/* free space of the newest chunk */
	size_t left;
	struct memfs_dentry *free[DSLAB_CLASS(255) + 1];
};

/* FNV-1a: cheap and good enough for file names. */
static uint32_t name_hash(const char *name, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)name[i]) * 16777619u;
	return h;
}

/* --- directories -------------------------------------------------------- */

static struct memfs_dir *dir_new(void)
{
	return calloc(1, sizeof(struct memfs_dir));
}

static bool name_eq(const struct memfs_dentry *d, const char *name,
		    size_t len, uint32_t h)
{
	return d->hash == h && d->namelen == len &&
	       memcmp(d->name, name, len) == 0;
}

/* Inserts d into slots of capacity cap (a power of two, with room). */
static void slots_put(struct memfs_dentry **slots, uint32_t cap,
		      struct memfs_dentry *d)
{
	uint32_t i = d->hash & (cap - 1);

	while (slots[i])
		i = (i + 1) & (cap - 1);
	slots[i] = d;
}

/* Keeps the load factor at most 1/2. */
static int dir_grow(struct memfs_dir *dir)
{
	uint32_t cap = dir->cap ? dir->cap * 2 : 4;
	struct memfs_dentry **slots;

	if ((dir->count + 1) * 2 <= dir->cap)
		return 0;
	if (cap < dir->cap)
		return -ENOMEM;
	slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (uint32_t i = 0; i < dir->cap; i++)
		if (dir->slots[i])
			slots_put(slots, cap, dir->slots[i]);
	free(dir->slots);
	dir->slots = slots;
	dir->cap = cap;
	return 0;
}

static void dir_changed(struct memfs_dir *dir)
{
	free(dir->sorted);
	dir->sorted = NULL;
}

/* Removes d from dir by backward-shift deletion (no tombstones). */
static void dir_remove(struct memfs_dir *dir, struct memfs_dentry *d)
{
	uint32_t mask = dir->cap - 1;
	uint32_t i = d->hash & mask;

	while (dir->slots[i] != d)
		i = (i + 1) & mask;
	for (;;) {
		uint32_t j = i, home;

		dir->slots[i] = NULL;
		for (;;) {
			j = (j + 1) & mask;
			if (!dir->slots[j])
				goto done;
			home = dir->slots[j]->hash & mask;
			/* Move j back to i unless its home lies in (i, j]. */
			if (i <= j ? (home <= i || home > j)
				   : (home <= i && home > j))
				break;
		}
		dir->slots[i] = dir->slots[j];
		i = j;
	}
done:
	dir->count--;
	dir_changed(dir);
}

struct memfs_dentry *memfs_lookup(const struct memfs_dentry *dir,
				  const char *name, size_t len)
{
	const struct memfs_dir *t = dir->ino->u.dir;
	uint32_t h, i;

	if (!t->count)
		return NULL;
	h = name_hash(name, len);
	for (i = h & (t->cap - 1); t->slots[i]; i = (i + 1) & (t->cap - 1))
		if (name_eq(t->slots[i], name, len, h))
			return t->slots[i];
	return NULL;
}

size_t memfs_dir_count(const struct memfs_dentry *dir)
{
	return dir->ino->u.dir->count;
}

int memfs_name_cmp(const struct memfs_dentry *a, const struct memfs_dentry *b)
{
	size_t n = a->namelen < b->namelen ? a->namelen : b->namelen;
	int c = memcmp(a->name, b->name, n);

	if (c)
		return c;
	return (a->namelen > b->namelen) - (a->namelen < b->namelen);
}

static int dentry_cmp(const void *a, const void *b)
{
	return memfs_name_cmp(*(struct memfs_dentry *const *)a,
			      *(struct memfs_dentry *const *)b);
}

int memfs_readdir(struct memfs_dentry *dir, struct memfs_dentry ***list,
		  size_t *n)
{
	struct memfs_dir *t = dir->ino->u.dir;
	size_t k = 0;

	if (!t->sorted && t->count) {
		t->sorted = malloc(t->count * sizeof(*t->sorted));
		if (!t->sorted)
			return -ENOMEM;
		for (uint32_t i = 0; i < t->cap; i++)
			if (t->slots[i])
				t->sorted[k++] = t->slots[i];
		qsort(t->sorted, k, sizeof(*t->sorted), dentry_cmp);
	}
	*list = t->sorted;
	*n = t->count;
	return 0;
}

/* --- inodes ---------------------------------------------------------- */

int memfs_inode_new(struct memfs *fs, mode_t mode, const char *target,
		    size_t len, struct memfs_inode **out)
{
	struct memfs_inode *ino;

	if (len > UINT32_MAX)
		return -ENAMETOOLONG;
	if (fs->next_ino >= UINT32_MAX)
		return -ENOSPC;
	ino = calloc(1, sizeof(*ino));
	if (!ino)
		return -ENOMEM;
	ino->mode = mode;
	ino->refs = 1;
	ino->ino = ++fs->next_ino;
	if (S_ISREG(mode)) {
		ino->u.data = memfs_data_empty();
	} else if (S_ISDIR(mode)) {
		ino->u.dir = dir_new();
		if (!ino->u.dir)
			goto fail;
	} else if (S_ISLNK(mode)) {
		ino->u.target = malloc(len + 1);
		if (!ino->u.target)
			goto fail;
		memcpy(ino->u.target, target, len);
		ino->u.target[len] = '\0';
		ino->target_len = (uint32_t)len;
	} else if (!S_ISCHR(mode) && !S_ISBLK(mode) && !S_ISFIFO(mode) &&
		   !S_ISSOCK(mode)) {
		free(ino);
		return -EINVAL;
	}
	*out = ino;
	return 0;
fail:
	free(ino);
	return -ENOMEM;
}

struct memfs_inode *memfs_inode_get(struct memfs_inode *ino)
{
	ino->refs++;
	return ino;
}

static void xattrs_free(struct memfs_inode *ino)
{
	for (uint32_t i = 0; i < ino->nxattrs; i++) {
		free(ino->xattrs[i].name);
		free(ino->xattrs[i].value);
	}
	free(ino->xattrs);
	ino->xattrs = NULL;
	ino->nxattrs = 0;
}

void memfs_inode_put(struct memfs_inode *ino)
{
	if (!ino || --ino->refs)
		return;
	if (S_ISREG(ino->mode)) {
		memfs_data_put(ino->u.data);
	} else if (S_ISDIR(ino->mode)) {
		free(ino->u.dir->slots);
		free(ino->u.dir->sorted);
		free(ino->u.dir);
	} else if (S_ISLNK(ino->mode)) {
		free(ino->u.target);
	}
	xattrs_free(ino);
	free(ino);
}

void memfs_inode_set_data(struct memfs_inode *ino, struct memfs_data *d)
{
	memfs_data_get(d);
	memfs_data_put(ino->u.data);
	ino->u.data = d;
}

/* --- dentries ----------------------------------------------------------- */

/* Room for a dentry of a len-byte name: from its class, else new. */
static void *dslab_get(struct memfs *fs, size_t len)
{
	size_t k = DSLAB_CLASS(len);
	struct memfs_dentry *d = fs->free[k];
	void **chunk;

#ifdef DSLAB_MALLOC
	(void)d;
	(void)chunk;
	return malloc(k * 8);
#else
	if (d) {
		fs->free[k] = d->parent;
		return d;
	}
	if (fs->left < k * 8) {
		chunk = malloc(DSLAB_CHUNK);
		if (!chunk)
			return NULL;
		*chunk = fs->chunks;
		fs->chunks = chunk;
		fs->bump = (char *)chunk + 8;
		fs->left = DSLAB_CHUNK - 8;
	}
	d = (struct memfs_dentry *)fs->bump;
	fs->bump += k * 8;
	fs->left -= k * 8;
	return d;
#endif
}

static void dslab_put(struct memfs *fs, struct memfs_dentry *d)
{
	size_t k = DSLAB_CLASS(d->namelen);

#ifdef DSLAB_MALLOC
	(void)k;
	free(d);
#else
	d->parent = fs->free[k];
	fs->free[k] = d;
#endif
}

static void memfs_chunks_free(struct memfs *fs)
{
	while (fs->chunks) {
		void *next = *(void **)fs->chunks;

		free(fs->chunks);
		fs->chunks = next;
	}
}

static struct memfs_dentry *dentry_alloc(struct memfs *fs, const char *name,
					 size_t len)
{
	struct memfs_dentry *d = dslab_get(fs, len);

	if (!d)
		return NULL;
	d->parent = NULL;
	d->ino = NULL;
	d->flags = 0;
	d->namelen = (uint16_t)len;
	d->hash = name_hash(name, len);
	memcpy(d->name, name, len);
	d->name[len] = '\0';
	return d;
}

int memfs_new(struct memfs **out)
{
	struct memfs *fs = calloc(1, sizeof(*fs));
	int rc = -ENOMEM;

	if (!fs)
		return -ENOMEM;
	fs->root = dentry_alloc(fs, "", 0);
	if (!fs->root)
		goto fail_fs;
	rc = memfs_inode_new(fs, S_IFDIR | 0755, NULL, 0, &fs->root->ino);
	if (rc)
		goto fail_root;
	fs->root->ino->nlink = 1;
	fs->ndentries = 1;
	*out = fs;
	return 0;
fail_root:
	dslab_put(fs, fs->root);
	memfs_chunks_free(fs);
fail_fs:
	free(fs);
	return rc;
}

struct memfs_dentry *memfs_root(struct memfs *fs)
{
	return fs->root;
}

size_t memfs_count(const struct memfs *fs)
{
	return fs->ndentries;
}

static int check_name(const char *name, size_t len)
{
	if (len > 255)
		return -ENAMETOOLONG;
	if (!len || memchr(name, '/', len) || memchr(name, '\0', len) ||
	    (name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.'))))
		return -EINVAL;
	return 0;
}

int memfs_link(struct memfs *fs, struct memfs_dentry *dir, const char *name,
	       size_t len, struct memfs_inode *ino, struct memfs_dentry **out)
{
	struct memfs_dir *t = dir->ino->u.dir;
	struct memfs_dentry *d;
	int rc = check_name(name, len);

	if (rc)
		return rc;
	if (memfs_lookup(dir, name, len))
		return -EEXIST;
	if (ino && S_ISDIR(ino->mode) && ino->nlink)
		return -EMLINK;
	rc = dir_grow(t);
	if (rc)
		return rc;
	d = dentry_alloc(fs, name, len);
	if (!d)
		return -ENOMEM;
	d->parent = dir;
	if (ino) {
		d->ino = memfs_inode_get(ino);
		ino->nlink++;
	} else {
		d->flags = MEMFS_D_WHITEOUT;
	}
	slots_put(t->slots, t->cap, d);
	t->count++;
	dir_changed(t);
	fs->ndentries++;
	if (out)
		*out = d;
	return 0;
}

/* Drops d's inode reference and frees d (its children are gone). */
static void dentry_release(struct memfs *fs, struct memfs_dentry *d)
{
	if (d->ino) {
		d->ino->nlink--;
		memfs_inode_put(d->ino);
	}
	fs->ndentries--;
	dslab_put(fs, d);
}

/*
 * Frees every child of d that is not a directory and packs the
 * directories at the front of the (dying) slot table, count of them: what
 * is left to descend into. The table is no hash table any more.
 */
static void dir_strip(struct memfs *fs, struct memfs_dentry *d)
{
	struct memfs_dir *t;
	uint32_t k = 0;

	if (!d->ino || !S_ISDIR(d->ino->mode))
		return;
	t = d->ino->u.dir;
	for (uint32_t i = 0; i < t->cap; i++) {
		struct memfs_dentry *c = t->slots[i];

		if (!c)
			continue;
		t->slots[i] = NULL;
		if (c->ino && S_ISDIR(c->ino->mode))
			t->slots[k++] = c;
		else
			dentry_release(fs, c);
	}
	t->count = k;
	dir_changed(t);
}

/*
 * Frees d and, for a directory, everything below it: depth first through
 * the parent pointers, so no stack grows with the depth of the tree
 * (STYLE.md: a 30,000-deep directory is a valid tar).
 */
static void dentry_free(struct memfs *fs, struct memfs_dentry *d)
{
	struct memfs_dentry *cur = d;

	dir_strip(fs, cur);
	for (;;) {
		struct memfs_dir *t = cur->ino && S_ISDIR(cur->ino->mode)
				      ? cur->ino->u.dir : NULL;
		struct memfs_dentry *up = cur->parent;

		if (t && t->count) {
			cur = t->slots[--t->count];
			t->slots[t->count] = NULL;
			dir_strip(fs, cur);
			continue;
		}
		if (cur == d) {
			dentry_release(fs, cur);
			return;
		}
		dentry_release(fs, cur);
		cur = up;
	}
}

void memfs_unlink(struct memfs *fs, struct memfs_dentry *d)
{
	dir_remove(d->parent->ino->u.dir, d);
	dentry_free(fs, d);
}

void memfs_free(struct memfs *fs)
{
	if (!fs)
		return;
	dentry_free(fs, fs->root);
	memfs_chunks_free(fs);
	free(fs);
}

int memfs_move(struct memfs *fs, struct memfs_dentry *d,
	       struct memfs_dentry *newdir, const char *newname, size_t len)
{
	struct memfs_dentry *nd, *p;
	int rc = check_name(newname, len);

	if (rc)
		return rc;
	if (memfs_lookup(newdir, newname, len))
		return -EEXIST;
	for (p = newdir; p; p = p->parent)
		if (p == d)
			return -EINVAL;
	rc = dir_grow(newdir->ino->u.dir);
	if (rc)
		return rc;
	nd = dentry_alloc(fs, newname, len);
	if (!nd)
		return -ENOMEM;
	nd->ino = d->ino;
	nd->flags = d->flags;
	nd->parent = newdir;
	dir_remove(d->parent->ino->u.dir, d);
	if (d->ino && S_ISDIR(d->ino->mode)) {
		struct memfs_dir *t = d->ino->u.dir;

		/* The name lives in the dentry: children follow the copy. */
		for (uint32_t i = 0; i < t->cap; i++)
			if (t->slots[i])
				t->slots[i]->parent = nd;
	}
	dslab_put(fs, d);
	slots_put(newdir->ino->u.dir->slots, newdir->ino->u.dir->cap, nd);
	newdir->ino->u.dir->count++;
	dir_changed(newdir->ino->u.dir);
	return 0;
}

/* --- xattrs --------------------------------------------------------------- */

static int xattr_find(const struct memfs_inode *ino, const char *name,
		      uint32_t *pos)
{
	uint32_t lo = 0, hi = ino->nxattrs;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = strcmp(ino->xattrs[mid].name, name);

		if (!c) {
			*pos = mid;
			return 1;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos = lo;
	return 0;
}

/* What one xattr costs in a pax header: "NN SCHILY.xattr.NAME=VALUE\n". */
static size_t xattr_cost(size_t nlen, size_t len)
{
	return nlen + len + 32;
}

int memfs_xattr_fits(const struct memfs_inode *ino, const char *name,
		     size_t len)
{
	size_t nlen = strlen(name), list = nlen + 1;
	size_t total = xattr_cost(nlen, len);
	const char *dot = strchr(name, '.');

	if (!nlen || (dot && !dot[1]))
		return -EINVAL;
	if (nlen > MEMFS_XATTR_NAME_MAX)
		return -ERANGE;
	if (len > MEMFS_XATTR_SIZE_MAX)
		return -E2BIG;
	for (uint32_t i = 0; i < ino->nxattrs; i++) {
		const struct memfs_xattr *x = &ino->xattrs[i];
		size_t n = strlen(x->name);

		if (!strcmp(x->name, name))
			continue;	/* replaced */
		list += n + 1;
		total += xattr_cost(n, x->len);
	}
	return list > MEMFS_XATTR_LIST_MAX || total > MEMFS_XATTR_TOTAL_MAX
	       ? -E2BIG : 0;
}

int memfs_xattr_set(struct memfs_inode *ino, const char *name,
		    const void *value, size_t len)
{
	unsigned char *v = NULL;
	struct memfs_xattr *x;
	char *nm;
	uint32_t pos;

	if (len) {
		v = malloc(len);
		if (!v)
			return -ENOMEM;
		memcpy(v, value, len);
	}
	if (xattr_find(ino, name, &pos)) {
		free(ino->xattrs[pos].value);
		ino->xattrs[pos].value = v;
		ino->xattrs[pos].len = len;
		return 0;
	}
	if (ino->nxattrs == UINT16_MAX) {
		free(v);
		return -ENOSPC;
	}
	nm = strdup(name);
	if (!nm)
		goto fail_value;
	x = realloc(ino->xattrs, (ino->nxattrs + 1) * sizeof(*x));
	if (!x)
		goto fail_name;
	ino->xattrs = x;
	memmove(&x[pos + 1], &x[pos], (ino->nxattrs - pos) * sizeof(*x));
	x[pos].name = nm;
	x[pos].value = v;
	x[pos].len = len;
	ino->nxattrs++;
	return 0;
fail_name:
	free(nm);
fail_value:
	free(v);
	return -ENOMEM;
}

const struct memfs_xattr *memfs_xattr_get(const struct memfs_inode *ino,
					  const char *name)
{
	uint32_t pos;

	return xattr_find(ino, name, &pos) ? &ino->xattrs[pos] : NULL;
}

int memfs_xattr_remove(struct memfs_inode *ino, const char *name)
{
	uint32_t pos;

	if (!xattr_find(ino, name, &pos))
		return -ENODATA;
	free(ino->xattrs[pos].name);
	free(ino->xattrs[pos].value);
	memmove(&ino->xattrs[pos], &ino->xattrs[pos + 1],
		(ino->nxattrs - pos - 1) * sizeof(ino->xattrs[0]));
	ino->nxattrs--;
	return 0;
}

int memfs_xattr_copy(struct memfs_inode *to, const struct memfs_inode *from)
{
	xattrs_free(to);
	for (uint32_t i = 0; i < from->nxattrs; i++) {
		const struct memfs_xattr *x = &from->xattrs[i];
		int rc = memfs_xattr_set(to, x->name, x->value, x->len);

		if (rc)
			return rc;
	}
	return 0;
}

char *memfs_path(const struct memfs_dentry *d)
{
	size_t len = 0;
	const struct memfs_dentry *p;
	char *s, *end;

	for (p = d; p->parent; p = p->parent)
		len += p->namelen + 1;
	s = malloc(len ? len : 1);
	if (!s)
		return NULL;
	end = s + (len ? len - 1 : 0);
	*end = '\0';
	for (p = d; p->parent; p = p->parent) {
		end -= p->namelen;
		memcpy(end, p->name, p->namelen);
		if (end > s)
			*--end = '/';
	}
	return s;
}
