/*
 * main: overtar's entry point and its one table of commands (git.c's
 * struct cmd_struct).
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"

/* The options every command that loads layers takes (CMD_LAYER_OPTIONS). */
#define LAYER_HELP \
	"  --keep-dirlinks     merge a layer's directory into a lower\n" \
	"                      symlink's target (usrmerge) instead of\n" \
	"                      replacing the symlink\n" \
	"  --spool-dir DIR     where compressed layers' content goes\n" \
	"  --max-entries N     limits on hostile layers (overtar(1) LIMITS):\n" \
	"  --max-path-depth N  entries per layer, components per path,\n" \
	"  --max-spool SIZE    bytes of expanded content (K, M, G, T)\n" \
	"  --max-added SIZE    bytes of content a script may add\n" \
	"  -q, --quiet         no warnings, no progress\n" \
	"  -v, --verbose       a summary on stderr at the end\n" \
	"  --progress          progress on stderr even when it is no terminal\n" \
	"  -h, --help          this help\n"

#define LAYERS_HELP \
	"  LAYER...            layer tarballs, base first ('-': stdin);\n" \
	"                      plain, gzip, zstd, xz or bzip2; or images:\n" \
	"                      oci:DIR[:REF], docker-archive:FILE[:REF]\n"

static const struct cmd_struct commands[] = {
	{ "build", cmd_build,
	  "apply an edit script through the overlay; write a tree or a layer",
	  "usage: overtar build (-f SCRIPT | -e COMMAND)... [-o OUT]\n"
	  "                     [-z none|gzip|zstd] [--emit flat|layer]\n"
	  "                     [--whiteouts oci|overlayfs] [--mtime EPOCH]\n"
	  "                     [OPTION...] LAYER...\n"
	  "\n"
	  LAYERS_HELP
	  "  -f, --file SCRIPT   run the commands of SCRIPT (overtar-script(5))\n"
	  "  -e, --expression COMMAND\n"
	  "                      run COMMAND; -f and -e run in the order given\n"
	  "  -o, --output OUT    write to OUT ('-' or none: stdout, not a tty);\n"
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
	  LAYER_HELP },
	{ "cat", cmd_cat,
	  "print files of the merged tree",
	  "usage: overtar cat [OPTION...] LAYER... -- PATH...\n"
	  "\n"
	  LAYERS_HELP
	  "  PATH...             paths in the image, after '--'; symlinks are\n"
	  "                      followed inside the image root\n"
	  LAYER_HELP },
	{ "diff", cmd_diff,
	  "what differs between two images or stacks, entry by entry",
	  "usage: overtar diff [--json] [--ignore FIELD,...] [OPTION...]\n"
	  "                    LAYER... -- LAYER...\n"
	  "\n"
	  "  LAYER...            each side one image or a stack of layers, base\n"
	  "                      first; '--' between the two sides\n"
	  "  --ignore FIELDS     fields not to compare: type, mode, owner, size,\n"
	  "                      content, target, device, xattrs, mtime\n"
	  "  --json              one JSON object per difference (overtar(1))\n"
	  LAYER_HELP
	  "  (-q also prints no differences: the exit status says)\n"
	  "exit status: 0 the same, 1 different, 2 trouble (as diff(1))\n" },
	{ "flatten", cmd_flatten,
	  "write the merged tree of a stack of layers as one tar",
	  "usage: overtar flatten [-o OUT] [-z none|gzip|zstd] [OPTION...] "
	  "LAYER...\n"
	  "\n"
	  LAYERS_HELP
	  "  -o, --output OUT    write to OUT ('-' or none: stdout, not a tty);\n"
	  "                      oci:DIR[:TAG], docker-archive:FILE[:TAG]\n"
	  "                      write a one-layer image, dir:PATH a tree\n"
	  "  -z, --compress C    none, gzip or zstd (default: from OUT's name)\n"
	  LAYER_HELP },
	{ "help", cmd_help, "show help for a command",
	  "usage: overtar help [COMMAND]\n" },
	{ "inspect", cmd_inspect,
	  "what each layer changes, wasted bytes, efficiency; CI rules",
	  "usage: overtar inspect [--json] [--bytes] [--top N] [--layer N]\n"
	  "                       [--ci] [--ci-config FILE] [RULE...]\n"
	  "                       [OPTION...] LAYER...\n"
	  "\n"
	  LAYERS_HELP
	  "  --layer N           only layer N's changes (1 = the first\n"
	  "                      LAYER), as A/M/D lines with sizes\n"
	  "  --top N             the N largest wasted files (default 10)\n"
	  "  --json              JSON Lines (overtar(1), JSON SCHEMA)\n"
	  "  --bytes             exact byte counts (default on a terminal:\n"
	  "                      dive's units, 1.2 MB)\n"
	  "  --ci                dive's CI rules with dive's defaults\n"
	  "  --ci-config FILE    the rules of a dive CI file (.dive-ci)\n"
	  "  --lowest-efficiency R, --highest-wasted-bytes SIZE,\n"
	  "  --highest-user-wasted-percent R\n"
	  "                      dive's rules (disabled: off); exit 1 when\n"
	  "                      one fails\n"
	  "  --max-wasted LIMIT  overtar's rule: more bytes than LIMIT (K, M,\n"
	  "                      G, T: powers of 1024) or LIMIT% wasted\n"
	  "  --min-efficiency R  overtar's rule: efficiency below R\n"
	  LAYER_HELP },
	{ "ls", cmd_ls,
	  "list the merged tree, with the layer providing each entry",
	  "usage: overtar ls [-l] [-R] [-a] [-d] [--origin] [--json]\n"
	  "                  [OPTION...] LAYER... [-- PATH...]\n"
	  "\n"
	  LAYERS_HELP
	  "  -l, --long          mode, links, uid, gid, size, UTC time, target\n"
	  "  -R, --recursive     list subdirectories too\n"
	  "  -a, --all           include names starting with '.'\n"
	  "  -d, --directory     list directories themselves, not their content\n"
	  "  --origin            the layer providing each entry (N:FILE)\n"
	  "  --json              one JSON object per entry (overtar(1))\n"
	  "  PATH...             paths in the image, after '--' (default /)\n"
	  LAYER_HELP },
	{ "stat", cmd_stat,
	  "every attribute of entries of the merged tree, with their layer",
	  "usage: overtar stat [-L] [--json] [OPTION...] LAYER... -- PATH...\n"
	  "\n"
	  LAYERS_HELP
	  "  -L, --dereference   follow a symlink in the last component\n"
	  "  --json              one JSON object per path (overtar(1))\n"
	  LAYER_HELP },
	{ "version", cmd_version, "show overtar's version",
	  "usage: overtar version\n"
	  "       overtar --version | -V\n" },
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
	      "       overtar --help | --version | -V | help COMMAND\n\n"
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
 * Whether stdout is a pipe whose reader has gone: poll(2) reports POLLERR
 * for the write end of a pipe without a reader.
 */
static bool reader_gone(void)
{
	struct pollfd p = { .fd = STDOUT_FILENO, .events = POLLOUT };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLERR);
}

/*
 * Checks stdout once, after the command returned, as git's run_builtin
 * does: a failed flush or write (a full disk, a closed pipe) is a failure
 * even when the command itself succeeded. A stdout the caller closed and
 * nothing was written to is no error (fclose then fails with EBADF).
 */
static int finish_stdout(int rc)
{
	int bad = fflush(stdout) || ferror(stdout);
	int saved = errno;

	if (bad && (saved == EPIPE || reader_gone())) {
		/* | head: the reader has what it wanted; as coreutils under
		   SIGPIPE, say nothing, and keep the command's status */
		fclose(stdout);
		return rc;
	}
	if (bad || (fclose(stdout) && errno != EBADF)) {
		cmd_fail("cannot write to standard output: %s",
			 strerror(bad ? saved : errno));
		return CMD_FAIL;
	}
	return rc;
}

int cmd_version(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
		return cmd_help(2, (char *[]){ "help", "version", NULL });
	if (argc > 1)
		return cmd_usage("version", "too many arguments");
	fputs("overtar " OVERTAR_VERSION "\n", stdout);
	return CMD_OK;
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
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))
		return finish_stdout(cmd_version(1, argv + 1));
	c = cmd_find(argv[1]);
	if (!c) {
		fprintf(stderr, "overtar: unknown command '%s' (see 'overtar "
			"--help')\n", argv[1]);
		return CMD_USAGE;
	}
	cmd_signals();
	return finish_stdout(c->fn(argc - 1, argv + 1));
}
