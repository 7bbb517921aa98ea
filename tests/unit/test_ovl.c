/*
 * test_ovl: the overlay engine (core/ovl*.c) over memfs layers made in the
 * test. The read side: lookup's rules and the merged readdir. The write
 * side: copy-up, create, remove, rename, attribute and xattr changes, with
 * the upper layer checked as the changeset it must be, and export_layer's
 * tar read back with libarchive. Expectations follow overlayfs.rst and the
 * kernel functions named at each test; each says how it was worked out.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <unistd.h>

#include "core/export.h"
#include "layers/sink.h"
#include "layers/tarout.h"
#include "tests/unit/fixture.h"

/* security.capability, VFS_CAP_REVISION_2: magic, then two u32 pairs */
#define CAP_V2 "\0\0\0\2\0\4\0\0\0\0\0\0\0\0\0\0\0\0\0\0"

static char tmpdir[64];

static int group_setup(void **state)
{
	strcpy(tmpdir, "/tmp/test_ovl.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd);
}

static struct memfs *upper(struct ovl *ovl)
{
	return ovl_layer(ovl, ovl_nlayers(ovl));
}

static struct vfs_attr stat_ok(struct vfs_fs *fs, const char *path)
{
	struct vfs_attr a;

	assert_int_equal(fx_stat(fs, path, &a), 0);
	return a;
}

static struct vfs_node *node(struct vfs_fs *fs, const char *path)
{
	struct vfs_node *n;

	assert_int_equal(vfs_resolve(fs, path, false, &n), 0);
	return n;
}

static int set_attr(struct vfs_fs *fs, const char *path,
		    const struct vfs_setattr *sa)
{
	struct vfs_node *n = node(fs, path);
	int rc = vfs_setattr(fs, n, sa);

	vfs_put(fs, n);
	return rc;
}

static int set_xattr(struct vfs_fs *fs, const char *path, const char *name,
		     const char *value)
{
	struct vfs_node *n = node(fs, path);
	int rc = vfs_setxattr(fs, n, name, value, strlen(value));

	vfs_put(fs, n);
	return rc;
}

static int mk(struct vfs_fs *fs, const char *path, mode_t mode)
{
	struct vfs_create c = { .mode = mode };

	return vfs_create(fs, path, &c);
}

/* The upper layer's entry at path is a whiteout. */
static bool upper_whiteout(struct ovl *ovl, const char *path)
{
	struct memfs_dentry *d = fx_get(upper(ovl), path);

	return d && (d->flags & MEMFS_D_WHITEOUT);
}

/* --- lookup ------------------------------------------------------------ */

/* A whiteout hides the name below; a layer above may bring it back. */
static void test_lookup_whiteout_hides_lower(void **state)
{
	struct memfs *l[3] = { fx_layer(), fx_layer(), fx_layer() };
	struct ovl *ovl;
	struct vfs_fs *fs;
	struct vfs_attr a;

	fx_file(l[0], "a/f", "0");
	fx_file(l[0], "a/g", "0");
	fx_file(l[0], "d/x", "0");
	fx_whiteout(l[1], "a/f");
	fx_whiteout(l[1], "a/g");
	fx_whiteout(l[1], "d");
	fx_file(l[2], "a/g", "2");
	ovl = fx_ovl(l, 3, false);
	fs = ovl_vfs(ovl);
	assert_int_equal(fx_stat(fs, "a/f", &a), -ENOENT);
	assert_int_equal(fx_stat(fs, "d", &a), -ENOENT);
	assert_int_equal(fx_stat(fs, "d/x", &a), -ENOENT);
	fx_assert_content(fs, "a/g", "2");
	fx_assert_ls(fs, "a", "g");
	fx_assert_ls(fs, "", "a");
	ovl_free(ovl);
}

/*
 * A non-directory is the whole answer: a file over a directory hides it
 * (x/in: ENOTDIR), and a non-directory below a directory ends the merge
 * (z: L2's dir, then L1's file: L0's dir is not merged, so z lists only
 * "b"; ovl_lookup stops at the first lower non-dir under a dir).
 */
static void test_lookup_nondir_stops(void **state)
{
	struct memfs *l[3] = { fx_layer(), fx_layer(), fx_layer() };
	struct ovl *ovl;
	struct vfs_fs *fs;
	struct vfs_attr a;

	fx_file(l[0], "x/in", "0");
	fx_file(l[1], "x", "file x");
	fx_file(l[0], "y", "file y");
	fx_file(l[1], "y/k", "1");
	fx_file(l[0], "z/a", "0");
	fx_file(l[1], "z", "file z");
	fx_file(l[2], "z/b", "2");
	ovl = fx_ovl(l, 3, false);
	fs = ovl_vfs(ovl);
	fx_assert_content(fs, "x", "file x");
	assert_int_equal(fx_stat(fs, "x/in", &a), -ENOTDIR);
	a = stat_ok(fs, "y");
	assert_true(S_ISDIR(a.mode));
	fx_assert_ls(fs, "y", "k");
	fx_assert_ls(fs, "z", "b");
	assert_int_equal(fx_stat(fs, "z/a", &a), -ENOENT);
	ovl_free(ovl);
}

/* An opaque directory merges its own layer and those above, not below. */
static void test_lookup_opaque_stops(void **state)
{
	struct memfs *l[3] = { fx_layer(), fx_layer(), fx_layer() };
	struct ovl *ovl;
	struct vfs_fs *fs;

	fx_file(l[0], "o/a", "0");
	fx_dir(l[1], "o")->flags |= MEMFS_I_OPAQUE;
	fx_file(l[1], "o/b", "1");
	fx_file(l[2], "o/c", "2");
	ovl = fx_ovl(l, 3, false);
	fs = ovl_vfs(ovl);
	fx_assert_ls(fs, "o", "b c");
	ovl_free(ovl);
}

/* The topmost layer with the name gives its attributes. */
static void test_lookup_topmost_attributes(void **state)
{
	struct memfs *l[2] = { fx_layer(), fx_layer() };
	struct memfs_inode *lo, *hi;
	struct ovl *ovl;
	struct vfs_attr a;

	lo = fx_file(l[0], "f", "lower");
	lo->mode = S_IFREG | 0600;
	lo->uid = 1;
	hi = fx_file(l[1], "f", "upper");
	hi->mode = S_IFREG | 0640;
	hi->uid = 2;
	hi->gid = 3;
	ovl = fx_ovl(l, 2, false);
	a = stat_ok(ovl_vfs(ovl), "f");
	assert_int_equal(a.mode, S_IFREG | 0640);
	assert_int_equal(a.uid, 2);
	assert_int_equal(a.gid, 3);
	assert_int_equal(a.size, 5);
	assert_int_equal(a.layer, 1);
	fx_assert_content(ovl_vfs(ovl), "f", "upper");
	ovl_free(ovl);
}

/* --- readdir ----------------------------------------------------------- */

/*
 * The union of the layers, topmost deciding, whiteouts hidden, sorted:
 *   L0: a c e x     L1: c(dir) \xff .wh.x     L2: b .wh.a .wh.zz
 * a is whited out by L2, x by L1, zz names nothing; c is L1's directory.
 * So: b c e \xff (0xff sorts after every ASCII name).
 */
static void test_readdir_merged(void **state)
{
	struct memfs *l[3] = { fx_layer(), fx_layer(), fx_layer() };
	struct ovl *ovl;
	struct vfs_fs *fs;

	fx_file(l[0], "d/a", "");
	fx_file(l[0], "d/c", "");
	fx_file(l[0], "d/e", "");
	fx_file(l[0], "d/x", "");
	fx_dir(l[1], "d/c");
	fx_file(l[1], "d/\xff", "");
	fx_whiteout(l[1], "d/x");
	fx_file(l[2], "d/b", "");
	fx_whiteout(l[2], "d/a");
	fx_whiteout(l[2], "d/zz");
	ovl = fx_ovl(l, 3, false);
	fs = ovl_vfs(ovl);
	fx_assert_ls(fs, "d", "b c e \xff");
	assert_true(S_ISDIR(stat_ok(fs, "d/c").mode));
	ovl_free(ovl);
}

static int stop_at_second(void *ctx, const char *name, size_t len)
{
	return ++*(int *)ctx == 2 ? 42 : 0;
}

/* A callback's nonzero return stops the listing and is returned. */
static void test_readdir_stops(void **state)
{
	struct memfs *l[2] = { fx_layer(), fx_layer() };
	struct ovl *ovl;
	struct vfs_fs *fs;
	struct vfs_node *n;
	int count = 0;

	fx_file(l[0], "d/a", "");
	fx_file(l[1], "d/b", "");
	fx_file(l[1], "d/c", "");
	ovl = fx_ovl(l, 2, false);
	fs = ovl_vfs(ovl);
	n = node(fs, "d");
	assert_int_equal(fs->ops->readdir(fs, n, stop_at_second, &count), 42);
	assert_int_equal(count, 2);
	vfs_put(fs, n);
	n = node(fs, "d/a");
	assert_int_equal(fs->ops->readdir(fs, n, stop_at_second, &count),
			 -ENOTDIR);
	vfs_put(fs, n);
	ovl_free(ovl);
}

/* --- copy-up ----------------------------------------------------------- */

/*
 * Copy-up (copy_up.c): parent first, keeping its metadata and xattrs and
 * its time; the file's data is shared, not copied; metadata and xattrs
 * copied; a second change finds it upper and copies nothing again.
 */
static void test_copy_up(void **state)
{
	struct memfs *l[1] = { fx_layer() };
	struct memfs_inode *d, *f, *uf;
	struct memfs_dentry *ud;
	struct ovl *ovl;
	struct vfs_fs *fs;

	d = fx_dir(l[0], "d");
	d->mode = S_IFDIR | 0710;
	d->uid = 5;
	d->gid = 6;
	d->mtime.tv_sec = 1000;
	assert_int_equal(memfs_xattr_set(d, "user.dir", "D", 1), 0);
	f = fx_file(l[0], "d/f", "abc");
	f->mode = S_IFREG | 0640;
	f->uid = 7;
	f->gid = 8;
	f->mtime.tv_sec = 2000;
	assert_int_equal(memfs_xattr_set(f, "trusted.t", "\0\1", 2), 0);
	ovl = fx_ovl(l, 1, true);
	fs = ovl_vfs(ovl);
	assert_int_equal(memfs_count(upper(ovl)), 1);	/* the root only */
	assert_int_equal(set_xattr(fs, "d/f", "user.new", "n"), 0);
	ud = fx_get(upper(ovl), "d");
	assert_non_null(ud);
	assert_ptr_not_equal(ud->ino, d);
	assert_int_equal(ud->ino->mode, S_IFDIR | 0710);
	assert_int_equal(ud->ino->uid, 5);
	assert_int_equal(ud->ino->gid, 6);
	assert_int_equal(ud->ino->mtime.tv_sec, 1000);
	assert_memory_equal(memfs_xattr_get(ud->ino, "user.dir")->value, "D",
			    1);
	uf = fx_get(upper(ovl), "d/f")->ino;
	assert_ptr_not_equal(uf, f);
	assert_ptr_equal(uf->u.data, f->u.data);	/* shared */
	assert_int_equal(uf->mode, S_IFREG | 0640);
	assert_int_equal(uf->uid, 7);
	assert_int_equal(uf->gid, 8);
	assert_int_equal(uf->mtime.tv_sec, 2000);
	assert_int_equal(uf->nxattrs, 2);
	assert_memory_equal(memfs_xattr_get(uf, "trusted.t")->value, "\0\1",
			    2);
	assert_non_null(memfs_xattr_get(uf, "user.new"));
	assert_null(memfs_xattr_get(f, "user.new"));	/* lower untouched */
	assert_int_equal(stat_ok(fs, "d/f").layer, 1);
	/* idempotent: the same upper inode, nothing added */
	assert_int_equal(set_xattr(fs, "d/f", "user.more", "m"), 0);
	assert_ptr_equal(fx_get(upper(ovl), "d/f")->ino, uf);
	assert_int_equal(memfs_count(upper(ovl)), 3);	/* root d d/f */
	fx_assert_content(fs, "d/f", "abc");
	ovl_free(ovl);
}

/*
 * Without index=on a hard-linked lower file copies up alone, to an inode
 * of its own (overlayfs.rst "Non-standard behavior"): the other name
 * keeps the old content and the lower link count.
 */
static void test_copy_up_breaks_hard_link(void **state)
{
	struct memfs *l[1] = { fx_layer() };
	struct ovl *ovl;
	struct vfs_fs *fs;
	struct memfs_data *d;
	struct vfs_node *n;
	struct vfs_attr a1, a2;

	fx_file(l[0], "h1", "same");
	fx_hardlink(l[0], "h1", "h2");
	ovl = fx_ovl(l, 1, true);
	fs = ovl_vfs(ovl);
	assert_int_equal(stat_ok(fs, "h1").ino, stat_ok(fs, "h2").ino);
	d = memfs_data_empty();
	n = node(fs, "h1");
	assert_int_equal(vfs_setdata(fs, n, d), 0);
	vfs_put(fs, n);
	memfs_data_put(d);
	fx_assert_content(fs, "h1", "");
	fx_assert_content(fs, "h2", "same");
	a1 = stat_ok(fs, "h1");
	a2 = stat_ok(fs, "h2");
	assert_int_not_equal(a1.ino, a2.ino);
	assert_int_equal(a1.nlink, 1);
	assert_int_equal(a2.nlink, 2);
	assert_null(fx_get(upper(ovl), "h2"));
	ovl_free(ovl);
}

/* --- create ------------------------------------------------------------ */

/*
 * A directory made where the upper layer holds a whiteout is opaque, so
 * the lower directory's content stays hidden (ovl_create_over_whiteout);
 * a file made there simply replaces the whiteout.
 */
static void test_create_over_whiteout(void **state)
{
	struct memfs *l[1] = { fx_layer() };
	struct ovl *ovl;
	struct vfs_fs *fs;
	struct memfs_dentry *u;

	fx_file(l[0], "a/x", "x");
	fx_file(l[0], "b", "b");
	fx_dir(l[0], "c");
	ovl = fx_ovl(l, 1, true);
	fs = ovl_vfs(ovl);
	assert_int_equal(vfs_remove_tree(fs, "a"), 0);
	assert_true(upper_whiteout(ovl, "a"));
	assert_int_equal(mk(fs, "a", S_IFDIR | 0755), 0);
	u = fx_get(upper(ovl), "a");
	assert_false(u->flags & MEMFS_D_WHITEOUT);
	assert_true(u->ino->flags & MEMFS_I_OPAQUE);
	fx_assert_ls(fs, "a", "");
	assert_int_equal(vfs_unlink(fs, "b"), 0);
	assert_true(upper_whiteout(ovl, "b"));
	assert_int_equal(mk(fs, "b", S_IFREG | 0600), 0);
	u = fx_get(upper(ovl), "b");
	assert_false(u->flags & MEMFS_D_WHITEOUT);
	assert_int_equal(u->ino->mode, S_IFREG | 0600);
	fx_assert_content(fs, "b", "");
	/* a new directory with no whiteout under it is not opaque */
	assert_int_equal(mk(fs, "n", S_IFDIR | 0755), 0);
	assert_false(fx_get(upper(ovl), "n")->ino->flags & MEMFS_I_OPAQUE);
	/* nor is a lower directory merely copied up */
	assert_int_equal(mk(fs, "c/new", S_IFREG | 0644), 0);
	assert_false(fx_get(upper(ovl), "c")->ino->flags & MEMFS_I_OPAQUE);
	ovl_free(ovl);
}

/* create stamps the parent and the new entry with now; EEXIST if taken. */
static void test_create_basics(void **state)
{
	struct memfs *l[1] = { fx_layer() };
	struct vfs_create c = { .mode = S_IFLNK | 0777, .uid = 3, .gid = 4,
				.target = "t", .target_len = 1 };
	struct ovl *ovl;
	struct vfs_fs *fs;
	struct vfs_attr a;

	fx_file(l[0], "d/f", "");
	ovl = fx_ovl(l, 1, true);
	fs = ovl_vfs(ovl);
	assert_int_equal(vfs_create(fs, "d/l", &c), 0);
	a = stat_ok(fs, "d/l");
	assert_true(S_ISLNK(a.mode));
	assert_int_equal(a.uid, 3);
	assert_int_equal(a.gid, 4);
	assert_int_equal(a.size, 1);
	/* fx_ovl's now is 1234567890.000000005 */
	assert_int_equal(a.mtime.tv_sec, 1234567890);
	assert_int_equal(stat_ok(fs, "d").mtime.tv_sec, 1234567890);
	assert_int_equal(vfs_create(fs, "d/f", &c), -EEXIST);
	assert_int_equal(vfs_create(fs, "d/l", &c), -EEXIST);
	assert_int_equal(vfs_create(fs, "d/f/x", &c), -ENOTDIR);
	assert_int_equal(vfs_create(fs, "nodir/x", &c), -ENOENT);
	ovl_free(ovl);
}

/* mknod c 0 0 would be a whiteout: ovl_mknod's EPERM, nothing made. */
static void test_mknod_whiteout_refused(void **state)
{
	struct memfs *l[1] = { fx_layer() };
	struct vfs_create c = { .mode = S_IFCHR | 0600,
				.rdev = makedev(0, 0) };
	struct ovl *ovl;
	struct vfs_fs *fs;

	fx_dir(l[0], "dev");
	ovl = fx_ovl(l, 1, true);
	fs = ovl_vfs(ovl);
	assert_int_equal(vfs_create(fs, "dev/wh", &c), -EPERM);
	assert_int_equal(memfs_count(upper(ovl)), 1);
	c.rdev = makedev(1, 3);
	assert_int_equal(vfs_create(fs, "dev/null", &c), 0);
	assert_int_equal(stat_ok(fs, "dev/null").rdev, makedev(1, 3));
	/* block 0 0 is no whiteout */
	c.mode = S_IFBLK | 0600;
	c.rdev = makedev(0, 0);
	assert_int_equal(vfs_create(fs, "dev/b", &c), 0);
	ovl_free(ovl);
}

/*
 * In a setgid directory new entries take its group, and new directories
 * its setgid bit (inode_init_owner, fs/inode.c); files keep their mode.
 */
static void test_setgid_parent(void **state)
{
	struct memfs *l[1] = { fx_layer() };
	struct vfs_create c = { .uid = 1, .gid = 7 };
	struct memfs_inode *sg;
	struct ovl *ovl;
	struct vfs_fs *fs;
	struct vfs_attr a;

	sg = fx_dir(l[0], "sg");
	sg->mode = S_IFDIR | 02775;
	sg->gid = 50;
	fx_dir(l[0], "plain");
	ovl = fx_ovl(l, 1, true);
	fs = ovl_vfs(ovl);
	c.mode = S_IFREG | 0644;
	assert_int_equal(vfs_create(fs, "sg/f", &c), 0);
	a = stat_ok(fs, "sg/f");
	assert_int_equal(a.gid, 50);
	assert_int_equal(a.uid, 1);
	assert_int_equal(a.mode, S_IFREG | 0644);
	c.mode = S_IFDIR | 0755;
	assert_int_equal(vfs_create(fs, "sg/d", &c), 0);
	a = stat_ok(fs, "sg/d");
	assert_int_equal(a.gid, 50);
	assert_int_equal(a.mode, S_IFDIR | 02755);
	/* and on down: sg/d is setgid now */
	c.mode = S_IFREG | 0600;
	assert_int_equal(vfs_create(fs, "sg/d/g", &c), 0);
	assert_int_equal(stat_ok(fs, "sg/d/g").gid, 50);
	/* elsewhere the creator's group */
	c.mode = S_IFDIR | 0755;
	assert_int_equal(vfs_create(fs, "plain/d", &c), 0);
	a = stat_ok(fs, "plain/d");
	assert_int_equal(a.gid, 7);
	assert_int_equal(a.mode, S_IFDIR | 0755);
	ovl_free(ovl);
}

/* Hard links: upper names of one upper inode; a directory cannot. */
static void test_link(void **state)
{
	struct memfs *l[1] = { fx_layer() };
	struct ovl *ovl;
	struct vfs_fs *fs;
	struct vfs_attr a, b;

	fx_file(l[0], "f", "f");
	fx_dir(l[0], "d");
	ovl = fx_ovl(l, 1, true);
	fs = ovl_vfs(ovl);
	assert_int_equal(vfs_link(fs, "f", "d/g"), 0);
	a = stat_ok(fs, "f");
	b = stat_ok(fs, "d/g");
	assert_int_equal(a.ino, b.ino);
	assert_int_equal(a.nlink, 2);
	assert_int_equal(a.layer, 1);	/* f was copied up to be linked */
	assert_int_equal(vfs_link(fs, "d", "d2"), -EPERM);
	assert_int_equal(vfs_link(fs, "f", "d/g"), -EEXIST);
	assert_int_equal(vfs_link(fs, "none", "x"), -ENOENT);
	ovl_free(ovl);
}

/* --- removal ----------------------------------------------------------- */

/* A whiteout only where a lower layer still has the name. */
static void test_unlink_whiteout_only_if_lower(void **state)
{
	struct memfs *l[1] = { fx_layer() };
	struct ovl *ovl;
	struct vfs_fs *fs;
	struct vfs_attr a;

	fx_file(l[0], "f", "f");
	fx_file(l[0], "c", "c");
	ovl = fx_ovl(l, 1, true);
	fs = ovl_vfs(ovl);
	assert_int_equal(vfs_unlink(fs, "f"), 0);
	assert_true(upper_whiteout(ovl, "f"));
	assert_int_equal(fx_stat(fs, "f", &a), -ENOENT);
	/* a new upper file: gone without a trace */
	assert_int_equal(mk(fs, "u", S_IFREG | 0644), 0);
	assert_int_equal(vfs_unlink(fs, "u"), 0);
	assert_null(fx_get(upper(ovl), "u"));
	/* a copied-up lower file: its upper entry gives way to a whiteout */
	assert_int_equal(set_xattr(fs, "c", "user.x", "1"), 0);
	assert_int_equal(vfs_unlink(fs, "c"), 0);
	assert_true(upper_whiteout(ovl, "c"));
	/* root f c: 3 */
	assert_int_equal(memfs_count(upper(ovl)), 3);
	assert_int_equal(vfs_unlink(fs, "f"), -ENOENT);
	ovl_free(ovl);
}

static void test_remove_type_errors(void **state)
{
	struct memfs *l[1] = { fx_layer() };
	struct ovl *ovl;
	struct vfs_fs *fs;

	fx_file(l[0], "f", "f");
	fx_dir(l[0], "d");
	ovl = fx_ovl(l, 1, true);
	fs = ovl_vfs(ovl);
	assert_int_equal(vfs_unlink(fs, "d"), -EISDIR);
	assert_int_equal(vfs_rmdir(fs, "f"), -ENOTDIR);
	assert_int_equal(vfs_rmdir(fs, "/"), -EBUSY);
	assert_int_equal(vfs_rmdir(fs, "d/."), -EINVAL);
	assert_int_equal(vfs_unlink(fs, "f/"), -ENOTDIR);
	assert_int_equal(memfs_count(upper(ovl)), 1);
	ovl_free(ovl);
}

/*
 * rmdir of a merged directory: empty only if every layer's names are
 * whited out (ovl_check_empty_dir); then the upper directory goes with
 * the whiteouts it held, and one whiteout hides the lower directories.
 */
static void test_rmdir_merged(void **state)
{
	struct memfs *l[2] = { fx_layer(), fx_layer() };
	struct ovl *ovl;
	struct vfs_fs *fs;

	fx_file(l[0], "m/a", "");
	fx_file(l[0], "m/b", "");
	fx_file(l[1], "m/c", "");
	fx_dir(l[0], "e");
	ovl = fx_ovl(l, 2, true);
	fs = ovl_vfs(ovl);
	assert_int_equal(vfs_rmdir(fs, "m"), -ENOTEMPTY);
	assert_int_equal(vfs_unlink(fs, "m/a"), 0);
	assert_int_equal(vfs_unlink(fs, "m/c"), 0);
	assert_int_equal(vfs_rmdir(fs, "m"), -ENOTEMPTY);	/* b, in L0 */
	assert_int_equal(vfs_unlink(fs, "m/b"), 0);
	assert_true(upper_whiteout(ovl, "m/a"));
	assert_int_equal(memfs_dir_count(fx_get(upper(ovl), "m")), 3);
	assert_int_equal(vfs_rmdir(fs, "m"), 0);
	assert_true(upper_whiteout(ovl, "m"));
	/* an empty lower directory: a whiteout */
	assert_int_equal(vfs_rmdir(fs, "e"), 0);
	assert_true(upper_whiteout(ovl, "e"));
	/* an upper-only one: nothing */
	assert_int_equal(mk(fs, "n", S_IFDIR | 0755), 0);
	assert_int_equal(mk(fs, "n/x", S_IFREG | 0644), 0);
	assert_int_equal(vfs_rmdir(fs, "n"), -ENOTEMPTY);
	assert_int_equal(vfs_unlink(fs, "n/x"), 0);
	assert_int_equal(vfs_rmdir(fs, "n"), 0);
	assert_null(fx_get(upper(ovl), "n"));
	/* root, m (whiteout), e (whiteout) */
	assert_int_equal(memfs_count(upper(ovl)), 3);
	ovl_free(ovl);
}

/* --- rename ------------------------------------------------------------ */

/* A file moves; its old name gets a whiteout only if lower has it. */
static void test_rename_file(void **state)
{
	struct memfs *l[1] = { fx_layer() };
	struct ovl *ovl;
	struct vfs_fs *fs;
	struct vfs_attr a;

	fx_file(l[0], "f", "f");
	fx_file(l[0], "t", "t");
	fx_dir(l[0], "d");
	ovl = fx_ovl(l, 1, true);
	fs = ovl_vfs(ovl);
	assert_int_equal(vfs_rename(fs, "f", "d/g"), 0);
	fx_assert_content(fs, "d/g", "f");
	assert_int_equal(fx_stat(fs, "f", &a), -ENOENT);
	assert_true(upper_whiteout(ovl, "f"));
	assert_int_equal(mk(fs, "u", S_IFREG | 0644), 0);
	assert_int_equal(vfs_rename(fs, "u", "v"), 0);
	assert_null(fx_get(upper(ovl), "u"));
	/* over an existing lower file: replaced, no whiteout at t */
	assert_int_equal(vfs_rename(fs, "d/g", "t"), 0);
	fx_assert_content(fs, "t", "f");
	assert_false(upper_whiteout(ovl, "t"));
	assert_null(fx_get(upper(ovl), "d/g"));
	/* type mismatches */
	assert_int_equal(mk(fs, "dd", S_IFDIR | 0755), 0);
	assert_int_equal(vfs_rename(fs, "t", "dd"), -EISDIR);
	assert_int_equal(vfs_rename(fs, "dd", "t"), -ENOTDIR);
	assert_int_equal(vfs_rename(fs, "nothing", "x"), -ENOENT);
	ovl_free(ovl);
}

/* An upper-only directory renames in place, children and all. */
static void test_rename_upper_dir(void **state)
{
	struct memfs *l[1] = { fx_layer() };
	struct ovl *ovl;
	struct vfs_fs *fs;
	struct vfs_node *root;

	fx_dir(l[0], "d");
	fx_file(l[0], "busy/x", "");
	ovl = fx_ovl(l, 1, true);
	fs = ovl_vfs(ovl);
	assert_int_equal(mk(fs, "p", S_IFDIR | 0755), 0);
	assert_int_equal(mk(fs, "p/q", S_IFREG | 0644), 0);
	assert_int_equal(fs->ops->root(fs, &root), 0);
	assert_int_equal(fs->ops->rename(fs, root, "p", 1, root, "r", 1), 0);
	fx_assert_ls(fs, "r", "q");
	/* over an empty lower directory: made opaque, no whiteout at p */
	assert_int_equal(fs->ops->rename(fs, root, "r", 1, root, "d", 1), 0);
	fx_assert_ls(fs, "d", "q");
	assert_true(fx_get(upper(ovl), "d")->ino->flags & MEMFS_I_OPAQUE);
	assert_null(fx_get(upper(ovl), "p"));
	assert_null(fx_get(upper(ovl), "r"));
	/* over a non-empty one: ENOTEMPTY */
	assert_int_equal(mk(fs, "s", S_IFDIR | 0755), 0);
	assert_int_equal(fs->ops->rename(fs, root, "s", 1, root, "busy", 4),
			 -ENOTEMPTY);
	vfs_put(fs, root);
	ovl_free(ovl);
}

/*
 * A directory with lower parts: the op answers EXDEV (redirect_dir=off);
 * vfs_rename then copies everything and removes the original, as mv does:
 * modes, owners, times, xattrs and hard links inside the tree all kept.
 */
static void test_rename_lower_dir(void **state)
{
	struct memfs *l[1] = { fx_layer() };
	struct memfs_inode *d, *s, *f;
	struct ovl *ovl;
	struct vfs_fs *fs;
	struct vfs_node *root;
	struct vfs_attr a, h1, h2;
	const struct memfs_xattr *x;
	uint32_t nx;
	struct vfs_node *n;

	d = fx_dir(l[0], "ld");
	d->mode = S_IFDIR | 02750;
	d->uid = 11;
	d->gid = 12;
	d->mtime.tv_sec = 111;
	assert_int_equal(memfs_xattr_set(d, "user.d", "dv", 2), 0);
	s = fx_dir(l[0], "ld/sub");
	s->mtime.tv_sec = 222;
	f = fx_file(l[0], "ld/sub/f", "content");
	f->mode = S_IFREG | 04711;
	f->uid = 13;
	f->gid = 14;
	f->mtime = (struct timespec){ 333, 444 };
	/* a valid revision 2 value: the copy's setxattr checks it */
	assert_int_equal(memfs_xattr_set(f, "security.capability", CAP_V2, 20),
			 0);
	fx_file(l[0], "ld/h1", "linked");
	fx_hardlink(l[0], "ld/h1", "ld/sub/h2");
	fx_symlink(l[0], "ld/l", "sub/f");
	ovl = fx_ovl(l, 1, true);
	fs = ovl_vfs(ovl);
	assert_int_equal(fs->ops->root(fs, &root), 0);
	assert_int_equal(fs->ops->rename(fs, root, "ld", 2, root, "nd", 2),
			 -EXDEV);
	vfs_put(fs, root);
	assert_int_equal(fx_stat(fs, "nd", &a), -ENOENT);
	assert_int_equal(vfs_rename(fs, "ld", "nd"), 0);
	assert_int_equal(fx_stat(fs, "ld", &a), -ENOENT);
	assert_true(upper_whiteout(ovl, "ld"));
	a = stat_ok(fs, "nd");
	assert_int_equal(a.mode, S_IFDIR | 02750);
	assert_int_equal(a.uid, 11);
	assert_int_equal(a.gid, 12);
	assert_int_equal(a.mtime.tv_sec, 111);
	n = node(fs, "nd");
	assert_int_equal(fs->ops->listxattr(fs, n, &x, &nx), 0);
	assert_int_equal(nx, 1);
	assert_string_equal(x[0].name, "user.d");
	vfs_put(fs, n);
	assert_int_equal(stat_ok(fs, "nd/sub").mtime.tv_sec, 222);
	a = stat_ok(fs, "nd/sub/f");
	assert_int_equal(a.mode, S_IFREG | 04711);
	assert_int_equal(a.uid, 13);
	assert_int_equal(a.gid, 14);
	assert_int_equal(a.mtime.tv_sec, 333);
	assert_int_equal(a.mtime.tv_nsec, 444);
	n = node(fs, "nd/sub/f");
	assert_int_equal(fs->ops->listxattr(fs, n, &x, &nx), 0);
	assert_int_equal(nx, 1);
	assert_memory_equal(x[0].value, CAP_V2, 20);
	vfs_put(fs, n);
	fx_assert_content(fs, "nd/sub/f", "content");
	fx_assert_content(fs, "nd/l", "content");
	h1 = stat_ok(fs, "nd/h1");
	h2 = stat_ok(fs, "nd/sub/h2");
	assert_int_equal(h1.ino, h2.ino);
	assert_int_equal(h1.nlink, 2);
	fx_assert_ls(fs, "nd", "h1 l sub");
	ovl_free(ovl);
}

/* A directory into itself: EINVAL, before anything else (rename(2)). */
static void test_rename_dir_into_itself(void **state)
{
	struct memfs *l[1] = { fx_layer() };
	struct ovl *ovl;
	struct vfs_fs *fs;

	fx_file(l[0], "ld/sub/x", "");
	ovl = fx_ovl(l, 1, true);
	fs = ovl_vfs(ovl);
	assert_int_equal(mk(fs, "p", S_IFDIR | 0755), 0);
	assert_int_equal(mk(fs, "p/q", S_IFDIR | 0755), 0);
	assert_int_equal(vfs_rename(fs, "p", "p/q/r"), -EINVAL);
	assert_int_equal(vfs_rename(fs, "p", "p/r"), -EINVAL);
	/* a lower directory: EINVAL too, not the EXDEV copy */
	assert_int_equal(vfs_rename(fs, "ld", "ld/sub/y"), -EINVAL);
	fx_assert_ls(fs, "ld/sub", "x");
	fx_assert_ls(fs, "p", "q");
	assert_int_equal(vfs_rename(fs, "/", "x"), -EBUSY);
	ovl_free(ovl);
}

/* --- attributes -------------------------------------------------------- */

/*
 * chown of a non-directory clears setuid, setgid when group-executable,
 * and security.capability (chown_common, fs/open.c; setattr_should_drop_*);
 * setgid without g+x is mandatory locking and stays; directories keep all.
 */
static void test_chown_clears_privileges(void **state)
{
	struct memfs *l[1] = { fx_layer() };
	struct vfs_setattr sa = { .mask = VFS_SET_UID, .uid = 9 };
	struct memfs_inode *su, *sg, *sd;
	struct ovl *ovl;
	struct vfs_fs *fs;
	struct vfs_node *n;
	const struct memfs_xattr *x;
	uint32_t nx;

	su = fx_file(l[0], "su", "");
	su->mode = S_IFREG | 06755;
	assert_int_equal(memfs_xattr_set(su, "security.capability", "c", 1),
			 0);
	assert_int_equal(memfs_xattr_set(su, "user.keep", "k", 1), 0);
	sg = fx_file(l[0], "sg", "");
	sg->mode = S_IFREG | 02644;
	sd = fx_dir(l[0], "sd");
	sd->mode = S_IFDIR | 06755;
	ovl = fx_ovl(l, 1, true);
	fs = ovl_vfs(ovl);
	assert_int_equal(set_attr(fs, "su", &sa), 0);
	assert_int_equal(stat_ok(fs, "su").mode, S_IFREG | 0755);
	assert_int_equal(stat_ok(fs, "su").uid, 9);
	n = node(fs, "su");
	assert_int_equal(fs->ops->listxattr(fs, n, &x, &nx), 0);
	assert_int_equal(nx, 1);
	assert_string_equal(x[0].name, "user.keep");
	vfs_put(fs, n);
	sa.mask = VFS_SET_GID;
	assert_int_equal(set_attr(fs, "sg", &sa), 0);
	assert_int_equal(stat_ok(fs, "sg").mode, S_IFREG | 02644);
	assert_int_equal(set_attr(fs, "sd", &sa), 0);
	assert_int_equal(stat_ok(fs, "sd").mode, S_IFDIR | 06755);
	/* chmod puts the bits back and leaves the type */
	sa.mask = VFS_SET_MODE;
	sa.mode = S_IFDIR | 06755;
	assert_int_equal(set_attr(fs, "su", &sa), 0);
	assert_int_equal(stat_ok(fs, "su").mode, S_IFREG | 06755);
	ovl_free(ovl);
}

/* Truncate changes the size and stamps the time; a directory: EISDIR. */
static void test_setattr_size(void **state)
{
	struct memfs *l[1] = { fx_layer() };
	struct vfs_setattr sa = { .mask = VFS_SET_SIZE, .size = 2 };
	struct ovl *ovl;
	struct vfs_fs *fs;
	struct vfs_attr a;

	fx_file(l[0], "f", "abcdef");
	fx_dir(l[0], "d");
	fx_symlink(l[0], "l", "f");
	ovl = fx_ovl(l, 1, true);
	fs = ovl_vfs(ovl);
	assert_int_equal(set_attr(fs, "f", &sa), 0);
	fx_assert_content(fs, "f", "ab");
	a = stat_ok(fs, "f");
	assert_int_equal(a.size, 2);
	assert_int_equal(a.mtime.tv_sec, 1234567890);
	assert_int_equal(set_attr(fs, "d", &sa), -EISDIR);
	assert_int_equal(set_attr(fs, "l", &sa), -EINVAL);
	ovl_free(ovl);
}

/*
 * user.* only on files and directories (xattr(7)): a symlink or a fifo
 * answers EPERM; trusted.overlay.* is the overlay's own: EOPNOTSUPP, as
 * is an unknown namespace. A refused change copies nothing up.
 */
static void test_xattr_namespaces(void **state)
{
	struct memfs *l[1] = { fx_layer() };
	struct ovl *ovl;
	struct vfs_fs *fs;
	struct vfs_node *n;

	fx_symlink(l[0], "l", "target");
	fx_add(l[0], "p", S_IFIFO | 0644, NULL);
	fx_file(l[0], "f", "");
	ovl = fx_ovl(l, 1, true);
	fs = ovl_vfs(ovl);
	assert_int_equal(set_xattr(fs, "l", "user.a", "1"), -EPERM);
	assert_int_equal(set_xattr(fs, "p", "user.a", "1"), -EPERM);
	assert_int_equal(set_xattr(fs, "f", "trusted.overlay.opaque", "y"),
			 -EOPNOTSUPP);
	assert_int_equal(set_xattr(fs, "f", "bogus.a", "1"), -EOPNOTSUPP);
	n = node(fs, "f");
	assert_int_equal(vfs_removexattr(fs, n, "user.none"), -ENODATA);
	vfs_put(fs, n);
	assert_int_equal(memfs_count(upper(ovl)), 1);
	/* trusted and security on a symlink are fine */
	assert_int_equal(set_xattr(fs, "l", "trusted.a", "1"), 0);
	assert_int_equal(set_xattr(fs, "l", "security.selinux", "x"), 0);
	n = node(fs, "l");
	assert_int_equal(vfs_removexattr(fs, n, "trusted.a"), 0);
	assert_int_equal(vfs_removexattr(fs, n, "trusted.a"), -ENODATA);
	vfs_put(fs, n);
	ovl_free(ovl);
}

/* --- export_layer ------------------------------------------------------ */

struct ent {
	char path[64];
	int type;		/* AE_IF* */
	dev_t rdev;
	long mtime;
	char opaque[4];		/* trusted.overlay.opaque, or "" */
};

/* Exports the upper layer of ovl and reads the entries back. */
static size_t export_and_read(struct ovl *ovl, enum export_whiteouts style,
			      struct ent *out, size_t max)
{
	char path[128];
	struct sink *s;
	struct tarout *t;
	struct err e = { 0 };
	struct archive *a;
	struct archive_entry *ae;
	struct timespec now = { 777, 0 };
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/layer.tar", tmpdir);
	assert_int_equal(sink_open(path, NULL, &s, &e), 0);
	t = tarout_new(s);
	assert_non_null(t);
	assert_int_equal(export_layer(upper(ovl), style, now, tarout_writer(t), &e), 0);
	assert_int_equal(tarout_finish(t, &e), 0);
	tarout_free(t);
	assert_int_equal(sink_commit(s, &e), 0);
	a = archive_read_new();
	archive_read_support_format_all(a);
	assert_int_equal(archive_read_open_filename(a, path, 10240),
			 ARCHIVE_OK);
	while (archive_read_next_header(a, &ae) == ARCHIVE_OK) {
		const char *name, *end;
		const void *val;
		size_t len;

		assert_true(n < max);
		memset(&out[n], 0, sizeof(out[n]));
		snprintf(out[n].path, sizeof(out[n].path), "%s",
			 archive_entry_pathname(ae));
		end = out[n].path + strlen(out[n].path);
		if (end > out[n].path && end[-1] == '/')
			out[n].path[strlen(out[n].path) - 1] = '\0';
		out[n].type = (int)archive_entry_filetype(ae);
		out[n].rdev = archive_entry_rdev(ae);
		out[n].mtime = (long)archive_entry_mtime(ae);
		archive_entry_xattr_reset(ae);
		while (archive_entry_xattr_next(ae, &name, &val, &len) ==
		       ARCHIVE_OK)
			if (!strcmp(name, "trusted.overlay.opaque"))
				snprintf(out[n].opaque, sizeof(out[n].opaque),
					 "%.*s", (int)len, (const char *)val);
		n++;
	}
	archive_read_free(a);
	return n;
}

/*
 * The changes: a/old removed (lower file), gone/ removed (lower dir with
 * content), re/ removed and made again with re/new, a/b made. Expected in
 * order (each directory: its opaque marker, its whiteouts, then its
 * entries by name; the copied-up parents a and re come as entries):
 *   .wh.gone   a   a/.wh.old   a/b   re   re/.wh..wh..opq   re/new
 * Root-level whiteouts ("gone") come before the root's entries; "re" is
 * not whited out, because its upper entry replaced the whiteout.
 */
static struct ovl *export_fixture(void)
{
	struct memfs *l[1] = { fx_layer() };
	struct ovl *ovl;
	struct vfs_fs *fs;

	fx_file(l[0], "a/old", "");
	fx_file(l[0], "gone/x", "");
	fx_file(l[0], "re/y", "");
	ovl = fx_ovl(l, 1, true);
	fs = ovl_vfs(ovl);
	assert_int_equal(vfs_unlink(fs, "a/old"), 0);
	assert_int_equal(vfs_remove_tree(fs, "gone"), 0);
	assert_int_equal(vfs_remove_tree(fs, "re"), 0);
	assert_int_equal(mk(fs, "re", S_IFDIR | 0755), 0);
	assert_int_equal(mk(fs, "re/new", S_IFREG | 0644), 0);
	assert_int_equal(mk(fs, "a/b", S_IFREG | 0644), 0);
	return ovl;
}

static void test_export_layer_oci(void **state)
{
	static const char *const want[] = { ".wh.gone", "a", "a/.wh.old",
					    "a/b", "re", "re/.wh..wh..opq",
					    "re/new" };
	struct ovl *ovl = export_fixture();
	struct ent e[16];
	size_t n = export_and_read(ovl, EXPORT_WH_OCI, e, 16);

	assert_int_equal(n, 7);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(e[i].path, want[i]);
		assert_string_equal(e[i].opaque, "");
	}
	/* whiteouts: empty regular files stamped with the given time */
	assert_int_equal(e[0].type, AE_IFREG);
	assert_int_equal(e[0].mtime, 777);
	assert_int_equal(e[2].mtime, 777);
	assert_int_equal(e[5].type, AE_IFREG);
	assert_int_equal(e[5].mtime, 777);
	assert_int_equal(e[1].type, AE_IFDIR);
	ovl_free(ovl);
}

/*
 * The overlayfs spelling: a whiteout is a char device 0/0 at the name
 * itself, an opaque directory carries trusted.overlay.opaque=y and no
 * marker entry. Same order otherwise: gone, a, a/old, a/b, re, re/new.
 */
static void test_export_layer_overlayfs(void **state)
{
	static const char *const want[] = { "gone", "a", "a/old", "a/b", "re",
					    "re/new" };
	struct ovl *ovl = export_fixture();
	struct ent e[16];
	size_t n = export_and_read(ovl, EXPORT_WH_OVL, e, 16);

	assert_int_equal(n, 6);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(e[i].path, want[i]);
	assert_int_equal(e[0].type, AE_IFCHR);
	assert_int_equal(e[0].rdev, makedev(0, 0));
	assert_int_equal(e[0].mtime, 777);
	assert_int_equal(e[2].type, AE_IFCHR);
	assert_int_equal(e[4].type, AE_IFDIR);
	assert_string_equal(e[4].opaque, "y");
	assert_string_equal(e[1].opaque, "");
	assert_int_equal(e[5].type, AE_IFREG);
	ovl_free(ovl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup_whiteout_hides_lower),
		cmocka_unit_test(test_lookup_nondir_stops),
		cmocka_unit_test(test_lookup_opaque_stops),
		cmocka_unit_test(test_lookup_topmost_attributes),
		cmocka_unit_test(test_readdir_merged),
		cmocka_unit_test(test_readdir_stops),
		cmocka_unit_test(test_copy_up),
		cmocka_unit_test(test_copy_up_breaks_hard_link),
		cmocka_unit_test(test_create_over_whiteout),
		cmocka_unit_test(test_create_basics),
		cmocka_unit_test(test_mknod_whiteout_refused),
		cmocka_unit_test(test_setgid_parent),
		cmocka_unit_test(test_link),
		cmocka_unit_test(test_unlink_whiteout_only_if_lower),
		cmocka_unit_test(test_remove_type_errors),
		cmocka_unit_test(test_rmdir_merged),
		cmocka_unit_test(test_rename_file),
		cmocka_unit_test(test_rename_upper_dir),
		cmocka_unit_test(test_rename_lower_dir),
		cmocka_unit_test(test_rename_dir_into_itself),
		cmocka_unit_test(test_chown_clears_privileges),
		cmocka_unit_test(test_setattr_size),
		cmocka_unit_test(test_xattr_namespaces),
		cmocka_unit_test(test_export_layer_oci),
		cmocka_unit_test(test_export_layer_overlayfs),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
