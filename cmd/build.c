/*
 * build: scripted edits through the overlay's write side, written as the
 * whole edited tree (--emit flat) or as the changeset alone, a layer to
 * append to the image (--emit layer).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/io.h"
#include "cmd/cmd.h"
#include "script/script.h"
#include "core/export.h"
#include "core/ovl.h"
#include "image/image.h"
#include "layers/memfs.h"
#include "layers/sink.h"
#include "layers/tarin.h"

/* The largest script file read (a script is text, not data). */
#define BUILD_SCRIPT_MAX (64u << 20)

enum build_long_opt {
	OPT_EMIT = 256,
	OPT_WHITEOUTS,
	OPT_MTIME,
};

static const struct option build_opts[] = {
	{ "file", required_argument, NULL, 'f' },
	{ "expression", required_argument, NULL, 'e' },
	{ "output", required_argument, NULL, 'o' },
	{ "compress", required_argument, NULL, 'z' },
	{ "emit", required_argument, NULL, OPT_EMIT },
	{ "whiteouts", required_argument, NULL, OPT_WHITEOUTS },
	{ "mtime", required_argument, NULL, OPT_MTIME },
	CMD_LAYER_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

/* One -f FILE or -e TEXT, in the order given. */
struct build_script {
	bool is_file;
	const char *arg;
};

struct build_args {
	struct build_script *scripts;
	size_t nscripts;
	const char *out;
	enum sink_comp comp;
	bool comp_given;
	bool emit_layer;
	enum export_whiteouts wh;
	struct cmd_layer_opts lo;
	struct timespec now;
	bool clamp;
	struct image *image;	/* the input image, if any */
};

/* Runs every script in order; stops at the first failure. */
static int run_scripts(struct build_args *a, struct ovl *ovl, struct err *e)
{
	struct script_env env = { .fs = ovl_vfs(ovl), .now = a->now,
				  .clamp = a->clamp,
				  .spool_dir = a->lo.spool_dir,
				  .max_spool = a->lo.max_spool ? a->lo.max_spool
					       : TARIN_MAX_SPOOL,
				  .spool_used = a->lo.spool_used };
	int rc = 0;

	for (size_t i = 0; !rc && i < a->nscripts; i++) {
		const struct build_script *s = &a->scripts[i];
		char *text = NULL, *dir = NULL;
		size_t len = 0;

		if (!s->is_file) {
			rc = script_run(&env, "-e", s->arg, strlen(s->arg), ".",
					e);
			continue;
		}
		rc = io_read_file(s->arg, BUILD_SCRIPT_MAX, &text, &len);
		if (rc) {
			err_set(e, rc, "cannot read script: %s", strerror(-rc));
			err_file(e, "script", s->arg);
			break;
		}
		dir = strdup(s->arg);
		rc = dir ? script_run(&env, s->arg, text, len, dirname(dir), e)
			 : -ENOMEM;
		free(dir);
		free(text);
	}
	return rc;
}

/* Writes the result, flat or as a layer, and commits it. */
static int write_out(struct build_args *a, struct ovl *ovl, struct err *e)
{
	struct cmd_out_opts oo = {
		.path = a->out, .comp_given = a->comp_given, .comp = a->comp,
		.base = a->image, .append = a->emit_layer,
		.created = a->now, .created_by = "overtar build",
	};
	struct cmd_output out;
	int rc = cmd_output_open("build", &oo, &out);

	if (rc)
		return rc;
	if (a->emit_layer)
		rc = export_layer(ovl_layer(ovl, ovl_nlayers(ovl)), a->wh,
				  a->now, out.w, e);
	else
		rc = export_flat(ovl_vfs(ovl), out.w, e);
	if (rc) {
		cmd_output_abort(&out);
		return cmd_report(e);
	}
	return cmd_output_commit(&out, e) ? cmd_report(e) : CMD_OK;
}

/*
 * The options. Returns -1 to go on, or the exit status when done (a usage
 * error after printing, or --help).
 */
static int parse_args(int argc, char **argv, struct build_args *a)
{
	bool done;
	int rc;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:e:o:z:h" CMD_LAYER_SHORT,
					 build_opts, NULL)) != -1) {
		switch (c) {
		case 'f':
		case 'e':
			a->scripts[a->nscripts].is_file = c == 'f';
			a->scripts[a->nscripts++].arg = optarg;
			break;
		case 'o':
			a->out = optarg;
			break;
		case 'z':
			if (cmd_parse_comp(optarg, &a->comp))
				return cmd_usage("build", "unknown compression "
						 "'%s'", optarg);
			a->comp_given = true;
			break;
		case OPT_EMIT:
			if (strcmp(optarg, "flat") && strcmp(optarg, "layer"))
				return cmd_usage("build", "--emit takes flat or "
						 "layer, not '%s'", optarg);
			a->emit_layer = !strcmp(optarg, "layer");
			break;
		case OPT_WHITEOUTS:
			if (strcmp(optarg, "oci") && strcmp(optarg, "overlayfs"))
				return cmd_usage("build", "--whiteouts takes oci "
						 "or overlayfs, not '%s'", optarg);
			a->wh = strcmp(optarg, "oci") ? EXPORT_WH_OVL
						      : EXPORT_WH_OCI;
			break;
		case OPT_MTIME:
			if ((rc = cmd_parse_epoch(optarg, &a->now)) == -ERANGE)
				return cmd_usage("build", "--mtime is past the "
						 "last second an image can say, "
						 "%s: '%s'", CMD_EPOCH_MAX_TEXT,
						 optarg);
			if (rc)
				return cmd_usage("build", "--mtime takes seconds "
						 "since the epoch, not '%s'", optarg);
			a->clamp = true;
			break;
		default:
			rc = cmd_layer_option("build", c, argv, &a->lo, &done);
			if (done)
				return rc;
		}
	}
	if (cmd_check_layers("build", argv + optind, (size_t)(argc - optind)))
		return CMD_USAGE;
	/* --mtime wins over SOURCE_DATE_EPOCH, which wins over the clock */
	if (!a->clamp &&
	    (rc = cmd_source_date_epoch("build", &a->now, &a->clamp)))
		return rc;
	return -1;
}

int cmd_build(int argc, char **argv)
{
	struct build_args a = { .wh = EXPORT_WH_OCI };
	_Atomic uint64_t spool_used = 0;	/* layers, then copy-in */
	struct ovl *ovl = NULL;
	struct err e;
	int rc;

	err_clear(&e);
	a.scripts = calloc((size_t)argc, sizeof(*a.scripts));
	if (!a.scripts)
		return cmd_fail("out of memory");
	rc = parse_args(argc, argv, &a);
	if (rc >= 0)
		goto out;
	{
		struct cmd_out_opts chk = { .path = a.out,
					    .comp_given = a.comp_given };

		if ((rc = cmd_output_check("build", &chk)))
			goto out;
		a.out = chk.path;	/* "-": stdout */
	}
	a.lo.writable = true;
	a.lo.spool_used = &spool_used;
	a.lo.now = a.now;
	a.lo.image = &a.image;
	/* a layer appended to an image must sit on all of that image alone */
	if (a.emit_layer && a.out && image_is_spec(a.out) &&
	    (argc - optind != 1 || !image_is_spec(argv[optind]))) {
		rc = cmd_usage("build", "--emit layer into an image takes "
			       "exactly one image as input");
		goto out;
	}
	rc = cmd_load_stack(argv + optind, (size_t)(argc - optind), &a.lo,
			    &ovl, &e);
	if (rc) {
		rc = cmd_report(&e);
		goto out;
	}
	cmd_progress_phase(PROGRESS_SCRIPT);
	rc = run_scripts(&a, ovl, &e);
	if (rc && !e.line) {
		/* not a line of a script: the script file could not be read */
		rc = cmd_report(&e);
		goto out;
	}
	if (rc) {
		char buf[1400];

		/* The script's own format: SCRIPT:LINE: COMMAND: PATH: reason */
		fprintf(stderr, "%s\n", err_format(&e, buf, sizeof(buf)));
		rc = CMD_FAIL;
		goto out;
	}
	rc = write_out(&a, ovl, &e);
out:
	cmd_drop_stack(ovl);
	image_free(a.image);
	free(a.scripts);
	return rc;
}
