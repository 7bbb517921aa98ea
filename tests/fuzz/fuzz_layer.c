/*
 * fuzz_layer: one layer's bytes through the loader (tarin) and, when they
 * load, the flatten writer (export, tarout, sink) to /dev/null.
 */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "core/ovl.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ovl_opts oo = { .now = { 1700000000, 0 } };
	struct memfs *fs;
	struct ovl *ovl;
	struct err e;

	err_clear(&e);
	if (fuzz_load(data, size, &fs, &e))
		return 0;
	if (ovl_new(&fs, 1, &oo, &ovl, &e))
		abort();	/* one loaded layer always stacks */
	fuzz_flatten(ovl, &e);
	ovl_free(ovl);
	return 0;
}
