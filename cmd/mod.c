/*
 * mod: an image changed without a build: its config edited (image.h
 * image_edit: Env, Entrypoint, Cmd, User, ... and manifest annotations),
 * layers dropped, paths stripped from the layers that hold them, layers
 * re-timed or recompressed. Layers nothing asks to change are reused as
 * they are, blob for blob; config edits alone read no layer at all.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/io.h"
#include "cmd/cmd.h"
#include "image/image.h"
#include "layers/sink.h"

enum {
	OPT_EDIT = 0x100,	/* every config edit: the option's name is
				   the edit's (image_edit) */
	OPT_DROP, OPT_STRIP, OPT_RETIME, OPT_MTIME, OPT_ALL_PLATFORMS,
};

static const struct option mod_opts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "compress", required_argument, NULL, 'z' },
	{ "env", required_argument, NULL, OPT_EDIT },
	{ "unset-env", required_argument, NULL, OPT_EDIT },
	{ "env-append", required_argument, NULL, OPT_EDIT },
	{ "entrypoint", required_argument, NULL, OPT_EDIT },
	{ "cmd", required_argument, NULL, OPT_EDIT },
	{ "user", required_argument, NULL, OPT_EDIT },
	{ "workdir", required_argument, NULL, OPT_EDIT },
	{ "label", required_argument, NULL, OPT_EDIT },
	{ "unset-label", required_argument, NULL, OPT_EDIT },
	{ "annotation", required_argument, NULL, OPT_EDIT },
	{ "expose", required_argument, NULL, OPT_EDIT },
	{ "volume", required_argument, NULL, OPT_EDIT },
	{ "stop-signal", required_argument, NULL, OPT_EDIT },
	{ "drop-layer", required_argument, NULL, OPT_DROP },
	{ "strip", required_argument, NULL, OPT_STRIP },
	{ "retime", required_argument, NULL, OPT_RETIME },
	{ "mtime", required_argument, NULL, OPT_MTIME },
	{ "all-platforms", no_argument, NULL, OPT_ALL_PLATFORMS },
	CMD_LAYER_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

struct mod_edit {
	const char *op, *arg;
};

struct mod_args {
	const char *out, *mtime;
	char *tmp;	/* beside it the temporary blobs: the spool directory */
	bool comp_given, retime_all, all_platforms, fixed;
	struct timespec now;
	enum sink_comp comp;
	struct mod_edit *edits;
	size_t nedits;
	const char **drops, **strips;
	size_t ndrops, nstrips;
	struct cmd_layer_opts lo;
};

static int parse_args(int argc, char **argv, struct mod_args *a)
{
	int c, idx, rc;
	bool done;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:z:h" CMD_LAYER_SHORT,
				 mod_opts, &idx)) != -1) {
		switch (c) {
		case 'o':
			a->out = optarg;
			break;
		case 'z':
			rc = cmd_comp_option("mod", optarg, &a->comp,
					     &a->comp_given);
			if (rc)
				return rc;
			break;
		case OPT_EDIT:
			a->edits[a->nedits++] = (struct mod_edit){
				mod_opts[idx].name, optarg };
			break;
		case OPT_DROP:
			a->drops[a->ndrops++] = optarg;
			break;
		case OPT_STRIP:
			a->strips[a->nstrips++] = optarg;
			break;
		case OPT_RETIME:
			if (strcmp(optarg, "new") && strcmp(optarg, "all"))
				return cmd_usage("mod", "--retime takes new or "
						 "all, not '%s'", optarg);
			a->retime_all = !strcmp(optarg, "all");
			break;
		case OPT_MTIME:
			a->mtime = optarg;
			break;
		case OPT_ALL_PLATFORMS:
			a->all_platforms = true;
			break;
		default:
			rc = cmd_layer_option("mod", c, argv, &a->lo, &done);
			if (done)
				return rc;
		}
	}
	if (argc - optind != 1 || !image_is_spec(argv[optind]))
		return cmd_usage("mod", "takes exactly one image "
				 "(oci:DIR[:REF] or docker-archive:FILE[:REF])");
	if (!a->out || !image_is_spec(a->out))
		return cmd_usage("mod", "-o takes an image (oci:DIR[:TAG] or "
				 "docker-archive:FILE[:TAG])");
	return CMD_OK;
}

/* --entrypoint and --cmd: a JSON array of strings, as docker's exec form. */
static int json_words(const char *op, const char *arg, char ***words,
		      size_t *n)
{
	json_t *j = json_loads(arg, 0, NULL), *v;
	size_t i;

	*words = NULL;
	*n = 0;
	if (!json_is_array(j))
		goto bad;
	*words = calloc(json_array_size(j) + 1, sizeof(**words));
	json_array_foreach(j, i, v) {
		if (!json_is_string(v) || !*words)
			goto bad;
		(*words)[(*n)++] = strdup(json_string_value(v));
	}
	json_decref(j);
	return CMD_OK;
bad:
	json_decref(j);
	for (i = 0; i < *n; i++)
		free((*words)[i]);
	free(*words);
	return cmd_usage("mod", "--%s takes a JSON array of strings, not '%s'",
			 op, arg);
}

/* Applies the config edits in the order given. */
static int apply_edits(const struct mod_args *a, json_t *cfg, json_t *ann)
{
	struct err e;
	int rc = CMD_OK;

	for (size_t i = 0; !rc && i < a->nedits; i++) {
		const struct mod_edit *m = &a->edits[i];
		char **w = (char **)&m->arg;
		size_t n = 1;
		bool words = !strcmp(m->op, "entrypoint") ||
			     !strcmp(m->op, "cmd");

		err_clear(&e);
		if (words && (rc = json_words(m->op, m->arg, &w, &n)))
			break;
		if (image_edit(cfg, ann, m->op, w, n, &e))
			rc = cmd_usage("mod", "--%s: %s", m->op, e.msg);
		for (size_t k = 0; words && k < n; k++)
			free(w[k]);
		if (words)
			free(w);
	}
	return rc;
}

/* Removes the history entry of layer i (0-based), the i-th non-empty. */
static void drop_history(json_t *cfg, size_t layer)
{
	json_t *hist = json_object_get(cfg, "history"), *h;
	size_t i, seen = 0;

	json_array_foreach(hist, i, h) {
		if (json_is_true(json_object_get(h, "empty_layer")))
			continue;
		if (seen++ == layer) {
			json_array_remove(hist, i);
			return;
		}
	}
}

/* The layers out: dropped ones left out, the others reused or rewritten. */
static int plan_layers(const struct mod_args *a, const struct image *img,
		       json_t *cfg, struct image_layer *ls, struct sink **tmps,
		       size_t *n, struct timespec now, bool fixed)
{
	bool *drop = calloc(img->nlayers + 1, 1);
	struct image_rewrite rw = {
		.strip = a->strips, .nstrip = a->nstrips,
		.clamp = a->retime_all || (fixed && a->nstrips),
		.always = a->retime_all,
		.comp = a->comp_given ? a->comp : SINK_GZIP, .now = now,
		.tmp = a->tmp, .spool_dir = a->lo.spool_dir,
	};
	struct err e;
	size_t idx;
	int rc = CMD_OK;

	err_clear(&e);
	if (!drop)
		return cmd_fail("out of memory");
	for (size_t i = 0; !rc && i < a->ndrops; i++) {
		if (image_layer_find(img, a->drops[i], &idx, &e)) {
			rc = cmd_report(&e);
			break;
		}
		if (!drop[idx])
			fprintf(stderr, "overtar: warning: dropping layer %zu: "
				"the layers above it may depend on what it "
				"holds\n", idx + 1);
		drop[idx] = true;
	}
	*n = 0;
	for (size_t i = img->nlayers; !rc && i-- > 0;)
		if (drop[i])
			drop_history(cfg, i);
	for (size_t i = 0; !rc && i < img->nlayers; i++) {
		int r = 1;

		if (drop[i])
			continue;
		if (a->nstrips || rw.always)
			r = image_layer_rewrite(img, i, &rw, &ls[*n],
						&tmps[*n], &e);
		/* -z alone: the same tar, compressed anew (diff_id kept) */
		if (r == 1 && a->comp_given)
			r = image_layer_recompress(&img->layers[i], a->comp,
						   a->tmp, &ls[*n], &tmps[*n],
						   &e);
		if (r < 0)
			rc = cmd_report(&e);
		else if (r == 1)
			ls[*n] = img->layers[i];	/* reused as it is */
		(*n)++;
	}
	if (!rc && !*n)
		rc = cmd_fail("image '%s': no layer left", img->spec);
	free(drop);
	return rc;
}

/* Writes img changed as a asks, with the edited config cfg. */
static int mod_write(const struct mod_args *a, const struct image *img,
		     json_t *cfg, json_t *ann)
{
	struct image_layer *ls = calloc(img->nlayers + 1, sizeof(*ls));
	struct sink **tmps = calloc(img->nlayers + 1, sizeof(*tmps));
	struct err e;
	size_t n = 0;
	int rc;

	err_clear(&e);
	rc = !ls || !tmps ? cmd_fail("out of memory")
			  : plan_layers(a, img, cfg, ls, tmps, &n, a->now,
					a->fixed);
	if (!rc) {
		struct image_out_opts io = {
			.comp = a->comp, .comp_given = a->comp_given,
			.created = a->now, .base = img, .layers = ls,
			.nlayers = n, .history_keep = (size_t)-1,
			.no_layer = true, .config = cfg, .annotations = ann,
		};
		struct cmd_out_opts oo = { .path = a->out, .image = &io };
		struct cmd_output out;

		rc = cmd_output_open("mod", &oo, &out);
		if (!rc && cmd_output_commit(&out, &e))
			rc = cmd_report(&e);
	}
	for (size_t i = 0; tmps && i < n; i++)
		if (tmps[i]) {
			sink_abort(tmps[i]);
			free(ls[i].path);
			free(ls[i].name);
		}
	free(tmps);
	free(ls);
	return rc;
}

/* One image (one platform of it) in, changed, out. */
static int mod_one(void *ctx, const char *in, const char *out)
{
	struct mod_args *a = ctx;
	struct image *img = NULL;
	json_t *cfg = NULL, *ann = json_object();
	struct err e;
	int rc;

	err_clear(&e);
	a->out = out;
	if (image_open(in, &img, &e)) {
		json_decref(ann);
		return cmd_report(&e);
	}
	cfg = json_deep_copy(img->config);
	rc = !cfg || !ann ? cmd_fail("out of memory")
			  : apply_edits(a, cfg, ann);
	if (!rc)
		rc = mod_write(a, img, cfg, ann);
	json_decref(cfg);
	json_decref(ann);
	image_free(img);
	return rc;
}

int cmd_mod(int argc, char **argv)
{
	struct mod_args a = { 0 };
	int rc = CMD_FAIL;

	a.edits = calloc((size_t)argc, sizeof(*a.edits));
	a.drops = calloc((size_t)argc, sizeof(*a.drops));
	a.strips = calloc((size_t)argc + 1, sizeof(*a.strips));
	if (!a.edits || !a.drops || !a.strips)
		rc = cmd_fail("out of memory");
	else
		rc = parse_args(argc, argv, &a);
	if (!rc)
		rc = cmd_output_time("mod", a.mtime, &a.now, &a.fixed);
	if (!rc) {
		/* rewritten blobs wait where layers spool (overtar(1)) */
		if (asprintf(&a.tmp, "%s/overtar-blob",
			     io_spool_dir(a.lo.spool_dir)) < 0)
			rc = cmd_fail("out of memory");
	}
	if (!rc)
		rc = cmd_each_platform("mod", argv[optind], a.out,
				       a.all_platforms, mod_one, &a);
	free(a.tmp);
	free(a.edits);
	free(a.drops);
	free(a.strips);
	return rc;
}
