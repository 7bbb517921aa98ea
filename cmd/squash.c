/*
 * squash: an image's upper layers squashed into one, its base layers kept
 * as they are (the same blobs, byte for byte). The new layer is the
 * changeset of the squashed layers against the kept ones
 * (core/changeset.h); with nothing kept it is the whole merged tree.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/changeset.h"
#include "core/ovl.h"
#include "image/image.h"
#include "layers/entry.h"
#include "layers/sink.h"

enum {
	OPT_KEEP = 0x100, OPT_FROM, OPT_BASE, OPT_MTIME, OPT_WHITEOUTS,
	OPT_ALL_PLATFORMS,
};

static const struct option squash_opts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "compress", required_argument, NULL, 'z' },
	{ "keep", required_argument, NULL, OPT_KEEP },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "base", required_argument, NULL, OPT_BASE },
	{ "mtime", required_argument, NULL, OPT_MTIME },
	{ "whiteouts", required_argument, NULL, OPT_WHITEOUTS },
	{ "all-platforms", no_argument, NULL, OPT_ALL_PLATFORMS },
	CMD_LAYER_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

struct squash_args {
	const char *out, *keep, *from, *base, *mtime;
	bool comp_given, all_platforms, fixed;
	enum sink_comp comp;
	enum export_whiteouts wh;
	struct cmd_layer_opts lo;
};

static int parse_args(int argc, char **argv, struct squash_args *a)
{
	bool done;
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:z:h" CMD_LAYER_SHORT,
				 squash_opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			a->out = optarg;
			break;
		case 'z':
			rc = cmd_comp_option("squash", optarg, &a->comp,
					     &a->comp_given);
			if (rc)
				return rc;
			break;
		case OPT_KEEP:
			a->keep = optarg;
			break;
		case OPT_FROM:
			a->from = optarg;
			break;
		case OPT_BASE:
			a->base = optarg;
			break;
		case OPT_MTIME:
			a->mtime = optarg;
			break;
		case OPT_ALL_PLATFORMS:
			a->all_platforms = true;
			break;
		case OPT_WHITEOUTS:
			if (strcmp(optarg, "oci") && strcmp(optarg, "overlayfs"))
				return cmd_usage("squash", "--whiteouts takes "
						 "oci or overlayfs, not '%s'",
						 optarg);
			a->wh = strcmp(optarg, "oci") ? EXPORT_WH_OVL
						      : EXPORT_WH_OCI;
			break;
		default:
			rc = cmd_layer_option("squash", c, argv, &a->lo, &done);
			if (done)
				return rc;
		}
	}
	if (!!a->keep + !!a->from + !!a->base > 1)
		return cmd_usage("squash", "--keep, --from and --base exclude "
				 "each other");
	if (optind >= argc)
		return cmd_usage("squash", "no image given");
	if (!a->out)
		return cmd_usage("squash", "no output given (-o OUT)");
	return CMD_OK;
}

/*
 * How many of img's layers stay: --keep N, --from LAYER (the lowest one
 * squashed), --base IMAGE (the layers img shares with it), else none.
 */
static int keep_count(const struct squash_args *a, const struct image *img,
		      size_t nlayers, size_t *keep)
{
	struct image *base = NULL;
	struct err e;
	char *end;
	int rc = CMD_OK;

	err_clear(&e);
	*keep = 0;
	if (a->keep) {
		errno = 0;
		unsigned long long n = strtoull(a->keep, &end, 10);

		if (errno || end == a->keep || *end || *a->keep == '-')
			return cmd_usage("squash", "--keep takes a number, not "
					 "'%s'", a->keep);
		*keep = (size_t)n;
	} else if (!img) {
		return cmd_usage("squash", "layer files take --keep N");
	} else if (a->from) {
		if (image_layer_find(img, a->from, keep, &e))
			return cmd_report(&e);
	} else if (a->base) {
		if (image_open(a->base, &base, &e))
			return cmd_report(&e);
		if (!image_starts_with(img, base))
			rc = cmd_fail("image '%s' does not start with the %zu "
				      "layers of base '%s'", img->spec,
				      base->nlayers, a->base);
		*keep = base->nlayers;
		image_free(base);
	}
	if (!rc && *keep >= nlayers)
		rc = cmd_fail("keeping %zu of %zu layers leaves nothing to "
			      "squash", *keep, nlayers);
	return rc;
}

/*
 * Writes the squashed layer to a.out: an image (the kept layers' blobs as
 * they are, then the new one) or a tar file (the new layer alone).
 */
static int write_out(struct ovl *ovl, const struct image *img, size_t keep,
		     const struct squash_args *a, struct timespec now,
		     struct err *e)
{
	struct image_out_opts io = {
		.comp = a->comp, .comp_given = a->comp_given,
		.created = now, .created_by = "overtar squash", .base = img,
		.layers = img ? img->layers : NULL, .nlayers = keep,
		.history_keep = keep,
	};
	struct cmd_out_opts oo = { .path = a->out, .comp = a->comp,
				   .comp_given = a->comp_given, .image = &io };
	struct entry_clamp clamp;
	struct cmd_output out;
	int rc = cmd_output_open("squash", &oo, &out);

	if (rc)
		return rc;
	/* --retime new, the default: what squash writes is clamped */
	rc = changeset_write(ovl, keep, a->wh, now, a->fixed ?
			     entry_clamp_init(&clamp, out.w, now) : out.w, e);
	if (rc) {
		cmd_output_abort(&out);
		return cmd_report(e);
	}
	return cmd_output_commit(&out, e) ? cmd_report(e) : CMD_OK;
}

/* One squash of the layers args names (an image, or layer files). */
static int squash_one(struct squash_args *a, char **args, size_t n)
{
	struct image *img = NULL;
	struct ovl *ovl = NULL;
	size_t keep = 0;
	struct err e;
	int rc;

	err_clear(&e);
	a->lo.image = &img;
	rc = cmd_load_stack(args, n, &a->lo, &ovl, &e);
	if (rc)
		return cmd_report(&e);
	if (n > 1) {
		image_free(img);	/* layers, not one image */
		img = NULL;
	}
	rc = keep_count(a, img, ovl_nlayers(ovl), &keep);
	if (!rc)
		rc = write_out(ovl, img, keep, a, a->lo.now, &e);
	image_free(img);
	cmd_drop_stack(ovl);
	return rc;
}

static int squash_platform(void *ctx, const char *in, const char *out)
{
	struct squash_args *a = ctx;

	a->out = out;
	return squash_one(a, (char *[]){ (char *)in, NULL }, 1);
}

int cmd_squash(int argc, char **argv)
{
	struct squash_args a = { .wh = EXPORT_WH_OCI };
	int rc;

	rc = parse_args(argc, argv, &a);
	if (!rc)
		rc = cmd_output_time("squash", a.mtime, &a.lo.now, &a.fixed);
	if (rc)
		return rc;
	/* an image in, or layer files in and the squashed layer out */
	if (image_is_spec(a.out) &&
	    (argc - optind != 1 || !image_is_spec(argv[optind])))
		return cmd_usage("squash", "an image output takes exactly one "
				 "image (oci:DIR[:REF], docker-archive:FILE"
				 "[:REF])");
	if (!strncmp(a.out, "dir:", 4))
		return cmd_usage("squash", "dir: takes a whole tree: use "
				 "flatten");
	if (a.all_platforms && argc - optind != 1)
		return cmd_usage("squash", "--all-platforms takes one image");
	if (a.all_platforms)
		return cmd_each_platform("squash", argv[optind], a.out, true,
					 squash_platform, &a);
	return squash_one(&a, argv + optind, (size_t)(argc - optind));
}
