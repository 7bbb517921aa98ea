/*
 * u64map: an open-addressing hash map from 64-bit keys to 64-bit values.
 *
 * Invariants: cap is 0 or a power of two; count * 2 <= cap, so a probe
 * always ends at a free slot; a slot is free when its key is 0, and key 0
 * itself lives outside the table (has_zero, zero_val), so every key is
 * allowed. Values are the caller's: an index, a count or a pointer cast to
 * uint64_t. The map never frees what a value points at.
 * Used for inode identities (hard-link groups in export and inspect).
 */
#ifndef OVERTAR_U64MAP_H
#define OVERTAR_U64MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct u64map_slot {
	uint64_t key;
	uint64_t val;
};

struct u64map {
	struct u64map_slot *v;
	size_t cap, count;	/* count includes key 0 when has_zero */
	bool has_zero;
	uint64_t zero_val;
};

#define U64MAP_INIT { 0 }

/*
 * The value of key, or NULL when key is absent. The pointer is valid
 * until the next u64map_put.
 */
uint64_t *u64map_get(const struct u64map *m, uint64_t key);

/*
 * The value of key, inserted as 0 when absent (*added set to true then,
 * else false; added may be NULL). Returns NULL only when memory runs out
 * (the map is unchanged). The pointer is valid until the next put.
 */
uint64_t *u64map_put(struct u64map *m, uint64_t key, bool *added);

/*
 * Calls fn on every key and value, in no particular order; stops at and
 * returns the first non-zero result. The map must not change meanwhile.
 */
int u64map_each(const struct u64map *m,
		int (*fn)(void *ctx, uint64_t key, uint64_t val), void *ctx);

/* Frees the table and empties m (values are not touched). */
void u64map_release(struct u64map *m);

#endif
