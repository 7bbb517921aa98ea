/*
 * script_impl: what the interpreter (script.c) and the commands
 * (script_cmds.c's table; script_tree.c, script_copy.c, script_attr.c)
 * share. Private to script/script*.c.
 */
#ifndef OVERTAR_SCRIPT_IMPL_H
#define OVERTAR_SCRIPT_IMPL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "script/script.h"
#include "core/vfs.h"

struct memfs_data;
struct memfs_src;
struct script_ctx;

/* One entry of the table of commands. */
struct script_cmd {
	const char *name;
	int (*run)(struct script_ctx *c);
	const char *opts;	/* getopt letters, ':' after one that takes
				 * a value */
	int min, max;		/* positional words; max -1: any number */
	bool input;		/* a heredoc may stand for the last word */
	const char *usage;
};

/* The command being run. */
struct script_ctx {
	struct script_env *env;
	const char *basedir;
	const struct script_cmd *cmd;
	unsigned flags;		/* bit (letter - 'a') per option given */
	const char *val[26];	/* values of options that take one */
	size_t nargs;
	char **args;
	size_t *lens;
	const char *input;	/* heredoc body or NULL */
	size_t input_len;
	char errpath[4096];	/* the path an error is about, or "" */
	char reason[256];	/* a reason other than strerror's */
	struct memfs_src *spool;	/* copy-in content, made lazily */
};

/* Looks a command up in the table; NULL if unknown. */
const struct script_cmd *script_cmd_find(const char *name);

static inline bool script_opt(const struct script_ctx *c, char letter)
{
	return c->flags & (1u << (letter - 'a'));
}

/* Records path as the subject of a failure and returns rc. */
int script_fail(struct script_ctx *c, const char *path, int rc);
/* Same with a reason of its own (printf-style); returns rc. */
int script_failf(struct script_ctx *c, const char *path, int rc,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Parses an octal mode of at most 07777. 0 or -EINVAL. */
int script_parse_mode(const char *s, mode_t *out);

/* A data object holding len bytes of buf (copied). NULL on ENOMEM. */
struct memfs_data *script_text_data(const void *buf, size_t len);

/*
 * A data object with the content of the open host file fd (its first
 * size bytes), copied once into the run's spool file (io_copy). 0 or a negative errno.
 */
int script_spool_data(struct script_ctx *c, int fd, uint64_t size,
		      struct memfs_data **out);

/* A new string "dir/name" (caller frees); NULL on ENOMEM. */
char *script_join(const char *dir, const char *name);
/* The last component of path (trailing slashes ignored), a new string. */
char *script_basename(const char *path);

/*
 * Where a command that takes SRC DST puts things: DST itself, or
 * DST/basename(SRC) when DST is an existing directory (following a
 * symlink). A new string in *out. 0 or a negative errno.
 */
int script_target(struct script_ctx *c, const char *src, const char *dst,
		  char **out);

#endif
