/*
 * pathbuf: the path of the entry a tree walk stands on, grown and cut back
 * as the walk goes down and up. Growable, so a deep tree never truncates a
 * path (the fixed PATH_MAX buffer is the trap STYLE.md warns of).
 *
 * Invariant: s is NULL (nothing pushed yet) or holds len bytes and a NUL.
 */
#ifndef OVERTAR_PATHBUF_H
#define OVERTAR_PATHBUF_H

#include <stdbool.h>
#include <stddef.h>

struct pathbuf {
	char *s;
	size_t len, cap;
	bool rooted;	/* "/a/b" rather than "a/b" */
};

/*
 * Appends "/" (unless the path is empty and not rooted) and len bytes of
 * name. Returns 0 or -ENOMEM (the path unchanged).
 */
int pathbuf_push(struct pathbuf *pb, const char *name, size_t len);

/* Cuts the path back to len bytes, as it was before a push. */
void pathbuf_pop(struct pathbuf *pb, size_t len);

/* Frees the buffer; pb may be used again. */
void pathbuf_release(struct pathbuf *pb);

#endif
