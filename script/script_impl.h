/*
 * script_impl: what the interpreter (script.c) and the commands
 * (script_cmds.c's table; script_tree, script_copy, script_attr,
 * script_text, script_users, script_vars, script_extract) share. Private
 * to script/script*.c.
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

/* A long option: --name or --name=VALUE, standing for a letter. */
struct script_longopt {
	const char *name;
	char letter;
	bool arg;		/* takes a value */
};

/* One entry of the table of commands. */
struct script_cmd {
	const char *name;
	int (*run)(struct script_ctx *c);
	const char *opts;	/* getopt letters (a-z, A-Z), ':' after one
				 * that takes a value */
	int min, max;		/* positional words; max -1: any number */
	bool input;		/* a heredoc may stand for the last word */
	const char *usage;
	const struct script_longopt *longs;	/* NULL-named end, or NULL */
};

/* The command being run. */
struct script_ctx {
	struct script_env *env;
	const char *basedir;
	const struct script_cmd *cmd;
	long lineno;		/* the line it starts on */
	uint64_t flags;		/* bit script_optbit(letter) per option */
	const char *val[52];	/* values of options that take one */
	size_t nargs;
	char **args;		/* the positional words, globs expanded */
	size_t *lens;
	char **owned;		/* what glob expansion made, nowned words */
	size_t nowned;
	const char *input;	/* heredoc body or NULL */
	size_t input_len;
	char errpath[4096];	/* the path an error is about, or "" */
	char reason[256];	/* a reason other than strerror's */
	struct memfs_src *spool;	/* copy-in content, made lazily */
	void *cmd_data;		/* a command's own state, for its helpers */
};

/* Looks a command up in the table; NULL if unknown. */
const struct script_cmd *script_cmd_find(const char *name);
/* The commands' names, in table order; *n gets their count. */
const char *const *script_cmd_names(size_t *n);

/* The index of an option letter: a-z 0..25, A-Z 26..51. */
static inline int script_optbit(char letter)
{
	return letter >= 'a' ? letter - 'a' : 26 + letter - 'A';
}

static inline bool script_opt(const struct script_ctx *c, char letter)
{
	return c->flags & (1ull << script_optbit(letter));
}

/* The value given to an option that takes one, or NULL. */
static inline const char *script_optval(const struct script_ctx *c,
					char letter)
{
	return c->val[script_optbit(letter)];
}

/* Records path as the subject of a failure and returns rc. */
int script_fail(struct script_ctx *c, const char *path, int rc);
/* Same with a reason of its own (printf-style); returns rc. */
int script_failf(struct script_ctx *c, const char *path, int rc,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * A mode as chmod(1) reads one: octal up to 07777, or symbolic clauses
 * [ugoa]*([-+=]([rwxXst]*|[ugo]))+ joined by ','. Compiled into *out
 * (script_mode_free). 0 or -EINVAL (-ENOMEM).
 */
struct script_mode;
int script_mode_parse(const char *s, struct script_mode **out);
void script_mode_free(struct script_mode *m);
/*
 * The permission bits old (a file's mode) becomes under m, for a
 * directory when dir, as gnulib's mode_adjust computes them with a umask
 * of 0: the image has no umask, so "+x" means "a+x" (overtar-script(5)).
 */
mode_t script_mode_apply(const struct script_mode *m, mode_t old, bool dir);
/*
 * A -m option's mode for something new: the value of -m applied to base
 * (0777 for directories, 0666 for other files, as mkdir(1) and mknod(1)
 * start from), or dflt when no -m was given; in *bits (when not NULL) the
 * bits the mode names (mode_adjust's pmode_bits; 0 without -m). 0 or
 * -EINVAL with the reason recorded on c.
 */
int script_opt_mode(struct script_ctx *c, mode_t base, bool dir, mode_t dflt,
		    mode_t *out, mode_t *bits);

/*
 * The ids OWNER[:GROUP] names: numbers, or names of the image's passwd
 * and group files; sets sa's VFS_SET_UID / VFS_SET_GID. With dflt_group
 * (copy-in --owner, as Dockerfile COPY --chown), a missing group is the
 * user's login group, or the same number for a numeric user. 0 or
 * -EINVAL with the reason recorded on c.
 */
int script_parse_owner(struct script_ctx *c, const char *spec, bool dflt_group,
		       struct vfs_setattr *sa);

/*
 * The whole content of the regular file at path (following symlinks) as
 * a new NUL-terminated string (*text, *len; caller frees), and when n is
 * not NULL the file's node (a new reference). 0 or a negative errno.
 */
int script_read_text(struct vfs_fs *fs, const char *path, char **text,
		     size_t *len, struct vfs_node **n);
/*
 * Replaces the content of the regular file n by len bytes of text (copied),
 * keeping its mode, owner and xattrs as writing into it does. 0 or a
 * negative errno.
 */
int script_replace_text(struct vfs_fs *fs, struct vfs_node *n,
			const char *text, size_t len);

/*
 * The paths in fs that pattern (an fnmatch(3) pattern per component, as
 * the lexer made it) names, sorted in byte order, into *out (each name
 * a string of its own: free with script_glob_free; n may be 0). 0 or a
 * negative errno.
 */
int script_glob(struct vfs_fs *fs, const char *pattern, struct vfs_names *out);
/* Frees what script_glob gave: every name, then the list. */
void script_glob_free(struct vfs_names *ns);

/* Variables: the lexer's lookup over env's defines and vars. */
int script_var_lookup(void *env, const char *name, size_t len,
		      const char **val, size_t *vlen);

/*
 * The mode a directory of mode cur gets from the numeric mode spec (its
 * value mode), as chmod(1) and mkdir -m give it: with fewer than five
 * digits the setuid and setgid bits spec leaves out stay as in cur.
 */

/* A data object holding len bytes of buf (copied). NULL on ENOMEM. */
struct memfs_data *script_text_data(const void *buf, size_t len);

/*
 * A data object with the content of the open host file fd (its first
 * size bytes), copied once into the run's spool file (io_copy). 0 or a negative errno.
 */
int script_spool_data(struct script_ctx *c, int fd, uint64_t size,
		      struct memfs_data **out);

/*
 * Appends len bytes of buf to the run's spool file (made on first use).
 * script_spool_take then gives what was appended since start (the spool's
 * size before: script_spool_size) as a data object. 0 or a negative
 * errno.
 */
int script_spool_write(struct script_ctx *c, const void *buf, size_t len);
int script_spool_take(struct script_ctx *c, uint64_t start,
		      struct memfs_data **out);
uint64_t script_spool_size(const struct script_ctx *c);

/* copy-in's --owner and --mode (c->cmd_data while it runs). */
struct script_copyin_opts {
	struct vfs_setattr owner;	/* mask 0: keep */
	struct script_mode *mode;	/* NULL: keep */
};
/* Gives node n what --owner and --mode say (nothing without them). */
int script_copyin_attrs(struct script_ctx *c, struct vfs_node *n);
/*
 * copy-in --extract: the archive at host (any format and filter libarchive
 * reads) unpacked into the image directory dst, made when missing. No
 * entry may leave dst: ".." and paths through a symlink are refused. 0 or
 * a negative errno with the failure recorded on c.
 */
int script_extract(struct script_ctx *c, const char *host, const char *dst);

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
