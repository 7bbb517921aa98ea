/*
 * ls: the merged tree of a stack of layers, listed like ls(1): names one
 * a line, or with -l mode, links, numeric owner, size, UTC time and link
 * target; --origin adds the layer that provides each entry; --json writes
 * one JSON object per entry instead (overtar(1), JSON SCHEMA).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "cmd/cmd.h"
#include "cmd/show.h"
#include "core/inspect.h"
#include "core/ovl.h"

static const struct option ls_opts[] = {
	{ "long", no_argument, NULL, 'l' },
	{ "recursive", no_argument, NULL, 'R' },
	{ "all", no_argument, NULL, 'a' },
	{ "directory", no_argument, NULL, 'd' },
	{ "origin", no_argument, NULL, SHOW_OPT_ORIGIN },
	{ "json", no_argument, NULL, SHOW_OPT_JSON },
	CMD_LAYER_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

struct ls {
	struct vfs_fs *fs;
	struct inspect_links *links;
	char **layers;		/* the layers' names, for --origin */
	bool lng, rec, all, dir, origin, json;
	bool printed;		/* something is out: headers need a blank */
	int rc;			/* CMD_FAIL once a path failed */
};

/* One line of output. */
struct row {
	struct show_entry e;
	char *own;		/* e.path when allocated here */
	const char *name;	/* what the line shows */
	size_t namelen;
	struct vfs_node *node;
	bool list;		/* an operand to list as a directory */
};

static void rows_free(struct ls *ls, struct row *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(r[i].own);
		vfs_put(ls->fs, r[i].node);
	}
	free(r);
}

/* Fills r for node (a new reference, kept by r) named path. */
static int fill(struct ls *ls, struct row *r, struct vfs_node *node)
{
	struct vfs_fs *fs = ls->fs;
	int rc = vfs_getattr(fs, node, &r->e.a);

	r->node = node;
	r->e.nlink = 1;
	if (!rc && S_ISLNK(r->e.a.mode))
		rc = vfs_readlink(fs, node, &r->e.target, &r->e.tlen);
	if (!rc && (ls->lng || ls->json))
		rc = inspect_nlink(ls->links, node, &r->e.a, &r->e.nlink);
	if (!rc)
		r->e.layer_file = ls->layers[r->e.a.layer];
	return rc;
}

static void origin_of(const struct ls *ls, const struct row *r, char *buf,
		      size_t size)
{
	snprintf(buf, size, "%d:%s", r->e.a.layer + 1,
		 show_basename(r->e.layer_file));
}

static void size_of(const struct row *r, char *buf, size_t size)
{
	if (S_ISCHR(r->e.a.mode) || S_ISBLK(r->e.a.mode))
		snprintf(buf, size, "%u, %u", major(r->e.a.rdev),
			 minor(r->e.a.rdev));
	else
		snprintf(buf, size, "%llu", (unsigned long long)r->e.a.size);
}

static int width(const char *s, int w)
{
	int n = (int)strlen(s);

	return n > w ? n : w;
}

/* The long format, columns aligned over the rows, as ls -ln does. */
static void print_long(struct ls *ls, const struct row *r, size_t n)
{
	int wl = 0, wu = 0, wg = 0, ws = 0, wo = 0;
	char buf[320];

	for (size_t i = 0; i < n; i++) {
		snprintf(buf, sizeof(buf), "%u", r[i].e.nlink);
		wl = width(buf, wl);
		snprintf(buf, sizeof(buf), "%u", (unsigned)r[i].e.a.uid);
		wu = width(buf, wu);
		snprintf(buf, sizeof(buf), "%u", (unsigned)r[i].e.a.gid);
		wg = width(buf, wg);
		size_of(&r[i], buf, sizeof(buf));
		ws = width(buf, ws);
		origin_of(ls, &r[i], buf, sizeof(buf));
		wo = width(buf, wo);
	}
	for (size_t i = 0; i < n; i++) {
		char mode[11], tm[32], sz[32];

		show_mode(r[i].e.a.mode, mode);
		show_time_min(r[i].e.a.mtime, tm);
		size_of(&r[i], sz, sizeof(sz));
		printf("%s %*u %*u %*u %*s %s ", mode, wl, r[i].e.nlink, wu,
		       (unsigned)r[i].e.a.uid, wg, (unsigned)r[i].e.a.gid, ws,
		       sz, tm);
		if (ls->origin) {
			origin_of(ls, &r[i], buf, sizeof(buf));
			printf("%-*s ", wo, buf);
		}
		show_name(stdout, r[i].name, r[i].namelen);
		if (S_ISLNK(r[i].e.a.mode)) {
			fputs(" -> ", stdout);
			show_name(stdout, r[i].e.target, r[i].e.tlen);
		}
		putchar('\n');
	}
}

static void print_rows(struct ls *ls, const struct row *r, size_t n)
{
	char buf[320];
	int wo = 0;

	if (n)
		ls->printed = true;
	if (ls->json) {
		for (size_t i = 0; i < n; i++) {
			show_json_entry(stdout, &r[i].e);
			fputs("}\n", stdout);
		}
		return;
	}
	if (ls->lng) {
		print_long(ls, r, n);
		return;
	}
	for (size_t i = 0; ls->origin && i < n; i++) {
		origin_of(ls, &r[i], buf, sizeof(buf));
		wo = width(buf, wo);
	}
	for (size_t i = 0; i < n; i++) {
		if (ls->origin) {
			origin_of(ls, &r[i], buf, sizeof(buf));
			printf("%-*s ", wo, buf);
		}
		show_name(stdout, r[i].name, r[i].namelen);
		putchar('\n');
	}
}

static void header(struct ls *ls, const char *path)
{
	if (ls->json)
		return;
	if (ls->printed)
		putchar('\n');
	show_name(stdout, path, strlen(path));
	fputs(":\n", stdout);
	ls->printed = true;
}

/* Collects the rows of dir's entries (dot names only with -a). */
static int collect(struct ls *ls, const char *path, struct vfs_node *dir,
		   struct row **out, size_t *nout)
{
	struct vfs_names ns = { 0 };
	struct row *r;
	size_t n = 0;
	int rc = vfs_list(ls->fs, dir, &ns);

	if (rc)
		return rc;
	r = calloc(ns.n ? ns.n : 1, sizeof(*r));
	if (!r)
		rc = -ENOMEM;
	for (size_t i = 0; !rc && i < ns.n; i++) {
		struct vfs_node *node;
		size_t len = strlen(ns.v[i]);

		if (ns.v[i][0] == '.' && !ls->all)
			continue;
		rc = vfs_lookup(ls->fs, dir, ns.v[i], len, &node);
		if (rc)
			break;
		r[n].own = show_join(path, ns.v[i], len);
		if (!r[n].own) {
			vfs_put(ls->fs, node);
			rc = -ENOMEM;
			break;
		}
		r[n].e.path = r[n].own;
		r[n].e.pathlen = strlen(r[n].own);
		r[n].name = r[n].own + r[n].e.pathlen - len;
		r[n].namelen = len;
		rc = fill(ls, &r[n++], node);
	}
	vfs_names_free(&ns);
	if (rc && r)
		rows_free(ls, r, n);
	else {
		*out = r;
		*nout = n;
	}
	return rc;
}

/* A listed directory whose subdirectories -R still has to list. */
struct ls_frame {
	struct row *r;
	size_t n, i;
};

/*
 * Lists dir; with -R, then each subdirectory under a header, depth first
 * with an explicit stack (STYLE.md: no recursion whose depth the input
 * decides).
 */
static int list_dir(struct ls *ls, const char *path, struct vfs_node *dir)
{
	struct ls_frame *st = NULL, *v;
	size_t n = 0, cap = 0;
	struct ls_frame f = { 0 };
	bool fresh = true;
	int rc = collect(ls, path, dir, &f.r, &f.n);

	if (rc)
		return show_path_error("ls", path, rc);
	for (;;) {
		struct row *x;

		if (fresh)
			print_rows(ls, f.r, f.n);
		fresh = true;
		/* the next subdirectory of the innermost frame left */
		for (;;) {
			while (ls->rec && f.i < f.n && !S_ISDIR(f.r[f.i].e.a.mode))
				f.i++;
			if (ls->rec && f.i < f.n)
				break;
			rows_free(ls, f.r, f.n);
			if (!n) {
				free(st);
				return CMD_OK;
			}
			f = st[--n];
		}
		x = &f.r[f.i++];
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			if (!(v = realloc(st, cap * sizeof(*v)))) {
				rows_free(ls, f.r, f.n);
				for (; n; n--)
					rows_free(ls, st[n - 1].r, st[n - 1].n);
				free(st);
				ls->rc = cmd_fail("ls: %s", strerror(ENOMEM));
				return CMD_FAIL;
			}
			st = v;
		}
		header(ls, x->e.path);
		st[n++] = f;
		memset(&f, 0, sizeof(f));
		rc = collect(ls, x->e.path, x->node, &f.r, &f.n);
		if (rc) {
			ls->rc = show_path_error("ls", x->e.path, rc);
			f = st[--n];
			fresh = false;	/* go on with the siblings */
		}
	}
}

/*
 * Resolves a command-line path. As ls(1) does, only the short format
 * follows a last symlink; -l, -d and --json show the link itself.
 */
static int resolve(struct ls *ls, const char *path, struct vfs_node **out)
{
	bool follow = !ls->lng && !ls->dir && !ls->json;
	int rc = vfs_resolve(ls->fs, path, follow, out);

	if (rc == -ENOENT && follow)	/* a dangling link is itself */
		rc = vfs_resolve(ls->fs, path, false, out);
	return rc;
}

/* Non-directories first, then directories, as ls(1) orders its operands. */
static int run(struct ls *ls, char **paths, size_t n)
{
	struct row *r = calloc(n, sizeof(*r));
	size_t nf = 0;
	int rc;

	if (!r)
		return cmd_fail("ls: %s", strerror(ENOMEM));
	for (size_t i = 0; i < n; i++) {
		struct vfs_node *node;

		rc = resolve(ls, paths[i], &node);
		if (!rc) {
			r[nf].e.path = r[nf].name = paths[i];
			r[nf].e.pathlen = r[nf].namelen = strlen(paths[i]);
			rc = fill(ls, &r[nf++], node);
		}
		if (rc) {
			ls->rc = show_path_error("ls", paths[i], rc);
			continue;
		}
		if (S_ISDIR(r[nf - 1].e.a.mode) && !ls->dir)
			r[nf - 1].list = true;
	}
	/* operands that are not listed as directories */
	{
		struct row *f = calloc(nf ? nf : 1, sizeof(*f));
		size_t k = 0;

		if (!f) {
			rows_free(ls, r, nf);
			return cmd_fail("ls: %s", strerror(ENOMEM));
		}
		for (size_t i = 0; i < nf; i++)
			if (!r[i].list)
				f[k++] = r[i];
		print_rows(ls, f, k);
		free(f);
	}
	for (size_t i = 0; i < nf; i++) {
		if (!r[i].list)
			continue;
		if (n > 1 || ls->rec)
			header(ls, r[i].e.path);
		if (list_dir(ls, r[i].e.path, r[i].node) != CMD_OK)
			ls->rc = CMD_FAIL;
	}
	rows_free(ls, r, nf);
	return ls->rc;
}

int cmd_ls(int argc, char **argv)
{
	bool done;
	static char *root[] = { "/" };
	struct cmd_layer_opts lo = { 0 };
	struct ls ls = { .rc = CMD_OK };
	struct show_args sa;
	struct show_stack st;
	int c, rc;

	show_split(argc, argv, &sa);
	opterr = 0;
	while ((c = getopt_long(sa.optc, argv, ":lRadh" CMD_LAYER_SHORT,
					 ls_opts, NULL)) != -1) {
		switch (c) {
		case 'l': ls.lng = true; break;
		case 'R': ls.rec = true; break;
		case 'a': ls.all = true; break;
		case 'd': ls.dir = true; break;
		case SHOW_OPT_ORIGIN: ls.origin = true; break;
		case SHOW_OPT_JSON: ls.json = true; break;
		default:
			rc = cmd_layer_option("ls", c, argv, &lo, &done);
			if (done)
				return rc;
		}
	}
	if (ls.dir)
		ls.rec = false;	/* ls -dR lists the operands only */
	rc = show_load("ls", argv + optind, (size_t)(sa.optc - optind), &lo,
		       &st);
	if (rc)
		return rc;
	ls.layers = st.names;
	ls.fs = ovl_vfs(st.ovl);
	if (inspect_links_new(ls.fs, &ls.links)) {
		show_stack_release(&st);
		return cmd_fail("ls: %s", strerror(ENOMEM));
	}
	if (sa.npaths)
		rc = run(&ls, sa.paths, sa.npaths);
	else
		rc = run(&ls, root, 1);
	inspect_links_free(ls.links);
	show_stack_release(&st);
	return rc;	/* main checks stdout */
}
