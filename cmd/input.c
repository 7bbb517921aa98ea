/*
 * input: the layer arguments of a command, with image references
 * ("oci:DIR[:REF]", "docker-archive:FILE[:REF]", image/image.h) expanded
 * into their layers, base first, in the place the image was named.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "image/image.h"
#include "layers/tarin.h"

/*
 * The image spec arg stands for: itself with a prefix, else the prefix
 * its content asks for (image_sniff), said with -v; NULL for a layer.
 * Returns 0 and *out (to free), or a negative errno with e set.
 */
static int spec_of(const char *arg, char **out, struct err *e)
{
	static const char *const what[] = {
		[IMAGE_SNIFF_OCI_DIR] = "an OCI layout (a directory with "
			"oci-layout)",
		[IMAGE_SNIFF_OCI_ARCHIVE] = "an oci-archive (a tar with "
			"oci-layout and index.json)",
		[IMAGE_SNIFF_DOCKER_ARCHIVE] = "a docker-archive (a tar whose "
			"manifest.json names its layers)",
	};
	static const char *const prefix[] = {
		[IMAGE_SNIFF_OCI_DIR] = "oci:",
		[IMAGE_SNIFF_OCI_ARCHIVE] = "oci-archive:",
		[IMAGE_SNIFF_DOCKER_ARCHIVE] = "docker-archive:",
	};
	enum image_sniff k;

	*out = NULL;
	if (!strncmp(arg, "dir:", 4)) {	/* a layer: see cmd_inputs_expand */
		cmd_verbose_note("'%s': read as a layer from a directory",
				 arg);
		return 0;
	}
	if (image_is_spec(arg))
		return (*out = strdup(arg)) ? 0 : err_set(e, -ENOMEM, NULL);
	/* a ':' in the path would end it inside a spec: a layer, as given */
	k = strchr(arg, ':') ? IMAGE_SNIFF_LAYER : image_sniff(arg);
	if (k == IMAGE_SNIFF_LAYER) {
		cmd_verbose_note("'%s': read as a layer", arg);
		return 0;
	}
	cmd_verbose_note("'%s': read as %s", arg, what[k]);
	if (asprintf(out, "%s%s", prefix[k], arg) < 0) {
		*out = NULL;
		return err_set(e, -ENOMEM, NULL);
	}
	if (image_is_spec(*out))
		return 0;
	free(*out);
	*out = NULL;
	err_file(e, "layer", arg);
	return err_set(e, -ENOTSUP, "%s, which this overtar cannot read; "
		       "extract it and name the layout as oci:DIR", what[k]);
}

int cmd_inputs_expand(char **args, size_t n, struct cmd_inputs *in,
		      struct err *e)
{
	size_t total = 0;
	int rc = 0;

	*in = (struct cmd_inputs){ 0 };
	in->imgs = calloc(n + 1, sizeof(*in->imgs));
	in->specs = calloc(n + 1, sizeof(*in->specs));
	in->nargs = n;
	if (!in->imgs || !in->specs) {
		cmd_inputs_release(in, NULL);
		return err_set(e, -ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < n && !rc; i++) {
		rc = spec_of(args[i], &in->specs[i], e);
		if (rc || !in->specs[i]) {
			total += !rc;
			continue;
		}
		rc = image_open(in->specs[i], &in->imgs[in->nimgs], e);
		if (!rc)
			total += in->imgs[in->nimgs++]->nlayers;
	}
	if (!rc && !(in->srcs = calloc(total + 1, sizeof(*in->srcs))))
		rc = err_set(e, -ENOMEM, "out of memory");
	for (size_t i = 0, k = 0; i < n && !rc; i++) {
		struct image *img;

		if (!in->specs[i] && !strncmp(args[i], "dir:", 4)) {
			in->srcs[in->nsrcs++] = (struct tarin_src){
				.path = args[i] + 4, .name = args[i],
				.dir = true };
			continue;
		}
		if (!in->specs[i]) {
			in->srcs[in->nsrcs++] = (struct tarin_src){
				.path = args[i] };
			continue;
		}
		img = in->imgs[k++];
		for (size_t j = 0; j < img->nlayers; j++)
			image_layer_src(img, j, &in->srcs[in->nsrcs++]);
	}
	if (!rc && !in->nsrcs)
		rc = err_set(e, -EINVAL, "no layers: the image is empty");
	if (rc)
		cmd_inputs_release(in, NULL);
	return rc;
}

int cmd_inputs_names(char **args, size_t n, const struct cmd_inputs *in,
		     char ***out)
{
	char **names = calloc(in->nsrcs + 1, sizeof(*names));
	size_t k = 0, j = 0;

	*out = NULL;
	if (!names)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct image *img;

		if (!in->specs[i]) {
			names[k++] = strdup(args[i]);
			continue;
		}
		img = in->imgs[j++];
		for (size_t l = 0; l < img->nlayers; l++)
			names[k++] = strdup(img->nlayers == 1 ? args[i]
					    : img->layers[l].name);
	}
	for (size_t i = 0; i < k; i++)
		if (!names[i]) {
			cmd_names_free(names, k);
			return -ENOMEM;
		}
	*out = names;
	return 0;
}

int cmd_inputs_layer_info(char **args, size_t n, const struct cmd_inputs *in,
			  char ***digests, char ***commands)
{
	char **dg = calloc(in->nsrcs + 1, sizeof(*dg));
	char **cm = calloc(in->nsrcs + 1, sizeof(*cm));
	size_t k = 0, j = 0;
	int rc = dg && cm ? 0 : -ENOMEM;

	for (size_t i = 0; !rc && i < n; i++) {
		const struct image *img;

		if (!in->specs[i]) {
			k++;
			continue;
		}
		img = in->imgs[j++];
		for (size_t l = 0; !rc && l < img->nlayers; l++, k++) {
			const char *by = image_layer_created_by(img, l);
			char buf[72];

			dg[k] = strdup(image_digest_str(img->layers[l].diff_id,
							buf));
			if (!dg[k] || (by && !(cm[k] = strdup(by))))
				rc = -ENOMEM;
		}
	}
	if (rc) {
		cmd_names_free(dg, in->nsrcs);
		cmd_names_free(cm, in->nsrcs);
		dg = cm = NULL;
	}
	*digests = dg;
	*commands = cm;
	return rc;
}

void cmd_names_free(char **names, size_t n)
{
	for (size_t i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
}

void cmd_inputs_release(struct cmd_inputs *in, struct image **keep)
{
	if (keep) {
		*keep = in->nimgs ? in->imgs[in->nimgs - 1] : NULL;
		if (in->nimgs)
			in->nimgs--;
	}
	for (size_t i = 0; i < in->nimgs; i++)
		image_free(in->imgs[i]);
	free(in->imgs);
	free(in->srcs);
	cmd_names_free(in->specs, in->nargs);
	*in = (struct cmd_inputs){ 0 };
}
