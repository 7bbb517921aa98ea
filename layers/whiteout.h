/*
 * whiteout: the on-tar spellings of whiteouts and opaque directories, in
 * one place. Inside overtar they are a dentry flag and an inode flag
 * (memfs.h); these spellings exist only at the tar boundary.
 *
 * OCI image-spec, layer.md "Whiteouts": a file ".wh.NAME" deletes NAME from
 * lower layers; ".wh..wh..opq" in a directory makes it opaque.
 * Linux overlayfs (Documentation/filesystems/overlayfs.rst): a whiteout is a
 * character device 0/0; an opaque directory has trusted.overlay.opaque "y".
 */
#ifndef OVERTAR_WHITEOUT_H
#define OVERTAR_WHITEOUT_H

#define WH_PREFIX ".wh."
#define WH_PREFIX_LEN 4
#define WH_OPAQUE ".wh..wh..opq"
#define WH_OPAQUE_LEN 12
#define WH_OVL_OPAQUE_XATTR "trusted.overlay.opaque"
/* Every xattr overlayfs keeps for itself starts with this. */
#define WH_OVL_XATTR_PREFIX "trusted.overlay."

#endif
