/*
 * image: the front of image/ (see image.h): parsing image references,
 * dispatching to the formats, and the small helpers they share (digests,
 * whole-file reads and atomic writes, JSON in and out).
 */
#include "base/input.h"
#include "image/image.h"

#include <errno.h>
#include <fcntl.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/io.h"
#include "image/image_impl.h"
#include "layers/tarin.h"

/*
 * One image format: the prefix that names it and its reader and writer
 * (image_impl.h). A new transport is one more row.
 */
struct image_format {
	const char *prefix;
	enum image_kind kind;
	int (*open)(struct image *img, const char *path, const char *ref,
		    struct err *e);
	int (*writer_open)(struct image_writer *w, struct err *e);
	int (*commit)(struct image_writer *w, struct err *e);
};

static const struct image_format formats[] = {
	{ .prefix = "oci:", .kind = IMAGE_OCI, .open = image_oci_open,
	  .writer_open = image_oci_writer_open, .commit = image_oci_commit },
	{ .prefix = "docker-archive:", .kind = IMAGE_DOCKER,
	  .open = image_docker_open, .writer_open = image_docker_writer_open,
	  .commit = image_docker_commit },
};

/* The format whose prefix spec starts with, or NULL. */
static const struct image_format *format_of(const char *spec)
{
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (!strncmp(spec, formats[i].prefix,
			     strlen(formats[i].prefix)))
			return &formats[i];
	return NULL;
}

bool image_is_spec(const char *arg)
{
	return format_of(arg) != NULL;
}

/*
 * The format of spec and its PATH and REF (image_spec_split). Returns 0,
 * or a negative errno with e set.
 */
static int spec_parse(const char *spec, const struct image_format **fmt,
		      char **path, char **ref, struct err *e)
{
	int rc;

	*path = *ref = NULL;
	*fmt = format_of(spec);
	if (!*fmt)
		return err_set(e, -EINVAL, "not an image: no known prefix");
	rc = image_spec_split(spec + strlen((*fmt)->prefix), path, ref);
	if (rc == -EINVAL)
		err_set(e, rc, "no path given");
	return rc;
}

/*
 * PATH[:REF], split at the first ':' as skopeo does (a path with ':' in
 * it is written "./a:b:" ... no: such paths cannot be named).
 */
int image_spec_split(const char *rest, char **path, char **ref)
{
	const char *colon = strchr(rest, ':');
	size_t n = colon ? (size_t)(colon - rest) : strlen(rest);

	*ref = NULL;
	if (!n)
		return -EINVAL;
	*path = strndup(rest, n);
	if (!*path)
		return -ENOMEM;
	if (colon && colon[1]) {
		*ref = strdup(colon + 1);
		if (!*ref) {
			free(*path);
			return -ENOMEM;
		}
	}
	return 0;
}

/* --- digests ---------------------------------------------------------- */

void image_sha256(const void *p, size_t len, unsigned char out[32])
{
	struct sha256_ctx c;

	sha256_init(&c);
	sha256_update(&c, len, p);
	sha256_digest(&c, SHA256_DIGEST_SIZE, out);
}

bool image_blob_ok(const char *path, const unsigned char want[32])
{
	struct sha256_ctx c;
	unsigned char got[32], buf[65536];
	struct stat st;
	ssize_t n;
	/* lstat first: a symlink in a layout is never a blob of ours */
	int fd = lstat(path, &st) || !S_ISREG(st.st_mode) ? -1
		 : input_open_regular(path, &st);

	if (fd < 0)
		return false;
	sha256_init(&c);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		sha256_update(&c, (size_t)n, buf);
	}
	close(fd);
	if (n < 0)
		return false;
	sha256_digest(&c, SHA256_DIGEST_SIZE, got);
	return !memcmp(got, want, 32);
}

char *image_digest_str(const unsigned char d[32], char buf[72])
{
	static const char hex[] = "0123456789abcdef";

	memcpy(buf, "sha256:", 7);
	for (int i = 0; i < 32; i++) {
		buf[7 + 2 * i] = hex[d[i] >> 4];
		buf[8 + 2 * i] = hex[d[i] & 15];
	}
	buf[71] = 0;
	return buf;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int image_digest_parse(const char *s, unsigned char out[32])
{
	const char *colon = strchr(s, ':');

	if (!colon)
		return -EINVAL;
	if ((size_t)(colon - s) != 6 || strncmp(s, "sha256", 6))
		return -ENOTSUP;
	s = colon + 1;
	if (strlen(s) != IMAGE_HEX_LEN)
		return -EINVAL;
	for (int i = 0; i < 32; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

const char *image_layer_media_type(enum sink_comp comp)
{
	switch (comp) {
	case SINK_GZIP:
		return "application/vnd.oci.image.layer.v1.tar+gzip";
	case SINK_ZSTD:
		return "application/vnd.oci.image.layer.v1.tar+zstd";
	default:
		return "application/vnd.oci.image.layer.v1.tar";
	}
}

/* --- files and JSON --------------------------------------------------- */

int image_write_file(const char *path, const void *buf, size_t len,
		     struct err *e)
{
	struct sink_opts so = { .comp = SINK_NONE };
	struct sink *s;
	int rc = sink_open(path, &so, &s, e);

	if (rc)
		return rc;
	rc = sink_write(s, buf, len);
	if (rc) {
		sink_abort(s);
		err_file(e, "output", path);
		return err_set(e, rc, "cannot write: %s", strerror(-rc));
	}
	return sink_commit(s, e);
}

int image_json_doc(const char *what, const char *buf, size_t len,
		   json_t **out, struct err *e)
{
	json_error_t je;

	*out = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (!*out && what)
		return err_set(e, -EINVAL, "'%s': malformed JSON: %s (line %d)",
			       what, je.text, je.line);
	if (!*out)
		return err_set(e, -EINVAL, "malformed JSON: %s (line %d)",
			       je.text, je.line);
	return 0;
}

int image_json_parse(const char *buf, size_t len, json_t **out,
		     struct err *e)
{
	return image_json_doc(NULL, buf, len, out, e);
}

int image_json_load(const char *path, json_t **out, struct err *e)
{
	char *buf;
	size_t len;
	int rc = input_read_regular(path, IMAGE_JSON_MAX, &buf, &len);

	if (rc)
		return err_set(e, rc, "cannot read '%s': %s", path,
			       rc == -EINVAL ? "not a regular file"
			       : strerror(-rc));
	rc = image_json_doc(path, buf, len, out, e);
	free(buf);
	return rc;
}

char *image_json_dump(const json_t *j, size_t *len)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);

	if (s)
		*len = strlen(s);
	return s;
}

/* --- images in -------------------------------------------------------- */

int image_config_diff_ids(struct image *img, struct err *e)
{
	json_t *ids = json_object_get(json_object_get(img->config, "rootfs"),
				      "diff_ids");
	size_t i;
	json_t *v;

	if (!json_is_array(ids) || json_array_size(ids) != img->nlayers)
		return err_set(e, -EINVAL, "config has %zu rootfs.diff_ids for "
			       "%zu layers", json_array_size(ids), img->nlayers);
	json_array_foreach(ids, i, v) {
		const char *s = json_string_value(v);

		if (!s || image_digest_parse(s, img->layers[i].diff_id))
			return err_set(e, -EINVAL, "config: bad diff_id '%s'",
				       s ? s : "(not a string)");
	}
	return 0;
}

int image_open(const char *spec, struct image **out, struct err *e)
{
	struct image *img = calloc(1, sizeof(*img));
	const struct image_format *fmt;
	char *path = NULL, *ref = NULL;
	int rc = -ENOMEM;

	*out = NULL;
	if (!img || !(img->spec = strdup(spec)))
		goto fail;
	rc = spec_parse(spec, &fmt, &path, &ref, e);
	if (rc)
		goto fail;
	img->kind = fmt->kind;
	rc = fmt->open(img, path, ref, e);
	if (rc)
		goto fail;
	free(path);
	free(ref);
	*out = img;
	return 0;
fail:
	free(path);
	free(ref);
	image_free(img);
	err_set(e, rc, NULL);
	err_file(e, "image", spec);
	return rc;
}

void image_free(struct image *img)
{
	if (!img)
		return;
	for (size_t i = 0; i < img->nlayers; i++) {
		free(img->layers[i].path);
		free(img->layers[i].name);
	}
	free(img->layers);
	json_decref(img->config);
	free(img->dir);
	free(img->spec);
	free(img);
}

void image_layer_src(const struct image *img, size_t i, struct tarin_src *src)
{
	const struct image_layer *l = &img->layers[i];

	*src = (struct tarin_src){
		.path = l->path,
		.name = l->name,
		.window = l->window,
		.off = l->off,
		.len = l->len,
		.sha256 = l->has_digest ? l->digest : NULL,
	};
}

/* --- images out ------------------------------------------------------- */

int image_writer_made(struct image_writer *w, const char *path)
{
	char **m = realloc(w->made, (w->nmade + 1) * sizeof(*m));

	if (!m)
		return -ENOMEM;
	w->made = m;
	if (!(m[w->nmade] = strdup(path)))
		return -ENOMEM;
	w->nmade++;
	return 0;
}

static void writer_free(struct image_writer *w)
{
	for (size_t i = 0; i < w->nmade; i++)
		free(w->made[i]);
	free(w->made);
	free(w->spec);
	free(w->path);
	free(w->tag);
	free(w);
}

int image_writer_open(const char *spec, const struct image_out_opts *o,
		      struct image_writer **out, struct err *e)
{
	struct image_writer *w = calloc(1, sizeof(*w));
	int rc = -ENOMEM;

	*out = NULL;
	if (!w || !(w->spec = strdup(spec)))
		goto fail;
	w->o = *o;
	rc = spec_parse(spec, &w->fmt, &w->path, &w->tag, e);
	/* before anything is made: a name no client could use */
	if (!rc && w->tag)
		rc = image_ref_check(w->fmt->kind, w->tag, e);
	if (!rc)
		rc = w->fmt->writer_open(w, e);
	if (rc)
		goto fail;
	*out = w;
	return 0;
fail:
	if (w)
		image_writer_abort(w);
	err_set(e, rc, NULL);
	err_file(e, "image", spec);
	return rc;
}

struct sink *image_writer_sink(struct image_writer *w)
{
	return w->layer;
}

void image_writer_abort(struct image_writer *w)
{
	if (!w)
		return;
	sink_abort(w->layer);
	/* newest first: files, then the directories that held them */
	for (size_t i = w->nmade; i-- > 0;)
		if (unlink(w->made[i]) && errno == EISDIR)
			rmdir(w->made[i]);
	writer_free(w);
}

int image_writer_commit(struct image_writer *w, struct err *e)
{
	int rc = w->fmt->commit(w, e);

	if (rc) {
		err_file(e, "image", w->spec);
		image_writer_abort(w);
		return rc;
	}
	sink_abort(w->layer);	/* a temporary that is left, if any */
	writer_free(w);
	return 0;
}
