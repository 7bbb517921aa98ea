/*
 * platform: which manifest of a multi-platform image (an OCI index or a
 * docker manifest list, image-index.md "platform") is read: the one
 * --platform names, else linux on this machine's architecture.
 * Attestation manifests (platform unknown/unknown, as BuildKit writes
 * them) are never picked; they are carried along unchanged.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/image_impl.h"

/* "os/arch[/variant]" as --platform gave it; "" for the default. */
static char chosen[128];

int image_platform_set(const char *p, struct err *e)
{
	const char *s1 = strchr(p, '/'), *s2 = s1 ? strchr(s1 + 1, '/') : NULL;

	if (!s1 || s1 == p || !s1[1] || s1[1] == '/' ||
	    (s2 && (!s2[1] || strchr(s2 + 1, '/'))) ||
	    strlen(p) >= sizeof(chosen))
		return err_set(e, -EINVAL, "'%s': not OS/ARCH[/VARIANT]", p);
	strcpy(chosen, p);
	return 0;
}

bool image_platform_attestation(const json_t *platform)
{
	const char *os = json_string_value(json_object_get(platform, "os"));
	const char *a = json_string_value(json_object_get(platform,
							 "architecture"));

	return os && a && !strcmp(os, "unknown") && !strcmp(a, "unknown");
}

/* Whether len bytes at want equal the string s (NULL: never). */
static bool is(const char *s, const char *want, size_t len)
{
	return s && strlen(s) == len && !memcmp(s, want, len);
}

bool image_platform_match(const json_t *platform)
{
	const char *os = json_string_value(json_object_get(platform, "os"));
	const char *a = json_string_value(json_object_get(platform,
							 "architecture"));
	const char *v = json_string_value(json_object_get(platform, "variant"));
	const char *s1, *s2;

	if (!chosen[0])
		return os && a && !strcmp(os, "linux") &&
		       !strcmp(a, image_goarch());
	s1 = strchr(chosen, '/');
	s2 = strchr(s1 + 1, '/');
	if (!is(os, chosen, (size_t)(s1 - chosen)) ||
	    !is(a, s1 + 1, s2 ? (size_t)(s2 - s1 - 1) : strlen(s1 + 1)))
		return false;
	return !s2 || is(v, s2 + 1, strlen(s2 + 1));
}

const char *image_platform_name(void)
{
	static char def[64];

	if (chosen[0])
		return chosen;
	strcpy(def, "linux/");
	strncat(def, image_goarch(), sizeof(def) - 7);
	return def;
}

int image_platform_list(const struct image *img, char ***out, size_t *n)
{
	const json_t *ms = json_object_get(img->index, "manifests"), *d;
	size_t i;

	*n = 0;
	*out = calloc(json_array_size(ms) + 1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	json_array_foreach(ms, i, d) {
		const json_t *p = json_object_get(d, "platform");
		const char *os = json_string_value(json_object_get(p, "os"));
		const char *a = json_string_value(json_object_get(p,
							"architecture"));
		const char *v = json_string_value(json_object_get(p, "variant"));
		char *s;

		if (!os || !a || image_platform_attestation(p))
			continue;
		if (asprintf(&s, "%s/%s%s%s", os, a, v ? "/" : "", v ? v : "") < 0)
			return -ENOMEM;
		(*out)[(*n)++] = s;
	}
	return 0;
}

int image_oci_retag(const char *dir, const char *from, const char *to,
		    struct err *e)
{
	size_t n = strlen(dir) + 16, i, len;
	char *path = malloc(n), *buf = NULL;
	json_t *index = NULL, *ms, *d;
	int rc;

	if (!path)
		return -ENOMEM;
	snprintf(path, n, "%s/index.json", dir);
	rc = image_json_load(path, &index, e);
	ms = json_object_get(index, "manifests");
	/* image-layout.md: a ref.name names one manifest; to's old one goes */
	for (i = 0; !rc && i < json_array_size(ms);) {
		json_t *ann = json_object_get(d = json_array_get(ms, i),
					      "annotations");
		const char *ref = json_string_value(json_object_get(ann,
							IMAGE_REF_NAME));

		if (ref && to && !strcmp(ref, to)) {
			json_array_remove(ms, i);
			continue;
		}
		if (ref && !strcmp(ref, from)) {
			if (!to) {
				json_array_remove(ms, i);
				continue;
			}
			json_object_set_new(ann, IMAGE_REF_NAME,
					    json_string(to));
		}
		i++;
	}
	if (!rc && !(buf = image_json_dump(index, &len)))
		rc = -ENOMEM;
	if (!rc)
		rc = image_write_file(path, buf, len, e);
	json_decref(index);
	free(buf);
	free(path);
	return rc;
}
