/*
 * suggest: the closest names to a mistyped one (see suggest.h).
 */
#include "base/suggest.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;

	return m < c ? m : c;
}

size_t suggest_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), d;
	/* three rows of the dynamic programme: two back, one back, now */
	size_t *r = malloc(3 * (lb + 1) * sizeof(*r));
	size_t *r0, *r1, *r2;

	if (!r)
		return SIZE_MAX;
	r0 = r, r1 = r + lb + 1, r2 = r + 2 * (lb + 1);
	for (size_t j = 0; j <= lb; j++)
		r1[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t *t;

		r2[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];

			r2[j] = min3(r1[j] + 1, r2[j - 1] + 1, r1[j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && r0[j - 2] + 1 < r2[j])
				r2[j] = r0[j - 2] + 1;
		}
		t = r0, r0 = r1, r1 = r2, r2 = t;
	}
	d = r1[lb];
	free(r);
	return d;
}

char *suggest_names(const char *word, const char *const *names, size_t n,
		    char *buf, size_t size)
{
	size_t best = SIZE_MAX, len = 0, wl = strlen(word);

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		size_t d = suggest_distance(word, names[i]);

		if (d < best)
			best = d;
	}
	if (best > 2 || best >= wl)
		return buf;
	for (size_t i = 0; i < n && len < size; i++) {
		int k;

		bool seen = false;

		for (size_t j = 0; j < i && !seen; j++)
			seen = !strcmp(names[j], names[i]);
		if (seen || suggest_distance(word, names[i]) != best)
			continue;
		k = snprintf(buf + len, size - len, "%s'%s'", len ? " or " : "",
			     names[i]);
		if (k < 0)
			break;
		len += (size_t)k;
	}
	return buf;
}
