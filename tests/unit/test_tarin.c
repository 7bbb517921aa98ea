/*
 * Tests for layers/tarin.c: each builds its layer tar at run time with
 * libarchive's writer (or by hand, for the old GNU sparse header the writer
 * cannot produce) in a private temporary directory, loads it, and checks
 * the memfs and, for bad input, the errno and message.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "layers/memfs.h"
#include "layers/tarin.h"

static char tmpdir[256];
static char fxpath[512];	/* the fixture being built or loaded */

/* --- fixtures ---------------------------------------------------------- */

enum { PAX = 1, GNU, USTAR };

static struct archive *w_open(const char *name, int format, int filter)
{
	struct archive *a = archive_write_new();

	assert_non_null(a);
	snprintf(fxpath, sizeof(fxpath), "%s/%s", tmpdir, name);
	if (format == PAX)
		assert_int_equal(archive_write_set_format_pax_restricted(a), 0);
	else if (format == GNU)
		assert_int_equal(archive_write_set_format_gnutar(a), 0);
	else
		assert_int_equal(archive_write_set_format_ustar(a), 0);
	if (filter)
		assert_true(archive_write_add_filter(a, filter) >=
			    ARCHIVE_WARN);
	assert_int_equal(archive_write_open_filename(a, fxpath), 0);
	return a;
}

static void w_close(struct archive *a)
{
	assert_int_equal(archive_write_close(a), 0);
	archive_write_free(a);
}

/* One entry; data is written for regular files (the full logical file). */
static struct archive_entry *w_new(const char *name, mode_t type, mode_t perm)
{
	struct archive_entry *ae = archive_entry_new();

	assert_non_null(ae);
	archive_entry_set_pathname(ae, name);
	archive_entry_set_filetype(ae, type);
	archive_entry_set_perm(ae, perm);
	archive_entry_set_mtime(ae, 1700000000, 0);
	return ae;
}

static void w_put(struct archive *a, struct archive_entry *ae,
		  const void *data, size_t len)
{
	assert_int_equal(archive_write_header(a, ae), 0);
	if (len)
		assert_int_equal(archive_write_data(a, data, len),
				 (ssize_t)len);
	archive_entry_free(ae);
}

static void w_file(struct archive *a, const char *name, const char *data)
{
	struct archive_entry *ae = w_new(name, AE_IFREG, 0644);

	archive_entry_set_size(ae, (la_int64_t)strlen(data));
	w_put(a, ae, data, strlen(data));
}

static void w_dir(struct archive *a, const char *name, mode_t perm)
{
	w_put(a, w_new(name, AE_IFDIR, perm), NULL, 0);
}

static void w_hardlink(struct archive *a, const char *name, const char *to)
{
	struct archive_entry *ae = w_new(name, AE_IFREG, 0644);

	archive_entry_set_hardlink(ae, to);
	w_put(a, ae, NULL, 0);
}

static void w_symlink(struct archive *a, const char *name, const char *to)
{
	struct archive_entry *ae = w_new(name, AE_IFLNK, 0777);

	archive_entry_set_symlink(ae, to);
	w_put(a, ae, NULL, 0);
}

static void w_dev(struct archive *a, const char *name, mode_t type,
		  unsigned maj, unsigned min)
{
	struct archive_entry *ae = w_new(name, type, 0600);

	archive_entry_set_rdevmajor(ae, maj);
	archive_entry_set_rdevminor(ae, min);
	w_put(a, ae, NULL, 0);
}

static void write_bytes(const char *name, const void *p, size_t len)
{
	int fd;

	snprintf(fxpath, sizeof(fxpath), "%s/%s", tmpdir, name);
	fd = open(fxpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, len), (ssize_t)len);
	close(fd);
}

/* The fixture file's bytes (malloc'd), for cutting and corrupting. */
static unsigned char *read_fixture(size_t *len)
{
	struct stat st;
	unsigned char *p;
	int fd = open(fxpath, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	p = malloc((size_t)st.st_size + 1);
	assert_non_null(p);
	assert_int_equal(read(fd, p, (size_t)st.st_size), st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return p;
}

/* --- loading and looking --------------------------------------------- */

static struct err e;

static int load_opts(const struct tarin_opts *o, struct memfs **fs)
{
	err_clear(&e);
	*fs = NULL;
	return tarin_load(fxpath, o, fs, &e);
}

static struct memfs *load_ok(void)
{
	struct memfs *fs;
	int rc = load_opts(NULL, &fs);

	if (rc)
		fail_msg("load failed: %d %s (entry '%s')", rc, e.msg, e.entry);
	assert_non_null(fs);
	return fs;
}

/* Loads and expects failure with code, a message containing msg and the
 * entry named entry (NULL: none). */
static void load_fails(int code, const char *msg, const char *entry)
{
	struct memfs *fs;
	int rc = load_opts(NULL, &fs);

	assert_int_equal(rc, code);
	assert_null(fs);
	assert_int_equal(e.code, code);
	assert_string_equal(e.kind, "layer");
	assert_string_equal(e.file, fxpath);
	if (!strstr(e.msg, msg))
		fail_msg("message '%s' lacks '%s'", e.msg, msg);
	if (entry)
		assert_string_equal(e.entry, entry);
}

static struct memfs_dentry *get(struct memfs *fs, const char *path)
{
	struct memfs_dentry *d = memfs_root(fs);
	const char *p = path;

	while (d && *p) {
		const char *s = strchr(p, '/');
		size_t len = s ? (size_t)(s - p) : strlen(p);

		if (!d->ino || !S_ISDIR(d->ino->mode))
			return NULL;
		d = memfs_lookup(d, p, len);
		p += len + (s != NULL);
	}
	return d;
}

static struct memfs_inode *iget(struct memfs *fs, const char *path)
{
	struct memfs_dentry *d = get(fs, path);

	if (!d || !d->ino)
		fail_msg("'%s' not found", path);
	return d->ino;
}

static void assert_content(struct memfs *fs, const char *path,
			   const void *want, size_t len)
{
	struct memfs_inode *ino = iget(fs, path);
	char *buf = malloc(len + 16);

	assert_non_null(buf);
	assert_true(S_ISREG(ino->mode));
	assert_int_equal(ino->u.data->size, len);
	assert_int_equal(memfs_data_read(ino->u.data, 0, buf, len + 16),
			 (ssize_t)len);
	assert_memory_equal(buf, want, len);
	free(buf);
}

static bool is_whiteout(struct memfs *fs, const char *path)
{
	struct memfs_dentry *d = get(fs, path);

	return d && !d->ino && (d->flags & MEMFS_D_WHITEOUT);
}

static bool is_opaque(struct memfs *fs, const char *path)
{
	return iget(fs, path)->flags & MEMFS_I_OPAQUE;
}

/* --- content and the memory model ------------------------------------- */

static void test_plain_content_in_place(void **state)
{
	struct archive *a = w_open("plain.tar", PAX, 0);
	struct memfs_inode *ino;
	struct memfs *fs;

	w_file(a, "etc/hello", "hello, world\n");
	w_file(a, "etc/empty", "");
	w_close(a);
	fs = load_ok();
	assert_content(fs, "etc/hello", "hello, world\n", 13);
	assert_content(fs, "etc/empty", "", 0);
	/* One extent, pointing into the layer file past the header. */
	ino = iget(fs, "etc/hello");
	assert_int_equal(ino->u.data->n, 1);
	assert_non_null(ino->u.data->ext[0].src);
	assert_true(ino->u.data->ext[0].src->fd >= 0);
	assert_int_equal(ino->u.data->ext[0].src_off % 512, 0);
	assert_true(ino->u.data->ext[0].src_off >= 512);
	memfs_free(fs);
}

/* Extended headers before an entry move its data; the offset follows. */
static void test_in_place_after_pax_header(void **state)
{
	struct archive *a = w_open("paxoff.tar", PAX, 0);
	struct archive_entry *ae;
	char name[400];
	struct memfs *fs;

	memset(name, 'p', 200);
	strcpy(name + 200, "/after-a-pax-header");
	ae = w_new(name, AE_IFREG, 0644);
	archive_entry_xattr_add_entry(ae, "user.pad", name, sizeof(name));
	archive_entry_set_size(ae, 7);
	w_put(a, ae, "payload", 7);
	w_file(a, "next", "next one");
	w_close(a);
	fs = load_ok();
	assert_content(fs, name, "payload", 7);
	assert_content(fs, "next", "next one", 8);
	memfs_free(fs);
}

static void test_compressed_content_spooled(void **state)
{
	static const int filters[] = { ARCHIVE_FILTER_GZIP,
		ARCHIVE_FILTER_ZSTD, ARCHIVE_FILTER_XZ, ARCHIVE_FILTER_BZIP2 };
	size_t big_len = 3u << 20;	/* crosses the 1 MiB buffers */
	char *big = malloc(big_len);

	assert_non_null(big);
	for (size_t i = 0; i < big_len; i++)
		big[i] = (char)(i * 7 + i / 4096);
	for (size_t f = 0; f < sizeof(filters) / sizeof(filters[0]); f++) {
		struct archive *a = w_open("c.tar", PAX, filters[f]);
		struct archive_entry *ae = w_new("big", AE_IFREG, 0644);
		struct memfs_inode *ino;
		struct memfs *fs;

		archive_entry_set_size(ae, (la_int64_t)big_len);
		w_put(a, ae, big, big_len);
		w_file(a, "small", "tiny");
		w_close(a);
		fs = load_ok();
		assert_content(fs, "big", big, big_len);
		assert_content(fs, "small", "tiny", 4);
		/* Both files in one spool, one extent each, back to back. */
		ino = iget(fs, "big");
		assert_int_equal(ino->u.data->n, 1);
		assert_ptr_equal(ino->u.data->ext[0].src,
				 iget(fs, "small")->u.data->ext[0].src);
		assert_int_equal(ino->u.data->ext[0].src->size, big_len + 4);
		memfs_free(fs);
	}
	free(big);
}

/*
 * Decompressed blocks of zeros become holes: a bomb of zeros costs no
 * spool. Every decompressed byte still counts against max_spool, shared
 * through spool_used, and past it the layer is -ENOSPC.
 */
static void test_zero_blocks_are_holes(void **state)
{
	size_t len = 8u << 20;
	char *zeros = calloc(1, len);
	struct archive *a = w_open("z.tar.gz", PAX, ARCHIVE_FILTER_GZIP);
	struct archive_entry *ae = w_new("zeros", AE_IFREG, 0644);
	_Atomic uint64_t used = 0;
	struct tarin_opts o = { .max_spool = 4u << 20, .spool_used = &used };
	struct memfs_inode *ino;
	struct memfs *fs;

	assert_non_null(zeros);
	archive_entry_set_size(ae, (la_int64_t)len);
	w_put(a, ae, zeros, len);
	w_file(a, "x", "not zero");
	w_close(a);
	fs = load_ok();
	assert_content(fs, "zeros", zeros, len);
	ino = iget(fs, "zeros");
	assert_int_equal(ino->u.data->n, 0);
	assert_int_equal(iget(fs, "x")->u.data->ext[0].src->size, 8);
	memfs_free(fs);
	assert_int_equal(load_opts(&o, &fs), -ENOSPC);
	assert_string_equal(e.entry, "zeros");
	assert_null(fs);
	o.max_spool = 16u << 20;
	used = 10u << 20;	/* another layer of the run took 10 MiB */
	assert_int_equal(load_opts(&o, &fs), -ENOSPC);
	used = 0;
	assert_int_equal(load_opts(&o, &fs), 0);
	assert_int_equal(used, len + 8);
	memfs_free(fs);
	free(zeros);
}

/* Logical content of the sparse fixtures: data at 64 KiB and at the end. */
#define SP_SIZE (3 * 65536)
static void sparse_expect(char *buf)
{
	memset(buf, 0, SP_SIZE);
	memcpy(buf + 65536, "0123456789", 10);
	memcpy(buf + SP_SIZE - 5, "ABCDE", 5);
}

static void write_pax_sparse(int filter)
{
	struct archive *a = w_open("sparse.tar", PAX, filter);
	struct archive_entry *ae = w_new("sp", AE_IFREG, 0644);
	char *buf = malloc(SP_SIZE);

	assert_non_null(buf);
	sparse_expect(buf);
	archive_entry_set_size(ae, SP_SIZE);
	archive_entry_sparse_add_entry(ae, 65536, 10);
	archive_entry_sparse_add_entry(ae, SP_SIZE - 5, 5);
	w_put(a, ae, buf, SP_SIZE);
	w_file(a, "after", "after");
	w_close(a);
	free(buf);
}

static void check_sparse(struct memfs *fs)
{
	struct memfs_data *d = iget(fs, "sp")->u.data;
	char *want = malloc(SP_SIZE);

	assert_non_null(want);
	sparse_expect(want);
	assert_content(fs, "sp", want, SP_SIZE);
	/* Holes are gaps between extents, never stored bytes. */
	assert_int_equal(d->n, 2);
	assert_int_equal(d->ext[0].off, 65536);
	assert_int_equal(d->ext[0].len, 10);
	assert_int_equal(d->ext[1].off, SP_SIZE - 5);
	assert_content(fs, "after", "after", 5);
	free(want);
}

static void test_pax_sparse_in_place(void **state)
{
	struct memfs *fs;

	write_pax_sparse(0);
	fs = load_ok();
	check_sparse(fs);
	memfs_free(fs);
}

static void test_pax_sparse_gzip(void **state)
{
	struct memfs *fs;

	write_pax_sparse(ARCHIVE_FILTER_GZIP);
	fs = load_ok();
	check_sparse(fs);
	memfs_free(fs);
}

static void octal(unsigned char *p, size_t width, uint64_t v)
{
	snprintf((char *)p, width, "%0*llo", (int)width - 1,
		 (unsigned long long)v);
}

/*
 * An old GNU sparse entry (typeflag 'S', map in the header), by hand:
 * libarchive writes sparse files only as pax 1.0.
 */
static void test_gnu_sparse(void **state)
{
	unsigned char t[512 * 4] = { 0 }, *h = t;
	unsigned sum = 0;
	struct memfs *fs;

	memcpy(h, "sp", 2);
	octal(h + 100, 8, 0644);
	octal(h + 108, 8, 0);
	octal(h + 116, 8, 0);
	octal(h + 124, 12, 15);			/* stored bytes */
	octal(h + 136, 12, 1700000000);
	h[156] = 'S';
	memcpy(h + 257, "ustar  ", 8);		/* old GNU magic */
	octal(h + 386, 12, 65536);
	octal(h + 398, 12, 10);
	octal(h + 410, 12, SP_SIZE - 5);
	octal(h + 422, 12, 5);
	octal(h + 483, 12, SP_SIZE);		/* real size */
	memset(h + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	memcpy(t + 512, "0123456789ABCDE", 15);
	write_bytes("gnusparse.tar", t, sizeof(t));
	fs = load_ok();
	{
		char *want = malloc(SP_SIZE);

		assert_non_null(want);
		sparse_expect(want);
		assert_content(fs, "sp", want, SP_SIZE);
		assert_int_equal(iget(fs, "sp")->u.data->n, 2);
		free(want);
	}
	memfs_free(fs);
}

/* --- metadata ---------------------------------------------------------- */

static void test_metadata(void **state)
{
	struct archive *a = w_open("meta.tar", PAX, 0);
	struct archive_entry *ae = w_new("bin/su", AE_IFREG, 06755);
	struct memfs_inode *ino;
	struct memfs *fs;

	archive_entry_set_uid(ae, 1000);
	archive_entry_set_gid(ae, 4000000000u);
	archive_entry_set_mtime(ae, 1700000000, 123456789);
	archive_entry_set_size(ae, 2);
	w_put(a, ae, "#!", 2);
	ae = w_new("tmp", AE_IFDIR, 01777);
	archive_entry_set_mtime(ae, -86400, 500);	/* before 1970 */
	w_put(a, ae, NULL, 0);
	w_close(a);
	fs = load_ok();
	ino = iget(fs, "bin/su");
	assert_int_equal(ino->mode, S_IFREG | 06755);
	assert_int_equal(ino->uid, 1000);
	assert_int_equal(ino->gid, 4000000000u);
	assert_int_equal(ino->mtime.tv_sec, 1700000000);
	assert_int_equal(ino->mtime.tv_nsec, 123456789);
	ino = iget(fs, "tmp");
	assert_int_equal(ino->mode, S_IFDIR | 01777);
	assert_int_equal(ino->mtime.tv_sec, -86400);
	assert_int_equal(ino->mtime.tv_nsec, 500);
	memfs_free(fs);
}

static void test_xattrs_byte_exact(void **state)
{
	static const unsigned char cap[] = { 0x01, 0x00, 0x00, 0x02, 0x00,
		0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00 };
	struct archive *a = w_open("xattr.tar", PAX, 0);
	struct archive_entry *ae = w_new("ping", AE_IFREG, 0755);
	const struct memfs_xattr *x;
	struct memfs_inode *ino;
	struct memfs *fs;

	archive_entry_xattr_add_entry(ae, "security.capability", cap,
				      sizeof(cap));
	archive_entry_xattr_add_entry(ae, "user.empty", "", 0);
	archive_entry_xattr_add_entry(ae, "trusted.overlay.origin", "x", 1);
	w_put(a, ae, NULL, 0);
	w_close(a);
	fs = load_ok();
	ino = iget(fs, "ping");
	x = memfs_xattr_get(ino, "security.capability");
	assert_non_null(x);
	assert_int_equal(x->len, sizeof(cap));
	assert_memory_equal(x->value, cap, sizeof(cap));
	x = memfs_xattr_get(ino, "user.empty");
	assert_non_null(x);
	assert_int_equal(x->len, 0);
	/* overlayfs' own xattrs never enter a memfs. */
	assert_null(memfs_xattr_get(ino, "trusted.overlay.origin"));
	assert_int_equal(ino->nxattrs, 2);
	memfs_free(fs);
}

/* Linux holds at most 64 KiB of xattr names per inode (XATTR_LIST_MAX). */
static void test_xattrs_beyond_linux_rejected(void **state)
{
	struct archive *a = w_open("manyxattrs.tar", PAX, 0);
	struct archive_entry *ae = w_new("f", AE_IFREG, 0644);
	char name[64];

	for (int i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "user.attribute-%05d", i);
		archive_entry_xattr_add_entry(ae, name, "v", 1);
	}
	w_put(a, ae, NULL, 0);
	w_close(a);
	load_fails(-E2BIG, "xattrs too large", "f");
}

static void test_special_files(void **state)
{
	struct archive *a = w_open("special.tar", USTAR, 0);
	struct memfs_inode *ino;
	struct memfs *fs;

	w_symlink(a, "lib", "usr/lib");
	w_dev(a, "dev/null", AE_IFCHR, 1, 3);
	w_dev(a, "dev/sda", AE_IFBLK, 8, 0);
	w_put(a, w_new("run/fifo", AE_IFIFO, 0600), NULL, 0);
	w_close(a);
	fs = load_ok();
	ino = iget(fs, "lib");
	assert_true(S_ISLNK(ino->mode));
	assert_string_equal(ino->u.target, "usr/lib");
	assert_int_equal(ino->target_len, 7);
	ino = iget(fs, "dev/null");
	assert_true(S_ISCHR(ino->mode));
	assert_int_equal(ino->rdev, makedev(1, 3));
	ino = iget(fs, "dev/sda");
	assert_true(S_ISBLK(ino->mode));
	assert_int_equal(ino->rdev, makedev(8, 0));
	assert_true(S_ISFIFO(iget(fs, "run/fifo")->mode));
	memfs_free(fs);
}

static void test_gnu_long_names(void **state)
{
	char name[300], target[300];
	struct archive *a = w_open("long.tar", GNU, 0);
	struct memfs *fs;

	memset(name, 'n', 150);
	strcpy(name + 150, "/file");
	memset(target, 't', 200);
	target[200] = '\0';
	w_file(a, name, "x");
	w_symlink(a, "link", target);
	w_close(a);
	fs = load_ok();
	assert_content(fs, name, "x", 1);
	assert_string_equal(iget(fs, "link")->u.target, target);
	memfs_free(fs);
}

static void test_utf8_name_byte_exact(void **state)
{
	static const char name[] = "caf\xc3\xa9/\xe6\x97\xa5\xe6\x9c\xac";
	locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	locale_t old;
	struct archive *a;
	struct memfs *fs;

	/*
	 * Written under a UTF-8 locale, so the name goes into a pax "path"
	 * record as UTF-8; loaded under this process's "C" locale, where
	 * libarchive alone would turn each non-ASCII byte into '?'.
	 */
	assert_non_null(utf8);
	old = uselocale(utf8);
	a = w_open("utf8.tar", PAX, 0);
	w_file(a, name, "u");
	w_close(a);
	uselocale(old);
	freelocale(utf8);
	fs = load_ok();
	assert_non_null(get(fs, name));
	memfs_free(fs);
}

/* --- names and the tree ------------------------------------------------ */

static void test_names_cleaned(void **state)
{
	struct archive *a = w_open("names.tar", USTAR, 0);
	struct memfs *fs;

	w_file(a, "./a//b/./c", "1");
	w_file(a, "/abs", "2");
	w_file(a, "././//dot", "3");
	w_dir(a, "d/", 0700);
	w_close(a);
	fs = load_ok();
	assert_content(fs, "a/b/c", "1", 1);
	assert_content(fs, "abs", "2", 1);
	assert_content(fs, "dot", "3", 1);
	assert_int_equal(iget(fs, "d")->mode, S_IFDIR | 0700);
	assert_int_equal(memfs_dir_count(memfs_root(fs)), 4);
	memfs_free(fs);
}

/* Parents that are prefixes of each other, in every order. */
static void test_parent_walks(void **state)
{
	struct archive *a = w_open("walks.tar", USTAR, 0);
	struct memfs *fs;

	w_file(a, "ab/cd/f1", "1");
	w_file(a, "ab/f2", "2");
	w_file(a, "a/f3", "3");
	w_file(a, "ab/cde/f4", "4");
	w_file(a, "ab/cd/f5", "5");
	w_file(a, "f6", "6");
	w_file(a, "ab/c/f7", "7");
	w_file(a, "abc/f8", "8");
	w_close(a);
	fs = load_ok();
	assert_content(fs, "ab/cd/f1", "1", 1);
	assert_content(fs, "ab/f2", "2", 1);
	assert_content(fs, "a/f3", "3", 1);
	assert_content(fs, "ab/cde/f4", "4", 1);
	assert_content(fs, "ab/cd/f5", "5", 1);
	assert_content(fs, "f6", "6", 1);
	assert_content(fs, "ab/c/f7", "7", 1);
	assert_content(fs, "abc/f8", "8", 1);
	assert_int_equal(memfs_count(fs), 15);
	memfs_free(fs);
}

static void test_dotdot_rejected(void **state)
{
	struct archive *a = w_open("dotdot.tar", USTAR, 0);

	w_file(a, "ok", "1");
	w_file(a, "a/../../etc/passwd", "x");
	w_close(a);
	load_fails(-EINVAL, "name climbs out of the root",
		   "a/../../etc/passwd");
	a = w_open("dotdot2.tar", USTAR, 0);
	w_file(a, "a/../x", "x");	/* stays inside, but is refused */
	w_close(a);
	load_fails(-EINVAL, "name contains '..'", "a/../x");
}

static void test_root_entry_metadata(void **state)
{
	struct archive *a = w_open("root.tar", PAX, 0);
	struct archive_entry *ae = w_new("./", AE_IFDIR, 0700);
	struct memfs_inode *root;
	struct memfs *fs;

	archive_entry_set_uid(ae, 7);
	archive_entry_set_mtime(ae, 1600000000, 42);
	archive_entry_xattr_add_entry(ae, "user.k", "v", 1);
	w_put(a, ae, NULL, 0);
	w_file(a, "./f", "f");
	w_close(a);
	fs = load_ok();
	root = memfs_root(fs)->ino;
	assert_int_equal(root->mode, S_IFDIR | 0700);
	assert_int_equal(root->uid, 7);
	assert_int_equal(root->mtime.tv_sec, 1600000000);
	assert_int_equal(root->mtime.tv_nsec, 42);
	assert_non_null(memfs_xattr_get(root, "user.k"));
	assert_content(fs, "f", "f", 1);
	memfs_free(fs);
}

static void test_implicit_parents(void **state)
{
	struct archive *a = w_open("implicit.tar", USTAR, 0);
	struct archive_entry *ae;
	struct memfs_inode *ino;
	struct memfs *fs;

	w_file(a, "usr/share/doc/x", "x");
	ae = w_new("usr/share", AE_IFDIR, 0750);
	archive_entry_set_uid(ae, 5);
	w_put(a, ae, NULL, 0);
	w_close(a);
	fs = load_ok();
	ino = iget(fs, "usr");
	assert_int_equal(ino->mode, S_IFDIR | 0755);
	assert_int_equal(ino->uid, 0);
	assert_int_equal(ino->gid, 0);
	assert_int_equal(ino->mtime.tv_sec, 0);
	/* Named later: its metadata replaces the implicit, children stay. */
	ino = iget(fs, "usr/share");
	assert_int_equal(ino->mode, S_IFDIR | 0750);
	assert_int_equal(ino->uid, 5);
	assert_content(fs, "usr/share/doc/x", "x", 1);
	memfs_free(fs);
}

static void test_file_as_parent_rejected(void **state)
{
	struct archive *a = w_open("notdir.tar", USTAR, 0);

	w_file(a, "a", "file");
	w_file(a, "a/b", "x");
	w_close(a);
	load_fails(-ENOTDIR, "'a' is not a directory", "a/b");
}

static void test_symlink_never_followed(void **state)
{
	struct archive *a = w_open("symdir.tar", USTAR, 0);

	w_dir(a, "real", 0755);
	w_symlink(a, "link", "real");
	w_file(a, "link/x", "x");
	w_close(a);
	load_fails(-ENOTDIR, "'link' is not a directory", "link/x");
}

static void test_duplicate_file_replaces(void **state)
{
	struct archive *a = w_open("dupfile.tar", USTAR, 0);
	struct memfs *fs;

	w_file(a, "f", "first");
	w_file(a, "f", "second!");
	w_close(a);
	fs = load_ok();
	assert_content(fs, "f", "second!", 7);
	assert_int_equal(memfs_count(fs), 2);
	memfs_free(fs);
}

static void test_duplicate_dir_keeps_children(void **state)
{
	struct archive *a = w_open("dupdir.tar", USTAR, 0);
	struct memfs *fs;

	w_dir(a, "d", 0755);
	w_file(a, "d/child", "c");
	w_dir(a, "d", 0711);
	w_close(a);
	fs = load_ok();
	assert_int_equal(iget(fs, "d")->mode, S_IFDIR | 0711);
	assert_content(fs, "d/child", "c", 1);
	memfs_free(fs);
}

static void test_dir_replaced_by_file(void **state)
{
	struct archive *a = w_open("dir2file.tar", USTAR, 0);
	struct memfs *fs;

	w_file(a, "d/sub/child", "c");
	w_file(a, "d", "now a file");
	w_file(a, "e", "file first");
	w_file(a, "e/x", "");		/* refused: e is a file */
	w_close(a);
	load_fails(-ENOTDIR, "'e' is not a directory", "e/x");

	a = w_open("dir2file2.tar", USTAR, 0);
	w_file(a, "d/sub/child", "c");
	w_file(a, "d", "now a file");
	w_file(a, "e", "file first");
	w_dir(a, "e", 0755);
	w_file(a, "d2/x", "");		/* walks a fresh path after it */
	w_close(a);
	fs = load_ok();
	assert_content(fs, "d", "now a file", 10);
	assert_true(S_ISDIR(iget(fs, "e")->mode));
	assert_int_equal(memfs_count(fs), 5);
	memfs_free(fs);
}

static void test_hardlink_shares_inode(void **state)
{
	struct archive *a = w_open("hardlink.tar", PAX, 0);
	struct memfs *fs;

	w_file(a, "bin/a", "shared");
	w_hardlink(a, "usr/bin/b", "./bin/a");
	w_close(a);
	fs = load_ok();
	assert_ptr_equal(iget(fs, "bin/a"), iget(fs, "usr/bin/b"));
	assert_int_equal(iget(fs, "bin/a")->nlink, 2);
	assert_content(fs, "usr/bin/b", "shared", 6);
	memfs_free(fs);
}

static void test_hardlink_replacing_its_targets_dir(void **state)
{
	struct archive *a = w_open("hlrepl.tar", USTAR, 0);
	struct memfs *fs;

	w_file(a, "d/f", "kept");
	w_hardlink(a, "d", "d/f");	/* drops d/f's dentry, not its inode */
	w_close(a);
	fs = load_ok();
	assert_content(fs, "d", "kept", 4);
	assert_int_equal(iget(fs, "d")->nlink, 1);
	memfs_free(fs);
}

static void test_hardlink_missing_rejected(void **state)
{
	struct archive *a = w_open("hlmissing.tar", USTAR, 0);

	w_hardlink(a, "etc/x", "etc/y");
	w_close(a);
	load_fails(-EINVAL, "hard link target 'etc/y' not found", "etc/x");
}

static void test_hardlink_dir_rejected(void **state)
{
	struct archive *a = w_open("hldir.tar", USTAR, 0);

	w_dir(a, "etc", 0755);
	w_hardlink(a, "x", "etc");
	w_close(a);
	load_fails(-EINVAL, "hard link target 'etc' is a directory", "x");
}

static void test_hardlink_self_rejected(void **state)
{
	struct archive *a = w_open("hlself.tar", USTAR, 0);

	w_file(a, "x", "x");
	w_hardlink(a, "x", "./x");
	w_close(a);
	load_fails(-EINVAL, "hard link target 'x' is the entry itself", "x");
}

static void test_hardlink_dotdot_rejected(void **state)
{
	struct archive *a = w_open("hldotdot.tar", USTAR, 0);

	w_file(a, "x", "x");
	w_hardlink(a, "y", "../x");
	w_close(a);
	load_fails(-EINVAL, "hard link target climbs out of the root", "y");
}

static void test_hardlink_to_whiteout_rejected(void **state)
{
	struct archive *a = w_open("hlwh.tar", USTAR, 0);

	w_file(a, ".wh.x", "");
	w_hardlink(a, "y", "x");
	w_close(a);
	load_fails(-EINVAL, "hard link target 'x' not found", "y");
}

/* --- whiteouts --------------------------------------------------------- */

static void test_whiteout_file(void **state)
{
	struct archive *a = w_open("wh.tar", USTAR, 0);
	struct memfs *fs;

	w_file(a, "etc/.wh.passwd", "");
	w_file(a, ".wh.gone", "");
	w_close(a);
	fs = load_ok();
	assert_true(is_whiteout(fs, "etc/passwd"));
	assert_true(is_whiteout(fs, "gone"));
	assert_null(get(fs, "etc/.wh.passwd"));
	assert_true(S_ISDIR(iget(fs, "etc")->mode));
	memfs_free(fs);
}

static void test_opaque_marker_either_order(void **state)
{
	struct archive *a = w_open("opq.tar", USTAR, 0);
	struct memfs *fs;

	w_dir(a, "before", 0700);
	w_file(a, "before/.wh..wh..opq", "");
	w_file(a, "after/.wh..wh..opq", "");
	w_dir(a, "after", 0700);
	w_file(a, "after/kept", "k");
	w_file(a, ".wh..wh..opq", "");
	w_close(a);
	fs = load_ok();
	assert_true(is_opaque(fs, "before"));
	assert_true(is_opaque(fs, "after"));
	assert_int_equal(iget(fs, "after")->mode, S_IFDIR | 0700);
	assert_content(fs, "after/kept", "k", 1);
	assert_null(get(fs, "after/.wh..wh..opq"));
	assert_int_equal(memfs_dir_count(get(fs, "after")), 1);
	assert_true(memfs_root(fs)->ino->flags & MEMFS_I_OPAQUE);
	memfs_free(fs);
}

static void test_overlayfs_spellings(void **state)
{
	struct archive *a = w_open("ovl.tar", PAX, 0);
	struct archive_entry *ae = w_new("odir", AE_IFDIR, 0755);
	struct memfs *fs;

	archive_entry_xattr_add_entry(ae, "trusted.overlay.opaque", "y", 1);
	archive_entry_xattr_add_entry(ae, "user.keep", "1", 1);
	w_put(a, ae, NULL, 0);
	ae = w_new("ndir", AE_IFDIR, 0755);
	archive_entry_xattr_add_entry(ae, "trusted.overlay.opaque", "n", 1);
	w_put(a, ae, NULL, 0);
	w_dev(a, "gone", AE_IFCHR, 0, 0);
	w_dev(a, "null", AE_IFCHR, 1, 3);
	w_close(a);
	fs = load_ok();
	assert_true(is_opaque(fs, "odir"));
	assert_null(memfs_xattr_get(iget(fs, "odir"),
				    "trusted.overlay.opaque"));
	assert_non_null(memfs_xattr_get(iget(fs, "odir"), "user.keep"));
	assert_false(is_opaque(fs, "ndir"));
	assert_true(is_whiteout(fs, "gone"));
	assert_true(S_ISCHR(iget(fs, "null")->mode));
	memfs_free(fs);
}

/* image-spec layer.md: a whiteout hides lower layers, not its own. */
static void test_whiteout_and_own_file_either_order(void **state)
{
	struct archive *a = w_open("whfile.tar", USTAR, 0);
	struct memfs *fs;

	w_file(a, ".wh.a", "");
	w_file(a, "a", "real a");
	w_file(a, "b", "real b");
	w_file(a, ".wh.b", "");
	w_file(a, "c", "real c");
	w_dev(a, "c", AE_IFCHR, 0, 0);	/* overlayfs spelling, same rule */
	w_close(a);
	fs = load_ok();
	assert_content(fs, "a", "real a", 6);
	assert_content(fs, "b", "real b", 6);
	assert_content(fs, "c", "real c", 6);
	assert_int_equal(memfs_count(fs), 4);
	memfs_free(fs);
}

static void test_whiteout_and_own_dir_either_order(void **state)
{
	struct archive *a = w_open("whdir.tar", USTAR, 0);
	struct memfs *fs;

	w_file(a, ".wh.a", "");
	w_dir(a, "a", 0755);
	w_dir(a, "b", 0755);
	w_file(a, "b/x", "x");
	w_file(a, ".wh.b", "");
	w_file(a, ".wh.c", "");
	w_file(a, "c/implicit", "i");	/* c made implicitly */
	w_file(a, "d", "file first");
	w_file(a, ".wh.d", "");
	w_dir(a, "d", 0755);		/* d ends a directory */
	w_close(a);
	fs = load_ok();
	/* The lower directory is deleted and replaced: opaque. */
	assert_true(is_opaque(fs, "a"));
	assert_true(is_opaque(fs, "b"));
	assert_content(fs, "b/x", "x", 1);
	assert_true(is_opaque(fs, "c"));
	assert_true(is_opaque(fs, "d"));
	memfs_free(fs);
}

static void test_whiteout_dropped_with_its_dir(void **state)
{
	struct archive *a = w_open("whgone.tar", USTAR, 0);
	struct memfs *fs;

	w_file(a, "d/.wh.x", "");
	w_file(a, "d", "file now");
	w_close(a);
	fs = load_ok();
	assert_content(fs, "d", "file now", 8);
	assert_int_equal(memfs_count(fs), 2);
	memfs_free(fs);
}

/* umoci repack of a directory that became a file: the file, then
 * whiteouts under it (and deeper), hide nothing and load. */
static void test_whiteout_under_own_file_ignored(void **state)
{
	struct archive *a = w_open("whunderfile.tar", PAX, 0);
	struct memfs *fs;

	w_dir(a, "etc", 0755);
	w_file(a, "etc/apt", "file now");
	w_file(a, "etc/apt/.wh.sources.list", "");
	w_file(a, "etc/apt/sub/.wh.x", "");
	w_dev(a, "etc/apt/ovl", S_IFCHR, 0, 0);	/* overlayfs spelling */
	w_symlink(a, "l", "etc");
	w_file(a, "l/.wh.y", "");
	w_close(a);
	fs = load_ok();
	assert_content(fs, "etc/apt", "file now", 8);
	assert_int_equal(memfs_count(fs), 4);
	memfs_free(fs);
}

static void test_bare_whiteout_rejected(void **state)
{
	struct archive *a = w_open("whbare.tar", USTAR, 0);

	w_file(a, "etc/.wh.", "");
	w_close(a);
	load_fails(-EINVAL, "invalid whiteout", "etc/.wh.");
}

static void test_whiteout_of_dots_rejected(void **state)
{
	static const char *const bad[] = { ".wh..", "d/.wh...",
		".wh..wh.foo", ".wh..wh..opqx" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct archive *a = w_open("whdots.tar", USTAR, 0);

		w_file(a, bad[i], "");
		w_close(a);
		load_fails(-EINVAL, "invalid whiteout", bad[i]);
	}
}

static void test_whiteout_as_directory_rejected(void **state)
{
	struct archive *a = w_open("whasdir.tar", USTAR, 0);

	w_file(a, "a/.wh.b/c", "");
	w_close(a);
	load_fails(-EINVAL, "invalid whiteout '.wh.b'", "a/.wh.b/c");
}

/* --- bad input --------------------------------------------------------- */

static void test_truncated_plain_rejected(void **state)
{
	struct archive *a = w_open("trunc.tar", USTAR, 0);
	char big[5000];
	unsigned char *p;
	size_t len;

	memset(big, 'z', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	w_file(a, "ok", "ok");
	w_file(a, "cut", big);
	w_close(a);
	p = read_fixture(&len);
	write_bytes("trunc.tar", p, 3 * 512 + 1000);	/* mid-data of cut */
	free(p);
	load_fails(-EIO, "truncated tar archive", "cut");
}

static void test_truncated_gzip_rejected(void **state)
{
	struct archive *a = w_open("trunc.tgz", USTAR, ARCHIVE_FILTER_GZIP);
	size_t n = 400000, len;
	char *big = malloc(n + 1);
	unsigned char *p;
	uint32_t x = 1;

	/* Incompressible enough that half the stream ends mid-data. */
	assert_non_null(big);
	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		big[i] = (char)('a' + (x >> 16) % 26);
	}
	big[n] = '\0';
	w_file(a, "cut", big);
	w_close(a);
	free(big);
	p = read_fixture(&len);
	write_bytes("trunc.tgz", p, len / 2);
	free(p);
	load_fails(-EIO, "truncated gzip input", "cut");
}

static void test_corrupt_gzip_rejected(void **state)
{
	struct archive *a = w_open("bad.tgz", USTAR, ARCHIVE_FILTER_GZIP);
	unsigned char *p;
	size_t len;

	w_file(a, "f", "some content to compress, some content");
	w_close(a);
	p = read_fixture(&len);
	for (size_t i = 12; i < len - 8; i++)
		p[i] ^= 0x5a;
	write_bytes("bad.tgz", p, len);
	free(p);
	load_fails(-EIO, "", NULL);
}

static void test_not_tar_rejected(void **state)
{
	static const char text[] = "this is not a tar archive at all\n";

	write_bytes("text", text, sizeof(text));
	load_fails(-EINVAL, "not a tar archive", NULL);
}

static void test_empty_file_rejected(void **state)
{
	write_bytes("empty", "", 0);
	load_fails(-EINVAL, "empty layer", NULL);
}

static void test_end_marker_only_is_empty_layer(void **state)
{
	static const unsigned char zeros[1024];
	struct memfs *fs;

	write_bytes("zeros.tar", zeros, sizeof(zeros));
	fs = load_ok();
	assert_int_equal(memfs_count(fs), 1);
	memfs_free(fs);
}

static void test_missing_file(void **state)
{
	snprintf(fxpath, sizeof(fxpath), "%s/no-such.tar", tmpdir);
	load_fails(-ENOENT, "cannot open: No such file or directory", NULL);
}

static void test_uid_out_of_range_rejected(void **state)
{
	struct archive *a = w_open("uid.tar", PAX, 0);
	struct archive_entry *ae = w_new("f", AE_IFREG, 0644);

	archive_entry_set_uid(ae, 5000000000LL);
	w_put(a, ae, NULL, 0);
	w_close(a);
	load_fails(-EINVAL, "uid 5000000000 out of range", "f");
}

static void test_limits(void **state)
{
	struct tarin_opts o = { .max_entries = 2 };
	struct archive *a = w_open("limits.tar", PAX, 0);
	char longname[300];
	struct memfs *fs;

	w_file(a, "a/b/c/d", "");
	w_file(a, "x", "");
	w_file(a, "y", "");
	w_close(a);
	assert_int_equal(load_opts(&o, &fs), -E2BIG);
	assert_string_equal(e.entry, "y");
	o = (struct tarin_opts){ .max_depth = 3 };
	assert_int_equal(load_opts(&o, &fs), -E2BIG);
	assert_string_equal(e.entry, "a/b/c/d");
	o = (struct tarin_opts){ .max_path = 6 };
	assert_int_equal(load_opts(&o, &fs), -ENAMETOOLONG);
	assert_null(fs);

	a = w_open("longname.tar", PAX, 0);
	memset(longname, 'n', 256);
	longname[256] = '\0';
	w_file(a, longname, "");
	w_close(a);
	load_fails(-ENAMETOOLONG, "component over 255 bytes", longname);
}

static void test_large_directory(void **state)
{
	struct archive *a = w_open("large.tar", GNU, ARCHIVE_FILTER_GZIP);
	char name[64];
	struct memfs *fs;

	for (int i = 0; i < 20000; i++) {
		snprintf(name, sizeof(name), "big/dir/file-%05d", i);
		w_file(a, name, i % 2 ? "odd" : "even");
	}
	w_close(a);
	fs = load_ok();
	assert_int_equal(memfs_dir_count(get(fs, "big/dir")), 20000);
	assert_content(fs, "big/dir/file-12345", "odd", 3);
	assert_content(fs, "big/dir/file-00000", "even", 4);
	memfs_free(fs);
}

/* --- inputs ------------------------------------------------------------ */

/* Loads "-" with fd as standard input. */
static int load_stdin(int fd, struct memfs **fs)
{
	int saved = dup(STDIN_FILENO), rc;

	assert_true(saved >= 0);
	assert_true(dup2(fd, STDIN_FILENO) >= 0);
	err_clear(&e);
	rc = tarin_load("-", NULL, fs, &e);
	assert_true(dup2(saved, STDIN_FILENO) >= 0);
	close(saved);
	return rc;
}

static void test_stdin_regular_file(void **state)
{
	struct archive *a = w_open("stdin.tar", USTAR, 0);
	struct memfs *fs;
	int fd;

	w_file(a, "f", "from stdin");
	w_close(a);
	fd = open(fxpath, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(load_stdin(fd, &fs), 0);
	close(fd);
	assert_content(fs, "f", "from stdin", 10);
	memfs_free(fs);
}

static void test_stdin_pipe_spooled(void **state)
{
	struct archive *a = w_open("pipe.tar", USTAR, 0);
	unsigned char *p;
	struct memfs *fs;
	size_t len;
	int pfd[2];

	w_file(a, "f", "through a pipe");
	w_close(a);
	p = read_fixture(&len);
	assert_true(len < 65536);	/* fits the pipe buffer */
	assert_int_equal(pipe(pfd), 0);
	assert_int_equal(write(pfd[1], p, len), (ssize_t)len);
	close(pfd[1]);
	free(p);
	assert_int_equal(load_stdin(pfd[0], &fs), 0);
	close(pfd[0]);
	assert_content(fs, "f", "through a pipe", 14);
	assert_int_not_equal(iget(fs, "f")->u.data->ext[0].src_off % 512, 512);
	memfs_free(fs);
}

static void test_empty_pipe_rejected(void **state)
{
	struct memfs *fs;
	int pfd[2];

	assert_int_equal(pipe(pfd), 0);
	close(pfd[1]);
	assert_int_equal(load_stdin(pfd[0], &fs), -EINVAL);
	close(pfd[0]);
	assert_null(fs);
	assert_string_equal(e.msg, "empty layer");
	assert_string_equal(e.file, "-");
}

static void test_spool_dir_missing(void **state)
{
	struct tarin_opts o = { .spool_dir = "/nonexistent/spool" };
	struct archive *a = w_open("spool.tgz", USTAR, ARCHIVE_FILTER_GZIP);
	struct memfs *fs;

	w_file(a, "f", "needs a spool");
	w_close(a);
	assert_int_equal(load_opts(&o, &fs), -ENOENT);
	assert_null(fs);
	assert_string_equal(e.entry, "f");
	assert_non_null(strstr(e.msg, "cannot create a spool file"));
}

/* --- the harness ------------------------------------------------------- */

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	return remove(path);
}

static int setup(void **state)
{
	const char *t = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/test_tarin.XXXXXX",
		 t && *t ? t : "/tmp");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	return nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_content_in_place),
		cmocka_unit_test(test_in_place_after_pax_header),
		cmocka_unit_test(test_compressed_content_spooled),
		cmocka_unit_test(test_pax_sparse_in_place),
		cmocka_unit_test(test_pax_sparse_gzip),
		cmocka_unit_test(test_gnu_sparse),
		cmocka_unit_test(test_metadata),
		cmocka_unit_test(test_xattrs_byte_exact),
		cmocka_unit_test(test_xattrs_beyond_linux_rejected),
		cmocka_unit_test(test_special_files),
		cmocka_unit_test(test_gnu_long_names),
		cmocka_unit_test(test_utf8_name_byte_exact),
		cmocka_unit_test(test_names_cleaned),
		cmocka_unit_test(test_parent_walks),
		cmocka_unit_test(test_dotdot_rejected),
		cmocka_unit_test(test_root_entry_metadata),
		cmocka_unit_test(test_implicit_parents),
		cmocka_unit_test(test_file_as_parent_rejected),
		cmocka_unit_test(test_symlink_never_followed),
		cmocka_unit_test(test_duplicate_file_replaces),
		cmocka_unit_test(test_duplicate_dir_keeps_children),
		cmocka_unit_test(test_dir_replaced_by_file),
		cmocka_unit_test(test_hardlink_shares_inode),
		cmocka_unit_test(test_hardlink_replacing_its_targets_dir),
		cmocka_unit_test(test_hardlink_missing_rejected),
		cmocka_unit_test(test_hardlink_dir_rejected),
		cmocka_unit_test(test_hardlink_self_rejected),
		cmocka_unit_test(test_hardlink_dotdot_rejected),
		cmocka_unit_test(test_hardlink_to_whiteout_rejected),
		cmocka_unit_test(test_whiteout_file),
		cmocka_unit_test(test_opaque_marker_either_order),
		cmocka_unit_test(test_overlayfs_spellings),
		cmocka_unit_test(test_whiteout_and_own_file_either_order),
		cmocka_unit_test(test_whiteout_under_own_file_ignored),
		cmocka_unit_test(test_whiteout_and_own_dir_either_order),
		cmocka_unit_test(test_whiteout_dropped_with_its_dir),
		cmocka_unit_test(test_bare_whiteout_rejected),
		cmocka_unit_test(test_whiteout_of_dots_rejected),
		cmocka_unit_test(test_whiteout_as_directory_rejected),
		cmocka_unit_test(test_truncated_plain_rejected),
		cmocka_unit_test(test_truncated_gzip_rejected),
		cmocka_unit_test(test_corrupt_gzip_rejected),
		cmocka_unit_test(test_not_tar_rejected),
		cmocka_unit_test(test_empty_file_rejected),
		cmocka_unit_test(test_end_marker_only_is_empty_layer),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_uid_out_of_range_rejected),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_large_directory),
		cmocka_unit_test(test_stdin_regular_file),
		cmocka_unit_test(test_stdin_pipe_spooled),
		cmocka_unit_test(test_empty_pipe_rejected),
		cmocka_unit_test(test_spool_dir_missing),
		cmocka_unit_test(test_zero_blocks_are_holes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
