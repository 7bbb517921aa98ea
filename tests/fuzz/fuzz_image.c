/*
 * fuzz_image: the image readers. The first byte picks the document the
 * rest of the input becomes, in an image that is otherwise well formed:
 *   0  an OCI layout's index.json
 *   1  the manifest the index names (its digest and size made to match)
 *   2  the config that manifest names (likewise), over one small layer
 *   3  a docker-archive's manifest.json, beside a config and a layer
 * and image_open reads it, then each layer is loaded as flatten would.
 * The files go to one directory of $TMPDIR per process, rewritten each
 * run.
 */
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/image.h"
#include "layers/memfs.h"
#include "layers/tarin.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[4096];

/* A 1,536-byte tar: one file "f" holding "x\n", then the end blocks. */
static unsigned char layer_tar[1536];
static size_t layer_len;

static void die(const char *what)
{
	perror(what);
	abort();
}

static void put(const char *name, const void *buf, size_t len)
{
	char p[4200];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || (len && write(fd, buf, len) != (ssize_t)len))
		die(p);
	close(fd);
}

/* "sha256:HEX" of buf into out (72 bytes). */
static const char *digest(const void *buf, size_t len, char out[72])
{
	unsigned char d[32];

	image_sha256(buf, len, d);
	return image_digest_str(d, out);
}

/* Puts buf as a blob and returns its digest. */
static const char *blob(const void *buf, size_t len, char out[72])
{
	char name[100];

	digest(buf, len, out);
	snprintf(name, sizeof(name), "blobs/sha256/%s", out + 7);
	put(name, buf, len);
	return out;
}

static void make_layer(void)
{
	unsigned char *h = layer_tar;
	unsigned sum = 0;

	memset(layer_tar, 0, sizeof(layer_tar));
	strcpy((char *)h, "f");
	strcpy((char *)h + 100, "0000644");
	strcpy((char *)h + 108, "0000000");
	strcpy((char *)h + 116, "0000000");
	strcpy((char *)h + 124, "00000000002");
	strcpy((char *)h + 136, "00000000000");
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	memcpy(h + 512, "x\n", 2);
	layer_len = sizeof(layer_tar);
}

static int remove_one(const char *path, const struct stat *st, int flag,
		      struct FTW *ftw)
{
	remove(path);
	return 0;
}

/* The process's directory goes with it. */
static void cleanup(void)
{
	if (dir[0])
		nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void setup(void)
{
	const char *tmp = getenv("TMPDIR");
	char p[4200];

	snprintf(dir, sizeof(dir), "%s/fuzz-image.XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		die("mkdtemp");
	atexit(cleanup);
	snprintf(p, sizeof(p), "%s/blobs", dir);
	if (mkdir(p, 0755))
		die(p);
	snprintf(p, sizeof(p), "%s/blobs/sha256", dir);
	if (mkdir(p, 0755))
		die(p);
	put("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30);
	make_layer();
}

/* The OCI chain index -> manifest -> config -> layer, doc at step k. */
static void oci(int k, const uint8_t *doc, size_t len)
{
	char ld[72], cd[72], md[72], cfg[512], man[2048], idx[1024];
	size_t csize, msize;
	int n;

	if (k == 0) {
		put("index.json", doc, len);
		return;
	}
	blob(layer_tar, layer_len, ld);
	if (k == 2) {
		blob(doc, len, cd);
		csize = len;
	} else {
		n = snprintf(cfg, sizeof(cfg), "{\"architecture\":\"amd64\","
			     "\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
			     "\"diff_ids\":[\"%s\"]}}", ld);
		blob(cfg, (size_t)n, cd);
		csize = (size_t)n;
	}
	if (k == 1) {
		blob(doc, len, md);
		msize = len;
	} else {
		n = snprintf(man, sizeof(man), "{\"schemaVersion\":2,"
			     "\"mediaType\":\"application/vnd.oci.image."
			     "manifest.v1+json\",\"config\":{\"mediaType\":"
			     "\"application/vnd.oci.image.config.v1+json\","
			     "\"digest\":\"%s\",\"size\":%zu},\"layers\":[{"
			     "\"mediaType\":\"application/vnd.oci.image.layer."
			     "v1.tar\",\"digest\":\"%s\",\"size\":%zu}]}", cd,
			     csize, ld, layer_len);
		blob(man, (size_t)n, md);
		msize = (size_t)n;
	}
	n = snprintf(idx, sizeof(idx), "{\"schemaVersion\":2,\"manifests\":"
		     "[{\"mediaType\":\"application/vnd.oci.image.manifest.v1"
		     "+json\",\"digest\":\"%s\",\"size\":%zu,\"annotations"
		     "\":{\"org.opencontainers.image.ref.name\":\"t\"}}]}", md,
		     msize);
	put("index.json", idx, (size_t)n);
}

/* One ustar member header for name of size bytes at h. */
static void member(unsigned char *h, const char *name, size_t size)
{
	unsigned sum = 0;

	memset(h, 0, 512);
	snprintf((char *)h, 100, "%s", name);
	strcpy((char *)h + 100, "0000644");
	strcpy((char *)h + 108, "0000000");
	strcpy((char *)h + 116, "0000000");
	snprintf((char *)h + 124, 12, "%011zo", size);
	strcpy((char *)h + 136, "00000000000");
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
}

/* A docker-archive: manifest.json (doc), c.json, l.tar. */
static void docker(const uint8_t *doc, size_t len)
{
	char ld[72], buf[1024];
	int n;
	size_t cap = 3 * 512 + len + 1024 + layer_len + 3 * 512 + 1024;
	unsigned char *t = calloc(1, cap), *p = t;

	if (!t)
		die("calloc");
	digest(layer_tar, layer_len, ld);
	n = snprintf(buf, sizeof(buf), "{\"architecture\":\"amd64\",\"os\":"
		     "\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":"
		     "[\"%s\"]}}", ld);
	member(p, "manifest.json", len);
	memcpy(p + 512, doc, len);
	p += 512 + (len + 511) / 512 * 512;
	member(p, "c.json", (size_t)n);
	memcpy(p + 512, buf, (size_t)n);
	p += 512 + ((size_t)n + 511) / 512 * 512;
	member(p, "l.tar", layer_len);
	memcpy(p + 512, layer_tar, layer_len);
	p += 512 + (layer_len + 511) / 512 * 512;
	p += 1024;
	put("archive.tar", t, (size_t)(p - t));
	free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char spec[4300];
	struct image *img = NULL;
	struct err e;

	if (!dir[0])
		setup();
	if (!size || size > (1u << 20))
		return 0;
	err_clear(&e);
	if (data[0] % 4 == 3) {
		docker(data + 1, size - 1);
		snprintf(spec, sizeof(spec), "docker-archive:%s/archive.tar",
			 dir);
	} else {
		oci(data[0] % 4, data + 1, size - 1);
		snprintf(spec, sizeof(spec), "oci:%s", dir);
	}
	if (image_open(spec, &img, &e))
		return 0;
	for (size_t i = 0; i < img->nlayers; i++) {
		struct tarin_src src;
		struct memfs *fs;

		image_layer_src(img, i, &src);
		err_clear(&e);
		if (!tarin_load_src(&src, fuzz_tarin_opts(), &fs, &e))
			memfs_free(fs);
	}
	image_free(img);
	return 0;
}
