/*
 * pathbuf: a growable path for tree walks (see pathbuf.h).
 */
#include "core/pathbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int pathbuf_push(struct pathbuf *pb, const char *name, size_t len)
{
	size_t need = pb->len + 1 + len + 1;

	if (need > pb->cap) {
		size_t cap = pb->cap ? pb->cap : 256;
		char *s;

		while (cap < need)
			cap *= 2;
		s = realloc(pb->s, cap);
		if (!s)
			return -ENOMEM;
		pb->s = s;
		pb->cap = cap;
	}
	if (pb->len || pb->rooted)
		pb->s[pb->len++] = '/';
	memcpy(pb->s + pb->len, name, len);
	pb->len += len;
	pb->s[pb->len] = '\0';
	return 0;
}

void pathbuf_pop(struct pathbuf *pb, size_t len)
{
	pb->len = len;
	if (pb->s)
		pb->s[len] = '\0';
}

void pathbuf_release(struct pathbuf *pb)
{
	free(pb->s);
	pb->s = NULL;
	pb->len = pb->cap = 0;
}
