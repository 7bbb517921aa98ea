/*
 * diff: what changed between two images or stacks of layers, entry by
 * entry (core/diff.h): one line per path added (A), removed (D) or changed
 * (M, with the fields that differ), or JSON Lines. Exit status as diff(1)
 * has it: 0 the same, 1 different, 2 trouble (a usage error, a layer that
 * cannot be read). Each side is loaded read-only, base first, as every
 * command loads layers; "--" separates them.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/show.h"
#include "core/diff.h"
#include "core/ovl.h"

enum diff_opt {
	OPT_IGNORE = 0x300,
	OPT_JSON,
};

static const struct option diff_opts[] = {
	{ "ignore", required_argument, NULL, OPT_IGNORE },
	{ "json", no_argument, NULL, OPT_JSON },
	CMD_LAYER_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

/* diff(1)'s status for trouble. */
#define DIFF_TROUBLE 2

struct dargs {
	bool json, quiet;
	unsigned ignore;
	unsigned long n;	/* differences printed */
};

/* "mtime,mode": the fields named, or -EINVAL naming the bad one. */
static int parse_fields(char *list, unsigned *out, const char **bad)
{
	char *save = NULL;

	for (char *f = strtok_r(list, ",", &save); f;
	     f = strtok_r(NULL, ",", &save)) {
		unsigned i = 0;

		while (i < DIFF_NFIELDS && strcmp(f, diff_field_name(1u << i)))
			i++;
		if (i == DIFF_NFIELDS) {
			*bad = f;
			return -EINVAL;
		}
		*out |= 1u << i;
	}
	return 0;
}

static void print_fields(unsigned fields, bool json)
{
	const char *sep = "";

	for (unsigned i = 0; i < DIFF_NFIELDS; i++) {
		if (!(fields & (1u << i)))
			continue;
		printf(json ? "%s\"%s\"" : "%s%s", sep, diff_field_name(1u << i));
		sep = ",";
	}
}

static int print_diff(void *ctx, enum diff_change c, const char *path,
		      size_t len, mode_t a, mode_t b, unsigned fields)
{
	struct dargs *d = ctx;

	d->n++;
	if (d->quiet)
		return 0;
	if (d->json) {
		printf("{\"change\":\"%c\",\"path\":", (char)c);
		show_json_str(stdout, path, len);
		printf(",\"type\":\"%s\"", show_type_json(c == DIFF_REMOVED ? a
								       : b));
		if (c == DIFF_CHANGED && (fields & DIFF_TYPE))
			printf(",\"old_type\":\"%s\"", show_type_json(a));
		fputs(",\"fields\":[", stdout);
		print_fields(fields, true);
		fputs("]}\n", stdout);
	} else {
		printf("%c\t", (char)c);
		show_name(stdout, path, len);
		if (c == DIFF_CHANGED) {
			putchar('\t');
			print_fields(fields, false);
		}
		putchar('\n');
	}
	return ferror(stdout) ? -EPIPE : 0;
}

static int parse(int argc, char **argv, struct dargs *d,
		 struct cmd_layer_opts *lo)
{
	const char *bad = NULL;
	bool done;
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h" CMD_LAYER_SHORT,
					 diff_opts, NULL)) != -1) {
		switch (c) {
		case OPT_IGNORE:
			if (parse_fields(optarg, &d->ignore, &bad))
				return cmd_usage("diff", "unknown field '%s' for "
						 "--ignore (type, mode, owner, "
						 "size, content, target, device, "
						 "xattrs, mtime)", bad);
			break;
		case OPT_JSON: d->json = true; break;
		case 'q':
			d->quiet = lo->quiet = true;
			break;
		default:
			rc = cmd_layer_option("diff", c, argv, lo, &done);
			if (done)
				return rc;
		}
	}
	return -1;
}

/* One of the n paths is '-'. */
static bool has_stdin(char **paths, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(paths[i], "-"))
			return true;
	return false;
}

/* Loads one side. 0, or DIFF_TROUBLE after printing. */
static int load(char **args, size_t n, const struct cmd_layer_opts *lo,
		struct ovl **out)
{
	struct err e;

	err_clear(&e);
	if (cmd_load_stack(args, n, lo, out, &e)) {
		cmd_report(&e);
		return DIFF_TROUBLE;
	}
	return 0;
}

int cmd_diff(int argc, char **argv)
{
	struct cmd_layer_opts lo = { 0 };
	struct dargs d = { 0 };
	struct ovl *a = NULL, *b = NULL;
	struct diff_opts o = { .fn = print_diff, .ctx = &d };
	struct show_args sa;
	struct err e;
	int rc;

	show_split(argc, argv, &sa);
	if ((rc = parse(sa.optc, argv, &d, &lo)) >= 0)
		return rc;
	if (!sa.dashdash || optind >= sa.optc || !sa.npaths)
		return cmd_usage("diff", "two sides: LAYER... -- LAYER...");
	if (cmd_check_layers("diff", argv + optind,
			     (size_t)(sa.optc - optind)) ||
	    cmd_check_layers("diff", sa.paths, sa.npaths))
		return CMD_USAGE;
	if (has_stdin(argv + optind, (size_t)(sa.optc - optind)) &&
	    has_stdin(sa.paths, sa.npaths))
		return cmd_usage("diff", "standard input ('-') given on both "
				 "sides");
	o.ignore = d.ignore;
	rc = load(argv + optind, (size_t)(sa.optc - optind), &lo, &a);
	if (!rc)
		rc = load(sa.paths, sa.npaths, &lo, &b);
	cmd_progress_stop();	/* the lines go to stdout, maybe the tty */
	if (rc)
		goto out;
	err_clear(&e);
	rc = diff_trees(ovl_vfs(a), ovl_vfs(b), &o, &e);
	/* stdout failed: main says so, or nothing when the reader left */
	if (rc == -EPIPE)
		rc = 1;
	else if (rc < 0)
		rc = (cmd_report(&e), DIFF_TROUBLE);
out:
	cmd_drop_stack(a);
	cmd_drop_stack(b);
	return rc;
}
