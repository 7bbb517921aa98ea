/*
 * memfs: one layer as an in-memory filesystem.
 *
 * A memfs holds a tree of dentries (names) that point at inodes (everything
 * else), so hard links are two dentries sharing one reference-counted inode
 * (erofs-utils erofs_igrab/erofs_iput). A directory finds a child by hash in
 * O(1); its sorted listing is built on demand and cached until the directory
 * changes. File content is never held here: an inode points at an immutable,
 * shared struct memfs_data, a list of extents into a source (the layer file
 * itself when it is a plain tar, a spool file when it was compressed, or a
 * memory buffer for what a script wrote). Copy-up shares the data object.
 *
 * Whiteouts have one canonical form (STYLE.md): a dentry with
 * MEMFS_D_WHITEOUT and no inode; an opaque directory is an inode with
 * MEMFS_I_OPAQUE. How the tar spelled them is forgotten at load.
 *
 * Nothing here prints. Functions returning int return 0 or a negative errno.
 * A memfs owns every dentry and inode in it; memfs_free() releases them all.
 * A memfs is not thread-safe; distinct memfs may be used from distinct threads.
 */
#ifndef OVERTAR_MEMFS_H
#define OVERTAR_MEMFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/*
 * A source of bytes that extents point into. Exactly one of fd >= 0 or mem
 * != NULL. Reference-counted; the fd is closed and mem freed with the last
 * reference. A spool source is appended to while its layer loads and is
 * read-only afterwards.
 */
struct memfs_src {
	unsigned refs;
	int fd;			/* -1 for a memory source */
	unsigned char *mem;	/* owned; NULL for an fd source */
	uint64_t size;		/* bytes in mem, or bytes written to a spool */
};

/*
 * One run of a file's bytes: bytes [off, off+len) of the file are bytes
 * [src_off, src_off+len) of src; src NULL means a hole (zeros).
 */
struct memfs_extent {
	uint64_t off;
	uint64_t len;
	struct memfs_src *src;	/* holds a reference; NULL: hole */
	uint64_t src_off;
};

/*
 * A file's content: immutable once built, shared by reference between
 * inodes (hard links in different layers after copy-up, copies by cp).
 * Invariant: extents are sorted by off, do not overlap, and end at or before
 * size; a gap between extents, or after the last, reads as zeros.
 */
struct memfs_data {
	unsigned refs;
	uint64_t size;
	uint32_t n;
	struct memfs_extent ext[];
};

struct memfs_xattr {
	char *name;		/* NUL-terminated, owned */
	unsigned char *value;	/* owned, may hold NULs; NULL when len is 0 */
	size_t len;
};

enum memfs_inode_flags {
	MEMFS_I_OPAQUE = 1 << 0,	/* directory hides lower layers */
};

struct memfs_dir;	/* a directory's children; private to memfs.c */

/*
 * Inode. Fields are public for speed and read freely; change them only
 * through memfs functions where one exists (xattrs, data, children).
 * nlink counts this layer's dentries naming the inode. Packed to 72 bytes
 * (an 80-byte malloc chunk; README "Memory model"): a stack of millions
 * of entries has about one inode per entry.
 */
struct memfs_inode {
	mode_t mode;		/* S_IFMT type and permission bits */
	uint16_t flags;		/* enum memfs_inode_flags */
	uint16_t nxattrs;	/* xattrs sorted by name (strcmp); at most
				   XATTR_LIST_MAX / 2 fit in a name list */
	uid_t uid;
	gid_t gid;
	uint32_t nlink;
	unsigned refs;
	uint32_t ino;		/* unique within its memfs, never 0 */
	uint32_t target_len;	/* S_ISLNK: bytes of target */
	struct timespec mtime;
	struct memfs_xattr *xattrs;
	union {
		struct memfs_data *data;	/* S_ISREG: never NULL */
		struct memfs_dir *dir;		/* S_ISDIR: never NULL */
		char *target;			/* S_ISLNK: owned, NUL-term */
	} u;
	dev_t rdev;		/* char and block devices */
};

enum memfs_dentry_flags {
	MEMFS_D_WHITEOUT = 1 << 0,	/* hides the name in lower layers */
	/*
	 * The layer's tar also held a whiteout of this (non-whiteout) name.
	 * It changes nothing in the overlay (the entry hides the lower one
	 * anyway); only inspect's dive figures count it, as dive does.
	 */
	MEMFS_D_SHADOWED = 1 << 1,
	/*
	 * The name came from a tar hard link entry (which carries no data).
	 * Only inspect's dive figures read it: dive sizes such a name 0.
	 */
	MEMFS_D_LINK = 1 << 2,
};

/*
 * Dentry: one name in one directory. Whiteouts have ino == NULL. The root
 * has parent == NULL and an empty name. One allocation, name trailing.
 */
struct memfs_dentry {
	struct memfs_dentry *parent;
	struct memfs_inode *ino;
	uint32_t hash;
	uint16_t flags;		/* enum memfs_dentry_flags */
	uint16_t namelen;	/* names are at most 255 bytes (NAME_MAX) */
	char name[];		/* NUL-terminated */
};

struct memfs;

/* --- sources and data ------------------------------------------------- */

/*
 * Creates a source reading from fd, which it takes over (closed with the
 * last reference). Returns NULL when out of memory (fd is then closed).
 */
struct memfs_src *memfs_src_fd(int fd, uint64_t size);

/*
 * Creates a source owning a copy of len bytes at buf. Returns NULL when out
 * of memory.
 */
struct memfs_src *memfs_src_mem(const void *buf, size_t len);

/* Takes a reference; returns src. */
struct memfs_src *memfs_src_get(struct memfs_src *src);
/* Drops a reference; NULL is ignored. */
void memfs_src_put(struct memfs_src *src);

/*
 * Allocates a data object of size bytes with room for n extents, n set to 0
 * and refs to 1. Returns NULL when out of memory. Fill ext[] in order with
 * memfs_data_push().
 */
struct memfs_data *memfs_data_new(uint64_t size, uint32_t n);
/*
 * Appends an extent (taking a new reference on src, which may be NULL for a
 * hole). The caller sized the object for it.
 */
void memfs_data_push(struct memfs_data *d, uint64_t off, uint64_t len,
		     struct memfs_src *src, uint64_t src_off);
/*
 * The empty data object that every memfs shares. Never NULL. It is
 * immortal: get and put leave it alone (its refs never change), so that
 * loaders on distinct threads may take it with no lock.
 */
struct memfs_data *memfs_data_empty(void);
/* A new reference on d (the empty object: d itself, unchanged). */
struct memfs_data *memfs_data_get(struct memfs_data *d);
/* Drops a reference, freeing d at the last. NULL is ignored. */
void memfs_data_put(struct memfs_data *d);

/*
 * A new data object that is d cut or zero-extended to size. Returns 0 and
 * sets *out (one reference, caller's) or -ENOMEM.
 */
int memfs_data_truncate(const struct memfs_data *d, uint64_t size,
			struct memfs_data **out);
/*
 * A new data object that is d followed by len bytes of src from src_off.
 * Returns 0 and sets *out, or -ENOMEM.
 */
int memfs_data_append(const struct memfs_data *d, struct memfs_src *src,
		      uint64_t src_off, uint64_t len, struct memfs_data **out);

/*
 * Reads up to len bytes at off into buf (holes as zeros). Returns the count
 * read (0 at or past the end), or a negative errno from pread.
 */
ssize_t memfs_data_read(const struct memfs_data *d, uint64_t off, void *buf,
			size_t len);

/* --- the filesystem --------------------------------------------------- */

/*
 * Creates an empty filesystem whose root is a directory 0755 owned 0:0 with
 * mtime 0. Returns 0 and sets *out (free with memfs_free), or -ENOMEM.
 */
int memfs_new(struct memfs **out);
/* Frees fs with every dentry and inode; drops data and sources. */
void memfs_free(struct memfs *fs);
/* The root dentry; never NULL. */
struct memfs_dentry *memfs_root(struct memfs *fs);
/* Number of dentries in fs, root and whiteouts included. */
size_t memfs_count(const struct memfs *fs);

/*
 * Creates an inode of the given mode (type and bits), owner 0:0, mtime 0,
 * nlink 0, refs 1 (the caller's; memfs_inode_put when not linked). A
 * regular file gets the empty data object, a directory an empty child
 * table, a symlink the target (len bytes, need not be NUL-terminated; NULL
 * for others). Returns 0 and sets *out, or -ENOMEM, -EINVAL (bad type),
 * -ENAMETOOLONG (a target of 4 GiB or more), -ENOSPC (2^32 - 1 inodes
 * made in fs already).
 */
int memfs_inode_new(struct memfs *fs, mode_t mode, const char *target,
		    size_t len, struct memfs_inode **out);
struct memfs_inode *memfs_inode_get(struct memfs_inode *ino);
/* Drops a reference; the inode is freed with the last (a directory must be
 * empty by then). */
void memfs_inode_put(struct memfs_inode *ino);

/* Replaces a regular file's data by d, taking a reference on d. */
void memfs_inode_set_data(struct memfs_inode *ino, struct memfs_data *d);

/*
 * The child of dir called name (len bytes), whiteouts included, or NULL.
 * dir must be a directory dentry. O(1).
 */
struct memfs_dentry *memfs_lookup(const struct memfs_dentry *dir,
				  const char *name, size_t len);

/*
 * Adds name under dir, pointing at ino (taking a new reference, nlink+1),
 * or a whiteout when ino is NULL. Returns 0 and sets *out (may be NULL),
 * -EEXIST when the name exists, -ENAMETOOLONG beyond 255 bytes, -EINVAL
 * for "", "." , ".." or a name with '/', -EMLINK when ino is a directory
 * that is already linked, -ENOMEM.
 */
int memfs_link(struct memfs *fs, struct memfs_dentry *dir, const char *name,
	       size_t len, struct memfs_inode *ino, struct memfs_dentry **out);

/*
 * Removes d from its directory and frees it, dropping its inode reference
 * (nlink-1). A directory is removed with everything below it. d must not be
 * the root.
 */
void memfs_unlink(struct memfs *fs, struct memfs_dentry *d);

/*
 * Moves d under newdir as newname (len bytes). The name must not exist
 * there. Returns 0, -EEXIST, -ENAMETOOLONG, -EINVAL (moving a directory
 * under itself), -ENOMEM.
 */
int memfs_move(struct memfs *fs, struct memfs_dentry *d,
	       struct memfs_dentry *newdir, const char *newname, size_t len);

/*
 * The children of dir sorted by name bytes (memcmp, shorter first),
 * whiteouts included. Returns 0 and sets *list and *n; the array is owned by
 * dir and stays valid until dir's children change. -ENOMEM.
 */
int memfs_readdir(struct memfs_dentry *dir, struct memfs_dentry ***list,
		  size_t *n);
/*
 * Orders names by their bytes (memcmp), a name before its extensions: the
 * order of memfs_readdir and of every listing overtar writes. Returns <0,
 * 0 or >0.
 */
int memfs_name_cmp(const struct memfs_dentry *a, const struct memfs_dentry *b);

/* Number of children of dir, whiteouts included. */
size_t memfs_dir_count(const struct memfs_dentry *dir);

/*
 * The xattr limits every reader and writer of a memfs shares, so that
 * nothing written (by a layer, a script, a copy) fails to load again:
 * Linux's own (linux/limits.h: XATTR_NAME_MAX, XATTR_SIZE_MAX,
 * XATTR_LIST_MAX), and a total that keeps an entry's pax extended header,
 * path and link target included, under the 1 MiB libarchive reads.
 */
#define MEMFS_XATTR_NAME_MAX 255
#define MEMFS_XATTR_SIZE_MAX 65536
#define MEMFS_XATTR_LIST_MAX 65536	/* names, each with its NUL */
#define MEMFS_XATTR_TOTAL_MAX (768u << 10)	/* names, values, records */

/*
 * Whether ino may take xattr name (len bytes of value) within the limits
 * above, replacing one of that name. Returns 0, -EINVAL for a name that
 * is empty or only a namespace ("user.": fs/xattr.c refuses it too),
 * -ERANGE for a name over MEMFS_XATTR_NAME_MAX, -E2BIG past a size.
 */
int memfs_xattr_fits(const struct memfs_inode *ino, const char *name,
		     size_t len);

/*
 * Sets xattr name to len bytes of value (copied), replacing any. Returns 0,
 * -ENOSPC (65,535 xattrs on ino already; MEMFS_XATTR_LIST_MAX keeps them
 * fewer) or -ENOMEM.
 */
int memfs_xattr_set(struct memfs_inode *ino, const char *name,
		    const void *value, size_t len);
/* The xattr called name, or NULL. */
const struct memfs_xattr *memfs_xattr_get(const struct memfs_inode *ino,
					  const char *name);
/* Removes xattr name. Returns 0 or -ENODATA. */
int memfs_xattr_remove(struct memfs_inode *ino, const char *name);
/* Copies every xattr of from onto to (replacing to's). 0 or -ENOMEM. */
int memfs_xattr_copy(struct memfs_inode *to, const struct memfs_inode *from);

/*
 * The path of d from the root, without a leading '/', into a new string
 * (caller frees); "" for the root. NULL when out of memory.
 */
char *memfs_path(const struct memfs_dentry *d);

#endif
