/*
 * config: the image configuration written out (image-spec config.md).
 * Everything the input config holds is kept in its order (Env,
 * Entrypoint, Cmd, WorkingDir, User, Labels, fields overtar does not
 * know); rootfs.diff_ids, history and created are set for the layers
 * written. A squash keeps the old history entries marked empty_layer, so
 * that the non-empty entries still match the layers one to one (as
 * config.md asks) and the provenance stays readable.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "image/image_impl.h"

/* RFC 3339 in UTC, as config.md's "created"; nanoseconds when not 0. */
static void rfc3339(struct timespec ts, char buf[48])
{
	struct tm tm;
	time_t t = ts.tv_sec;
	size_t n;

	gmtime_r(&t, &tm);
	n = strftime(buf, 48, "%Y-%m-%dT%H:%M:%S", &tm);
	if (ts.tv_nsec) {
		snprintf(buf + n, 48 - n, ".%09ldZ", ts.tv_nsec);
		/* trailing zeros of the fraction add nothing */
		n = strlen(buf) - 1;
		while (buf[n - 1] == '0')
			n--;
		strcpy(buf + n, "Z");
	} else {
		strcpy(buf + n, "Z");
	}
}

const char *image_goarch(void)
{
	static const struct { const char *uname, *go; } map[] = {
		{ "x86_64", "amd64" }, { "aarch64", "arm64" },
		{ "i686", "386" }, { "armv7l", "arm" },
		{ "ppc64le", "ppc64le" }, { "s390x", "s390x" },
		{ "riscv64", "riscv64" },
	};
	static struct utsname u;

	if (uname(&u))
		return "amd64";
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(u.machine, map[i].uname))
			return map[i].go;
	return u.machine;
}

json_t *image_config_minimal(void)
{
	return json_pack("{s:s, s:s, s:{}}", "architecture", image_goarch(),
			 "os", "linux", "config");
}

/* Sets rootfs = {type: layers, diff_ids: [...]}. */
static int set_rootfs(json_t *cfg, const unsigned char (*ids)[32], size_t n)
{
	json_t *arr = json_array(), *rootfs;
	char d[72];

	if (!arr)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (json_array_append_new(arr, json_string(
				image_digest_str(ids[i], d)))) {
			json_decref(arr);
			return -ENOMEM;
		}
	rootfs = json_pack("{s:s, s:o}", "type", "layers", "diff_ids", arr);
	if (!rootfs || json_object_set_new(cfg, "rootfs", rootfs))
		return -ENOMEM;
	return 0;
}

/*
 * Marks the entries of the layers past the first keep empty_layer (their
 * layers are squashed) and returns how many layers that was.
 */
static size_t empty_history(json_t *hist, size_t keep)
{
	size_t i, layers = 0, squashed = 0;
	json_t *h;

	json_array_foreach(hist, i, h) {
		if (!json_is_object(h) ||
		    json_is_true(json_object_get(h, "empty_layer")))
			continue;
		if (++layers <= keep)
			continue;
		json_object_set_new(h, "empty_layer", json_true());
		squashed++;
	}
	return squashed;
}

/* Updates history: kept entries, squashed ones emptied, the new one. */
static int set_history(json_t *cfg, const struct image_out_opts *o,
		       const char *created)
{
	json_t *hist = json_object_get(cfg, "history"), *ent;
	size_t squashed;

	if (!json_is_array(hist)) {
		hist = json_array();
		if (!hist || json_object_set_new(cfg, "history", hist))
			return -ENOMEM;
	}
	squashed = empty_history(hist, o->history_keep);
	if (o->no_layer)
		return 0;
	ent = json_pack("{s:s, s:s}", "created", created, "created_by",
			o->created_by ? o->created_by : "overtar");
	if (ent && squashed) {
		char c[64];

		snprintf(c, sizeof(c), "squashed %zu layers", squashed);
		if (json_object_set_new(ent, "comment", json_string(c)))
			ent = NULL;
	}
	if (!ent || json_array_append_new(hist, ent))
		return -ENOMEM;
	return 0;
}

/* {architecture, os} of cfg when both are strings, else NULL. */
static json_t *platform_of(const json_t *cfg)
{
	json_t *arch = json_object_get(cfg, "architecture");
	json_t *os = json_object_get(cfg, "os");

	if (!json_is_string(arch) || !json_is_string(os))
		return NULL;
	return json_pack("{s:O, s:O}", "architecture", arch, "os", os);
}

int image_config_env(const struct image *img, const char ***out, size_t *n)
{
	json_t *env = json_object_get(json_object_get(img->config, "config"),
				      "Env"), *v;
	size_t i;

	*out = NULL;
	*n = 0;
	if (!json_is_array(env) || !json_array_size(env))
		return 0;
	*out = calloc(json_array_size(env), sizeof(**out));
	if (!*out)
		return -ENOMEM;
	json_array_foreach(env, i, v)
		if (json_is_string(v))
			(*out)[(*n)++] = json_string_value(v);
	return 0;
}

/* config.Env as o says, when a script changed it; the rest is kept. */
static int set_env(json_t *cfg, const struct image_out_opts *o)
{
	json_t *c = json_object_get(cfg, "config"), *env;

	if (!o->set_env)
		return 0;
	if (!json_is_object(c)) {
		c = json_object();
		if (!c || json_object_set_new(cfg, "config", c))
			return -ENOMEM;
	}
	env = json_array();
	if (!env || json_object_set_new(c, "Env", env))
		return -ENOMEM;
	for (size_t i = 0; i < o->nenv; i++)
		if (json_array_append_new(env, json_string(o->env[i])))
			return -ENOMEM;
	return 0;
}

int image_config_make(const struct image_out_opts *o,
		      const unsigned char (*diff_ids)[32], size_t n,
		      char **json, size_t *len, json_t **platform)
{
	const json_t *from = o->config ? o->config
			     : o->base ? o->base->config : NULL;
	json_t *cfg = from ? json_deep_copy(from) : image_config_minimal();
	char created[48];
	int rc = -ENOMEM;

	*json = NULL;
	if (platform)
		*platform = NULL;
	if (!cfg)
		return -ENOMEM;
	rfc3339(o->created, created);
	if (!o->no_layer &&
	    json_object_set_new(cfg, "created", json_string(created)))
		goto out;
	rc = set_rootfs(cfg, diff_ids, n);
	if (!rc)
		rc = set_env(cfg, o);
	if (!rc)
		rc = set_history(cfg, o, created);
	if (!rc && !(*json = image_json_dump(cfg, len)))
		rc = -ENOMEM;
	if (!rc && platform)
		*platform = platform_of(cfg);
out:
	json_decref(cfg);
	return rc;
}

const char *image_layer_created_by(const struct image *img, size_t i)
{
	json_t *hist = json_object_get(img->config, "history"), *ent;
	size_t k = 0, j;

	/* config.md: the entries not marked empty_layer match the layers */
	json_array_foreach(hist, j, ent) {
		if (json_is_true(json_object_get(ent, "empty_layer")))
			continue;
		if (k++ == i)
			return json_string_value(json_object_get(ent,
								 "created_by"));
	}
	return NULL;
}
