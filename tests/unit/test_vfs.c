/*
 * test_vfs: path resolution (core/vfs.c) inside an image root, through an
 * overlay of memfs layers made in the test: `..` at the root, absolute and
 * relative symlinks, the symlink limit, the errnos of bad paths, trailing
 * slashes, and what VFS_PARENT and VFS_FOLLOW hand back. The rules are
 * path_resolution(7)'s, with the image root as the process's root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>

#include "tests/unit/fixture.h"

struct fx {
	struct ovl *ovl;
	struct vfs_fs *fs;
};

/*
 * Two layers:
 *   lower: bin/sh "sh", etc/f "f", usr/lib/x "x", lib -> usr/lib,
 *          abs -> /etc, etc/up -> ../../../etc (climbs past the root),
 *          usr/bin/busybox -> ../../bin/sh, self -> self, empty -> "",
 *          dangle -> /etc/created, dangle2 -> /nodir/x,
 *          usr/bin/rel -> ../newname
 *   upper: c1 -> c2 ... c39 -> c40, c40 -> etc/f  (40 links to follow)
 *          d1 -> d2 ... d40 -> d41, d41 -> etc/f  (41)
 * The chains live in the second layer so that lookups cross layers.
 */
static int setup(void **state)
{
	struct memfs *l[2] = { fx_layer(), fx_layer() };
	struct fx *f = calloc(1, sizeof(*f));
	char name[16], target[16];

	fx_file(l[0], "bin/sh", "sh");
	fx_file(l[0], "etc/f", "f");
	fx_file(l[0], "usr/lib/x", "x");
	fx_symlink(l[0], "lib", "usr/lib");
	fx_symlink(l[0], "abs", "/etc");
	fx_symlink(l[0], "etc/up", "../../../etc");
	fx_symlink(l[0], "usr/bin/busybox", "../../bin/sh");
	fx_symlink(l[0], "self", "self");
	fx_symlink(l[0], "empty", "");
	fx_symlink(l[0], "dangle", "/etc/created");
	fx_symlink(l[0], "dangle2", "/nodir/x");
	fx_symlink(l[0], "usr/bin/rel", "../newname");
	for (int i = 1; i <= 40; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		snprintf(target, sizeof(target), "c%d", i + 1);
		fx_symlink(l[1], name, i == 40 ? "etc/f" : target);
	}
	for (int i = 1; i <= 41; i++) {
		snprintf(name, sizeof(name), "d%d", i);
		snprintf(target, sizeof(target), "d%d", i + 1);
		fx_symlink(l[1], name, i == 41 ? "etc/f" : target);
	}
	f->ovl = fx_ovl(l, 2, false);
	f->fs = ovl_vfs(f->ovl);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	ovl_free(f->ovl);
	free(f);
	return 0;
}

/* The file id of path (final symlink not followed). */
static uint64_t id_of(struct vfs_fs *fs, const char *path)
{
	struct vfs_attr a;

	assert_int_equal(fx_stat(fs, path, &a), 0);
	return a.ino;
}

static uint64_t node_id(struct vfs_fs *fs, struct vfs_node *n)
{
	struct vfs_attr a;

	assert_non_null(n);
	assert_int_equal(vfs_getattr(fs, n, &a), 0);
	return a.ino;
}

/* vfs_resolve of path names the same file as want (resolved plainly). */
static void assert_resolves(struct vfs_fs *fs, const char *path,
			    bool follow, const char *want)
{
	struct vfs_node *n;

	assert_int_equal(vfs_resolve(fs, path, follow, &n), 0);
	assert_int_equal(node_id(fs, n), id_of(fs, want));
	vfs_put(fs, n);
}

static int resolve_rc(struct vfs_fs *fs, const char *path, bool follow)
{
	struct vfs_node *n = NULL;
	int rc = vfs_resolve(fs, path, follow, &n);

	if (!rc)
		vfs_put(fs, n);
	else
		assert_null(n);
	return rc;
}

/* `..` at the root is the root (a chroot's rule), however often. */
static void test_dotdot_at_root(void **state)
{
	struct vfs_fs *fs = ((struct fx *)*state)->fs;
	struct vfs_walk w;

	assert_resolves(fs, "/../../etc/f", false, "etc/f");
	assert_resolves(fs, "../bin/sh", false, "bin/sh");
	assert_resolves(fs, "etc/../../../bin/sh", false, "bin/sh");
	assert_int_equal(vfs_walk(fs, "/..", 0, &w), 0);
	assert_null(w.parent);	/* the root has no parent */
	assert_int_equal(node_id(fs, w.node), id_of(fs, "/"));
	vfs_walk_release(fs, &w);
}

/* "." stays; repeated and leading slashes are one. */
static void test_dot_and_slashes(void **state)
{
	struct vfs_fs *fs = ((struct fx *)*state)->fs;

	assert_resolves(fs, "./etc/./f", false, "etc/f");
	assert_resolves(fs, "//etc///f", false, "etc/f");
	assert_resolves(fs, "", false, "/");
}

/* An absolute target restarts at the image root, not the host's. */
static void test_absolute_symlink(void **state)
{
	struct vfs_fs *fs = ((struct fx *)*state)->fs;

	assert_resolves(fs, "abs/f", false, "etc/f");
	assert_resolves(fs, "abs", true, "etc");
	/* etc/up -> ../../../etc: from etc, three `..` stop at the root */
	assert_resolves(fs, "etc/up/f", false, "etc/f");
	assert_resolves(fs, "abs/up/up/up/f", false, "etc/f");
}

/* A relative target resolves from the link's directory. */
static void test_relative_symlink(void **state)
{
	struct vfs_fs *fs = ((struct fx *)*state)->fs;

	assert_resolves(fs, "lib/x", false, "usr/lib/x");
	assert_resolves(fs, "usr/bin/busybox", true, "bin/sh");
	/* `..` after a followed link leaves the target, not the link */
	assert_resolves(fs, "lib/../lib/x", false, "usr/lib/x");
	assert_resolves(fs, "lib/..", false, "usr");
}

/* Without follow, the last component is the link itself. */
static void test_final_symlink_not_followed(void **state)
{
	struct vfs_fs *fs = ((struct fx *)*state)->fs;
	struct vfs_node *n;
	struct vfs_attr a;

	assert_int_equal(vfs_resolve(fs, "usr/bin/busybox", false, &n), 0);
	assert_int_equal(vfs_getattr(fs, n, &a), 0);
	assert_true(S_ISLNK(a.mode));
	vfs_put(fs, n);
	assert_int_equal(vfs_resolve(fs, "usr/bin/busybox", true, &n), 0);
	assert_int_equal(vfs_getattr(fs, n, &a), 0);
	assert_true(S_ISREG(a.mode));
	vfs_put(fs, n);
	/* a dangling link is there unfollowed, missing followed */
	assert_int_equal(resolve_rc(fs, "dangle", false), 0);
	assert_int_equal(resolve_rc(fs, "dangle", true), -ENOENT);
}

/* c1 .. c40 is 40 links, Linux's MAXSYMLINKS: fine; d1 .. d41: ELOOP. */
static void test_symlink_limit(void **state)
{
	struct vfs_fs *fs = ((struct fx *)*state)->fs;

	assert_resolves(fs, "c1", true, "etc/f");
	assert_int_equal(resolve_rc(fs, "d1", true), -ELOOP);
	/* d2 .. d41 is 40 again */
	assert_resolves(fs, "d2", true, "etc/f");
	/* an intermediate component counts the same: d1/x follows d1 */
	assert_int_equal(resolve_rc(fs, "d1/x", false), -ELOOP);
	assert_int_equal(resolve_rc(fs, "self", true), -ELOOP);
	/* unfollowed, a loop is just a link */
	assert_int_equal(resolve_rc(fs, "self", false), 0);
}

/* An empty target names nothing (Linux: ENOENT). */
static void test_empty_symlink(void **state)
{
	struct vfs_fs *fs = ((struct fx *)*state)->fs;

	assert_int_equal(resolve_rc(fs, "empty", true), -ENOENT);
	assert_int_equal(resolve_rc(fs, "empty/x", false), -ENOENT);
}

static void test_missing(void **state)
{
	struct vfs_fs *fs = ((struct fx *)*state)->fs;
	struct vfs_walk w;

	assert_int_equal(resolve_rc(fs, "etc/nothing", false), -ENOENT);
	assert_int_equal(resolve_rc(fs, "nothing/f", false), -ENOENT);
	assert_int_equal(vfs_walk(fs, "nothing/f", VFS_PARENT, &w), -ENOENT);
	assert_null(w.parent);	/* a failed walk holds nothing */
	assert_null(w.node);
}

/* A file is no directory: as a middle component, or before . or .. */
static void test_file_as_directory(void **state)
{
	struct vfs_fs *fs = ((struct fx *)*state)->fs;
	struct vfs_walk w;

	assert_int_equal(resolve_rc(fs, "etc/f/x", false), -ENOTDIR);
	assert_int_equal(resolve_rc(fs, "bin/sh/x/y", false), -ENOTDIR);
	assert_int_equal(vfs_walk(fs, "etc/f/x", VFS_PARENT, &w), -ENOTDIR);
	/* through a link to a file */
	assert_int_equal(resolve_rc(fs, "usr/bin/busybox/x", false),
			 -ENOTDIR);
	assert_int_equal(resolve_rc(fs, "etc/f/.", false), -ENOTDIR);
	assert_int_equal(resolve_rc(fs, "etc/f/..", false), -ENOTDIR);
	assert_int_equal(resolve_rc(fs, "etc/f/../f", false), -ENOTDIR);
}

/* A trailing slash asks for a directory, and follows a final link. */
static void test_trailing_slash(void **state)
{
	struct vfs_fs *fs = ((struct fx *)*state)->fs;
	struct vfs_walk w;

	assert_int_equal(resolve_rc(fs, "etc/f/", false), -ENOTDIR);
	assert_int_equal(resolve_rc(fs, "etc/f//", true), -ENOTDIR);
	assert_resolves(fs, "etc/", false, "etc");
	/* lib -> usr/lib: followed for the slash even without follow */
	assert_resolves(fs, "lib/", false, "usr/lib");
	assert_int_equal(vfs_walk(fs, "etc/", 0, &w), 0);
	assert_true(w.trailing_slash);
	assert_string_equal(w.name, "etc");
	vfs_walk_release(fs, &w);
	assert_int_equal(vfs_walk(fs, "etc", 0, &w), 0);
	assert_false(w.trailing_slash);
	vfs_walk_release(fs, &w);
	/* a link to a file with a slash */
	assert_int_equal(resolve_rc(fs, "usr/bin/busybox/", false), -ENOTDIR);
}

/* NAME_MAX is 255: 256 bytes in one component is too long. */
static void test_name_too_long(void **state)
{
	struct vfs_fs *fs = ((struct fx *)*state)->fs;
	char path[300];

	memcpy(path, "etc/", 4);
	memset(path + 4, 'n', 256);
	path[260] = '\0';
	assert_int_equal(resolve_rc(fs, path, false), -ENAMETOOLONG);
	path[259] = '\0';	/* 255: merely missing */
	assert_int_equal(resolve_rc(fs, path, false), -ENOENT);
}

/*
 * A path over PATH_MAX (4096) is too long, whatever it names: "./" times
 * 2046 then "etc" is 4095 bytes and names etc; one more "./" makes 4097.
 */
static void test_path_too_long(void **state)
{
	struct vfs_fs *fs = ((struct fx *)*state)->fs;
	char path[4200];
	size_t n = 0;

	for (int i = 0; i < 2046; i++, n += 2)
		memcpy(path + n, "./", 2);
	strcpy(path + n, "etc");
	assert_int_equal(strlen(path), 4095);
	assert_resolves(fs, path, false, "etc");
	memmove(path + 2, path, strlen(path) + 1);
	memcpy(path, "./", 2);
	assert_int_equal(strlen(path), 4097);
	assert_int_equal(resolve_rc(fs, path, false), -ENAMETOOLONG);
}

/* VFS_PARENT: a missing last name gives its directory and the name. */
static void test_parent_of_missing(void **state)
{
	struct vfs_fs *fs = ((struct fx *)*state)->fs;
	struct vfs_walk w;

	assert_int_equal(vfs_walk(fs, "etc/newfile", VFS_PARENT, &w), 0);
	assert_null(w.node);
	assert_int_equal(node_id(fs, w.parent), id_of(fs, "etc"));
	assert_string_equal(w.name, "newfile");
	assert_int_equal(w.len, 7);
	vfs_walk_release(fs, &w);
	/* through a symlinked directory, with a trailing slash */
	assert_int_equal(vfs_walk(fs, "lib/newdir/", VFS_PARENT, &w), 0);
	assert_null(w.node);
	assert_int_equal(node_id(fs, w.parent), id_of(fs, "usr/lib"));
	assert_string_equal(w.name, "newdir");
	assert_true(w.trailing_slash);
	vfs_walk_release(fs, &w);
	/* an existing last name: both parent and node */
	assert_int_equal(vfs_walk(fs, "etc/f", VFS_PARENT, &w), 0);
	assert_int_equal(node_id(fs, w.node), id_of(fs, "etc/f"));
	assert_int_equal(node_id(fs, w.parent), id_of(fs, "etc"));
	vfs_walk_release(fs, &w);
	/* without VFS_PARENT a missing last name is an error */
	assert_int_equal(vfs_walk(fs, "etc/newfile", 0, &w), -ENOENT);
}

/*
 * VFS_FOLLOW of a dangling link: the target's parent and last name, which
 * is where open(O_CREAT) creates the file (open(2): "if pathname is a
 * dangling symbolic link, the file is created at the link's target").
 */
static void test_follow_dangling(void **state)
{
	struct vfs_fs *fs = ((struct fx *)*state)->fs;
	struct vfs_walk w;

	assert_int_equal(vfs_walk(fs, "dangle", VFS_PARENT | VFS_FOLLOW, &w),
			 0);
	assert_null(w.node);
	assert_int_equal(node_id(fs, w.parent), id_of(fs, "etc"));
	assert_string_equal(w.name, "created");
	vfs_walk_release(fs, &w);
	/* relative: usr/bin/rel -> ../newname is usr/newname */
	assert_int_equal(vfs_walk(fs, "usr/bin/rel", VFS_PARENT | VFS_FOLLOW,
				  &w), 0);
	assert_null(w.node);
	assert_int_equal(node_id(fs, w.parent), id_of(fs, "usr"));
	assert_string_equal(w.name, "newname");
	vfs_walk_release(fs, &w);
	/* the target's directory missing too: ENOENT */
	assert_int_equal(vfs_walk(fs, "dangle2", VFS_PARENT | VFS_FOLLOW, &w),
			 -ENOENT);
	/* unfollowed, the link itself is found */
	assert_int_equal(vfs_walk(fs, "dangle", VFS_PARENT, &w), 0);
	assert_non_null(w.node);
	assert_string_equal(w.name, "dangle");
	vfs_walk_release(fs, &w);
}

/* A followed existing link: the name is the target's. */
static void test_follow_names_target(void **state)
{
	struct vfs_fs *fs = ((struct fx *)*state)->fs;
	struct vfs_walk w;

	assert_int_equal(vfs_walk(fs, "usr/bin/busybox", VFS_FOLLOW, &w), 0);
	assert_string_equal(w.name, "sh");
	assert_int_equal(node_id(fs, w.parent), id_of(fs, "bin"));
	assert_int_equal(node_id(fs, w.node), id_of(fs, "bin/sh"));
	vfs_walk_release(fs, &w);
}

/* Mutations on an overlay without an upper layer: EROFS. */
static void test_read_only(void **state)
{
	struct vfs_fs *fs = ((struct fx *)*state)->fs;
	struct vfs_create c = { .mode = S_IFREG | 0644 };

	assert_int_equal(vfs_create(fs, "etc/new", &c), -EROFS);
	assert_int_equal(vfs_unlink(fs, "etc/f"), -EROFS);
	assert_int_equal(vfs_rename(fs, "etc/f", "etc/g"), -EROFS);
	/* but the errors of the walk come first */
	assert_int_equal(vfs_create(fs, "etc/f", &c), -EEXIST);
	assert_int_equal(vfs_unlink(fs, "etc/none"), -ENOENT);
}

/* The node-level mutations check for a missing op too (vfs.h). */
static void test_read_only_nodes(void **state)
{
	struct vfs_fs *fs = ((struct fx *)*state)->fs;
	struct vfs_create c = { .mode = S_IFREG | 0644 };
	struct vfs_node *dir, *f;

	assert_int_equal(vfs_resolve(fs, "etc", false, &dir), 0);
	assert_int_equal(vfs_lookup(fs, dir, "f", 1, &f), 0);
	assert_int_equal(vfs_create_at(fs, dir, "new", 3, &c, NULL), -EROFS);
	assert_int_equal(vfs_link_at(fs, f, dir, "g", 1), -EROFS);
	assert_int_equal(vfs_unlink_at(fs, dir, "f", 1), -EROFS);
	vfs_put(fs, f);
	vfs_put(fs, dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dotdot_at_root),
		cmocka_unit_test(test_dot_and_slashes),
		cmocka_unit_test(test_absolute_symlink),
		cmocka_unit_test(test_relative_symlink),
		cmocka_unit_test(test_final_symlink_not_followed),
		cmocka_unit_test(test_symlink_limit),
		cmocka_unit_test(test_empty_symlink),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_file_as_directory),
		cmocka_unit_test(test_trailing_slash),
		cmocka_unit_test(test_name_too_long),
		cmocka_unit_test(test_path_too_long),
		cmocka_unit_test(test_parent_of_missing),
		cmocka_unit_test(test_follow_dangling),
		cmocka_unit_test(test_follow_names_target),
		cmocka_unit_test(test_read_only),
		cmocka_unit_test(test_read_only_nodes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
