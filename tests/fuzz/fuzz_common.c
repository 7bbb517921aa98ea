/*
 * fuzz_common: the helpers of fuzz.h.
 */
#include "tests/fuzz/fuzz.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/export.h"
#include "core/ovl.h"
#include "layers/memfs.h"
#include "layers/sink.h"
#include "layers/tarin.h"
#include "layers/tarout.h"

const struct tarin_opts *fuzz_tarin_opts(void)
{
	static struct tarin_opts o = {
		.max_entries = 100000,
		.max_spool = 16u << 20,
	};

	o.spool_dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	return &o;
}

int fuzz_load(const uint8_t *data, size_t len, struct memfs **out,
	      struct err *e)
{
	char path[64];
	int fd = memfd_create("fuzz-layer", MFD_CLOEXEC), rc;
	size_t done = 0;

	*out = NULL;
	if (fd < 0)
		abort();
	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);

		if (n <= 0)
			abort();
		done += (size_t)n;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	rc = tarin_load(path, fuzz_tarin_opts(), out, e);
	close(fd);
	return rc;
}

int fuzz_flatten(struct ovl *ovl, struct err *e)
{
	struct sink_opts so = { .comp = SINK_NONE };
	struct sink *s;
	struct tarout *t;
	int rc = sink_open("/dev/null", &so, &s, e);

	if (rc)
		return rc;
	t = tarout_new(s);
	if (!t) {
		sink_abort(s);
		return -ENOMEM;
	}
	rc = export_flat(ovl_vfs(ovl), tarout_writer(t), e);
	if (!rc)
		rc = tarout_finish(t, e);
	tarout_free(t);
	if (rc) {
		sink_abort(s);
		return rc;
	}
	return sink_commit(s, e);
}
