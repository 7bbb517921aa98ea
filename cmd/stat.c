/*
 * stat: every attribute of entries of the merged tree: type, size, mode,
 * owner, link count in the merged view (and in the providing layer when it
 * differs), time to the nanosecond, device numbers, link target, xattrs,
 * and the layer that provides the entry.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "cmd/cmd.h"
#include "cmd/show.h"
#include "core/inspect.h"
#include "core/ovl.h"
#include "layers/memfs.h"

static const struct option stat_opts[] = {
	{ "dereference", no_argument, NULL, 'L' },
	{ "json", no_argument, NULL, SHOW_OPT_JSON },
	CMD_LAYER_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

struct st {
	struct vfs_fs *fs;
	struct inspect_links *links;
	char **layers;
	bool follow, json;
};

/* An xattr value: "text" when printable ASCII, else 0x and hex. */
static void print_value(const unsigned char *v, size_t len)
{
	bool text = true;

	for (size_t i = 0; i < len; i++)
		if (v[i] < 0x20 || v[i] > 0x7e)
			text = false;
	if (text) {
		putchar('"');
		for (size_t i = 0; i < len; i++) {
			if (v[i] == '"' || v[i] == '\\')
				putchar('\\');
			putchar(v[i]);
		}
		putchar('"');
		return;
	}
	fputs("0x", stdout);
	for (size_t i = 0; i < len; i++)
		printf("%02x", v[i]);
}

static void print_text(const struct show_entry *e,
		       const struct memfs_xattr *xs, uint32_t nx)
{
	char mode[11];

	show_mode(e->a.mode, mode);
	fputs("  File: ", stdout);
	show_name(stdout, e->path, e->pathlen);
	if (S_ISLNK(e->a.mode)) {
		fputs(" -> ", stdout);
		show_name(stdout, e->target, e->tlen);
	}
	printf("\n  Type: %s\n  Size: %llu\n  Mode: %04o (%s)\n   Uid: %u\n"
	       "   Gid: %u\n Links: %u", show_type_text(e->a.mode),
	       (unsigned long long)e->a.size, (unsigned)(e->a.mode & 07777),
	       mode, (unsigned)e->a.uid, (unsigned)e->a.gid, e->nlink);
	if (!S_ISDIR(e->a.mode) && e->a.nlink != e->nlink)
		printf(" (%u in its layer)", e->a.nlink);
	putchar('\n');
	if (S_ISCHR(e->a.mode) || S_ISBLK(e->a.mode))
		printf("Device: %u,%u\n", major(e->a.rdev), minor(e->a.rdev));
	{
		char tm[32];
		struct tm t;
		time_t s = e->a.mtime.tv_sec;

		if (gmtime_r(&s, &t) &&
		    strftime(tm, sizeof(tm), "%Y-%m-%d %H:%M:%S", &t))
			printf("Modify: %s.%09ld +0000\n", tm,
			       (long)e->a.mtime.tv_nsec);
	}
	printf(" Layer: %d (%s)\n", e->a.layer + 1,
	       show_basename(e->layer_file));
	for (uint32_t i = 0; i < nx; i++) {
		fputs(" Xattr: ", stdout);
		show_name(stdout, xs[i].name, strlen(xs[i].name));
		putchar('=');
		print_value(xs[i].value, xs[i].len);
		putchar('\n');
	}
}

static void print_json(const struct show_entry *e,
		       const struct memfs_xattr *xs, uint32_t nx)
{
	show_json_entry(stdout, e);
	printf(",\"layer_nlink\":%u,\"xattrs\":[", e->a.nlink);
	for (uint32_t i = 0; i < nx; i++) {
		fputs(i ? ",{\"name\":" : "{\"name\":", stdout);
		show_json_str(stdout, xs[i].name, strlen(xs[i].name));
		fputs(",\"value\":", stdout);
		show_json_str(stdout, (const char *)xs[i].value, xs[i].len);
		putchar('}');
	}
	fputs("]}\n", stdout);
}

/* One path: CMD_OK, or CMD_FAIL after printing. */
static int stat_one(struct st *st, const char *path)
{
	struct vfs_fs *fs = st->fs;
	struct show_entry e = { .path = path, .pathlen = strlen(path) };
	const struct memfs_xattr *xs = NULL;
	struct vfs_node *node;
	uint32_t nx = 0;
	int rc = vfs_resolve(fs, path, st->follow, &node);

	if (rc)
		return show_path_error("stat", path, rc);
	rc = vfs_getattr(fs, node, &e.a);
	if (!rc && S_ISLNK(e.a.mode))
		rc = vfs_readlink(fs, node, &e.target, &e.tlen);
	if (!rc)
		rc = inspect_nlink(st->links, node, &e.a, &e.nlink);
	if (!rc)
		rc = vfs_listxattr(fs, node, &xs, &nx);
	if (!rc) {
		e.layer_file = st->layers[e.a.layer];
		if (st->json)
			print_json(&e, xs, nx);
		else
			print_text(&e, xs, nx);
	}
	vfs_put(fs, node);
	return rc ? show_path_error("stat", path, rc) : CMD_OK;
}

int cmd_stat(int argc, char **argv)
{
	bool done;
	struct cmd_layer_opts lo = { 0 };
	struct st st = { 0 };
	struct show_args sa;
	struct show_stack sk;
	int c, rc;

	show_split(argc, argv, &sa);
	opterr = 0;
	while ((c = getopt_long(sa.optc, argv, ":Lh" CMD_LAYER_SHORT,
					 stat_opts, NULL)) != -1) {
		switch (c) {
		case 'L': st.follow = true; break;
		case SHOW_OPT_JSON: st.json = true; break;
		default:
			rc = cmd_layer_option("stat", c, argv, &lo, &done);
			if (done)
				return rc;
		}
	}
	if (!sa.npaths)
		return cmd_usage("stat", "no paths given (they go after '--')");
	rc = show_load("stat", argv + optind, (size_t)(sa.optc - optind), &lo,
		       &sk);
	if (rc)
		return rc;
	st.layers = sk.names;
	st.fs = ovl_vfs(sk.ovl);
	if (inspect_links_new(st.fs, &st.links)) {
		show_stack_release(&sk);
		return cmd_fail("stat: %s", strerror(ENOMEM));
	}
	for (size_t i = 0; i < sa.npaths; i++)
		if (stat_one(&st, sa.paths[i]) != CMD_OK)
			rc = CMD_FAIL;
	inspect_links_free(st.links);
	show_stack_release(&sk);
	return rc;	/* main checks stdout */
}
