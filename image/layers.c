/*
 * layers: naming an image's layers and comparing images by them, for the
 * commands that keep some layers and rewrite the rest (squash, mod,
 * rebase). Layers are compared by diff_id, the digest of their content
 * (config.md "rootfs"), so the same layer compressed differently is still
 * the same layer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "image/image_impl.h"

int image_layer_find(const struct image *img, const char *ref, size_t *out,
		     struct err *e)
{
	unsigned char d[32];
	char *end;
	unsigned long long n;

	if (!strchr(ref, ':')) {
		errno = 0;
		n = strtoull(ref, &end, 10);
		if (errno || end == ref || *end || *ref == '-')
			return err_set(e, -EINVAL, "layer '%s': not a number "
				       "or a digest", ref);
		if (n < 1 || n > img->nlayers)
			return err_set(e, -ENOENT, "layer %s: the image has "
				       "layers 1 to %zu", ref, img->nlayers);
		*out = (size_t)n - 1;
		return 0;
	}
	if (image_digest_parse(ref, d))
		return err_set(e, -EINVAL, "layer '%s': not a sha256 digest",
			       ref);
	for (size_t i = 0; i < img->nlayers; i++)
		if (!memcmp(img->layers[i].diff_id, d, 32) ||
		    (img->layers[i].has_digest &&
		     !memcmp(img->layers[i].digest, d, 32))) {
			*out = i;
			return 0;
		}
	return err_set(e, -ENOENT, "no layer with digest or diff_id '%s'", ref);
}

bool image_starts_with(const struct image *img, const struct image *base)
{
	if (base->nlayers > img->nlayers)
		return false;
	for (size_t i = 0; i < base->nlayers; i++)
		if (memcmp(img->layers[i].diff_id, base->layers[i].diff_id, 32))
			return false;
	return true;
}
