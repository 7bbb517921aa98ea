/*
 * vfs: path resolution inside an image root, over the ops table.
 *
 * The walk keeps the chain of directories from the root to where it stands
 * (the stack), so `..` pops and stops at the root whatever the filesystem
 * says, the way a chroot confines a process (path_resolution(7)). A symlink
 * is expanded in place: its target replaces the component, and an absolute
 * target empties the stack back to the root.
 */
#include "core/vfs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct walker {
	struct vfs_fs *fs;
	struct vfs_node **stack;	/* stack[0] is the root */
	size_t depth, cap;
	char *buf;			/* the remaining path, expanded */
	size_t pos;			/* where the next component starts */
	int links;			/* symlinks followed */
};

void vfs_put(struct vfs_fs *fs, struct vfs_node *node)
{
	if (node)
		fs->ops->put(fs, node);
}

struct vfs_node *vfs_get(struct vfs_fs *fs, struct vfs_node *node)
{
	return fs->ops->get(fs, node);
}

int vfs_getattr(struct vfs_fs *fs, struct vfs_node *n, struct vfs_attr *a)
{
	return fs->ops->getattr(fs, n, a);
}

static int push(struct walker *w, struct vfs_node *n)
{
	if (w->depth == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 16;
		struct vfs_node **s = realloc(w->stack, cap * sizeof(*s));

		if (!s)
			return -ENOMEM;
		w->stack = s;
		w->cap = cap;
	}
	w->stack[w->depth++] = n;
	return 0;
}

static void pop_to(struct walker *w, size_t depth)
{
	while (w->depth > depth)
		vfs_put(w->fs, w->stack[--w->depth]);
}

/*
 * Replaces the component just read by target, before the rest of the path.
 * An absolute target restarts at the root.
 */
static int expand(struct walker *w, const char *target, size_t tlen)
{
	size_t rest = strlen(w->buf + w->pos);
	char *nb;

	if (++w->links > VFS_MAXSYMLINKS)
		return -ELOOP;
	if (tlen == 0)
		return -ENOENT;	/* an empty target resolves to nothing */
	if (tlen + rest + 2 > VFS_PATH_MAX * 4)
		return -ENAMETOOLONG;
	nb = malloc(tlen + rest + 2);
	if (!nb)
		return -ENOMEM;
	memcpy(nb, target, tlen);
	nb[tlen] = '/';
	memcpy(nb + tlen + 1, w->buf + w->pos, rest + 1);
	if (!rest)
		nb[tlen] = '\0';	/* keep "no trailing slash" */
	free(w->buf);
	w->buf = nb;
	w->pos = 0;
	if (target[0] == '/')
		pop_to(w, 1);
	return 0;
}

/* The next component into name and len, advancing; 0 when none is left. */
static int next_component(struct walker *w, const char **name, size_t *len)
{
	char *p = w->buf + w->pos;

	while (*p == '/')
		p++;
	if (!*p) {
		w->pos = (size_t)(p - w->buf);
		return 0;
	}
	*name = p;
	while (*p && *p != '/')
		p++;
	*len = (size_t)(p - *name);
	w->pos = (size_t)(p - w->buf);
	return 1;
}

/* Whether only slashes remain after the current position. */
static bool at_end(const struct walker *w, bool *slash)
{
	const char *p = w->buf + w->pos;

	*slash = *p == '/';
	while (*p == '/')
		p++;
	return !*p;
}

/* Moves the walk's end state into out: the top of the stack is the node. */
static int finish(struct walker *w, struct vfs_walk *out, const char *name,
		  size_t len)
{
	out->buf = strndup(name, len);
	if (!out->buf)
		return -ENOMEM;
	out->name = out->buf;
	out->len = len;
	out->node = w->stack[--w->depth];
	if (w->depth)
		out->parent = w->stack[--w->depth];
	return 0;
}

/* 0 when the walk stands on a directory, else -ENOTDIR (or getattr's). */
static int top_is_dir(struct walker *w)
{
	struct vfs_attr a;
	int rc = w->fs->ops->getattr(w->fs, w->stack[w->depth - 1], &a);

	return rc ? rc : S_ISDIR(a.mode) ? 0 : -ENOTDIR;
}

/* Looks up one real name; follows it when it is a symlink to follow. */
static int step(struct walker *w, const char *name, size_t len, bool follow,
		struct vfs_node **child)
{
	struct vfs_fs *fs = w->fs;
	struct vfs_attr a;
	const char *target;
	size_t tlen;
	int rc;

	rc = fs->ops->lookup(fs, w->stack[w->depth - 1], name, len, child);
	if (rc)
		return rc;
	rc = fs->ops->getattr(fs, *child, &a);
	if (rc || !S_ISLNK(a.mode) || !follow)
		goto out;
	rc = fs->ops->readlink(fs, *child, &target, &tlen);
	if (!rc)
		rc = expand(w, target, tlen);
	vfs_put(fs, *child);
	*child = NULL;
	return rc ? rc : 1;	/* 1: expanded, look again */
out:
	if (rc) {
		vfs_put(fs, *child);
		*child = NULL;
	}
	return rc;
}

/*
 * "." and "..": 1 when name was one (handled: ".." pops, at the root it
 * stays), 0 when it is a real name, or a negative errno.
 */
static int dots(struct walker *w, const char *name, size_t len)
{
	int rc;

	if (name[0] != '.' || len > 2 || (len == 2 && name[1] != '.'))
		return 0;
	/* "file/." and "file/.." are ENOTDIR, as lookup would say for any
	 * other name under a file. */
	rc = top_is_dir(w);
	if (rc)
		return rc;
	if (len == 2 && w->depth > 1)
		pop_to(w, w->depth - 1);
	return 1;
}

/*
 * The last component is missing and may be: the directory that lacks it
 * is the parent. What is below it on the stack stays there and is put
 * with the rest.
 */
static int finish_missing(struct walker *w, struct vfs_walk *out,
			  const char *name, size_t len)
{
	out->buf = strndup(name, len);
	if (!out->buf)
		return -ENOMEM;
	out->name = out->buf;
	out->len = len;
	out->parent = w->stack[--w->depth];
	return 0;
}

int vfs_walk(struct vfs_fs *fs, const char *path, unsigned flags,
	     struct vfs_walk *out)
{
	struct walker w = { .fs = fs };
	const char *name = "", *lastname = "";
	size_t len = 0, lastlen = 0;
	struct vfs_node *n;
	bool slash = false, last;
	int rc;

	memset(out, 0, sizeof(*out));
	if (strlen(path) > VFS_PATH_MAX)
		return -ENAMETOOLONG;
	w.buf = strdup(path);
	if (!w.buf)
		return -ENOMEM;
	rc = fs->ops->root(fs, &n);
	if (rc || (rc = push(&w, n)))
		goto fail;
	for (;;) {
		if (!next_component(&w, &name, &len))
			break;
		last = at_end(&w, &slash);
		if (last)
			out->trailing_slash = slash;
		if (len > VFS_NAME_MAX) {
			rc = -ENAMETOOLONG;
			goto fail;
		}
		lastname = name;
		lastlen = len;
		rc = dots(&w, name, len);
		if (rc < 0)
			goto fail;
		if (rc)
			continue;
		rc = step(&w, name, len, !last || (flags & VFS_FOLLOW) ||
			  (slash && !(flags & VFS_SLASH_NOFOLLOW)), &n);
		if (rc == 1) {
			lastname = "";
			lastlen = 0;
			continue;
		}
		if (rc == -ENOENT && last && (flags & VFS_PARENT)) {
			rc = finish_missing(&w, out, name, len);
			if (rc)
				goto fail;
			goto done;
		}
		if (rc || (rc = push(&w, n)))
			goto fail;
	}
	if (out->trailing_slash && (rc = top_is_dir(&w)))
		goto fail;
	rc = finish(&w, out, lastname, lastlen);
	if (rc)
		goto fail;
done:
	pop_to(&w, 0);
	free(w.stack);
	free(w.buf);
	return 0;
fail:
	pop_to(&w, 0);
	free(w.stack);
	free(w.buf);
	vfs_walk_release(fs, out);
	return rc;
}

void vfs_walk_release(struct vfs_fs *fs, struct vfs_walk *w)
{
	vfs_put(fs, w->node);
	vfs_put(fs, w->parent);
	free(w->buf);
	memset(w, 0, sizeof(*w));
}

int vfs_resolve(struct vfs_fs *fs, const char *path, bool follow,
		struct vfs_node **out)
{
	struct vfs_walk w;
	int rc = vfs_walk(fs, path, follow ? VFS_FOLLOW : 0, &w);

	if (rc)
		return rc;
	*out = w.node;
	w.node = NULL;
	vfs_walk_release(fs, &w);
	return 0;
}

/* Walks to the parent of path's last component, which must be missing. */
static int walk_new(struct vfs_fs *fs, const char *path, struct vfs_walk *w)
{
	int rc = vfs_walk(fs, path, VFS_PARENT, w);

	if (rc)
		return rc;
	if (w->node || !w->parent) {
		vfs_walk_release(fs, w);
		return -EEXIST;
	}
	if (w->trailing_slash) {
		/* "a/" names a directory: only mkdir may create it. */
		vfs_walk_release(fs, w);
		return -ENOENT;
	}
	return 0;
}

/* Walks to an existing last component that is a real name, not . or .. */
static int walk_old(struct vfs_fs *fs, const char *path, unsigned flags,
		    struct vfs_walk *w)
{
	int rc = vfs_walk(fs, path, flags, w);

	if (rc)
		return rc;
	if (!w->parent || !strcmp(w->name, ".") || !strcmp(w->name, "..")) {
		rc = w->parent ? -EINVAL : -EBUSY;
		vfs_walk_release(fs, w);
	}
	return rc;
}

int vfs_create(struct vfs_fs *fs, const char *path, const struct vfs_create *c)
{
	struct vfs_walk w;
	int rc;

	if (!fs->ops->create)
		return -EROFS;
	rc = vfs_walk(fs, path, VFS_PARENT, &w);
	if (rc)
		return rc;
	if (w.node || !w.parent)
		rc = -EEXIST;
	else if (w.trailing_slash && !S_ISDIR(c->mode))
		rc = -ENOENT;
	else
		rc = fs->ops->create(fs, w.parent, w.name, w.len, c, NULL);
	vfs_walk_release(fs, &w);
	return rc;
}

int vfs_link(struct vfs_fs *fs, const char *oldpath, const char *newpath)
{
	struct vfs_node *old;
	struct vfs_walk w;
	int rc;

	if (!fs->ops->link)
		return -EROFS;
	rc = vfs_resolve(fs, oldpath, false, &old);
	if (rc)
		return rc;
	rc = walk_new(fs, newpath, &w);
	if (!rc) {
		rc = fs->ops->link(fs, old, w.parent, w.name, w.len);
		vfs_walk_release(fs, &w);
	}
	vfs_put(fs, old);
	return rc;
}

static int remove_one(struct vfs_fs *fs, const char *path, bool dir)
{
	struct vfs_walk w;
	int rc;

	if (!fs->ops->unlink)
		return -EROFS;
	rc = walk_old(fs, path, VFS_SLASH_NOFOLLOW, &w);
	if (rc)
		return rc;
	if (dir)
		rc = fs->ops->rmdir(fs, w.parent, w.name, w.len);
	else if (w.trailing_slash)
		rc = -ENOTDIR;
	else
		rc = fs->ops->unlink(fs, w.parent, w.name, w.len);
	vfs_walk_release(fs, &w);
	return rc;
}

int vfs_unlink(struct vfs_fs *fs, const char *path)
{
	return remove_one(fs, path, false);
}

int vfs_rmdir(struct vfs_fs *fs, const char *path)
{
	return remove_one(fs, path, true);
}

int vfs_setattr(struct vfs_fs *fs, struct vfs_node *n,
		const struct vfs_setattr *sa)
{
	return fs->ops->setattr ? fs->ops->setattr(fs, n, sa) : -EROFS;
}

int vfs_setdata(struct vfs_fs *fs, struct vfs_node *n, struct memfs_data *d)
{
	return fs->ops->setdata ? fs->ops->setdata(fs, n, d) : -EROFS;
}

int vfs_setxattr(struct vfs_fs *fs, struct vfs_node *n, const char *name,
		 const void *value, size_t len)
{
	return fs->ops->setxattr ? fs->ops->setxattr(fs, n, name, value, len)
				 : -EROFS;
}

int vfs_removexattr(struct vfs_fs *fs, struct vfs_node *n, const char *name)
{
	return fs->ops->removexattr ? fs->ops->removexattr(fs, n, name)
				    : -EROFS;
}

int vfs_lookup(struct vfs_fs *fs, struct vfs_node *dir, const char *name,
	       size_t len, struct vfs_node **out)
{
	return fs->ops->lookup(fs, dir, name, len, out);
}

int vfs_parent(struct vfs_fs *fs, struct vfs_node *node, struct vfs_node **out)
{
	return fs->ops->parent(fs, node, out);
}

int vfs_readlink(struct vfs_fs *fs, struct vfs_node *n, const char **target,
		 size_t *len)
{
	return fs->ops->readlink(fs, n, target, len);
}

int vfs_data(struct vfs_fs *fs, struct vfs_node *n, struct memfs_data **out)
{
	return fs->ops->data(fs, n, out);
}

int vfs_listxattr(struct vfs_fs *fs, struct vfs_node *n,
		  const struct memfs_xattr **list, uint32_t *count)
{
	return fs->ops->listxattr(fs, n, list, count);
}

int vfs_create_at(struct vfs_fs *fs, struct vfs_node *dir, const char *name,
		  size_t len, const struct vfs_create *c, struct vfs_node **out)
{
	return fs->ops->create ? fs->ops->create(fs, dir, name, len, c, out)
			       : -EROFS;
}

int vfs_link_at(struct vfs_fs *fs, struct vfs_node *node,
		struct vfs_node *dir, const char *name, size_t len)
{
	return fs->ops->link ? fs->ops->link(fs, node, dir, name, len)
			     : -EROFS;
}

int vfs_unlink_at(struct vfs_fs *fs, struct vfs_node *dir, const char *name,
		  size_t len)
{
	return fs->ops->unlink ? fs->ops->unlink(fs, dir, name, len) : -EROFS;
}
