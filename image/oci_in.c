/*
 * oci_in: OCI image layouts in (image-spec image-layout.md, image-index.md,
 * manifest.md, descriptor.md), from a directory (oci:) or from the members
 * of a tar (oci-archive:, read in place through archive.c).
 *
 * The descriptor named by REF (a ref.name annotation or a digest) is
 * followed to its manifest (through one nested index, picking this
 * machine's platform) and config; both are read whole and their digests
 * and sizes checked. Layer blobs are checked by tarin as they are read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/input.h"
#include "base/io.h"
#include "image/image_impl.h"

int image_oci_desc_parse(const json_t *desc, unsigned char d[32],
			 uint64_t *size, struct err *e)
{
	const char *ds = json_string_value(json_object_get(desc, "digest"));
	json_t *sz = json_object_get(desc, "size");
	int rc;

	if (!ds || !json_is_integer(sz) || json_integer_value(sz) < 0)
		return err_set(e, -EINVAL, "descriptor without digest or size");
	rc = image_digest_parse(ds, d);
	if (rc == -ENOTSUP)
		return err_set(e, rc, "digest '%s': only sha256 is supported",
			       ds);
	if (rc)
		return err_set(e, rc, "bad digest '%s'", ds);
	*size = (uint64_t)json_integer_value(sz);
	return 0;
}

/*
 * Where a layout's files are: the directory dir, or the members of the
 * tar ar (oci-archive, file its path).
 */
struct layout {
	const char *dir;
	struct image_archive *ar;
	const char *file;
};

/* The file rel of the layout, whole (at most IMAGE_JSON_MAX bytes). */
static int layout_read(const struct layout *L, const char *rel, char **buf,
		       size_t *len, struct err *e)
{
	const struct image_member *m;
	char *p;
	int rc;

	if (!L->ar) {
		if (!(p = image_path_join(L->dir, rel)))
			return -ENOMEM;
		rc = input_read_regular(p, IMAGE_JSON_MAX, buf, len);
		free(p);
		return rc;
	}
	rc = image_archive_find(L->ar, rel, &m);
	if (!rc && !m)
		rc = -ENOENT;
	if (!rc)
		rc = image_archive_read(L->ar, m, buf, e);
	if (!rc)
		*len = m->size;
	return rc;
}

/* Reads a small blob (manifest, config, index) and checks it. */
static int blob_json(const struct layout *L, const json_t *desc,
		     json_t **out, struct err *e)
{
	unsigned char want[32], got[32];
	char rel[96], *buf = NULL, ds[72];
	uint64_t size;
	size_t len;
	int rc = image_oci_desc_parse(desc, want, &size, e);

	if (rc)
		return rc;
	image_oci_blob_rel(want, rel);
	rc = layout_read(L, rel, &buf, &len, e);
	if (rc)
		err_set(e, rc, "blob %s: %s", image_digest_str(want, ds),
			strerror(-rc));
	else if (len != size)
		rc = err_set(e, -EBADMSG, "blob %s: size %zu, descriptor says "
			     "%llu", image_digest_str(want, ds), len,
			     (unsigned long long)size);
	if (!rc) {
		image_sha256(buf, len, got);
		if (memcmp(got, want, 32))
			rc = err_set(e, -EBADMSG, "blob %s: digest mismatch",
				     image_digest_str(want, ds));
	}
	if (!rc)
		rc = image_json_doc(image_digest_str(want, ds), buf, len, out,
				    e);
	free(buf);
	return rc;
}

/* A JSON file of the layout ("index.json", "oci-layout"). */
static int layout_json(const struct layout *L, const char *rel,
		       json_t **out, struct err *e)
{
	char *buf;
	size_t len;
	int rc = layout_read(L, rel, &buf, &len, e);

	if (rc)
		return err_set(e, rc, "cannot read '%s': %s", rel,
			       strerror(-rc));
	if (L->ar) {
		rc = image_json_doc(rel, buf, len, out, e);
	} else {
		/* a directory's file is named by its path (image.c) */
		char *p = image_path_join(L->dir, rel);

		rc = p ? image_json_doc(p, buf, len, out, e) : -ENOMEM;
		free(p);
	}
	free(buf);
	return rc;
}

/* "no manifest named 'x' (names: 'a', 'b')": what the index names. */
static int no_such_ref(const json_t *m, const char *ref, struct err *e)
{
	const char **v = calloc(json_array_size(m) + 1, sizeof(*v));
	size_t i, n = 0;
	const json_t *d;
	char *names;
	int rc;

	if (!v)
		return -ENOMEM;
	json_array_foreach(m, i, d) {
		const char *name = json_string_value(json_object_get(
			json_object_get(d, "annotations"), IMAGE_REF_NAME));

		if (name)
			v[n++] = name;
	}
	names = image_names_list(v, n);
	free(v);
	if (!names)
		return -ENOMEM;
	rc = err_set(e, -ENOENT, "no manifest named '%s' (names: %s)", ref,
		     names);
	free(names);
	return rc;
}

/* The entry of index ref names; with no ref, the only one. */
static int pick(const json_t *index, const char *ref, const json_t **out,
		struct err *e)
{
	const json_t *m = json_object_get(index, "manifests"), *d;
	size_t i, n = json_array_size(m);

	if (!json_is_array(m) || !n)
		return err_set(e, -ENOENT, "index.json lists no manifests");
	if (!ref) {
		if (n > 1)
			return err_set(e, -EINVAL, "index.json lists %zu "
				       "manifests: name one (oci:DIR:REF)", n);
		*out = json_array_get(m, 0);
		return 0;
	}
	json_array_foreach(m, i, d)
		if (image_oci_ref_matches(d, ref)) {
			*out = d;
			return 0;
		}
	return no_such_ref(m, ref, e);
}

/*
 * In a nested index, the manifest of the platform read (platform.c);
 * the only one when there is one. *pos: its position.
 */
static int pick_platform(const json_t *index, const json_t **out,
			 size_t *pos, struct err *e)
{
	const json_t *m = json_object_get(index, "manifests"), *d;
	size_t i;

	json_array_foreach(m, i, d) {
		const json_t *p = json_object_get(d, "platform");

		if ((json_array_size(m) == 1 ||
		     image_platform_match(p)) &&
		    !image_platform_attestation(p)) {
			*out = d;
			*pos = i;
			return 0;
		}
	}
	return err_set(e, -ENOENT, "no manifest for %s",
		       image_platform_name());
}

static const char *known_layer_type(const char *mt)
{
	static const char *const types[] = {
		"application/vnd.oci.image.layer.v1.tar",
		"application/vnd.oci.image.layer.v1.tar+gzip",
		"application/vnd.oci.image.layer.v1.tar+zstd",
		"application/vnd.oci.image.layer.nondistributable.v1.tar",
		"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
		"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
		"application/vnd.docker.image.rootfs.diff.tar.gzip",
		"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
		"application/vnd.docker.image.rootfs.diff.tar",
	};

	for (size_t i = 0; mt && i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(mt, types[i]))
			return types[i];
	return NULL;
}

/* Layer i's blob is a regular file of its descriptor's size. */
static int blob_size_ok(const struct image_layer *l, size_t i, struct err *e)
{
	struct stat st;
	char ds[72];

	if (lstat(l->path, &st))
		return err_set(e, -errno, "layer %zu: blob %s: %s", i + 1,
			       image_digest_str(l->digest, ds),
			       strerror(errno));
	if (!S_ISREG(st.st_mode))
		return err_set(e, -EINVAL, "layer %zu: blob %s: not a regular "
			       "file", i + 1, image_digest_str(l->digest, ds));
	if ((uint64_t)st.st_size != l->len)
		return err_set(e, -EBADMSG, "layer %zu: blob %s: size %llu, "
			       "descriptor says %llu", i + 1,
			       image_digest_str(l->digest, ds),
			       (unsigned long long)st.st_size,
			       (unsigned long long)l->len);
	return 0;
}

static int read_layers(struct image *img, const struct layout *L,
		       const json_t *manifest, struct err *e)
{
	const json_t *ls = json_object_get(manifest, "layers"), *d;
	size_t i;
	int rc;

	if (!json_is_array(ls))
		return err_set(e, -EINVAL, "manifest has no layers");
	img->layers = calloc(json_array_size(ls) + 1, sizeof(*img->layers));
	if (!img->layers)
		return -ENOMEM;
	json_array_foreach(ls, i, d) {
		struct image_layer *l = &img->layers[i];
		const char *mt = json_string_value(json_object_get(d,
								"mediaType"));
		const struct image_member *m = NULL;
		char rel[96];

		img->nlayers = i + 1;
		l->media_type = known_layer_type(mt);
		if (!l->media_type)
			return err_set(e, -ENOTSUP, "layer %zu: unsupported "
				       "media type '%s'", i + 1,
				       mt ? mt : "(none)");
		rc = image_oci_desc_parse(d, l->digest, &l->len, e);
		if (rc)
			return rc;
		l->has_digest = true;
		if (!L->ar) {
			l->path = image_oci_blob_path(L->dir, l->digest);
			if (!l->path || image_layer_name(img, i))
				return -ENOMEM;
			/* the size before anything is read or copied by it
			 * (the digest is checked as tarin reads the blob,
			 * before any output is committed) */
			rc = blob_size_ok(l, i, e);
			if (rc)
				return rc;
			continue;
		}
		image_oci_blob_rel(l->digest, rel);
		if (image_archive_find(L->ar, rel, &m))
			return -ENOMEM;
		if (!m)
			return err_set(e, -ENOENT, "layer %zu: no member '%s'",
				       i + 1, rel);
		if (m->size != l->len)
			return err_set(e, -EBADMSG, "layer %zu: member '%s' has "
				       "%llu bytes, descriptor says %llu", i + 1,
				       rel, (unsigned long long)m->size,
				       (unsigned long long)l->len);
		if (image_layer_in_archive(img, i, L->file, m))
			return -ENOMEM;
	}
	return 0;
}

/* The image ref names in the layout L: index, manifest, config, layers. */
static int layout_open(struct image *img, const struct layout *L,
		       const char *ref, struct err *e)
{
	json_t *layout = NULL, *index = NULL, *nested = NULL;
	json_t *manifest = NULL;
	const json_t *desc = NULL;
	const char *mt;
	int rc = layout_json(L, "oci-layout", &layout, e);

	if (rc == -ENOENT) {
		err_clear(e);
		return err_set(e, rc, "not an OCI image layout (no oci-layout)");
	}
	if (!rc)
		rc = layout_json(L, "index.json", &index, e);
	if (!rc)
		rc = pick(index, ref, &desc, e);
	mt = rc ? NULL : json_string_value(json_object_get(desc, "mediaType"));
	if (mt && (!strcmp(mt, IMAGE_MT_INDEX) ||
		   !strcmp(mt, IMAGE_MT_DOCKER_LIST))) {
		rc = blob_json(L, desc, &nested, e);
		if (!rc)
			rc = pick_platform(nested, &desc, &img->index_pos, e);
		/* kept for a writer that puts the new manifest in its
		 * place (oci.c put_nested), which copies the other
		 * entries' blobs from a directory */
		if (!rc && !L->ar)
			img->index = json_incref(nested);
	}
	if (!rc)
		rc = blob_json(L, desc, &manifest, e);
	if (!rc)
		rc = read_layers(img, L, manifest, e);
	if (!rc)
		rc = blob_json(L, json_object_get(manifest, "config"),
			       &img->config, e);
	if (!rc && !json_is_object(img->config))
		rc = err_set(e, -EINVAL, "config is not a JSON object");
	if (!rc)
		rc = image_config_diff_ids(img, e);
	json_decref(layout);
	json_decref(index);
	json_decref(nested);
	json_decref(manifest);
	return rc;
}

int image_oci_blob_json(const char *dir, const json_t *desc, json_t **out,
			struct err *e)
{
	struct layout L = { .dir = dir };

	return blob_json(&L, desc, out, e);
}

int image_oci_open(struct image *img, const char *dir, const char *ref,
		   struct err *e)
{
	struct layout L = { .dir = dir };

	if (!(img->dir = strdup(dir)))
		return -ENOMEM;
	return layout_open(img, &L, ref, e);
}

int image_ociarch_open(struct image *img, const char *file, const char *ref,
		       struct err *e)
{
	struct layout L = { .file = file };
	int rc = image_archive_open(file, "oci-archive", &L.ar, e);

	if (!rc)
		rc = layout_open(img, &L, ref, e);
	image_archive_free(L.ar);
	return rc;
}
