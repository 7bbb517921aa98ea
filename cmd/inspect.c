/*
 * inspect: per layer, what it adds, modifies and removes, the bytes it
 * carries and those of them a later layer hides or deletes (wasted); the
 * image's bytes, wasted bytes and efficiency; the largest wasted files.
 * --layer N lists one layer's changes as A/M/D lines; --max-wasted and
 * --min-efficiency make it a CI check, as dive's CI mode is. The analysis
 * is core/inspect.c; this file only prints it.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/show.h"
#include "core/inspect.h"
#include "core/ovl.h"
#include "layers/memfs.h"

static const struct option inspect_opts[] = {
	{ "layer", required_argument, NULL, SHOW_OPT_LAYER },
	{ "top", required_argument, NULL, SHOW_OPT_TOP },
	{ "max-wasted", required_argument, NULL, SHOW_OPT_MAX_WASTED },
	{ "min-efficiency", required_argument, NULL, SHOW_OPT_MIN_EFFICIENCY },
	{ "json", no_argument, NULL, SHOW_OPT_JSON },
	CMD_LAYER_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

/* The CI rules; a rule not given is off. */
struct rules {
	const char *max_wasted;		/* as given, for messages */
	bool wasted_pct;
	double wasted_limit;		/* bytes, or percent */
	const char *min_eff;
	double eff_limit;
};

struct insp {
	char **layers;
	bool json;
	long layer;			/* --layer, 1-based; 0: none */
	size_t top;
	struct rules rules;
};

/* "N", "NK", "NMiB"... (powers of 1024) or "P%". 0, or -EINVAL. */
static int parse_wasted(const char *s, struct rules *r)
{
	static const char units[] = "KMGT";
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v < 0 || *s == '-' ||
	    *s == '+')
		return -EINVAL;
	r->max_wasted = s;
	if (!strcmp(end, "%")) {
		r->wasted_pct = true;
		r->wasted_limit = v;
		return v <= 100 ? 0 : -EINVAL;
	}
	if (*end) {
		const char *u = strchr(units, *end);

		if (!u)
			return -EINVAL;
		for (const char *k = units; k <= u; k++)
			v *= 1024;
		end++;
		if (*end && strcmp(end, "iB") && strcmp(end, "B"))
			return -EINVAL;
	}
	r->wasted_limit = v;
	return 0;
}

static int parse_eff(const char *s, struct rules *r)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0 && v <= 1))
		return -EINVAL;
	r->min_eff = s;
	r->eff_limit = v;
	return 0;
}

static int parse_count(const char *s, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* One change of --layer N. */
static int print_change(void *ctx, enum inspect_change c, const char *path,
			size_t len, const struct memfs_inode *ino)
{
	const struct insp *in = ctx;

	if (in->json) {
		printf("{\"change\":\"%c\",\"path\":", (char)c);
		show_json_str(stdout, path, len);
		printf(",\"type\":\"%s\"}\n", show_type_json(ino->mode));
	} else {
		printf("%c\t", (char)c);
		show_name(stdout, path, len);
		putchar('\n');
	}
	return ferror(stdout) ? -EIO : 0;
}

static void print_json(const struct insp *in, const struct inspect_report *r)
{
	for (size_t i = 0; i < r->nlayers; i++) {
		const struct inspect_layer *l = &r->layers[i];

		printf("{\"record\":\"layer\",\"layer\":%zu,\"layer_file\":",
		       i + 1);
		show_json_str(stdout, in->layers[i], strlen(in->layers[i]));
		printf(",\"added\":%llu,\"modified\":%llu,\"removed\":%llu,"
		       "\"files\":%llu,\"bytes\":%llu,\"wasted\":%llu}\n",
		       (unsigned long long)l->added,
		       (unsigned long long)l->modified,
		       (unsigned long long)l->removed,
		       (unsigned long long)l->files,
		       (unsigned long long)l->bytes,
		       (unsigned long long)l->wasted);
	}
	printf("{\"record\":\"image\",\"layers\":%zu,\"bytes\":%llu,"
	       "\"wasted\":%llu,\"wasted_percent\":%.6f,\"efficiency\":%.6f}\n",
	       r->nlayers, (unsigned long long)r->bytes,
	       (unsigned long long)r->wasted, pct(r->wasted, r->bytes),
	       r->efficiency);
	for (size_t i = 0; i < r->nwaste; i++) {
		const struct inspect_waste *w = &r->waste[i];

		fputs("{\"record\":\"wasted\",\"path\":", stdout);
		show_json_str(stdout, w->path, strlen(w->path));
		printf(",\"bytes\":%llu,\"layer\":%u,\"by\":%u}\n",
		       (unsigned long long)w->bytes, w->layer + 1, w->by + 1);
	}
}

static int digits(unsigned long long v)
{
	int n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

static void print_text(const struct insp *in, const struct inspect_report *r)
{
	/* column widths: at least the header's */
	int w[7] = { 5, 5, 8, 7, 5, 5, 6 };

	for (size_t i = 0; i < r->nlayers; i++) {
		const struct inspect_layer *l = &r->layers[i];
		unsigned long long v[7] = { i + 1, l->added, l->modified,
					    l->removed, l->files, l->bytes,
					    l->wasted };

		for (int k = 0; k < 7; k++)
			if (digits(v[k]) > w[k])
				w[k] = digits(v[k]);
	}
	printf("%*s  %*s  %*s  %*s  %*s  %*s  %*s  file\n", w[0], "layer",
	       w[1], "added", w[2], "modified", w[3], "removed", w[4],
	       "files", w[5], "bytes", w[6], "wasted");
	for (size_t i = 0; i < r->nlayers; i++) {
		const struct inspect_layer *l = &r->layers[i];

		printf("%*zu  %*llu  %*llu  %*llu  %*llu  %*llu  %*llu  ",
		       w[0], i + 1, w[1], (unsigned long long)l->added, w[2],
		       (unsigned long long)l->modified, w[3],
		       (unsigned long long)l->removed, w[4],
		       (unsigned long long)l->files, w[5],
		       (unsigned long long)l->bytes, w[6],
		       (unsigned long long)l->wasted);
		show_name(stdout, show_basename(in->layers[i]),
			  strlen(show_basename(in->layers[i])));
		putchar('\n');
	}
	printf("\nbytes: %llu\nwasted: %llu (%.2f%%)\n"
	       "efficiency: %.4f (%llu of %llu bytes in the final tree)\n",
	       (unsigned long long)r->bytes, (unsigned long long)r->wasted,
	       pct(r->wasted, r->bytes), r->efficiency,
	       (unsigned long long)(r->bytes - r->wasted),
	       (unsigned long long)r->bytes);
	if (!in->top)
		return;
	if (!r->nwaste) {
		fputs("\nlargest wasted files: none\n", stdout);
		return;
	}
	w[0] = 5;
	for (size_t i = 0; i < r->nwaste; i++)
		if (digits(r->waste[i].bytes) > w[0])
			w[0] = digits(r->waste[i].bytes);
	printf("\nlargest wasted files:\n%*s  layer  by  path\n", w[0],
	       "bytes");
	for (size_t i = 0; i < r->nwaste; i++) {
		printf("%*llu  %5u  %2u  ", w[0],
		       (unsigned long long)r->waste[i].bytes,
		       r->waste[i].layer + 1, r->waste[i].by + 1);
		show_name(stdout, r->waste[i].path, strlen(r->waste[i].path));
		putchar('\n');
	}
}

/* Prints each broken rule on stderr. CMD_OK or CMD_FAIL. */
static int check_rules(const struct rules *ru, const struct inspect_report *r)
{
	int rc = CMD_OK;

	if (ru->max_wasted && ru->wasted_pct &&
	    pct(r->wasted, r->bytes) > ru->wasted_limit)
		rc = cmd_fail("inspect: rule '--max-wasted %s' broken: %.2f%% "
			      "of the image's bytes are wasted (%llu of %llu)",
			      ru->max_wasted, pct(r->wasted, r->bytes),
			      (unsigned long long)r->wasted,
			      (unsigned long long)r->bytes);
	if (ru->max_wasted && !ru->wasted_pct &&
	    (double)r->wasted > ru->wasted_limit)
		rc = cmd_fail("inspect: rule '--max-wasted %s' broken: %llu "
			      "bytes are wasted", ru->max_wasted,
			      (unsigned long long)r->wasted);
	if (ru->min_eff && r->efficiency < ru->eff_limit)
		rc = cmd_fail("inspect: rule '--min-efficiency %s' broken: "
			      "efficiency is %.4f", ru->min_eff,
			      r->efficiency);
	return rc;
}

static int parse(int argc, char **argv, struct insp *in,
		 struct cmd_layer_opts *lo)
{
	bool done;
	int rc;
	long v;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", inspect_opts, NULL)) != -1) {
		switch (c) {
		case SHOW_OPT_LAYER:
			if (parse_count(optarg, 1L << 30, &v) || !v)
				return cmd_usage("inspect", "bad layer number "
						 "'%s'", optarg);
			in->layer = v;
			break;
		case SHOW_OPT_TOP:
			if (parse_count(optarg, 1L << 20, &v))
				return cmd_usage("inspect", "bad count '%s'",
						 optarg);
			in->top = (size_t)v;
			break;
		case SHOW_OPT_MAX_WASTED:
			if (parse_wasted(optarg, &in->rules))
				return cmd_usage("inspect", "bad --max-wasted "
						 "'%s' (BYTES[K|M|G|T] or "
						 "PERCENT%%)", optarg);
			break;
		case SHOW_OPT_MIN_EFFICIENCY:
			if (parse_eff(optarg, &in->rules))
				return cmd_usage("inspect", "bad --min-efficiency"
						 " '%s' (a ratio from 0 to 1)",
						 optarg);
			break;
		case SHOW_OPT_JSON: in->json = true; break;
		default:
			rc = cmd_layer_option("inspect", c, argv, lo, &done);
			if (done)
				return rc;
		}
	}
	return -1;
}

int cmd_inspect(int argc, char **argv)
{
	struct cmd_layer_opts lo = { 0 };
	struct insp in = { .top = 10 };
	struct inspect_opts io = { .layer = -1 };
	struct inspect_report r;
	struct show_args sa;
	struct show_stack st;
	struct err e;
	size_t n;
	int rc;

	show_split(argc, argv, &sa);
	if ((rc = parse(sa.optc, argv, &in, &lo)) >= 0)
		return rc;
	if (sa.npaths)
		return cmd_usage("inspect", "inspect takes no image paths");
	n = (size_t)(sa.optc - optind);
	rc = show_load("inspect", argv + optind, n, &lo, &st);
	if (rc)
		return rc;
	in.layers = st.names;
	if (in.layer && (size_t)in.layer > st.n) {
		show_stack_release(&st);
		return cmd_usage("inspect", "no layer %ld: the stack has %zu",
				 in.layer, st.n);
	}
	err_clear(&e);
	io.top = in.layer ? 0 : in.top;
	if (in.layer) {
		io.layer = (int)in.layer - 1;
		io.fn = print_change;
		io.ctx = &in;
	}
	rc = inspect_run(st.ovl, &io, &r, &e);
	if (rc) {
		rc = cmd_report(&e);
	} else {
		if (!in.layer && in.json)
			print_json(&in, &r);
		else if (!in.layer)
			print_text(&in, &r);
		rc = check_rules(&in.rules, &r);	/* main checks stdout */
	}
	inspect_report_release(&r);
	show_stack_release(&st);
	return rc;
}
