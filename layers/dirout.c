/*
 * dirout: a tree into a directory (see dirout.h).
 *
 * Entries come parents first (export's order), so the writer keeps the
 * chain of open directory fds from the root to the last directory it
 * wrote into. A directory's mode and times are set when it leaves that
 * chain, after its children are in (writing a child changes the parent's
 * mtime, and a read-only mode would stop the children being made).
 */
#include "layers/dirout.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/io.h"
#include "layers/memfs.h"

#define DIROUT_COPY (1u << 20)

struct dirout_dir {
	int fd;			/* -1 while closed */
	char *name;		/* component; "" for the root */
	mode_t mode;
	struct timespec mtime;
	dev_t dev;		/* what a reopen must find again */
	ino_t ino;
	size_t plen;		/* cpath's length before this level */
};

/*
 * Invariant: dirs[0..depth] is the chain from the temporary root
 * (dirs[0]) to the directory written into last, dirs[i] a child of
 * dirs[i-1]. Not every level is open, so a deep tree needs no fd per
 * level (EMFILE): dirs[0] and dirs[depth] always are, and of the others
 * those keep_open() names, O(log depth) of them, listed in open[]; a
 * closed level is reopened by name from the nearest open one below it.
 */
struct dirout {
	struct entry_writer w;	/* first: dirout_writer */
	char *path, *tmp;
	bool root;		/* euid 0: owners, devices, all xattrs */
	unsigned long skipped;
	struct io_copy copy;	/* kernel copy calls found unsupported */
	struct dirout_dir *dirs;
	size_t depth, cap;
	size_t *open, nopen;	/* open levels above 0, ascending */
	struct err *e;		/* the current entry's, for a detail */
	char *cpath;		/* the chain's names joined by '/' */
	size_t clen, ccap;
	unsigned char *buf;
};

/*
 * Whether level i stays open while the chain is depth deep: depth with
 * its low bits cleared, for any number of them (the root, depth itself,
 * and a logarithmic ladder between), so that walking back up reopens
 * each level once per power of two: O(depth log depth) openat calls for
 * a whole chain, O(log depth) fds at any time.
 */
static bool keep_open(size_t i, size_t depth)
{
	return !i || (i <= depth && depth - i < (i & -i));
}

/* Closes the open levels that keep_open no longer names. */
static void trim(struct dirout *d)
{
	size_t k = 0;

	for (size_t j = 0; j < d->nopen; j++) {
		size_t i = d->open[j];

		if (i <= d->depth && keep_open(i, d->depth)) {
			d->open[k++] = i;
		} else if (i <= d->depth) {
			close(d->dirs[i].fd);
			d->dirs[i].fd = -1;
		}
	}
	d->nopen = k;
}

/* Records level i as open (open[] has room: at most depth entries). */
static void note_open(struct dirout *d, size_t i)
{
	size_t j = d->nopen++;

	while (j && d->open[j - 1] > i) {
		d->open[j] = d->open[j - 1];
		j--;
	}
	d->open[j] = i;
}

/* Opens level i from its open parent, checking it is the same directory. */
static int reopen(struct dirout *d, size_t i)
{
	struct dirout_dir *x = &d->dirs[i];
	struct stat st;
	int fd = openat(d->dirs[i - 1].fd, x->name, O_RDONLY | O_DIRECTORY |
			O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || st.st_dev != x->dev || st.st_ino != x->ino) {
		close(fd);
		return -ESTALE;	/* someone replaced it under us */
	}
	x->fd = fd;
	note_open(d, i);
	return 0;
}

/* Makes level i (the top) open again, from the nearest open level. */
static int need_open(struct dirout *d, size_t i)
{
	size_t j = i;
	int rc = 0;

	while (d->dirs[j].fd < 0)
		j--;
	while (!rc && ++j <= i) {
		rc = reopen(d, j);
		if (!rc && j >= 2 && !keep_open(j - 1, i) &&
		    d->dirs[j - 1].fd >= 0) {
			/* a rung the ladder does not keep: only a step */
			close(d->dirs[j - 1].fd);
			d->dirs[j - 1].fd = -1;
		}
	}
	trim(d);
	return rc;
}

static int set_times(int dirfd, const char *name, struct timespec mtime)
{
	struct timespec ts[2] = { mtime, mtime };

	if (name)
		return utimensat(dirfd, name, ts, AT_SYMLINK_NOFOLLOW) ? -errno : 0;
	return futimens(dirfd, ts) ? -errno : 0;
}

/* Pops the top directory: its mode and times, then close. */
static int pop(struct dirout *d)
{
	struct dirout_dir *x = &d->dirs[d->depth--];
	int rc = 0;

	if (fchmod(x->fd, x->mode & 07777))
		rc = -errno;
	if (!rc)
		rc = set_times(x->fd, NULL, x->mtime);
	close(x->fd);
	x->fd = -1;
	free(x->name);
	x->name = NULL;
	d->clen = x->plen;
	trim(d);
	if (d->depth && d->dirs[d->depth].fd < 0) {
		int rc2 = need_open(d, d->depth);

		if (!rc)
			rc = rc2;
	}
	return rc;
}

static bool bad_component(const char *c, size_t n)
{
	return !n || (n == 1 && c[0] == '.') ||
	       (n == 2 && c[0] == '.' && c[1] == '.') || memchr(c, '/', n);
}

/*
 * Makes the chain end at the parent of path (its first n bytes): pops
 * what differs, opens the rest with O_NOFOLLOW. The parent was written
 * by an earlier entry.
 */
static int walk_to(struct dirout *d, const char *path, size_t n)
{
	size_t i = 1, at = 0;
	int rc;

	/* export's order: mostly the chain itself or a child of its end */
	if (d->clen <= n && (!d->clen || !memcmp(path, d->cpath, d->clen)) &&
	    (d->clen == n || !d->clen || path[d->clen] == '/')) {
		i = d->depth + 1;
		at = d->clen + (d->clen != 0 && d->clen < n);
	}
	/* keep the common prefix */
	while (at < n && i <= d->depth) {
		const char *slash = memchr(path + at, '/', n - at);
		size_t len = slash ? (size_t)(slash - path - at) : n - at;

		if (strlen(d->dirs[i].name) != len ||
		    memcmp(d->dirs[i].name, path + at, len))
			break;
		at += len + 1;
		i++;
	}
	while (d->depth >= i)
		if ((rc = pop(d)))
			return rc;
	while (at < n) {
		const char *slash = memchr(path + at, '/', n - at);
		size_t len = slash ? (size_t)(slash - path - at) : n - at;
		struct dirout_dir *x;
		struct stat st;
		char *name;
		int fd;

		if (bad_component(path + at, len))
			return -EINVAL;
		if (!(name = strndup(path + at, len)))
			return -ENOMEM;
		fd = openat(d->dirs[d->depth].fd, name, O_RDONLY | O_DIRECTORY |
			    O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st)) {
			rc = -errno;
			free(name);
			if (fd >= 0)
				close(fd);
			return rc;
		}
		if (d->depth + 1 == d->cap) {
			size_t *o = realloc(d->open, 2 * d->cap * sizeof(*o));

			if (o)
				d->open = o;
			x = o ? realloc(d->dirs, 2 * d->cap * sizeof(*x)) : NULL;
			if (!x) {
				close(fd);
				free(name);
				return -ENOMEM;
			}
			d->dirs = x;
			d->cap *= 2;
		}
		if (d->clen + len + 2 > d->ccap) {
			size_t cap = 2 * (d->clen + len + 2);
			char *c = realloc(d->cpath, cap);

			if (!c) {
				close(fd);
				free(name);
				return -ENOMEM;
			}
			d->cpath = c;
			d->ccap = cap;
		}
		/* a directory opened, not made, keeps what it has */
		d->dirs[++d->depth] = (struct dirout_dir){ fd, name, st.st_mode,
							   st.st_mtim,
							   st.st_dev,
							   st.st_ino,
							   d->clen };
		if (d->clen)
			d->cpath[d->clen++] = '/';
		memcpy(d->cpath + d->clen, name, len);
		d->clen += len;
		note_open(d, d->depth);
		trim(d);
		at += len + 1;
	}
	return 0;
}

/*
 * Owners, then xattrs (chown(2) drops security.capability, so it comes
 * first): what needs root is skipped and counted without it.
 */
static int set_owner_xattrs(struct dirout *d, int dirfd, const char *name,
			    int fd, const struct entry *ent)
{
	if (!d->root) {
		if (ent->uid != geteuid() || ent->gid != getegid())
			d->skipped++;
	} else if (fd >= 0 ? fchown(fd, ent->uid, ent->gid)
			   : fchownat(dirfd, name, ent->uid, ent->gid,
				      AT_SYMLINK_NOFOLLOW)) {
		return -errno;
	}
	/* a symlink's or device's xattrs would need a path: not written */
	for (uint32_t i = 0; fd >= 0 && i < ent->nxattrs; i++) {
		const struct memfs_xattr *x = &ent->xattrs[i];

		if (!fsetxattr(fd, x->name, x->value, x->len, 0))
			continue;
		/* as root, a refusal is the filesystem's, not a privilege:
		 * say so, never "not root" */
		if (d->root || (errno != EPERM && errno != ENOTSUP &&
				errno != EACCES)) {
			int rc = -errno;

			err_set(d->e, rc, "cannot set xattr '%s': %s", x->name,
				strerror(-rc));
			return rc;
		}
		d->skipped++;
	}
	return 0;
}

/*
 * The content: extents copied at their offsets (io_copy: in the kernel
 * where it can), holes left by ftruncate.
 */
static int write_data(struct dirout *d, int fd, const struct memfs_data *data)
{
	int rc = 0;

	for (uint32_t i = 0; !rc && data && i < data->n; i++) {
		const struct memfs_extent *x = &data->ext[i];

		if (!x->src)
			continue;
		if (x->src->mem)
			rc = io_pwrite_all(fd, x->src->mem + x->src_off,
					   (size_t)x->len, x->off);
		else if (x->off > INT64_MAX)
			rc = -EINVAL;
		else
			rc = io_copy(x->src->fd, x->src_off, fd,
				     (int64_t)x->off, x->len, &d->copy,
				     d->buf, DIROUT_COPY);
	}
	if (rc)
		return rc;
	return ftruncate(fd, (off_t)(data ? data->size : 0)) ? -errno : 0;
}

static int make_file(struct dirout *d, int dirfd, const char *name,
		     const struct entry *ent)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
			O_CLOEXEC, 0600);
	int rc;

	if (fd < 0)
		return -errno;
	rc = write_data(d, fd, ent->data);
	if (!rc)
		rc = set_owner_xattrs(d, dirfd, name, fd, ent);
	/* after fchown, which clears setuid and setgid */
	if (!rc && fchmod(fd, ent->mode & 07777))
		rc = -errno;
	if (!rc)
		rc = set_times(fd, NULL, ent->mtime);
	close(fd);
	return rc;
}

static int make_dir(struct dirout *d, int dirfd, const char *name,
		    const struct entry *ent, size_t pathlen)
{
	struct dirout_dir *top;
	int rc;

	if (mkdirat(dirfd, name, 0700))
		return -errno;
	rc = walk_to(d, ent->path, pathlen);
	if (rc)
		return rc;
	top = &d->dirs[d->depth];
	top->mode = ent->mode;
	top->mtime = ent->mtime;
	return set_owner_xattrs(d, -1, NULL, top->fd, ent);
}

/* A hard link's target, an earlier entry: its parent opened by walk. */
static int make_link(struct dirout *d, int dirfd, const char *name,
		     const struct entry *ent)
{
	const char *t = ent->linkname, *slash = memrchr(t, '/', ent->linklen);
	int pfd = dup(d->dirs[0].fd), rc = 0;
	size_t at = 0, end = slash ? (size_t)(slash - t) : 0;
	char *last;

	while (pfd >= 0 && slash && at <= end) {
		const char *s = memchr(t + at, '/', end - at + 1);
		size_t len = (size_t)(s - t) - at;
		char *c = strndup(t + at, len);
		int nfd;

		if (!c || bad_component(t + at, len)) {
			rc = c ? -EINVAL : -ENOMEM;
			free(c);
			break;
		}
		nfd = openat(pfd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			     O_CLOEXEC);
		free(c);
		close(pfd);
		pfd = nfd;
		at += len + 1;
	}
	if (pfd < 0)
		return rc ? rc : -errno;
	last = strndup(t + (slash ? end + 1 : 0), ent->linklen -
		       (slash ? end + 1 : 0));
	if (!rc && !last)
		rc = -ENOMEM;
	if (!rc && linkat(pfd, last, dirfd, name, 0))
		rc = -errno;
	free(last);
	close(pfd);
	return rc;
}

static int make_special(struct dirout *d, int dirfd, const char *name,
			const struct entry *ent)
{
	mode_t type = ent->type == ENTRY_FIFO ? S_IFIFO
		      : ent->type == ENTRY_CHR ? S_IFCHR : S_IFBLK;
	int rc;

	if (type != S_IFIFO && !d->root) {
		d->skipped++;
		return 0;
	}
	if (mknodat(dirfd, name, type | 0600, ent->rdev))
		return -errno;
	rc = set_owner_xattrs(d, dirfd, name, -1, ent);
	if (!rc && fchmodat(dirfd, name, ent->mode & 07777, 0))
		rc = -errno;
	return rc ? rc : set_times(dirfd, name, ent->mtime);
}

/* The entry writer's write: one entry made in the temporary tree. */
static int dirout_write(struct entry_writer *w, const struct entry *ent,
			struct err *e)
{
	struct dirout *d = (struct dirout *)w;
	const char *slash = memrchr(ent->path, '/', ent->pathlen);
	size_t plen = slash ? (size_t)(slash - ent->path) : 0;
	const char *base = slash ? slash + 1 : ent->path;
	size_t blen = ent->pathlen - (size_t)(base - ent->path);
	char *name = strndup(base, blen);
	int rc, dirfd;

	if (!name)
		return err_set(e, -ENOMEM, "out of memory");
	d->e = e;
	rc = bad_component(base, blen) ? -EINVAL : walk_to(d, ent->path, plen);
	dirfd = d->dirs[d->depth].fd;
	if (!rc) {
		switch (ent->type) {
		case ENTRY_DIR:
			rc = make_dir(d, dirfd, name, ent, ent->pathlen);
			break;
		case ENTRY_FILE:
			rc = make_file(d, dirfd, name, ent);
			break;
		case ENTRY_SYMLINK: {
			char *t = strndup(ent->linkname, ent->linklen);

			rc = !t ? -ENOMEM : symlinkat(t, dirfd, name) ? -errno
			     : set_owner_xattrs(d, dirfd, name, -1, ent);
			if (!rc)
				rc = set_times(dirfd, name, ent->mtime);
			free(t);
			break;
		}
		case ENTRY_HARDLINK:
			rc = make_link(d, dirfd, name, ent);
			break;
		default:
			rc = make_special(d, dirfd, name, ent);
			break;
		}
	}
	free(name);
	if (rc) {
		err_file(e, "output", d->path);
		err_entry(e, ent->path, ent->pathlen);
		return err_set(e, rc, "cannot write to the directory: %s",
			       strerror(-rc));
	}
	return 0;
}

/* Nothing to end: dirout_commit completes the tree. */
static int dirout_finish(struct entry_writer *w, struct err *e)
{
	return 0;
}

static const struct entry_writer_ops dirout_ops = {
	.write = dirout_write,
	.finish = dirout_finish,
};

struct entry_writer *dirout_writer(struct dirout *d)
{
	return &d->w;
}


/*
 * Opens name in at to remove what is in it, made searchable and writable
 * first. NULL when it cannot be opened (a symlink, not a directory).
 */
static DIR *open_for_removal(int at, const char *name, struct stat *st)
{
	int fd;
	DIR *dir;

	fchmodat(at, name, 0700, 0);
	fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, st) || !(dir = fdopendir(fd))) {
		close(fd);
		return NULL;
	}
	return dir;
}

/*
 * rm -rf of name in at, never following a symlink, with two directories
 * open at a time whatever the depth: a subdirectory is entered by name
 * and left by "..", checked to be the directory it came from (dev and
 * ino kept per level), and a directory is read again from its start after
 * each one it emptied, since what was removed is gone.
 */
static void remove_tree(int at, const char *name)
{
	struct level { char *name; dev_t dev; ino_t ino; } *lv = NULL;
	size_t n = 0, cap = 0;
	struct stat st;
	DIR *dir = open_for_removal(at, name, &st);

	while (dir) {
		struct dirent *de;
		bool entered = false;

		rewinddir(dir);
		while (!entered && (de = readdir(dir))) {
			struct level *v;
			struct stat cst;
			DIR *sub;

			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			if (!unlinkat(dirfd(dir), de->d_name, 0) ||
			    errno != EISDIR)
				continue;
			if (n == cap) {
				cap = cap ? 2 * cap : 16;
				if (!(v = realloc(lv, cap * sizeof(*v))))
					goto out;
				lv = v;
			}
			if (!(lv[n].name = strdup(de->d_name)))
				goto out;
			sub = open_for_removal(dirfd(dir), de->d_name, &cst);
			if (!sub) {
				free(lv[n].name);
				continue;
			}
			lv[n].dev = st.st_dev;
			lv[n].ino = st.st_ino;
			n++;
			closedir(dir);
			dir = sub;
			st = cst;
			entered = true;
		}
		if (entered)
			continue;
		if (!n)
			break;
		/* empty: up to the parent, then rmdir of this one */
		{
			int pfd = openat(dirfd(dir), "..", O_RDONLY |
					 O_DIRECTORY | O_CLOEXEC);
			struct stat pst;

			closedir(dir);
			dir = NULL;
			n--;
			if (pfd < 0 || fstat(pfd, &pst) ||
			    pst.st_dev != lv[n].dev || pst.st_ino != lv[n].ino ||
			    !(dir = fdopendir(pfd))) {
				if (pfd >= 0)
					close(pfd);
				free(lv[n].name);
				goto out;	/* moved under us: stop there */
			}
			/* what stays (not ours to remove) ends it, no loop */
			pfd = unlinkat(dirfd(dir), lv[n].name, AT_REMOVEDIR);
			free(lv[n].name);
			if (pfd)
				goto out;
			st = pst;
		}
	}
	if (dir)
		closedir(dir);
	dir = NULL;
	unlinkat(at, name, AT_REMOVEDIR);
out:
	if (dir)
		closedir(dir);
	while (n)
		free(lv[--n].name);
	free(lv);
}

/* Whether path is a directory with no entries. */
static bool dir_empty(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *de;
	bool empty = dir != NULL;

	while (empty && (de = readdir(dir)))
		empty = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
	if (dir)
		closedir(dir);
	return empty;
}

int dirout_open(const char *path, struct dirout **out, struct err *e)
{
	struct dirout *d = calloc(1, sizeof(*d));
	const char *slash = strrchr(path, '/');
	size_t n = strlen(path) + 16;
	struct stat st;
	int rc = -ENOMEM;

	*out = NULL;
	if (!*path) {
		/* else the temporary would be "..XXXXXX" in the cwd */
		free(d);
		err_file(e, "output", "dir:");
		return err_set(e, -EINVAL, "no directory named");
	}
	if (!d || !(d->path = strdup(path)) || !(d->tmp = calloc(1, n)) ||
	    !(d->buf = malloc(DIROUT_COPY)) ||
	    !(d->dirs = calloc(16, sizeof(*d->dirs))) ||
	    !(d->open = calloc(16, sizeof(*d->open))))
		goto fail;
	d->w.ops = &dirout_ops;
	/* Nothing made yet: dirout_abort must remove and close nothing. */
	d->dirs[0].fd = -1;
	d->cap = 16;
	d->root = geteuid() == 0;
	rc = -EEXIST;
	if (!lstat(path, &st) && !S_ISDIR(st.st_mode))
		goto fail;
	rc = -ENOTEMPTY;
	if (!lstat(path, &st) && !dir_empty(path))
		goto fail;
	snprintf(d->tmp, n, "%.*s.%s.XXXXXX", slash ? (int)(slash - path + 1)
		 : 0, path, slash ? slash + 1 : path);
	if (!mkdtemp(d->tmp)) {
		rc = -errno;
		free(d->tmp);
		d->tmp = NULL;
		goto fail;
	}
	dirout_sig_register(d->tmp);
	d->dirs[0] = (struct dirout_dir){ .fd = open(d->tmp, O_RDONLY |
					  O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC),
					  .name = NULL, .mode = 0755 };
	if (d->dirs[0].fd < 0) {
		rc = -errno;
		goto fail;
	}
	*out = d;
	return 0;
fail:
	dirout_abort(d);
	err_file(e, "output", path);
	return err_set(e, rc, "cannot create the directory: %s",
		       strerror(-rc));
}

void dirout_abort(struct dirout *d)
{
	if (!d)
		return;
	while (d->dirs && d->depth) {
		struct dirout_dir *x = &d->dirs[d->depth--];

		if (x->fd >= 0)
			close(x->fd);
		free(x->name);
	}
	if (d->dirs && d->dirs[0].fd >= 0)
		close(d->dirs[0].fd);
	free(d->open);
	free(d->cpath);
	if (d->tmp && d->tmp[0])
		remove_tree(AT_FDCWD, d->tmp);
	if (d->tmp)
		dirout_sig_forget();
	free(d->dirs);
	free(d->buf);
	free(d->tmp);
	free(d->path);
	free(d);
}

int dirout_commit(struct dirout *d, struct err *e)
{
	int rc = 0;

	while (!rc && d->depth)
		rc = pop(d);
	if (!rc && fchmod(d->dirs[0].fd, 0755))
		rc = -errno;
	/* rename(2) replaces an empty directory, and fails on any other;
	 * the tree is forgotten first: a signal after the rename must not
	 * remove the finished output */
	if (!rc)
		dirout_sig_forget();
	if (!rc && rename(d->tmp, d->path)) {
		rc = -errno;
		dirout_sig_register(d->tmp);
	}
	if (rc) {
		err_file(e, "output", d->path);
		err_set(e, rc, "cannot write the directory: %s", strerror(-rc));
		dirout_abort(d);
		return rc;
	}
	free(d->tmp);
	d->tmp = NULL;
	dirout_abort(d);
	return 0;
}

unsigned long dirout_skipped(const struct dirout *d)
{
	return d->skipped;
}
