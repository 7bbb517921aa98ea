/*
 * script_cmds: the handlers of the script commands, one per command of
 * overtar-script(5). Each returns 0 or a negative errno, with the path it
 * failed on recorded on the context (script_fail).
 */
#ifndef OVERTAR_SCRIPT_CMDS_H
#define OVERTAR_SCRIPT_CMDS_H

#include <stddef.h>

struct script_ctx;

int script_mkdir(struct script_ctx *c);
int script_write(struct script_ctx *c);
int script_append(struct script_ctx *c);
int script_copy_in(struct script_ctx *c);
int script_rm(struct script_ctx *c);
int script_rmdir(struct script_ctx *c);
int script_mv(struct script_ctx *c);
int script_cp(struct script_ctx *c);
int script_ln(struct script_ctx *c);
int script_chmod(struct script_ctx *c);
int script_chown(struct script_ctx *c);
int script_touch(struct script_ctx *c);
int script_truncate(struct script_ctx *c);
int script_mknod(struct script_ctx *c);
int script_setxattr(struct script_ctx *c);
int script_rmxattr(struct script_ctx *c);
/* Every config edit (script_config.c): the command's name is the edit's. */
/*
 * Applies the config edit name with its words to the config build writes
 * (env->config, not NULL). 0, or the failure recorded on c.
 */
int script_config_apply(struct script_ctx *c, const char *name,
			char *const *args, size_t nargs);
int script_config_edit(struct script_ctx *c);
int script_append_line(struct script_ctx *c);
int script_replace(struct script_ctx *c);
int script_delete_lines(struct script_ctx *c);
int script_useradd(struct script_ctx *c);
int script_groupadd(struct script_ctx *c);
int script_env_set(struct script_ctx *c);

#endif
