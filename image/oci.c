/*
 * oci: OCI image layouts out (image-spec image-layout.md), and the path
 * helpers the reader (oci_in.c) shares.
 *
 * Blobs are written first, each renamed to its digest, then index.json by
 * rename: until that rename the layout still shows what it showed before,
 * and the manifests it held stay, only the one that had TAG losing that
 * name to the new one.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/input.h"
#include "image/image_impl.h"
#include "layers/memfs.h"

char *image_path_join(const char *dir, const char *rel)
{
	size_t n = strlen(dir) + strlen(rel) + 2;
	char *p = malloc(n);

	if (p)
		snprintf(p, n, "%s/%s", dir, rel);
	return p;
}

void image_oci_blob_rel(const unsigned char d[32], char rel[96])
{
	char ds[72];

	image_digest_str(d, ds);
	snprintf(rel, 96, "blobs/sha256/%s", ds + 7);
}

char *image_oci_blob_path(const char *dir, const unsigned char d[32])
{
	char rel[96];

	image_oci_blob_rel(d, rel);
	return image_path_join(dir, rel);
}

bool image_oci_ref_matches(const json_t *desc, const char *ref)
{
	const char *name = json_string_value(json_object_get(
		json_object_get(desc, "annotations"), IMAGE_REF_NAME));
	const char *d = json_string_value(json_object_get(desc, "digest"));

	return (name && !strcmp(name, ref)) || (d && !strcmp(d, ref));
}

/* --- out -------------------------------------------------------------- */

/* mkdir that records what it made; an existing directory is fine. */
static int mkdir_made(struct image_writer *w, const char *path,
		      struct err *e)
{
	struct stat st;

	if (!mkdir(path, 0755))
		return image_writer_made(w, path);
	if (errno == EEXIST && !stat(path, &st) && S_ISDIR(st.st_mode))
		return 0;
	return err_set(e, errno == EEXIST ? -ENOTDIR : -errno,
		       "cannot create directory '%s': %s", path,
		       strerror(errno == EEXIST ? ENOTDIR : errno));
}

/*
 * blobs/ and blobs/sha256 must be real directories: a symlink would lead
 * every blob written out of the layout (never trust what the output
 * holds). 0 or -ENOTDIR with e set.
 */
static int real_dir(const char *path, struct err *e)
{
	struct stat st;

	if (!lstat(path, &st) && S_ISDIR(st.st_mode))
		return 0;
	return err_set(e, -ENOTDIR, "'%s' is not a directory (a symlink?): "
		       "refused", path);
}

/* An OCI layout, or an empty directory, may be written to. */
static bool writable_dir(const char *path)
{
	char *p = image_path_join(path, "oci-layout");
	bool ok = p && !access(p, F_OK);
	struct dirent *d;
	DIR *dir;

	free(p);
	if (ok || !(dir = opendir(path)))
		return ok;
	ok = true;
	while (ok && (d = readdir(dir)))
		ok = !strcmp(d->d_name, ".") || !strcmp(d->d_name, "..");
	closedir(dir);
	return ok;
}

int image_oci_writer_open(struct image_writer *w, struct err *e)
{
	struct sink_opts so = { .comp = w->o.comp_given ? w->o.comp
							: SINK_GZIP,
				.digest = true };
	char *blobs = image_path_join(w->path, "blobs"), *sha = NULL, *tmp = NULL;
	bool existed = !access(w->path, F_OK);
	int rc = -ENOMEM;

	w->o.comp = so.comp;
	if (!blobs || !(sha = image_path_join(blobs, "sha256")) ||
	    !(tmp = image_path_join(sha, "layer")))
		goto out;
	if (existed && !writable_dir(w->path)) {
		rc = err_set(e, -EEXIST, "'%s' exists and is not an OCI image "
			     "layout", w->path);
		goto out;
	}
	rc = mkdir_made(w, w->path, e);
	if (!rc)
		rc = mkdir_made(w, blobs, e);
	if (!rc)
		rc = real_dir(blobs, e);
	if (!rc)
		rc = mkdir_made(w, sha, e);
	if (!rc)
		rc = real_dir(sha, e);
	if (!rc && !w->o.no_layer)
		rc = sink_open(tmp, &so, &w->layer, e);
out:
	free(blobs);
	free(sha);
	free(tmp);
	return rc;
}

/* Writes a small blob unless the layout has it; fills its descriptor. */
static int put_blob(struct image_writer *w, const char *mt, const char *buf,
		    size_t len, json_t **desc, struct err *e)
{
	unsigned char d[32];
	char ds[72], *path;
	int rc = 0;

	image_sha256(buf, len, d);
	path = image_oci_blob_path(w->path, d);
	if (!path)
		return -ENOMEM;
	/* one there with other content (or a symlink) is written anew */
	if (!image_blob_ok(path, d)) {
		bool had = !access(path, F_OK);

		rc = image_write_file(path, buf, len, e);
		if (!rc && !had)
			rc = image_writer_made(w, path);
	}
	free(path);
	if (rc)
		return rc;
	*desc = json_pack("{s:s, s:s, s:I}", "mediaType", mt, "digest",
			  image_digest_str(d, ds), "size", (json_int_t)len);
	return *desc ? 0 : -ENOMEM;
}

/* Copies bytes [off, off+len) of path into the sink s. */
static int copy_into(struct sink *s, const char *path, uint64_t off,
		     uint64_t len, struct err *e)
{
	struct stat st;
	int fd = input_open_regular(path, &st);	/* a fifo never blocks */
	struct memfs_src *src;
	int rc;

	if (fd < 0)
		return err_set(e, fd, "cannot open '%s': %s", path,
			       fd == -EINVAL ? "not a regular file"
			       : strerror(-fd));
	src = memfs_src_fd(fd, off + len);
	if (!src)
		return -ENOMEM;
	rc = sink_copy(s, src, off, len);
	memfs_src_put(src);
	if (rc)
		err_set(e, rc, "cannot copy '%s': %s", path, strerror(-rc));
	return rc;
}

/*
 * Puts a base layer's blob into the layout: nothing to do when it is
 * there already (the same layout, or a shared blob), else copied through
 * a digest sink, which also gives the digest when the input had none
 * (a docker-archive member).
 */
static int put_base_layer(struct image_writer *w, const struct image_layer *l,
			  unsigned char d[32], struct err *e)
{
	struct sink_opts so = { .comp = SINK_NONE, .digest = true };
	struct sink_sums sums;
	struct sink *s;
	char *path, *tmp = image_path_join(w->path, "blobs/sha256/layer");
	int rc;

	if (!tmp)
		return -ENOMEM;
	if (l->has_digest) {
		memcpy(d, l->digest, 32);
		path = image_oci_blob_path(w->path, d);
		/* kept only when its content is the digest: else copied */
		if (!path || image_blob_ok(path, d)) {
			free(path);
			free(tmp);
			return path ? 0 : -ENOMEM;
		}
		free(path);
	}
	rc = sink_open(tmp, &so, &s, e);
	free(tmp);
	if (rc)
		return rc;
	rc = copy_into(s, l->path, l->window ? l->off : 0, l->len, e);
	if (rc) {
		sink_abort(s);
		return rc;
	}
	rc = sink_end(s, &sums, e);
	if (rc) {
		sink_abort(s);
		return rc;
	}
	memcpy(d, sums.out_sha256, 32);
	path = image_oci_blob_path(w->path, d);
	if (!path) {
		sink_abort(s);
		return -ENOMEM;
	}
	rc = sink_commit_as(s, path, e);
	if (!rc)
		rc = image_writer_made(w, path);
	free(path);
	return rc;
}

/* The layer descriptors and diff_ids: the reused ones and the new one. */
static int layer_descs(struct image_writer *w, const struct sink_sums *new,
		       json_t *descs, unsigned char (*ids)[32], size_t *n,
		       struct err *e)
{
	const struct image_layer *ls = w->o.layers;
	unsigned char d[32];
	char ds[72];
	int rc;

	*n = 0;
	for (size_t i = 0; i < w->o.nlayers; i++) {
		rc = put_base_layer(w, &ls[i], d, e);
		if (rc)
			return rc;
		if (json_array_append_new(descs, json_pack("{s:s, s:s, s:I}",
				"mediaType", ls[i].media_type,
				"digest", image_digest_str(d, ds),
				"size", (json_int_t)ls[i].len)))
			return -ENOMEM;
		memcpy(ids[(*n)++], ls[i].diff_id, 32);
	}
	if (w->o.no_layer)
		return 0;
	if (json_array_append_new(descs, json_pack("{s:s, s:s, s:I}",
			"mediaType", image_layer_media_type(w->o.comp),
			"digest", image_digest_str(new->out_sha256, ds),
			"size", (json_int_t)new->out_size)))
		return -ENOMEM;
	memcpy(ids[(*n)++], new->in_sha256, 32);
	return 0;
}

/*
 * An exclusive flock(2) on "index.json.lock" beside index.json, held for
 * the read-modify-rename of the index so that concurrent writers to one
 * layout each add their tag (as containers/image's users expect of a
 * layout). The file stays: removing it would race with the next writer.
 * Returns the fd (close to unlock) or a negative errno with e set.
 */
static int lock_index(struct image_writer *w, struct err *e)
{
	char *path = image_path_join(w->path, "index.json.lock");
	int fd, rc = 0;

	if (!path)
		return -ENOMEM;
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		  0644);
	if (fd >= 0) {
		/* removed on abort only with a layout this run made: in an
		 * old one, another writer may be waiting on it */
		for (size_t i = 0; i < w->nmade; i++)
			if (!strcmp(w->made[i], w->path))
				rc = image_writer_made(w, path);
	} else if (errno == EEXIST) {
		fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	}
	if (fd < 0)
		rc = err_set(e, -errno, "cannot open '%s': %s", path,
			     strerror(errno));
	while (!rc && flock(fd, LOCK_EX))
		if (errno != EINTR)
			rc = err_set(e, -errno, "cannot lock '%s': %s", path,
				     strerror(errno));
	free(path);
	if (rc && fd >= 0)
		close(fd);
	return rc ? rc : fd;
}

/* index.json with the new manifest under the tag (image-layout.md). */
static int put_index(struct image_writer *w, json_t *mdesc, json_t *platform,
		     struct err *e)
{
	char *path = image_path_join(w->path, "index.json"), *buf = NULL;
	json_t *index = NULL, *ms, *d;
	size_t i, len;
	int rc = -ENOMEM;

	if (!path)
		return -ENOMEM;
	if (!access(path, F_OK))
		rc = image_json_load(path, &index, e);
	else if ((index = json_pack("{s:i, s:s, s:[]}", "schemaVersion", 2,
				    "mediaType", IMAGE_MT_INDEX, "manifests")))
		rc = 0;
	if (rc)
		goto out;
	ms = json_object_get(index, "manifests");
	if (!json_is_array(ms)) {
		rc = err_set(e, -EINVAL, "index.json has no manifests array");
		goto out;
	}
	for (i = 0; w->tag && i < json_array_size(ms);)
		if (image_oci_ref_matches(d = json_array_get(ms, i), w->tag) &&
		    json_object_get(json_object_get(d, "annotations"),
				    IMAGE_REF_NAME))
			json_array_remove(ms, i);
		else
			i++;
	/* the platform, for clients that choose by it (image-index.md) */
	if (platform)
		json_object_set(mdesc, "platform", platform);
	if (w->tag)
		json_object_set_new(mdesc, "annotations", json_pack("{s:s}",
			IMAGE_REF_NAME, w->tag));
	rc = json_array_append(ms, mdesc) ? -ENOMEM : 0;
	if (!rc && !(buf = image_json_dump(index, &len)))
		rc = -ENOMEM;
	if (!rc)
		rc = image_write_file(path, buf, len, e);
out:
	json_decref(index);
	free(buf);
	free(path);
	return rc;
}

/* Copies the blob desc names from the layout src into w's, checked. */
static int copy_blob(struct image_writer *w, const char *src,
		     const json_t *desc, struct err *e)
{
	struct image_layer l = { .has_digest = true };
	unsigned char d[32];
	int rc = image_oci_desc_parse(desc, l.digest, &l.len, e);

	if (rc)
		return rc;
	l.path = image_oci_blob_path(src, l.digest);
	rc = l.path ? put_base_layer(w, &l, d, e) : -ENOMEM;
	free(l.path);
	return rc;
}

/* An entry of a nested index, its manifest's blobs included. */
static int copy_entry(struct image_writer *w, const char *src,
		      const json_t *desc, struct err *e)
{
	const char *mt = json_string_value(json_object_get(desc, "mediaType"));
	json_t *m = NULL, *l;
	size_t i;
	int rc = copy_blob(w, src, desc, e);

	if (rc || !mt || (strcmp(mt, IMAGE_MT_MANIFEST) &&
			  strcmp(mt, IMAGE_MT_DOCKER_MANIFEST)))
		return rc;
	rc = image_oci_blob_json(src, desc, &m, e);
	if (!rc)
		rc = copy_blob(w, src, json_object_get(m, "config"), e);
	json_array_foreach(json_object_get(m, "layers"), i, l)
		if (!rc)
			rc = copy_blob(w, src, l, e);
	json_decref(m);
	return rc;
}

/*
 * A multi-platform input (image-index.md): the new manifest takes its
 * platform's place in a copy of the nested index, every other entry
 * (attestation manifests too) unchanged, its blobs copied when this is
 * another layout. *mdesc becomes the nested index's descriptor, which
 * has no platform.
 */
static int put_nested(struct image_writer *w, json_t **mdesc,
		      json_t **platform, struct err *e)
{
	const struct image *b = w->o.base;
	json_t *idx = json_deep_copy(b->index), *ndesc = NULL;
	json_t *ms = json_object_get(idx, "manifests");
	json_t *ent = json_deep_copy(*mdesc), *old;
	char *buf = NULL;
	size_t len;
	int rc = -ENOMEM;

	if (!idx || !ent)
		goto out;
	old = json_array_get(ms, b->index_pos);
	json_object_set(ent, "platform", json_object_get(old, "platform"));
	if (json_array_set_new(ms, b->index_pos, ent))
		goto out;
	ent = NULL;
	rc = 0;
	for (size_t i = 0; !rc && i < json_array_size(ms); i++)
		if (i != b->index_pos)
			rc = copy_entry(w, b->dir, json_array_get(ms, i), e);
	if (!rc && !(buf = image_json_dump(idx, &len)))
		rc = -ENOMEM;
	if (!rc)
		rc = put_blob(w, json_is_string(json_object_get(idx, "mediaType"))
			      ? json_string_value(json_object_get(idx,
								  "mediaType"))
			      : IMAGE_MT_INDEX, buf, len, &ndesc, e);
	if (!rc) {
		json_decref(*mdesc);
		*mdesc = ndesc;
		json_decref(*platform);
		*platform = NULL;
	}
out:
	json_decref(ent);
	json_decref(idx);
	free(buf);
	return rc;
}

static int put_layout_file(struct image_writer *w, struct err *e)
{
	static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
	char *path = image_path_join(w->path, "oci-layout");
	int rc = 0;

	if (!path)
		return -ENOMEM;
	if (access(path, F_OK)) {
		rc = image_write_file(path, layout, sizeof(layout) - 1, e);
		if (!rc)
			rc = image_writer_made(w, path);
	}
	free(path);
	return rc;
}

/* Commits the new layer's blob under its digest. */
static int put_new_layer(struct image_writer *w, struct sink_sums *sums,
			 struct err *e)
{
	char *path;
	bool had;
	int rc = sink_end(w->layer, sums, e);

	if (rc)
		return rc;
	path = image_oci_blob_path(w->path, sums->out_sha256);
	if (!path)
		return -ENOMEM;
	had = !access(path, F_OK);
	rc = sink_commit_as(w->layer, path, e);
	w->layer = NULL;
	if (!rc && !had)
		rc = image_writer_made(w, path);
	free(path);
	return rc;
}

int image_oci_commit(struct image_writer *w, struct err *e)
{
	size_t n = w->o.nlayers + 1, len, mlen;
	unsigned char (*ids)[32] = calloc(n, 32);
	json_t *descs = json_array(), *cdesc = NULL, *m = NULL, *mdesc = NULL;
	json_t *platform = NULL;
	char *cfg = NULL, *mbuf = NULL;
	struct sink_sums sums;
	int rc = -ENOMEM, lock = -1;

	if (!ids || !descs)
		goto out;
	rc = w->o.no_layer ? 0 : put_new_layer(w, &sums, e);
	if (!rc)
		rc = layer_descs(w, &sums, descs, ids, &n, e);
	if (!rc)
		rc = image_config_make(&w->o, (const unsigned char (*)[32])ids,
				       n, &cfg, &len, &platform);
	if (!rc)
		rc = put_blob(w, IMAGE_MT_CONFIG, cfg, len, &cdesc, e);
	if (rc)
		goto out;
	/* manifest.md: the layers base first */
	m = json_pack("{s:i, s:s, s:O, s:O}", "schemaVersion", 2, "mediaType",
		      IMAGE_MT_MANIFEST, "config", cdesc, "layers", descs);
	if (m && w->o.annotations && json_object_size(w->o.annotations) &&
	    json_object_set_new(m, "annotations",
				json_deep_copy(w->o.annotations))) {
		json_decref(m);
		m = NULL;
	}
	rc = -ENOMEM;
	if (m && (mbuf = image_json_dump(m, &mlen)))
		rc = put_blob(w, IMAGE_MT_MANIFEST, mbuf, mlen, &mdesc, e);
	if (!rc && w->o.base && w->o.base->index)
		rc = put_nested(w, &mdesc, &platform, e);
	if (!rc)
		rc = put_layout_file(w, e);
	if (!rc && (lock = lock_index(w, e)) < 0)
		rc = lock;
	if (!rc)
		rc = put_index(w, mdesc, platform, e);
	if (lock >= 0)
		close(lock);	/* after the rename: the next writer reads it */
out:
	json_decref(platform);
	json_decref(descs);
	json_decref(cdesc);
	json_decref(m);
	json_decref(mdesc);
	free(ids);
	free(cfg);
	free(mbuf);
	return rc;
}
