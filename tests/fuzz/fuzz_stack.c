/*
 * fuzz_stack: two fuzzed layers stacked through the overlay and flattened.
 * The input is a 4-byte little-endian header, then the two layers: the
 * header's low 31 bits, modulo what follows, are the length of the lower
 * one; its top bit asks for keep_dirlinks (the usrmerge merge).
 */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "core/ovl.h"
#include "layers/memfs.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ovl_opts oo = { .now = { 1700000000, 0 } };
	struct memfs *fs[2] = { NULL, NULL };
	struct ovl *ovl;
	struct err e;
	uint32_t h;
	size_t n;

	if (size < 5)
		return 0;
	h = (uint32_t)data[0] | (uint32_t)data[1] << 8 |
	    (uint32_t)data[2] << 16 | (uint32_t)data[3] << 24;
	data += 4;
	size -= 4;
	n = (h & 0x7fffffffu) % size;
	oo.keep_dirlinks = h >> 31;
	err_clear(&e);
	if (fuzz_load(data, n, &fs[0], &e) ||
	    fuzz_load(data + n, size - n, &fs[1], &e)) {
		memfs_free(fs[0]);
		return 0;
	}
	if (ovl_new(fs, 2, &oo, &ovl, &e))
		abort();
	fuzz_flatten(ovl, &e);
	ovl_free(ovl);
	return 0;
}
