/*
 * script_mode: modes as chmod(1) reads them, octal or symbolic, compiled
 * and applied by the rules of gnulib's modechange.c (mode_compile,
 * mode_adjust), which coreutils' chmod, mkdir -m and mknod -m share. The
 * one difference: the image has no umask, so a clause without u, g, o or
 * a ("+x", "=r") applies to all three classes, as "a+x" does.
 */
#include "script/script_impl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define ALL_BITS (S_ISUID | S_ISGID | S_ISVTX | S_IRWXU | S_IRWXG | S_IRWXO)

enum change_flag {
	CHANGE_ORDINARY,	/* value as given */
	CHANGE_X_IF_ANY_X,	/* X: execute if a directory or any x */
	CHANGE_COPY,		/* g=u: the bits the class already has */
};

struct change {
	char op;		/* '=', '+', '-' */
	enum change_flag flag;
	mode_t affected;	/* who; 0 when not given */
	mode_t value;
	mode_t mentioned;	/* bits the clause names */
};

struct script_mode {
	size_t n;
	struct change c[];
};

/* An octal mode: one '=' over every bit (mode_compile's octal case). */
static int octal(const char *s, struct script_mode **out)
{
	unsigned long v = 0;
	size_t n = 0;

	for (; s[n] >= '0' && s[n] <= '7'; n++)
		if ((v = v * 8 + (unsigned long)(s[n] - '0')) > 07777)
			return -EINVAL;
	if (s[n])
		return -EINVAL;
	*out = malloc(sizeof(**out) + sizeof(struct change));
	if (!*out)
		return -ENOMEM;
	(*out)->n = 1;
	(*out)->c[0] = (struct change){
		.op = '=', .flag = CHANGE_ORDINARY, .affected = ALL_BITS,
		.value = (mode_t)v,
		/* fewer than 5 digits leave a directory's setuid and setgid
		 * bits as they are unless given (chmod(1), "SETUID AND
		 * SETGID BITS") */
		.mentioned = n < 5 ? ((mode_t)v & (S_ISUID | S_ISGID)) |
				     S_ISVTX | 0777 : ALL_BITS,
	};
	return 0;
}

/* The permission letters of one clause after its operator. */
static const char *perms(const char *s, struct change *ch)
{
	switch (*s) {
	case 'u':
		ch->value = S_IRWXU, ch->flag = CHANGE_COPY;
		return s + 1;
	case 'g':
		ch->value = S_IRWXG, ch->flag = CHANGE_COPY;
		return s + 1;
	case 'o':
		ch->value = S_IRWXO, ch->flag = CHANGE_COPY;
		return s + 1;
	}
	for (;; s++) {
		switch (*s) {
		case 'r':
			ch->value |= S_IRUSR | S_IRGRP | S_IROTH;
			break;
		case 'w':
			ch->value |= S_IWUSR | S_IWGRP | S_IWOTH;
			break;
		case 'x':
			ch->value |= S_IXUSR | S_IXGRP | S_IXOTH;
			break;
		case 'X':
			ch->flag = CHANGE_X_IF_ANY_X;
			break;
		case 's':
			ch->value |= S_ISUID | S_ISGID;
			break;
		case 't':
			ch->value |= S_ISVTX;
			break;
		default:
			return s;
		}
	}
}

int script_mode_parse(const char *s, struct script_mode **out)
{
	struct script_mode *m;
	size_t cap;

	if (*s >= '0' && *s <= '7')
		return octal(s, out);
	cap = strlen(s) + 1;	/* at most one change per character */
	m = malloc(sizeof(*m) + cap * sizeof(m->c[0]));
	if (!m)
		return -ENOMEM;
	m->n = 0;
	do {
		mode_t affected = 0;

		for (;; s++) {
			if (*s == 'u')
				affected |= S_ISUID | S_IRWXU;
			else if (*s == 'g')
				affected |= S_ISGID | S_IRWXG;
			else if (*s == 'o')
				affected |= S_ISVTX | S_IRWXO;
			else if (*s == 'a')
				affected |= ALL_BITS;
			else
				break;
		}
		if (*s != '=' && *s != '+' && *s != '-')
			goto invalid;
		while (*s == '=' || *s == '+' || *s == '-') {
			struct change *ch = &m->c[m->n++];

			*ch = (struct change){ .op = *s++, .affected = affected };
			s = perms(s, ch);
			ch->mentioned = affected ? affected & ch->value
						 : ch->value;
		}
	} while (*s == ',' && ++s);
	if (*s)
		goto invalid;
	*out = m;
	return 0;
invalid:
	free(m);
	return -EINVAL;
}

void script_mode_free(struct script_mode *m)
{
	free(m);
}

/* mode_adjust: the new bits, and in *bits those the mode names. */
static mode_t adjust(const struct script_mode *m, mode_t old, bool dir,
		     mode_t *bits)
{
	mode_t mode = old & ALL_BITS;

	*bits = 0;
	for (size_t i = 0; i < m->n; i++) {
		const struct change *ch = &m->c[i];
		mode_t omit = (dir ? S_ISUID | S_ISGID : 0) & ~ch->mentioned;
		mode_t value = ch->value, keep;

		if (ch->flag == CHANGE_COPY) {
			value &= mode;
			value |= (value & (S_IRUSR | S_IRGRP | S_IROTH)
					  ? S_IRUSR | S_IRGRP | S_IROTH : 0) |
				 (value & (S_IWUSR | S_IWGRP | S_IWOTH)
					  ? S_IWUSR | S_IWGRP | S_IWOTH : 0) |
				 (value & (S_IXUSR | S_IXGRP | S_IXOTH)
					  ? S_IXUSR | S_IXGRP | S_IXOTH : 0);
		} else if (ch->flag == CHANGE_X_IF_ANY_X &&
			   ((mode & (S_IXUSR | S_IXGRP | S_IXOTH)) || dir)) {
			value |= S_IXUSR | S_IXGRP | S_IXOTH;
		}
		/* no who: every class, as with a umask of 0 */
		value &= (ch->affected ? ch->affected : ALL_BITS) & ~omit;
		if (ch->op == '=') {
			keep = (ch->affected ? ~ch->affected : 0) | omit;
			*bits |= ALL_BITS & ~keep;
			mode = (mode & keep) | value;
		} else if (ch->op == '+') {
			*bits |= value;
			mode |= value;
		} else {
			*bits |= value;
			mode &= ~value;
		}
	}
	return mode;
}

mode_t script_mode_apply(const struct script_mode *m, mode_t old, bool dir)
{
	mode_t bits;

	return adjust(m, old, dir, &bits);
}

int script_opt_mode(struct script_ctx *c, mode_t base, bool dir, mode_t dflt,
		    mode_t *out, mode_t *bits)
{
	const char *s = script_optval(c, 'm');
	struct script_mode *m;
	mode_t named;
	int rc;

	*out = dflt;
	if (bits)
		*bits = 0;
	if (!script_opt(c, 'm'))
		return 0;
	rc = script_mode_parse(s, &m);
	if (rc == -EINVAL)
		return script_failf(c, NULL, rc, "invalid mode '%s'", s);
	if (rc)
		return rc;
	*out = adjust(m, base, dir, &named);
	if (bits)
		*bits = named;
	script_mode_free(m);
	return 0;
}
