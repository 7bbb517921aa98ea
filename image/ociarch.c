/*
 * ociarch: oci-archive out, a tar of an OCI image layout, as `podman save
 * --format oci-archive`, `skopeo copy ... oci-archive:` and `docker buildx
 * --output type=oci` write it (oci.c reads it in place).
 *
 * The layout is written by oci.c's writer into a new directory beside the
 * archive, then put into the archive (its own temporary, renamed into
 * place: the sink), and the directory removed, whatever the outcome.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/image_impl.h"
#include "layers/tarout.h"

int image_ociarch_writer_open(struct image_writer *w, struct err *e)
{
	char *tmp;
	int rc;

	if (asprintf(&tmp, "%s.layoutXXXXXX", w->path) < 0)
		return -ENOMEM;
	if (!mkdtemp(tmp)) {
		rc = -errno;
		free(tmp);
		return err_set(e, rc, "cannot make a directory beside it: %s",
			       strerror(-rc));
	}
	w->archive = w->path;
	w->path = tmp;
	rc = image_writer_made(w, tmp);
	return rc ? rc : image_oci_writer_open(w, e);
}

/* The names in dir, sorted (strcmp), or NULL with *n 0 when empty. */
static int names_of(const char *dir, char ***out, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **v = NULL, **nv;
	int rc = 0;

	*out = NULL;
	*n = 0;
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while (!rc && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		nv = realloc(v, (*n + 1) * sizeof(*v));
		if (!nv || !(nv[*n] = strdup(de->d_name))) {
			v = nv ? nv : v;
			rc = -ENOMEM;
			break;
		}
		v = nv;
		(*n)++;
	}
	closedir(d);
	for (size_t i = 1; i < *n; i++)	/* a few blobs: insertion sort */
		for (size_t j = i; j && strcmp(v[j - 1], v[j]) > 0; j--) {
			char *t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	*out = v;
	return rc;
}

static void names_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int put_dir(struct tarout *t, const char *name, struct timespec mt,
		   struct err *e)
{
	struct entry ent = { .type = ENTRY_DIR, .path = name,
			     .pathlen = strlen(name), .mode = 0755,
			     .mtime = mt };

	return tarout_write(t, &ent, e);
}

/* One file of the layout into t, under its layout name rel. */
static int put_file(struct tarout *t, const char *dir, const char *rel,
		    struct timespec mt, struct err *e)
{
	struct stat st;
	char *path;
	int rc;

	if (asprintf(&path, "%s/%s", dir, rel) < 0)
		return -ENOMEM;
	rc = stat(path, &st) ? err_set(e, -errno, "cannot read '%s': %s",
				       path, strerror(errno))
	     : image_archive_put(t, rel, path, 0, (uint64_t)st.st_size, NULL,
				 mt, e);
	free(path);
	return rc;
}

/* The layout in dir as the tar at archive: files, blobs sorted. */
static int pack(const char *dir, const char *archive, struct timespec mt,
		struct err *e)
{
	struct sink_opts so = { .comp = SINK_NONE };
	struct sink *out = NULL;
	struct tarout *t = NULL;
	char **blobs = NULL, *sha = NULL, rel[96];
	size_t n = 0;
	int rc = asprintf(&sha, "%s/blobs/sha256", dir) < 0 ? -ENOMEM : 0;

	if (!rc)
		rc = names_of(sha, &blobs, &n);
	if (!rc)
		rc = sink_open(archive, &so, &out, e);
	if (!rc && !(t = tarout_new(out)))
		rc = -ENOMEM;
	if (!rc)
		rc = put_file(t, dir, "oci-layout", mt, e);
	if (!rc)
		rc = put_file(t, dir, "index.json", mt, e);
	if (!rc)
		rc = put_dir(t, "blobs", mt, e);
	if (!rc)
		rc = put_dir(t, "blobs/sha256", mt, e);
	for (size_t i = 0; !rc && i < n; i++) {
		snprintf(rel, sizeof(rel), "blobs/sha256/%.64s", blobs[i]);
		rc = put_file(t, dir, rel, mt, e);
	}
	if (!rc)
		rc = tarout_finish(t, e);
	tarout_free(t);
	if (rc)
		sink_abort(out);
	else
		rc = sink_commit(out, e);
	names_free(blobs, n);
	free(sha);
	return rc;
}

/* unlink (or rmdir) of dir "/" rel; a failure leaves the name. */
static void remove_at(const char *dir, const char *rel, bool isdir)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, rel) < 0)
		return;
	if (isdir)
		rmdir(p);
	else
		unlink(p);
	free(p);
}

/* Removes the layout the writer made in dir (files, then directories). */
static void remove_layout(const char *dir)
{
	char **blobs, *sha;
	size_t n;

	if (asprintf(&sha, "%s/blobs/sha256", dir) < 0)
		return;
	names_of(sha, &blobs, &n);	/* what it found, even on ENOMEM */
	for (size_t i = 0; i < n; i++)
		remove_at(sha, blobs[i], false);
	names_free(blobs, n);
	free(sha);
	remove_at(dir, "oci-layout", false);
	remove_at(dir, "index.json", false);
	remove_at(dir, "index.json.lock", false);	/* oci.c's lock_index */
	remove_at(dir, "blobs/sha256", true);
	remove_at(dir, "blobs", true);
	rmdir(dir);
}

int image_ociarch_commit(struct image_writer *w, struct err *e)
{
	int rc = image_oci_commit(w, e);

	if (!rc)
		rc = pack(w->path, w->archive, w->o.created, e);
	remove_layout(w->path);
	/* nothing left for an abort to remove */
	for (size_t i = 0; i < w->nmade; i++)
		free(w->made[i]);
	w->nmade = 0;
	return rc;
}
