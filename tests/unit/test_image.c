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

/* One edit of a config held as JSON text; 0 or the edit's errno. */
static int edit(json_t *cfg, json_t *ann, const char *op, const char *arg)
{
	char *argv[] = { (char *)arg, NULL };

	return image_edit(cfg, ann, op, argv, 1, NULL);
}

static const char *env_at(json_t *cfg, size_t i)
{
	return json_string_value(json_array_get(json_object_get(
		json_object_get(cfg, "config"), "Env"), i));
}

static void config_edits_env_in_place(void **state)
{
	json_t *cfg = json_loads("{\"config\":{\"Env\":[\"PATH=/bin\","
				 "\"A=1\"]}}", 0, NULL), *ann = json_object();
	struct err e;

	assert_int_equal(edit(cfg, ann, "env", "A=2"), 0);
	assert_string_equal(env_at(cfg, 1), "A=2");	/* replaced in place */
	assert_int_equal(edit(cfg, ann, "env-append", "PATH=:/opt/bin"), 0);
	assert_string_equal(env_at(cfg, 0), "PATH=/bin:/opt/bin");
	assert_int_equal(edit(cfg, ann, "env-append", "NEW=:/x"), 0);
	assert_string_equal(env_at(cfg, 2), "NEW=/x");	/* no separator */
	assert_int_equal(edit(cfg, ann, "unset-env", "A"), 0);
	assert_string_equal(env_at(cfg, 1), "NEW=/x");
	assert_int_equal(edit(cfg, ann, "unset-env", "NOPE"), 0);
	err_clear(&e);
	char *bad[] = { "NOEQ", NULL };
	assert_int_equal(image_edit(cfg, ann, "env", bad, 1, &e), -EINVAL);
	assert_string_equal(e.msg, "'NOEQ': not NAME=VALUE");
	json_decref(cfg);
	json_decref(ann);
}

static void config_edits_fields(void **state)
{
	json_t *cfg = json_object(), *ann = json_object(), *c;
	char *words[] = { "/app", "-v", NULL };

	/* a config without "config" gets one */
	assert_int_equal(image_edit(cfg, ann, "entrypoint", words, 2, NULL), 0);
	assert_int_equal(edit(cfg, ann, "expose", "53/udp"), 0);
	assert_int_equal(edit(cfg, ann, "expose", "80"), 0);
	assert_int_equal(edit(cfg, ann, "expose", "80/quic"), -EINVAL);
	assert_int_equal(edit(cfg, ann, "expose", "0"), -EINVAL);
	assert_int_equal(edit(cfg, ann, "workdir", "rel"), -EINVAL);
	assert_int_equal(edit(cfg, ann, "volume", "/data"), 0);
	assert_int_equal(edit(cfg, ann, "stop-signal", "SIGTERM"), 0);
	assert_int_equal(edit(cfg, ann, "stop-signal", "TERM"), 0);
	assert_int_equal(edit(cfg, ann, "stop-signal", "9"), 0);
	assert_int_equal(edit(cfg, ann, "stop-signal", "SIGNOPE"), -EINVAL);
	assert_int_equal(edit(cfg, ann, "user", "a:b:c"), -EINVAL);
	assert_int_equal(edit(cfg, ann, "label", "k=v"), 0);
	assert_int_equal(edit(cfg, ann, "annotation", "k=v"), 0);
	assert_int_equal(edit(cfg, ann, "unset-label", "k"), 0);
	assert_int_equal(edit(cfg, ann, "nope", "x"), -EINVAL);
	c = json_object_get(cfg, "config");
	assert_string_equal(json_string_value(json_array_get(json_object_get(
		c, "Entrypoint"), 1)), "-v");
	assert_non_null(json_object_get(json_object_get(c, "ExposedPorts"),
					"53/udp"));
	assert_non_null(json_object_get(json_object_get(c, "ExposedPorts"),
					"80/tcp"));
	assert_int_equal(json_object_size(json_object_get(c, "ExposedPorts")),
			 2);
	assert_string_equal(json_string_value(json_object_get(c, "StopSignal")),
			    "9");
	assert_int_equal(json_object_size(json_object_get(c, "Labels")), 0);
	assert_string_equal(json_string_value(json_object_get(ann, "k")), "v");
	assert_true(image_edit_known("stop-signal"));
	assert_false(image_edit_known("rm"));
	json_decref(cfg);
	json_decref(ann);
}

static void platform_choice(void **state)
{
	json_t *arm = json_pack("{s:s, s:s, s:s}", "os", "linux",
				"architecture", "arm64", "variant", "v8");
	json_t *att = json_pack("{s:s, s:s}", "os", "unknown",
				"architecture", "unknown");

	assert_int_equal(image_platform_set("linux", NULL), -EINVAL);
	assert_int_equal(image_platform_set("linux/arm64/v8/x", NULL), -EINVAL);
	assert_int_equal(image_platform_set("linux/arm64", NULL), 0);
	assert_true(image_platform_match(arm));	/* no variant asked */
	assert_int_equal(image_platform_set("linux/arm64/v7", NULL), 0);
	assert_false(image_platform_match(arm));
	assert_int_equal(image_platform_set("linux/arm64/v8", NULL), 0);
	assert_true(image_platform_match(arm));
	assert_true(image_platform_attestation(att));
	assert_false(image_platform_attestation(arm));
	json_decref(arm);
	json_decref(att);
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

/* docker's reference rules (distribution/reference normalize.go). */
static void ref_normalize(void **state)
{
	static const char *const cases[][2] = {
		{ "app", "docker.io/library/app:latest" },
		{ "app:1", "docker.io/library/app:1" },
		{ "docker.io/library/app:1", "docker.io/library/app:1" },
		{ "docker.io/app", "docker.io/library/app:latest" },
		{ "index.docker.io/library/app", "docker.io/library/app:latest" },
		{ "user/app", "docker.io/user/app:latest" },
		{ "quay.io/org/app:2", "quay.io/org/app:2" },
		{ "localhost/app", "localhost/app:latest" },
		{ "localhost:5000/app:3", "localhost:5000/app:3" },
		{ "reg:5000/a/b", "reg:5000/a/b:latest" },
		{ "app@sha256:00", "docker.io/library/app@sha256:00" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *n = image_ref_normalize(cases[i][0]);

		assert_non_null(n);
		assert_string_equal(n, cases[i][1]);
		free(n);
	}
}

static void names_list(void **state)
{
	const char *v[9] = { "a", "b", "c", "d", "e", "f", "g", "h", "i" };
	char *s = image_names_list(v, 2);

	assert_string_equal(s, "'a', 'b'");
	free(s);
	s = image_names_list(v, 0);
	assert_string_equal(s, "none");
	free(s);
	s = image_names_list(v, 9);
	assert_string_equal(s, "'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', ...");
	free(s);
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
		cmocka_unit_test(config_edits_env_in_place),
		cmocka_unit_test(config_edits_fields),
		cmocka_unit_test(platform_choice),
		cmocka_unit_test(ref_normalize),
		cmocka_unit_test(names_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
