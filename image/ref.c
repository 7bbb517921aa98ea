/*
 * ref: the grammar of the names an image is written under, so that a tag
 * that no client could use (not UTF-8, a space, an empty component) is
 * refused with the rule it breaks instead of dropped or written.
 *
 * OCI image-layout "org.opencontainers.image.ref.name" (annotations.md):
 *   ref       ::= component ("/" component)*
 *   component ::= alphanum (separator alphanum)*
 *   alphanum  ::= [A-Za-z0-9]+
 *   separator ::= [-._:@+] | "--"
 * docker-archive RepoTags, distribution/reference's grammar (reference.go):
 *   name  ::= [domain "/"] path-component ("/" path-component)*
 *   path-component ::= [a-z0-9]+ (("." | "_" | "__" | "-"+) [a-z0-9]+)*
 *   domain ::= a host name of [A-Za-z0-9.-], an optional ":" port
 *   tag   ::= [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
 */
#include "image/image_impl.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static bool alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

static bool lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* The character at p for a message: itself, or its byte in hex. */
static const char *shown(const char *p, char buf[8])
{
	unsigned char c = (unsigned char)*p;

	if (c > 0x20 && c < 0x7f)
		snprintf(buf, 8, "'%c'", c);
	else
		snprintf(buf, 8, "0x%02x", c);
	return buf;
}

static int oci_ref(const char *r, struct err *e)
{
	char b[8];
	const char *p = r;

	if (!*r)
		return err_set(e, -EINVAL, "empty tag");
	while (*p) {
		/* a component: alphanum (separator alphanum)* */
		if (!alnum(*p))
			return err_set(e, -EINVAL, "tag '%s': %s at byte %zu: a "
				       "component starts and ends with a letter "
				       "or digit (OCI annotations.md, ref.name)",
				       r, *p ? shown(p, b) : "end",
				       (size_t)(p - r));
		while (alnum(*p))
			p++;
		if (!*p)
			return 0;
		if (*p == '/') {
			p++;
			continue;
		}
		if (p[0] == '-' && p[1] == '-')
			p += 2;
		else if (strchr("-._:@+", *p))
			p++;
		else
			return err_set(e, -EINVAL, "tag '%s': %s at byte %zu is "
				       "not allowed: letters and digits joined "
				       "by one of - . _ : @ + or -- (OCI "
				       "annotations.md, ref.name)", r,
				       shown(p, b), (size_t)(p - r));
		if (!alnum(*p))
			return err_set(e, -EINVAL, "tag '%s': a separator at "
				       "byte %zu is not followed by a letter or "
				       "digit (OCI annotations.md, ref.name)",
				       r, (size_t)(p - r - 1));
	}
	return err_set(e, -EINVAL, "tag '%s': ends with '/' (OCI "
		       "annotations.md, ref.name)", r);
}

/* One path component of a docker name, [a, end). */
static bool docker_component(const char *a, const char *end)
{
	const char *p = a;

	if (p == end || !lower_alnum(*p))
		return false;
	while (p < end) {
		while (p < end && lower_alnum(*p))
			p++;
		if (p == end)
			return true;
		if (*p == '.' || *p == '_')
			p += (p + 1 < end && *p == '_' && p[1] == '_') ? 2 : 1;
		else if (*p == '-')
			while (p < end && *p == '-')
				p++;
		else
			return false;
		if (p == end || !lower_alnum(*p))
			return false;
	}
	return true;
}

/* A registry host, [a, end): letters, digits, '.', '-', a ":port". */
static bool docker_domain(const char *a, const char *end)
{
	const char *colon = memchr(a, ':', (size_t)(end - a));

	for (const char *p = a; p < (colon ? colon : end); p++)
		if (!alnum(*p) && *p != '.' && *p != '-')
			return false;
	for (const char *p = colon ? colon + 1 : end; p < end; p++)
		if (*p < '0' || *p > '9')
			return false;
	return a < (colon ? colon : end) && (!colon || colon + 1 < end);
}

static int docker_ref(const char *r, struct err *e)
{
	const char *slash = strrchr(r, '/');
	const char *colon = strchr(slash ? slash : r, ':');
	const char *end = colon ? colon : r + strlen(r), *p = r, *c;
	size_t n = 0;

	if (colon) {
		const char *t = colon + 1;
		size_t tl = strlen(t);

		if (!tl || tl > 128 || !(alnum(*t) || *t == '_'))
			return err_set(e, -EINVAL, "reference '%s': the tag must "
				       "be 1 to 128 of [A-Za-z0-9_.-], not "
				       "starting with '.' or '-' (distribution "
				       "reference grammar)", r);
		for (; *t; t++)
			if (!alnum(*t) && !strchr("_.-", *t))
				return err_set(e, -EINVAL, "reference '%s': the "
					       "tag may hold only [A-Za-z0-9_.-] "
					       "(distribution reference "
					       "grammar)", r);
	}
	for (; p <= end; p = c + 1, n++) {
		c = memchr(p, '/', (size_t)(end - p));
		if (!c)
			c = end;
		/* the first of several components may be a registry host */
		if (!n && c < end && (memchr(p, '.', (size_t)(c - p)) ||
				      memchr(p, ':', (size_t)(c - p)) ||
				      (c - p == 9 && !memcmp(p, "localhost", 9)))) {
			if (!docker_domain(p, c))
				return err_set(e, -EINVAL, "reference '%s': "
					       "'%.*s' is no registry host "
					       "(distribution reference "
					       "grammar)", r, (int)(c - p), p);
			continue;
		}
		if (!docker_component(p, c))
			return err_set(e, -EINVAL, "reference '%s': name "
				       "component '%.*s' must be lowercase "
				       "letters and digits joined by '.', '_', "
				       "'__' or '-' (distribution reference "
				       "grammar)", r, (int)(c - p), p);
		if (c == end)
			break;
	}
	return 0;
}

int image_ref_check(enum image_kind kind, const char *ref, struct err *e)
{
	return kind == IMAGE_OCI ? oci_ref(ref, e) : docker_ref(ref, e);
}
