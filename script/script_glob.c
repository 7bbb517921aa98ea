/*
 * script_glob: pathname expansion of a pattern word against the image
 * (XCU 2.13.3): each '/'-separated component with an unescaped * ? or [
 * is matched by fnmatch(3) against the names of the directories the
 * components before it named; a name starting with '.' only by a
 * component starting with '.' (FNM_PERIOD), "." and ".." never; the
 * result sorted in byte order, as the shell sorts it under LC_ALL=C. A
 * pattern ending in '/' names directories only.
 */
#include "script/script_impl.h"

#include "base/grow.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int names_push(struct vfs_names *ns, char *s)
{
	if (!s || grow(&ns->v, ns->n, &ns->cap, sizeof(*ns->v))) {
		free(s);
		return -ENOMEM;
	}
	ns->v[ns->n++] = s;
	return 0;
}

void script_glob_free(struct vfs_names *ns)
{
	/* each name its own allocation, unlike vfs_list's one buffer */
	for (size_t i = 0; i < ns->n; i++)
		free(ns->v[i]);
	vfs_names_free(ns);
}

/* prefix and name joined by one '/' ("" + name is name). */
static char *join(const char *prefix, const char *name, size_t len)
{
	size_t pl = strlen(prefix);
	bool slash = pl && prefix[pl - 1] != '/';
	char *s = malloc(pl + slash + len + 1);

	if (!s)
		return NULL;
	memcpy(s, prefix, pl);
	if (slash)
		s[pl] = '/';
	memcpy(s + pl + slash, name, len);
	s[pl + slash + len] = '\0';
	return s;
}

/* Whether component p (n bytes) has an unescaped * ? or [. */
static bool magic(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\\')
			i++;
		else if (p[i] == '*' || p[i] == '?' || p[i] == '[')
			return true;
	}
	return false;
}

/* Whether path names an entry (not following a final symlink); with
 * dir, a directory (following one, as "link/" does). */
static bool exists(struct vfs_fs *fs, const char *path, bool dir)
{
	struct vfs_node *n;
	struct vfs_attr a;
	bool ok;

	if (vfs_resolve(fs, *path ? path : "/", dir, &n))
		return false;
	ok = !dir || (!vfs_getattr(fs, n, &a) && S_ISDIR(a.mode));
	vfs_put(fs, n);
	return ok;
}

/* The names in directory prefix that the component pattern matches. */
static int match_dir(struct vfs_fs *fs, const char *prefix, const char *comp,
		     struct vfs_names *out)
{
	struct vfs_names ns = { 0 };
	struct vfs_node *d;
	int rc = vfs_resolve(fs, *prefix ? prefix : "/", true, &d);

	if (rc)
		return 0;	/* nothing there: no match, not an error */
	rc = vfs_list(fs, d, &ns);
	vfs_put(fs, d);
	if (rc)
		return rc == -ENOTDIR ? 0 : rc;
	for (size_t i = 0; !rc && i < ns.n; i++) {
		const char *nm = ns.v[i];

		if (!strcmp(nm, ".") || !strcmp(nm, "..") ||
		    fnmatch(comp, nm, FNM_PERIOD))
			continue;
		rc = names_push(out, join(prefix, nm, strlen(nm)));
	}
	vfs_names_free(&ns);
	return rc;
}

/* One component (n bytes at p) applied to every path in cur. */
static int step(struct vfs_fs *fs, struct vfs_names *cur, const char *p,
		size_t n, bool last, struct vfs_names *next)
{
	char *comp = strndup(p, n), *lit;
	bool m = magic(p, n);
	size_t k = 0;
	int rc = comp ? 0 : -ENOMEM;

	if (!rc && !m) {	/* literal: the backslashes go */
		for (size_t i = 0; i < n; i++)
			if (p[i] != '\\' || ++i < n)
				comp[k++] = p[i];
		comp[k] = '\0';
	}
	for (size_t i = 0; !rc && i < cur->n; i++) {
		if (m) {
			rc = match_dir(fs, cur->v[i], comp, next);
			continue;
		}
		lit = join(cur->v[i], comp, strlen(comp));
		if (lit && !exists(fs, lit, !last)) {
			free(lit);
			continue;
		}
		rc = names_push(next, lit);
	}
	free(comp);
	return rc;
}

static int by_bytes(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Keeps the directories of ns, each with a trailing '/'. */
static int only_dirs(struct vfs_fs *fs, struct vfs_names *ns)
{
	size_t k = 0;
	int rc = 0;

	for (size_t i = 0; i < ns->n; i++) {
		char *s = ns->v[i];

		ns->v[i] = NULL;
		if (rc || !exists(fs, s, true)) {
			free(s);
			continue;
		}
		ns->v[k] = join(s, "", 0);
		free(s);
		rc = ns->v[k] ? 0 : -ENOMEM;
		k += !rc;
	}
	ns->n = k;
	return rc;
}

int script_glob(struct vfs_fs *fs, const char *pattern, struct vfs_names *out)
{
	struct vfs_names cur = { 0 }, next = { 0 };
	const char *p = pattern;
	size_t plen = strlen(pattern);
	bool dirs = plen && pattern[plen - 1] == '/';
	int rc = names_push(&cur, strdup(*p == '/' ? "/" : ""));

	memset(out, 0, sizeof(*out));
	while (!rc && *p) {
		size_t n;

		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (!n)
			break;
		rc = step(fs, &cur, p, n, !p[n] || !p[n + strspn(p + n, "/")],
			  &next);
		script_glob_free(&cur);
		cur = next;
		memset(&next, 0, sizeof(next));
		p += n;
	}
	if (!rc && dirs)
		rc = only_dirs(fs, &cur);
	if (rc) {
		script_glob_free(&cur);
		return rc;
	}
	if (cur.n > 1)
		qsort(cur.v, cur.n, sizeof(*cur.v), by_bytes);
	*out = cur;
	return 0;
}
