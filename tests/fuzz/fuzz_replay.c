/*
 * fuzz_replay: runs a libFuzzer target's LLVMFuzzerTestOneInput() on each
 * file named on the command line, without libFuzzer: how `make check`
 * replays tests/fuzz/regress/ with gcc's ASan and UBSan. Exits 0 when
 * every input ran (a finding aborts through the sanitizers), 2 on a file
 * it cannot read.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f)
		return -1;
	do {
		if (len == cap) {
			unsigned char *p = realloc(buf, cap ? 2 * cap : 65536);

			if (!p) {
				free(buf);
				fclose(f);
				return -1;
			}
			buf = p;
			cap = cap ? 2 * cap : 65536;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n);
	if (ferror(f)) {
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (replay(argv[i])) {
			fprintf(stderr, "fuzz_replay: cannot read '%s'\n",
				argv[i]);
			return 2;
		}
		printf("ok %s\n", argv[i]);
	}
	return 0;
}
