/*
 * grow: the growable-array rule (see grow.h).
 */
#include "base/grow.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int grow(void *pv, size_t n, size_t *cap, size_t size)
{
	size_t nc = *cap ? *cap * 2 : 16;
	void *v;

	if (n < *cap)
		return 0;
	if (nc < *cap || nc > (size_t)-1 / size)
		return -ENOMEM;
	memcpy(&v, pv, sizeof(v));	/* the caller's pointer, any type */
	v = realloc(v, nc * size);
	if (!v)
		return -ENOMEM;
	memcpy(pv, &v, sizeof(v));
	*cap = nc;
	return 0;
}
