/*
 * cat: the content of files in the merged tree, on standard output.
 * Symlinks are followed inside the image root (an absolute target starts
 * again at the image's root, never the host's). Content is read from the
 * layer file or spool in place, a block at a time.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/cmd.h"
#include "cmd/show.h"
#include "core/ovl.h"
#include "layers/memfs.h"

static const struct option cat_opts[] = {
	CMD_LAYER_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

/* Copies d to stdout. 0, or a negative errno of the read. */
static int copy_out(const struct memfs_data *d)
{
	static char buf[1 << 16];
	uint64_t off = 0;

	while (off < d->size) {
		ssize_t n = memfs_data_read(d, off, buf, sizeof(buf));

		if (n < 0)
			return (int)n;
		if (n == 0)
			return -EIO;	/* the source is shorter than said */
		if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
			return 1;	/* stdout: reported at the end */
		off += (uint64_t)n;
	}
	return 0;
}

/* One path: CMD_OK, or CMD_FAIL after printing. */
static int cat_one(struct vfs_fs *fs, const char *path)
{
	struct memfs_data *d = NULL;
	struct vfs_node *node;
	struct vfs_attr a;
	int rc = vfs_resolve(fs, path, true, &node);

	if (rc)
		return show_path_error("cat", path, rc);
	rc = vfs_getattr(fs, node, &a);
	if (!rc && S_ISDIR(a.mode))
		rc = -EISDIR;
	else if (!rc && !S_ISREG(a.mode))
		rc = cmd_fail("cat: '%s': not a regular file (%s)", path,
			      show_type_text(a.mode));
	if (!rc)
		rc = vfs_data(fs, node, &d);
	if (!rc)
		rc = copy_out(d);
	memfs_data_put(d);
	vfs_put(fs, node);
	if (rc < 0)
		return cmd_fail("cat: '%s': %s", path,
				rc == -EISDIR ? "is a directory" :
				strerror(-rc));
	return rc ? CMD_FAIL : CMD_OK;
}

int cmd_cat(int argc, char **argv)
{
	bool done;
	struct cmd_layer_opts lo = { 0 };
	struct show_args sa;
	struct show_stack st;
	int c, rc = CMD_OK;

	show_split(argc, argv, &sa);
	opterr = 0;
	while ((c = getopt_long(sa.optc, argv, ":h" CMD_LAYER_SHORT,
					 cat_opts, NULL)) != -1) {
		switch (c) {
		default:
			rc = cmd_layer_option("cat", c, argv, &lo, &done);
			if (done)
				return rc;
		}
	}
	if (!sa.npaths)
		return cmd_usage("cat", "no paths given (they go after '--')");
	rc = show_load("cat", argv + optind, (size_t)(sa.optc - optind), &lo,
		       &st);
	if (rc)
		return rc;
	for (size_t i = 0; i < sa.npaths; i++)
		if (cat_one(ovl_vfs(st.ovl), sa.paths[i]) != CMD_OK)
			rc = CMD_FAIL;
	show_stack_release(&st);
	return rc;	/* main checks stdout */
}
