/*
 * image_impl: what the image formats (oci.c, docker.c) share with the
 * front (image.c, which dispatches to them through one table of formats)
 * and the config maker (config.c). Private to image/.
 */
#ifndef OVERTAR_IMAGE_IMPL_H
#define OVERTAR_IMAGE_IMPL_H

#include <jansson.h>

#include "image/image.h"

/* Limits on what is read into memory: index, manifests and configs. */
#define IMAGE_JSON_MAX (16u << 20)

#define IMAGE_MT_INDEX "application/vnd.oci.image.index.v1+json"
#define IMAGE_MT_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define IMAGE_MT_CONFIG "application/vnd.oci.image.config.v1+json"
#define IMAGE_MT_DOCKER_LIST \
	"application/vnd.docker.distribution.manifest.list.v2+json"
#define IMAGE_MT_DOCKER_MANIFEST \
	"application/vnd.docker.distribution.manifest.v2+json"
#define IMAGE_REF_NAME "org.opencontainers.image.ref.name"

/*
 * An image being written. Invariants: layer is the open sink of the new
 * layer until commit; made[0..nmade) are the files (and, last, the
 * directories) this writer created, removed again on abort.
 */
struct image_format;

struct image_writer {
	const struct image_format *fmt;	/* image.c's table */
	char *spec;
	char *path;		/* the layout directory or the archive file */
	char *tag;		/* NULL: none */
	struct image_out_opts o;
	struct sink *layer;
	char **made;
	size_t nmade;
};


/* Records a path for removal on abort. 0 or -ENOMEM. */
int image_writer_made(struct image_writer *w, const char *path);

/* Reads a JSON document of at most IMAGE_JSON_MAX bytes from path. */
int image_json_load(const char *path, json_t **out, struct err *e);
/*
 * Parses len bytes of JSON, the document what names ("index.json", a
 * blob's digest, a member; NULL: none) for the message. -EINVAL with e
 * set when malformed.
 */
int image_json_doc(const char *what, const char *buf, size_t len,
		   json_t **out, struct err *e);
/* Parses len bytes of JSON. -EINVAL with e set when malformed. */
int image_json_parse(const char *buf, size_t len, json_t **out,
		     struct err *e);
/* json_dumps, compact, in insertion order. NULL when out of memory. */
char *image_json_dump(const json_t *j, size_t *len);

/*
 * Formats (oci.c, docker.c), the rows of image.c's table. Same contracts
 * as image_open and the writer's open and commit.
 */
int image_oci_open(struct image *img, const char *dir, const char *ref,
		   struct err *e);
int image_docker_open(struct image *img, const char *file, const char *ref,
		      struct err *e);
int image_oci_writer_open(struct image_writer *w, struct err *e);
int image_oci_commit(struct image_writer *w, struct err *e);
int image_docker_writer_open(struct image_writer *w, struct err *e);
int image_docker_commit(struct image_writer *w, struct err *e);

/*
 * Whether ref may name an image written as kind: an OCI ref.name, or a
 * docker RepoTag by the distribution reference grammar (image/ref.c).
 * 0, or -EINVAL with e saying which rule it breaks.
 */
int image_ref_check(enum image_kind kind, const char *ref, struct err *e);

/* This machine's architecture as GOARCH names it (config.md). */
const char *image_goarch(void);

/* The config's rootfs.diff_ids, checked against nlayers. */
int image_config_diff_ids(struct image *img, struct err *e);

#endif
