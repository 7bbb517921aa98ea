/*
 * fuzz: what the libFuzzer targets of tests/fuzz share (tests/fuzz/README.md).
 * Each target is LLVMFuzzerTestOneInput() over the library, built with
 * clang -fsanitize=fuzzer,address,undefined by `make fuzz`.
 */
#ifndef OVERTAR_FUZZ_H
#define OVERTAR_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct memfs;
struct ovl;
struct tarin_opts;

/*
 * The loader's options for fuzzing: a spool in $TMPDIR and limits small
 * enough that one input stays fast (a 16 MiB expansion, 100,000 entries),
 * so that a timeout is a finding, not a big input.
 */
const struct tarin_opts *fuzz_tarin_opts(void);

/*
 * Loads len bytes of data as a layer, through an anonymous memory file so
 * that a plain tar is read in place as from a file on disk. Returns what
 * tarin_load() returns.
 */
int fuzz_load(const uint8_t *data, size_t len, struct memfs **out,
	      struct err *e);

/*
 * Writes the merged tree of ovl as a tar to /dev/null: the flatten writer
 * end to end (export, tarout, sink). Returns 0 or a negative errno.
 */
int fuzz_flatten(struct ovl *ovl, struct err *e);

#endif
