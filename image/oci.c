/*
 * oci: OCI image layouts in and out (image-spec image-layout.md,
 * image-index.md, manifest.md, descriptor.md).
 *
 * In, the descriptor named by REF (a ref.name annotation or a digest) is
 * followed to its manifest (through one nested index, picking this
 * machine's platform) and config; both are read whole and their digests
 * and sizes checked. Layer blobs are checked by tarin as they are read.
 *
 * Out, blobs are written first, each renamed to its digest, then
 * index.json by rename: until that rename the layout still shows what it
 * showed before, and the manifests it held stay, only the one that had
 * TAG losing that name to the new one.
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
#include "base/io.h"
#include "image/image_impl.h"
#include "layers/memfs.h"

/* A path below dir: dir "/" a "/" b...; NULL when out of memory. */
static char *path_join(const char *dir, const char *rel)
{
	size_t n = strlen(dir) + strlen(rel) + 2;
	char *p = malloc(n);

	if (p)
		snprintf(p, n, "%s/%s", dir, rel);
	return p;
}

static char *blob_path(const char *dir, const unsigned char d[32])
{
	char ds[72], rel[96];

	image_digest_str(d, ds);
	snprintf(rel, sizeof(rel), "blobs/sha256/%s", ds + 7);
	return path_join(dir, rel);
}

/* A descriptor's digest and size (descriptor.md). */
static int desc_parse(const json_t *desc, unsigned char d[32], uint64_t *size,
		      struct err *e)
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

/* Reads a small blob (manifest, config, index) and checks it. */
static int blob_json(const char *dir, const json_t *desc, json_t **out,
		     struct err *e)
{
	unsigned char want[32], got[32];
	char *path, *buf = NULL, ds[72];
	uint64_t size;
	size_t len;
	int rc = desc_parse(desc, want, &size, e);

	if (rc)
		return rc;
	path = blob_path(dir, want);
	if (!path)
		return -ENOMEM;
	rc = input_read_regular(path, IMAGE_JSON_MAX, &buf, &len);
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
	free(path);
	return rc;
}

static bool ref_matches(const json_t *desc, const char *ref)
{
	const char *name = json_string_value(json_object_get(
		json_object_get(desc, "annotations"), IMAGE_REF_NAME));
	const char *d = json_string_value(json_object_get(desc, "digest"));

	return (name && !strcmp(name, ref)) || (d && !strcmp(d, ref));
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
		if (ref_matches(d, ref)) {
			*out = d;
			return 0;
		}
	return err_set(e, -ENOENT, "no manifest named '%s'", ref);
}

/* In a nested index, the manifest for linux and this architecture. */
static int pick_platform(const json_t *index, const char *arch,
			 const json_t **out, struct err *e)
{
	const json_t *m = json_object_get(index, "manifests"), *d;
	size_t i;

	json_array_foreach(m, i, d) {
		const json_t *p = json_object_get(d, "platform");
		const char *os = json_string_value(json_object_get(p, "os"));
		const char *a = json_string_value(json_object_get(p,
							"architecture"));

		if (json_array_size(m) == 1 ||
		    (os && a && !strcmp(os, "linux") && !strcmp(a, arch))) {
			*out = d;
			return 0;
		}
	}
	return err_set(e, -ENOENT, "no manifest for linux/%s", arch);
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

static int read_layers(struct image *img, const json_t *manifest,
		       struct err *e)
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
		size_t n = strlen(img->spec) + 32;

		img->nlayers = i + 1;
		l->media_type = known_layer_type(mt);
		if (!l->media_type)
			return err_set(e, -ENOTSUP, "layer %zu: unsupported "
				       "media type '%s'", i + 1,
				       mt ? mt : "(none)");
		rc = desc_parse(d, l->digest, &l->len, e);
		if (rc)
			return rc;
		l->has_digest = true;
		l->path = blob_path(img->dir, l->digest);
		l->name = malloc(n);
		if (!l->path || !l->name)
			return -ENOMEM;
		/* the size before anything is read or copied by it (the
		 * digest is checked as tarin reads the blob, before any
		 * output is committed) */
		rc = blob_size_ok(l, i, e);
		if (rc)
			return rc;
		snprintf(l->name, n, "%s layer %zu", img->spec, i + 1);
	}
	return 0;
}

int image_oci_open(struct image *img, const char *dir, const char *ref,
		   struct err *e)
{
	json_t *layout = NULL, *index = NULL, *nested = NULL;
	json_t *manifest = NULL;
	const json_t *desc = NULL;
	const char *mt;
	char *p;
	int rc = -ENOMEM;

	if (!(img->dir = strdup(dir)) || !(p = path_join(dir, "oci-layout")))
		return -ENOMEM;
	if (access(p, F_OK)) {
		rc = -errno;
		free(p);
		return err_set(e, rc, "not an OCI image layout (no oci-layout)");
	}
	rc = image_json_load(p, &layout, e);
	free(p);
	if (rc || !(p = path_join(dir, "index.json")))
		goto out;
	rc = image_json_load(p, &index, e);
	free(p);
	if (!rc)
		rc = pick(index, ref, &desc, e);
	mt = rc ? NULL : json_string_value(json_object_get(desc, "mediaType"));
	if (mt && (!strcmp(mt, IMAGE_MT_INDEX) ||
		   !strcmp(mt, IMAGE_MT_DOCKER_LIST))) {
		rc = blob_json(dir, desc, &nested, e);
		if (!rc)
			rc = pick_platform(nested, image_goarch(), &desc, e);
	}
	if (!rc)
		rc = blob_json(dir, desc, &manifest, e);
	if (!rc)
		rc = read_layers(img, manifest, e);
	if (!rc)
		rc = blob_json(dir, json_object_get(manifest, "config"),
			       &img->config, e);
	if (!rc && !json_is_object(img->config))
		rc = err_set(e, -EINVAL, "config is not a JSON object");
	if (!rc)
		rc = image_config_diff_ids(img, e);
out:
	json_decref(layout);
	json_decref(index);
	json_decref(nested);
	json_decref(manifest);
	return rc;
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
	char *p = path_join(path, "oci-layout");
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
	char *blobs = path_join(w->path, "blobs"), *sha = NULL, *tmp = NULL;
	bool existed = !access(w->path, F_OK);
	int rc = -ENOMEM;

	w->o.comp = so.comp;
	if (!blobs || !(sha = path_join(blobs, "sha256")) ||
	    !(tmp = path_join(sha, "layer")))
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
	if (!rc)
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
	path = blob_path(w->path, d);
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
	char *path, *tmp = path_join(w->path, "blobs/sha256/layer");
	int rc;

	if (!tmp)
		return -ENOMEM;
	if (l->has_digest) {
		memcpy(d, l->digest, 32);
		path = blob_path(w->path, d);
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
	path = blob_path(w->path, d);
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

/* The layer descriptors and diff_ids: base's (append) and the new one. */
static int layer_descs(struct image_writer *w, const struct sink_sums *new,
		       json_t *descs, unsigned char (*ids)[32], size_t *n,
		       struct err *e)
{
	const struct image *b = w->o.base;
	unsigned char d[32];
	char ds[72];
	int rc;

	*n = 0;
	for (size_t i = 0; w->o.append && i < b->nlayers; i++) {
		rc = put_base_layer(w, &b->layers[i], d, e);
		if (rc)
			return rc;
		if (json_array_append_new(descs, json_pack("{s:s, s:s, s:I}",
				"mediaType", b->layers[i].media_type,
				"digest", image_digest_str(d, ds),
				"size", (json_int_t)b->layers[i].len)))
			return -ENOMEM;
		memcpy(ids[(*n)++], b->layers[i].diff_id, 32);
	}
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
	char *path = path_join(w->path, "index.json.lock");
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
	char *path = path_join(w->path, "index.json"), *buf = NULL;
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
		if (ref_matches(d = json_array_get(ms, i), w->tag) &&
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

static int put_layout_file(struct image_writer *w, struct err *e)
{
	static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
	char *path = path_join(w->path, "oci-layout");
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
	path = blob_path(w->path, sums->out_sha256);
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
	size_t n = (w->o.append ? w->o.base->nlayers : 0) + 1, len, mlen;
	unsigned char (*ids)[32] = calloc(n, 32);
	json_t *descs = json_array(), *cdesc = NULL, *m = NULL, *mdesc = NULL;
	json_t *platform = NULL;
	char *cfg = NULL, *mbuf = NULL;
	struct sink_sums sums;
	int rc = -ENOMEM, lock = -1;

	if (!ids || !descs)
		goto out;
	rc = put_new_layer(w, &sums, e);
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
	rc = -ENOMEM;
	if (m && (mbuf = image_json_dump(m, &mlen)))
		rc = put_blob(w, IMAGE_MT_MANIFEST, mbuf, mlen, &mdesc, e);
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
