/*
 * script_cmds: the one table of script commands: name, handler, options,
 * word counts, usage line (overtar-script(5) documents each).
 */
#include "script/script_cmds.h"

#include <string.h>

#include "script/script_impl.h"

static const struct script_longopt copy_in_longs[] = {
	{ "owner", 'o', true },
	{ "mode", 'm', true },
	{ "extract", 'x', false },
	{ NULL, 0, false },
};

static const struct script_cmd script_cmds[] = {
	{ .name = "mkdir", .run = script_mkdir, .opts = "pm:", .min = 1, .max = -1,
	  .usage = "mkdir [-p] [-m MODE] PATH..." },
	{ .name = "write", .run = script_write, .opts = "m:", .min = 2, .max = 2,
	  .input = true,
	  .usage = "write [-m MODE] PATH TEXT | write [-m MODE] PATH <<TAG" },
	{ .name = "append", .run = script_append, .opts = "", .min = 2, .max = 2,
	  .input = true,
	  .usage = "append PATH TEXT | append PATH <<TAG" },
	{ .name = "copy-in", .run = script_copy_in, .opts = "", .min = 2, .max = 2,
	  .longs = copy_in_longs,
	  .usage = "copy-in [--owner USER[:GROUP]] [--mode MODE] [--extract] "
		   "HOSTPATH DEST" },
	{ .name = "rm", .run = script_rm, .opts = "rf", .min = 1, .max = -1,
	  .usage = "rm [-r] [-f] PATH..." },
	{ .name = "rmdir", .run = script_rmdir, .opts = "", .min = 1, .max = -1,
	  .usage = "rmdir PATH..." },
	{ .name = "mv", .run = script_mv, .opts = "", .min = 2, .max = 2,
	  .usage = "mv SRC DST" },
	{ .name = "cp", .run = script_cp, .opts = "ra", .min = 2, .max = 2,
	  .usage = "cp [-r] [-a] SRC DST" },
	{ .name = "ln", .run = script_ln, .opts = "sf", .min = 2, .max = 2,
	  .usage = "ln [-s] [-f] TARGET LINKPATH" },
	{ .name = "chmod", .run = script_chmod, .opts = "R", .min = 2, .max = -1,
	  .usage = "chmod [-R] MODE PATH..." },
	{ .name = "chown", .run = script_chown, .opts = "hR", .min = 2, .max = -1,
	  .usage = "chown [-h] [-R] OWNER[:GROUP] PATH..." },
	{ .name = "touch", .run = script_touch, .opts = "hd:", .min = 1, .max = -1,
	  .usage = "touch [-h] [-d @EPOCH[.NSEC]] PATH..." },
	{ .name = "truncate", .run = script_truncate, .opts = "s:", .min = 1, .max = 1,
	  .usage = "truncate -s SIZE PATH" },
	{ .name = "mknod", .run = script_mknod, .opts = "m:", .min = 2, .max = 4,
	  .usage = "mknod [-m MODE] PATH c|b MAJOR MINOR | mknod [-m MODE] PATH p" },
	{ .name = "setxattr", .run = script_setxattr, .opts = "h", .min = 3, .max = 3,
	  .usage = "setxattr [-h] NAME VALUE PATH" },
	{ .name = "rmxattr", .run = script_rmxattr, .opts = "h", .min = 2, .max = 2,
	  .usage = "rmxattr [-h] NAME PATH" },
	{ .name = "append-line", .run = script_append_line, .opts = "", .min = 2, .max = 2,
	  .usage = "append-line FILE LINE" },
	{ .name = "replace", .run = script_replace, .opts = "gf", .min = 3, .max = 3,
	  .usage = "replace [-g] [-f] FILE REGEX REPLACEMENT" },
	{ .name = "delete-lines", .run = script_delete_lines, .opts = "f", .min = 2, .max = 2,
	  .usage = "delete-lines [-f] FILE REGEX" },
	{ .name = "useradd", .run = script_useradd, .opts = "u:g:G:d:ms:", .min = 1, .max = 1,
	  .usage = "useradd [-u UID] [-g GROUP] [-G GROUP,...] [-d HOME] [-m] "
		   "[-s SHELL] NAME" },
	{ .name = "groupadd", .run = script_groupadd, .opts = "g:", .min = 1, .max = 1,
	  .usage = "groupadd [-g GID] NAME" },
	{ .name = "env", .run = script_env_set, .opts = "", .min = 1, .max = -1,
	  .usage = "env NAME=VALUE..." },
	/* config edits (script_config.c), as overtar mod's options; env
	 * (script_vars.c) also sets the variables later lines see */
	{ .name = "unset-env", .run = script_config_edit, .opts = "", .min = 1, .max = 1,
	  .usage = "unset-env NAME" },
	{ .name = "env-append", .run = script_config_edit, .opts = "", .min = 1, .max = 1,
	  .usage = "env-append NAME=SUFFIX" },
	{ .name = "entrypoint", .run = script_config_edit, .opts = "", .min = 1, .max = -1,
	  .usage = "entrypoint WORD..." },
	{ .name = "cmd", .run = script_config_edit, .opts = "", .min = 1, .max = -1,
	  .usage = "cmd WORD..." },
	{ .name = "user", .run = script_config_edit, .opts = "", .min = 1, .max = 1,
	  .usage = "user USER[:GROUP]" },
	{ .name = "workdir", .run = script_config_edit, .opts = "", .min = 1, .max = 1,
	  .usage = "workdir PATH" },
	{ .name = "label", .run = script_config_edit, .opts = "", .min = 1, .max = 1,
	  .usage = "label NAME=VALUE" },
	{ .name = "unset-label", .run = script_config_edit, .opts = "", .min = 1, .max = 1,
	  .usage = "unset-label NAME" },
	{ .name = "annotation", .run = script_config_edit, .opts = "", .min = 1, .max = 1,
	  .usage = "annotation NAME=VALUE" },
	{ .name = "expose", .run = script_config_edit, .opts = "", .min = 1, .max = 1,
	  .usage = "expose PORT[/PROTO]" },
	{ .name = "volume", .run = script_config_edit, .opts = "", .min = 1, .max = 1,
	  .usage = "volume PATH" },
	{ .name = "stop-signal", .run = script_config_edit, .opts = "", .min = 1, .max = 1,
	  .usage = "stop-signal SIGNAL" },
};

#define NCMDS (sizeof(script_cmds) / sizeof(script_cmds[0]))

const struct script_cmd *script_cmd_find(const char *name)
{
	for (size_t i = 0; i < NCMDS; i++)
		if (!strcmp(script_cmds[i].name, name))
			return &script_cmds[i];
	return NULL;
}

const char *const *script_cmd_names(size_t *n)
{
	static const char *names[NCMDS];

	/* filled once from the table; the same values on every call */
	for (size_t i = 0; i < NCMDS; i++)
		names[i] = script_cmds[i].name;
	*n = NCMDS;
	return names;
}
