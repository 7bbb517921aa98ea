/*
 * vfs: path resolution and the filesystem ops table.
 *
 * As in gVisor's vfs.go, the VFS owns path resolution and reaches every
 * filesystem through one ops table: a path is split into components and
 * resolved one component at a time by the filesystem's lookup, inside an
 * image root that it never leaves (`..` at the root stays at the root,
 * absolute symlink targets restart at the image root, like a chroot). The
 * filesystem only ever sees single names.
 *
 * A struct vfs_node is a filesystem's handle on one resolved name, counted:
 * every node returned to a caller holds one reference, released with
 * vfs_put(). Handles stay valid across mutations of the filesystem but may
 * then describe a name that no longer exists (-ENOENT from their ops).
 *
 * Nothing here prints; every int is 0 or a negative errno.
 */
#ifndef OVERTAR_VFS_H
#define OVERTAR_VFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

struct memfs_data;
struct memfs_xattr;
struct vfs_node;
struct vfs_fs;

/* The symlink limit for one resolution, as Linux's MAXSYMLINKS. */
#define VFS_MAXSYMLINKS 40
/* A single name, as NAME_MAX. */
#define VFS_NAME_MAX 255
/* A whole path given to the VFS, as PATH_MAX. */
#define VFS_PATH_MAX 4096

struct vfs_attr {
	mode_t mode;
	uid_t uid;
	gid_t gid;
	uint32_t nlink;		/* names of the file in its layer */
	uint64_t size;		/* regular files: bytes; symlinks: target */
	dev_t rdev;
	struct timespec mtime;
	uint64_t ino;		/* same value for two names of one file */
	int layer;		/* layer providing the entry, 0 = bottom */
};

/* Called once per directory entry, in byte order of names; a nonzero
 * return stops the listing and is returned by readdir. */
typedef int (*vfs_dirent_fn)(void *ctx, const char *name, size_t len);

enum vfs_setattr_mask {
	VFS_SET_MODE = 1 << 0,	/* permission bits only; type is kept */
	VFS_SET_UID = 1 << 1,
	VFS_SET_GID = 1 << 2,
	VFS_SET_MTIME = 1 << 3,
	VFS_SET_SIZE = 1 << 4,
};

struct vfs_setattr {
	unsigned mask;		/* enum vfs_setattr_mask */
	mode_t mode;
	uid_t uid;
	gid_t gid;
	struct timespec mtime;
	uint64_t size;
};

/* What to create: any type but a hard link (see link). */
struct vfs_create {
	mode_t mode;		/* type and bits, used as given (no umask) */
	uid_t uid;
	gid_t gid;
	dev_t rdev;		/* devices */
	const char *target;	/* symlinks: target, target_len bytes */
	size_t target_len;
};

/*
 * The ops table. Names are single components (no '/', not "." or "..",
 * 1 to 255 bytes). Mutating ops may be NULL on a read-only filesystem; the
 * vfs_ wrappers then return -EROFS.
 */
struct vfs_ops {
	/* A new reference to the root. */
	int (*root)(struct vfs_fs *fs, struct vfs_node **out);
	/* The child name of dir: 0, -ENOENT, -ENOTDIR. */
	int (*lookup)(struct vfs_fs *fs, struct vfs_node *dir,
		      const char *name, size_t len, struct vfs_node **out);
	/* The parent of node, or node itself at the root (new reference). */
	int (*parent)(struct vfs_fs *fs, struct vfs_node *node,
		      struct vfs_node **out);
	struct vfs_node *(*get)(struct vfs_fs *fs, struct vfs_node *node);
	void (*put)(struct vfs_fs *fs, struct vfs_node *node);
	int (*getattr)(struct vfs_fs *fs, struct vfs_node *node,
		       struct vfs_attr *attr);
	/* The target, borrowed until node is put: -EINVAL if not a link. */
	int (*readlink)(struct vfs_fs *fs, struct vfs_node *node,
			const char **target, size_t *len);
	/* The content, a new reference (memfs_data_put): -EISDIR, -EINVAL. */
	int (*data)(struct vfs_fs *fs, struct vfs_node *node,
		    struct memfs_data **out);
	/* Calls fn per name in byte order; fn must not change the fs. */
	int (*readdir)(struct vfs_fs *fs, struct vfs_node *node,
		       vfs_dirent_fn fn, void *ctx);
	/* The xattrs sorted by name, borrowed until node is put or changed. */
	int (*listxattr)(struct vfs_fs *fs, struct vfs_node *node,
			 const struct memfs_xattr **list, uint32_t *n);

	int (*create)(struct vfs_fs *fs, struct vfs_node *dir,
		      const char *name, size_t len, const struct vfs_create *c,
		      struct vfs_node **out);
	int (*link)(struct vfs_fs *fs, struct vfs_node *node,
		    struct vfs_node *dir, const char *name, size_t len);
	int (*unlink)(struct vfs_fs *fs, struct vfs_node *dir,
		      const char *name, size_t len);
	int (*rmdir)(struct vfs_fs *fs, struct vfs_node *dir,
		     const char *name, size_t len);
	/*
	 * Optional: the directory name and everything below it gone at
	 * once, the state rm -r ends in; NULL: vfs_remove_tree walks.
	 */
	int (*rmtree)(struct vfs_fs *fs, struct vfs_node *dir,
		      const char *name, size_t len);
	int (*rename)(struct vfs_fs *fs, struct vfs_node *odir,
		      const char *oname, size_t olen, struct vfs_node *ndir,
		      const char *nname, size_t nlen);
	int (*setattr)(struct vfs_fs *fs, struct vfs_node *node,
		       const struct vfs_setattr *sa);
	/* Replaces a regular file's content by d (the fs takes a reference). */
	int (*setdata)(struct vfs_fs *fs, struct vfs_node *node,
		       struct memfs_data *d);
	int (*setxattr)(struct vfs_fs *fs, struct vfs_node *node,
			const char *name, const void *value, size_t len);
	int (*removexattr)(struct vfs_fs *fs, struct vfs_node *node,
			   const char *name);
};

/* A filesystem begins with this; implementations embed it first. */
struct vfs_fs {
	const struct vfs_ops *ops;
	/*
	 * Set by an op that answered -EDQUOT: the limit it would have
	 * passed, as a phrase for a message ("more than 1000 entries
	 * (--max-entries)"); owned by the filesystem.
	 */
	const char *limit;
};

enum vfs_walk_flags {
	VFS_FOLLOW = 1 << 0,	/* follow a symlink in the last component */
	VFS_PARENT = 1 << 1,	/* the last component may be missing */
	/*
	 * A trailing slash does not follow a final symlink: the name is
	 * taken as it stands and must be a directory (-ENOTDIR), as rmdir(2),
	 * unlink(2) and rename(2) look their last component up.
	 */
	VFS_SLASH_NOFOLLOW = 1 << 2,
};

/*
 * The result of a walk. parent is the directory holding the last
 * component (NULL when the path names the root); node is what the last
 * component names, NULL when it is missing and VFS_PARENT was given. name
 * is the last component ("" for the root): after a followed symlink it is
 * the target's last component, as open(O_CREAT) creates the target of a
 * dangling link. Release with vfs_walk_release().
 */
struct vfs_walk {
	struct vfs_node *parent;
	struct vfs_node *node;
	const char *name;	/* NUL-terminated, len bytes, owned by buf */
	size_t len;
	bool trailing_slash;	/* the path ended in '/' */
	char *buf;		/* private: the expanded path */
};

/*
 * Resolves path (absolute, or relative to the root) inside fs's root.
 * Every intermediate symlink is followed; the last one when VFS_FOLLOW.
 * A trailing slash requires a directory (and follows a final symlink).
 * Returns 0, -ENOENT, -ENOTDIR, -ELOOP (more than VFS_MAXSYMLINKS),
 * -ENAMETOOLONG (a name over 255 bytes or a path over VFS_PATH_MAX),
 * -ENOMEM. On failure w holds nothing.
 */
int vfs_walk(struct vfs_fs *fs, const char *path, unsigned flags,
	     struct vfs_walk *w);
void vfs_walk_release(struct vfs_fs *fs, struct vfs_walk *w);

/*
 * Resolves path to an existing node (new reference in *out), following
 * the last symlink when follow is true. Errors as vfs_walk.
 */
int vfs_resolve(struct vfs_fs *fs, const char *path, bool follow,
		struct vfs_node **out);

/* Thin wrappers that check for a NULL op (-EROFS); see struct vfs_ops. */
void vfs_put(struct vfs_fs *fs, struct vfs_node *node);
struct vfs_node *vfs_get(struct vfs_fs *fs, struct vfs_node *node);
int vfs_getattr(struct vfs_fs *fs, struct vfs_node *n, struct vfs_attr *a);


/*
 * Mutations by path, resolved inside the root like the matching system
 * calls (no final symlink followed unless said): mkdir(2), mknod(2),
 * symlink(2), link(2) (the old path's final symlink not followed, as
 * linkat without AT_SYMLINK_FOLLOW), unlink(2), rmdir(2). c gives type,
 * bits and owner. Each returns 0 or a negative errno: the system call's.
 */
int vfs_create(struct vfs_fs *fs, const char *path, const struct vfs_create *c);
int vfs_link(struct vfs_fs *fs, const char *oldpath, const char *newpath);
int vfs_unlink(struct vfs_fs *fs, const char *path);
int vfs_rmdir(struct vfs_fs *fs, const char *path);

/*
 * rename(2) of oldpath to newpath; where the filesystem answers EXDEV (a
 * directory with lower parts, overlayfs with redirect_dir=off), moves it as
 * coreutils mv then does: a copy keeping everything (vfs_copy with
 * VFS_COPY_ALL), then removal of the original. A failed copy is removed
 * again, so the original is never lost. 0 or a negative errno.
 */
int vfs_rename(struct vfs_fs *fs, const char *oldpath, const char *newpath);

/*
 * As vfs_rename, but where the filesystem answers EXDEV for a directory,
 * moves it as coreutils 9.1 mv does when its destination was an existing
 * directory to move into: a new directory, each entry renamed into it
 * (recursively where EXDEV again), src's attributes, src removed. What
 * failed is left as it stands, as with mv. 0 or a negative errno.
 */
int vfs_rename_into(struct vfs_fs *fs, const char *oldpath,
		    const char *newpath);

/* Node-level wrappers: -EROFS where the op is missing. */
int vfs_setattr(struct vfs_fs *fs, struct vfs_node *n,
		const struct vfs_setattr *sa);
int vfs_setdata(struct vfs_fs *fs, struct vfs_node *n, struct memfs_data *d);
int vfs_setxattr(struct vfs_fs *fs, struct vfs_node *n, const char *name,
		 const void *value, size_t len);
int vfs_removexattr(struct vfs_fs *fs, struct vfs_node *n, const char *name);

/*
 * Node-level reads, as the ops table describes them: the child name of
 * dir (new reference), the parent (new reference; the root is its own),
 * a symlink's target (borrowed until n is put), a regular file's content
 * (new reference, memfs_data_put), the xattrs sorted by name (borrowed
 * until n is put or changed). 0 or a negative errno.
 */
int vfs_lookup(struct vfs_fs *fs, struct vfs_node *dir, const char *name,
	       size_t len, struct vfs_node **out);
int vfs_parent(struct vfs_fs *fs, struct vfs_node *node,
	       struct vfs_node **out);
int vfs_readlink(struct vfs_fs *fs, struct vfs_node *n, const char **target,
		 size_t *len);
int vfs_data(struct vfs_fs *fs, struct vfs_node *n, struct memfs_data **out);
int vfs_listxattr(struct vfs_fs *fs, struct vfs_node *n,
		  const struct memfs_xattr **list, uint32_t *count);

/*
 * Node-level mutations on a name in directory dir that a walk found:
 * create (the new node in *out when out is not NULL, a new reference),
 * link node under name, unlink name. -EROFS where the op is missing,
 * else the op's 0 or negative errno.
 */
int vfs_create_at(struct vfs_fs *fs, struct vfs_node *dir, const char *name,
		  size_t len, const struct vfs_create *c,
		  struct vfs_node **out);
int vfs_link_at(struct vfs_fs *fs, struct vfs_node *node,
		struct vfs_node *dir, const char *name, size_t len);
int vfs_unlink_at(struct vfs_fs *fs, struct vfs_node *dir, const char *name,
		  size_t len);

enum vfs_copy_flags {
	VFS_COPY_MODE = 1 << 0,		/* all mode bits, else & 0777 */
	VFS_COPY_OWNER = 1 << 1,	/* else the creator's (ids given) */
	VFS_COPY_TIMES = 1 << 2,	/* else the fs's now */
	VFS_COPY_XATTRS = 1 << 3,
	VFS_COPY_LINKS = 1 << 4,	/* hard links inside the tree kept */
	VFS_COPY_ALL = 0x1f,
};

/*
 * Copies the tree at src (a node; not followed if a symlink) to the new
 * name dst (a path whose last component must not exist), as cp -R does,
 * with what flags keep; content is shared, never copied. uid and gid own
 * what is created without VFS_COPY_OWNER. On failure removes what it made.
 * 0 or a negative errno.
 */
int vfs_copy(struct vfs_fs *fs, struct vfs_node *src, const char *dst,
	     unsigned flags, uid_t uid, gid_t gid);

/* The names of a directory, copied out: v[i] points into buf. */
struct vfs_names {
	char **v;
	size_t n, cap;
	char *buf;		/* the names, each NUL-terminated */
	size_t blen, bcap;
};

/*
 * The names in dir, in byte order, copied out so that the caller may
 * change the filesystem while going through them (readdir's callback may
 * not). 0 or a negative errno; free with vfs_names_free.
 */
int vfs_list(struct vfs_fs *fs, struct vfs_node *dir, struct vfs_names *ns);
void vfs_names_free(struct vfs_names *ns);

/*
 * Gives dst what flags keep of src, in cp -a's order (coreutils copy.c):
 * owner, then mode (chown drops setuid and setgid; the chmod after puts
 * them back), then xattrs (chown drops file capabilities), then the
 * modification time. 0 or a negative errno.
 */
int vfs_copy_attrs(struct vfs_fs *fs, struct vfs_node *src,
		   struct vfs_node *dst, unsigned flags);

/*
 * Removes path and, for a directory, everything below it, as rm -r does:
 * children first, then the directory. 0 or a negative errno.
 */
int vfs_remove_tree(struct vfs_fs *fs, const char *path);

#endif
