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
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/input.h"
#include "base/io.h"
#include "image/image_impl.h"
#include "layers/memfs.h"
#include "layers/tarout.h"

struct member {
	char *name;
	char *link;		/* a symlink's target, else NULL */
	uint64_t off, size;
	size_t seq;		/* its place in the archive */
};

struct archive_scan {
	int fd;
	unsigned char buf[1 << 16];
	struct member *m;
	size_t n, cap;
};

static la_ssize_t scan_read(struct archive *a, void *cd, const void **buf)
{
	struct archive_scan *s = cd;
	ssize_t n;

	do
		n = read(s->fd, s->buf, sizeof(s->buf));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		archive_set_error(a, errno, "read error");
	*buf = s->buf;
	return n;
}

static la_int64_t scan_skip(struct archive *a, void *cd, la_int64_t req)
{
	struct archive_scan *s = cd;

	return lseek(s->fd, req, SEEK_CUR) < 0 ? 0 : req;
}

/* Member names as tar writers spell them: no "./" in front. */
static const char *clean(const char *name)
{
	while (name[0] == '.' && name[1] == '/')
		name += 2;
	return name;
}

static int scan_add(struct archive_scan *s, struct archive *a,
		    struct archive_entry *ae)
{
	const char *link = archive_entry_symlink(ae);
	struct member *m = s->m;

	if (s->n == s->cap) {	/* doubling: 200,000 members copy no more */
		size_t cap = s->cap ? 2 * s->cap : 64;

		if (!(m = realloc(s->m, cap * sizeof(*m))))
			return -ENOMEM;
		s->m = m;
		s->cap = cap;
	}
	m = s->m + s->n;
	m->name = strdup(clean(archive_entry_pathname(ae)));
	m->link = link ? strdup(link) : NULL;
	m->off = (uint64_t)archive_filter_bytes(a, 0);
	m->size = (uint64_t)archive_entry_size(ae);
	if (!m->name || (link && !m->link)) {
		free(m->name);
		free(m->link);
		return -ENOMEM;
	}
	s->n++;
	return 0;
}

static int scan(struct archive_scan *s, struct err *e)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ae;
	int r, rc = 0;

	if (!a)
		return -ENOMEM;
	archive_read_support_format_tar(a);
	archive_read_set_read_callback(a, scan_read);
	archive_read_set_skip_callback(a, scan_skip);
	archive_read_set_callback_data(a, s);
	if (archive_read_open1(a) != ARCHIVE_OK) {
		rc = err_set(e, -EINVAL, "not a tar archive (a compressed "
			     "docker-archive must be decompressed first)");
		goto out;
	}
	while (!rc && (r = archive_read_next_header(a, &ae)) != ARCHIVE_EOF) {
		if (r != ARCHIVE_OK)
			rc = err_set(e, -EIO, "%s",
				     archive_error_string(a) ?
				     archive_error_string(a) : "corrupt tar");
		else
			rc = scan_add(s, a, ae);
	}
out:
	archive_read_free(a);
	return rc;
}

/* By name, then by place: the first of a name comes first. */
static int member_cmp(const void *a, const void *b)
{
	const struct member *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * Indexes the members once, sorted by name (issue 14: a lookup per layer
 * through 200,000 members was quadratic), so that each lookup is a
 * binary search.
 */
static void index_members(struct archive_scan *s)
{
	for (size_t i = 0; i < s->n; i++)
		s->m[i].seq = i;
	if (s->n)
		qsort(s->m, s->n, sizeof(*s->m), member_cmp);
}

/* The first member called name, as a scan in archive order finds it. */
static const struct member *lookup(const struct archive_scan *s,
				   const char *name)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(s->m[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->n && !strcmp(s->m[lo].name, name) ? &s->m[lo] : NULL;
}

/*
 * The member name refers to, through at most 8 symlinks: 0 and *out (NULL
 * when there is none), or -ENOMEM. Each name a link leads to is built in
 * a string of its own length (STYLE.md: growable paths), so a long member
 * name is never cut short into the name of another.
 */
static int find(const struct archive_scan *s, const char *name,
		const struct member **out)
{
	char *buf = NULL, *next;
	int rc = 0;

	*out = NULL;
	for (int hops = 0; hops < 8; hops++) {
		const struct member *m = NULL;

		name = clean(name);
		m = lookup(s, name);
		if (!m || !m->link) {
			*out = m;
			break;
		}
		/* a link is relative to its own directory: "ID/layer.tar ->
		 * ../HEX.tar" as docker save writes it */
		const char *slash = strrchr(m->name, '/');
		const char *t = m->link;
		size_t dl = slash ? (size_t)(slash - m->name) : 0;

		while (!strncmp(t, "../", 3) && dl) {
			t += 3;
			while (dl && m->name[dl - 1] != '/')
				dl--;
			if (dl)
				dl--;
		}
		if (t[0] == '/' || !strncmp(t, "../", 3))
			break;
		if (asprintf(&next, "%.*s%s%s", (int)dl, m->name,
			     dl ? "/" : "", t) < 0) {
			rc = -ENOMEM;
			break;
		}
		free(buf);
		name = buf = next;
	}
	free(buf);
	return rc;
}

static int pread_member(int fd, const struct member *m, char **out,
			struct err *e)
{
	char *buf;

	if (m->size > IMAGE_JSON_MAX)
		return err_set(e, -EFBIG, "member '%s' is too large", m->name);
	buf = malloc(m->size + 1);
	if (!buf)
		return -ENOMEM;
	if (io_pread_all(fd, buf, m->size, m->off)) {
		free(buf);
		return err_set(e, -EIO, "cannot read member '%s'", m->name);
	}
	buf[m->size] = 0;
	*out = buf;
	return 0;
}

/* Reads and parses the JSON member name. */
static int member_json(struct archive_scan *s, const char *name,
		       json_t **out, unsigned char (*digest)[32],
		       struct err *e)
{
	const struct member *m;
	char *buf = NULL;
	int rc = find(s, name, &m);

	if (rc)
		return rc;
	if (!m)
		return err_set(e, -ENOENT, "no member '%s'", name);
	rc = pread_member(s->fd, m, &buf, e);
	if (rc)
		return rc;
	if (digest)
		image_sha256(buf, m->size, *digest);
	rc = image_json_doc(name, buf, m->size, out, e);
	free(buf);
	return rc;
}

/* "@N" (N decimal digits only) as an index; -1 if ref is not one. */
static long at_index(const char *ref)
{
	char *end;
	long v;

	if (!ref || ref[0] != '@' || ref[1] < '0' || ref[1] > '9')
		return -1;
	errno = 0;
	v = strtol(ref + 1, &end, 10);
	return *end || errno ? -1 : v;
}

/*
 * The manifest.json entry ref names: a RepoTag, or "@N", the N-th image
 * counted from 0 (skopeo's docker-archive:FILE:@source-index); else the only.
 */
static int pick(const json_t *list, const char *ref, const json_t **out,
		struct err *e)
{
	size_t i, j, n = json_array_size(list);
	const json_t *d, *t;
	long at = at_index(ref);

	if (!json_is_array(list) || !n)
		return err_set(e, -EINVAL, "manifest.json lists no images");
	if (!ref && n > 1)
		return err_set(e, -EINVAL, "manifest.json lists %zu images: "
			       "name one (docker-archive:FILE:REF)", n);
	if (!ref || (at >= 0 && (size_t)at < n)) {
		*out = json_array_get(list, ref ? (size_t)at : 0);
		return 0;
	}
	if (at >= 0)
		return err_set(e, -ENOENT, "no image %s: manifest.json lists "
			       "%zu (@0 to @%zu)", ref, n, n - 1);
	json_array_foreach(list, i, d)
		json_array_foreach(json_object_get(d, "RepoTags"), j, t) {
			const char *s = json_string_value(t);
			size_t rl = strlen(ref);

			/* docker's normalised names: docker.io/library/x = x */
			if (s && !strncmp(s, "docker.io/library/", 18))
				s += 18;
			else if (s && !strncmp(s, "docker.io/", 10))
				s += 10;

			if (s && (!strcmp(s, ref) || (!strncmp(s, ref, rl) &&
						      !strcmp(s + rl, ":latest")))) {
				*out = d;
				return 0;
			}
		}
	return err_set(e, -ENOENT, "no image tagged '%s'", ref);
}

/* What a member's first bytes say it is compressed with. */
static const char *member_type(int fd, const struct member *m)
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

static int read_layers(struct image *img, struct archive_scan *s,
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
		const struct member *m = NULL;
		struct image_layer *l = &img->layers[i];
		size_t n = strlen(img->spec) + 32;

		if (name && find(s, name, &m))
			return -ENOMEM;
		if (!m)
			return err_set(e, -ENOENT, "layer %zu: no member '%s'",
				       i + 1, name ? name : "(not a string)");
		img->nlayers = i + 1;
		l->path = strdup(file);
		l->name = malloc(n);
		if (!l->path || !l->name)
			return -ENOMEM;
		snprintf(l->name, n, "%s layer %zu", img->spec, i + 1);
		l->window = true;
		l->off = m->off;
		l->len = m->size;
		l->media_type = member_type(s->fd, m);
	}
	return 0;
}

int image_docker_open(struct image *img, const char *file, const char *ref,
		      struct err *e)
{
	struct archive_scan *s = calloc(1, sizeof(*s));
	struct stat st;
	json_t *list = NULL;
	const json_t *ent = NULL;
	const char *cname;
	unsigned char cd[32], want[32];
	char hex[80];
	int rc = -ENOMEM;

	if (!s)
		return -ENOMEM;
	s->fd = input_open_regular(file, &st);	/* a fifo never blocks */
	if (s->fd < 0) {
		rc = s->fd == -EINVAL ? err_set(e, -EINVAL, "not a regular "
						"file")
		     : err_set(e, s->fd, "cannot open: %s", strerror(-s->fd));
		s->fd = -1;
		goto out;
	}
	rc = scan(s, e);
	if (!rc)
		index_members(s);
	if (!rc)
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
out:
	json_decref(list);
	if (s->fd >= 0)
		close(s->fd);
	for (size_t i = 0; i < s->n; i++) {
		free(s->m[i].name);
		free(s->m[i].link);
	}
	free(s->m);
	free(s);
	return rc;
}

/* --- out -------------------------------------------------------------- */

int image_docker_writer_open(struct image_writer *w, struct err *e)
{
	struct sink_opts so = { .comp = w->o.comp_given ? w->o.comp
							: SINK_NONE,
				.digest = true };

	w->o.comp = so.comp;
	return sink_open(w->path, &so, &w->layer, e);
}

/* One member: bytes [off, off+len) of path, or len bytes at mem. */
static int put_member(struct tarout *t, const struct image_writer *w,
		      const char *name, const char *path, uint64_t off,
		      uint64_t len, const void *mem, struct err *e)
{
	struct entry ent = {
		.type = ENTRY_FILE, .path = name, .pathlen = strlen(name),
		.mode = 0644, .mtime = w->o.created,
	};
	struct memfs_src *src;
	struct memfs_data *d;
	int fd, rc;

	if (mem) {
		src = memfs_src_mem(mem, (size_t)len);
	} else {
		struct stat st;

		fd = input_open_regular(path, &st);
		if (fd < 0)
			return err_set(e, fd, "cannot open '%s': %s", path,
				       fd == -EINVAL ? "not a regular file"
				       : strerror(-fd));
		src = memfs_src_fd(fd, off + len);
	}
	d = src ? memfs_data_new(len, 1) : NULL;
	if (!d) {
		memfs_src_put(src);
		return -ENOMEM;
	}
	memfs_data_push(d, 0, len, src, off);
	memfs_src_put(src);
	ent.data = d;
	rc = tarout_write(t, &ent, e);
	memfs_data_put(d);
	return rc;
}

/* Layers, config and manifest.json into t. */
static int put_members(struct image_writer *w, struct tarout *t,
		       const struct sink_sums *sums, json_t *names,
		       struct err *e)
{
	const struct image *b = w->o.base;
	size_t n = (w->o.append ? b->nlayers : 0) + 1, len;
	unsigned char (*ids)[32] = calloc(n, 32);
	char name[96], ds[72], *cfg = NULL, *man = NULL;
	json_t *list = NULL;
	int rc = -ENOMEM;

	if (!ids)
		return -ENOMEM;
	for (size_t i = 0; i + 1 < n; i++) {
		const struct image_layer *l = &b->layers[i];

		image_digest_str(l->has_digest ? l->digest : l->diff_id, ds);
		snprintf(name, sizeof(name), "%s.tar", ds + 7);
		rc = put_member(t, w, name, l->path, l->window ? l->off : 0,
				l->len, NULL, e);
		if (rc || json_array_append_new(names, json_string(name)))
			goto out;
		memcpy(ids[i], l->diff_id, 32);
	}
	snprintf(name, sizeof(name), "%s.tar",
		 image_digest_str(sums->out_sha256, ds) + 7);
	rc = put_member(t, w, name, sink_temp(w->layer), 0, sums->out_size,
			NULL, e);
	if (rc || json_array_append_new(names, json_string(name)))
		goto out;
	memcpy(ids[n - 1], sums->in_sha256, 32);
	rc = image_config_make(&w->o, (const unsigned char (*)[32])ids, n,
			       &cfg, &len, NULL);
	if (rc)
		goto out;
	image_sha256(cfg, len, ids[0]);
	snprintf(name, sizeof(name), "%s.json", image_digest_str(ids[0], ds)
		 + 7);
	rc = put_member(t, w, name, NULL, 0, len, cfg, e);
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
		rc = put_member(t, w, "manifest.json", NULL, 0, len, man, e);
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
	struct sink_sums sums;
	struct sink *out = NULL;
	struct tarout *t = NULL;
	json_t *names = json_array();
	int rc = sink_end(w->layer, &sums, e);

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
