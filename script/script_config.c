/*
 * script_config: the config edits as script commands (overtar-script(5)
 * "Config edits"), so that one build script holds a build's file edits
 * and its config edits. Each is image_edit (image/config_edit.c) of the
 * same name and words as `overtar mod`'s option, applied to the config
 * build writes; entrypoint and cmd take one word per argument (exec
 * form). Without an image output there is no config to edit: an error.
 */
#include <errno.h>
#include <string.h>

#include "image/image.h"
#include "script/script_cmds.h"
#include "script/script_impl.h"

int script_config_apply(struct script_ctx *c, const char *name,
			char *const *args, size_t nargs)
{
	struct err e;
	int rc;

	err_clear(&e);
	rc = image_edit(c->env->config, c->env->annotations, name, args,
			nargs, &e);
	if (rc == -EINVAL)
		return script_failf(c, NULL, rc, "%s", e.msg);
	return script_fail(c, NULL, rc);
}

int script_config_edit(struct script_ctx *c)
{
	if (!c->env->config)
		return script_failf(c, NULL, -EINVAL, "config edits need an "
				    "image output (-o oci:... or "
				    "docker-archive:...)");
	return script_config_apply(c, c->cmd->name, c->args, c->nargs);
}
