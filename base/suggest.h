/*
 * suggest: "did you mean" for a mistyped name, as git's help.c does for an
 * unknown command: the known names closest by edit distance.
 */
#ifndef OVERTAR_SUGGEST_H
#define OVERTAR_SUGGEST_H

#include <stddef.h>

/*
 * The optimal-string-alignment distance of a and b: insertions,
 * deletions, substitutions and swaps of two neighbours, each costing 1
 * (Damerau-Levenshtein as git's levenshtein.c computes it). SIZE_MAX
 * when out of memory.
 */
size_t suggest_distance(const char *a, const char *b);

/*
 * Writes into buf (size bytes) the names among the n in names closest to
 * word, as "'a' or 'b'", when close enough to be a likely typo (a
 * distance of at most 2, and less than word's length); "" otherwise.
 * Returns buf. Prints nothing.
 */
char *suggest_names(const char *word, const char *const *names, size_t n,
		    char *buf, size_t size);

#endif
