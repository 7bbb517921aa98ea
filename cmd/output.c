/*
 * output: where a command's tree goes, one row of a table per kind of
 * output, chosen by the prefix of -o: an image ("oci:DIR[:TAG]",
 * "docker-archive:FILE[:TAG]", "oci-archive:FILE[:TAG]", image/image.h: the tar becomes the new
 * layer), a directory ("dir:PATH", layers/dirout.h), else a tar file or
 * standard output (layers/sink.h). Each is written to a temporary and
 * renamed into place on commit only. A new kind of output is one more
 * row.
 */
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "image/image.h"
#include "layers/dirout.h"
#include "layers/tarout.h"

/*
 * One kind of output. open gets what follows the prefix (the whole -o
 * for the last row, NULL for stdout) and sets out->w, printing on
 * failure; commit finishes and renames into place (0 or a negative errno
 * with e set, everything removed on failure); abort removes what was
 * written. Each frees what its open made.
 */
struct cmd_output_kind {
	const char *prefix;	/* NULL: the last row, matching anything */
	int (*open)(const char *cmd, const char *rest,
		    const struct cmd_out_opts *o, struct cmd_output *out);
	int (*commit)(struct cmd_output *out, struct err *e);
	void (*abort)(struct cmd_output *out);
};

/* A tar writer onto s, for the kinds that write a tar. */
static int tar_onto(struct sink *s, struct cmd_output *out)
{
	out->t = tarout_new(s);
	if (!out->t)
		return cmd_fail("out of memory");
	out->w = tarout_writer(out->t);
	return CMD_OK;
}

/* Ends the tar of the kinds that write one. 0 or a negative errno. */
static int tar_end(struct cmd_output *out, struct err *e)
{
	int rc = tarout_finish(out->t, e);

	tarout_free(out->t);
	out->t = NULL;
	return rc;
}

/*
 * A tar file, or stdout when rest is NULL (refused when stdout is a
 * terminal). Compression: o->comp if given, else from the name.
 */
static int tar_open(const char *cmd, const char *rest,
		    const struct cmd_out_opts *o, struct cmd_output *out)
{
	struct sink_opts so = { .comp = o->comp };
	struct err e;

	err_clear(&e);
	if (!rest && isatty(STDOUT_FILENO))
		return cmd_usage(cmd, "refusing to write a tar to a terminal "
				 "(use -o FILE or a pipe)");
	if (!o->comp_given)
		so.comp = rest ? sink_comp_from_name(rest) : SINK_NONE;
	if (sink_open(rest, &so, &out->sink, &e))
		return cmd_report(&e);
	return tar_onto(out->sink, out);
}

static int tar_commit(struct cmd_output *out, struct err *e)
{
	int rc = tar_end(out, e);

	if (rc) {
		sink_abort(out->sink);
		return rc;
	}
	return sink_commit(out->sink, e);
}

static void tar_abort(struct cmd_output *out)
{
	tarout_free(out->t);
	sink_abort(out->sink);
}

/* An image: the tar goes to the writer's sink as the new layer. */
static int img_open(const char *cmd, const char *rest,
		    const struct cmd_out_opts *o, struct cmd_output *out)
{
	struct image_out_opts io = {
		.comp = o->comp, .comp_given = o->comp_given,
		.created = o->created, .created_by = o->created_by,
			.set_env = o->set_env, .env = o->env, .nenv = o->nenv,
		.base = o->base, .append = o->append,
		.config = o->config, .annotations = o->annotations,
	};
	struct err e;

	err_clear(&e);
	if (o->image)
		io = *o->image;
	if (o->append && !o->base)
		return cmd_usage(cmd, "an image with --emit layer "
				 "needs one image as input");
	/* image.c reads the prefix again to pick the format */
	if (image_writer_open(o->path, &io, &out->iw, &e))
		return cmd_report(&e);
	if (io.no_layer)
		return CMD_OK;	/* the config and the reused layers only */
	return tar_onto(image_writer_sink(out->iw), out);
}

static int img_commit(struct cmd_output *out, struct err *e)
{
	int rc = out->t ? tar_end(out, e) : 0;

	if (rc) {
		image_writer_abort(out->iw);
		return rc;
	}
	return image_writer_commit(out->iw, e);
}

static void img_abort(struct cmd_output *out)
{
	tarout_free(out->t);
	image_writer_abort(out->iw);
}

/* A directory: entries are made as files, no tar in between. */
static int dir_open(const char *cmd, const char *rest,
		    const struct cmd_out_opts *o, struct cmd_output *out)
{
	struct err e;

	err_clear(&e);
	if (o->append)
		return cmd_usage(cmd, "dir: takes a whole tree, not "
				 "--emit layer");
	if (dirout_open(rest, &out->dir, &e))
		return cmd_report(&e);
	out->w = dirout_writer(out->dir);
	return CMD_OK;
}

static int dir_commit(struct cmd_output *out, struct err *e)
{
	unsigned long skipped = dirout_skipped(out->dir);
	int rc = entry_finish(out->w, e);

	if (rc) {
		dirout_abort(out->dir);
		return rc;
	}
	rc = dirout_commit(out->dir, e);
	if (!rc && skipped && !cmd_quiet())
		fprintf(stderr, "overtar: warning: not root: %lu owners, "
			"devices or privileged xattrs not written\n", skipped);
	return rc;
}

static void dir_abort(struct cmd_output *out)
{
	dirout_abort(out->dir);
}

static const struct cmd_output_kind kinds[] = {
	{ .prefix = "oci:", .open = img_open, .commit = img_commit,
	  .abort = img_abort },
	{ .prefix = "docker-archive:", .open = img_open,
	  .commit = img_commit, .abort = img_abort },
	{ .prefix = "oci-archive:", .open = img_open,
	  .commit = img_commit, .abort = img_abort },
	{ .prefix = "dir:", .open = dir_open, .commit = dir_commit,
	  .abort = dir_abort },
	{ .prefix = NULL, .open = tar_open, .commit = tar_commit,
	  .abort = tar_abort },
};

/* A compression a name's suffix asks for that overtar does not write. */
static const char *unwritten_comp(const char *name)
{
	static const struct { const char *suffix, *comp; } tab[] = {
		{ ".xz", "xz" }, { ".txz", "xz" }, { ".lzma", "lzma" },
		{ ".bz2", "bzip2" }, { ".tbz", "bzip2" }, { ".tbz2", "bzip2" },
		{ ".lz", "lzip" }, { ".lz4", "lz4" }, { ".Z", "compress" },
		{ ".lzo", "lzop" },
	};
	size_t n = strlen(name);

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		size_t k = strlen(tab[i].suffix);

		if (n > k && !strcmp(name + n - k, tab[i].suffix))
			return tab[i].comp;
	}
	return NULL;
}

/*
 * Refuses a path to write that cannot be: an existing directory where a
 * file goes (dir_ok: a directory output), or a missing parent directory.
 * CMD_OK, or CMD_FAIL after printing, naming the path as given.
 */
static int check_place(const char *cmd, const char *path, bool dir_ok)
{
	char *parent = strdup(path);
	struct stat st;
	int rc = CMD_OK;

	if (!parent)
		return cmd_fail("out of memory");
	if (!dir_ok && !stat(path, &st) && S_ISDIR(st.st_mode))
		rc = cmd_fail("%s: cannot write '%s': it is a directory", cmd,
			      path);
	else if (stat(dirname(parent), &st) || !S_ISDIR(st.st_mode))
		rc = cmd_fail("%s: cannot write '%s': no directory '%s'", cmd,
			      path, parent);
	free(parent);
	return rc;
}

int cmd_output_check(const char *cmd, struct cmd_out_opts *o)
{
	const char *comp, *rest;
	char *path = NULL, *ref = NULL;
	int rc;

	if (o->path && !strcmp(o->path, "-"))
		o->path = NULL;		/* GNU tar's -f -: stdout */
	if (!o->path)
		return CMD_OK;
	if (!strncmp(o->path, "dir:", 4))
		return check_place(cmd, o->path + 4, true);
	if (!image_is_spec(o->path)) {
		if (!o->comp_given && (comp = unwritten_comp(o->path)))
			return cmd_usage(cmd, "'%s' names %s compression, which "
					 "overtar does not write (.gz, .zst, "
					 "or -z)", o->path, comp);
		return check_place(cmd, o->path, false);
	}
	rest = strchr(o->path, ':') + 1;
	rc = image_spec_split(rest, &path, &ref);
	if (rc)
		return rc == -ENOMEM ? cmd_fail("out of memory")
				     : cmd_usage(cmd, "'%s' names no path",
						 o->path);
	/* every run would add one more nameless manifest to the layout */
	if (!strncmp(o->path, "oci:", 4) && !ref)
		rc = cmd_usage(cmd, "'%s' has no tag: write oci:%s:TAG",
			       o->path, path);
	else
		rc = check_place(cmd, path, !strncmp(o->path, "oci:", 4));
	free(path);
	free(ref);
	return rc;
}

int cmd_output_open(const char *cmd, const struct cmd_out_opts *o,
		    struct cmd_output *out)
{
	const struct cmd_output_kind *k = kinds;
	const char *rest = o->path;
	int rc;

	memset(out, 0, sizeof(*out));
	for (; k->prefix; k++)
		if (o->path && !strncmp(o->path, k->prefix, strlen(k->prefix))) {
			rest = o->path + strlen(k->prefix);
			break;
		}
	rc = k->open(cmd, rest, o, out);
	if (rc) {
		k->abort(out);
		memset(out, 0, sizeof(*out));
		return rc;
	}
	out->kind = k;
	cmd_progress_count(out);
	cmd_progress_phase(PROGRESS_WRITE);
	return CMD_OK;
}

int cmd_output_commit(struct cmd_output *out, struct err *e)
{
	int rc = out->kind->commit(out, e);

	memset(out, 0, sizeof(*out));
	return rc;
}

void cmd_output_abort(struct cmd_output *out)
{
	if (out->kind)
		out->kind->abort(out);
	memset(out, 0, sizeof(*out));
}
