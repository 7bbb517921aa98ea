/*
 * script_cmds: the one table of script commands: name, handler, options,
 * word counts, usage line (overtar-script(5) documents each).
 */
#include "script/script_cmds.h"

#include <string.h>

#include "script/script_impl.h"

static const struct script_cmd script_cmds[] = {
	{ "mkdir", script_mkdir, "pm:", 1, -1, false,
	  "mkdir [-p] [-m MODE] PATH..." },
	{ "write", script_write, "m:", 2, 2, true,
	  "write [-m MODE] PATH TEXT | write [-m MODE] PATH <<TAG" },
	{ "append", script_append, "", 2, 2, true,
	  "append PATH TEXT | append PATH <<TAG" },
	{ "copy-in", script_copy_in, "", 2, 2, false,
	  "copy-in HOSTPATH DEST" },
	{ "rm", script_rm, "rf", 1, -1, false, "rm [-r] [-f] PATH..." },
	{ "rmdir", script_rmdir, "", 1, -1, false, "rmdir PATH..." },
	{ "mv", script_mv, "", 2, 2, false, "mv SRC DST" },
	{ "cp", script_cp, "ra", 2, 2, false, "cp [-r] [-a] SRC DST" },
	{ "ln", script_ln, "sf", 2, 2, false, "ln [-s] [-f] TARGET LINKPATH" },
	{ "chmod", script_chmod, "", 2, -1, false, "chmod MODE PATH..." },
	{ "chown", script_chown, "h", 2, -1, false,
	  "chown [-h] OWNER[:GROUP] PATH..." },
	{ "touch", script_touch, "hd:", 1, -1, false,
	  "touch [-h] [-d @EPOCH[.NSEC]] PATH..." },
	{ "truncate", script_truncate, "s:", 1, 1, false,
	  "truncate -s SIZE PATH" },
	{ "mknod", script_mknod, "m:", 2, 4, false,
	  "mknod [-m MODE] PATH c|b MAJOR MINOR | mknod [-m MODE] PATH p" },
	{ "setxattr", script_setxattr, "h", 3, 3, false,
	  "setxattr [-h] NAME VALUE PATH" },
	{ "rmxattr", script_rmxattr, "h", 2, 2, false,
	  "rmxattr [-h] NAME PATH" },
	/* config edits (script_config.c), as overtar mod's options */
	{ "env", script_config_edit, "", 1, 1, false, "env NAME=VALUE" },
	{ "unset-env", script_config_edit, "", 1, 1, false,
	  "unset-env NAME" },
	{ "env-append", script_config_edit, "", 1, 1, false,
	  "env-append NAME=SUFFIX" },
	{ "entrypoint", script_config_edit, "", 1, -1, false,
	  "entrypoint WORD..." },
	{ "cmd", script_config_edit, "", 1, -1, false, "cmd WORD..." },
	{ "user", script_config_edit, "", 1, 1, false, "user USER[:GROUP]" },
	{ "workdir", script_config_edit, "", 1, 1, false, "workdir PATH" },
	{ "label", script_config_edit, "", 1, 1, false, "label NAME=VALUE" },
	{ "unset-label", script_config_edit, "", 1, 1, false,
	  "unset-label NAME" },
	{ "annotation", script_config_edit, "", 1, 1, false,
	  "annotation NAME=VALUE" },
	{ "expose", script_config_edit, "", 1, 1, false,
	  "expose PORT[/PROTO]" },
	{ "volume", script_config_edit, "", 1, 1, false, "volume PATH" },
	{ "stop-signal", script_config_edit, "", 1, 1, false,
	  "stop-signal SIGNAL" },
};

const struct script_cmd *script_cmd_find(const char *name)
{
	for (size_t i = 0; i < sizeof(script_cmds) / sizeof(script_cmds[0]);
	     i++)
		if (!strcmp(script_cmds[i].name, name))
			return &script_cmds[i];
	return NULL;
}
