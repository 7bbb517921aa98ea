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
	char *archive;		/* oci-archive: the tar; path the layout
				   directory made beside it */
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
int image_ociarch_open(struct image *img, const char *file, const char *ref,
		       struct err *e);
int image_ociarch_writer_open(struct image_writer *w, struct err *e);
int image_ociarch_commit(struct image_writer *w, struct err *e);

/*
 * An image held in one tar (archive.c): its member list, scanned once.
 * image_archive_open returns 0 and *out (image_archive_free), or a
 * negative errno with e set; what names the format in the message.
 */
struct image_archive;
struct tarout;

struct image_member {
	char *name;
	char *link;		/* a symlink's target, else NULL */
	uint64_t off, size;	/* the content's bytes in the archive */
	size_t seq;		/* its place in the archive */
};

int image_archive_open(const char *file, const char *what,
		       struct image_archive **out, struct err *e);
void image_archive_free(struct image_archive *s);
/* The archive's open descriptor (owned by s). */
int image_archive_fd(const struct image_archive *s);
/*
 * The member name refers to, following symlink members (at most 8):
 * 0 and *out, NULL when there is none; or -ENOMEM.
 */
int image_archive_find(const struct image_archive *s, const char *name,
		       const struct image_member **out);
/*
 * The content of m (at most IMAGE_JSON_MAX bytes), NUL-terminated, in
 * *out (free). 0 or a negative errno with e set.
 */
int image_archive_read(const struct image_archive *s,
		       const struct image_member *m, char **out,
		       struct err *e);
/*
 * Writes one file member name to t: bytes [off, off + len) of path, or,
 * with mem, len bytes at mem; mode 0644, mtime. 0 or a negative errno.
 */
int image_archive_put(struct tarout *t, const char *name, const char *path,
		      uint64_t off, uint64_t len, const void *mem,
		      struct timespec mtime, struct err *e);

/*
 * Layer i of img as the window m of the archive file: its path, window
 * and name ("SPEC layer N") set. 0 or -ENOMEM.
 */
int image_layer_in_archive(struct image *img, size_t i, const char *file,
			   const struct image_member *m);
/* Sets layer i's name, "SPEC layer N". 0 or -ENOMEM. */
int image_layer_name(struct image *img, size_t i);

/*
 * A docker reference in its full form, as docker and go-containerregistry
 * compare them: "name" is "docker.io/library/name:latest", "user/name:t"
 * is "docker.io/user/name:t", a first component with '.' or ':' or
 * "localhost" is a registry; a "@sha256:..." digest stays. NULL on ENOMEM.
 */
char *image_ref_normalize(const char *ref);

/*
 * "'a', 'b'" (at most 8, then ", ..."): the names for an error message
 * listing what exists; "none" when n is 0. NULL on ENOMEM.
 */
char *image_names_list(const char *const *names, size_t n);

/* dir "/" rel, malloc'd; NULL when out of memory. */
char *image_path_join(const char *dir, const char *rel);
/* "blobs/sha256/HEX" of digest d, into rel. */
void image_oci_blob_rel(const unsigned char d[32], char rel[96]);
/* DIR/blobs/sha256/HEX of digest d, malloc'd; NULL when out of memory. */
char *image_oci_blob_path(const char *dir, const unsigned char d[32]);
/* A descriptor's digest and size (descriptor.md). 0 or -EINVAL/-ENOTSUP
 * with e set. */
int image_oci_desc_parse(const json_t *desc, unsigned char d[32],
			 uint64_t *size, struct err *e);
/* The small blob desc names in the layout directory dir, read whole, its
 * size and digest checked, parsed into *out (the caller's). 0 or a
 * negative errno with e set. */
int image_oci_blob_json(const char *dir, const json_t *desc, json_t **out,
			struct err *e);
/* Whether an index entry desc is named ref (ref.name or digest). */
bool image_oci_ref_matches(const json_t *desc, const char *ref);

/*
 * Whether ref may name an image written as kind: an OCI ref.name, or a
 * docker RepoTag by the distribution reference grammar (image/ref.c).
 * 0, or -EINVAL with e saying which rule it breaks.
 */
int image_ref_check(enum image_kind kind, const char *ref, struct err *e);

/*
 * Decompresses layer l into a temporary file beside near (*out: its
 * sink, ended; sink_temp names the file, sink_abort removes it), *size
 * its bytes, checking they hash to l's diff_id. Returns 0, or a negative
 * errno with e set (-EBADMSG for a wrong diff_id). (plain.c)
 */
int image_layer_plain(const struct image_layer *l, const char *near,
		      struct sink **out, uint64_t *size, struct err *e);

/* Whether an index entry's platform is the one to read (platform.c). */
bool image_platform_match(const json_t *platform);
/* Whether it is an attestation's (unknown/unknown). */
bool image_platform_attestation(const json_t *platform);
/* The platform read, as "os/arch[/variant]", for messages. */
const char *image_platform_name(void);

/* This machine's architecture as GOARCH names it (config.md). */
const char *image_goarch(void);

/* The config's rootfs.diff_ids, checked against nlayers. */
int image_config_diff_ids(struct image *img, struct err *e);

#endif
