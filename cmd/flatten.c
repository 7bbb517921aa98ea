/*
 * flatten: the merged tree of a stack of layers, written as one tar: the
 * root filesystem a container started from those layers would see.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/export.h"
#include "core/ovl.h"
#include "layers/sink.h"
#include "layers/tarout.h"

enum flatten_long_opt {
	OPT_KEEP_DIRLINKS = 256,
	OPT_SPOOL_DIR,
};

static const struct option flatten_opts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "compress", required_argument, NULL, 'z' },
	{ "keep-dirlinks", no_argument, NULL, OPT_KEEP_DIRLINKS },
	{ "spool-dir", required_argument, NULL, OPT_SPOOL_DIR },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Writes the merged tree of ovl to sink s and commits it. */
static int write_flat(struct ovl *ovl, struct sink *s, struct err *e)
{
	struct tarout *t = tarout_new(s);
	int rc;

	if (!t) {
		sink_abort(s);
		return err_set(e, -ENOMEM, NULL);
	}
	rc = export_flat(ovl_vfs(ovl), t, e);
	if (!rc)
		rc = tarout_finish(t, e);
	tarout_free(t);
	if (rc) {
		sink_abort(s);
		return rc;
	}
	return sink_commit(s, e);
}

int cmd_flatten(int argc, char **argv)
{
	struct cmd_layer_opts lo = { 0 };
	const char *out = NULL;
	enum sink_comp comp = SINK_NONE;
	bool comp_given = false;
	struct ovl *ovl = NULL;
	struct sink *s;
	struct err e;
	int c, rc;

	err_clear(&e);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:z:h", flatten_opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'z':
			if (cmd_parse_comp(optarg, &comp))
				return cmd_usage("flatten", "unknown compression "
						 "'%s'", optarg);
			comp_given = true;
			break;
		case OPT_KEEP_DIRLINKS:
			lo.keep_dirlinks = true;
			break;
		case OPT_SPOOL_DIR:
			lo.spool_dir = optarg;
			break;
		default:
			return cmd_bad_option("flatten", c, argv);
		}
	}
	if (optind >= argc)
		return cmd_usage("flatten", "no layers given");
	rc = cmd_load_stack(argv + optind, (size_t)(argc - optind), &lo, &ovl,
			    &e);
	if (rc)
		return cmd_report(&e);
	rc = cmd_open_output("flatten", out, comp_given, comp, &s);
	if (!rc && write_flat(ovl, s, &e))
		rc = cmd_report(&e);
	cmd_drop_stack(ovl);
	return rc;
}
