/*
 * docker: docker-archive in and out, the format of `docker save` and
 * `docker load` (manifest.json: [{Config, RepoTags, Layers}], layer tars
 * and the config as members of one tar).
 *
 * In, the outer tar is scanned once for its member list (libarchive,
 * skipping content by lseek); each layer is then read in place as a
 * window of the archive, and checked against its diff_id (docker save
 * writes layers uncompressed, so the member's digest is the diff_id).
 *
 * Out, the new layer is written to a temporary file beside the archive
 * (its size must be in the member header before its content), then the
 * archive is written around it: layers, config, manifest.json, with
 * copy_file_range moving the layer bytes. Layers are uncompressed, as
 * docker save writes them, unless -z asks otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/io.h"
#include "image/image_impl.h"
#include "layers/memfs.h"
#include "layers/tarout.h"

/* "@N": the Nth image (from 0) of manifest.json, as skopeo names it. */
static int pick_index(const json_t *list, const char *ref, const json_t **out,
		      struct err *e)
{
	size_t n = json_array_size(list), k = 0;
	const char *p = ref + 1;

	if (!*p || strspn(p, "0123456789") != strlen(p) || strlen(p) > 9)
		return err_set(e, -EINVAL, "invalid image index '%s'", ref);
	k = (size_t)atol(p);
	if (k >= n)
		return err_set(e, -ENOENT, "no image %s: the archive holds %zu "
			       "image%s (@0 to @%zu)", ref, n, n == 1 ? "" : "s",
			       n - 1);
	*out = json_array_get(list, k);
	return 0;
}

/* The RepoTags of every image of list, for a message; NULL on ENOMEM. */
static char *all_tags(const json_t *list)
{
	const char **v = NULL, **nv;
	size_t n = 0, i, j;
	const json_t *d, *t;
	char *s;

	json_array_foreach(list, i, d)
		json_array_foreach(json_object_get(d, "RepoTags"), j, t) {
			if (!json_is_string(t))
				continue;
			nv = realloc(v, (n + 1) * sizeof(*v));
			if (!nv) {
				free(v);
				return NULL;
			}
			v = nv;
			v[n++] = json_string_value(t);
		}
	s = image_names_list(v, n);
	free(v);
	return s;
}

/*
 * The manifest.json entry ref names: "@N", or a RepoTag as docker matches
 * them (image_ref_normalize: "name" is "name:latest", "docker.io/library/
 * name:tag" is "name:tag"); with no ref, the only one.
 */
static int pick(const json_t *list, const char *ref, const json_t **out,
		struct err *e)
{
	size_t i, j, n = json_array_size(list);
	const json_t *d, *t;
	char *want, *tags;
	int rc = -ENOENT;

	if (!json_is_array(list) || !n)
		return err_set(e, -EINVAL, "manifest.json lists no images");
	if (!ref && n > 1)
		return err_set(e, -EINVAL, "manifest.json lists %zu images: "
			       "name one (docker-archive:FILE:REF or :@N)", n);
	if (!ref) {
		*out = json_array_get(list, 0);
		return 0;
	}
	if (ref[0] == '@')
		return pick_index(list, ref, out, e);
	if (!(want = image_ref_normalize(ref)))
		return -ENOMEM;
	json_array_foreach(list, i, d)
		json_array_foreach(json_object_get(d, "RepoTags"), j, t) {
			const char *s = json_string_value(t);
			char *have = s ? image_ref_normalize(s) : NULL;

			if (s && !have) {
				free(want);
				return -ENOMEM;
			}
			if (have && !strcmp(have, want) && rc) {
				*out = d;
				rc = 0;
			}
			free(have);
		}
	free(want);
	if (!rc)
		return 0;
	tags = all_tags(list);
	if (!tags)
		return -ENOMEM;
	rc = err_set(e, -ENOENT, "no image tagged '%s' (tags: %s)", ref, tags);
	free(tags);
	return rc;
}

/* What a member's first bytes say it is compressed with. */
static const char *member_type(int fd, const struct image_member *m)
{
	unsigned char b[4] = { 0 };

	if (io_pread_all(fd, b, sizeof(b), m->off))
		return image_layer_media_type(SINK_NONE);
	if (b[0] == 0x1f && b[1] == 0x8b)
		return image_layer_media_type(SINK_GZIP);
	if (b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd)
		return image_layer_media_type(SINK_ZSTD);
	return image_layer_media_type(SINK_NONE);
}

/* Reads and parses the JSON member name; its sha256 into digest. */
static int member_json(struct image_archive *s, const char *name,
		       json_t **out, unsigned char (*digest)[32],
		       struct err *e)
{
	const struct image_member *m;
	char *buf = NULL;
	int rc = image_archive_find(s, name, &m);

	if (rc)
		return rc;
	if (!m)
		return err_set(e, -ENOENT, "no member '%s'", name);
	rc = image_archive_read(s, m, &buf, e);
	if (rc)
		return rc;
	if (digest)
		image_sha256(buf, m->size, *digest);
	rc = image_json_doc(name, buf, m->size, out, e);
	free(buf);
	return rc;
}

static int read_layers(struct image *img, struct image_archive *s,
		       const char *file, const json_t *ls, struct err *e)
{
	size_t i;
	json_t *v;

	if (!json_is_array(ls))
		return err_set(e, -EINVAL, "manifest.json: no Layers");
	img->layers = calloc(json_array_size(ls) + 1, sizeof(*img->layers));
	if (!img->layers)
		return -ENOMEM;
	json_array_foreach(ls, i, v) {
		const char *name = json_string_value(v);
		const struct image_member *m = NULL;
		struct image_layer *l = &img->layers[i];

		if (name && image_archive_find(s, name, &m))
			return -ENOMEM;
		if (!m)
			return err_set(e, -ENOENT, "layer %zu: no member '%s'",
				       i + 1, name ? name : "(not a string)");
		img->nlayers = i + 1;
		if (image_layer_in_archive(img, i, file, m))
			return -ENOMEM;
		l->media_type = member_type(image_archive_fd(s), m);
	}
	return 0;
}

/*
 * The manifest's layer count against the config's diff_ids, before a
 * layer is looked up: a manifest naming 200,000 layers over a config of
 * one is refused at once.
 */
static int layer_count(const struct image *img, const json_t *ls,
		       struct err *e)
{
	const json_t *ids = json_object_get(json_object_get(img->config,
							    "rootfs"),
					    "diff_ids");

	if (json_is_array(ids) && json_is_array(ls) &&
	    json_array_size(ids) != json_array_size(ls))
		return err_set(e, -EINVAL, "config has %zu rootfs.diff_ids for "
			       "%zu layers", json_array_size(ids),
			       json_array_size(ls));
	return 0;
}

int image_docker_open(struct image *img, const char *file, const char *ref,
		      struct err *e)
{
	struct image_archive *s;
	json_t *list = NULL;
	const json_t *ent = NULL;
	const char *cname;
	unsigned char cd[32], want[32];
	char hex[80];
	int rc = image_archive_open(file, "docker-archive", &s, e);

	if (rc)
		return rc;
	rc = member_json(s, "manifest.json", &list, NULL, e);
	if (!rc)
		rc = pick(list, ref, &ent, e);
	cname = rc ? NULL : json_string_value(json_object_get(ent, "Config"));
	if (!rc && !cname)
		rc = err_set(e, -EINVAL, "manifest.json: no Config");
	if (!rc)
		rc = member_json(s, cname, &img->config, &cd, e);
	/* a config named by its digest (HEX.json, blobs/sha256/HEX) */
	if (!rc && strlen(cname) >= 64) {
		const char *b = strrchr(cname, '/') ? strrchr(cname, '/') + 1
						    : cname;

		snprintf(hex, sizeof(hex), "sha256:%.64s", b);
		if (!image_digest_parse(hex, want) && memcmp(want, cd, 32))
			rc = err_set(e, -EBADMSG, "config '%s': digest "
				     "mismatch", cname);
	}
	if (!rc && !json_is_object(img->config))
		rc = err_set(e, -EINVAL, "config is not a JSON object");
	if (!rc)
		rc = layer_count(img, json_object_get(ent, "Layers"), e);
	if (!rc)
		rc = read_layers(img, s, file, json_object_get(ent, "Layers"),
				 e);
	if (!rc)
		rc = image_config_diff_ids(img, e);
	/* an uncompressed layer's bytes are its diff_id */
	for (size_t i = 0; !rc && i < img->nlayers; i++) {
		struct image_layer *l = &img->layers[i];

		if (!strcmp(l->media_type, image_layer_media_type(SINK_NONE))) {
			memcpy(l->digest, l->diff_id, 32);
			l->has_digest = true;
		}
	}
	json_decref(list);
	image_archive_free(s);
	return rc;
}

/* --- out -------------------------------------------------------------- */

int image_docker_writer_open(struct image_writer *w, struct err *e)
{
	struct sink_opts so = { .comp = w->o.comp_given ? w->o.comp
							: SINK_NONE,
				.digest = true };

	w->o.comp = so.comp;
	return w->o.no_layer ? 0 : sink_open(w->path, &so, &w->layer, e);
}

/*
 * A reused layer as a member named by its diff_id: as it is when plain,
 * else decompressed once (docker save's layers are plain tars).
 */
static int put_layer(struct image_writer *w, struct tarout *t,
		     const struct image_layer *l, json_t *names,
		     struct err *e)
{
	bool plain = !strcmp(l->media_type, image_layer_media_type(SINK_NONE)) ||
		     !strcmp(l->media_type,
			     "application/vnd.docker.image.rootfs.diff.tar");
	struct sink *tmp = NULL;
	uint64_t size = l->len;
	char name[96], ds[72];
	int rc = 0;

	if (!plain && !w->o.comp_given)
		rc = image_layer_plain(l, w->path, &tmp, &size, e);
	if (rc)
		return rc;
	image_digest_str(plain || tmp || !l->has_digest ? l->diff_id
						   : l->digest, ds);
	snprintf(name, sizeof(name), "%s.tar", ds + 7);
	rc = tmp ? image_archive_put(t, name, sink_temp(tmp), 0, size, NULL,
				     w->o.created, e)
		 : image_archive_put(t, name, l->path, l->window ? l->off : 0,
				     l->len, NULL, w->o.created, e);
	sink_abort(tmp);
	if (!rc && json_array_append_new(names, json_string(name)))
		rc = -ENOMEM;
	return rc;
}

/* Layers, config and manifest.json into t. */
static int put_members(struct image_writer *w, struct tarout *t,
		       const struct sink_sums *sums, json_t *names,
		       struct err *e)
{
	const struct image_layer *ls = w->o.layers;
	size_t n = w->o.nlayers + !w->o.no_layer, len;
	unsigned char (*ids)[32] = calloc(n + 1, 32);
	char name[96], ds[72], *cfg = NULL, *man = NULL;
	json_t *list = NULL;
	int rc = -ENOMEM;

	if (!ids)
		return -ENOMEM;
	for (size_t i = 0; i < w->o.nlayers; i++) {
		rc = put_layer(w, t, &ls[i], names, e);
		if (rc)
			goto out;
		memcpy(ids[i], ls[i].diff_id, 32);
	}
	if (!w->o.no_layer) {
		snprintf(name, sizeof(name), "%s.tar",
			 image_digest_str(sums->out_sha256, ds) + 7);
		rc = image_archive_put(t, name, sink_temp(w->layer), 0,
				       sums->out_size, NULL, w->o.created, e);
		if (rc || json_array_append_new(names, json_string(name)))
			goto out;
		memcpy(ids[n - 1], sums->in_sha256, 32);
	}
	rc = image_config_make(&w->o, (const unsigned char (*)[32])ids, n,
			       &cfg, &len, NULL);
	if (rc)
		goto out;
	image_sha256(cfg, len, ids[0]);
	snprintf(name, sizeof(name), "%s.json", image_digest_str(ids[0], ds)
		 + 7);
	rc = image_archive_put(t, name, NULL, 0, len, cfg, w->o.created, e);
	if (rc)
		goto out;
	list = json_pack("[{s:s, s:[], s:O}]", "Config", name, "RepoTags",
			 "Layers", names);
	if (list && w->tag) {
		/* docker's reference syntax: a name without a tag is :latest */
		const char *slash = strrchr(w->tag, '/');
		bool tagged = strchr(slash ? slash : w->tag, ':') != NULL;
		char *rt = malloc(strlen(w->tag) + 8);

		if (rt)
			sprintf(rt, "%s%s", w->tag, tagged ? "" : ":latest");
		if (!rt || json_array_append_new(json_object_get(
				json_array_get(list, 0), "RepoTags"),
				json_string(rt)))
			rc = -ENOMEM;
		free(rt);
	}
	if (!rc && (!list || !(man = image_json_dump(list, &len))))
		rc = -ENOMEM;
	if (!rc)
		rc = image_archive_put(t, "manifest.json", NULL, 0, len, man,
				       w->o.created, e);
out:
	json_decref(list);
	free(ids);
	free(cfg);
	free(man);
	return rc;
}

int image_docker_commit(struct image_writer *w, struct err *e)
{
	struct sink_opts so = { .comp = SINK_NONE };
	struct sink_sums sums = { 0 };
	struct sink *out = NULL;
	struct tarout *t = NULL;
	json_t *names = json_array();
	int rc = w->o.no_layer ? 0 : sink_end(w->layer, &sums, e);

	if (!rc && !names)
		rc = -ENOMEM;
	if (!rc)
		rc = sink_open(w->path, &so, &out, e);
	if (!rc && !(t = tarout_new(out)))
		rc = -ENOMEM;
	if (!rc)
		rc = put_members(w, t, &sums, names, e);
	if (!rc)
		rc = tarout_finish(t, e);
	tarout_free(t);
	json_decref(names);
	if (rc) {
		sink_abort(out);
		return rc;
	}
	return sink_commit(out, e);
}
