/*
 * u64map: see u64map.h. Linear probing over a table kept at most half
 * full; keys are spread by the murmur3 finaliser, so sequential inode
 * numbers and aligned pointers do not cluster.
 */
#include "base/u64map.h"

#include <stdlib.h>

static uint64_t u64map_mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/* The slot holding key, or the free slot where it would go. cap > 0. */
static struct u64map_slot *u64map_slot(const struct u64map *m, uint64_t key)
{
	size_t i = (size_t)u64map_mix(key) & (m->cap - 1);

	while (m->v[i].key && m->v[i].key != key)
		i = (i + 1) & (m->cap - 1);
	return &m->v[i];
}

uint64_t *u64map_get(const struct u64map *m, uint64_t key)
{
	struct u64map_slot *s;

	if (!key)
		return m->has_zero ? (uint64_t *)&m->zero_val : NULL;
	if (!m->cap)
		return NULL;
	s = u64map_slot(m, key);
	return s->key ? &s->val : NULL;
}

static int u64map_grow(struct u64map *m)
{
	struct u64map g = { .cap = m->cap ? m->cap * 2 : 64 };

	if (g.cap < m->cap)
		return -1;
	g.v = calloc(g.cap, sizeof(*g.v));
	if (!g.v)
		return -1;
	for (size_t i = 0; i < m->cap; i++)
		if (m->v[i].key)
			*u64map_slot(&g, m->v[i].key) = m->v[i];
	free(m->v);
	m->v = g.v;
	m->cap = g.cap;
	return 0;
}

uint64_t *u64map_put(struct u64map *m, uint64_t key, bool *added)
{
	struct u64map_slot *s;
	bool dummy;

	if (!added)
		added = &dummy;
	*added = false;
	if (!key) {
		if (!m->has_zero) {
			m->has_zero = true;
			m->zero_val = 0;
			m->count++;
			*added = true;
		}
		return &m->zero_val;
	}
	if ((m->count + 1) * 2 > m->cap && u64map_grow(m))
		return NULL;
	s = u64map_slot(m, key);
	if (!s->key) {
		s->key = key;
		s->val = 0;
		m->count++;
		*added = true;
	}
	return &s->val;
}

int u64map_each(const struct u64map *m,
		int (*fn)(void *ctx, uint64_t key, uint64_t val), void *ctx)
{
	int rc = 0;

	if (m->has_zero)
		rc = fn(ctx, 0, m->zero_val);
	for (size_t i = 0; !rc && i < m->cap; i++)
		if (m->v[i].key)
			rc = fn(ctx, m->v[i].key, m->v[i].val);
	return rc;
}

void u64map_release(struct u64map *m)
{
	free(m->v);
	*m = (struct u64map)U64MAP_INIT;
}
