/*
 * entry: writers that change entries on their way to another writer (see
 * entry.h).
 */
#include "layers/entry.h"

static bool later(struct timespec a, struct timespec b)
{
	return a.tv_sec > b.tv_sec ||
	       (a.tv_sec == b.tv_sec && a.tv_nsec > b.tv_nsec);
}

static int clamp_write(struct entry_writer *w, const struct entry *ent,
		       struct err *e)
{
	struct entry_clamp *c = (struct entry_clamp *)w;
	struct entry copy;

	if (!later(ent->mtime, c->t))
		return entry_write(c->next, ent, e);
	copy = *ent;
	copy.mtime = c->t;
	return entry_write(c->next, &copy, e);
}

static int clamp_finish(struct entry_writer *w, struct err *e)
{
	return entry_finish(((struct entry_clamp *)w)->next, e);
}

static const struct entry_writer_ops clamp_ops = {
	.write = clamp_write, .finish = clamp_finish,
};

struct entry_writer *entry_clamp_init(struct entry_clamp *c,
				      struct entry_writer *next,
				      struct timespec t)
{
	c->w.ops = &clamp_ops;
	c->next = next;
	c->t = t;
	return &c->w;
}
