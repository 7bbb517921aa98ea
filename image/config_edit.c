/*
 * config_edit: the config edits of `overtar mod` and of build scripts,
 * one table of them (image.h, image_edit). They change the "config"
 * object of an image config (image-spec config.md: Env, Entrypoint, Cmd,
 * User, WorkingDir, Labels, ExposedPorts, Volumes, StopSignal) or the
 * manifest's annotations (manifest.md), keeping everything else in its
 * order.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/image_impl.h"

/* The "config" object of cfg, made when missing. NULL on ENOMEM. */
static json_t *inner(json_t *cfg)
{
	json_t *c = json_object_get(cfg, "config");

	if (json_is_object(c))
		return c;
	c = json_object();
	if (!c || json_object_set_new(cfg, "config", c))
		return NULL;
	return c;
}

/* The object field name of o, made when missing. NULL on ENOMEM. */
static json_t *object_field(json_t *o, const char *name)
{
	json_t *f = json_object_get(o, name);

	if (json_is_object(f))
		return f;
	f = json_object();
	if (!f || json_object_set_new(o, name, f))
		return NULL;
	return f;
}

/* Splits "NAME=VALUE": *nlen bytes of name; -EINVAL without a name. */
static int split_kv(const char *arg, size_t *nlen, const char **val,
		    bool need_value, struct err *e)
{
	const char *eq = strchr(arg, '=');

	if ((need_value && !eq) || eq == arg || !*arg)
		return err_set(e, -EINVAL, "'%s': not NAME=VALUE", arg);
	*nlen = eq ? (size_t)(eq - arg) : strlen(arg);
	*val = eq ? eq + 1 : NULL;
	if (!need_value && eq)
		return err_set(e, -EINVAL, "'%s': a name, without '='", arg);
	return 0;
}

/* The index of NAME= in the Env array, or -1. */
static ssize_t env_find(const json_t *env, const char *name, size_t nlen)
{
	size_t i;
	json_t *v;

	json_array_foreach(env, i, v) {
		const char *s = json_string_value(v);

		if (s && !strncmp(s, name, nlen) && s[nlen] == '=')
			return (ssize_t)i;
	}
	return -1;
}

/* env, unset-env and env-append: Env is a list of "NAME=VALUE". */
static int edit_env(json_t *cfg, const char *op, const char *arg,
		    struct err *e)
{
	bool unset = !strcmp(op, "unset-env"), add = !strcmp(op, "env-append");
	json_t *c = inner(cfg), *env, *s;
	const char *val;
	size_t nlen;
	ssize_t at;
	int rc = split_kv(arg, &nlen, &val, !unset, e);

	if (rc)
		return rc;
	if (!c)
		return -ENOMEM;
	env = json_object_get(c, "Env");
	if (!json_is_array(env)) {
		env = json_array();
		if (!env || json_object_set_new(c, "Env", env))
			return -ENOMEM;
	}
	at = env_find(env, arg, nlen);
	if (unset)
		return at < 0 ? 0 : json_array_remove(env, (size_t)at);
	if (add && at >= 0) {
		const char *old = json_string_value(json_array_get(env, at));

		s = json_sprintf("%s%s", old, val);
	} else {
		/* appending to nothing: the value without its separator */
		if (add && *val == ':')
			val++;
		s = json_sprintf("%.*s=%s", (int)nlen, arg, val);
	}
	if (!s)
		return -ENOMEM;
	return at >= 0 ? json_array_set_new(env, (size_t)at, s)
		       : json_array_append_new(env, s);
}

/* entrypoint and cmd: exec form, one element per word. */
static int edit_words(json_t *cfg, const char *field, char *const *argv,
		      size_t argc)
{
	json_t *c = inner(cfg), *a = json_array();

	if (!c || !a) {
		json_decref(a);
		return -ENOMEM;
	}
	for (size_t i = 0; i < argc; i++)
		if (json_array_append_new(a, json_string(argv[i]))) {
			json_decref(a);
			return -ENOMEM;
		}
	return json_object_set_new(c, field, a) ? -ENOMEM : 0;
}

/* label, unset-label and annotation: string maps. */
static int edit_map(json_t *o, const char *field, bool unset,
		    const char *arg, struct err *e)
{
	const char *val;
	size_t nlen;
	json_t *m;
	char *name;
	int rc = split_kv(arg, &nlen, &val, !unset, e);

	if (rc)
		return rc;
	m = !o ? NULL : field ? object_field(o, field) : o;
	if (!m || !(name = strndup(arg, nlen)))
		return -ENOMEM;
	if (unset)
		json_object_del(m, name);
	else
		rc = json_object_set_new(m, name, json_string(val)) ? -ENOMEM
								    : 0;
	free(name);
	return rc;
}

/* expose PORT[/PROTO]: ExposedPorts {"PORT/PROTO": {}}, tcp by default. */
static int edit_expose(json_t *cfg, const char *arg, struct err *e)
{
	const char *slash = strchr(arg, '/');
	const char *proto = slash ? slash + 1 : "tcp";
	char *end, key[32];
	long port = strtol(arg, &end, 10);
	json_t *m;

	if (end == arg || end != (slash ? slash : arg + strlen(arg)) ||
	    port < 1 || port > 65535 || (strcmp(proto, "tcp") &&
	    strcmp(proto, "udp") && strcmp(proto, "sctp")))
		return err_set(e, -EINVAL, "'%s': not PORT[/tcp|udp|sctp]",
			       arg);
	snprintf(key, sizeof(key), "%ld/%s", port, proto);
	m = object_field(inner(cfg), "ExposedPorts");
	if (!m || json_object_set_new(m, key, json_object()))
		return -ENOMEM;
	return 0;
}

/* stop-signal SIG: a signal name (SIG prefix optional) or number. */
static int edit_signal(json_t *cfg, const char *arg, struct err *e)
{
	const char *name = strncmp(arg, "SIG", 3) ? arg : arg + 3;
	char *end;
	long n = strtol(arg, &end, 10);
	bool ok = end != arg && !*end && n > 0 && n < NSIG;
	json_t *c = inner(cfg);

	for (int s = 1; !ok && s < NSIG; s++)
		ok = sigabbrev_np(s) && !strcmp(sigabbrev_np(s), name);
	if (!ok)
		return err_set(e, -EINVAL, "'%s': not a signal", arg);
	if (!c || json_object_set_new(c, "StopSignal", json_string(arg)))
		return -ENOMEM;
	return 0;
}

/* user, workdir and volume: one string, or a set member. */
static int edit_string(json_t *cfg, const char *op, const char *arg,
		       struct err *e)
{
	json_t *c = inner(cfg), *m;

	if (!c)
		return -ENOMEM;
	if (!strcmp(op, "user")) {
		if (!*arg || strchr(arg, ':') != strrchr(arg, ':'))
			return err_set(e, -EINVAL, "'%s': not USER[:GROUP]",
				       arg);
		return json_object_set_new(c, "User", json_string(arg))
			       ? -ENOMEM : 0;
	}
	/* config.md: WorkingDir and Volumes hold absolute paths */
	if (arg[0] != '/')
		return err_set(e, -EINVAL, "'%s': not an absolute path", arg);
	if (!strcmp(op, "workdir"))
		return json_object_set_new(c, "WorkingDir", json_string(arg))
			       ? -ENOMEM : 0;
	m = object_field(c, "Volumes");
	if (!m || json_object_set_new(m, arg, json_object()))
		return -ENOMEM;
	return 0;
}

static const struct { const char *name; int min, max; } edits[] = {
	{ "env", 1, 1 },	{ "unset-env", 1, 1 },
	{ "env-append", 1, 1 },	{ "entrypoint", 0, -1 },
	{ "cmd", 0, -1 },	{ "user", 1, 1 },
	{ "workdir", 1, 1 },	{ "label", 1, 1 },
	{ "unset-label", 1, 1 }, { "annotation", 1, 1 },
	{ "expose", 1, 1 },	{ "volume", 1, 1 },
	{ "stop-signal", 1, 1 },
};

bool image_edit_known(const char *op)
{
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++)
		if (!strcmp(edits[i].name, op))
			return true;
	return false;
}

int image_edit(json_t *cfg, json_t *annotations, const char *op,
	       char *const *argv, size_t argc, struct err *e)
{
	size_t i = 0;

	while (i < sizeof(edits) / sizeof(edits[0]) && strcmp(edits[i].name, op))
		i++;
	if (i == sizeof(edits) / sizeof(edits[0]))
		return err_set(e, -EINVAL, "unknown config edit '%s'", op);
	if (argc < (size_t)edits[i].min ||
	    (edits[i].max >= 0 && argc > (size_t)edits[i].max))
		return err_set(e, -EINVAL, "%s: %s", op, edits[i].max < 0 ?
			       "takes words" : "takes one argument");
	if (!strcmp(op, "entrypoint"))
		return edit_words(cfg, "Entrypoint", argv, argc);
	if (!strcmp(op, "cmd"))
		return edit_words(cfg, "Cmd", argv, argc);
	if (strstr(op, "env"))
		return edit_env(cfg, op, argv[0], e);
	if (!strcmp(op, "label") || !strcmp(op, "unset-label"))
		return edit_map(inner(cfg), "Labels", op[0] == 'u', argv[0],
				e);
	if (!strcmp(op, "annotation"))
		return edit_map(annotations, NULL, false, argv[0], e);
	if (!strcmp(op, "expose"))
		return edit_expose(cfg, argv[0], e);
	if (!strcmp(op, "stop-signal"))
		return edit_signal(cfg, argv[0], e);
	return edit_string(cfg, op, argv[0], e);
}
