/*
 * cmd: the command-line front ends. Each command is cmd/NAME.c with
 * int cmd_NAME(int argc, char **argv), listed once in cmd/main.c's table.
 * This is the only place that prints: errors are formatted once from the
 * struct err the engine filled in. A command returns its exit status
 * (CMD_*); main then checks stdout once (fflush, ferror, fclose, as git's
 * run_builtin does), so a command prints to stdout and never checks or
 * closes it itself. Where the tree goes is cmd/output.c's table of
 * outputs; the stack of layers comes from cmd_load_stack.
 *
 * Adding a command (git's builtin.h keeps the same list):
 *  1. cmd/NAME.c with int cmd_NAME(int argc, char **argv), declared
 *     below; it parses its own options (getopt_long, long-only options
 *     as named enum ids), returns CMD_OK, CMD_FAIL or CMD_USAGE, and
 *     prints errors only through cmd_report, cmd_fail or cmd_usage.
 *  2. One row in cmd/main.c's commands[]: name, function, summary and
 *     the usage text that lists every option the command takes.
 *  3. Layers are loaded with cmd_load_stack (the options every loading
 *     command shares come from cmd_layer_opts); outputs are opened
 *     through cmd/output.c's table, never by hand.
 *  4. man/overtar.1 gets a section with the same options; README.md
 *     a line; tests/cli/NAME_*.sh the behaviour, its errors and their
 *     exact exit statuses.
 */
#ifndef OVERTAR_CMD_H
#define OVERTAR_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/err.h"
#include "base/progress.h"
#include "layers/entry.h"
#include "layers/sink.h"

struct dirout;
struct entry_writer;
struct image;
struct image_out_opts;
struct image_writer;
struct memfs;
struct ovl;
struct tarin_src;
struct tarout;

struct cmd_struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
	const char *usage;	/* full usage text, for help and errors */
};

/* Exit statuses: failures 1, usage errors 2 (git's run_builtin). */
enum { CMD_OK = 0, CMD_FAIL = 1, CMD_USAGE = 2 };

int cmd_build(int argc, char **argv);
int cmd_cat(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_flatten(int argc, char **argv);
int cmd_help(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_ls(int argc, char **argv);
int cmd_mod(int argc, char **argv);
int cmd_rebase(int argc, char **argv);
int cmd_squash(int argc, char **argv);
int cmd_stat(int argc, char **argv);
int cmd_version(int argc, char **argv);

/* The table entry for name, or NULL. */
const struct cmd_struct *cmd_find(const char *name);

/* Prints "overtar: MSG" for e on stderr. Returns CMD_FAIL. */
int cmd_report(const struct err *e);
/* Prints "overtar: FMT" on stderr. Returns CMD_FAIL. */
int cmd_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * Prints one line "overtar: CMD: FMT (see 'overtar help CMD')" on stderr.
 * Returns CMD_USAGE.
 */
int cmd_usage(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Installs the SIGINT/SIGTERM/SIGHUP handler that removes temporary output
 * files before the process dies of the signal.
 */
void cmd_signals(void);

/* --max-added by default: as much as the spool holds (TARIN_MAX_SPOOL). */
#define CMD_MAX_ADDED (64ULL << 30)

/* Options shared by every command that reads layers. */
struct cmd_layer_opts {
	bool keep_dirlinks;
	bool writable;
	bool quiet;		/* -q: no warnings, no progress */
	bool verbose;		/* -v: the closing summary */
	bool progress;		/* --progress: even when stderr is no tty */
	const char *spool_dir;
	/* overtar(1) LIMITS, as struct tarin_opts; 0: the default */
	uint64_t max_entries, max_spool;
	size_t max_depth;
	uint64_t max_added;	/* what a script may add (ovl_opts) */
	/* the spool bytes the layers used (--max-spool), for a script to
	 * go on counting; NULL: not wanted */
	_Atomic uint64_t *spool_used;
	struct timespec now;	/* what mutations stamp; 0: the clock */
	/* non-NULL: set to the last image argument (image_free), or NULL */
	struct image **image;
	/* non-NULL: set to each layer's name (cmd_inputs_names) */
	char ***names;
	/*
	 * non-NULL (with names): set to each layer's diff_id and history
	 * command, NULL for a layer file (cmd_inputs_layer_info)
	 */
	char ***digests, ***commands;
};

/*
 * The layers of the command line: plain layer files as they are, images
 * ("oci:DIR[:REF]", "docker-archive:FILE[:REF]") expanded into theirs.
 * Invariant: srcs point into the arguments and into imgs.
 */
struct cmd_inputs {
	struct tarin_src *srcs;
	size_t nsrcs;
	struct image **imgs;
	size_t nimgs;
	/*
	 * Per argument, the image spec it was opened as (itself, or its
	 * path with the prefix its content asks for: image_sniff), or NULL
	 * for a layer file. Owned.
	 */
	char **specs;
	size_t nargs;
};

/*
 * Expands args into in. Returns 0, or a negative errno with e naming the
 * image. (cmd/input.c)
 */
int cmd_inputs_expand(char **args, size_t n, struct cmd_inputs *in,
		      struct err *e);
/*
 * The name of each of in's layers, as the inspection commands print it:
 * its argument, or for an image of several layers the layer's name there
 * ("oci:DIR layer 2"). Returns 0 and *out (in->nsrcs strings,
 * cmd_names_free), or -ENOMEM.
 */
int cmd_inputs_names(char **args, size_t n, const struct cmd_inputs *in,
		     char ***out);
/*
 * Per layer of in: its diff_id ("sha256:...") and its history command,
 * NULL for a layer file; into *digests and *commands (cmd_names_free,
 * in->nsrcs elements), or -ENOMEM.
 */
int cmd_inputs_layer_info(char **args, size_t n, const struct cmd_inputs *in,
			  char ***digests, char ***commands);
/* Frees names[0..n) and names. NULL is ignored. */
void cmd_names_free(char **names, size_t n);
/*
 * Runs fn(ctx, in, out) once, or with all set once per platform of the
 * multi-platform image in (image_platform_set before each; attestations
 * left alone), each run writing a temporary tag of out's layout (out
 * must be oci:DIR:TAG) and reading what the run before wrote, so that
 * its index collects every platform's result; the tag becomes TAG at the
 * end, and is dropped on failure. Returns fn's status, the first that is
 * not CMD_OK. (input.c)
 */
int cmd_each_platform(const char *cmd, const char *in, const char *out,
		      bool all,
		      int (*fn)(void *ctx, const char *in, const char *out),
		      void *ctx);

/*
 * Frees in; when keep is not NULL it gets the last image (or NULL) and
 * the caller frees that with image_free.
 */
void cmd_inputs_release(struct cmd_inputs *in, struct image **keep);

/*
 * The options of every command that loads layers: put CMD_LAYER_OPTIONS
 * in its getopt_long table (it ends with --help) and hand whatever its own
 * switch does not know to cmd_layer_option(). Ids far above any command's
 * own.
 */
enum cmd_layer_opt {
	CMD_OPT_MAX_ENTRIES = 0x1000,
	CMD_OPT_MAX_PATH_DEPTH,
	CMD_OPT_MAX_SPOOL,
	CMD_OPT_KEEP_DIRLINKS,
	CMD_OPT_SPOOL_DIR,
	CMD_OPT_PLATFORM,
	CMD_OPT_MAX_ADDED,
	CMD_OPT_PROGRESS,
};
/* The short options CMD_LAYER_OPTIONS adds, for getopt's string. */
#define CMD_LAYER_SHORT "qv"
#define CMD_LAYER_OPTIONS \
	{ "keep-dirlinks", no_argument, NULL, CMD_OPT_KEEP_DIRLINKS }, \
	{ "spool-dir", required_argument, NULL, CMD_OPT_SPOOL_DIR }, \
	{ "platform", required_argument, NULL, CMD_OPT_PLATFORM }, \
	{ "max-entries", required_argument, NULL, CMD_OPT_MAX_ENTRIES }, \
	{ "max-path-depth", required_argument, NULL, CMD_OPT_MAX_PATH_DEPTH }, \
	{ "max-spool", required_argument, NULL, CMD_OPT_MAX_SPOOL }, \
	{ "max-added", required_argument, NULL, CMD_OPT_MAX_ADDED }, \
	{ "quiet", no_argument, NULL, 'q' }, \
	{ "verbose", no_argument, NULL, 'v' }, \
	{ "progress", no_argument, NULL, CMD_OPT_PROGRESS }, \
	{ "help", no_argument, NULL, 'h' }

/*
 * One option getopt_long returned that the command's own switch did not
 * take: a CMD_OPT_* of CMD_LAYER_OPTIONS is applied to lo and 0 returned
 * with *done false; -h shows the command's help, a missing value or an
 * unknown option prints a usage error, and both set *done and return the
 * exit status. A limit is a positive number, for --max-spool and
 * --max-added with an optional K, M, G or T (powers of 1024).
 */
int cmd_layer_option(const char *cmd, int c, char **argv,
		     struct cmd_layer_opts *lo, bool *done);

/*
 * Loads the layer files (base first; "-" at most once, for stdin; images
 * expanded, cmd_inputs_expand) in parallel and stacks them. Returns 0 and *out (ovl_free), or a negative
 * errno with e naming the layer and entry.
 */
int cmd_load_stack(char **paths, size_t n, const struct cmd_layer_opts *o,
		   struct ovl **out, struct err *e);
/*
 * The layer operands' usage errors for cmd: none given, or standard input
 * ('-') given more than once. Returns CMD_OK, or CMD_USAGE after printing.
 */
int cmd_check_layers(const char *cmd, char **paths, size_t n);

/*
 * Lets go of a stack the command is done with, just before the process
 * exits: its memory goes back with the process, which is much faster than
 * freeing a million nodes one by one. The stack stays reachable from a
 * global, as git's UNLEAK keeps it, so leak checkers do not report it.
 */
void cmd_drop_stack(struct ovl *ovl);

/*
 * Parses "-z none|gzip|zstd". Returns 0 and *out, or -EINVAL.
 */
int cmd_parse_comp(const char *s, enum sink_comp *out);
/* -z ARG of cmd: *comp and *given set, CMD_OK; else CMD_USAGE after
 * printing "unknown compression". */
int cmd_comp_option(const char *cmd, const char *arg, enum sink_comp *comp,
		    bool *given);

/*
 * The last second an image's "created" (RFC 3339, four-digit years: OCI
 * image-spec config.md) can say: 9999-12-31T23:59:59Z.
 */
#define CMD_EPOCH_MAX 253402300799LL
#define CMD_EPOCH_MAX_TEXT "253402300799 (9999-12-31T23:59:59Z)"

/*
 * Parses "SECONDS" or "SECONDS.FRACTION" (nanoseconds kept, more digits
 * dropped), as --mtime and SOURCE_DATE_EPOCH take them, from 0 to
 * CMD_EPOCH_MAX. Returns 0 and *ts, or -EINVAL (-ERANGE past the range).
 */
int cmd_parse_epoch(const char *s, struct timespec *ts);
/*
 * The time SOURCE_DATE_EPOCH names (reproducible-builds.org), the one
 * parser of it: *set true and *ts when it is set, else *set false and
 * the current time. Returns CMD_OK, or CMD_USAGE after printing when it
 * is set to anything but cmd_parse_epoch's form (the empty string too).
 */
int cmd_source_date_epoch(const char *cmd, struct timespec *ts, bool *set);

/* Where the tree goes (cmd/output.c). */
struct cmd_out_opts {
	const char *path;	/* -o: FILE, oci:..., docker-archive:...,
				   dir:PATH; NULL: stdout */
	bool comp_given;
	enum sink_comp comp;
	const struct image *base;	/* the input image, or NULL */
	bool append;		/* --emit layer: base's layers + the new */
	struct timespec created;	/* an image's "created" */
	const char *created_by;	/* its history entry */
	/* An image output's layers, config and history as the command
	 * sets them (squash, mod, rebase); NULL: from base and append. */
	const struct image_out_opts *image;
	/* Else: the config to write instead of base's (build's config
	 * edits) and manifest annotations; NULL: none. */
	const struct json_t *config, *annotations;
	bool set_env;		/* an image's Env becomes env (nenv) */
	const char *const *env;
	size_t nenv;
};

struct cmd_output_kind;

/*
 * An open output; w takes the entries (core/export.h writes to it). The
 * other fields belong to cmd/output.c: the kind of output (one row of its
 * table) and what that kind opened.
 */
/* An entry writer that counts what it passes on (cmd/progress.c). */
struct cmd_counter {
	struct entry_writer w;
	struct entry_writer *next;
};

struct cmd_output {
	struct entry_writer *w;
	struct cmd_counter counter;	/* w, when counting for progress */
	const struct cmd_output_kind *kind;
	struct tarout *t;	/* a tar file, stdout, an image's new layer */
	struct sink *sink;	/* a tar file or stdout */
	struct image_writer *iw;	/* oci:, docker-archive: */
	struct dirout *dir;	/* dir: */
};

/*
 * Before any input is read: "-" becomes stdout (o->path NULL); refuses a
 * name whose suffix asks for a compression overtar does not write (.xz,
 * .bz2: a usage error), an existing directory where a file goes, a
 * missing parent directory, and an oci: output without a tag, naming the
 * path as given. Returns CMD_OK, or CMD_USAGE/CMD_FAIL after printing.
 */
int cmd_output_check(const char *cmd, struct cmd_out_opts *o);

/*
 * Opens the output o->path names, the kind chosen by its prefix in one
 * place (cmd/output.c's table: oci:, docker-archive:, dir:, else a tar
 * file). Returns CMD_OK, or CMD_FAIL/CMD_USAGE after printing (then
 * nothing is left open).
 */
int cmd_output_open(const char *cmd, const struct cmd_out_opts *o,
		    struct cmd_output *out);
/*
 * Finishes and renames into place. Returns 0 or a negative errno with e
 * set (then nothing is left behind); prints only the warning of a
 * directory written without root.
 */
int cmd_output_commit(struct cmd_output *out, struct err *e);
/* Removes what was written. */
void cmd_output_abort(struct cmd_output *out);

/*
 * The time a command stamps on its output: --mtime's value (mtime, or
 * NULL), else SOURCE_DATE_EPOCH, else the clock; *fixed says whether it
 * was given. CMD_OK, or CMD_USAGE after printing.
 */
int cmd_output_time(const char *cmd, const char *mtime, struct timespec *ts,
		    bool *fixed);

/*
 * Progress on stderr and the -v summary (cmd/progress.c). Starts counting
 * (and, when stderr is a terminal or lo->progress, drawing) once per
 * process; returns the counters the engine advances, or NULL when neither
 * is asked for. The line is erased and the summary printed at exit.
 */
struct progress *cmd_progress_start(const struct cmd_layer_opts *lo);
/* The counters, or NULL when not counting. */
struct progress *cmd_progress(void);
/* Enters enum progress_phase phase (its time counts from now). */
void cmd_progress_phase(int phase);
/* Stops drawing and erases the line (before other output). */
void cmd_progress_stop(void);
/* With -v (and not -q): prints "overtar: FMT" on stderr. */
void cmd_verbose_note(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
/* Whether -q asked for no warnings. */
bool cmd_quiet(void);
/*
 * Puts a counter of entries and content bytes (for progress and -v) in
 * front of out->w, when counting (cmd/progress.c).
 */
void cmd_progress_count(struct cmd_output *out);

#endif
