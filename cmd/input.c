/*
 * input: the layer arguments of a command, with image references
 * ("oci:DIR[:REF]", "docker-archive:FILE[:REF]", image/image.h) expanded
 * into their layers, base first, in the place the image was named.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "image/image.h"
#include "layers/tarin.h"

int cmd_inputs_expand(char **args, size_t n, struct cmd_inputs *in,
		      struct err *e)
{
	size_t total = 0;
	int rc = 0;

	*in = (struct cmd_inputs){ 0 };
	in->imgs = calloc(n + 1, sizeof(*in->imgs));
	if (!in->imgs)
		return err_set(e, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n && !rc; i++) {
		if (!image_is_spec(args[i])) {
			total++;
			continue;
		}
		rc = image_open(args[i], &in->imgs[in->nimgs], e);
		if (!rc)
			total += in->imgs[in->nimgs++]->nlayers;
	}
	if (!rc && !(in->srcs = calloc(total + 1, sizeof(*in->srcs))))
		rc = err_set(e, -ENOMEM, "out of memory");
	for (size_t i = 0, k = 0; i < n && !rc; i++) {
		struct image *img;

		if (!image_is_spec(args[i])) {
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

		if (!image_is_spec(args[i])) {
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
	*in = (struct cmd_inputs){ 0 };
}
