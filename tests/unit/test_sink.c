/*
 * test_sink: the output sink. Temporary file and rename, cleanup, errors,
 * copies from fd and memory sources, and gzip/zstd output that decompresses
 * to the input and is the same bytes for every thread count.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>
#include <zlib.h>
#include <zstd.h>

#include <cmocka.h>

#include "layers/memfs.h"
#include "layers/sink.h"

struct fx {
	char dir[64];
	char out[128];
};

static int rm_one(const char *p, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	return remove(p);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->dir, "/tmp/test_sink.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->out, sizeof(f->out), "%s/out.tar", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	nftw(f->dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* Whole file into a new buffer; *len its size. NULL if it cannot be read. */
static unsigned char *slurp(const char *path, size_t *len)
{
	struct stat st;
	unsigned char *buf;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return NULL;
	assert_int_equal(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	assert_non_null(buf);
	assert_int_equal(read(fd, buf, (size_t)st.st_size), st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

static void put_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* Pseudo-random stretches alternating with compressible text. */
static unsigned char *gen(size_t len, uint32_t seed)
{
	unsigned char *p = malloc(len);
	uint32_t x = seed | 1;
	size_t i;

	assert_non_null(p);
	for (i = 0; i < len; i++) {
		if ((i / 3000) % 3 == 0) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			p[i] = (unsigned char)x;
		} else {
			p[i] = "the quick brown fox jumps\n"[(i * 7 / 5) % 26];
		}
	}
	return p;
}

static unsigned char *gunzip(const unsigned char *in, size_t len,
			     size_t *outlen)
{
	z_stream zs = { 0 };
	size_t cap = 1 << 20;
	unsigned char *out = malloc(cap);
	int ret;

	assert_int_equal(inflateInit2(&zs, 31), Z_OK);
	zs.next_in = (unsigned char *)in;
	zs.avail_in = (uInt)len;
	do {
		if (zs.total_out == cap) {
			cap *= 2;
			out = realloc(out, cap);
		}
		zs.next_out = out + zs.total_out;
		zs.avail_out = (uInt)(cap - zs.total_out);
		ret = inflate(&zs, Z_NO_FLUSH);
		assert_true(ret == Z_OK || ret == Z_STREAM_END);
	} while (ret != Z_STREAM_END);
	assert_int_equal(zs.avail_in, 0);	/* one member, nothing after */
	*outlen = zs.total_out;
	inflateEnd(&zs);
	return out;
}

static unsigned char *unzstd(const unsigned char *in, size_t len,
			     size_t *outlen)
{
	unsigned long long n = ZSTD_getFrameContentSize(in, len);
	size_t cap = n != ZSTD_CONTENTSIZE_UNKNOWN &&
			     n != ZSTD_CONTENTSIZE_ERROR ? (size_t)n + 1 : 64 << 20;
	ZSTD_DStream *ds = ZSTD_createDStream();
	ZSTD_inBuffer ib = { in, len, 0 };
	ZSTD_outBuffer ob;
	unsigned char *out = malloc(cap);
	size_t r;

	ob = (ZSTD_outBuffer){ out, cap, 0 };
	do {
		r = ZSTD_decompressStream(ds, &ob, &ib);
		assert_false(ZSTD_isError(r));
		assert_true(ob.pos < cap);
	} while (r != 0);
	assert_int_equal(ib.pos, len);
	ZSTD_freeDStream(ds);
	*outlen = ob.pos;
	return out;
}

static void test_comp_from_name(void **state)
{
	assert_int_equal(sink_comp_from_name("a.tar.gz"), SINK_GZIP);
	assert_int_equal(sink_comp_from_name("a.tgz"), SINK_GZIP);
	assert_int_equal(sink_comp_from_name("x.gz"), SINK_GZIP);
	assert_int_equal(sink_comp_from_name("a.tar.zst"), SINK_ZSTD);
	assert_int_equal(sink_comp_from_name("a.tzst"), SINK_ZSTD);
	assert_int_equal(sink_comp_from_name("x.zst"), SINK_ZSTD);
	assert_int_equal(sink_comp_from_name("a.tar"), SINK_NONE);
	assert_int_equal(sink_comp_from_name("gz"), SINK_NONE);
	assert_int_equal(sink_comp_from_name("a.tar.gzip"), SINK_NONE);
	assert_int_equal(sink_comp_from_name(NULL), SINK_NONE);
}

static void test_commit_writes_file_with_umask_mode(void **state)
{
	struct fx *f = *state;
	struct sink_opts o = { 0 };
	struct sink *s;
	struct err e = { 0 };
	unsigned char *got;
	struct stat st;
	size_t len;
	mode_t old = umask(027);

	assert_int_equal(sink_open(f->out, &o, &s, &e), 0);
	assert_int_equal(access(f->out, F_OK), -1);	/* not before commit */
	assert_int_equal(sink_write(s, "hello ", 6), 0);
	assert_int_equal(sink_write(s, "world", 5), 0);
	assert_int_equal(sink_commit(s, &e), 0);
	umask(old);
	got = slurp(f->out, &len);
	assert_non_null(got);
	assert_int_equal(len, 11);
	assert_memory_equal(got, "hello world", 11);
	assert_int_equal(stat(f->out, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(count_entries(f->dir), 1);	/* no temp left */
	free(got);
}

static void test_commit_replaces_existing(void **state)
{
	struct fx *f = *state;
	struct sink *s;
	struct err e = { 0 };
	unsigned char *got;
	size_t len;

	put_file(f->out, "old contents", 12);
	assert_int_equal(sink_open(f->out, NULL, &s, &e), 0);
	assert_int_equal(sink_write(s, "new", 3), 0);
	got = slurp(f->out, &len);
	assert_int_equal(len, 12);	/* untouched until commit */
	free(got);
	assert_int_equal(sink_commit(s, &e), 0);
	got = slurp(f->out, &len);
	assert_int_equal(len, 3);
	assert_memory_equal(got, "new", 3);
	free(got);
}

static void test_abort_preserves_existing(void **state)
{
	struct fx *f = *state;
	struct sink *s;
	struct err e = { 0 };
	unsigned char *got;
	size_t len;

	put_file(f->out, "old contents", 12);
	assert_int_equal(sink_open(f->out, NULL, &s, &e), 0);
	assert_int_equal(sink_write(s, "new", 3), 0);
	assert_int_equal(count_entries(f->dir), 2);
	sink_abort(s);
	assert_int_equal(count_entries(f->dir), 1);
	got = slurp(f->out, &len);
	assert_int_equal(len, 12);
	assert_memory_equal(got, "old contents", 12);
	free(got);
	sink_abort(NULL);
}

static void test_abort_leaves_no_file(void **state)
{
	struct fx *f = *state;
	struct sink_opts o = { .comp = SINK_GZIP, .threads = 2 };
	struct sink *s;
	struct err e = { 0 };

	assert_int_equal(sink_open(f->out, &o, &s, &e), 0);
	assert_int_equal(sink_write(s, "data", 4), 0);
	sink_abort(s);
	assert_int_equal(count_entries(f->dir), 0);
}

static void test_cleanup_all_removes_temps(void **state)
{
	struct fx *f = *state;
	char other[160];
	struct sink *a, *b;
	struct err e = { 0 };
	DIR *d;
	struct dirent *de;

	snprintf(other, sizeof(other), "%s/other.tar", f->dir);
	assert_int_equal(sink_open(f->out, NULL, &a, &e), 0);
	assert_int_equal(sink_open(other, NULL, &b, &e), 0);
	assert_int_equal(count_entries(f->dir), 2);
	d = opendir(f->dir);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			assert_true(!strncmp(de->d_name, ".out.tar.", 9) ||
				    !strncmp(de->d_name, ".other.tar.", 11));
	closedir(d);
	sink_cleanup_all();
	assert_int_equal(count_entries(f->dir), 0);
	sink_abort(a);
	sink_abort(b);
}

static void test_open_missing_dir_fails(void **state)
{
	struct fx *f = *state;
	char path[160];
	struct sink *s = (struct sink *)1;
	struct err e = { 0 };

	snprintf(path, sizeof(path), "%s/no/such/out.tar", f->dir);
	assert_int_equal(sink_open(path, NULL, &s, &e), -ENOENT);
	assert_null(s);
	assert_int_equal(e.code, -ENOENT);
	assert_string_equal(e.kind, "output");
	assert_string_equal(e.file, path);
}

static void test_open_directory_path_fails(void **state)
{
	struct fx *f = *state;
	char path[160];
	struct sink *s;
	struct err e = { 0 };

	snprintf(path, sizeof(path), "%s/", f->dir);
	assert_int_equal(sink_open(path, NULL, &s, &e), -EISDIR);
}

static void test_open_bad_level_fails(void **state)
{
	struct fx *f = *state;
	struct sink_opts gz = { .comp = SINK_GZIP, .level = 10 };
	struct sink_opts zs = { .comp = SINK_ZSTD, .level = 1000 };
	struct sink_opts th = { .comp = SINK_NONE, .threads = -1 };
	struct sink *s;
	struct err e = { 0 };

	assert_int_equal(sink_open(f->out, &gz, &s, &e), -EINVAL);
	err_clear(&e);
	assert_int_equal(sink_open(f->out, &zs, &s, &e), -EINVAL);
	err_clear(&e);
	assert_int_equal(sink_open(f->out, &th, &s, &e), -EINVAL);
	assert_int_equal(count_entries(f->dir), 0);
}

/* Runs fn with standard output redirected to fd. */
static int with_stdout(int fd, int (*fn)(void *), void *arg)
{
	int saved = dup(STDOUT_FILENO), r;

	fflush(stdout);
	dup2(fd, STDOUT_FILENO);
	r = fn(arg);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	return r;
}

static int full_small(void *arg)
{
	struct err *e = arg;
	struct sink *s;
	int r;

	assert_int_equal(sink_open(NULL, NULL, &s, e), 0);
	assert_int_equal(sink_write(s, "x", 1), 0);	/* buffered */
	r = sink_commit(s, e);
	return r;
}

static int full_big(void *arg)
{
	struct err *e = arg;
	struct sink *s;
	size_t n = 3 << 20;
	char *big = calloc(1, n);

	assert_int_equal(sink_open(NULL, NULL, &s, e), 0);
	assert_int_equal(sink_write(s, big, n), -ENOSPC);
	assert_int_equal(sink_write(s, "x", 1), -ENOSPC);	/* recorded */
	free(big);
	return sink_commit(s, e);
}

static void test_write_error_reported(void **state)
{
	struct err e = { 0 };
	int fd = open("/dev/full", O_WRONLY);

	assert_true(fd >= 0);
	assert_int_equal(with_stdout(fd, full_small, &e), -ENOSPC);
	assert_int_equal(e.code, -ENOSPC);
	assert_string_equal(e.kind, "output");
	assert_string_equal(e.file, "-");
	assert_non_null(strstr(e.msg, "cannot write"));
	err_clear(&e);
	assert_int_equal(with_stdout(fd, full_big, &e), -ENOSPC);
	assert_int_equal(e.code, -ENOSPC);
	close(fd);
}

/*
 * sink.h's ownership rule: sink_end never frees the sink, on success or
 * failure; commit, commit_as and abort always do (ASan would see a double
 * free or a leak). A failed end says the same again.
 */
static void test_end_keeps_the_sink(void **state)
{
	struct fx *f = *state;
	struct sink_opts o = { .comp = SINK_GZIP, .threads = 2 };
	struct sink_sums sums;
	struct sink *s;
	struct err e = { 0 };

	/* plain: nothing is written before the end (gzip's header is) */
	for (int how = 0; how < 2; how++) {
		assert_int_equal(sink_open("/dev/full", NULL, &s, &e), 0);
		assert_int_equal(sink_write(s, "abc", 3), 0);
		assert_int_equal(sink_end(s, &sums, &e), -ENOSPC);
		assert_non_null(strstr(e.msg, "cannot write"));
		err_clear(&e);
		assert_int_equal(sink_end(s, &sums, &e), -ENOSPC);
		if (how)
			assert_int_equal(sink_commit_as(s, f->out, &e), -ENOSPC);
		else
			sink_abort(s);
		assert_int_equal(access(f->out, F_OK), -1);
	}
	/* a successful end renames nothing: abort still leaves no file */
	assert_int_equal(sink_open(f->out, &o, &s, &e), 0);
	assert_int_equal(sink_write(s, "abc", 3), 0);
	assert_int_equal(sink_end(s, &sums, &e), 0);
	assert_int_equal(sink_end(s, &sums, &e), 0);
	sink_abort(s);
	assert_int_equal(access(f->out, F_OK), -1);
	assert_int_equal(sink_open(f->out, &o, &s, &e), 0);
	assert_int_equal(sink_end(s, NULL, &e), 0);
	assert_int_equal(sink_commit(s, &e), 0);
	assert_int_equal(access(f->out, F_OK), 0);
}

static void test_copy_from_fd(void **state)
{
	struct fx *f = *state;
	char in[160];
	size_t n = 3 << 20, len;
	unsigned char *data = gen(n, 7), *got;
	struct memfs_src src = { .refs = 1, .mem = NULL };
	struct sink *s;
	struct err e = { 0 };

	snprintf(in, sizeof(in), "%s/in", f->dir);
	put_file(in, data, n);
	src.fd = open(in, O_RDONLY);
	src.size = n;
	assert_int_equal(sink_open(f->out, NULL, &s, &e), 0);
	assert_int_equal(sink_write(s, "head", 4), 0);	/* flushed first */
	assert_int_equal(sink_copy(s, &src, 100, 1000), 0);
	assert_int_equal(sink_copy(s, &src, 0, n), 0);
	assert_int_equal(sink_copy(s, &src, 5, 0), 0);
	assert_int_equal(sink_write(s, "tail", 4), 0);
	assert_int_equal(sink_commit(s, &e), 0);
	got = slurp(f->out, &len);
	assert_int_equal(len, 4 + 1000 + n + 4);
	assert_memory_equal(got, "head", 4);
	assert_memory_equal(got + 4, data + 100, 1000);
	assert_memory_equal(got + 1004, data, n);
	assert_memory_equal(got + 1004 + n, "tail", 4);
	close(src.fd);
	free(got);
	free(data);
}

static void test_copy_past_source_end_is_eio(void **state)
{
	struct fx *f = *state;
	char in[160];
	struct memfs_src src = { .refs = 1 };
	struct sink_opts gz = { .comp = SINK_GZIP, .threads = 1 };
	struct sink *s;
	struct err e = { 0 };

	snprintf(in, sizeof(in), "%s/in", f->dir);
	put_file(in, "0123456789", 10);
	src.fd = open(in, O_RDONLY);
	src.size = 10;
	assert_int_equal(sink_open(f->out, NULL, &s, &e), 0);
	assert_int_equal(sink_copy(s, &src, 5, 6), -EIO);
	assert_int_equal(sink_write(s, "x", 1), -EIO);	/* recorded */
	assert_int_equal(sink_commit(s, &e), -EIO);
	assert_int_equal(e.code, -EIO);
	assert_int_equal(access(f->out, F_OK), -1);
	assert_int_equal(sink_open(f->out, &gz, &s, &e), 0);
	assert_int_equal(sink_copy(s, &src, 0, 11), -EIO);
	sink_abort(s);
	assert_int_equal(count_entries(f->dir), 1);	/* just "in" */
	close(src.fd);
}

static void test_copy_from_memory(void **state)
{
	struct fx *f = *state;
	static unsigned char mem[] = "abcdefghij";
	struct memfs_src src = { .refs = 1, .fd = -1, .mem = mem, .size = 10 };
	struct sink *s;
	struct err e = { 0 };
	unsigned char *got;
	size_t len;

	assert_int_equal(sink_open(f->out, NULL, &s, &e), 0);
	assert_int_equal(sink_copy(s, &src, 2, 3), 0);
	assert_int_equal(sink_copy(s, &src, 0, 10), 0);
	assert_int_equal(sink_copy(s, &src, 8, 3), -EIO);
	sink_abort(s);
	assert_int_equal(sink_open(f->out, NULL, &s, &e), 0);
	assert_int_equal(sink_copy(s, &src, 2, 3), 0);
	assert_int_equal(sink_copy(s, &src, 0, 10), 0);
	assert_int_equal(sink_commit(s, &e), 0);
	got = slurp(f->out, &len);
	assert_int_equal(len, 13);
	assert_memory_equal(got, "cdeabcdefghij", 13);
	free(got);
}

struct pipe_job {
	int fd;
	unsigned char *buf;
	size_t len, cap;
};

static void *drain_pipe(void *arg)
{
	struct pipe_job *j = arg;
	ssize_t n;

	while ((n = read(j->fd, j->buf + j->len, j->cap - j->len)) > 0)
		j->len += (size_t)n;
	return NULL;
}

struct copy_job {
	struct memfs_src *src;
	size_t n;
};

static int copy_to_stdout(void *arg)
{
	struct copy_job *c = arg;
	struct sink *s;
	struct err e = { 0 };

	assert_int_equal(sink_open(NULL, NULL, &s, &e), 0);
	assert_int_equal(sink_write(s, "<", 1), 0);
	assert_int_equal(sink_copy(s, c->src, 0, c->n), 0);
	assert_int_equal(sink_write(s, ">", 1), 0);
	return sink_commit(s, &e);
}

/* A pipe refuses copy_file_range; sendfile or read/write take over. */
static void test_copy_from_fd_to_pipe(void **state)
{
	struct fx *f = *state;
	char in[160];
	size_t n = 2 << 20;
	unsigned char *data = gen(n, 3);
	struct memfs_src src = { .refs = 1 };
	struct copy_job c = { &src, n };
	struct pipe_job j = { .cap = n + 16 };
	pthread_t th;
	int p[2];

	snprintf(in, sizeof(in), "%s/in", f->dir);
	put_file(in, data, n);
	src.fd = open(in, O_RDONLY);
	src.size = n;
	j.buf = malloc(j.cap);
	assert_int_equal(pipe(p), 0);
	j.fd = p[0];
	pthread_create(&th, NULL, drain_pipe, &j);
	assert_int_equal(with_stdout(p[1], copy_to_stdout, &c), 0);
	close(p[1]);
	pthread_join(th, NULL);
	close(p[0]);
	assert_int_equal(j.len, n + 2);
	assert_int_equal(j.buf[0], '<');
	assert_memory_equal(j.buf + 1, data, n);
	assert_int_equal(j.buf[n + 1], '>');
	close(src.fd);
	free(j.buf);
	free(data);
}

/*
 * Writes data through a sink with the given options, in uneven pieces,
 * some of it by sink_copy from an fd; returns the output file's bytes.
 */
static unsigned char *compress_with(struct fx *f, const struct sink_opts *o,
				    const unsigned char *data, size_t n,
				    size_t *outlen)
{
	static const size_t pieces[] = { 1, 511, 512, 70000, 131072, 3,
					 1 << 20, 200000 };
	char in[160];
	struct memfs_src src = { .refs = 1 };
	struct sink *s;
	struct err e = { 0 };
	size_t off = 0, k, i = 0;
	unsigned char *got;

	snprintf(in, sizeof(in), "%s/in", f->dir);
	put_file(in, data, n);
	src.fd = open(in, O_RDONLY);
	src.size = n;
	assert_int_equal(sink_open(f->out, o, &s, &e), 0);
	while (off < n) {
		k = pieces[i % 8];
		if (k > n - off)
			k = n - off;
		if (i++ % 3 == 2)
			assert_int_equal(sink_copy(s, &src, off, k), 0);
		else
			assert_int_equal(sink_write(s, data + off, k), 0);
		off += k;
	}
	assert_int_equal(sink_commit(s, &e), 0);
	close(src.fd);
	got = slurp(f->out, outlen);
	assert_non_null(got);
	return got;
}

static void test_gzip_header_is_fixed(void **state)
{
	struct fx *f = *state;
	static const unsigned char head[10] = { 0x1f, 0x8b, 8, 0, 0, 0,
						0, 0, 0, 255 };
	struct sink_opts o = { .comp = SINK_GZIP };
	unsigned char *z, *plain;
	size_t zlen, plen;

	z = compress_with(f, &o, (const unsigned char *)"", 0, &zlen);
	assert_true(zlen >= 20);
	assert_memory_equal(z, head, 10);
	plain = gunzip(z, zlen, &plen);
	assert_int_equal(plen, 0);
	free(plain);
	free(z);
}

static void test_gzip_round_trip_same_for_all_threads(void **state)
{
	struct fx *f = *state;
	static const int threads[] = { 1, 2, 4, 7 };
	size_t n = 5 << 20, zlen, ref_len = 0, plen;
	unsigned char *data = gen(n, 42), *z, *ref = NULL, *plain;
	char cmd[512];
	unsigned i;

	for (i = 0; i < sizeof(threads) / sizeof(threads[0]); i++) {
		struct sink_opts o = { .comp = SINK_GZIP, .threads = threads[i] };

		z = compress_with(f, &o, data, n, &zlen);
		assert_true(zlen < n);
		if (!ref) {
			ref = z;
			ref_len = zlen;
			continue;
		}
		assert_int_equal(zlen, ref_len);
		assert_memory_equal(z, ref, zlen);
		free(z);
	}
	plain = gunzip(ref, ref_len, &plen);
	assert_int_equal(plen, n);
	assert_memory_equal(plain, data, n);
	/* gzip(1) agrees, trailer included (it checks CRC and ISIZE) */
	snprintf(cmd, sizeof(cmd), "gzip -t < %s && gzip -dc < %s | cmp -s - %s/in",
		 f->out, f->out, f->dir);
	assert_int_equal(system(cmd), 0);
	free(plain);
	free(ref);
	free(data);
}

static void test_gzip_levels_decompress(void **state)
{
	struct fx *f = *state;
	size_t n = 600000, zlen, plen;
	unsigned char *data = gen(n, 5), *z, *plain;
	int level;

	for (level = 1; level <= 9; level += 8) {
		struct sink_opts o = { .comp = SINK_GZIP, .level = level,
				       .threads = 3 };

		z = compress_with(f, &o, data, n, &zlen);
		plain = gunzip(z, zlen, &plen);
		assert_int_equal(plen, n);
		assert_memory_equal(plain, data, n);
		free(plain);
		free(z);
	}
	free(data);
}

static void test_zstd_round_trip_same_for_all_threads(void **state)
{
	struct fx *f = *state;
	static const int threads[] = { 1, 2, 4 };
	size_t n = 24 << 20, zlen, ref_len = 0, plen;
	unsigned char *data = gen(n, 9), *z, *ref = NULL, *plain;
	char cmd[512];
	unsigned i;

	for (i = 0; i < sizeof(threads) / sizeof(threads[0]); i++) {
		struct sink_opts o = { .comp = SINK_ZSTD, .threads = threads[i] };

		z = compress_with(f, &o, data, n, &zlen);
		if (!ref) {
			ref = z;
			ref_len = zlen;
			continue;
		}
		assert_int_equal(zlen, ref_len);
		assert_memory_equal(z, ref, zlen);
		free(z);
	}
	plain = unzstd(ref, ref_len, &plen);
	assert_int_equal(plen, n);
	assert_memory_equal(plain, data, n);
	snprintf(cmd, sizeof(cmd), "zstd -qdc < %s | cmp -s - %s/in", f->out,
		 f->dir);
	assert_int_equal(system(cmd), 0);
	free(plain);
	free(ref);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_comp_from_name),
		T(test_commit_writes_file_with_umask_mode),
		T(test_commit_replaces_existing),
		T(test_abort_preserves_existing),
		T(test_abort_leaves_no_file),
		T(test_cleanup_all_removes_temps),
		T(test_open_missing_dir_fails),
		T(test_open_directory_path_fails),
		T(test_open_bad_level_fails),
		T(test_write_error_reported),
		T(test_end_keeps_the_sink),
		T(test_copy_from_fd),
		T(test_copy_past_source_end_is_eio),
		T(test_copy_from_memory),
		T(test_copy_from_fd_to_pipe),
		T(test_gzip_header_is_fixed),
		T(test_gzip_round_trip_same_for_all_threads),
		T(test_gzip_levels_decompress),
		T(test_zstd_round_trip_same_for_all_threads),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
