/*
 * image: container images in and out, as they come from `docker save`,
 * `skopeo copy` or a registry mirror on disk.
 *
 * In: "oci:DIR[:REF]" (an OCI image layout, image-spec image-layout.md:
 * REF is an org.opencontainers.image.ref.name of index.json or a manifest
 * digest) and "docker-archive:FILE[:REF]" (docker save: manifest.json,
 * REF one of its RepoTags). An image expands into its layers, base first,
 * each a tarin_src (a blob file, or a window of the docker-archive tar,
 * read in place) with the digest its bytes must have, checked while they
 * are read. The image config is kept as parsed JSON so that what overtar
 * does not know (Env, Entrypoint, Labels, ...) goes out as it came in.
 *
 * Out: "oci:DIR[:TAG]" and "docker-archive:FILE[:TAG]". The new layer is
 * written through a digest sink (diff_id and blob digest while writing);
 * commit then writes config, manifest and index (OCI: blobs first,
 * index.json last by rename, so a layout is never seen half-written and
 * the manifests already in it stay).
 *
 * Nothing here prints.
 */
#ifndef OVERTAR_IMAGE_H
#define OVERTAR_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/err.h"
#include "layers/sink.h"

struct tarin_src;
struct image_writer;
typedef struct json_t json_t;

#define IMAGE_SHA256_LEN 32
#define IMAGE_HEX_LEN 64

enum image_kind {
	IMAGE_OCI,
	IMAGE_DOCKER,		/* docker-archive */
	IMAGE_OCI_ARCHIVE,	/* oci-archive: a tar of an OCI layout */
};

/* One layer as the image holds it. */
struct image_layer {
	char *path;		/* the file holding it (owned) */
	bool window;		/* bytes [off, off + len) of path */
	uint64_t off, len;	/* len: the blob's size either way */
	/* the sha256 of the bytes, when known (always for OCI) */
	bool has_digest;
	unsigned char digest[IMAGE_SHA256_LEN];
	unsigned char diff_id[IMAGE_SHA256_LEN];	/* from the config */
	const char *media_type;	/* a static string */
	char *name;		/* in errors: "oci:DIR:REF" layer N (owned) */
};

/*
 * An image read in. Invariants: nlayers == the config's rootfs.diff_ids
 * count; config is an object.
 */
struct image {
	enum image_kind kind;
	char *spec;		/* as given */
	char *dir;		/* IMAGE_OCI: the layout directory */
	json_t *config;
	struct image_layer *layers;
	size_t nlayers;
	/* IMAGE_OCI, a multi-platform image: the nested index the manifest
	 * was picked from (its entry index_pos), kept for output */
	json_t *index;
	size_t index_pos;
};

/*
 * Which platform of a multi-platform image is read from now on (every
 * image_open after this): "os/arch[/variant]" (--platform). Returns 0, or
 * -EINVAL with e saying why. (platform.c)
 */
int image_platform_set(const char *p, struct err *e);
/*
 * The platforms of a multi-platform image (img->index), attestations
 * left out, as "os/arch[/variant]" strings: 0 and *out (each and the
 * array freed by the caller; *n 0 for a single-platform image), or
 * -ENOMEM.
 */
int image_platform_list(const struct image *img, char ***out, size_t *n);
/*
 * In the OCI layout dir, the manifest named from is named to instead (the
 * one named to before loses the name); to NULL drops from's entry.
 * index.json is replaced by rename. Returns 0 or a negative errno with e
 * set. (platform.c)
 */
int image_oci_retag(const char *dir, const char *from, const char *to,
		    struct err *e);
/*
 * Splits "PREFIX:PATH[:REF]" after the prefix (rest): *path and *ref
 * (NULL if absent) to free. 0, -EINVAL (no path) or -ENOMEM.
 */
int image_spec_split(const char *rest, char **path, char **ref);

/* What a path given without a prefix is, by content (image/sniff.c). */
enum image_sniff {
	IMAGE_SNIFF_LAYER,		/* anything else: a layer tar */
	IMAGE_SNIFF_OCI_DIR,		/* a directory with oci-layout */
	IMAGE_SNIFF_OCI_ARCHIVE,	/* a tar: oci-layout, index.json */
	IMAGE_SNIFF_DOCKER_ARCHIVE,	/* a tar: manifest.json of layers */
};

/*
 * Looks at path ("-": standard input, a layer) without changing
 * anything; what cannot be read is a layer, for tarin to report. Never
 * prints.
 */
enum image_sniff image_sniff(const char *path);

/* Whether arg names an image ("oci:" or "docker-archive:"). */
bool image_is_spec(const char *arg);

/*
 * Reads the index or manifest of the image spec names and its config,
 * verifying their digests (layer blobs are checked as tarin reads them).
 * Returns 0 and *out (image_free), or a negative errno with e naming
 * "image" spec.
 */
int image_open(const char *spec, struct image **out, struct err *e);
void image_free(struct image *img);

/*
 * The created_by of the history entry of layer i (image-spec config.md:
 * the entries without empty_layer, in order), or NULL. Points into
 * img's config.
 */
const char *image_layer_created_by(const struct image *img, size_t i);

/* Fills src to read layer i of img (pointers into img). */
void image_layer_src(const struct image *img, size_t i, struct tarin_src *src);

/* --- output --------------------------------------------------------- */

struct image_out_opts {
	enum sink_comp comp;	/* the new layer's compression */
	bool comp_given;	/* else gzip for OCI, none for docker */
	struct timespec created;	/* config "created", the history entry */
	const char *created_by;	/* the history entry's created_by */
	const struct image *base;	/* config to keep; NULL: a minimal one */
	bool append;		/* base's layers, then the new one */
	/*
	 * The layers written before the new one, each blob reused as it is
	 * (left in place in the same layout, else copied and its digest
	 * checked). NULL: base's layers with append, else none; then
	 * history_keep is set from append too.
	 */
	const struct image_layer *layers;
	size_t nlayers;
	/* History entries of the first history_keep layers stay as they
	 * are; those of later layers are marked empty_layer. */
	size_t history_keep;
	bool no_layer;		/* no new layer: image_writer_sink is NULL */
	/* The config to write (rootfs, created and history are set here);
	 * NULL: base's, or a minimal one. */
	const json_t *config;
	/* Annotations of the manifest (an object), or NULL. */
	const json_t *annotations;
	/* set_env: the config's Env becomes these nenv "NAME=VALUE"
	 * strings (a script's env commands); else it stays as it is */
	bool set_env;
	const char *const *env;
	size_t nenv;
};

/*
 * The Env of img's config (image-spec config.md: "config.Env"), its
 * "NAME=VALUE" strings borrowed from img until image_free, in a new array
 * *out (free it; NULL when *n is 0). Entries that are not strings are
 * left out. 0 or -ENOMEM.
 */
int image_config_env(const struct image *img, const char ***out, size_t *n);

/*
 * Starts writing an image to spec ("oci:DIR[:TAG]" or
 * "docker-archive:FILE[:TAG]"). Returns 0 and *out, or a negative errno
 * with e naming the image. The caller writes the new layer's tar to
 * image_writer_sink() and then commits or aborts.
 */
int image_writer_open(const char *spec, const struct image_out_opts *o,
		      struct image_writer **out, struct err *e);
/* The sink for the new layer (owned by w). */
struct sink *image_writer_sink(struct image_writer *w);
/*
 * Finishes the layer and writes config, manifest and index. Frees w.
 * Returns 0 or a negative errno with e set (then nothing new is
 * referenced and what this writer created is removed).
 */
int image_writer_commit(struct image_writer *w, struct err *e);
/* Removes what w wrote and frees it. NULL is ignored. */
void image_writer_abort(struct image_writer *w);

/*
 * The 0-based index of the layer ref names in img: a number, 1 for the
 * base layer, or a blob digest or diff_id ("sha256:..."). Returns 0, or
 * -EINVAL or -ENOENT with e saying why. (layers.c)
 */
int image_layer_find(const struct image *img, const char *ref, size_t *out,
		     struct err *e);
/* Whether img's lowest layers are base's layers (by diff_id). */
bool image_starts_with(const struct image *img, const struct image *base);

/* What image_layer_rewrite does to a layer. */
struct image_rewrite {
	const char *const *strip;	/* fnmatch(3) patterns of paths */
	size_t nstrip;
	bool clamp;		/* clamp mtimes to now */
	bool always;		/* write it even when nothing changed */
	enum sink_comp comp;	/* the new blob's compression */
	struct timespec now;	/* the clamp, and whiteouts' time */
	const char *tmp;	/* a path whose directory takes the blob */
	const char *spool_dir;	/* for a compressed layer's content */
};

/*
 * Reads layer i of img, removes every path matching rw->strip (with what
 * is below it, whiteouts too), clamps mtimes, and writes it again into a
 * temporary file (*tmp: sink_abort removes it once the image is written).
 * Returns 0 with *out describing the new blob (path and name owned:
 * free), 1 when nothing changed and !rw->always (nothing written), or a
 * negative errno with e naming the layer. (rewrite.c)
 */
int image_layer_rewrite(const struct image *img, size_t i,
			const struct image_rewrite *rw,
			struct image_layer *out, struct sink **tmp,
			struct err *e);

/*
 * Layer l recompressed with comp, its tar unchanged (decompressed once,
 * checked against its diff_id, compressed again) into a temporary blob
 * beside near (*tmp, as image_layer_rewrite's). Returns 0 with *out
 * (path and name owned: free), 1 when l is compressed with comp already
 * (nothing written), or a negative errno with e set. (plain.c)
 */
int image_layer_recompress(const struct image_layer *l, enum sink_comp comp,
			   const char *near, struct image_layer *out,
			   struct sink **tmp, struct err *e);

/* --- config edits (config_edit.c) ----------------------------------- */

/* A minimal config: linux on this machine's architecture, an empty
 * "config" (json_decref). NULL when out of memory. (config.c) */
json_t *image_config_minimal(void);

/* Whether op names a config edit: env, unset-env, env-append, entrypoint,
 * cmd, user, workdir, label, unset-label, annotation, expose, volume,
 * stop-signal (overtar(1) mod). */
bool image_edit_known(const char *op);
/*
 * Applies the edit op with its argc words to the image config cfg (its
 * "config" object) or, for annotation, to the manifest annotations
 * object. Returns 0, -ENOMEM, or -EINVAL with e saying why.
 */
int image_edit(json_t *cfg, json_t *annotations, const char *op,
	       char *const *argv, size_t argc, struct err *e);

/* --- pieces shared by the formats (image.c, config.c) ---------------- */

/* The SHA-256 of len bytes at p. */
void image_sha256(const void *p, size_t len, unsigned char out[32]);
/*
 * Whether path is a regular file (not a symlink) whose content has the
 * sha256 want: a blob an output layout already holds is kept only then
 * (never trust what the output holds). Reads the whole file.
 */
bool image_blob_ok(const char *path, const unsigned char want[32]);
/* "sha256:" and 64 lowercase hex digits, NUL-terminated, into buf[72]. */
char *image_digest_str(const unsigned char d[32], char buf[72]);
/*
 * Parses "sha256:HEX" (64 hex digits, lowercase as the image-spec's
 * descriptor.md requires for sha256). Returns 0, -ENOTSUP for another
 * algorithm, -EINVAL otherwise.
 */
int image_digest_parse(const char *s, unsigned char out[32]);
/* The layer media type of an OCI descriptor for comp. */
const char *image_layer_media_type(enum sink_comp comp);

/*
 * The new config: o->config, o->base's or a minimal linux one, with
 * rootfs.diff_ids set for layers [0, n) (the new one last, unless
 * o->no_layer), the history entries past the first o->history_keep
 * layers' marked empty_layer, and, with a new layer, created and its
 * history entry; as compact JSON in *json (caller frees). When platform
 * is not NULL, it is set to the config's {architecture, os} for an
 * index's platform (image-index.md), or NULL when the config has not
 * both as strings (caller json_decref). Returns 0 or -ENOMEM.
 */
int image_config_make(const struct image_out_opts *o,
		      const unsigned char (*diff_ids)[32], size_t n,
		      char **json, size_t *len, json_t **platform);
/*
 * Writes len bytes to path through a temporary file renamed into place.
 * Returns 0 or a negative errno with e naming path.
 */
int image_write_file(const char *path, const void *buf, size_t len,
		     struct err *e);

#endif
