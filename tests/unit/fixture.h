/*
 * fixture: building small memfs layers and overlays in a unit test,
 * without a tar, and reading the result back through the VFS. Included by
 * the tests of the VFS, the overlay and the script interpreter (after
 * cmocka.h); every helper fails the test on an unexpected error.
 */
#ifndef OVERTAR_TEST_FIXTURE_H
#define OVERTAR_TEST_FIXTURE_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "core/ovl.h"
#include "core/vfs.h"
#include "layers/memfs.h"

/* The layer dentry of path in fs, or NULL; parents must be directories. */
static inline struct memfs_dentry *fx_get(struct memfs *fs, const char *path)
{
	struct memfs_dentry *d = memfs_root(fs);
	const char *p = path;

	while (d && *p) {
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (!d->ino || !S_ISDIR(d->ino->mode))
			return NULL;
		d = memfs_lookup(d, p, len);
		p += len + (e ? 1 : 0);
	}
	return d;
}

/* The parent directory of path, made (0755) where missing. */
static inline struct memfs_dentry *fx_parent(struct memfs *fs,
					     const char *path,
					     const char **name)
{
	struct memfs_dentry *d = memfs_root(fs);
	const char *p = path, *e;

	while ((e = strchr(p, '/'))) {
		struct memfs_dentry *c = memfs_lookup(d, p, (size_t)(e - p));

		if (!c) {
			struct memfs_inode *ino;

			assert_int_equal(memfs_inode_new(fs, S_IFDIR | 0755,
							 NULL, 0, &ino), 0);
			assert_int_equal(memfs_link(fs, d, p, (size_t)(e - p),
						    ino, &c), 0);
			memfs_inode_put(ino);
		}
		d = c;
		p = e + 1;
	}
	*name = p;
	return d;
}

/* Adds path of mode (a symlink's target or a file's content in s). */
static inline struct memfs_inode *fx_add(struct memfs *fs, const char *path,
					 mode_t mode, const char *s)
{
	const char *name;
	struct memfs_dentry *dir = fx_parent(fs, path, &name);
	struct memfs_inode *ino;

	assert_int_equal(memfs_inode_new(fs, mode, s, s ? strlen(s) : 0,
					 &ino), 0);
	if (S_ISREG(mode) && s && *s) {
		struct memfs_src *src = memfs_src_mem(s, strlen(s));
		struct memfs_data *d = memfs_data_new(strlen(s), 1);

		assert_non_null(src);
		assert_non_null(d);
		memfs_data_push(d, 0, strlen(s), src, 0);
		memfs_inode_set_data(ino, d);
		memfs_data_put(d);
		memfs_src_put(src);
	}
	assert_int_equal(memfs_link(fs, dir, name, strlen(name), ino, NULL),
			 0);
	memfs_inode_put(ino);
	return ino;	/* borrowed: the layer holds it */
}

static inline struct memfs_inode *fx_dir(struct memfs *fs, const char *path)
{
	return fx_add(fs, path, S_IFDIR | 0755, NULL);
}

static inline struct memfs_inode *fx_file(struct memfs *fs, const char *path,
					  const char *content)
{
	return fx_add(fs, path, S_IFREG | 0644, content);
}

static inline struct memfs_inode *fx_symlink(struct memfs *fs,
					     const char *path,
					     const char *target)
{
	return fx_add(fs, path, S_IFLNK | 0777, target);
}

/* A whiteout at path. */
static inline void fx_whiteout(struct memfs *fs, const char *path)
{
	const char *name;
	struct memfs_dentry *dir = fx_parent(fs, path, &name);

	assert_int_equal(memfs_link(fs, dir, name, strlen(name), NULL, NULL),
			 0);
}

/* A second name newpath for the inode at oldpath. */
static inline void fx_hardlink(struct memfs *fs, const char *oldpath,
			       const char *newpath)
{
	struct memfs_dentry *old = fx_get(fs, oldpath);
	const char *name;
	struct memfs_dentry *dir = fx_parent(fs, newpath, &name);

	assert_non_null(old);
	assert_int_equal(memfs_link(fs, dir, name, strlen(name), old->ino,
				    NULL), 0);
}

static inline struct memfs *fx_layer(void)
{
	struct memfs *fs;

	assert_int_equal(memfs_new(&fs), 0);
	return fs;
}

/* An overlay of n layers (bottom first), writable or not; it owns them. */
static inline struct ovl *fx_ovl(struct memfs **layers, size_t n,
				 bool writable)
{
	struct ovl_opts o = { .writable = writable,
			      .now = { .tv_sec = 1234567890, .tv_nsec = 5 } };
	struct ovl *ovl;
	struct err e = { 0 };

	assert_int_equal(ovl_new(layers, n, &o, &ovl, &e), 0);
	return ovl;
}

/* vfs_getattr of path (not following a final symlink); returns the rc. */
static inline int fx_stat(struct vfs_fs *fs, const char *path,
			  struct vfs_attr *a)
{
	struct vfs_node *n;
	int rc = vfs_resolve(fs, path, false, &n);

	if (rc)
		return rc;
	rc = vfs_getattr(fs, n, a);
	vfs_put(fs, n);
	return rc;
}

/* The content of the regular file at path, a new NUL-terminated string. */
static inline char *fx_read(struct vfs_fs *fs, const char *path)
{
	struct memfs_data *d;
	struct vfs_node *n;
	char *buf;

	assert_int_equal(vfs_resolve(fs, path, true, &n), 0);
	assert_int_equal(fs->ops->data(fs, n, &d), 0);
	vfs_put(fs, n);
	buf = malloc(d->size + 1);
	assert_non_null(buf);
	assert_int_equal(memfs_data_read(d, 0, buf, d->size),
			 (ssize_t)d->size);
	buf[d->size] = '\0';
	memfs_data_put(d);
	return buf;
}

/* Asserts that the file at path holds exactly want. */
#define fx_assert_content(fs, path, want)                               \
	do {                                                            \
		char *got_ = fx_read((fs), (path));                     \
		assert_string_equal(got_, (want));                      \
		free(got_);                                             \
	} while (0)

static inline int fx_names_cb(void *ctx, const char *name, size_t len)
{
	char *s = ctx;
	size_t n = strlen(s);

	assert_true(n + len + 2 < 1024);
	if (n)
		s[n++] = ' ';
	memcpy(s + n, name, len);
	s[n + len] = '\0';
	return 0;
}

/* The merged listing of the directory at path, space-separated, into buf
 * (1024 bytes); returns the readdir rc. */
static inline int fx_ls(struct vfs_fs *fs, const char *path, char *buf)
{
	struct vfs_node *n;
	int rc = vfs_resolve(fs, path, true, &n);

	buf[0] = '\0';
	if (rc)
		return rc;
	rc = fs->ops->readdir(fs, n, fx_names_cb, buf);
	vfs_put(fs, n);
	return rc;
}

#define fx_assert_ls(fs, path, want)                                    \
	do {                                                            \
		char ls_[1024];                                         \
		assert_int_equal(fx_ls((fs), (path), ls_), 0);          \
		assert_string_equal(ls_, (want));                       \
	} while (0)

#endif
