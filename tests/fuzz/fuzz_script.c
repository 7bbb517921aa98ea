/*
 * fuzz_script: a script through the lexer and the interpreter, on a
 * writable overlay of the sample image (testdata/sample), then both
 * exports: the flat tree and the layer of changes.
 *
 * Scripts that read the host (copy-in) are skipped: copying in "/" is the
 * script's request, not a bug. Each input gets a freshly loaded sample.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "script/script.h"
#include "core/export.h"
#include "core/ovl.h"
#include "layers/memfs.h"
#include "layers/sink.h"
#include "layers/tarin.h"
#include "layers/tarout.h"
#include "tests/fuzz/fuzz.h"

#ifndef FUZZ_TESTDATA
#define FUZZ_TESTDATA "testdata"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const sample[] = {
	"layer1.tar", "layer2.tar.gz", "layer3.tar.zst", "layer4.tar",
};
#define NSAMPLE (sizeof(sample) / sizeof(sample[0]))

/* Loads the sample image's layers. */
static void load_sample(struct memfs **fs)
{
	const char *dir = getenv("OVERTAR_TESTDATA");
	char path[4096];
	struct err e;

	for (size_t i = 0; i < NSAMPLE; i++) {
		snprintf(path, sizeof(path), "%s/sample/%s",
			 dir ? dir : FUZZ_TESTDATA, sample[i]);
		err_clear(&e);
		if (tarin_load(path, NULL, &fs[i], &e)) {
			fprintf(stderr, "fuzz_script: cannot load '%s' "
				"(set OVERTAR_TESTDATA)\n", path);
			abort();
		}
	}
}

/* Whether the script has a command that reads the host. */
static int reads_host(const char *text, size_t len)
{
	struct script_lexer lx;
	struct script_line l;
	struct err e;
	int r, host = 0;

	/* a variable could spell the command: scripts with one are skipped */
	if (memmem(text, len, "${", 2))
		return 1;
	script_lex_init(&lx, text, len);
	while (!host && (r = script_lex_next(&lx, &l, &e)) == 1) {
		host = l.argc && !strcmp(l.argv[0], "copy-in");
		script_line_free(&l);
	}
	return host;
}

static void write_layer(struct ovl *ovl)
{
	struct sink_opts so = { .comp = SINK_NONE };
	struct sink *s;
	struct tarout *t;
	struct err e;

	err_clear(&e);
	if (sink_open("/dev/null", &so, &s, &e))
		return;
	t = tarout_new(s);
	if (t && !export_layer(ovl_layer(ovl, ovl_nlayers(ovl)),
			       EXPORT_WH_OCI, (struct timespec){ 1700000000, 0 },
			       tarout_writer(t), &e) &&
	    !tarout_finish(t, &e)) {
		tarout_free(t);
		sink_commit(s, &e);
		return;
	}
	tarout_free(t);
	sink_abort(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ovl_opts oo = { .writable = true, .now = { 1700000000, 0 } };
	struct script_env env = { .now = { 1700000000, 0 } };
	struct memfs *fs[NSAMPLE];
	struct ovl *ovl;
	struct err e;

	if (reads_host((const char *)data, size))
		return 0;
	load_sample(fs);
	err_clear(&e);
	oo.keep_dirlinks = size && (data[0] & 1);
	if (ovl_new(fs, NSAMPLE, &oo, &ovl, &e))
		abort();
	env.fs = ovl_vfs(ovl);
	env.spool_dir = fuzz_tarin_opts()->spool_dir;
	err_clear(&e);
	script_run(&env, "fuzz", (const char *)data, size, "/nonexistent",
		   &e);
	script_env_release(&env);
	fuzz_flatten(ovl, &e);
	write_layer(ovl);
	ovl_free(ovl);
	return 0;
}
