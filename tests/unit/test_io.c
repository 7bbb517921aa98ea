/*
 * test_io: base/io.c. Exact writes and preads, the kernel copy and its
 * fallbacks (to a file at its position and at offsets, to a pipe, a
 * source that ends early), where spool files go ($TMPDIR set, empty,
 * unset), and whole-file reads of regular files, pipes and directories.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/io.h"

#define BIG (300u << 10)	/* more than a pipe holds */

/* An unlinked temporary file holding len bytes of pattern. */
static int pattern_file(size_t len)
{
	char path[] = "/tmp/test_io.XXXXXX";
	int fd = mkstemp(path);
	unsigned char *b = malloc(len ? len : 1);

	assert_true(fd >= 0);
	assert_non_null(b);
	unlink(path);
	for (size_t i = 0; i < len; i++)
		b[i] = (unsigned char)(i * 7 + i / 251);
	assert_int_equal(io_write_all(fd, b, len), 0);
	free(b);
	return fd;
}

static void check_pattern(const unsigned char *b, size_t len, size_t from)
{
	for (size_t i = 0; i < len; i++)
		if (b[i] != (unsigned char)((from + i) * 7 + (from + i) / 251))
			fail_msg("byte %zu differs", from + i);
}

static void test_write_pread(void **state)
{
	int fd = pattern_file(BIG);
	unsigned char *b = malloc(BIG);
	int dn = open("/dev/full", O_WRONLY | O_CLOEXEC);
	int p[2];

	assert_non_null(b);
	assert_int_equal(io_pread_all(fd, b, BIG, 0), 0);
	check_pattern(b, BIG, 0);
	assert_int_equal(io_pread_all(fd, b, 10, BIG - 10), 0);
	check_pattern(b, 10, BIG - 10);
	/* the file ends first: -EIO, not a short count */
	assert_int_equal(io_pread_all(fd, b, 11, BIG - 10), -EIO);
	assert_int_equal(io_pread_all(fd, b, 1, (uint64_t)INT64_MAX + 1),
			 -EINVAL);
	assert_int_equal(io_pread_all(fd, b, 0, BIG), 0);
	/* pwrite at an offset leaves the position and a hole */
	assert_int_equal(io_pwrite_all(fd, "xyz", 3, BIG + 100), 0);
	assert_int_equal(lseek(fd, 0, SEEK_CUR), BIG);
	assert_int_equal(io_pread_all(fd, b, 103, BIG), 0);
	for (int i = 0; i < 100; i++)
		assert_int_equal(b[i], 0);
	assert_memory_equal(b + 100, "xyz", 3);
	if (dn >= 0) {
		assert_int_equal(io_write_all(dn, "a", 1), -ENOSPC);
		close(dn);
	}
	assert_int_equal(pipe(p), 0);
	assert_int_equal(io_pread_all(p[0], b, 1, 0), -ESPIPE);
	close(p[0]);
	assert_int_equal(io_write_all(p[1], "a", 1), -EPIPE);
	close(p[1]);
	close(fd);
	free(b);
}

/* Copies [in_off, in_off + len) of a pattern file under kernel state st. */
static void copy_case(struct io_copy st, bool at_pos)
{
	int in = pattern_file(BIG);
	int out = pattern_file(0);
	unsigned char *b = malloc(BIG), buf[4096];

	assert_non_null(b);
	if (at_pos) {
		assert_int_equal(io_write_all(out, "head", 4), 0);
		assert_int_equal(io_copy(in, 1000, out, IO_AT_POS, BIG - 1000,
					 &st, buf, sizeof(buf)), 0);
		assert_int_equal(lseek(out, 0, SEEK_CUR), 4 + BIG - 1000);
		assert_int_equal(io_pread_all(out, b, 4, 0), 0);
		assert_memory_equal(b, "head", 4);
		assert_int_equal(io_pread_all(out, b, BIG - 1000, 4), 0);
		check_pattern(b, BIG - 1000, 1000);
	} else {
		/* at an offset: a hole before, the position untouched */
		assert_int_equal(io_copy(in, 5, out, 8192, 70000, &st, buf,
					 sizeof(buf)), 0);
		assert_int_equal(lseek(out, 0, SEEK_CUR), 0);
		assert_int_equal(lseek(out, 0, SEEK_END), 8192 + 70000);
		assert_int_equal(io_pread_all(out, b, 8192 + 70000, 0), 0);
		for (size_t i = 0; i < 8192; i++)
			assert_int_equal(b[i], 0);
		check_pattern(b + 8192, 70000, 5);
	}
	/* the source ends early: found by pread, -EIO */
	assert_int_equal(io_copy(in, BIG - 10, out, IO_AT_POS, 11, &st, buf,
				 sizeof(buf)), -EIO);
	assert_int_equal(io_copy(in, 1, out, 0, (uint64_t)INT64_MAX, &st, buf,
				 sizeof(buf)), -EINVAL);
	close(in);
	close(out);
	free(b);
}

static void test_copy_file(void **state)
{
	copy_case((struct io_copy){ 0 }, true);
	copy_case((struct io_copy){ 0 }, false);
	copy_case((struct io_copy){ .no_cfr = true }, true);
	copy_case((struct io_copy){ .no_cfr = true, .no_sendfile = true },
		  true);
	copy_case((struct io_copy){ .no_cfr = true, .no_sendfile = true },
		  false);
}

/* Without a buffer of the caller's, the fallback allocates its own. */
static void test_copy_own_buffer(void **state)
{
	struct io_copy st = { .no_cfr = true, .no_sendfile = true };
	int in = pattern_file(BIG), out = pattern_file(0);
	unsigned char *b = malloc(BIG);

	assert_non_null(b);
	assert_int_equal(io_copy(in, 0, out, IO_AT_POS, BIG, &st, NULL, 4096),
			 0);
	assert_int_equal(io_pread_all(out, b, BIG, 0), 0);
	check_pattern(b, BIG, 0);
	assert_int_equal(io_copy(in, 1, out, 0, BIG, &st, NULL, 4096), -EIO);
	close(in);
	close(out);
	free(b);
}

struct drain {
	int fd;
	size_t got;
	unsigned char *b;
};

static void *drain_main(void *arg)
{
	struct drain *d = arg;
	ssize_t n;

	while ((n = read(d->fd, d->b + d->got, BIG + 1 - d->got)) > 0)
		d->got += (size_t)n;
	return NULL;
}

/* To a pipe: copy_file_range refuses it, sendfile or write take over. */
static void test_copy_pipe(void **state)
{
	int in = pattern_file(BIG);
	struct io_copy st = { 0 };
	struct drain d = { .b = malloc(BIG + 1) };
	unsigned char buf[4096];
	pthread_t t;
	int p[2];

	assert_non_null(d.b);
	assert_int_equal(pipe(p), 0);
	d.fd = p[0];
	assert_int_equal(pthread_create(&t, NULL, drain_main, &d), 0);
	assert_int_equal(io_copy(in, 0, p[1], IO_AT_POS, BIG, &st, buf,
				 sizeof(buf)), 0);
	close(p[1]);
	pthread_join(t, NULL);
	assert_int_equal(d.got, BIG);
	check_pattern(d.b, BIG, 0);
	/* a pipe cannot be written at an offset */
	assert_int_equal(pipe(p), 0);
	st = (struct io_copy){ 0 };
	assert_int_equal(io_copy(in, 0, p[1], 0, 10, &st, buf, sizeof(buf)),
			 -ESPIPE);
	close(p[0]);
	close(p[1]);
	close(in);
	free(d.b);
}

/* The directory an open fd's file is in, from /proc/self/fd. */
static void assert_in_dir(int fd, const char *dir)
{
	char link[64], target[4096];
	ssize_t n;
	struct stat st;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = 0;
	if (strncmp(target, dir, strlen(dir)) || target[strlen(dir)] != '/')
		fail_msg("spool file '%s' is not in '%s'", target, dir);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_nlink, 0);	/* unlinked */
}

static void test_spool(void **state)
{
	char dir[] = "/tmp/test_io_spool.XXXXXX";
	char *old = getenv("TMPDIR") ? strdup(getenv("TMPDIR")) : NULL;
	int fd;

	assert_non_null(mkdtemp(dir));
	unsetenv("TMPDIR");
	assert_string_equal(io_spool_dir(NULL), "/var/tmp");
	assert_string_equal(io_spool_dir(""), "/var/tmp");
	assert_string_equal(io_spool_dir(dir), dir);
	/* an empty TMPDIR is unset (POSIX XBD 8.3), not the current dir */
	setenv("TMPDIR", "", 1);
	assert_string_equal(io_spool_dir(NULL), "/var/tmp");
	fd = io_spool_open(NULL);
	assert_true(fd >= 0);
	assert_in_dir(fd, "/var/tmp");
	close(fd);
	setenv("TMPDIR", dir, 1);
	assert_string_equal(io_spool_dir(NULL), dir);
	assert_string_equal(io_spool_dir(""), dir);
	assert_string_equal(io_spool_dir("/elsewhere"), "/elsewhere");
	fd = io_spool_open("");
	assert_true(fd >= 0);
	assert_in_dir(fd, dir);
	assert_int_equal(io_write_all(fd, "spool", 5), 0);
	close(fd);
	assert_int_equal(io_spool_open("/nonexistent/overtar"), -ENOENT);
	if (old)
		setenv("TMPDIR", old, 1);
	else
		unsetenv("TMPDIR");
	free(old);
	assert_int_equal(rmdir(dir), 0);	/* nothing was left in it */
}

struct feed {
	int fd;
	size_t len;
};

static void *feed_main(void *arg)
{
	struct feed *f = arg;
	char b[4096];

	memset(b, 'a', sizeof(b));
	for (size_t done = 0; done < f->len;) {
		size_t n = f->len - done < sizeof(b) ? f->len - done
						     : sizeof(b);

		if (io_write_all(f->fd, b, n))
			break;
		done += n;
	}
	close(f->fd);
	return NULL;
}

/* io_read_file of a pipe's read end fed len bytes, by /proc/self/fd. */
static int read_pipe(size_t len, size_t max, char **buf, size_t *got)
{
	struct feed f = { .len = len };
	char path[64];
	pthread_t t;
	int p[2], rc;

	assert_int_equal(pipe(p), 0);
	f.fd = p[1];
	assert_int_equal(pthread_create(&t, NULL, feed_main, &f), 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", p[0]);
	rc = io_read_file(path, max, buf, got);
	close(p[0]);	/* a refused read leaves the writer an EPIPE */
	pthread_join(t, NULL);
	return rc;
}

static void test_read_file(void **state)
{
	char path[] = "/tmp/test_io_read.XXXXXX";
	int fd = mkstemp(path);
	char *buf = (char *)1;
	size_t len = 0;

	assert_true(fd >= 0);
	assert_int_equal(io_write_all(fd, "hello", 5), 0);
	close(fd);
	assert_int_equal(io_read_file(path, 5, &buf, &len), 0);
	assert_int_equal(len, 5);
	assert_string_equal(buf, "hello");	/* NUL-terminated */
	free(buf);
	assert_int_equal(io_read_file(path, 4, &buf, &len), -EFBIG);
	assert_null(buf);
	truncate(path, 0);
	assert_int_equal(io_read_file(path, 0, &buf, &len), 0);
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
	free(buf);
	unlink(path);
	assert_int_equal(io_read_file(path, 10, &buf, &len), -ENOENT);
	assert_int_equal(io_read_file("/tmp", 10, &buf, &len), -EISDIR);
	assert_null(buf);
	/* a pipe: read to its end, more than one pipe buffer */
	assert_int_equal(read_pipe(BIG, BIG, &buf, &len), 0);
	assert_int_equal(len, BIG);
	assert_int_equal(buf[0], 'a');
	assert_int_equal(buf[BIG - 1], 'a');
	assert_int_equal(buf[BIG], 0);
	free(buf);
	assert_int_equal(read_pipe(0, 10, &buf, &len), 0);
	assert_int_equal(len, 0);
	free(buf);
	assert_int_equal(read_pipe(BIG, BIG - 1, &buf, &len), -EFBIG);
	assert_null(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_pread),
		cmocka_unit_test(test_copy_file),
		cmocka_unit_test(test_copy_own_buffer),
		cmocka_unit_test(test_copy_pipe),
		cmocka_unit_test(test_spool),
		cmocka_unit_test(test_read_file),
	};

	signal(SIGPIPE, SIG_IGN);	/* EPIPE is what the tests look at */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
