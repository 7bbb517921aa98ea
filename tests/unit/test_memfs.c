/*
 * test_memfs: the in-memory layer filesystem (layers/memfs.c): its
 * directory hash table (with backward-shift deletion), sorted listings,
 * hard links and nlink, moves, xattrs, the immutable data objects and
 * their sources, paths and name checks. Everything is built in the test
 * through the public API; expectations are worked out in the comments.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "layers/memfs.h"

/* --- helpers ------------------------------------------------------------ */

static struct memfs *new_fs(void)
{
	struct memfs *fs;

	assert_int_equal(memfs_new(&fs), 0);
	return fs;
}

/* A new unlinked inode of mode (the caller's reference). */
static struct memfs_inode *new_ino(struct memfs *fs, mode_t mode)
{
	struct memfs_inode *ino;

	assert_int_equal(memfs_inode_new(fs, mode, "t", 1, &ino), 0);
	return ino;
}

/* Links a new inode of mode as name under dir; returns the dentry. */
static struct memfs_dentry *add(struct memfs *fs, struct memfs_dentry *dir,
				const char *name, mode_t mode)
{
	struct memfs_inode *ino = new_ino(fs, mode);
	struct memfs_dentry *d;

	assert_int_equal(memfs_link(fs, dir, name, strlen(name), ino, &d), 0);
	memfs_inode_put(ino);
	return d;
}

static struct memfs_dentry *get(struct memfs_dentry *dir, const char *name)
{
	return memfs_lookup(dir, name, strlen(name));
}

/* The bytes [off, off+len) of d, read in one call, into a new buffer. */
static char *read_at(const struct memfs_data *d, uint64_t off, size_t len,
		     ssize_t *got)
{
	char *buf = malloc(len + 1);

	assert_non_null(buf);
	memset(buf, '?', len + 1);
	*got = memfs_data_read(d, off, buf, len);
	return buf;
}

/* A data object of one extent: all of src. */
static struct memfs_data *data_of(struct memfs_src *src)
{
	struct memfs_data *d = memfs_data_new(src->size, 1);

	assert_non_null(d);
	memfs_data_push(d, 0, src->size, src, 0);
	return d;
}

/* --- the directory hash table ------------------------------------------- */

#define MANY 50000

static void name_of(char *buf, int i)
{
	snprintf(buf, 16, "n%05d", i);
}

/* 50k names: every one is found, absent names are not, counts agree. */
static void test_hash_insert_lookup_many(void **state)
{
	struct memfs *fs = new_fs();
	struct memfs_dentry *root = memfs_root(fs);
	char name[16];

	for (int i = 0; i < MANY; i++) {
		name_of(name, i);
		add(fs, root, name, S_IFREG | 0644);
	}
	assert_int_equal(memfs_dir_count(root), MANY);
	/* the root and MANY children */
	assert_int_equal(memfs_count(fs), MANY + 1);
	for (int i = 0; i < MANY; i++) {
		struct memfs_dentry *d;

		name_of(name, i);
		d = get(root, name);
		assert_non_null(d);
		assert_string_equal(d->name, name);
		assert_ptr_equal(d->parent, root);
	}
	name_of(name, MANY);
	assert_null(get(root, name));
	assert_null(get(root, "n0000"));	/* a prefix of n00000 */
	memfs_free(fs);
}

/*
 * 50k names, every other one removed: the rest are all still found and
 * the removed ones are not. At 50k names in a table kept at most half full
 * (131072 slots, the power of two >= 2 * 50000), many names share their
 * home slot; the test checks that some do, so probe chains really were
 * cut by the removals and had to be shifted back together.
 */
static void test_hash_remove_every_other(void **state)
{
	struct memfs *fs = new_fs();
	struct memfs_dentry *root = memfs_root(fs);
	static unsigned char seen[131072];
	int shared = 0;
	char name[16];

	memset(seen, 0, sizeof(seen));
	for (int i = 0; i < MANY; i++) {
		struct memfs_dentry *d;

		name_of(name, i);
		d = add(fs, root, name, S_IFREG | 0644);
		shared += seen[d->hash & 131071]++ != 0;
	}
	assert_true(shared > 1000);
	for (int i = 0; i < MANY; i += 2) {
		name_of(name, i);
		memfs_unlink(fs, get(root, name));
	}
	assert_int_equal(memfs_dir_count(root), MANY / 2);
	assert_int_equal(memfs_count(fs), MANY / 2 + 1);
	for (int i = 0; i < MANY; i++) {
		struct memfs_dentry *d;

		name_of(name, i);
		d = get(root, name);
		if (i % 2) {
			assert_non_null(d);
			assert_string_equal(d->name, name);
		} else {
			assert_null(d);
		}
	}
	/* and the freed names can be added again */
	for (int i = 0; i < MANY; i += 2) {
		name_of(name, i);
		add(fs, root, name, S_IFREG | 0644);
	}
	for (int i = 0; i < MANY; i++) {
		name_of(name, i);
		assert_non_null(get(root, name));
	}
	memfs_free(fs);
}

/*
 * Finds a name "cN" whose hash has low 12 bits equal to low, starting the
 * search at *next. Uses only the public API: the name is linked into a
 * scratch directory, its hash read from the dentry, and unlinked again.
 */
static void find_name(struct memfs *fs, struct memfs_dentry *scratch,
		      uint32_t low, int *next, char *out)
{
	for (;; (*next)++) {
		struct memfs_dentry *d;

		snprintf(out, 16, "c%d", *next);
		d = add(fs, scratch, out, S_IFREG | 0644);
		if ((d->hash & 0xfff) == low) {
			memfs_unlink(fs, d);
			(*next)++;
			return;
		}
		memfs_unlink(fs, d);
	}
}

/*
 * Colliding hashes with wraparound. Three names whose home is the last
 * slot of any table of up to 4096 slots (low bits all ones) and two whose
 * home is slot 0 (low bits zero), inserted in that order into a directory
 * of five (whose table is far smaller than 4096): the first sits in the
 * last slot, the others wrap round to slots 0..3, the slot-0 names pushed
 * out of their home. Removing any one of the five must leave the other
 * four reachable: backward-shift deletion has to move the wrapped entries
 * back across the end of the table, but must not move an entry before its
 * home.
 */
static void test_hash_backward_shift_wraps(void **state)
{
	static const uint32_t lows[5] = { 0xfff, 0xfff, 0xfff, 0, 0 };
	struct memfs *fs = new_fs();
	struct memfs_dentry *scratch = add(fs, memfs_root(fs), "scratch",
					   S_IFDIR | 0755);
	char names[5][16];
	int next = 0;

	for (int i = 0; i < 5; i++)
		find_name(fs, scratch, lows[i], &next, names[i]);
	for (int gone = 0; gone < 5; gone++) {
		struct memfs_dentry *dir = add(fs, memfs_root(fs), "d",
					       S_IFDIR | 0755);

		for (int i = 0; i < 5; i++)
			add(fs, dir, names[i], S_IFREG | 0644);
		memfs_unlink(fs, get(dir, names[gone]));
		assert_int_equal(memfs_dir_count(dir), 4);
		for (int i = 0; i < 5; i++) {
			if (i == gone)
				assert_null(get(dir, names[i]));
			else
				assert_non_null(get(dir, names[i]));
		}
		/* then the rest, one by one, each time all others found */
		for (int k = 0; k < 5; k++) {
			if (k == gone)
				continue;
			memfs_unlink(fs, get(dir, names[k]));
			for (int i = k + 1; i < 5; i++)
				if (i != gone)
					assert_non_null(get(dir, names[i]));
		}
		assert_int_equal(memfs_dir_count(dir), 0);
		memfs_unlink(fs, dir);
	}
	memfs_free(fs);
}

/* Lookup compares len bytes: a prefix or a longer name is another name. */
static void test_lookup_uses_length(void **state)
{
	struct memfs *fs = new_fs();
	struct memfs_dentry *root = memfs_root(fs);
	struct memfs_dentry *ab = add(fs, root, "ab", S_IFREG | 0644);

	assert_ptr_equal(memfs_lookup(root, "abc", 2), ab);
	assert_null(memfs_lookup(root, "abc", 3));
	assert_null(memfs_lookup(root, "a", 1));
	memfs_free(fs);
}

/* --- listings ------------------------------------------------------------ */

/*
 * Sorted by bytes as unsigned (memcmp), a prefix before the longer name;
 * whiteouts are listed too. Worked out: 'B' 0x42 < 'a' 0x61; "a" < "ab"
 * (prefix) < "a\xc3" (0x62 < 0xc3) < "b" 0x62; then 0x80 < 0xff, so the
 * non-UTF-8 names come last and a signed char sort would have put them
 * first.
 */
static void test_readdir_byte_order(void **state)
{
	static const char *const in[] = { "b", "\xff", "a\xc3", "ab", "B",
					   "\x80x", "a" };
	static const char *const want[] = { "B", "a", "ab", "a\xc3", "b",
					    "\x80x", "\xff" };
	struct memfs *fs = new_fs();
	struct memfs_dentry *root = memfs_root(fs), **list;
	size_t n;

	for (size_t i = 0; i < 7; i++) {
		if (i == 3)	/* "ab" is a whiteout */
			assert_int_equal(memfs_link(fs, root, in[i],
						    strlen(in[i]), NULL, NULL),
					 0);
		else
			add(fs, root, in[i], S_IFREG | 0644);
	}
	assert_int_equal(memfs_readdir(root, &list, &n), 0);
	assert_int_equal(n, 7);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(list[i]->name, want[i]);
	assert_true(list[2]->flags & MEMFS_D_WHITEOUT);
	assert_null(list[2]->ino);
	memfs_free(fs);
}

/* The cached listing follows changes: a new name and a removed one. */
static void test_readdir_after_change(void **state)
{
	struct memfs *fs = new_fs();
	struct memfs_dentry *root = memfs_root(fs), **list;
	size_t n;

	add(fs, root, "m", S_IFREG | 0644);
	add(fs, root, "z", S_IFREG | 0644);
	assert_int_equal(memfs_readdir(root, &list, &n), 0);
	assert_int_equal(n, 2);
	add(fs, root, "a", S_IFREG | 0644);
	memfs_unlink(fs, get(root, "z"));
	assert_int_equal(memfs_readdir(root, &list, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0]->name, "a");
	assert_string_equal(list[1]->name, "m");
	/* an empty directory lists nothing */
	assert_int_equal(memfs_readdir(add(fs, root, "e", S_IFDIR | 0755),
				       &list, &n), 0);
	assert_int_equal(n, 0);
	memfs_free(fs);
}

/* --- links ----------------------------------------------------------- */

/* Two names of one inode share it; nlink counts names, refs holders. */
static void test_hard_links_share_inode(void **state)
{
	struct memfs *fs = new_fs();
	struct memfs_dentry *root = memfs_root(fs);
	struct memfs_dentry *sub = add(fs, root, "sub", S_IFDIR | 0755);
	struct memfs_inode *ino = new_ino(fs, S_IFREG | 0644);
	struct memfs_dentry *a, *b;

	assert_int_equal(ino->nlink, 0);
	assert_int_equal(memfs_link(fs, root, "a", 1, ino, &a), 0);
	assert_int_equal(memfs_link(fs, sub, "b", 1, ino, &b), 0);
	assert_ptr_equal(a->ino, ino);
	assert_ptr_equal(b->ino, ino);
	assert_int_equal(ino->nlink, 2);
	assert_int_equal(ino->refs, 3);	/* ours and two names */
	memfs_unlink(fs, a);
	assert_null(get(root, "a"));
	assert_ptr_equal(get(sub, "b")->ino, ino);
	assert_int_equal(ino->nlink, 1);
	assert_int_equal(ino->refs, 2);
	/* removing the directory removes the last name */
	memfs_unlink(fs, sub);
	assert_int_equal(ino->nlink, 0);
	assert_int_equal(ino->refs, 1);
	memfs_inode_put(ino);
	memfs_free(fs);
}

/* Unlinking a directory frees everything below it. */
static void test_unlink_directory_recursive(void **state)
{
	struct memfs *fs = new_fs();
	struct memfs_dentry *root = memfs_root(fs);
	struct memfs_dentry *d = add(fs, root, "d", S_IFDIR | 0755);
	struct memfs_dentry *e = add(fs, d, "e", S_IFDIR | 0755);

	add(fs, d, "f", S_IFREG | 0644);
	add(fs, e, "g", S_IFLNK | 0777);
	assert_int_equal(memfs_link(fs, e, "w", 1, NULL, NULL), 0);
	add(fs, root, "keep", S_IFREG | 0644);
	/* root, keep, d, d/e, d/f, d/e/g, d/e/w */
	assert_int_equal(memfs_count(fs), 7);
	memfs_unlink(fs, d);
	assert_int_equal(memfs_count(fs), 2);
	assert_null(get(root, "d"));
	assert_non_null(get(root, "keep"));
	memfs_free(fs);
}

static void test_link_errors(void **state)
{
	struct memfs *fs = new_fs();
	struct memfs_dentry *root = memfs_root(fs);
	struct memfs_dentry *d = add(fs, root, "d", S_IFDIR | 0755);
	struct memfs_inode *f = new_ino(fs, S_IFREG | 0644);

	assert_int_equal(memfs_link(fs, root, "d", 1, f, NULL), -EEXIST);
	/* a whiteout takes the name too */
	assert_int_equal(memfs_link(fs, root, "w", 1, NULL, NULL), 0);
	assert_int_equal(memfs_link(fs, root, "w", 1, f, NULL), -EEXIST);
	/* a directory has one name */
	assert_int_equal(memfs_link(fs, root, "d2", 2, d->ino, NULL),
			 -EMLINK);
	assert_int_equal(f->nlink, 0);
	memfs_inode_put(f);
	memfs_free(fs);
}

/* check_name: "", ".", "..", a '/' or NUL in it: -EINVAL; 256: too long. */
static void test_name_validation(void **state)
{
	struct memfs *fs = new_fs();
	struct memfs_dentry *root = memfs_root(fs);
	struct memfs_dentry *f = add(fs, root, "f", S_IFREG | 0644);
	struct memfs_inode *ino = new_ino(fs, S_IFREG | 0644);
	static const struct { const char *s; size_t len; } bad[] = {
		{ "", 0 }, { ".", 1 }, { "..", 2 }, { "a/b", 3 },
		{ "/", 1 }, { "a\0b", 3 },
	};
	char name[257];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(memfs_link(fs, root, bad[i].s, bad[i].len,
					    ino, NULL), -EINVAL);
		assert_int_equal(memfs_move(fs, f, root, bad[i].s,
					    bad[i].len), -EINVAL);
	}
	/* "..." and ".a" are ordinary names */
	assert_int_equal(memfs_link(fs, root, "...", 3, ino, NULL), 0);
	assert_int_equal(memfs_link(fs, root, ".a", 2, ino, NULL), 0);
	memset(name, 'x', sizeof(name));
	assert_int_equal(memfs_link(fs, root, name, 256, ino, NULL),
			 -ENAMETOOLONG);
	assert_int_equal(memfs_move(fs, f, root, name, 256), -ENAMETOOLONG);
	assert_int_equal(memfs_link(fs, root, name, 255, ino, NULL), 0);
	assert_int_equal(memfs_lookup(root, name, 255)->namelen, 255);
	assert_int_equal(ino->nlink, 3);
	assert_ptr_equal(get(root, "f"), f);	/* no failed move moved it */
	memfs_inode_put(ino);
	memfs_free(fs);
}

static void test_new_fs_and_inode(void **state)
{
	struct memfs *fs = new_fs();
	struct memfs_dentry *root = memfs_root(fs);
	struct memfs_inode *ino;

	assert_null(root->parent);
	assert_int_equal(root->namelen, 0);
	assert_int_equal(root->ino->mode, S_IFDIR | 0755);
	assert_int_equal(root->ino->uid, 0);
	assert_int_equal(root->ino->gid, 0);
	assert_int_equal(root->ino->mtime.tv_sec, 0);
	assert_int_equal(memfs_count(fs), 1);
	/* a mode without a file type is no inode */
	assert_int_equal(memfs_inode_new(fs, 0644, NULL, 0, &ino), -EINVAL);
	/* a symlink target need not be NUL-terminated; it is kept so */
	assert_int_equal(memfs_inode_new(fs, S_IFLNK | 0777, "abcdef", 3,
					 &ino), 0);
	assert_string_equal(ino->u.target, "abc");
	assert_int_equal(ino->target_len, 3);
	assert_int_not_equal(ino->ino, 0);
	assert_int_not_equal(ino->ino, root->ino->ino);
	memfs_inode_put(ino);
	memfs_free(fs);
}

/* --- moves ------------------------------------------------------------- */

/* A moved directory's children point at its new dentry; paths follow. */
static void test_move_updates_children(void **state)
{
	struct memfs *fs = new_fs();
	struct memfs_dentry *root = memfs_root(fs);
	struct memfs_dentry *a = add(fs, root, "a", S_IFDIR | 0755);
	struct memfs_dentry *b = add(fs, root, "b", S_IFDIR | 0755);
	struct memfs_dentry *y = add(fs, a, "y", S_IFDIR | 0755);
	struct memfs_dentry *z = add(fs, y, "z", S_IFREG | 0644);
	struct memfs_inode *ino = a->ino;
	struct memfs_dentry *c, *x;
	char *p;

	x = add(fs, a, "x", S_IFREG | 0644);
	assert_int_equal(memfs_move(fs, a, b, "c", 1), 0);
	assert_null(get(root, "a"));
	c = get(b, "c");
	assert_non_null(c);
	assert_ptr_equal(c->ino, ino);
	assert_ptr_equal(c->parent, b);
	assert_ptr_equal(get(c, "x"), x);
	assert_ptr_equal(x->parent, c);
	assert_ptr_equal(y->parent, c);
	assert_ptr_equal(z->parent, y);
	p = memfs_path(z);
	assert_string_equal(p, "b/c/y/z");
	free(p);
	assert_int_equal(memfs_count(fs), 6);	/* root a->c b x y z */
	assert_int_equal(ino->nlink, 1);
	memfs_free(fs);
}

/* A rename in place; a whiteout moves as a whiteout. */
static void test_move_rename_in_place(void **state)
{
	struct memfs *fs = new_fs();
	struct memfs_dentry *root = memfs_root(fs), *w;
	struct memfs_dentry *f = add(fs, root, "f", S_IFREG | 0644);
	struct memfs_inode *ino = f->ino;

	assert_int_equal(memfs_move(fs, f, root, "g", 1), 0);
	assert_null(get(root, "f"));
	assert_ptr_equal(get(root, "g")->ino, ino);
	assert_int_equal(memfs_link(fs, root, "w", 1, NULL, &w), 0);
	assert_int_equal(memfs_move(fs, w, root, "v", 1), 0);
	assert_true(get(root, "v")->flags & MEMFS_D_WHITEOUT);
	assert_null(get(root, "w"));
	assert_int_equal(memfs_dir_count(root), 2);
	memfs_free(fs);
}

/* Moving a directory under itself: -EINVAL, nothing moves. */
static void test_move_under_itself(void **state)
{
	struct memfs *fs = new_fs();
	struct memfs_dentry *root = memfs_root(fs);
	struct memfs_dentry *a = add(fs, root, "a", S_IFDIR | 0755);
	struct memfs_dentry *y = add(fs, a, "y", S_IFDIR | 0755);

	assert_int_equal(memfs_move(fs, a, y, "a", 1), -EINVAL);
	assert_int_equal(memfs_move(fs, a, a, "b", 1), -EINVAL);
	assert_ptr_equal(get(root, "a"), a);
	assert_ptr_equal(get(a, "y"), y);
	assert_int_equal(memfs_dir_count(y), 0);
	assert_int_equal(memfs_dir_count(a), 1);
	memfs_free(fs);
}

static void test_move_onto_existing(void **state)
{
	struct memfs *fs = new_fs();
	struct memfs_dentry *root = memfs_root(fs);
	struct memfs_dentry *f = add(fs, root, "f", S_IFREG | 0644);
	struct memfs_dentry *g = add(fs, root, "g", S_IFREG | 0644);

	assert_int_equal(memfs_move(fs, f, root, "g", 1), -EEXIST);
	assert_int_equal(memfs_move(fs, f, root, "f", 1), -EEXIST);
	assert_ptr_equal(get(root, "f"), f);
	assert_ptr_equal(get(root, "g"), g);
	memfs_free(fs);
}

/* --- xattrs -------------------------------------------------------------- */

/* Kept sorted by name (strcmp) whatever the order set; set replaces. */
static void test_xattrs_sorted_and_replaced(void **state)
{
	struct memfs *fs = new_fs();
	struct memfs_inode *ino = new_ino(fs, S_IFREG | 0644);
	static const char *const names[] = { "user.b", "security.x",
					     "user.a", "trusted.t", "user.B" };
	/* strcmp order: 's' < 't' < 'u'; "user.B" < "user.a" < "user.b" */
	static const char *const want[] = { "security.x", "trusted.t",
					    "user.B", "user.a", "user.b" };

	for (size_t i = 0; i < 5; i++)
		assert_int_equal(memfs_xattr_set(ino, names[i], "v", 1), 0);
	assert_int_equal(ino->nxattrs, 5);
	for (size_t i = 0; i < 5; i++)
		assert_string_equal(ino->xattrs[i].name, want[i]);
	assert_int_equal(memfs_xattr_set(ino, "user.a", "longer", 6), 0);
	assert_int_equal(ino->nxattrs, 5);
	assert_int_equal(memfs_xattr_get(ino, "user.a")->len, 6);
	assert_memory_equal(memfs_xattr_get(ino, "user.a")->value, "longer",
			    6);
	assert_null(memfs_xattr_get(ino, "user.c"));
	memfs_inode_put(ino);
	memfs_free(fs);
}

static void test_xattr_remove(void **state)
{
	struct memfs *fs = new_fs();
	struct memfs_inode *ino = new_ino(fs, S_IFDIR | 0755);

	assert_int_equal(memfs_xattr_set(ino, "user.a", "1", 1), 0);
	assert_int_equal(memfs_xattr_set(ino, "user.b", "2", 1), 0);
	assert_int_equal(memfs_xattr_set(ino, "user.c", "3", 1), 0);
	assert_int_equal(memfs_xattr_remove(ino, "user.b"), 0);
	assert_int_equal(ino->nxattrs, 2);
	assert_string_equal(ino->xattrs[0].name, "user.a");
	assert_string_equal(ino->xattrs[1].name, "user.c");
	assert_int_equal(memfs_xattr_remove(ino, "user.b"), -ENODATA);
	assert_int_equal(memfs_xattr_remove(ino, "user.zzz"), -ENODATA);
	assert_int_equal(memfs_xattr_remove(ino, "user.a"), 0);
	assert_int_equal(memfs_xattr_remove(ino, "user.c"), 0);
	assert_int_equal(ino->nxattrs, 0);
	assert_int_equal(memfs_xattr_remove(ino, "user.c"), -ENODATA);
	memfs_inode_put(ino);
	memfs_free(fs);
}

/* Values are bytes: NULs kept, an empty value is a value. */
static void test_xattr_binary_values(void **state)
{
	static const unsigned char cap[20] = { 0x01, 0x00, 0x00, 0x02, 0x00,
					       0x20, 0x00, 0x00 };
	struct memfs *fs = new_fs();
	struct memfs_inode *ino = new_ino(fs, S_IFREG | 0644);
	struct memfs_inode *to = new_ino(fs, S_IFREG | 0644);
	const struct memfs_xattr *x;

	assert_int_equal(memfs_xattr_set(ino, "security.capability", cap,
					 sizeof(cap)), 0);
	assert_int_equal(memfs_xattr_set(ino, "user.empty", "", 0), 0);
	x = memfs_xattr_get(ino, "security.capability");
	assert_int_equal(x->len, 20);
	assert_memory_equal(x->value, cap, 20);
	x = memfs_xattr_get(ino, "user.empty");
	assert_non_null(x);
	assert_int_equal(x->len, 0);
	/* copy replaces what the target had */
	assert_int_equal(memfs_xattr_set(to, "user.old", "o", 1), 0);
	assert_int_equal(memfs_xattr_copy(to, ino), 0);
	assert_int_equal(to->nxattrs, 2);
	assert_null(memfs_xattr_get(to, "user.old"));
	x = memfs_xattr_get(to, "security.capability");
	assert_int_equal(x->len, 20);
	assert_memory_equal(x->value, cap, 20);
	assert_ptr_not_equal(x->value,
			     memfs_xattr_get(ino, "security.capability")->value);
	memfs_inode_put(to);
	memfs_inode_put(ino);
	memfs_free(fs);
}

/* --- data -------------------------------------------------------------- */

/*
 * Extents and holes: bytes 0-4 "hello" (src 0..4), a hole 5-9, bytes
 * 10-14 "world" (src 5..9), then zeros to size 20.
 */
static struct memfs_data *holey(struct memfs_src **srcp)
{
	struct memfs_src *src = memfs_src_mem("helloworld", 10);
	struct memfs_data *d;

	assert_non_null(src);
	d = memfs_data_new(20, 2);
	assert_non_null(d);
	memfs_data_push(d, 0, 5, src, 0);
	memfs_data_push(d, 10, 5, src, 5);
	*srcp = src;
	return d;
}

static void test_data_read_extents_and_holes(void **state)
{
	struct memfs_src *src;
	struct memfs_data *d = holey(&src);
	ssize_t got;
	char *b;

	b = read_at(d, 0, 20, &got);
	assert_int_equal(got, 20);
	assert_memory_equal(b, "hello\0\0\0\0\0world\0\0\0\0\0", 20);
	free(b);
	/* from inside the first extent across the hole into the second */
	b = read_at(d, 3, 9, &got);
	assert_int_equal(got, 9);
	assert_memory_equal(b, "lo\0\0\0\0\0wo", 9);
	assert_int_equal(b[9], '?');
	free(b);
	/* inside the hole only */
	b = read_at(d, 6, 2, &got);
	assert_int_equal(got, 2);
	assert_memory_equal(b, "\0\0", 2);
	free(b);
	/* past the end: cut at the size; at or after it: 0 */
	b = read_at(d, 12, 100, &got);
	assert_int_equal(got, 8);
	assert_memory_equal(b, "rld\0\0\0\0\0", 8);
	free(b);
	b = read_at(d, 20, 5, &got);
	assert_int_equal(got, 0);
	free(b);
	b = read_at(d, 1000, 5, &got);
	assert_int_equal(got, 0);
	free(b);
	memfs_data_put(d);
	memfs_src_put(src);
}

/* Sources are counted: each extent holds one; the last put frees. */
static void test_data_source_refcounts(void **state)
{
	struct memfs_src *src;
	struct memfs_data *d = holey(&src), *t;

	assert_int_equal(src->refs, 3);	/* ours and two extents */
	assert_int_equal(memfs_data_truncate(d, 12, &t), 0);
	assert_int_equal(src->refs, 5);
	memfs_data_put(d);
	assert_int_equal(src->refs, 3);
	assert_int_equal(memfs_data_get(t), t);
	assert_int_equal(t->refs, 2);
	memfs_data_put(t);
	assert_int_equal(src->refs, 3);
	memfs_data_put(t);
	assert_int_equal(src->refs, 1);
	memfs_src_put(src);
}

/* Truncate cuts inside an extent, drops whole ones, or zero-extends. */
static void test_data_truncate(void **state)
{
	struct memfs_src *src;
	struct memfs_data *d = holey(&src), *t;
	ssize_t got;
	char *b;

	/* 12 ends inside "world": "hello" hole "wo" */
	assert_int_equal(memfs_data_truncate(d, 12, &t), 0);
	assert_int_equal(t->size, 12);
	b = read_at(t, 0, 100, &got);
	assert_int_equal(got, 12);
	assert_memory_equal(b, "hello\0\0\0\0\0wo", 12);
	free(b);
	memfs_data_put(t);
	/* 3: only "hel", the second extent gone with its reference */
	assert_int_equal(memfs_data_truncate(d, 3, &t), 0);
	assert_int_equal(t->n, 1);
	assert_int_equal(src->refs, 4);
	b = read_at(t, 0, 100, &got);
	assert_int_equal(got, 3);
	assert_memory_equal(b, "hel", 3);
	free(b);
	memfs_data_put(t);
	/* 30: 10 more zero bytes; the original is unchanged */
	assert_int_equal(memfs_data_truncate(d, 30, &t), 0);
	b = read_at(t, 15, 100, &got);
	assert_int_equal(got, 15);
	for (int i = 0; i < 15; i++)
		assert_int_equal(b[i], 0);
	free(b);
	memfs_data_put(t);
	assert_int_equal(d->size, 20);
	assert_int_equal(memfs_data_truncate(d, 0, &t), 0);
	assert_int_equal(t->size, 0);
	assert_int_equal(t->n, 0);
	memfs_data_put(t);
	memfs_data_put(d);
	memfs_src_put(src);
}

/* Append adds an extent after the old size, holes included. */
static void test_data_append(void **state)
{
	struct memfs_src *src, *more = memfs_src_mem("XYZ!", 4);
	struct memfs_data *d = holey(&src), *a, *e = memfs_data_empty(), *b2;
	ssize_t got;
	char *b;

	assert_int_equal(memfs_data_append(d, more, 1, 2, &a), 0);
	assert_int_equal(a->size, 22);
	b = read_at(a, 0, 100, &got);
	assert_int_equal(got, 22);
	/* the old 20 bytes (zeros to the end of the old size), then "YZ" */
	assert_memory_equal(b, "hello\0\0\0\0\0world\0\0\0\0\0YZ", 22);
	free(b);
	assert_int_equal(more->refs, 2);
	/* onto the empty object */
	assert_int_equal(memfs_data_append(e, more, 0, 4, &b2), 0);
	b = read_at(b2, 0, 100, &got);
	assert_int_equal(got, 4);
	assert_memory_equal(b, "XYZ!", 4);
	free(b);
	memfs_data_put(b2);
	memfs_data_put(a);
	assert_int_equal(more->refs, 1);
	memfs_data_put(e);
	memfs_data_put(d);
	memfs_src_put(src);
	memfs_src_put(more);
}

/* The empty object is shared and never freed; a new file gets it. */
static void test_data_empty_shared(void **state)
{
	struct memfs *fs = new_fs();
	struct memfs_inode *a = new_ino(fs, S_IFREG | 0644);
	struct memfs_inode *b = new_ino(fs, S_IFREG | 0644);
	struct memfs_data *e = memfs_data_empty();
	char c;

	assert_ptr_equal(a->u.data, e);
	assert_ptr_equal(b->u.data, e);
	assert_int_equal(e->size, 0);
	assert_int_equal(memfs_data_read(e, 0, &c, 1), 0);
	memfs_inode_put(a);
	memfs_inode_put(b);
	memfs_data_put(e);
	e = memfs_data_empty();
	assert_int_equal(e->size, 0);
	memfs_data_put(e);
	memfs_free(fs);
}

/* One loader's worth of files, each given the empty object, then freed. */
static void *empty_user(void *arg)
{
	for (int round = 0; round < 200; round++) {
		struct memfs *fs = NULL;
		struct memfs_inode *ino[8];

		if (memfs_new(&fs))
			return (void *)1;
		for (int i = 0; i < 8; i++)
			if (memfs_inode_new(fs, S_IFREG | 0644, NULL, 0,
					    &ino[i]))
				return (void *)1;
		for (int i = 0; i < 8; i++)
			memfs_inode_put(ino[i]);
		memfs_data_put(memfs_data_get(memfs_data_empty()));
		memfs_free(fs);
	}
	return NULL;
}

/*
 * memfs.h: distinct memfs on distinct threads need no lock, yet they
 * share the empty object, so nobody may count references on it (the TSan
 * variant reports a race if anybody does); its count stays as it is.
 */
static void test_data_empty_threads(void **state)
{
	struct memfs_data *e = memfs_data_empty();
	unsigned refs = e->refs;
	pthread_t t[4];
	void *r;

	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, empty_user, NULL),
				 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], &r), 0);
		assert_null(r);
	}
	assert_ptr_equal(memfs_data_get(e), e);
	assert_int_equal(e->refs, refs);
	memfs_data_put(e);
	memfs_data_put(e);
	assert_int_equal(e->refs, refs);
	assert_int_equal(memfs_data_empty()->size, 0);
}

/* An fd source reads by pread; its fd is closed with the last reference. */
static void test_fd_source(void **state)
{
	char path[] = "/tmp/test_memfs.XXXXXX";
	int fd = mkstemp(path);
	struct memfs_src *src;
	struct memfs_data *d, *f;
	struct memfs_inode *ino;
	struct memfs *fs = new_fs();
	ssize_t got;
	char *b;

	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, "0123456789", 10), 10);
	src = memfs_src_fd(fd, 10);
	assert_non_null(src);
	d = memfs_data_new(4, 1);
	memfs_data_push(d, 0, 4, src, 3);
	b = read_at(d, 1, 10, &got);
	assert_int_equal(got, 3);
	assert_memory_equal(b, "456", 3);
	free(b);
	/* set_data takes its own reference */
	ino = new_ino(fs, S_IFREG | 0644);
	memfs_inode_set_data(ino, d);
	assert_int_equal(d->refs, 2);
	memfs_src_put(src);
	memfs_data_put(d);
	assert_int_equal(fcntl(fd, F_GETFD), 0);	/* still open */
	f = data_of(memfs_src_mem("x", 1));
	memfs_src_put(f->ext[0].src);	/* data_of's source reference */
	memfs_inode_set_data(ino, f);	/* drops d, the last holder */
	assert_int_equal(fcntl(fd, F_GETFD), -1);
	assert_int_equal(errno, EBADF);
	memfs_data_put(f);
	memfs_inode_put(ino);
	memfs_free(fs);
}

/* --- paths ----------------------------------------------------------- */

static void test_path(void **state)
{
	struct memfs *fs = new_fs();
	struct memfs_dentry *root = memfs_root(fs);
	struct memfs_dentry *a = add(fs, root, "a", S_IFDIR | 0755);
	struct memfs_dentry *b = add(fs, a, "b c", S_IFDIR | 0755);
	struct memfs_dentry *f = add(fs, b, "f", S_IFREG | 0644);
	char *p;

	p = memfs_path(root);
	assert_string_equal(p, "");
	free(p);
	p = memfs_path(a);
	assert_string_equal(p, "a");
	free(p);
	p = memfs_path(f);
	assert_string_equal(p, "a/b c/f");
	free(p);
	memfs_free(fs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_insert_lookup_many),
		cmocka_unit_test(test_hash_remove_every_other),
		cmocka_unit_test(test_hash_backward_shift_wraps),
		cmocka_unit_test(test_lookup_uses_length),
		cmocka_unit_test(test_readdir_byte_order),
		cmocka_unit_test(test_readdir_after_change),
		cmocka_unit_test(test_hard_links_share_inode),
		cmocka_unit_test(test_unlink_directory_recursive),
		cmocka_unit_test(test_link_errors),
		cmocka_unit_test(test_name_validation),
		cmocka_unit_test(test_new_fs_and_inode),
		cmocka_unit_test(test_move_updates_children),
		cmocka_unit_test(test_move_rename_in_place),
		cmocka_unit_test(test_move_under_itself),
		cmocka_unit_test(test_move_onto_existing),
		cmocka_unit_test(test_xattrs_sorted_and_replaced),
		cmocka_unit_test(test_xattr_remove),
		cmocka_unit_test(test_xattr_binary_values),
		cmocka_unit_test(test_data_read_extents_and_holes),
		cmocka_unit_test(test_data_source_refcounts),
		cmocka_unit_test(test_data_truncate),
		cmocka_unit_test(test_data_append),
		cmocka_unit_test(test_data_empty_shared),
		cmocka_unit_test(test_data_empty_threads),
		cmocka_unit_test(test_fd_source),
		cmocka_unit_test(test_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
