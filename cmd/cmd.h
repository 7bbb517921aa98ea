/*
 * cmd: the command-line front ends. Each command is cmd/NAME.c with
 * int cmd_NAME(int argc, char **argv), listed once in cmd/main.c's table.
 * This is the only place that prints: errors are formatted once from the
 * struct err the engine filled in.
 */
#ifndef OVERTAR_CMD_H
#define OVERTAR_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "core/err.h"
#include "layers/sink.h"

struct memfs;
struct ovl;

struct cmd_struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
	const char *usage;	/* full usage text, for help and errors */
};

/* Exit statuses: failures 1, usage errors 2 (git's run_builtin). */
enum { CMD_OK = 0, CMD_FAIL = 1, CMD_USAGE = 2 };

int cmd_build(int argc, char **argv);
int cmd_flatten(int argc, char **argv);
int cmd_help(int argc, char **argv);

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

/* Options shared by every command that reads layers. */
struct cmd_layer_opts {
	bool keep_dirlinks;
	bool writable;
	const char *spool_dir;
	struct timespec now;	/* what mutations stamp; 0: the clock */
};

/*
 * Loads the layer files (base first; "-" at most once, for stdin) in
 * parallel and stacks them. Returns 0 and *out (ovl_free), or a negative
 * errno with e naming the layer and entry.
 */
int cmd_load_stack(char **paths, size_t n, const struct cmd_layer_opts *o,
		   struct ovl **out, struct err *e);

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

/*
 * Opens the output sink: path, or stdout when path is NULL (refused when
 * stdout is a terminal). Compression: *comp if explicit, else from the
 * name. Returns 0 and *out, or CMD_FAIL/CMD_USAGE after printing.
 */
int cmd_open_output(const char *cmd, const char *path, bool comp_given,
		    enum sink_comp comp, struct sink **out);

/*
 * What getopt_long (with a leading ':' in its option string) returned for
 * -h, a missing value or an unknown option: shows help (CMD_OK) or prints
 * the usage error (CMD_USAGE).
 */
int cmd_bad_option(const char *cmd, int c, char **argv);

/* Checks stdout with fflush/ferror/fclose before exit 0 (git). */
int cmd_finish_stdout(void);

#endif
