/*
 * grow: room for one more element in a growable array, the one doubling
 * rule every list in overtar uses (git's ALLOC_GROW).
 */
#ifndef OVERTAR_GROW_H
#define OVERTAR_GROW_H

#include <stddef.h>

/*
 * pv points to the array's pointer (any element type), n elements are in
 * use and *cap allocated, each size bytes. When n == *cap, reallocates to
 * twice as many (16 at first). 0, or -ENOMEM with the array unchanged.
 */
int grow(void *pv, size_t n, size_t *cap, size_t size);

#endif
