/*
 * progress: counters the engine advances while it works, for the command
 * line to poll (cmd/progress.c draws them; nothing here prints). Every
 * module that takes a struct progress * accepts NULL for none. Counters
 * are atomic because layers load on several threads at once; the rest is
 * set by the command line before and between phases.
 */
#ifndef OVERTAR_PROGRESS_H
#define OVERTAR_PROGRESS_H

#include <stdatomic.h>
#include <stdint.h>

enum progress_phase {
	PROGRESS_IDLE,
	PROGRESS_READ,		/* loading layers */
	PROGRESS_SCRIPT,	/* applying the edit script */
	PROGRESS_WRITE,		/* writing the output */
	PROGRESS_NPHASES
};

struct progress {
	_Atomic int phase;		/* enum progress_phase */
	_Atomic uint64_t in_bytes;	/* of the layer files, as read */
	_Atomic uint64_t in_entries;	/* tar entries read */
	_Atomic uint32_t layers_done;
	uint32_t nlayers;
	uint64_t in_total;		/* bytes of the layer files; 0: not known */
	_Atomic uint64_t out_bytes;	/* tar bytes written (before
					   compression) */
	_Atomic uint64_t out_entries;
};

/* Adds n to counter c of p, when p is not NULL. */
#define progress_add(p, c, n) \
	do { \
		if (p) \
			atomic_fetch_add_explicit(&(p)->c, (n), \
						  memory_order_relaxed); \
	} while (0)

#endif
