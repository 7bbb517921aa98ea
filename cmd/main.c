/*
 * main: overtar's entry point and its one table of commands (git.c's
 * struct cmd_struct).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/suggest.h"
#include "cmd/cmd.h"

static const struct cmd_struct commands[] = {
	{ "build", cmd_build,
	  "apply an edit script through the overlay; write a tree or a layer",
	  "usage: overtar build (-f SCRIPT | -e COMMAND)... [-D NAME=VALUE]...\n"
	  "                     [-o OUT] [-z none|gzip|zstd] [--emit flat|layer]\n"
	  "                     [--whiteouts oci|overlayfs] [--mtime EPOCH]\n"
	  "                     [--keep-dirlinks] LAYER...\n"
	  "\n"
	  "  -f, --file SCRIPT   run the commands of SCRIPT (overtar-script(5))\n"
	  "  -e COMMAND          run COMMAND; -f and -e run in the order given\n"
	  "  -D NAME=VALUE       define ${NAME} for the scripts (repeatable)\n"
	  "  -o, --output OUT    write to OUT (default: stdout, not a tty);\n"
	  "                      oci:DIR[:TAG] or docker-archive:FILE[:TAG]:\n"
	  "                      an image (--emit layer: the input image\n"
	  "                      plus the new layer), dir:PATH a tree\n"
	  "  -z, --compress C    none, gzip or zstd (default: from OUT's name)\n"
	  "  --emit flat         the whole edited tree (default)\n"
	  "  --emit layer        only the changes: a layer to append\n"
	  "  --whiteouts STYLE   oci (.wh. files, default) or overlayfs\n"
	  "                      (char 0/0, trusted.overlay.opaque)\n"
	  "  --mtime EPOCH       time stamped on what the script changes, and\n"
	  "                      a clamp for newer times (default:\n"
	  "                      SOURCE_DATE_EPOCH, else the current time)\n"
	  "  --keep-dirlinks     as for flatten\n" },
	{ "cat", cmd_cat,
	  "print files of the merged tree",
	  "usage: overtar cat [--keep-dirlinks] LAYER... -- PATH...\n"
	  "\n"
	  "  PATH...           paths in the image, after '--'; symlinks are\n"
	  "                    followed inside the image root\n" },
	{ "flatten", cmd_flatten,
	  "write the merged tree of a stack of layers as one tar",
	  "usage: overtar flatten [-o OUT] [-z none|gzip|zstd] "
	  "[--keep-dirlinks] LAYER...\n"
	  "\n"
	  "  LAYER...          layer tarballs, base first ('-': stdin);\n"
	  "                    plain, gzip, zstd, xz or bzip2; or images:\n"
	  "                    oci:DIR[:REF], docker-archive:FILE[:REF]\n"
	  "  -o, --output OUT  write to OUT (default: stdout, not a tty);\n"
	  "                    oci:DIR[:TAG], docker-archive:FILE[:TAG]\n"
	  "                    write a one-layer image, dir:PATH a tree\n"
	  "  -z, --compress C  none, gzip or zstd (default: from OUT's name)\n"
	  "  --keep-dirlinks   merge a layer's directory into a lower\n"
	  "                    symlink's target (usrmerge) instead of\n"
	  "                    replacing the symlink\n"
	  "  --spool-dir DIR   where compressed layers' content goes\n"
	  "  --max-entries N, --max-path-depth N, --max-spool SIZE\n"
	  "                    limits on hostile layers (overtar(1) LIMITS)\n" },
	{ "help", cmd_help, "show help for a command",
	  "usage: overtar help [COMMAND]\n" },
	{ "inspect", cmd_inspect,
	  "what each layer changes, wasted bytes, efficiency; CI rules",
	  "usage: overtar inspect [--json] [--top N] [--layer N]\n"
	  "                       [--max-wasted BYTES|PERCENT%]\n"
	  "                       [--min-efficiency RATIO] LAYER...\n"
	  "\n"
	  "  --layer N             only layer N's changes (1 = the first\n"
	  "                        LAYER), as A/M/D lines\n"
	  "  --top N               the N largest wasted files (default 10)\n"
	  "  --json                JSON Lines (overtar(1), JSON SCHEMA)\n"
	  "  --max-wasted LIMIT    exit 1 when more bytes than LIMIT (K, M, G,\n"
	  "                        T: powers of 1024) or more than LIMIT%\n"
	  "                        of the image's bytes are wasted\n"
	  "  --min-efficiency R    exit 1 when the efficiency is below R\n" },
	{ "ls", cmd_ls,
	  "list the merged tree, with the layer providing each entry",
	  "usage: overtar ls [-l] [-R] [-a] [-d] [--origin] [--json]\n"
	  "                  LAYER... [-- PATH...]\n"
	  "\n"
	  "  -l, --long        mode, links, uid, gid, size, UTC time, target\n"
	  "  -R, --recursive   list subdirectories too\n"
	  "  -a, --all         include names starting with '.'\n"
	  "  -d, --directory   list directories themselves, not their content\n"
	  "  --origin          the layer providing each entry (N:FILE)\n"
	  "  --json            one JSON object per entry (overtar(1))\n"
	  "  PATH...           paths in the image, after '--' (default /)\n" },
	{ "stat", cmd_stat,
	  "every attribute of entries of the merged tree, with their layer",
	  "usage: overtar stat [-L] [--json] LAYER... -- PATH...\n"
	  "\n"
	  "  -L, --dereference follow a symlink in the last component\n"
	  "  --json            one JSON object per path (overtar(1))\n" },
};

const struct cmd_struct *cmd_find(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static void general_usage(FILE *f)
{
	fputs("usage: overtar COMMAND [ARGS...]\n"
	      "       overtar --help | --version | help COMMAND\n\n"
	      "Stack container-image layers through an overlay engine, without\n"
	      "root, daemon or mounts.\n\ncommands:\n", f);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name,
			commands[i].summary);
	fputs("\nSee overtar(1) and overtar-script(5).\n", f);
}

int cmd_help(int argc, char **argv)
{
	const struct cmd_struct *c;

	if (argc < 2) {
		general_usage(stdout);
		return CMD_OK;
	}
	if (argc > 2)
		return cmd_usage("help", "too many arguments");
	c = cmd_find(argv[1]);
	if (!c)
		return cmd_usage("help", "unknown command '%s'", argv[1]);
	fputs(c->usage, stdout);
	return CMD_OK;
}

/*
 * Checks stdout once, after the command returned, as git's run_builtin
 * does: a failed flush or write (a full disk, a closed pipe) is a failure
 * even when the command itself succeeded. A stdout the caller closed and
 * nothing was written to is no error (fclose then fails with EBADF).
 */
static int finish_stdout(int rc)
{
	if (fflush(stdout) || ferror(stdout) ||
	    (fclose(stdout) && errno != EBADF)) {
		cmd_fail("cannot write to standard output: %s",
			 strerror(errno));
		return CMD_FAIL;
	}
	return rc;
}

/* "unknown command", and the closest ones by edit distance, as git says. */
static int unknown_command(const char *name)
{
	const size_t n = sizeof(commands) / sizeof(commands[0]);
	const char *names[sizeof(commands) / sizeof(commands[0])];
	char near[256];

	for (size_t i = 0; i < n; i++)
		names[i] = commands[i].name;
	suggest_names(name, names, n, near, sizeof(near));
	fprintf(stderr, "overtar: unknown command '%s'%s%s%s (see 'overtar "
		"--help')\n", name, near[0] ? "; did you mean " : "", near,
		near[0] ? "?" : "");
	return CMD_USAGE;
}

int main(int argc, char **argv)
{
	const struct cmd_struct *c;

	if (argc < 2) {
		general_usage(stderr);
		return CMD_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		general_usage(stdout);
		return finish_stdout(CMD_OK);
	}
	if (!strcmp(argv[1], "--version")) {
		fputs("overtar " OVERTAR_VERSION "\n", stdout);
		return finish_stdout(CMD_OK);
	}
	c = cmd_find(argv[1]);
	if (!c)
		return unknown_command(argv[1]);
	cmd_signals();
	return finish_stdout(c->fn(argc - 1, argv + 1));
}
