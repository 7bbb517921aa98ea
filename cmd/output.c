/*
 * output: where a command's tree goes. A tar file or standard output
 * (layers/sink.h), an image ("oci:DIR[:TAG]", "docker-archive:FILE[:TAG]",
 * image/image.h: the tar becomes the new layer), or a directory
 * ("dir:PATH", layers/dirout.h). Each is written to a temporary and
 * renamed into place on commit only.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "image/image.h"
#include "layers/dirout.h"
#include "layers/tarout.h"

int cmd_output_open(const char *cmd, const struct cmd_out_opts *o,
		    struct cmd_output *out)
{
	struct sink *s = NULL;
	struct err e;
	int rc;

	err_clear(&e);
	memset(out, 0, sizeof(*out));
	if (o->path && image_is_spec(o->path)) {
		struct image_out_opts io = {
			.comp = o->comp, .comp_given = o->comp_given,
			.created = o->created, .created_by = o->created_by,
			.base = o->base, .append = o->append,
		};

		if (o->append && !o->base)
			return cmd_usage(cmd, "an image with --emit layer "
					 "needs one image as input");
		if (image_writer_open(o->path, &io, &out->iw, &e))
			return cmd_report(&e);
		s = image_writer_sink(out->iw);
	} else if (o->path && image_is_dir_spec(o->path)) {
		if (o->append)
			return cmd_usage(cmd, "dir: takes a whole tree, not "
					 "--emit layer");
		if (dirout_open(o->path + 4, &out->dir, &e))
			return cmd_report(&e);
		out->t = tarout_new_fn(dirout_entry, out->dir);
	} else {
		rc = cmd_open_output(cmd, o->path, o->comp_given, o->comp,
				     &out->sink);
		if (rc)
			return rc;
		s = out->sink;
	}
	if (s)
		out->t = tarout_new(s);
	if (!out->t) {
		cmd_output_abort(out);
		return cmd_fail("out of memory");
	}
	tarout_set_progress(out->t, cmd_progress());
	cmd_progress_phase(PROGRESS_WRITE);
	return CMD_OK;
}

int cmd_output_commit(struct cmd_output *out, struct err *e)
{
	int rc = tarout_finish(out->t, e);

	tarout_free(out->t);
	out->t = NULL;
	if (rc) {
		cmd_output_abort(out);
		return rc;
	}
	if (out->iw)
		return image_writer_commit(out->iw, e);
	if (out->dir) {
		unsigned long skipped = dirout_skipped(out->dir);

		rc = dirout_commit(out->dir, e);
		if (!rc && skipped && !cmd_quiet())
			fprintf(stderr, "overtar: warning: not root: %lu "
				"owners, devices or privileged xattrs not "
				"written\n", skipped);
		return rc;
	}
	return sink_commit(out->sink, e);
}

void cmd_output_abort(struct cmd_output *out)
{
	tarout_free(out->t);
	image_writer_abort(out->iw);
	dirout_abort(out->dir);
	sink_abort(out->sink);
	memset(out, 0, sizeof(*out));
}
