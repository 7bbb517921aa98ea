/*
 * test_inspect: per-layer changes, wasted bytes and merged link counts
 * (core/inspect.c, core/inspect_links.c). Each test builds small memfs
 * layers with the fixture helpers and checks the answer overlayfs's
 * lookup rules give, worked out in the comment above it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/fixture.h"
#include "core/inspect.h"

/* The changes of one layer, as "A /x\n" lines. */
struct changes {
	char buf[2048];
	size_t len;
	int stop_after;		/* nonzero: return -ECANCELED after that many */
	int seen;
};

static int record(void *ctx, enum inspect_change c, const char *path,
		  size_t len, const struct memfs_inode *ino)
{
	struct changes *ch = ctx;

	assert_non_null(ino);
	assert_int_equal(strlen(path), len);
	ch->len += (size_t)snprintf(ch->buf + ch->len, sizeof(ch->buf) - ch->len,
				    "%c %s\n", (char)c, path);
	if (ch->stop_after && ++ch->seen == ch->stop_after)
		return -ECANCELED;
	return 0;
}

/* Runs inspect over layers (it takes them); changes of layer into ch. */
static int run(struct memfs **layers, size_t n, int layer, size_t top,
	       struct changes *ch, struct inspect_report *r)
{
	struct ovl *ovl = fx_ovl(layers, n, false);
	struct inspect_opts o = { .top = top, .layer = layer, .fn = record,
				  .ctx = ch };
	struct err e = { 0 };
	int rc = inspect_run(ovl, &o, r, &e);

	ovl_free(ovl);
	return rc;
}

static void expect_layer(const struct inspect_report *r, size_t i,
			 uint64_t a, uint64_t m, uint64_t d, uint64_t files,
			 uint64_t bytes, uint64_t wasted)
{
	assert_int_equal(r->layers[i].added, a);
	assert_int_equal(r->layers[i].modified, m);
	assert_int_equal(r->layers[i].removed, d);
	assert_int_equal(r->layers[i].files, files);
	assert_int_equal(r->layers[i].bytes, bytes);
	assert_int_equal(r->layers[i].wasted, wasted);
}

/* One layer: everything is added, nothing wasted, efficiency 1. */
static void test_single_layer_adds_everything(void **state)
{
	struct memfs *l[1] = { fx_layer() };
	struct changes ch = { 0 };
	struct inspect_report r;

	fx_file(l[0], "etc/a", "12345");
	fx_symlink(l[0], "etc/b", "a");
	assert_int_equal(run(l, 1, 0, 10, &ch, &r), 0);
	assert_string_equal(ch.buf, "A /etc\nA /etc/a\nA /etc/b\n");
	expect_layer(&r, 0, 3, 0, 0, 1, 5, 0);
	assert_int_equal(r.bytes, 5);
	assert_int_equal(r.wasted, 0);
	assert_true(r.efficiency == 1.0);
	assert_int_equal(r.nwaste, 0);
	inspect_report_release(&r);
}

/*
 * A file replaced by a later layer: M there; the lower bytes (4) are
 * wasted, covered by layer 1; efficiency (4+2-4)/(4+2) = 1/3.
 */
static void test_replaced_file_is_modified_and_wasted(void **state)
{
	struct memfs *l[2] = { fx_layer(), fx_layer() };
	struct changes ch = { 0 };
	struct inspect_report r;

	fx_file(l[0], "f", "old!");
	fx_file(l[1], "f", "ne");
	assert_int_equal(run(l, 2, 1, 10, &ch, &r), 0);
	assert_string_equal(ch.buf, "M /f\n");
	expect_layer(&r, 0, 1, 0, 0, 1, 4, 4);
	expect_layer(&r, 1, 0, 1, 0, 1, 2, 0);
	assert_true(r.efficiency > 0.3333 && r.efficiency < 0.3334);
	assert_int_equal(r.nwaste, 1);
	assert_string_equal(r.waste[0].path, "/f");
	assert_int_equal(r.waste[0].bytes, 4);
	assert_int_equal(r.waste[0].layer, 0);
	assert_int_equal(r.waste[0].by, 1);
	inspect_report_release(&r);
}

/*
 * A whiteout of a file removes it; a whiteout of nothing changes nothing;
 * the directory repeated as it was is no change either.
 */
static void test_whiteout_removes_file_but_not_nothing(void **state)
{
	struct memfs *l[2] = { fx_layer(), fx_layer() };
	struct changes ch = { 0 };
	struct inspect_report r;

	fx_file(l[0], "d/x", "abc");
	fx_dir(l[1], "d");
	fx_whiteout(l[1], "d/x");
	fx_whiteout(l[1], "d/never");
	assert_int_equal(run(l, 2, 1, 10, &ch, &r), 0);
	assert_string_equal(ch.buf, "D /d/x\n");
	expect_layer(&r, 1, 0, 0, 1, 0, 0, 0);
	assert_int_equal(r.layers[0].wasted, 3);
	inspect_report_release(&r);
}

/* A whiteout of a directory removes it and everything below it. */
static void test_whiteout_of_dir_removes_descendants(void **state)
{
	struct memfs *l[2] = { fx_layer(), fx_layer() };
	struct changes ch = { 0 };
	struct inspect_report r;

	fx_file(l[0], "d/s/x", "12");
	fx_file(l[0], "d/y", "345");
	fx_whiteout(l[1], "d");
	assert_int_equal(run(l, 2, 1, 10, &ch, &r), 0);
	assert_string_equal(ch.buf, "D /d\nD /d/s\nD /d/s/x\nD /d/y\n");
	expect_layer(&r, 1, 0, 0, 4, 0, 0, 0);
	assert_int_equal(r.wasted, 5);
	assert_true(r.efficiency == 0.0);
	inspect_report_release(&r);
}

/*
 * An opaque directory: M itself, its own child A, every lower child D
 * (ovl_lookup_stack stops at an opaque directory).
 */
static void test_opaque_dir_removes_lower_children(void **state)
{
	struct memfs *l[2] = { fx_layer(), fx_layer() };
	struct changes ch = { 0 };
	struct inspect_report r;

	fx_file(l[0], "d/old", "1");
	fx_file(l[0], "d/keep", "22");
	fx_dir(l[1], "d")->flags |= MEMFS_I_OPAQUE;
	fx_file(l[1], "d/keep", "3");
	fx_file(l[1], "d/new", "4");
	assert_int_equal(run(l, 2, 1, 10, &ch, &r), 0);
	assert_string_equal(ch.buf, "M /d\nM /d/keep\nA /d/new\nD /d/old\n");
	expect_layer(&r, 1, 1, 2, 1, 2, 2, 0);
	assert_int_equal(r.layers[0].wasted, 3);
	inspect_report_release(&r);
}

/*
 * A directory over a directory merges: the lower files stay; being the
 * same (mode, owner, time, xattrs), it is no change, while one with
 * another time is M.
 */
static void test_dir_over_dir_merges(void **state)
{
	struct memfs *l[2] = { fx_layer(), fx_layer() };
	struct changes ch = { 0 };
	struct inspect_report r;

	fx_file(l[0], "d/a", "aa");
	fx_file(l[0], "e/a", "aa");
	fx_file(l[1], "d/b", "b");
	fx_dir(l[1], "e")->mtime.tv_sec = 5;
	fx_file(l[1], "e/b", "b");
	assert_int_equal(run(l, 2, 1, 10, &ch, &r), 0);
	assert_string_equal(ch.buf, "A /d/b\nM /e\nA /e/b\n");
	assert_int_equal(r.wasted, 0);
	inspect_report_release(&r);
}

/*
 * Layer 1 d/a, layer 2 a file d, layer 3 a directory d: the file ends the
 * merge (a lower non-directory under a directory is ignored and stops the
 * lookup), so d/a stays gone: D in layer 2, wasted, and layer 3's d is M
 * (over layer 2's file) with no D of its own.
 */
static void test_file_between_dirs_stops_the_merge(void **state)
{
	struct memfs *l[3] = { fx_layer(), fx_layer(), fx_layer() };
	struct changes ch = { 0 };
	struct inspect_report r;

	fx_file(l[0], "d/a", "xyz");
	fx_file(l[1], "d", "f");
	fx_dir(l[2], "d");
	assert_int_equal(run(l, 3, 1, 10, &ch, &r), 0);
	assert_string_equal(ch.buf, "M /d\nD /d/a\n");
	expect_layer(&r, 2, 0, 1, 0, 0, 0, 0);
	assert_int_equal(r.layers[0].wasted, 3);
	assert_int_equal(r.layers[1].wasted, 1);
	assert_int_equal(r.waste[0].by, 1);
	inspect_report_release(&r);
}

/* A path whited out and made again is added, not modified. */
static void test_readded_after_whiteout_is_added(void **state)
{
	struct memfs *l[3] = { fx_layer(), fx_layer(), fx_layer() };
	struct changes ch = { 0 };
	struct inspect_report r;

	fx_file(l[0], "f", "1");
	fx_whiteout(l[1], "f");
	fx_file(l[2], "f", "2");
	assert_int_equal(run(l, 3, 2, 10, &ch, &r), 0);
	assert_string_equal(ch.buf, "A /f\n");
	expect_layer(&r, 1, 0, 0, 1, 0, 0, 0);
	inspect_report_release(&r);
}

/*
 * Hard links: a file's bytes count once in its layer; hiding one name of
 * two wastes nothing, hiding both wastes the bytes once.
 */
static void test_hardlinks_count_once(void **state)
{
	struct memfs *l[2] = { fx_layer(), fx_layer() };
	struct changes ch = { 0 };
	struct inspect_report r;

	fx_file(l[0], "a", "1234");
	fx_hardlink(l[0], "a", "b");
	fx_file(l[0], "c", "567");
	fx_hardlink(l[0], "c", "d");
	fx_whiteout(l[1], "a");
	fx_whiteout(l[1], "c");
	fx_whiteout(l[1], "d");
	assert_int_equal(run(l, 2, -1, 10, &ch, &r), 0);
	expect_layer(&r, 0, 4, 0, 0, 2, 7, 3);
	expect_layer(&r, 1, 0, 0, 3, 0, 0, 0);
	assert_int_equal(r.nwaste, 1);
	assert_string_equal(r.waste[0].path, "/c");
	inspect_report_release(&r);
}

/* The top list: largest first; ties lower layer first, then walk order. */
static void test_top_list_order(void **state)
{
	struct memfs *l[3] = { fx_layer(), fx_layer(), fx_layer() };
	struct changes ch = { 0 };
	struct inspect_report r;

	fx_file(l[0], "z", "22");
	fx_file(l[0], "b", "22");
	fx_file(l[0], "c", "1");
	fx_file(l[1], "a", "22");
	fx_file(l[1], "big", "4444");
	fx_whiteout(l[2], "z");
	fx_whiteout(l[2], "b");
	fx_whiteout(l[2], "c");
	fx_whiteout(l[2], "a");
	fx_whiteout(l[2], "big");
	assert_int_equal(run(l, 3, -1, 3, &ch, &r), 0);
	assert_int_equal(r.nwaste, 3);
	assert_string_equal(r.waste[0].path, "/big");
	assert_string_equal(r.waste[1].path, "/b");
	assert_string_equal(r.waste[2].path, "/z");
	assert_int_equal(r.wasted, 11);
	inspect_report_release(&r);
}

/* The callback's nonzero return stops the walk and is returned. */
static void test_callback_stops_walk(void **state)
{
	struct memfs *l[1] = { fx_layer() };
	struct changes ch = { .stop_after = 2 };
	struct inspect_report r;

	fx_file(l[0], "a", "1");
	fx_file(l[0], "b", "1");
	fx_file(l[0], "c", "1");
	assert_int_equal(run(l, 1, 0, 10, &ch, &r), -ECANCELED);
	assert_string_equal(ch.buf, "A /a\nA /b\n");
	inspect_report_release(&r);
}

static void test_layer_out_of_range(void **state)
{
	struct memfs *l[1] = { fx_layer() };
	struct changes ch = { 0 };
	struct inspect_report r;

	assert_int_equal(run(l, 1, 1, 10, &ch, &r), -EINVAL);
	inspect_report_release(&r);
}

/*
 * Merged link counts: a directory has 2 + its subdirectories; a file
 * whose second name a later layer replaced has 1 (2 in its layer); a pair
 * both visible has 2.
 */
static void test_merged_nlink(void **state)
{
	struct memfs *l[2] = { fx_layer(), fx_layer() };
	struct ovl *ovl;
	struct inspect_links *li;
	struct vfs_node *n;
	struct vfs_attr a;
	uint32_t nl;
	struct vfs_fs *fs;

	fx_file(l[0], "d/t", "tool");
	fx_hardlink(l[0], "d/t", "d/alias");
	fx_file(l[0], "d/p", "pair");
	fx_hardlink(l[0], "d/p", "d/q");
	fx_dir(l[0], "d/s1");
	fx_dir(l[0], "d/s2");
	fx_file(l[1], "d/alias", "v2");
	ovl = fx_ovl(l, 2, false);
	fs = ovl_vfs(ovl);
	assert_int_equal(inspect_links_new(fs, &li), 0);

	assert_int_equal(vfs_resolve(fs, "/d", false, &n), 0);
	assert_int_equal(vfs_getattr(fs, n, &a), 0);
	assert_int_equal(inspect_nlink(li, n, &a, &nl), 0);
	assert_int_equal(nl, 4);
	vfs_put(fs, n);

	assert_int_equal(vfs_resolve(fs, "/d/t", false, &n), 0);
	assert_int_equal(vfs_getattr(fs, n, &a), 0);
	assert_int_equal(a.nlink, 2);
	assert_int_equal(inspect_nlink(li, n, &a, &nl), 0);
	assert_int_equal(nl, 1);
	vfs_put(fs, n);

	assert_int_equal(vfs_resolve(fs, "/d/q", false, &n), 0);
	assert_int_equal(vfs_getattr(fs, n, &a), 0);
	assert_int_equal(inspect_nlink(li, n, &a, &nl), 0);
	assert_int_equal(nl, 2);
	vfs_put(fs, n);

	inspect_links_free(li);
	ovl_free(ovl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_layer_adds_everything),
		cmocka_unit_test(test_replaced_file_is_modified_and_wasted),
		cmocka_unit_test(test_whiteout_removes_file_but_not_nothing),
		cmocka_unit_test(test_whiteout_of_dir_removes_descendants),
		cmocka_unit_test(test_opaque_dir_removes_lower_children),
		cmocka_unit_test(test_dir_over_dir_merges),
		cmocka_unit_test(test_file_between_dirs_stops_the_merge),
		cmocka_unit_test(test_readded_after_whiteout_is_added),
		cmocka_unit_test(test_hardlinks_count_once),
		cmocka_unit_test(test_top_list_order),
		cmocka_unit_test(test_callback_stops_walk),
		cmocka_unit_test(test_layer_out_of_range),
		cmocka_unit_test(test_merged_nlink),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
