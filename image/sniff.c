/*
 * sniff: what a path given without a prefix is, by its content (image.h,
 * image_sniff). A directory holding "oci-layout" is an OCI layout
 * (image-spec image-layout.md). A plain tar is read header by header
 * (pread, content skipped) for as long as its top-level names are those
 * an image archive has: "oci-layout" and "index.json" (an oci-archive, in
 * any order: skopeo writes blobs/ first), "manifest.json" naming layers (a
 * docker-archive, docker save), "repositories", "blobs/", "*.json", the
 * 64-hex directories of docker save's legacy layout. The first other name
 * makes it a layer, so a layer costs one header read. Anything else
 * (compressed, a pipe, not a tar) is a layer too, for tarin to judge.
 */
#include "image/image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/image_impl.h"
#include "base/io.h"

#define BLOCK 512
#define MAX_HEADERS 100000	/* an image archive has a few per layer */
#define MAX_MANIFEST (4 << 20)

/* What the walk of the top level found. */
struct seen {
	bool layout, index, manifest;
	uint64_t man_off, man_size;
};

static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/*
 * Notes one entry name (NUL-terminated, at most 100 bytes). Returns false
 * when no image archive has it at its top level.
 */
static bool note(const char *name, uint64_t off, uint64_t size,
		 struct seen *s)
{
	size_t n, top;

	while (name[0] == '.' && name[1] == '/')
		name += 2;
	n = strlen(name);
	top = strcspn(name, "/");
	if (!n || (name[0] == '.' && !name[1]))
		return true;
	if (top == n) {		/* a top-level file */
		if (!strcmp(name, "oci-layout"))
			s->layout = true;
		else if (!strcmp(name, "index.json"))
			s->index = true;
		else if (!strcmp(name, "manifest.json")) {
			s->manifest = true;
			s->man_off = off;
			s->man_size = size;
		} else if (strcmp(name, "repositories") &&
			   !(n > 5 && !strcmp(name + n - 5, ".json")))
			return false;
		return true;
	}
	return (top == 5 && !strncmp(name, "blobs", 5)) ||
	       (top == 64 && all_hex(name, 64));
}

/* An octal header field. */
static uint64_t octal(const unsigned char *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n && p[i] >= '0' && p[i] <= '7'; i++)
		v = v * 8 + (uint64_t)(p[i] - '0');
	return v;
}

/* Walks the headers of the plain tar fd. true: image archive names only. */
static bool walk(int fd, uint64_t fsize, struct seen *s)
{
	unsigned char h[BLOCK];
	uint64_t off = 0;

	for (int k = 0; k < MAX_HEADERS && off + BLOCK <= fsize; k++) {
		char name[101];
		uint64_t size;

		if (io_pread_all(fd, h, BLOCK, off))
			return false;
		if (!h[0])
			return true;	/* the end of the archive */
		if (memcmp(h + 257, "ustar", 5))
			return false;	/* not a tar we recognise: a layer */
		size = octal(h + 124, 12);
		memcpy(name, h, 100);
		name[100] = '\0';
		/* pax and GNU long-name records say nothing by themselves */
		if (!strchr("xgLK", h[156]) &&
		    !note(name, off + BLOCK, size, s))
			return false;
		off += BLOCK + (size + BLOCK - 1) / BLOCK * BLOCK;
	}
	return false;
}

/* Whether the manifest.json of the walk names layers (docker save's). */
static bool names_layers(int fd, const struct seen *s)
{
	json_error_t jerr;
	json_t *m, *first;
	char *buf;
	bool ok = false;

	if (!s->man_size || s->man_size > MAX_MANIFEST ||
	    !(buf = malloc(s->man_size)))
		return false;
	if (!io_pread_all(fd, buf, s->man_size, s->man_off) &&
	    (m = json_loadb(buf, s->man_size, 0, &jerr))) {
		first = json_array_get(m, 0);
		ok = json_is_array(json_object_get(first, "Layers"));
		json_decref(m);
	}
	free(buf);
	return ok;
}

enum image_sniff image_sniff(const char *path)
{
	enum image_sniff r = IMAGE_SNIFF_LAYER;
	struct seen s = { 0 };
	struct stat st;
	char *layout;
	int fd;

	if (!strcmp(path, "-") || stat(path, &st))
		return r;
	if (S_ISDIR(st.st_mode)) {
		layout = malloc(strlen(path) + sizeof("/oci-layout"));
		if (!layout)
			return r;
		strcpy(layout, path);
		strcat(layout, "/oci-layout");
		if (!access(layout, F_OK))
			r = IMAGE_SNIFF_OCI_DIR;
		free(layout);
		return r;
	}
	if (!S_ISREG(st.st_mode) ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return r;
	if (walk(fd, (uint64_t)st.st_size, &s)) {
		if (s.manifest && names_layers(fd, &s))
			r = IMAGE_SNIFF_DOCKER_ARCHIVE;
		else if (s.layout && s.index)
			r = IMAGE_SNIFF_OCI_ARCHIVE;
	}
	close(fd);
	return r;
}
