/*
 * inspect: per layer (by index, short digest and history command), what
 * it adds, modifies and removes, the bytes it carries and those of them a
 * later layer hides or deletes (wasted); the image's figures by overlay
 * rules and by dive's; the largest wasted files. --layer N lists one
 * layer's changes as A/M/D lines with sizes. CI rules (dive's, also from
 * a .dive-ci file, and overtar's own) are evaluated as dive's CI mode
 * does (cmd/inspect_ci.c). The analysis is core/inspect.c; this file only
 * prints it: sizes in dive's units on a terminal, exact otherwise, with
 * --bytes and in --json.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/inspect_ci.h"
#include "cmd/show.h"
#include "core/inspect.h"
#include "core/ovl.h"
#include "layers/memfs.h"

enum inspect_opt {
	OPT_BYTES = 0x200,
	OPT_CI,
	OPT_CI_CONFIG,
	OPT_LOWEST_EFFICIENCY,	/* in enum inspect_ci_rule's order, below */
	OPT_HIGHEST_WASTED_BYTES,
	OPT_HIGHEST_USER_WASTED_PERCENT,
};

static const struct option inspect_opts[] = {
	{ "layer", required_argument, NULL, SHOW_OPT_LAYER },
	{ "top", required_argument, NULL, SHOW_OPT_TOP },
	{ "json", no_argument, NULL, SHOW_OPT_JSON },
	{ "bytes", no_argument, NULL, OPT_BYTES },
	{ "ci", no_argument, NULL, OPT_CI },
	{ "ci-config", required_argument, NULL, OPT_CI_CONFIG },
	{ "lowest-efficiency", required_argument, NULL, OPT_LOWEST_EFFICIENCY },
	{ "highest-wasted-bytes", required_argument, NULL,
	  OPT_HIGHEST_WASTED_BYTES },
	{ "highest-user-wasted-percent", required_argument, NULL,
	  OPT_HIGHEST_USER_WASTED_PERCENT },
	{ "max-wasted", required_argument, NULL, SHOW_OPT_MAX_WASTED },
	{ "min-efficiency", required_argument, NULL, SHOW_OPT_MIN_EFFICIENCY },
	CMD_LAYER_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

struct insp {
	struct show_stack *st;
	bool json, exact;
	long layer;			/* --layer, 1-based; 0: none */
	size_t top;
	const char *ci_config;
	bool by_option[CI_NRULES];
	struct inspect_ci ci;
};

/* "N", "NK", "NMiB"... (powers of 1024) or "P%". 0, or -EINVAL. */
static int parse_wasted(const char *s, struct inspect_own_rules *r)
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

static int parse_eff(const char *s, struct inspect_own_rules *r)
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

/* A size as text output shows it: exact, or in dive's units. */
static const char *size_str(const struct insp *in, uint64_t v, char buf[32])
{
	if (in->exact)
		snprintf(buf, 32, "%llu", (unsigned long long)v);
	else
		show_si_bytes(v, buf);
	return buf;
}

/* The size --layer shows: content, or a symlink's target. */
static uint64_t entry_size(const struct memfs_inode *ino)
{
	if (S_ISREG(ino->mode))
		return ino->u.data->size;
	return S_ISLNK(ino->mode) ? ino->target_len : 0;
}

/* One change of --layer N. */
static int print_change(void *ctx, enum inspect_change c, const char *path,
			size_t len, const struct memfs_inode *ino)
{
	const struct insp *in = ctx;
	char buf[32];

	if (in->json) {
		printf("{\"change\":\"%c\",\"path\":", (char)c);
		show_json_str(stdout, path, len);
		printf(",\"type\":\"%s\",\"size\":%llu}\n",
		       show_type_json(ino->mode),
		       (unsigned long long)entry_size(ino));
	} else {
		printf("%c\t%s\t", (char)c, size_str(in, entry_size(ino), buf));
		show_name(stdout, path, len);
		putchar('\n');
	}
	return ferror(stdout) ? -EPIPE : 0;	/* main says what failed */
}

/* A JSON string, or null. */
static void json_or_null(const char *s)
{
	if (s)
		show_json_str(stdout, s, strlen(s));
	else
		fputs("null", stdout);
}

/* A float for JSON: the shortest that reads back; null when not finite. */
static void json_float(double v)
{
	char buf[40];

	fputs(isfinite(v) ? show_go_float(v, buf) : "null", stdout);
}

static void print_json(const struct insp *in, const struct inspect_report *r)
{
	const struct inspect_dive *d = &r->dive;

	for (size_t i = 0; i < r->nlayers; i++) {
		const struct inspect_layer *l = &r->layers[i];

		printf("{\"record\":\"layer\",\"layer\":%zu,\"layer_file\":",
		       i + 1);
		json_or_null(in->st->names[i]);
		printf(",\"added\":%llu,\"modified\":%llu,\"removed\":%llu,"
		       "\"files\":%llu,\"bytes\":%llu,\"wasted\":%llu,"
		       "\"digest\":", (unsigned long long)l->added,
		       (unsigned long long)l->modified,
		       (unsigned long long)l->removed,
		       (unsigned long long)l->files,
		       (unsigned long long)l->bytes,
		       (unsigned long long)l->wasted);
		json_or_null(in->st->digests[i]);
		fputs(",\"command\":", stdout);
		json_or_null(in->st->commands[i]);
		fputs("}\n", stdout);
	}
	printf("{\"record\":\"image\",\"layers\":%zu,\"bytes\":%llu,"
	       "\"wasted\":%llu,\"wasted_percent\":%.6f,\"efficiency\":%.6f,"
	       "\"size_bytes\":%llu,\"user_size_bytes\":%llu,"
	       "\"wasted_bytes\":%llu,\"dive_efficiency\":",
	       r->nlayers, (unsigned long long)r->bytes,
	       (unsigned long long)r->wasted, pct(r->wasted, r->bytes),
	       r->efficiency, (unsigned long long)d->size_bytes,
	       (unsigned long long)d->user_size_bytes,
	       (unsigned long long)d->wasted_bytes);
	json_float(d->efficiency);
	fputs(",\"user_wasted_percent\":", stdout);
	json_float(d->wasted_user_percent);
	fputs("}\n", stdout);
	for (size_t i = 0; i < r->nwaste; i++) {
		const struct inspect_waste *w = &r->waste[i];

		fputs("{\"record\":\"wasted\",\"path\":", stdout);
		show_json_str(stdout, w->path, strlen(w->path));
		printf(",\"bytes\":%llu,\"layer\":%u,\"by\":%u}\n",
		       (unsigned long long)w->bytes, w->layer + 1, w->by + 1);
	}
	for (size_t i = 0; i < d->nfiles; i++) {
		fputs("{\"record\":\"inefficient\",\"path\":", stdout);
		show_json_str(stdout, d->files[i].path,
			      strlen(d->files[i].path));
		printf(",\"count\":%llu,\"bytes\":%llu}\n",
		       (unsigned long long)d->files[i].count,
		       (unsigned long long)d->files[i].bytes);
	}
}

/* The cells of the layer table, right-aligned but for the last. */
#define NCOL 8
static void print_layers(const struct insp *in, const struct inspect_report *r)
{
	static const char *const head[NCOL] = { "layer", "digest", "added",
		"modified", "removed", "files", "bytes", "wasted" };
	int w[NCOL];
	char (*cell)[NCOL][32] = calloc(r->nlayers ? r->nlayers : 1,
					sizeof(*cell));

	if (!cell)
		return;
	for (int k = 0; k < NCOL; k++)
		w[k] = (int)strlen(head[k]);
	for (size_t i = 0; i < r->nlayers; i++) {
		const struct inspect_layer *l = &r->layers[i];
		const char *dg = in->st->digests[i];

		snprintf(cell[i][0], 32, "%zu", i + 1);
		/* docker's short id: 12 hex digits of the digest */
		snprintf(cell[i][1], 32, "%.12s", dg ? dg + 7 : "-");
		snprintf(cell[i][2], 32, "%llu", (unsigned long long)l->added);
		snprintf(cell[i][3], 32, "%llu",
			 (unsigned long long)l->modified);
		snprintf(cell[i][4], 32, "%llu",
			 (unsigned long long)l->removed);
		snprintf(cell[i][5], 32, "%llu", (unsigned long long)l->files);
		size_str(in, l->bytes, cell[i][6]);
		size_str(in, l->wasted, cell[i][7]);
		for (int k = 0; k < NCOL; k++)
			if ((int)strlen(cell[i][k]) > w[k])
				w[k] = (int)strlen(cell[i][k]);
	}
	for (int k = 0; k < NCOL; k++)
		printf(k == 1 ? "%-*s  " : "%*s  ", w[k], head[k]);
	fputs("command\n", stdout);
	for (size_t i = 0; i < r->nlayers; i++) {
		const char *what = in->st->commands[i];

		for (int k = 0; k < NCOL; k++)
			printf(k == 1 ? "%-*s  " : "%*s  ", w[k], cell[i][k]);
		if (!what)
			what = show_basename(in->st->names[i]);
		show_name(stdout, what, strlen(what));
		putchar('\n');
	}
	free(cell);
}

/* dive's "Analysis:" and "Inefficient Files:" sections, as dive prints. */
static void print_dive(const struct insp *in, const struct inspect_dive *d)
{
	char b[32];

	printf("\nAnalysis:\n  %-18s %.2f %%\n", "efficiency:",
	       d->efficiency * 100);
	if (d->wasted_bytes)
		printf("  %-18s %llu bytes (%s)\n  %-18s %.2f %%\n",
		       "wastedBytes:", (unsigned long long)d->wasted_bytes,
		       show_si_bytes(d->wasted_bytes, b), "userWastedPercent:",
		       d->wasted_user_percent * 100);
	else
		printf("  %-18s 0 bytes \n  %-18s 0 %%\n", "wastedBytes:",
		       "userWastedPercent:");
	if (!in->top)
		return;
	if (!d->nfiles) {
		fputs("\nInefficient Files: (None)\n", stdout);
		return;
	}
	printf("\nInefficient Files:\n  %-5s  %-12s  %-s\n", "Count",
	       "Wasted Space", "File Path");
	for (size_t i = 0; i < d->nfiles; i++) {
		printf("  %-5llu  %-12s  ", (unsigned long long)d->files[i].count,
		       size_str(in, d->files[i].bytes, b));
		show_name(stdout, d->files[i].path, strlen(d->files[i].path));
		putchar('\n');
	}
}

static void print_text(const struct insp *in, const struct inspect_report *r)
{
	char a[32], b[32], c[32];
	int w;

	print_layers(in, r);
	printf("\nbytes: %s\nwasted: %s (%.2f%%)\n",
	       size_str(in, r->bytes, a), size_str(in, r->wasted, b),
	       pct(r->wasted, r->bytes));
	printf("efficiency: %.4f (%s of %s in the final tree)\n", r->efficiency,
	       size_str(in, r->bytes - r->wasted, c), a);
	print_dive(in, &r->dive);
	if (!in->top)
		return;
	if (!r->nwaste) {
		fputs("\nlargest wasted files: none\n", stdout);
		return;
	}
	w = 5;
	for (size_t i = 0; i < r->nwaste; i++)
		if ((int)strlen(size_str(in, r->waste[i].bytes, a)) > w)
			w = (int)strlen(a);
	printf("\nlargest wasted files:\n%*s  layer  by  path\n", w, "bytes");
	for (size_t i = 0; i < r->nwaste; i++) {
		printf("%*s  %5u  %2u  ", w, size_str(in, r->waste[i].bytes, a),
		       r->waste[i].layer + 1, r->waste[i].by + 1);
		show_name(stdout, r->waste[i].path, strlen(r->waste[i].path));
		putchar('\n');
	}
}

/* One option of inspect's own. CMD_OK, or CMD_USAGE after printing. */
static int take_option(int c, struct insp *in)
{
	const char *why = NULL;
	long v;

	switch (c) {
	case SHOW_OPT_LAYER:
		if (parse_count(optarg, 1L << 30, &v) || !v)
			return cmd_usage("inspect", "bad layer number '%s'",
					 optarg);
		in->layer = v;
		return CMD_OK;
	case SHOW_OPT_TOP:
		if (parse_count(optarg, 1L << 20, &v))
			return cmd_usage("inspect", "bad count '%s'", optarg);
		in->top = (size_t)v;
		return CMD_OK;
	case SHOW_OPT_MAX_WASTED:
		if (parse_wasted(optarg, &in->ci.own))
			return cmd_usage("inspect", "bad --max-wasted '%s' "
					 "(BYTES[K|M|G|T] or PERCENT%%)", optarg);
		return CMD_OK;
	case SHOW_OPT_MIN_EFFICIENCY:
		if (parse_eff(optarg, &in->ci.own))
			return cmd_usage("inspect", "bad --min-efficiency '%s' "
					 "(a ratio from 0 to 1)", optarg);
		return CMD_OK;
	case SHOW_OPT_JSON: in->json = true; return CMD_OK;
	case OPT_BYTES: in->exact = true; return CMD_OK;
	case OPT_CI: in->ci.dive = true; return CMD_OK;
	case OPT_CI_CONFIG:
		in->ci_config = optarg;
		in->ci.dive = true;
		return CMD_OK;
	}
	/* --lowest-efficiency and the others: enum inspect_ci_rule order */
	c = c == OPT_LOWEST_EFFICIENCY ? CI_LOWEST_EFFICIENCY :
	    c == OPT_HIGHEST_WASTED_BYTES ? CI_HIGHEST_WASTED_BYTES :
	    CI_HIGHEST_USER_WASTED_PERCENT;
	if (inspect_ci_check(c, optarg, &why))
		return cmd_usage("inspect", "bad %s '%s' (%s, or disabled)",
				 inspect_ci_name(c), optarg, why);
	in->ci.value[c] = optarg;
	in->by_option[c] = true;
	in->ci.dive = true;
	return CMD_OK;
}

static int parse(int argc, char **argv, struct insp *in,
		 struct cmd_layer_opts *lo)
{
	char msg[512];
	bool done;
	int rc, c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h" CMD_LAYER_SHORT,
					 inspect_opts, NULL)) != -1) {
		if ((c >= OPT_BYTES && c <= OPT_HIGHEST_USER_WASTED_PERCENT) ||
		    (c >= SHOW_OPT_JSON && c <= SHOW_OPT_MIN_EFFICIENCY)) {
			if ((rc = take_option(c, in)))
				return rc;
			continue;
		}
		rc = cmd_layer_option("inspect", c, argv, lo, &done);
		if (done)
			return rc;
	}
	if (in->ci_config && inspect_ci_load(&in->ci, in->ci_config,
					     in->by_option, msg, sizeof(msg)))
		return cmd_usage("inspect", "CI file '%s': %s", in->ci_config,
				 msg);
	return -1;
}

/* The report, the rules' verdict, and the exit status. */
static int report(struct insp *in, const struct inspect_report *r)
{
	bool rules = in->ci.dive || in->ci.own.max_wasted ||
		     in->ci.own.min_eff;
	int failed = 0;

	if (!in->layer && in->json)
		print_json(in, r);
	else if (!in->layer)
		print_text(in, r);
	if (!in->layer && rules)
		failed = inspect_ci_evaluate(&in->ci, r, stdout, in->json);
	return failed ? CMD_FAIL : CMD_OK;	/* main checks stdout */
}

int cmd_inspect(int argc, char **argv)
{
	struct cmd_layer_opts lo = { 0 };
	struct show_stack st;
	struct insp in = { .top = 10, .st = &st };
	struct inspect_opts io = { .layer = -1 };
	struct inspect_report r;
	struct show_args sa;
	struct err e;
	size_t n;
	int rc;

	in.exact = !isatty(STDOUT_FILENO);
	show_split(argc, argv, &sa);
	if ((rc = parse(sa.optc, argv, &in, &lo)) >= 0)
		goto out;
	rc = CMD_USAGE;
	if (sa.npaths) {
		rc = cmd_usage("inspect", "inspect takes no image paths");
		goto out;
	}
	n = (size_t)(sa.optc - optind);
	rc = show_load("inspect", argv + optind, n, &lo, &st);
	if (rc)
		goto out;
	if (in.layer && (size_t)in.layer > st.n) {
		rc = cmd_usage("inspect", "no layer %ld: the stack has %zu",
			       in.layer, st.n);
		goto out_stack;
	}
	err_clear(&e);
	io.top = in.layer ? 0 : in.top;
	if (in.layer) {
		io.layer = (int)in.layer - 1;
		io.fn = print_change;
		io.ctx = &in;
	}
	rc = inspect_run(st.ovl, &io, &r, &e);
	if (rc == -EPIPE)	/* stdout failed: main says, or not for | head */
		rc = CMD_OK;
	else
		rc = rc ? cmd_report(&e) : report(&in, &r);
	inspect_report_release(&r);
out_stack:
	show_stack_release(&st);
out:
	inspect_ci_release(&in.ci);
	return rc;
}
