/*
 * script: the edit-script language of overtar-script(5): its lexer
 * (script_lex.c), its one table of commands (script_cmds.c) and the
 * interpreter that runs them against a writable overlay (script.c).
 *
 * Words are split as POSIX shell words: 'single quotes' literal, "double
 * quotes" with \\ \" \n \t \xHH, backslash escapes outside quotes, `#` at
 * the start of a word begins a comment; `<<TAG` takes the following lines up
 * to a line equal to TAG as the command's input. No expansion.
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
	size_t *lens;		/* byte length of each word */
	char *input;		/* heredoc body, or NULL */
	size_t input_len;
};

struct script_lexer {
	const char *text;
	size_t len, pos;
	long lineno;
};

/* Starts lexing text (len bytes, not owned: keep it alive). */
void script_lex_init(struct script_lexer *lx, const char *text, size_t len);

/*
 * The next command into *out (free with script_line_free). Returns 1 for a
 * command, 0 at the end, or a negative errno with e's line and message set
 * (unterminated quote or heredoc, bad escape).
 */
int script_lex_next(struct script_lexer *lx, struct script_line *out,
		    struct err *e);
void script_line_free(struct script_line *l);

/* What the interpreter runs against. */
struct script_env {
	struct vfs_fs *fs;		/* a writable overlay */
	struct timespec now;		/* stamped on what changes */
	bool clamp;			/* clamp explicit times to now */
	const char *spool_dir;		/* for copy-in content: io_spool_dir() */
	/* --max-spool: copy-in counts against the layers' budget */
	uint64_t max_spool;		/* 0: none */
	_Atomic uint64_t *spool_used;	/* shared with the loaders; or NULL */
};

/*
 * Runs the script text (len bytes) named name ("edit.ots", or "-e") whose
 * host paths are relative to basedir. Stops at the first failing command.
 * Returns 0 or a negative errno with e set to print as
 * "NAME:LINE: COMMAND: PATH: reason".
 */
int script_run(struct script_env *env, const char *name, const char *text,
	       size_t len, const char *basedir, struct err *e);

#endif
