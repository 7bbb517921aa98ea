/*
 * script_vars: the variables ${NAME} expands to, and the `env` command.
 * A value comes from the script's latest `env NAME=...` (as a Dockerfile's
 * ENV is seen by the lines after it: Dockerfile reference, "Environment
 * replacement"), else from -D NAME=VALUE (a later -D over an earlier
 * one), else from the image config's Env. Each `env` also becomes a
 * config edit, for build to write into the image's Env.
 */
#include "script/script_impl.h"

#include "base/grow.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "script/script_cmds.h"

/* The index of name's entry in l, or l->n. */
static size_t find(const struct script_envlist *l, const char *name,
		   size_t nlen)
{
	size_t i = 0;

	while (i < l->n && !(!strncmp(l->v[i], name, nlen) &&
			     l->v[i][nlen] == '='))
		i++;
	return i;
}

int script_envlist_set(struct script_envlist *l, const char *name,
		       size_t nlen, const char *value, size_t vlen)
{
	size_t i = find(l, name, nlen);
	char *s = malloc(nlen + vlen + 2);

	if (!s)
		return -ENOMEM;
	memcpy(s, name, nlen);
	s[nlen] = '=';
	memcpy(s + nlen + 1, value, vlen);
	s[nlen + 1 + vlen] = '\0';
	if (i == l->n && grow(&l->v, l->n, &l->cap, sizeof(*l->v))) {
		free(s);
		return -ENOMEM;
	}
	if (i == l->n)
		l->n++;
	else
		free(l->v[i]);
	l->v[i] = s;
	return 0;
}

int script_envlist_put(struct script_envlist *l, const char *entry)
{
	const char *eq = strchr(entry, '=');

	if (!eq)
		return -EINVAL;
	return script_envlist_set(l, entry, (size_t)(eq - entry), eq + 1,
				  strlen(eq + 1));
}

const char *script_envlist_get(const struct script_envlist *l,
			       const char *name, size_t nlen)
{
	size_t i = find(l, name, nlen);

	return i < l->n ? l->v[i] + nlen + 1 : NULL;
}

void script_envlist_release(struct script_envlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void script_env_release(struct script_env *env)
{
	script_envlist_release(&env->vars);
	for (size_t i = 0; i < env->edits.n; i++) {
		free(env->edits.v[i].key);
		free(env->edits.v[i].value);
	}
	free(env->edits.v);
	memset(&env->edits, 0, sizeof(env->edits));
}

bool script_is_assignment(const char *s, size_t *nlen)
{
	size_t n = 0;

	while ((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= 'a' && s[n] <= 'z') ||
	       s[n] == '_' || (n && s[n] >= '0' && s[n] <= '9'))
		n++;
	*nlen = n;
	return n && s[n] == '=';
}

int script_var_lookup(void *ctx, const char *name, size_t len,
		      const char **val, size_t *vlen)
{
	const struct script_env *env = ctx;

	/* the script's own env commands first: the latest one */
	for (size_t i = env->edits.n; i-- > 0;) {
		const struct script_edit *ed = &env->edits.v[i];

		if (ed->kind == SCRIPT_EDIT_ENV && strlen(ed->key) == len &&
		    !memcmp(ed->key, name, len)) {
			*val = ed->value;
			*vlen = strlen(*val);
			return 0;
		}
	}
	for (size_t i = env->ndefines; i-- > 0;) {
		const char *d = env->defines[i];

		if (!strncmp(d, name, len) && d[len] == '=') {
			*val = d + len + 1;
			*vlen = strlen(*val);
			return 0;
		}
	}
	*val = script_envlist_get(&env->vars, name, len);
	if (!*val)
		return -ENOENT;
	*vlen = strlen(*val);
	return 0;
}

static int add_edit(struct script_edits *ed, enum script_edit_kind kind,
		    const char *key, size_t klen, const char *value)
{
	struct script_edit *e;

	if (grow(&ed->v, ed->n, &ed->cap, sizeof(*ed->v)))
		return -ENOMEM;
	e = &ed->v[ed->n];
	e->kind = kind;
	e->key = strndup(key, klen);
	e->value = strdup(value);
	if (!e->key || !e->value) {
		free(e->key);
		free(e->value);
		return -ENOMEM;
	}
	ed->n++;
	return 0;
}

/*
 * env NAME=VALUE...: each assignment, in order, for the lines after; with
 * an image output also the config's Env, in script order with the other
 * config edits (unset-env, env-append: script_config.c), so that one
 * list of edits makes the Env written.
 */
int script_env_set(struct script_ctx *c)
{
	struct script_env *env = c->env;
	int rc = 0;

	for (size_t i = 0; !rc && i < c->nargs; i++) {
		const char *a = c->args[i];
		size_t n;

		if (!script_is_assignment(a, &n))
			return script_failf(c, NULL, -EINVAL, "'%s' is not "
					    "NAME=VALUE", a);
		rc = script_envlist_set(&env->vars, a, n, a + n + 1,
					strlen(a + n + 1));
		if (!rc)
			rc = add_edit(&env->edits, SCRIPT_EDIT_ENV, a, n,
				      a + n + 1);
		if (!rc)
			env->edits.v[env->edits.n - 1].lineno = c->lineno;
		if (!rc && env->config)
			rc = script_config_apply(c, "env", &c->args[i], 1);
	}
	return rc;
}
