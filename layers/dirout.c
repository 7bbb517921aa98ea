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
	int fd;
	char *name;		/* component; "" for the root */
	mode_t mode;
	struct timespec mtime;
};

/*
 * Invariant: dirs[0..depth] are open: dirs[0] the temporary root,
 * dirs[i] a child of dirs[i-1]; depth 0 is the root.
 */
struct dirout {
	struct entry_writer w;	/* first: dirout_writer */
	char *path, *tmp;
	bool root;		/* euid 0: owners, devices, all xattrs */
	unsigned long skipped;
	struct io_copy copy;	/* kernel copy calls found unsupported */
	struct dirout_dir *dirs;
	size_t depth, cap;
	unsigned char *buf;
};

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
	free(x->name);
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
			x = realloc(d->dirs, 2 * d->cap * sizeof(*x));
			if (!x) {
				close(fd);
				free(name);
				return -ENOMEM;
			}
			d->dirs = x;
			d->cap *= 2;
		}
		/* a directory opened, not made, keeps what it has */
		d->dirs[++d->depth] = (struct dirout_dir){ fd, name, st.st_mode,
							   st.st_mtim };
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
		if (errno != EPERM && errno != ENOTSUP && errno != EACCES)
			return -errno;
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

/* rm -rf below dirfd, never following a symlink. */
static void remove_tree(int at, const char *name)
{
	int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			O_CLOEXEC);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (fd >= 0 && !dir)
		close(fd);
	while (dir && (de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (unlinkat(dirfd(dir), de->d_name, 0) && errno == EISDIR) {
			fchmodat(dirfd(dir), de->d_name, 0700, 0);
			remove_tree(dirfd(dir), de->d_name);
		}
	}
	if (dir)
		closedir(dir);
	unlinkat(at, name, AT_REMOVEDIR);
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
	if (!d || !(d->path = strdup(path)) || !(d->tmp = calloc(1, n)) ||
	    !(d->buf = malloc(DIROUT_COPY)) ||
	    !(d->dirs = calloc(16, sizeof(*d->dirs))))
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
	while (d->dirs && d->depth)
		pop(d);
	if (d->dirs && d->dirs[0].fd >= 0)
		close(d->dirs[0].fd);
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
