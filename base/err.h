/*
 * err: the error context that travels with an operation.
 *
 * core/ and layers/ never print. A failing function returns a negative errno
 * and, where it knows more than the errno says (which layer file, which tar
 * entry, which script line), records it here, the way libarchive's
 * archive_set_error() records on the handle. cmd/ prints it once.
 */
#ifndef OVERTAR_ERR_H
#define OVERTAR_ERR_H

#include <stddef.h>

#define ERR_MSG_MAX 512

struct err {
	int code;		/* negative errno, 0 while no error is recorded */
	char kind[16];		/* what file is: "layer", "output", "" if none */
	char file[256];		/* layer file, script, output: "" if none */
	char entry[512];	/* entry path inside the file, "" if none */
	long line;		/* script line, 0 if none */
	char msg[ERR_MSG_MAX];	/* detail; "" means strerror(-code) */
};

/* Clears every field. */
void err_clear(struct err *e);

/*
 * Records code (a negative errno) and a printf-style detail on e, unless an
 * error is already recorded (the first, innermost failure wins).
 * Returns code, so callers can write `return err_set(e, -EIO, "...")`.
 * e may be NULL: the code is still returned.
 */
int err_set(struct err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Sets the file the error belongs to, and what it is ("layer", "output"),
 * if none is set yet. A script sets kind "" and a line instead.
 */
void err_file(struct err *e, const char *kind, const char *file);

/* Sets the entry path the error belongs to if none is set yet. */
void err_entry(struct err *e, const char *entry, size_t len);

/*
 * (A file, entry or detail too long for its field loses its middle, never
 * its end: the reason always shows, whatever the length of a path.)
 *
 * Formats e as one line, without the program prefix or newline:
 *   layer 'a.tar': entry 'etc/x': detail
 *   edit.ots:12: detail                    (a script: file and line)
 * Returns buf. Never fails; truncates to size.
 */
char *err_format(const struct err *e, char *buf, size_t size);

#endif
