/*
 * input: the layer arguments of a command, with image references
 * ("oci:DIR[:REF]", "docker-archive:FILE[:REF]", image/image.h) expanded
 * into their layers, base first, in the place the image was named.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
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

/* "oci:DIR:TAG" split: dir and tag into new strings. 0 or -ENOMEM. */
static int split_out(const char *out, char **dir, char **tag)
{
	const char *colon = strchr(out + 4, ':');

	*dir = strndup(out + 4, (size_t)(colon - out - 4));
	*tag = strdup(colon + 1);
	return *dir && *tag ? 0 : -ENOMEM;
}

/*
 * Every platform in turn into a temporary tag of out's layout, each run
 * reading what the one before wrote, then the tag renamed: a failure
 * leaves out as it was (but for blobs nothing names).
 */
static int each(const char *in, const char *out, char **ps, size_t n,
		int (*fn)(void *ctx, const char *in, const char *out),
		void *ctx)
{
	char *dir = NULL, *tag = NULL, *tmp = NULL;
	struct err e;
	int rc = CMD_FAIL;

	err_clear(&e);
	if (split_out(out, &dir, &tag) ||
	    asprintf(&tmp, "%s.overtar-%ld", out, (long)getpid()) < 0) {
		tmp = NULL;
		rc = cmd_fail("out of memory");
		goto out;
	}
	rc = CMD_OK;
	for (size_t i = 0; !rc && i < n; i++) {
		if (image_platform_set(ps[i], &e))
			rc = cmd_report(&e);
		else
			rc = fn(ctx, i ? tmp : in, tmp);
	}
	/* the temporary tag: what follows the first ':' after "oci:" */
	if (!rc && image_oci_retag(dir, strchr(tmp + 4, ':') + 1, tag, &e))
		rc = cmd_report(&e);
	if (rc && n)
		image_oci_retag(dir, strchr(tmp + 4, ':') + 1, NULL, &e);
out:
	free(dir);
	free(tag);
	free(tmp);
	return rc;
}

int cmd_each_platform(const char *cmd, const char *in, const char *out,
		      bool all,
		      int (*fn)(void *ctx, const char *in, const char *out),
		      void *ctx)
{
	struct image *img = NULL;
	char **ps = NULL;
	size_t n = 0;
	struct err e;
	int rc;

	if (!all)
		return fn(ctx, in, out);
	err_clear(&e);
	if (strncmp(out, "oci:", 4) || !strchr(out + 4, ':'))
		return cmd_usage(cmd, "--all-platforms writes an index: -o "
				 "takes oci:DIR:TAG");
	if (image_open(in, &img, &e))
		return cmd_report(&e);
	rc = image_platform_list(img, &ps, &n) ? cmd_fail("out of memory")
						: CMD_OK;
	image_free(img);
	if (!rc && !n)
		rc = fn(ctx, in, out);	/* one platform: nothing to go over */
	else if (!rc)
		rc = each(in, out, ps, n, fn, ctx);
	for (size_t i = 0; i < n; i++)
		free(ps[i]);
	free(ps);
	return rc;
}
