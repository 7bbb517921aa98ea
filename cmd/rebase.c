/*
 * rebase: an image's own layers (those above its old base's) put onto a
 * new base, as crane rebase does but offline. The new image is the new
 * base's layers and the image's own, every blob reused as it is; its
 * config is the image's with rootfs.diff_ids and history following: the
 * new base's history, then the image's own entries.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "image/image.h"

enum { OPT_OLD = 0x100, OPT_NEW };

static const struct option rebase_opts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "old-base", required_argument, NULL, OPT_OLD },
	{ "new-base", required_argument, NULL, OPT_NEW },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* The history entries of img after those of its first k layers. */
static json_t *own_history(const struct image *img, size_t k)
{
	json_t *hist = json_object_get(img->config, "history"), *h;
	json_t *out = json_array();
	size_t i, seen = 0;

	json_array_foreach(hist, i, h) {
		bool empty = json_is_true(json_object_get(h, "empty_layer"));

		if (seen >= k && out)
			json_array_append(out, h);
		seen += !empty;
	}
	return out;
}

/* The config out: the image's, with the new base's history first. */
static json_t *rebased_config(const struct image *img, const struct image *ob,
			      const struct image *nb)
{
	json_t *cfg = json_deep_copy(img->config);
	json_t *hist = json_deep_copy(json_object_get(nb->config, "history"));
	json_t *own = own_history(img, ob->nlayers);

	if (!json_is_array(hist)) {
		json_decref(hist);
		hist = json_array();
	}
	if (!cfg || !hist || !own || json_array_extend(hist, own) ||
	    json_object_set(cfg, "history", hist)) {
		json_decref(cfg);
		cfg = NULL;
	}
	json_decref(hist);
	json_decref(own);
	return cfg;
}

static int run(const char *out, const struct image *img,
	       const struct image *ob, const struct image *nb)
{
	size_t own = img->nlayers - ob->nlayers, n = nb->nlayers + own;
	struct image_layer *ls = calloc(n + 1, sizeof(*ls));
	json_t *cfg = rebased_config(img, ob, nb);
	struct image_out_opts io = {
		.base = img, .layers = ls, .nlayers = n,
		.history_keep = (size_t)-1, .no_layer = true, .config = cfg,
	};
	struct cmd_out_opts oo = { .path = out, .image = &io };
	struct cmd_output o;
	struct err e;
	int rc;

	err_clear(&e);
	if (!ls || !cfg) {
		rc = cmd_fail("out of memory");
		goto out;
	}
	memcpy(ls, nb->layers, nb->nlayers * sizeof(*ls));
	memcpy(ls + nb->nlayers, img->layers + ob->nlayers, own * sizeof(*ls));
	rc = cmd_output_open("rebase", &oo, &o);
	if (!rc && cmd_output_commit(&o, &e))
		rc = cmd_report(&e);
out:
	free(ls);
	json_decref(cfg);
	return rc;
}

int cmd_rebase(int argc, char **argv)
{
	const char *out = NULL, *old = NULL, *new = NULL;
	struct image *img = NULL, *ob = NULL, *nb = NULL;
	struct err e;
	int c, rc = CMD_FAIL;

	err_clear(&e);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:h", rebase_opts, NULL)) != -1) {
		if (c == 'o')
			out = optarg;
		else if (c == OPT_OLD)
			old = optarg;
		else if (c == OPT_NEW)
			new = optarg;
		else if (c == 'h')
			return cmd_help(2, (char *[]){ "help", "rebase", NULL });
		else if (c == ':')
			return cmd_usage("rebase", "option '%s' needs a value",
					 argv[optind - 1]);
		else
			return cmd_usage("rebase", "unknown option '%s'",
					 argv[optind - 1]);
	}
	if (!out || !old || !new || argc - optind != 1)
		return cmd_usage("rebase", "takes -o OUT, --old-base IMAGE, "
				 "--new-base IMAGE and one image");
	if (!image_is_spec(out))
		return cmd_usage("rebase", "-o takes an image (oci:DIR[:TAG] or "
				 "docker-archive:FILE[:TAG])");
	if (image_open(argv[optind], &img, &e) || image_open(old, &ob, &e) ||
	    image_open(new, &nb, &e)) {
		rc = cmd_report(&e);
		goto out;
	}
	if (!image_starts_with(img, ob))
		rc = cmd_fail("image '%s' does not start with the %zu layers of "
			      "old base '%s'", argv[optind], ob->nlayers, old);
	else
		rc = run(out, img, ob, nb);
out:
	image_free(img);
	image_free(ob);
	image_free(nb);
	return rc;
}
