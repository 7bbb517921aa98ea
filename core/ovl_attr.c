/*
 * ovl_attr: changing an entry in place: attributes, content, xattrs.
 *
 * Each copies the entry up first (fs/overlayfs/inode.c, ovl_setattr and
 * ovl_xattr_set) and then applies the kernel's own rules for the change:
 * chown clears setuid, setgid (when group-executable) and file capabilities
 * of a non-directory (ATTR_KILL_SUID/SGID/PRIV in chown_common,
 * fs/open.c); a truncate or a write stamps the modification time.
 */
#include "core/ovl_impl.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "layers/whiteout.h"

/* Copies node up; its upper inode in *out. */
static int upper_inode(struct vfs_fs *fs, struct vfs_node *node,
		       struct memfs_inode **out)
{
	struct ovl *ovl = ovl_of(fs);
	struct ovl_dentry *d = ovl_d(node);
	int rc = ovl_copy_up(ovl, d);

	if (rc)
		return rc;
	*out = ovl_top(d);
	return 0;
}

/* 0 when node is a live regular file, else -ENOENT, -EISDIR, -EINVAL. */
static int regular_file(struct vfs_fs *fs, struct vfs_node *node)
{
	struct ovl_dentry *d = ovl_d(node);

	ovl_revalidate(ovl_of(fs), d);
	if (!d->n)
		return -ENOENT;
	if (S_ISDIR(ovl_top(d)->mode))
		return -EISDIR;
	return S_ISREG(ovl_top(d)->mode) ? 0 : -EINVAL;
}

static void kill_privs(struct memfs_inode *ino)
{
	if (S_ISDIR(ino->mode))
		return;
	ino->mode &= ~(mode_t)S_ISUID;
	if (ino->mode & S_IXGRP)
		ino->mode &= ~(mode_t)S_ISGID;
	memfs_xattr_remove(ino, "security.capability");
}

/*
 * A write or a truncate drops file capabilities, even for root: do_truncate
 * and file_remove_privs (fs/inode.c) ask dentry_needs_remove_privs, and
 * cap_inode_need_killpriv wants security.capability gone whoever writes.
 * Setuid and setgid stay: the writer has CAP_FSETID
 * (setattr_should_drop_suidgid).
 */
static void kill_caps(struct memfs_inode *ino)
{
	memfs_xattr_remove(ino, "security.capability");
}

/* Cuts or extends a regular file (regular_file() checked it). */
static int set_size(struct ovl *ovl, struct memfs_inode *ino, uint64_t size)
{
	struct memfs_data *d;
	/* holes count: the output writes them out in full */
	int rc = size > ino->u.data->size
		 ? ovl_limit_bytes(ovl, size - ino->u.data->size) : 0;

	if (!rc)
		rc = memfs_data_truncate(ino->u.data, size, &d);

	if (rc)
		return rc;
	memfs_inode_set_data(ino, d);
	memfs_data_put(d);
	kill_caps(ino);
	ino->mtime = ovl->opts.now;
	return 0;
}

int ovl_op_setattr(struct vfs_fs *fs, struct vfs_node *node,
		   const struct vfs_setattr *sa)
{
	struct memfs_inode *ino;
	/* truncate(2) checks the type before anything changes */
	int rc = sa->mask & VFS_SET_SIZE ? regular_file(fs, node) : 0;

	if (!rc)
		rc = upper_inode(fs, node, &ino);
	if (rc)
		return rc;
	if ((sa->mask & VFS_SET_SIZE) &&
	    (rc = set_size(ovl_of(fs), ino, sa->size)))
		return rc;
	if (sa->mask & VFS_SET_UID)
		ino->uid = sa->uid;
	if (sa->mask & VFS_SET_GID)
		ino->gid = sa->gid;
	if (sa->mask & (VFS_SET_UID | VFS_SET_GID))
		kill_privs(ino);
	if (sa->mask & VFS_SET_MODE)
		ino->mode = (ino->mode & S_IFMT) | (sa->mode & 07777);
	if (sa->mask & VFS_SET_MTIME)
		ino->mtime = sa->mtime;
	return 0;
}

int ovl_op_setdata(struct vfs_fs *fs, struct vfs_node *node,
		   struct memfs_data *d)
{
	struct memfs_inode *ino;
	int rc = regular_file(fs, node);

	if (!rc)
		rc = ovl_limit_bytes(ovl_of(fs), d->size);
	if (!rc)
		rc = upper_inode(fs, node, &ino);
	if (rc)
		return rc;
	memfs_inode_set_data(ino, d);
	kill_caps(ino);
	ino->mtime = ovl_of(fs)->opts.now;
	return 0;
}

/*
 * The xattr namespaces a file can take (xattr(7)): user.* only on regular
 * files and directories (fs/xattr.c, xattr_permission); overlayfs keeps
 * trusted.overlay.* for itself.
 */
static int xattr_allowed(const struct memfs_inode *ino, const char *name)
{
	if (!strncmp(name, "user.", 5))
		return S_ISREG(ino->mode) || S_ISDIR(ino->mode) ? 0 : -EPERM;
	if (!strncmp(name, WH_OVL_XATTR_PREFIX, strlen(WH_OVL_XATTR_PREFIX)))
		return -EOPNOTSUPP;
	if (!strncmp(name, "trusted.", 8) || !strncmp(name, "security.", 9))
		return 0;
	return -EOPNOTSUPP;
}

/* The live entry node names, if it may carry xattr name. */
static int xattr_target(struct vfs_fs *fs, struct vfs_node *node,
			const char *name, struct ovl_dentry **out)
{
	struct ovl_dentry *d = ovl_d(node);

	ovl_revalidate(ovl_of(fs), d);
	if (!d->n)
		return -ENOENT;
	*out = d;
	return xattr_allowed(ovl_top(d), name);
}

/*
 * Whether value is a file capability the kernel takes: revision 2 in 20
 * bytes or revision 3 in 24 (validheader in cap_convert_nscap,
 * security/commoncap.c); anything else is EINVAL.
 */
static bool valid_caps(const unsigned char *v, size_t len)
{
	uint32_t magic;

	if (len != 20 && len != 24)
		return false;
	magic = (uint32_t)v[0] | (uint32_t)v[1] << 8 | (uint32_t)v[2] << 16 |
		(uint32_t)v[3] << 24;
	return (magic & 0xff000000u) == (len == 20 ? 0x02000000u : 0x03000000u);
}

int ovl_op_setxattr(struct vfs_fs *fs, struct vfs_node *node, const char *name,
		    const void *value, size_t len)
{
	struct ovl_dentry *d;
	struct memfs_inode *ino;
	int rc = xattr_target(fs, node, name, &d);

	if (!rc && !strcmp(name, "security.capability") &&
	    !valid_caps(value, len))
		rc = -EINVAL;
	/* within what the layer reader takes back (memfs_xattr_fits) */
	if (!rc)
		rc = memfs_xattr_fits(ovl_top(d), name, len);
	if (!rc)
		rc = upper_inode(fs, node, &ino);
	if (!rc)
		rc = memfs_xattr_set(ino, name, value, len);
	return rc;
}

int ovl_op_removexattr(struct vfs_fs *fs, struct vfs_node *node,
		       const char *name)
{
	struct ovl_dentry *d;
	struct memfs_inode *ino;
	int rc = xattr_target(fs, node, name, &d);

	/* No copy-up for an xattr that is not there (ovl_xattr_set). */
	if (!rc && !memfs_xattr_get(ovl_top(d), name))
		rc = -ENODATA;
	if (!rc)
		rc = upper_inode(fs, node, &ino);
	if (!rc)
		rc = memfs_xattr_remove(ino, name);
	return rc;
}
