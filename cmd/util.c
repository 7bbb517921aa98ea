/*
 * util: what every command shares: printing errors once, the output file,
 * signals, and loading a stack of layers (in parallel: each layer is its
 * own memfs, so layers load on separate threads with no locking).
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/suggest.h"
#include "cmd/cmd.h"
#include "core/ovl.h"
#include "image/image.h"
#include "layers/dirout.h"
#include "layers/memfs.h"
#include "layers/tarin.h"

int cmd_report(const struct err *e)
{
	char buf[1400];

	cmd_progress_stop();
	fprintf(stderr, "overtar: %s\n", err_format(e, buf, sizeof(buf)));
	return CMD_FAIL;
}

static void vmessage(const char *fmt, va_list ap)
{
	cmd_progress_stop();
	fputs("overtar: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int cmd_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap);
	va_end(ap);
	return CMD_FAIL;
}

int cmd_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	cmd_progress_stop();
	fprintf(stderr, "overtar: %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'overtar help %s')\n", cmd);
	return CMD_USAGE;
}

static void on_signal(int sig)
{
	sink_cleanup_all();
	dirout_sig_cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

void cmd_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);	/* EPIPE is reported as an error */
}

int cmd_comp_option(const char *cmd, const char *arg, enum sink_comp *comp,
		    bool *given)
{
	if (cmd_parse_comp(arg, comp))
		return cmd_usage(cmd, "unknown compression '%s'", arg);
	*given = true;
	return CMD_OK;
}

int cmd_parse_comp(const char *s, enum sink_comp *out)
{
	if (!strcmp(s, "none"))
		*out = SINK_NONE;
	else if (!strcmp(s, "gzip") || !strcmp(s, "gz"))
		*out = SINK_GZIP;
	else if (!strcmp(s, "zstd") || !strcmp(s, "zst"))
		*out = SINK_ZSTD;
	else
		return -EINVAL;
	return 0;
}

int cmd_source_date_epoch(const char *cmd, struct timespec *ts, bool *set)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	int rc;

	*set = sde != NULL;
	if (!sde)
		clock_gettime(CLOCK_REALTIME, ts);
	else if ((rc = cmd_parse_epoch(sde, ts)) == -ERANGE)
		return cmd_usage(cmd, "SOURCE_DATE_EPOCH is past the last "
				 "second an image can say, %s: '%s'",
				 CMD_EPOCH_MAX_TEXT, sde);
	else if (rc)
		return cmd_usage(cmd, "SOURCE_DATE_EPOCH is not seconds since "
				 "the epoch: '%s'", sde);
	return CMD_OK;
}

int cmd_parse_epoch(const char *s, struct timespec *ts)
{
	char *end;
	long long v;
	long ns = 0;
	int digits = 0;

	errno = 0;
	if (*s < '0' || *s > '9')
		return -EINVAL;	/* no sign, no space: digits */
	v = strtoll(s, &end, 10);
	if (errno || v > CMD_EPOCH_MAX)
		return -ERANGE;
	if (*end == '.')
		for (end++; *end >= '0' && *end <= '9'; end++)
			if (digits++ < 9)
				ns = ns * 10 + (*end - '0');
	while (digits && digits++ < 9)
		ns *= 10;
	if (*end)
		return -EINVAL;
	ts->tv_sec = (time_t)v;
	ts->tv_nsec = ns;
	return 0;
}

static int parse_limit(const char *cmd, int c, const char *arg,
		       struct cmd_layer_opts *lo)
{
	static const char units[] = "KMGT";
	const char *u;
	unsigned long long v;
	char *end;
	int shift = 0;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if ((c == CMD_OPT_MAX_SPOOL || c == CMD_OPT_MAX_ADDED) && *end &&
	    !end[1] &&
	    (u = strchr(units, *end))) {
		shift = 10 * (int)(u - units + 1);
		end++;
	}
	if (errno || end == arg || *end || *arg == '-' || !v ||
	    v > (UINT64_MAX >> shift) ||
	    (c == CMD_OPT_MAX_PATH_DEPTH && v > SIZE_MAX))
		return cmd_usage(cmd, "invalid limit '%s'", arg);
	if (c == CMD_OPT_MAX_ENTRIES)
		lo->max_entries = v;
	else if (c == CMD_OPT_MAX_PATH_DEPTH)
		lo->max_depth = (size_t)v;
	else if (c == CMD_OPT_MAX_ADDED)
		lo->max_added = (uint64_t)v << shift;
	else
		lo->max_spool = (uint64_t)v << shift;
	return CMD_OK;
}

/*
 * "unknown option", with the closest long options when there are some: the
 * command's own, as its usage text lists them, and the layer options.
 */
static int unknown_option(const char *cmd, const char *word)
{
	static const struct option layer_opts[] = { CMD_LAYER_OPTIONS };
	const struct cmd_struct *cs = cmd_find(cmd);
	const char *names[64], *u = cs ? cs->usage : "";
	char buf[64][32], near[256] = "", *eq;
	char given[64];
	size_t n = 0;

	for (size_t i = 0; i < sizeof(layer_opts) / sizeof(layer_opts[0]) &&
			   n < 64; i++, n++) {
		snprintf(buf[n], sizeof(buf[n]), "--%s", layer_opts[i].name);
		names[n] = buf[n];
	}
	while (n < 64 && (u = strstr(u, "--"))) {
		size_t k = 2 + strspn(u + 2, "abcdefghijklmnopqrstuvwxyz-");

		if (k > 2 && k < sizeof(buf[n])) {
			snprintf(buf[n], sizeof(buf[n]), "%.*s", (int)k, u);
			names[n] = buf[n];
			n++;
		}
		u += k;
	}
	snprintf(given, sizeof(given), "%s", word);
	if ((eq = strchr(given, '=')))
		*eq = '\0';
	if (!strncmp(given, "--", 2))	/* -Q: every letter is as close */
		suggest_names(given, names, n, near, sizeof(near));
	if (near[0])
		return cmd_usage(cmd, "unknown option '%s'; did you mean %s?",
				 word, near);
	return cmd_usage(cmd, "unknown option '%s'", word);
}

int cmd_layer_option(const char *cmd, int c, char **argv,
		     struct cmd_layer_opts *lo, bool *done)
{
	*done = false;
	switch (c) {
	case CMD_OPT_KEEP_DIRLINKS:
		lo->keep_dirlinks = true;
		return 0;
	case CMD_OPT_SPOOL_DIR:
		lo->spool_dir = optarg;
		return 0;
	case CMD_OPT_PLATFORM: {
		struct err e;

		err_clear(&e);
		*done = image_platform_set(optarg, &e) != 0;
		return *done ? cmd_usage(cmd, "--platform %s", e.msg) : 0;
	}
	case 'q':
		lo->quiet = true;
		return 0;
	case 'v':
		lo->verbose = true;
		return 0;
	case CMD_OPT_PROGRESS:
		lo->progress = true;
		return 0;
	case CMD_OPT_MAX_ENTRIES:
	case CMD_OPT_MAX_PATH_DEPTH:
	case CMD_OPT_MAX_SPOOL:
	case CMD_OPT_MAX_ADDED:
		*done = parse_limit(cmd, c, optarg, lo) != CMD_OK;
		return *done ? CMD_USAGE : 0;
	}
	*done = true;
	if (c == 'h')
		return cmd_help(2, (char *[]){ "help", (char *)cmd, NULL });
	if (c == ':')
		return cmd_usage(cmd, "option '%s' needs a value",
				 argv[optind - 1]);
	return unknown_option(cmd, argv[optind - 1]);
}

void cmd_drop_stack(struct ovl *ovl)
{
	static struct ovl *exit_owned;

	if (exit_owned)		/* one stack per process; a second is freed */
		ovl_free(exit_owned);
	exit_owned = ovl;
}

struct loader {
	struct tarin_src *srcs;	/* layer files, and image layers expanded */
	const struct cmd_layer_opts *o;
	struct memfs **fs;
	struct err *errs;
	int *rcs;
	size_t n, next;
	pthread_mutex_t lock;
	_Atomic uint64_t spool_used;	/* --max-spool counts all layers */
	struct progress *progress;	/* or NULL */
};

static void *load_worker(void *arg)
{
	struct loader *l = arg;
	struct tarin_opts to = { .spool_dir = l->o->spool_dir,
				 .max_entries = l->o->max_entries,
				 .max_depth = l->o->max_depth,
				 .max_spool = l->o->max_spool,
				 .spool_used = l->o->spool_used ? l->o->spool_used
					       : &l->spool_used,
				 .progress = l->progress };

	for (;;) {
		size_t i;

		pthread_mutex_lock(&l->lock);
		i = l->next++;
		pthread_mutex_unlock(&l->lock);
		if (i >= l->n)
			return NULL;
		l->rcs[i] = tarin_load_src(&l->srcs[i], &to, &l->fs[i],
					   &l->errs[i]);
		progress_add(l->progress, layers_done, 1);
	}
}

/* Loads every layer; on failure reports the first failing layer. */
static int load_all(struct loader *l, struct err *e)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nt = l->n < (size_t)(cpus > 0 ? cpus : 1) ? l->n
			: (size_t)(cpus > 0 ? cpus : 1);
	pthread_t tids[64];
	size_t started = 0;
	int rc = 0;

	if (nt > 64)
		nt = 64;
	for (; started < nt; started++)
		if (pthread_create(&tids[started], NULL, load_worker, l))
			break;
	if (!started)
		load_worker(l);
	for (size_t i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	for (size_t i = 0; i < l->n && !rc; i++) {
		if (l->rcs[i]) {
			rc = l->rcs[i];
			*e = l->errs[i];
		}
	}
	return rc;
}

/* The layers' count and bytes, for progress: 0 bytes when one is a pipe. */
static void input_totals(struct progress *p, const struct tarin_src *srcs,
			 size_t n)
{
	uint64_t total = 0;
	struct stat st;

	if (!p)
		return;
	for (size_t i = 0; i < n; i++) {
		if (srcs[i].window)
			total += srcs[i].len;
		else if (strcmp(srcs[i].path, "-") && !stat(srcs[i].path, &st) &&
			 S_ISREG(st.st_mode))
			total += (uint64_t)st.st_size;
		else
			total = UINT64_MAX;
		if (total == UINT64_MAX)
			break;
	}
	p->nlayers += (uint32_t)n;
	p->in_total = total == UINT64_MAX ? 0 : p->in_total + total;
	cmd_progress_phase(PROGRESS_READ);
}

int cmd_check_layers(const char *cmd, char **paths, size_t n)
{
	size_t stdins = 0;

	if (!n)
		return cmd_usage(cmd, "no layers given");
	for (size_t i = 0; i < n; i++)
		stdins += !strcmp(paths[i], "-");
	if (stdins > 1)
		return cmd_usage(cmd, "standard input ('-') given as a layer "
				 "more than once");
	return CMD_OK;
}

int cmd_load_stack(char **paths, size_t n, const struct cmd_layer_opts *o,
		   struct ovl **out, struct err *e)
{
	struct loader l = { .o = o };
	struct ovl_opts oo = { .writable = o->writable,
			       .keep_dirlinks = o->keep_dirlinks };
	struct cmd_inputs in;
	char **names = NULL;
	int rc;

	if (o->names)
		*o->names = NULL;
	if (o->digests)
		*o->digests = *o->commands = NULL;
	l.progress = cmd_progress_start(o);	/* -v: what inputs are */
	rc = cmd_inputs_expand(paths, n, &in, e);
	if (rc)
		return rc;
	l.srcs = in.srcs;
	l.n = in.nsrcs;
	input_totals(l.progress, in.srcs, l.n);
	rc = -ENOMEM;
	/* what a script makes is bounded as what a layer holds */
	oo.max_depth = o->max_depth ? o->max_depth : TARIN_MAX_DEPTH;
	oo.max_path = TARIN_MAX_PATH;
	oo.max_entries = o->max_entries ? o->max_entries : TARIN_MAX_ENTRIES;
	oo.max_added = o->max_added ? o->max_added : CMD_MAX_ADDED;
	oo.now = o->now;
	if (!oo.now.tv_sec && !oo.now.tv_nsec)
		clock_gettime(CLOCK_REALTIME, &oo.now);
	pthread_mutex_init(&l.lock, NULL);
	l.fs = calloc(l.n, sizeof(*l.fs));
	l.errs = calloc(l.n, sizeof(*l.errs));
	l.rcs = calloc(l.n, sizeof(*l.rcs));
	if (!l.fs || !l.errs || !l.rcs)
		goto out;
	rc = load_all(&l, e);
	/* the names while the images are at hand: no second parse */
	if (!rc && o->names)
		rc = cmd_inputs_names(paths, n, &in, &names);
	if (!rc && o->digests)
		rc = cmd_inputs_layer_info(paths, n, &in, o->digests,
					   o->commands);
	if (!rc)
		rc = ovl_new(l.fs, l.n, &oo, out, e);
	if (rc) {
		for (size_t i = 0; i < l.n; i++)
			memfs_free(l.fs[i]);
		cmd_names_free(names, l.n);
		names = NULL;
		if (o->digests) {
			cmd_names_free(*o->digests, l.n);
			cmd_names_free(*o->commands, l.n);
			*o->digests = *o->commands = NULL;
		}
	}
	if (o->names)
		*o->names = names;
out:
	cmd_inputs_release(&in, rc ? NULL : o->image);
	free(l.fs);
	free(l.errs);
	free(l.rcs);
	pthread_mutex_destroy(&l.lock);
	return err_set(e, rc, NULL);
}

int cmd_output_time(const char *cmd, const char *mtime, struct timespec *ts,
		    bool *fixed)
{
	*fixed = true;
	if (mtime && cmd_parse_epoch(mtime, ts))
		return cmd_usage(cmd, "--mtime takes seconds since the epoch, "
				 "not '%s'", mtime);
	if (mtime)
		return CMD_OK;
	return cmd_source_date_epoch(cmd, ts, fixed);
}
