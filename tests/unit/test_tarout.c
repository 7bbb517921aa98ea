/*
 * test_tarout: the pax writer. Every entry type and every field that needs
 * a pax record is read back with libarchive; header bytes are checked
 * where the format fixes them; output is the same bytes every time.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>

#include <cmocka.h>

#include "layers/memfs.h"
#include "layers/sink.h"
#include "layers/tarout.h"

static char dir[64];

static int group_setup(void **state)
{
	strcpy(dir, "/tmp/test_tarout.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int group_teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

struct out {
	unsigned char *buf;
	size_t len;
};

static void slurp(const char *path, struct out *o)
{
	struct stat st;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	o->len = (size_t)st.st_size;
	o->buf = malloc(o->len + 1);
	assert_int_equal(read(fd, o->buf, o->len), (ssize_t)o->len);
	close(fd);
}

/* Writes the entries and the end blocks through a sink with opts; returns
 * the archive bytes. */
static void write_tar_opts(const struct entry *ents, size_t n,
			   const struct sink_opts *opts, struct out *o)
{
	char path[128];
	struct sink *s;
	struct tarout *t;
	struct err e = { 0 };
	size_t i;

	snprintf(path, sizeof(path), "%s/out.tar", dir);
	assert_int_equal(sink_open(path, opts, &s, &e), 0);
	t = tarout_new(s);
	assert_non_null(t);
	for (i = 0; i < n; i++)
		assert_int_equal(tarout_write(t, &ents[i], &e), 0);
	assert_int_equal(tarout_finish(t, &e), 0);
	tarout_free(t);
	assert_int_equal(sink_commit(s, &e), 0);
	slurp(path, o);
	if (!opts || opts->comp == SINK_NONE)
		assert_int_equal(o->len % 512, 0);
}

static void write_tar(const struct entry *ents, size_t n,
		      struct out *o)
{
	write_tar_opts(ents, n, NULL, o);
}

/* Writes one entry; returns tarout_write's result, e filled. */
static int write_bad(const struct entry *ent, struct err *e)
{
	char path[128];
	struct sink *s;
	struct tarout *t;
	int r;

	snprintf(path, sizeof(path), "%s/bad.tar", dir);
	assert_int_equal(sink_open(path, NULL, &s, e), 0);
	t = tarout_new(s);
	r = tarout_write(t, ent, e);
	tarout_free(t);
	sink_abort(s);
	assert_int_equal(access(path, F_OK), -1);
	return r;
}

static struct archive *reader(const struct out *o)
{
	struct archive *a = archive_read_new();

	archive_read_support_format_all(a);
	assert_int_equal(archive_read_open_memory(a, o->buf, o->len),
			 ARCHIVE_OK);
	return a;
}

static struct archive_entry *next(struct archive *a)
{
	struct archive_entry *ae;

	assert_int_equal(archive_read_next_header(a, &ae), ARCHIVE_OK);
	return ae;
}

static void done(struct archive *a, struct out *o)
{
	struct archive_entry *ae;

	assert_int_equal(archive_read_next_header(a, &ae), ARCHIVE_EOF);
	archive_read_free(a);
	free(o->buf);
}

/* The header checksum: its field counted as spaces (ustar). */
static void assert_checksum(const unsigned char *h)
{
	unsigned sum = 0, i;
	char want[8];

	for (i = 0; i < 512; i++)
		sum += (i >= 148 && i < 156) ? ' ' : h[i];
	snprintf(want, sizeof(want), "%06o", sum);
	assert_memory_equal(h + 148, want, 7);
	assert_int_equal(h[155], ' ');
}

static struct memfs_data *mem_data(const char *s)
{
	size_t n = strlen(s);
	struct memfs_src *src = memfs_src_mem(s, n);
	struct memfs_data *d = memfs_data_new(n, 1);

	memfs_data_push(d, 0, n, src, 0);
	memfs_src_put(src);
	return d;
}

static char *repeat(char c, size_t n)
{
	char *p = malloc(n + 1);

	memset(p, c, n);
	p[n] = '\0';
	return p;
}

static void test_file_header_fields(void **state)
{
	struct memfs_data *d = mem_data("hello");
	struct entry ent = {
		.type = ENTRY_FILE, .path = "etc/motd", .pathlen = 8,
		.mode = S_IFREG | 04755, .uid = 1000, .gid = 100,
		.mtime = { 1700000000, 0 }, .data = d,
	};
	struct archive_entry *ae;
	struct archive *a;
	struct out o;
	char buf[16];

	write_tar(&ent, 1, &o);
	assert_int_equal(o.len, 512 + 512 + 1024);
	assert_string_equal((char *)o.buf, "etc/motd");
	assert_memory_equal(o.buf + 100, "0004755\0", 8);
	assert_memory_equal(o.buf + 108, "0001750\0", 8);
	assert_memory_equal(o.buf + 116, "0000144\0", 8);
	assert_memory_equal(o.buf + 124, "00000000005\0", 12);
	assert_memory_equal(o.buf + 136, "14524770400\0", 12);
	assert_int_equal(o.buf[156], '0');
	assert_memory_equal(o.buf + 257, "ustar\0" "00", 8);
	assert_int_equal(o.buf[265], 0);	/* no uname */
	assert_int_equal(o.buf[297], 0);	/* no gname */
	assert_checksum(o.buf);
	assert_memory_equal(o.buf + 512, "hello\0\0\0", 8);
	a = reader(&o);
	ae = next(a);
	assert_string_equal(archive_entry_pathname(ae), "etc/motd");
	assert_int_equal(archive_entry_filetype(ae), AE_IFREG);
	assert_int_equal(archive_entry_perm(ae), 04755);
	assert_int_equal(archive_entry_uid(ae), 1000);
	assert_int_equal(archive_entry_gid(ae), 100);
	assert_int_equal(archive_entry_mtime(ae), 1700000000);
	assert_int_equal(archive_entry_size(ae), 5);
	assert_int_equal(archive_read_data(a, buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "hello", 5);
	done(a, &o);
	memfs_data_put(d);
}

static void test_directory_gets_trailing_slash(void **state)
{
	struct entry ent = {
		.type = ENTRY_DIR, .path = "usr/lib", .pathlen = 7,
		.mode = 0755,
	};
	struct archive_entry *ae;
	struct archive *a;
	struct out o;

	write_tar(&ent, 1, &o);
	assert_string_equal((char *)o.buf, "usr/lib/");
	assert_int_equal(o.buf[156], '5');
	assert_memory_equal(o.buf + 124, "00000000000\0", 12);
	a = reader(&o);
	ae = next(a);
	assert_string_equal(archive_entry_pathname(ae), "usr/lib/");
	assert_int_equal(archive_entry_filetype(ae), AE_IFDIR);
	done(a, &o);
}

/* 200 bytes with a '/' where prefix and name both fit: no pax record. */
static void test_long_path_split_into_prefix(void **state)
{
	char *path = repeat('p', 200);
	struct entry ent = { .type = ENTRY_DIR, .mode = 0755 };
	struct archive_entry *ae;
	struct archive *a;
	struct out o;

	path[120] = '/';
	ent.path = path;
	ent.pathlen = 200;
	write_tar(&ent, 1, &o);
	assert_int_equal(o.buf[156], '5');	/* no 'x' before it */
	assert_memory_equal(o.buf + 345, path, 120);
	assert_int_equal(o.buf[345 + 120], 0);
	assert_memory_equal(o.buf, path + 121, 79);
	assert_int_equal(o.buf[79], '/');
	a = reader(&o);
	ae = next(a);
	assert_int_equal(strlen(archive_entry_pathname(ae)), 201);
	assert_memory_equal(archive_entry_pathname(ae), path, 200);
	done(a, &o);
	free(path);
}

/* No '/' to split at: a pax path record, and a deterministic 'x' name. */
static void test_long_path_uses_pax(void **state)
{
	char *path = repeat('a', 300);
	struct entry ent = {
		.type = ENTRY_FILE, .mode = 0644, .mtime = { 5, 0 },
	};
	struct archive_entry *ae;
	struct archive *a;
	struct out o;
	char rec[400];
	int n;

	memcpy(path, "dir/", 4);
	ent.path = path;
	ent.pathlen = 300;
	write_tar(&ent, 1, &o);
	assert_int_equal(o.buf[156], 'x');
	assert_memory_equal(o.buf, "PaxHeaders/aaaa", 15);
	assert_int_equal(strnlen((char *)o.buf, 100), 100);
	assert_memory_equal(o.buf + 100, "0000644\0", 8);
	assert_memory_equal(o.buf + 136, "00000000005\0", 12);
	assert_checksum(o.buf);
	n = snprintf(rec, sizeof(rec), "310 path=%s\n", path);
	assert_int_equal(n, 310);
	assert_memory_equal(o.buf + 512, rec, 310);
	assert_int_equal(o.buf[1024 + 156], '0');
	assert_checksum(o.buf + 1024);
	a = reader(&o);
	ae = next(a);
	assert_string_equal(archive_entry_pathname(ae), path);
	done(a, &o);
	free(path);
}

static void test_long_link_names(void **state)
{
	char *target = repeat('t', 250), *hpath = repeat('h', 220);
	struct entry ents[] = {
		{ .type = ENTRY_SYMLINK, .path = "ln", .pathlen = 2,
		  .mode = 0777, .linkname = target, .linklen = 250 },
		{ .type = ENTRY_FILE, .path = hpath, .pathlen = 220,
		  .mode = 0644 },
		{ .type = ENTRY_HARDLINK, .path = "hl", .pathlen = 2,
		  .mode = 0644, .linkname = hpath, .linklen = 220 },
	};
	struct archive_entry *ae;
	struct archive *a;
	struct out o;

	hpath[100] = '/';
	write_tar(ents, 3, &o);
	a = reader(&o);
	ae = next(a);
	assert_int_equal(archive_entry_filetype(ae), AE_IFLNK);
	assert_string_equal(archive_entry_symlink(ae), target);
	ae = next(a);
	assert_string_equal(archive_entry_pathname(ae), hpath);
	ae = next(a);
	assert_string_equal(archive_entry_pathname(ae), "hl");
	assert_string_equal(archive_entry_hardlink(ae), hpath);
	assert_int_equal(archive_entry_size(ae), 0);
	done(a, &o);
	free(target);
	free(hpath);
}

static void test_short_links(void **state)
{
	struct entry ents[] = {
		{ .type = ENTRY_SYMLINK, .path = "bin/sh", .pathlen = 6,
		  .mode = 0777, .linkname = "dash", .linklen = 4 },
		{ .type = ENTRY_HARDLINK, .path = "bin/sh2", .pathlen = 7,
		  .mode = 0755, .linkname = "bin/sh", .linklen = 6 },
	};
	struct archive_entry *ae;
	struct archive *a;
	struct out o;

	write_tar(ents, 2, &o);
	assert_int_equal(o.len, 2 * 512 + 1024);
	assert_int_equal(o.buf[156], '2');
	assert_string_equal((char *)o.buf + 157, "dash");
	assert_int_equal(o.buf[512 + 156], '1');
	assert_string_equal((char *)o.buf + 512 + 157, "bin/sh");
	a = reader(&o);
	ae = next(a);
	assert_string_equal(archive_entry_symlink(ae), "dash");
	ae = next(a);
	assert_string_equal(archive_entry_hardlink(ae), "bin/sh");
	done(a, &o);
}

static void test_large_ids_use_pax(void **state)
{
	struct entry ent = {
		.type = ENTRY_DIR, .path = "d", .pathlen = 1, .mode = 0700,
		.uid = 2147483648u, .gid = 4294967294u,
	};
	static const char recs[] = "18 uid=2147483648\n18 gid=4294967294\n";
	struct archive_entry *ae;
	struct archive *a;
	struct out o;

	write_tar(&ent, 1, &o);
	assert_int_equal(o.buf[156], 'x');
	assert_memory_equal(o.buf + 512, recs, sizeof(recs) - 1);
	assert_memory_equal(o.buf + 1024 + 108, "0000000\0", 8);
	a = reader(&o);
	ae = next(a);
	assert_int_equal(archive_entry_uid(ae), 2147483648u);
	assert_int_equal(archive_entry_gid(ae), 4294967294u);
	done(a, &o);
}

/* The pax header's first record, NUL-terminated at its '\n'. */
static const char *first_record(struct out *o, char *buf, size_t size)
{
	size_t len = (size_t)strtoul((char *)o->buf + 512, NULL, 10);

	assert_true(len < size);
	memcpy(buf, o->buf + 512, len);
	buf[len] = '\0';
	return buf;
}

/*
 * Writes a fifo with mtime sec.nsec, checks the pax record, and reads the
 * time back: with libarchive, or, for negative times with a fraction, by
 * extracting with GNU tar (libarchive 3.6 reads "-1.5" as -1 + 0.5, while
 * POSIX and GNU tar, which writes the same record, mean -2 + 0.5).
 */
static void check_mtime(time_t sec, long nsec, const char *rec)
{
	struct entry ent = {
		.type = ENTRY_FIFO, .path = "f", .pathlen = 1, .mode = 0600,
		.mtime = { sec, nsec },
	};
	struct archive_entry *ae;
	struct archive *a;
	struct stat st;
	struct out o;
	char buf[64], cmd[512];

	write_tar(&ent, 1, &o);
	assert_string_equal(first_record(&o, buf, sizeof(buf)), rec);
	if (sec >= 0 || !nsec) {
		a = reader(&o);
		ae = next(a);
		assert_int_equal(archive_entry_mtime(ae), sec);
		assert_int_equal(archive_entry_mtime_nsec(ae), nsec);
		done(a, &o);
		return;
	}
	free(o.buf);
	snprintf(cmd, sizeof(cmd),
		 "rm -rf %s/x && mkdir %s/x && tar -C %s/x -xf %s/out.tar "
		 "2>/dev/null", dir, dir, dir, dir);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "%s/x/f", dir);
	assert_int_equal(lstat(cmd, &st), 0);
	assert_int_equal(st.st_mtim.tv_sec, sec);
	assert_int_equal(st.st_mtim.tv_nsec, nsec);
}

static void test_nsec_mtime_uses_pax(void **state)
{
	check_mtime(1700000000, 123456789, "30 mtime=1700000000.123456789\n");
	check_mtime(1, 500000000, "13 mtime=1.5\n");
	check_mtime(0, 1, "21 mtime=0.000000001\n");
}

static void test_negative_mtime_uses_pax(void **state)
{
	check_mtime(-5, 0, "12 mtime=-5\n");
	check_mtime(-2, 500000000, "14 mtime=-1.5\n");
	check_mtime(-1, 750000000, "15 mtime=-0.25\n");
}

static void test_huge_mtime_uses_pax(void **state)
{
	struct entry ent = {
		.type = ENTRY_FIFO, .path = "f", .pathlen = 1, .mode = 0600,
		.mtime = { 8589934592, 0 },	/* 2^33 */
	};
	struct out o;
	char buf[64];

	write_tar(&ent, 1, &o);
	assert_string_equal(first_record(&o, buf, sizeof(buf)),
			    "20 mtime=8589934592\n");
	assert_memory_equal(o.buf + 1024 + 136, "77777777777\0", 12);
	free(o.buf);
}

static void test_xattrs_binary_exact(void **state)
{
	static unsigned char v1[] = { 'x', 0, 'y', '\n', 0 };
	static unsigned char v2[] = { 1, 0, 0, 2, 0xff, 0, 0, 0 };
	struct memfs_xattr xs[] = {
		{ .name = "security.capability", .value = v2, .len = 8 },
		{ .name = "user.a", .value = v1, .len = 5 },
		{ .name = "user.empty", .value = NULL, .len = 0 },
	};
	struct entry ent = {
		.type = ENTRY_DIR, .path = "x", .pathlen = 1, .mode = 0755,
		.xattrs = xs, .nxattrs = 3,
	};
	struct archive_entry *ae;
	struct archive *a;
	struct out o;
	const char *name;
	const void *val;
	size_t len;
	int i, found = 0;

	write_tar(&ent, 1, &o);
	assert_memory_equal(o.buf + 512, "45 SCHILY.xattr.security.capability=",
			    36);
	assert_memory_equal(o.buf + 512 + 36, v2, 8);
	assert_memory_equal(o.buf + 512 + 44, "\n29 SCHILY.xattr.user.a=", 24);
	a = reader(&o);
	ae = next(a);
	assert_int_equal(archive_entry_xattr_reset(ae), 3);
	/* libarchive lists them in its own order */
	while (archive_entry_xattr_next(ae, &name, &val, &len) == ARCHIVE_OK) {
		for (i = 0; i < 3 && strcmp(name, xs[i].name); i++)
			;
		assert_true(i < 3);
		assert_int_equal(len, xs[i].len);
		if (len)
			assert_memory_equal(val, xs[i].value, len);
		found |= 1 << i;
	}
	assert_int_equal(found, 7);
	done(a, &o);
}

static void test_devices_and_fifo(void **state)
{
	struct entry ents[] = {
		{ .type = ENTRY_CHR, .path = "dev/null", .pathlen = 8,
		  .mode = 0666, .rdev = makedev(1, 3) },
		{ .type = ENTRY_BLK, .path = "dev/big", .pathlen = 7,
		  .mode = 0660, .rdev = makedev(4095, 1048575) },
		{ .type = ENTRY_FIFO, .path = "run/p", .pathlen = 5,
		  .mode = 0600 },
	};
	struct archive_entry *ae;
	struct archive *a;
	struct out o;

	write_tar(ents, 3, &o);
	assert_int_equal(o.buf[156], '3');
	assert_memory_equal(o.buf + 329, "0000001\0" "0000003\0", 16);
	assert_int_equal(o.buf[1024 + 156], '6');
	a = reader(&o);
	ae = next(a);
	assert_int_equal(archive_entry_filetype(ae), AE_IFCHR);
	assert_int_equal(archive_entry_rdevmajor(ae), 1);
	assert_int_equal(archive_entry_rdevminor(ae), 3);
	ae = next(a);
	assert_int_equal(archive_entry_filetype(ae), AE_IFBLK);
	assert_int_equal(archive_entry_rdevmajor(ae), 4095);
	assert_int_equal(archive_entry_rdevminor(ae), 1048575);
	ae = next(a);
	assert_int_equal(archive_entry_filetype(ae), AE_IFIFO);
	assert_string_equal(archive_entry_pathname(ae), "run/p");
	done(a, &o);
}

/* [0,10) memory, hole, [5000,5100) from an fd, zeros to 9000. */
static struct memfs_data *holey_data(unsigned char *want)
{
	char path[128];
	unsigned char fdbytes[200];
	struct memfs_src *m, *f;
	struct memfs_data *d;
	int fd, i;

	for (i = 0; i < 200; i++)
		fdbytes[i] = (unsigned char)(i * 7 + 1);
	snprintf(path, sizeof(path), "%s/spool", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_int_equal(write(fd, fdbytes, 200), 200);
	m = memfs_src_mem("0123456789", 10);
	f = memfs_src_fd(fd, 200);
	d = memfs_data_new(9000, 3);
	memfs_data_push(d, 0, 10, m, 0);
	memfs_data_push(d, 3000, 100, NULL, 0);
	memfs_data_push(d, 5000, 100, f, 50);
	memfs_src_put(m);
	memfs_src_put(f);
	memset(want, 0, 9000);
	memcpy(want, "0123456789", 10);
	memcpy(want + 5000, fdbytes + 50, 100);
	return d;
}

static void check_holey(const struct sink_opts *opts)
{
	unsigned char want[9000];
	struct memfs_data *d = holey_data(want);
	struct entry ent = {
		.type = ENTRY_FILE, .path = "sparse", .pathlen = 6,
		.mode = 0644, .data = d,
	};
	struct out o, plain;
	size_t n;
	z_stream zs = { 0 };

	write_tar_opts(&ent, 1, opts, &o);
	if (opts && opts->comp == SINK_GZIP) {
		n = 512 + 9216 + 1024;
		plain.buf = malloc(n + 1);
		assert_int_equal(inflateInit2(&zs, 31), Z_OK);
		zs.next_in = o.buf;
		zs.avail_in = (uInt)o.len;
		zs.next_out = plain.buf;
		zs.avail_out = (uInt)n + 1;
		assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
		plain.len = zs.total_out;
		inflateEnd(&zs);
		free(o.buf);
		o = plain;
	}
	assert_int_equal(o.len, 512 + 9216 + 1024);
	assert_memory_equal(o.buf + 124, "00000021450\0", 12);
	assert_memory_equal(o.buf + 512, want, 9000);
	for (n = 512 + 9000; n < o.len; n++)
		assert_int_equal(o.buf[n], 0);
	free(o.buf);
	memfs_data_put(d);
}

static void test_content_with_holes_from_fd_and_memory(void **state)
{
	struct sink_opts gz = { .comp = SINK_GZIP, .threads = 2 };

	check_holey(NULL);
	check_holey(&gz);
}

/* gzip(1) and zstd(1) turn the compressed archive back into the plain
 * one, for any thread count. */
static void test_compressed_output_matches_plain(void **state)
{
	static const struct sink_opts opts[] = {
		{ .comp = SINK_GZIP, .threads = 1 },
		{ .comp = SINK_GZIP, .threads = 3, .level = 9 },
		{ .comp = SINK_ZSTD, .threads = 1 },
		{ .comp = SINK_ZSTD, .threads = 4, .level = 19 },
	};
	size_t n = 3 << 20, i;
	unsigned char *big = malloc(n);
	struct memfs_src *src;
	struct memfs_data *d;
	struct entry ents[] = {
		{ .type = ENTRY_DIR, .path = "d", .pathlen = 1, .mode = 0755 },
		{ .type = ENTRY_FILE, .path = "d/big", .pathlen = 5,
		  .mode = 0644, .mtime = { 1, 2 } },
		{ .type = ENTRY_SYMLINK, .path = "d/l", .pathlen = 3,
		  .mode = 0777, .linkname = "big", .linklen = 3 },
	};
	struct out plain, z;
	char cmd[512];
	FILE *f;

	for (i = 0; i < n; i++)
		big[i] = (unsigned char)(i % 251 ^ (i >> 12));
	src = memfs_src_mem(big, n);
	d = memfs_data_new(n + 1000, 1);
	memfs_data_push(d, 500, n, src, 0);
	memfs_src_put(src);
	ents[1].data = d;
	write_tar(ents, 3, &plain);
	snprintf(cmd, sizeof(cmd), "%s/plain.tar", dir);
	f = fopen(cmd, "wb");
	assert_int_equal(fwrite(plain.buf, 1, plain.len, f), plain.len);
	fclose(f);
	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		write_tar_opts(ents, 3, &opts[i], &z);
		free(z.buf);
		snprintf(cmd, sizeof(cmd), "%s -dc < %s/out.tar | cmp -s - %s/plain.tar",
			 opts[i].comp == SINK_GZIP ? "gzip" : "zstd -q", dir, dir);
		assert_int_equal(system(cmd), 0);
	}
	free(plain.buf);
	free(big);
	memfs_data_put(d);
}

static void test_same_entries_same_bytes(void **state)
{
	static struct memfs_xattr xs[] = {
		{ .name = "user.k", .value = (unsigned char *)"v", .len = 1 },
	};
	struct memfs_data *d = mem_data("content");
	struct entry ents[] = {
		{ .type = ENTRY_DIR, .path = "a", .pathlen = 1, .mode = 0755,
		  .mtime = { 3, 4 }, .xattrs = xs, .nxattrs = 1 },
		{ .type = ENTRY_FILE, .path = "a/f", .pathlen = 3,
		  .mode = 0644, .data = d, .uid = 1u << 31 },
	};
	struct out o1, o2;

	write_tar(ents, 2, &o1);
	write_tar(ents, 2, &o2);
	assert_int_equal(o1.len, o2.len);
	assert_memory_equal(o1.buf, o2.buf, o1.len);
	free(o1.buf);
	free(o2.buf);
	memfs_data_put(d);
}

static void test_finish_writes_two_zero_blocks(void **state)
{
	struct out o;
	size_t i;

	write_tar(NULL, 0, &o);
	assert_int_equal(o.len, 1024);
	for (i = 0; i < o.len; i++)
		assert_int_equal(o.buf[i], 0);
	free(o.buf);
}

static void test_huge_device_number_fails(void **state)
{
	struct entry ent = {
		.type = ENTRY_CHR, .path = "dev/x", .pathlen = 5,
		.mode = 0600, .rdev = makedev(1u << 22, 0),
	};
	struct err e = { 0 };

	assert_int_equal(write_bad(&ent, &e), -EOVERFLOW);
	assert_int_equal(e.code, -EOVERFLOW);
	assert_string_equal(e.entry, "dev/x");
	assert_non_null(strstr(e.msg, "device number"));
}

static void test_bad_nsec_fails(void **state)
{
	struct entry ent = {
		.type = ENTRY_DIR, .path = "d", .pathlen = 1, .mode = 0755,
		.mtime = { 0, 1000000000 },
	};
	struct err e = { 0 };

	assert_int_equal(write_bad(&ent, &e), -EINVAL);
	assert_string_equal(e.entry, "d");
}

static void test_xattr_name_with_equals_fails(void **state)
{
	struct memfs_xattr xs[] = {
		{ .name = "user.a=b", .value = (unsigned char *)"v", .len = 1 },
	};
	struct entry ent = {
		.type = ENTRY_DIR, .path = "d", .pathlen = 1, .mode = 0755,
		.xattrs = xs, .nxattrs = 1,
	};
	struct err e = { 0 };

	assert_int_equal(write_bad(&ent, &e), -EINVAL);
	assert_string_equal(e.entry, "d");
}

static void test_short_source_fails(void **state)
{
	char path[128];
	struct memfs_src *src;
	struct memfs_data *d;
	struct entry ent = {
		.type = ENTRY_FILE, .path = "f", .pathlen = 1, .mode = 0644,
	};
	struct err e = { 0 };
	int fd;

	snprintf(path, sizeof(path), "%s/short", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_int_equal(write(fd, "abc", 3), 3);
	src = memfs_src_fd(fd, 3);
	d = memfs_data_new(10, 1);
	memfs_data_push(d, 0, 10, src, 0);	/* more than the file has */
	memfs_src_put(src);
	ent.data = d;
	assert_int_equal(write_bad(&ent, &e), -EIO);
	assert_int_equal(e.code, -EIO);
	assert_string_equal(e.entry, "f");
	memfs_data_put(d);
}

static void test_overlapping_extents_fail(void **state)
{
	struct memfs_src *src = memfs_src_mem("abcdef", 6);
	struct memfs_data *d = memfs_data_new(10, 2);
	struct entry ent = {
		.type = ENTRY_FILE, .path = "f", .pathlen = 1, .mode = 0644,
	};
	struct err e = { 0 };

	memfs_data_push(d, 0, 6, src, 0);
	memfs_data_push(d, 4, 6, src, 0);	/* breaks the invariant */
	memfs_src_put(src);
	ent.data = d;
	assert_int_equal(write_bad(&ent, &e), -EINVAL);
	assert_string_equal(e.entry, "f");
	assert_non_null(strstr(e.msg, "extents"));
	memfs_data_put(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_header_fields),
		cmocka_unit_test(test_directory_gets_trailing_slash),
		cmocka_unit_test(test_long_path_split_into_prefix),
		cmocka_unit_test(test_long_path_uses_pax),
		cmocka_unit_test(test_long_link_names),
		cmocka_unit_test(test_short_links),
		cmocka_unit_test(test_large_ids_use_pax),
		cmocka_unit_test(test_nsec_mtime_uses_pax),
		cmocka_unit_test(test_negative_mtime_uses_pax),
		cmocka_unit_test(test_huge_mtime_uses_pax),
		cmocka_unit_test(test_xattrs_binary_exact),
		cmocka_unit_test(test_devices_and_fifo),
		cmocka_unit_test(test_content_with_holes_from_fd_and_memory),
		cmocka_unit_test(test_compressed_output_matches_plain),
		cmocka_unit_test(test_same_entries_same_bytes),
		cmocka_unit_test(test_finish_writes_two_zero_blocks),
		cmocka_unit_test(test_huge_device_number_fails),
		cmocka_unit_test(test_bad_nsec_fails),
		cmocka_unit_test(test_xattr_name_with_equals_fails),
		cmocka_unit_test(test_short_source_fails),
		cmocka_unit_test(test_overlapping_extents_fail),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
