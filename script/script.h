/*
 * script: the edit-script language of overtar-script(5): its lexer
 * (script_lex.c), its one table of commands (script_cmds.c) and the
 * interpreter that runs them against a writable overlay (script.c).
 *
 * Words are split as POSIX shell words: 'single quotes' literal, "double
 * quotes" with \\ \" \$ \n \t \xHH, backslash escapes outside quotes, `#`
 * at the start of a word begins a comment; `<<TAG` takes the following
 * lines up to a line equal to TAG as the command's input (literally).
 * ${NAME} expands outside single quotes; an unquoted * ? [ makes a word a
 * pattern, expanded against the image when the command runs.
 */
#ifndef OVERTAR_SCRIPT_H
#define OVERTAR_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/err.h"

struct vfs_fs;

/* One command line, as the lexer hands it over. */
struct script_line {
	long lineno;		/* where the command starts */
	size_t argc;
	char **argv;		/* argc words, NUL-terminated; may hold \0 */
	char **pats;		/* per word: its fnmatch(3) pattern when it
				 * had an unquoted * ? or [, else NULL */
	size_t *lens;		/* byte length of each word */
	char *input;		/* heredoc body, or NULL */
	size_t input_len;
};

/*
 * The value of variable name (len bytes) into *val, *vlen (borrowed until
 * the next command runs): 0, or -ENOENT when it is not defined.
 */
typedef int (*script_lookup_fn)(void *ctx, const char *name, size_t len,
				const char **val, size_t *vlen);

struct script_lexer {
	const char *text;
	size_t len, pos;
	long lineno;
	script_lookup_fn lookup;	/* NULL: no variable is defined */
	void *lookup_ctx;
};

/* Starts lexing text (len bytes, not owned: keep it alive). */
void script_lex_init(struct script_lexer *lx, const char *text, size_t len);
/* Where ${NAME} finds its values from now on. */
void script_lex_vars(struct script_lexer *lx, script_lookup_fn fn, void *ctx);

/*
 * The next command into *out (free with script_line_free). Returns 1 for a
 * command, 0 at the end, or a negative errno with e's line and message set
 * (unterminated quote or heredoc, bad escape).
 */
int script_lex_next(struct script_lexer *lx, struct script_line *out,
		    struct err *e);
void script_line_free(struct script_line *l);

/*
 * NAME=VALUE strings in order, each name at most once: an image config's
 * Env (image-spec config.md) as the script sees and changes it. Empty is
 * { 0 }.
 */
struct script_envlist {
	char **v;
	size_t n, cap;
};

/*
 * Sets name (nlen bytes) to value (vlen bytes): in place when the name is
 * there, else appended, as Docker's ENV replaces an entry. 0 or -ENOMEM.
 */
int script_envlist_set(struct script_envlist *l, const char *name,
		       size_t nlen, const char *value, size_t vlen);
/* Adds "NAME=VALUE" (an Env entry as the config holds it). 0, -EINVAL
 * without '=', -ENOMEM. */
int script_envlist_put(struct script_envlist *l, const char *entry);
/* The value of name (nlen bytes), borrowed until l changes; NULL if none. */
const char *script_envlist_get(const struct script_envlist *l,
			       const char *name, size_t nlen);
void script_envlist_release(struct script_envlist *l);

/*
 * An edit of the image config a script asked for, in script order, for
 * build to apply when it writes an image. SCRIPT_EDIT_ENV: key is the
 * name, value its new value (the config's Env entry key=value).
 */
enum script_edit_kind {
	SCRIPT_EDIT_ENV,
};

struct script_edit {
	enum script_edit_kind kind;
	char *key, *value;	/* owned */
	long lineno;		/* the script line that asked */
};

struct script_edits {
	struct script_edit *v;
	size_t n, cap;
};

/* What the interpreter runs against. */
struct script_env {
	struct vfs_fs *fs;		/* a writable overlay */
	struct timespec now;		/* stamped on what changes */
	bool clamp;			/* clamp explicit times to now */
	const char *spool_dir;		/* for copy-in content: io_spool_dir() */
	/* The image config and manifest annotations the config edits
	 * change (image/image.h image_edit); NULL: no image output. */
	struct json_t *config, *annotations;
	/* --max-spool: copy-in counts against the layers' budget */
	uint64_t max_spool;		/* 0: none */
	_Atomic uint64_t *spool_used;	/* shared with the loaders; or NULL */
	/* -D NAME=VALUE, ndefines of them: win over the image's Env (a
	 * later one over an earlier); an env command wins over both */
	const char *const *defines;
	size_t ndefines;
	/* The image config's Env, filled by the caller before the first
	 * script (script_envlist_put); each `env` command changes it. */
	struct script_envlist vars;
	/* The config edits the scripts asked for (`env`), in order. */
	struct script_edits edits;
};

/* Frees env's vars and edits (not what the caller's pointers name). */
void script_env_release(struct script_env *env);

/*
 * Whether s is "NAME=VALUE" with a variable name (letters, digits and
 * '_', not starting with a digit) before the '='; *nlen gets its length.
 */
bool script_is_assignment(const char *s, size_t *nlen);

/*
 * Runs the script text (len bytes) named name ("edit.ots", or "-e") whose
 * host paths are relative to basedir. Stops at the first failing command.
 * Returns 0 or a negative errno with e set to print as
 * "NAME:LINE: COMMAND: PATH: reason".
 */
int script_run(struct script_env *env, const char *name, const char *text,
	       size_t len, const char *basedir, struct err *e);

#endif
