/*
 * test_image: the pieces of image/ that need no image on disk: digests
 * (parse, format, the FIPS 180-2 vectors), references, the config made
 * for a new image, and the digest sink (layers/sink.h opts.digest) whose
 * sums name blobs.
 */
#include <errno.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/io.h"
#include "image/image_impl.h"
#include "layers/sink.h"

/* FIPS 180-2 appendix B.1: SHA-256("abc") */
static const char abc_hex[] =
	"sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

static void sha256_known_vector(void **state)
{
	unsigned char d[32];
	char s[72];

	image_sha256("abc", 3, d);
	assert_string_equal(image_digest_str(d, s), abc_hex);
}

static void digest_parse_round_trip(void **state)
{
	unsigned char d[32];
	char s[72];

	assert_int_equal(image_digest_parse(abc_hex, d), 0);
	assert_string_equal(image_digest_str(d, s), abc_hex);
}

static void digest_parse_rejects(void **state)
{
	unsigned char d[32];

	assert_int_equal(image_digest_parse("sha512:00", d), -ENOTSUP);
	assert_int_equal(image_digest_parse("sha256:abc", d), -EINVAL);
	assert_int_equal(image_digest_parse("nocolon", d), -EINVAL);
	/* descriptor.md: sha256 hex is lowercase */
	assert_int_equal(image_digest_parse("sha256:BA7816BF8F01CFEA414140DE"
		"5DAE2223B00361A396177A9CB410FF61F20015AD", d), -EINVAL);
}

static void spec_split(void **state)
{
	char *path, *ref;

	assert_int_equal(image_spec_split("dir:tag", &path, &ref), 0);
	assert_string_equal(path, "dir");
	assert_string_equal(ref, "tag");
	free(path);
	free(ref);
	assert_int_equal(image_spec_split("a.tar:name:v1", &path, &ref), 0);
	assert_string_equal(path, "a.tar");
	assert_string_equal(ref, "name:v1");
	free(path);
	free(ref);
	assert_int_equal(image_spec_split("dir", &path, &ref), 0);
	assert_null(ref);
	free(path);
	assert_int_equal(image_spec_split(":x", &path, &ref), -EINVAL);
	assert_true(image_is_spec("oci:x"));
	assert_true(image_is_spec("docker-archive:x"));
	assert_false(image_is_spec("x.tar"));
	assert_false(image_is_spec("dir:x"));	/* a tree, not an image */
}

static void config_keeps_fields_and_squashes_history(void **state)
{
	static const char cfg[] =
		"{\"architecture\":\"arm64\",\"os\":\"linux\","
		"\"config\":{\"Env\":[\"A=1\"],\"Entrypoint\":[\"/e\"]},"
		"\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"x\",\"y\"]},"
		"\"history\":[{\"created_by\":\"one\"},"
		"{\"created_by\":\"two\"}]}";
	struct image base = { 0 };
	struct image_layer layers[2];
	unsigned char id[1][32];
	struct image_out_opts o = { .created = { 1700000000, 0 },
				    .created_by = "overtar flatten",
				    .base = &base };
	json_t *j, *plat;
	char *s, d[72];
	size_t len;

	memset(layers, 0, sizeof(layers));
	base.layers = layers;
	base.nlayers = 2;
	assert_int_equal(image_json_parse(cfg, strlen(cfg), &base.config,
					  NULL), 0);
	memset(id[0], 0xab, 32);
	assert_int_equal(image_config_make(&o, (const unsigned char (*)[32])id,
					   1, &s, &len, &plat), 0);
	/* the platform of the config written, for the index */
	assert_string_equal(json_string_value(json_object_get(plat,
		"architecture")), "arm64");
	assert_string_equal(json_string_value(json_object_get(plat, "os")),
			    "linux");
	assert_int_equal(json_object_size(plat), 2);
	json_decref(plat);
	assert_int_equal(image_json_parse(s, len, &j, NULL), 0);
	assert_string_equal(json_string_value(json_object_get(j, "created")),
			    "2023-11-14T22:13:20Z");
	assert_string_equal(json_string_value(json_array_get(json_object_get(
		json_object_get(j, "config"), "Env"), 0)), "A=1");
	assert_string_equal(json_string_value(json_object_get(j,
		"architecture")), "arm64");
	json_t *ids = json_object_get(json_object_get(j, "rootfs"), "diff_ids");
	assert_int_equal(json_array_size(ids), 1);
	assert_string_equal(json_string_value(json_array_get(ids, 0)),
			    image_digest_str(id[0], d));
	json_t *h = json_object_get(j, "history");
	assert_int_equal(json_array_size(h), 3);
	assert_true(json_is_true(json_object_get(json_array_get(h, 0),
						 "empty_layer")));
	assert_null(json_object_get(json_array_get(h, 2), "empty_layer"));
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(h, 2), "created_by")), "overtar flatten");
	/* the same inputs give the same bytes */
	char *s2;
	size_t len2;
	assert_int_equal(image_config_make(&o, (const unsigned char (*)[32])id,
					   1, &s2, &len2, NULL), 0);
	assert_int_equal(len, len2);
	assert_memory_equal(s, s2, len);
	free(s);
	free(s2);
	json_decref(j);
	json_decref(base.config);
}

static void digest_sink_sums(void **state)
{
	char dir[] = "/tmp/test_image.XXXXXX", path[64];
	static const enum sink_comp comps[] = { SINK_NONE, SINK_GZIP,
						SINK_ZSTD };
	unsigned char want[32];
	struct sink_sums sums;
	struct sink *s;
	struct err e;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/blob", dir);
	image_sha256("abc", 3, want);
	for (size_t i = 0; i < 3; i++) {
		struct sink_opts so = { .comp = comps[i], .digest = true };
		char *buf;
		size_t len;
		unsigned char got[32];

		err_clear(&e);
		assert_int_equal(sink_open(path, &so, &s, &e), 0);
		assert_int_equal(sink_write(s, "abc", 3), 0);
		assert_int_equal(sink_end(s, &sums, &e), 0);
		assert_memory_equal(sums.in_sha256, want, 32);
		assert_int_equal(sums.in_size, 3);
		assert_int_equal(sink_commit_as(s, path, &e), 0);
		assert_int_equal(io_read_file(path, 1 << 20, &buf, &len), 0);
		assert_int_equal(len, sums.out_size);
		image_sha256(buf, len, got);
		assert_memory_equal(got, sums.out_sha256, 32);
		free(buf);
		unlink(path);
	}
	/* a digest needs a file */
	struct sink_opts so = { .digest = true };
	err_clear(&e);
	assert_int_equal(sink_open(NULL, &so, &s, &e), -EINVAL);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sha256_known_vector),
		cmocka_unit_test(digest_parse_round_trip),
		cmocka_unit_test(digest_parse_rejects),
		cmocka_unit_test(spec_split),
		cmocka_unit_test(config_keeps_fields_and_squashes_history),
		cmocka_unit_test(digest_sink_sums),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
