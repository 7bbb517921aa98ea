/*
 * show: what the inspection commands (ls, cat, stat, inspect) share:
 * their command line (LAYER... -- PATH...), and the printing of modes,
 * times, paths and JSON strings. Everything here writes to the FILE given,
 * or to stderr for errors, and belongs to cmd/ only.
 */
#ifndef OVERTAR_SHOW_H
#define OVERTAR_SHOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "cmd/cmd.h"
#include "core/vfs.h"

struct ovl;

/* The long options of the inspection commands, as getopt ids. */
enum show_long_opt {
	SHOW_OPT_JSON = 256,
	SHOW_OPT_ORIGIN,
	SHOW_OPT_LAYER,
	SHOW_OPT_TOP,
	SHOW_OPT_MAX_WASTED,
	SHOW_OPT_MIN_EFFICIENCY,
};

/*
 * A command line split at its first "--": options and layers before it,
 * image paths after it, so that a layer file named like an image path is
 * never ambiguous. optc is what getopt may see (argv[0..optc)).
 */
struct show_args {
	int optc;
	char **paths;
	size_t npaths;
	bool dashdash;		/* "--" was given */
};

/* Splits argv (argv[0] the command name). Never fails. */
void show_split(int argc, char **argv, struct show_args *a);

/* A loaded stack and the name of each of its layers. */
struct show_stack {
	struct ovl *ovl;
	char **names;		/* per layer, owned: its LAYER argument, or
				   for a layer of an image its name there */
	char **digests;		/* per layer, owned: an image layer's diff_id
				   ("sha256:..."), else NULL */
	char **commands;	/* per layer, owned: its history created_by,
				   else NULL */
	size_t n;
};

/*
 * Loads the layer arguments args[0..n) read-only (images expanded, as
 * cmd_load_stack does). Returns 0 and st (show_stack_release), or
 * CMD_USAGE/CMD_FAIL after printing.
 */
int show_load(const char *cmd, char **args, size_t n,
	      const struct cmd_layer_opts *lo, struct show_stack *st);
void show_stack_release(struct show_stack *st);

/* The last component of a layer file's name, for text output. */
const char *show_basename(const char *path);

/* "drwxr-xr-x": type letter and bits with s/S/t/T, as ls -l. */
void show_mode(mode_t mode, char out[11]);

/* "file", "dir", "symlink", "char", "block", "fifo", "socket". */
const char *show_type_json(mode_t mode);

/* "regular file", "directory", ..., as stat(1) says them. */
const char *show_type_text(mode_t mode);

/* "YYYY-MM-DD HH:MM" in UTC, as ls --time-style=long-iso. */
void show_time_min(struct timespec t, char out[32]);

/*
 * Writes a name for text output: raw bytes (UTF-8 or not), unless it holds
 * a control byte, '"' or '\\': then in double quotes with C escapes (\n,
 * \t, \", \\, else \ooo octal), as git quotes paths with
 * core.quotePath=false.
 */
void show_name(FILE *f, const char *s, size_t len);

/*
 * Writes s (len bytes) as a JSON string. Valid UTF-8 passes through,
 * with '"', '\\' and control characters escaped (\n \t \r \b \f, else
 * \u00XX); each byte that is not part of valid UTF-8 becomes the escape
 * \udcXX of its value XX (Python's "surrogateescape", PEP 383), so that the
 * bytes can be recovered.
 */
void show_json_str(FILE *f, const char *s, size_t len);

/*
 * "PATH/NAME" into a new string (caller frees), "/NAME" when PATH is "/".
 * NULL when out of memory.
 */
char *show_join(const char *dir, const char *name, size_t len);

/* One entry of the merged tree, as ls and stat print it. */
struct show_entry {
	const char *path;	/* as given, or DIR/NAME below a given DIR */
	size_t pathlen;
	struct vfs_attr a;
	uint32_t nlink;		/* in the merged view (inspect_nlink) */
	const char *target;	/* symlinks: the target, tlen bytes */
	size_t tlen;
	const char *layer_file;	/* the LAYER argument providing it */
};

/*
 * Writes the JSON object of e without its closing brace: path, name,
 * type, mode, uid, gid, size, nlink, mtime, mtime_nsec, layer (1 = the
 * first LAYER), layer_file, then target (symlinks) or major and minor
 * (devices). The caller adds keys and "}\n".
 */
void show_json_entry(FILE *f, const struct show_entry *e);

/*
 * v in the units dive prints (go-humanize's Bytes: "6.4 kB", "1.2 MB",
 * powers of 1000), into buf. Returns buf.
 */
char *show_si_bytes(uint64_t v, char buf[32]);

/*
 * v as Go's %v prints a float64 (the shortest digits that read back as
 * v: 0.1, 0.9844212134184309, 1e-05), into buf. Returns buf.
 */
char *show_go_float(double v, char buf[40]);

/* Reports a path that failed in the image: "CMD: 'PATH': REASON". */
int show_path_error(const char *cmd, const char *path, int rc);

#endif
