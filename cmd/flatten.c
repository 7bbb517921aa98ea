/*
 * flatten: the merged tree of a stack of layers, written as one tar: the
 * root filesystem a container started from those layers would see.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cmd.h"
#include "core/export.h"
#include "core/ovl.h"
#include "image/image.h"
#include "layers/sink.h"

static const struct option flatten_opts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "compress", required_argument, NULL, 'z' },
	CMD_LAYER_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

/* Writes the merged tree of ovl to out and commits it. */
static int write_flat(struct ovl *ovl, struct cmd_output *out, struct err *e)
{
	int rc = export_flat(ovl_vfs(ovl), out->w, e);

	if (rc) {
		cmd_output_abort(out);
		return rc;
	}
	return cmd_output_commit(out, e);
}

int cmd_flatten(int argc, char **argv)
{
	bool done, sde;
	struct cmd_layer_opts lo = { 0 };
	struct cmd_out_opts oo = { .created_by = "overtar flatten" };
	struct cmd_output out;
	struct image *img = NULL;
	struct ovl *ovl = NULL;
	struct err e;
	int c, rc;

	err_clear(&e);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:z:h" CMD_LAYER_SHORT,
					 flatten_opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			oo.path = optarg;
			break;
		case 'z':
			if (cmd_parse_comp(optarg, &oo.comp))
				return cmd_usage("flatten", "unknown compression "
						 "'%s'", optarg);
			oo.comp_given = true;
			break;
		default:
			rc = cmd_layer_option("flatten", c, argv, &lo, &done);
			if (done)
				return rc;
		}
	}
	if (cmd_check_layers("flatten", argv + optind, (size_t)(argc - optind)))
		return CMD_USAGE;
	/* an image's "created" */
	rc = cmd_source_date_epoch("flatten", &oo.created, &sde);
	if (rc)
		return rc;
	if ((rc = cmd_output_check("flatten", &oo)))
		return rc;
	lo.image = &img;
	rc = cmd_load_stack(argv + optind, (size_t)(argc - optind), &lo, &ovl,
			    &e);
	if (rc)
		return cmd_report(&e);
	oo.base = img;
	rc = cmd_output_open("flatten", &oo, &out);
	if (!rc && write_flat(ovl, &out, &e))
		rc = cmd_report(&e);
	image_free(img);
	cmd_drop_stack(ovl);
	return rc;
}
