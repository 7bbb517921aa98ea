/*
 * tarin_dir: a host directory tree read as a layer (tarin_src.dir), as
 * lstat(2) sees it: libarchive's disk reader walks it without following
 * any symlink below the root (archive_read_disk_set_symlink_hybrid: the
 * root itself may be one, as tar -H has it) and gives owners,
 * modes, times, xattrs and device numbers; a link resolver makes the later
 * names of a file with several links hard links to its first name, as tar
 * writes them; then every entry goes through tarin_load_entry like an
 * entry of a tar (so ".wh." names are whiteouts here too), its content
 * copied once into the spool. Sockets, which no tar holds, are skipped.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "layers/tarin_impl.h"

/* The entry's path below the tree's root, or NULL for the root itself. */
static const char *below_root(const char *p, const char *root, size_t rlen)
{
	if (strncmp(p, root, rlen))
		return p;
	p += rlen;
	while (*p == '/')
		p++;
	return *p ? p : NULL;
}

static int disk_fail(struct tarin_loader *ld, struct archive *a)
{
	const char *msg = archive_error_string(a);

	if (archive_errno(a) == ENOMEM)
		return tarin_oom(ld);
	return err_set(ld->e, archive_errno(a) > 0 ? -archive_errno(a) : -EIO,
		       "%s", msg ? msg : "cannot read the directory");
}

int tarin_load_dir(struct tarin_loader *ld, const char *root)
{
	struct archive_entry_linkresolver *lr = archive_entry_linkresolver_new();
	struct archive *a = archive_read_disk_new();
	struct archive_entry *ae = archive_entry_new(), *spare = NULL;
	size_t rlen = strlen(root);
	int r, rc = 0;

	while (rlen > 1 && root[rlen - 1] == '/')
		rlen--;
	if (!lr || !a || !ae) {
		rc = tarin_oom(ld);
		goto out;
	}
	ld->a = a;	/* tarin_entry_data reads content from it */
	archive_entry_linkresolver_set_strategy(lr,
						ARCHIVE_FORMAT_TAR_PAX_RESTRICTED);
	if (archive_read_disk_set_symlink_hybrid(a) != ARCHIVE_OK ||
	    archive_read_disk_open(a, root) != ARCHIVE_OK) {
		rc = disk_fail(ld, a);
		goto out;
	}
	while (!rc && (r = archive_read_next_header2(a, ae)) != ARCHIVE_EOF) {
		struct archive_entry *e = ae;
		const char *rel;

		if (r != ARCHIVE_OK) {
			rc = disk_fail(ld, a);
			break;
		}
		if (archive_entry_filetype(ae) == AE_IFDIR)
			archive_read_disk_descend(a);
		rel = below_root(archive_entry_pathname(ae), root, rlen);
		if (!rel || archive_entry_filetype(ae) == AE_IFSOCK)
			continue;
		archive_entry_set_pathname(ae, rel);
		archive_entry_linkify(lr, &e, &spare);
		if (e && (rc = tarin_load_entry(ld, e)))
			err_entry(ld->e, rel, strlen(rel));
	}
out:
	archive_entry_linkresolver_free(lr);
	archive_entry_free(ae);
	return rc;	/* ld->a, the disk reader, is freed with ld */
}
