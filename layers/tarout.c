/*
 * tarout: writing entries as a POSIX pax archive (see tarout.h).
 *
 * Each entry is a ustar header (POSIX.1-2001 "ustar Interchange Format"),
 * preceded by a pax extended header (typeflag 'x', "pax Extended Header")
 * when something does not fit ustar: a path or link name too long, an id
 * above 07777777, a size above 077777777777, an mtime that is negative,
 * too large or has nanoseconds, or any xattr (SCHILY.xattr.NAME, as star,
 * GNU tar and libarchive write them). The ustar field then holds a cut or
 * clamped value and the pax record the truth. The 'x' entry's own name is
 * "PaxHeaders/" plus the basename: POSIX suggests %d/PaxHeaders.%p/%f, but
 * a pid would make the output differ between runs.
 */
#include "layers/tarout.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "layers/memfs.h"
#include "layers/sink.h"

#define BLOCK 512
#define USTAR_NAME 100
#define USTAR_PREFIX 155
#define MAX_ID 07777777ULL		/* 7 octal digits */
#define MAX_SIZE 077777777777ULL	/* 11 octal digits */
#define PAX_DIR "PaxHeaders/"

/* ustar header field offsets and widths (POSIX.1-2001 pax, ustar). */
enum {
	H_NAME = 0, H_MODE = 100, H_UID = 108, H_GID = 116, H_SIZE = 124,
	H_MTIME = 136, H_CHKSUM = 148, H_TYPE = 156, H_LINK = 157,
	H_MAGIC = 257, H_VERSION = 263, H_DEVMAJOR = 329, H_DEVMINOR = 337,
	H_PREFIX = 345,
};

/* Buffers reused across entries, so a million entries cost no mallocs. */
struct tarout {
	struct entry_writer w;	/* first: tarout_writer */
	struct sink *sink;
	char *name;		/* the path, with '/' for a directory */
	size_t name_cap;
	char *pax;		/* pax records of the current entry */
	size_t pax_len, pax_cap;
};

/* What goes into one ustar header, already fitted to its fields. */
struct hdr {
	const char *name;
	size_t namelen;
	const char *link;
	size_t linklen;
	char type;
	uint64_t mode, uid, gid, size, mtime;
	bool dev;
	uint64_t major, minor;
};

static const unsigned char zeros[64 << 10];

static int writer_write(struct entry_writer *w, const struct entry *ent,
			struct err *e)
{
	return tarout_write((struct tarout *)w, ent, e);
}

static int writer_finish(struct entry_writer *w, struct err *e)
{
	return tarout_finish((struct tarout *)w, e);
}

static const struct entry_writer_ops tarout_ops = {
	.write = writer_write,
	.finish = writer_finish,
};

struct tarout *tarout_new(struct sink *sink)
{
	struct tarout *t = calloc(1, sizeof(*t));

	if (t) {
		t->w.ops = &tarout_ops;
		t->sink = sink;
	}
	return t;
}

struct entry_writer *tarout_writer(struct tarout *t)
{
	return &t->w;
}

void tarout_free(struct tarout *t)
{
	if (!t)
		return;
	free(t->name);
	free(t->pax);
	free(t);
}

static int grow(char **buf, size_t *cap, size_t need)
{
	size_t n = *cap ? *cap : 256;
	char *p;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	p = realloc(*buf, n);
	if (!p)
		return -ENOMEM;
	*buf = p;
	*cap = n;
	return 0;
}

/* Width-1 octal digits, zero-padded, then NUL; v must fit. */
static void put_octal(unsigned char *field, size_t width, uint64_t v)
{
	size_t i = width - 1;

	field[i] = '\0';
	while (i--) {
		field[i] = (unsigned char)('0' + (v & 7));
		v >>= 3;
	}
}

/*
 * Whether name fits ustar, and where: *split is 0 when it fits the name
 * field alone, else the length of the prefix field (the '/' at the split
 * is dropped). The shortest prefix that lets the rest fit is chosen.
 */
static bool ustar_fits(const char *name, size_t len, size_t *split)
{
	size_t i;

	*split = 0;
	if (len <= USTAR_NAME)
		return true;
	if (len > USTAR_PREFIX + 1 + USTAR_NAME)
		return false;
	for (i = len - USTAR_NAME - 1; i <= USTAR_PREFIX && i + 1 < len; i++) {
		if (i > 0 && name[i] == '/') {
			*split = i;
			return true;
		}
	}
	return false;
}

static void hdr_format(unsigned char b[BLOCK], const struct hdr *h)
{
	size_t split, i;
	unsigned sum = 0;

	memset(b, 0, BLOCK);
	if (!ustar_fits(h->name, h->namelen, &split))
		memcpy(b + H_NAME, h->name, USTAR_NAME);	/* pax has it */
	else if (!split)
		memcpy(b + H_NAME, h->name, h->namelen);
	else {
		memcpy(b + H_PREFIX, h->name, split);
		memcpy(b + H_NAME, h->name + split + 1, h->namelen - split - 1);
	}
	put_octal(b + H_MODE, 8, h->mode);
	put_octal(b + H_UID, 8, h->uid);
	put_octal(b + H_GID, 8, h->gid);
	put_octal(b + H_SIZE, 12, h->size);
	put_octal(b + H_MTIME, 12, h->mtime);
	b[H_TYPE] = (unsigned char)h->type;
	memcpy(b + H_LINK, h->link,
	       h->linklen < USTAR_NAME ? h->linklen : USTAR_NAME);
	memcpy(b + H_MAGIC, "ustar", 6);
	memcpy(b + H_VERSION, "00", 2);
	if (h->dev) {
		put_octal(b + H_DEVMAJOR, 8, h->major);
		put_octal(b + H_DEVMINOR, 8, h->minor);
	}
	/* the checksum counts its own field as eight spaces */
	memset(b + H_CHKSUM, ' ', 8);
	for (i = 0; i < BLOCK; i++)
		sum += b[i];
	put_octal(b + H_CHKSUM, 7, sum);
	b[H_CHKSUM + 7] = ' ';
}

static size_t ndigits(size_t n)
{
	size_t d = 1;

	while (n >= 10) {
		n /= 10;
		d++;
	}
	return d;
}

/* Appends "LEN KEY=VALUE\n"; LEN counts the whole record, itself too. */
static int pax_add(struct tarout *t, const char *key, size_t klen,
		   const char *val, size_t vlen)
{
	size_t base = klen + vlen + 3, d = 1, len;
	int n, r;

	while (ndigits(base + d) != d)
		d++;
	len = base + d;
	r = grow(&t->pax, &t->pax_cap, t->pax_len + len + 1);
	if (r)
		return r;
	n = snprintf(t->pax + t->pax_len, len + 1, "%zu ", len);
	memcpy(t->pax + t->pax_len + n, key, klen);
	t->pax[t->pax_len + n + klen] = '=';
	if (vlen)
		memcpy(t->pax + t->pax_len + n + klen + 1, val, vlen);
	t->pax[t->pax_len + len - 1] = '\n';
	t->pax_len += len;
	return 0;
}

static int pax_add_u64(struct tarout *t, const char *key, uint64_t v)
{
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%" PRIu64, v);

	return pax_add(t, key, strlen(key), buf, (size_t)n);
}

/*
 * pax mtime: decimal seconds, a '.' and the fraction without trailing
 * zeros. The value is sec + nsec / 1e9, so sec -2 nsec 5e8 is "-1.5".
 */
static int pax_add_time(struct tarout *t, const struct timespec *ts)
{
	char buf[48], frac[16];
	int64_t sec = ts->tv_sec;
	long ns = ts->tv_nsec;
	int n, i;

	if (ns && sec < 0) {
		ns = 1000000000L - ns;
		n = snprintf(buf, sizeof(buf), "-%" PRId64, -(sec + 1));
	} else {
		n = snprintf(buf, sizeof(buf), "%" PRId64, sec);
	}
	if (ns) {
		snprintf(frac, sizeof(frac), "%09ld", ns);
		for (i = 8; frac[i] == '0'; i--)
			frac[i] = '\0';
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, ".%s", frac);
	}
	return pax_add(t, "mtime", 5, buf, (size_t)n);
}

static int pax_add_xattrs(struct tarout *t, const struct entry *ent)
{
	static const char pre[] = "SCHILY.xattr.";
	char *key = NULL;
	size_t cap = 0, nlen;
	uint32_t i;
	int r = 0;

	for (i = 0; i < ent->nxattrs && !r; i++) {
		nlen = strlen(ent->xattrs[i].name);
		/* a key ends at the first '=' (pax "keyword=value") */
		if (!nlen || memchr(ent->xattrs[i].name, '=', nlen)) {
			r = -EINVAL;
			break;
		}
		r = grow(&key, &cap, sizeof(pre) + nlen);
		if (r)
			break;
		memcpy(key, pre, sizeof(pre) - 1);
		memcpy(key + sizeof(pre) - 1, ent->xattrs[i].name, nlen);
		r = pax_add(t, key, sizeof(pre) - 1 + nlen,
			    (const char *)ent->xattrs[i].value,
			    ent->xattrs[i].len);
	}
	free(key);
	return r;
}

static bool mtime_fits(const struct timespec *ts)
{
	return ts->tv_nsec == 0 && ts->tv_sec >= 0 &&
	       (uint64_t)ts->tv_sec <= MAX_SIZE;
}

static uint64_t mtime_clamp(const struct timespec *ts)
{
	if (ts->tv_sec < 0)
		return 0;
	return (uint64_t)ts->tv_sec > MAX_SIZE ? MAX_SIZE
					       : (uint64_t)ts->tv_sec;
}

/* Builds the records, in a fixed order, of what does not fit h. */
static int pax_build(struct tarout *t, const struct entry *ent,
		     const struct hdr *h)
{
	size_t split;
	int r = 0;

	t->pax_len = 0;
	if (!ustar_fits(h->name, h->namelen, &split))
		r = pax_add(t, "path", 4, h->name, h->namelen);
	if (!r && h->linklen > USTAR_NAME)
		r = pax_add(t, "linkpath", 8, h->link, h->linklen);
	if (!r && h->size > MAX_SIZE)
		r = pax_add_u64(t, "size", h->size);
	if (!r && h->uid > MAX_ID)
		r = pax_add_u64(t, "uid", h->uid);
	if (!r && h->gid > MAX_ID)
		r = pax_add_u64(t, "gid", h->gid);
	if (!r && !mtime_fits(&ent->mtime))
		r = pax_add_time(t, &ent->mtime);
	if (!r)
		r = pax_add_xattrs(t, ent);
	return r;
}

static int write_zeros(struct sink *s, uint64_t n)
{
	size_t k;
	int r;

	while (n) {
		k = n < sizeof(zeros) ? (size_t)n : sizeof(zeros);
		r = sink_write(s, zeros, k);
		if (r)
			return r;
		n -= k;
	}
	return 0;
}

static int write_padding(struct sink *s, uint64_t size)
{
	return write_zeros(s, (BLOCK - size % BLOCK) % BLOCK);
}

/* The 'x' entry: named PaxHeaders/BASENAME, 0644, root, the entry's
 * mtime as far as it fits. */
static int write_pax(struct tarout *t, const struct entry *ent)
{
	const char *base = ent->path, *p;
	size_t blen, max = USTAR_NAME - (sizeof(PAX_DIR) - 1);
	char name[USTAR_NAME];
	unsigned char b[BLOCK];
	struct hdr h = { .type = 'x', .mode = 0644, .link = "" };
	int r;

	for (p = ent->path; p < ent->path + ent->pathlen; p++)
		if (*p == '/')
			base = p + 1;
	blen = ent->path + ent->pathlen - base;
	if (blen > max)
		blen = max;
	memcpy(name, PAX_DIR, sizeof(PAX_DIR) - 1);
	memcpy(name + sizeof(PAX_DIR) - 1, base, blen);
	h.name = name;
	h.namelen = sizeof(PAX_DIR) - 1 + blen;
	h.size = t->pax_len;
	h.mtime = mtime_clamp(&ent->mtime);
	hdr_format(b, &h);
	r = sink_write(t->sink, b, BLOCK);
	if (!r)
		r = sink_write(t->sink, t->pax, t->pax_len);
	if (!r)
		r = write_padding(t->sink, t->pax_len);
	return r;
}

/*
 * The content: extents in order, gaps and holes as zeros, then padding.
 * Returns 0, -EINVAL for extents breaking the memfs_data invariant, or the
 * sink's error.
 */
static int write_data(struct sink *s, const struct memfs_data *d)
{
	const struct memfs_extent *x;
	uint64_t pos = 0;
	uint32_t i;
	int r;

	for (i = 0; i < d->n; i++) {
		x = &d->ext[i];
		if (x->off < pos || x->off > d->size ||
		    x->len > d->size - x->off)
			return -EINVAL;
		r = write_zeros(s, x->off - pos);
		if (!r)
			r = x->src ? sink_copy(s, x->src, x->src_off, x->len)
				   : write_zeros(s, x->len);
		if (r)
			return r;
		pos = x->off + x->len;
	}
	r = write_zeros(s, d->size - pos);
	return r ? r : write_padding(s, d->size);
}

static const char type_flags[] = {
	[ENTRY_FILE] = '0', [ENTRY_DIR] = '5', [ENTRY_SYMLINK] = '2',
	[ENTRY_HARDLINK] = '1', [ENTRY_CHR] = '3', [ENTRY_BLK] = '4',
	[ENTRY_FIFO] = '6',
};

/* Fills h from ent; a directory's name gets its '/'. */
static int hdr_from_entry(struct tarout *t, const struct entry *ent,
			  struct hdr *h, struct err *e)
{
	bool dir = ent->type == ENTRY_DIR;
	int r;

	if ((unsigned)ent->type >= sizeof(type_flags) || !ent->pathlen)
		return err_set(e, -EINVAL, "invalid entry");
	if (ent->mtime.tv_nsec < 0 || ent->mtime.tv_nsec >= 1000000000L)
		return err_set(e, -EINVAL, "invalid mtime nanoseconds %ld",
			       (long)ent->mtime.tv_nsec);
	r = grow(&t->name, &t->name_cap, ent->pathlen + 2);
	if (r)
		return err_set(e, r, "out of memory");
	memcpy(t->name, ent->path, ent->pathlen);
	if (dir)
		t->name[ent->pathlen] = '/';
	*h = (struct hdr){
		.name = t->name,
		.namelen = ent->pathlen + dir,
		.link = "",
		.type = type_flags[ent->type],
		.mode = ent->mode & 07777,
		.uid = ent->uid,
		.gid = ent->gid,
		.mtime = mtime_clamp(&ent->mtime),
	};
	if (ent->type == ENTRY_SYMLINK || ent->type == ENTRY_HARDLINK) {
		h->link = ent->linkname ? ent->linkname : "";
		h->linklen = ent->linkname ? ent->linklen : 0;
	}
	if (ent->type == ENTRY_FILE && ent->data)
		h->size = ent->data->size;
	if (ent->type == ENTRY_CHR || ent->type == ENTRY_BLK) {
		h->dev = true;
		h->major = major(ent->rdev);
		h->minor = minor(ent->rdev);
		/* pax has no record for device numbers */
		if (h->major > MAX_ID || h->minor > MAX_ID)
			return err_set(e, -EOVERFLOW,
				       "device number %" PRIu64 ",%" PRIu64
				       " does not fit a tar header",
				       h->major, h->minor);
	}
	return 0;
}

int tarout_write(struct tarout *t, const struct entry *ent,
		 struct err *e)
{
	unsigned char b[BLOCK];
	struct hdr h;
	uint64_t size;
	int r;

	r = hdr_from_entry(t, ent, &h, e);
	if (r)
		goto fail;
	r = pax_build(t, ent, &h);
	if (r) {
		err_set(e, r, r == -EINVAL ? "xattr name cannot be stored in pax"
					   : "out of memory");
		goto fail;
	}
	size = h.size;
	if (h.uid > MAX_ID)
		h.uid = 0;
	if (h.gid > MAX_ID)
		h.gid = 0;
	if (h.size > MAX_SIZE)
		h.size = 0;
	r = t->pax_len ? write_pax(t, ent) : 0;
	if (!r) {
		hdr_format(b, &h);
		r = sink_write(t->sink, b, BLOCK);
	}
	if (r) {
		err_set(e, r, "cannot write header: %s", strerror(-r));
		goto fail;
	}
	if (ent->type == ENTRY_FILE && size) {
		r = write_data(t->sink, ent->data);
		if (r == -EINVAL)
			err_set(e, r, "content extents overlap or pass its size");
		else if (r)
			err_set(e, r, "cannot write content: %s", strerror(-r));
		if (r)
			goto fail;
	}
	return 0;

fail:
	err_entry(e, ent->path, ent->pathlen);
	return r;
}

int tarout_finish(struct tarout *t, struct err *e)
{
	/* two zero blocks end the archive; no blocking-factor padding */
	int r = sink_write(t->sink, zeros, 2 * BLOCK);

	if (r)
		return err_set(e, r, "cannot write end of archive: %s",
			       strerror(-r));
	return 0;
}
