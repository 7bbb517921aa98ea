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

#include "base/suggest.h"
#include "cmd/cmd.h"

/* The options every command that loads layers takes (CMD_LAYER_OPTIONS). */
#define LAYER_HELP \
	"  --keep-dirlinks     merge a layer's directory into a lower\n" \
	"                      symlink's target (usrmerge) instead of\n" \
	"                      replacing the symlink\n" \
	"  --platform OS/ARCH[/VARIANT]\n" \
	"                      the platform of a multi-platform image read\n" \
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
	"                      oci:DIR[:REF], oci-archive:FILE[:REF],\n" \
	"                      docker-archive:FILE[:REF]\n"

static const struct cmd_struct commands[] = {
	{ "build", cmd_build,
	  "apply an edit script through the overlay; write a tree or a layer",
	  "usage: overtar build (-f SCRIPT | -e COMMAND)... [-D NAME=VALUE]...\n"
	  "                     [-o OUT] [-z none|gzip|zstd] [--emit flat|layer]\n"
	  "                     [--whiteouts oci|overlayfs] [--mtime EPOCH]\n"
	  "                     [OPTION...] LAYER...\n"
	  "\n"
	  LAYERS_HELP
	  "  -f, --file SCRIPT   run the commands of SCRIPT (overtar-script(5))\n"
	  "  -e, --expression COMMAND\n"
	  "                      run COMMAND; -f and -e run in the order given\n"
	  "  -D, --define NAME=VALUE\n"
	  "                      define ${NAME} for the scripts (repeatable)\n"
	  "  -o, --output OUT    write to OUT ('-' or none: stdout, not a tty);\n"
	  "                      oci:DIR[:TAG], oci-archive:FILE[:TAG] or\n"
	  "                      docker-archive:FILE[:TAG]: an image\n"
	  "                      (--emit layer: the input image\n"
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
	  "                      oci:DIR[:TAG], oci-archive:FILE[:TAG],\n"
	  "                      docker-archive:FILE[:TAG] write a one-layer\n"
	  "                      image, dir:PATH a tree\n"
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
	{ "mod", cmd_mod,
	  "edit an image's config, drop layers, strip paths, re-time, recompress",
	  "usage: overtar mod -o OUT [CONFIG EDIT...] [--drop-layer N]...\n"
	  "                   [--strip PATH]... [--retime new|all]\n"
	  "                   [--mtime EPOCH] [-z none|gzip|zstd] IMAGE\n"
	  "\n"
	  "  -o, --output OUT      oci:DIR[:TAG] or docker-archive:FILE[:TAG]\n"
	  "  config edits, in the order given (no layer is read for them):\n"
	  "  --env NAME=VALUE      set an Env entry (replacing NAME's)\n"
	  "  --unset-env NAME      remove it\n"
	  "  --env-append NAME=S   append S to NAME's value (PATH=:/opt/bin)\n"
	  "  --entrypoint JSON     Entrypoint, a JSON array: '[\"/app\"]'\n"
	  "  --cmd JSON            Cmd, a JSON array\n"
	  "  --user U[:G]          User\n"
	  "  --workdir PATH        WorkingDir\n"
	  "  --label NAME=VALUE    a label; --unset-label NAME removes one\n"
	  "  --annotation N=V      a manifest annotation\n"
	  "  --expose PORT[/PROTO] ExposedPorts (tcp, udp or sctp)\n"
	  "  --volume PATH         Volumes\n"
	  "  --stop-signal SIG     StopSignal\n"
	  "  layers:\n"
	  "  --drop-layer N        leave layer N (1 = base, or a digest) out\n"
	  "  --strip PATH          remove PATH (a glob per component) and\n"
	  "                        what is below it from every layer holding\n"
	  "                        it; only those layers are rewritten\n"
	  "  --retime new|all      clamp mtimes to --mtime/SOURCE_DATE_EPOCH\n"
	  "                        in rewritten layers (new) or in all\n"
	  "  -z, --compress C      recompress every layer with C (the same\n"
	  "                        tars: diff_ids kept)\n"
	  "  --all-platforms     every platform of a multi-platform image\n"
	  LAYER_HELP },
	{ "rebase", cmd_rebase,
	  "put an image's own layers onto a new base image",
	  "usage: overtar rebase -o OUT --old-base IMAGE --new-base IMAGE IMAGE\n"
	  "\n"
	  "  the layers of IMAGE above those of --old-base (refused if IMAGE\n"
	  "  does not start with them) go onto --new-base's layers; every\n"
	  "  blob is reused; history: the new base's, then IMAGE's own\n" },
	{ "squash", cmd_squash,
	  "squash an image's upper layers into one, keeping its base layers",
	  "usage: overtar squash -o OUT [--keep N | --from LAYER | --base IMAGE]\n"
	  "                      [-z none|gzip|zstd] [--mtime EPOCH] IMAGE\n"
	  "       overtar squash -o FILE --keep N LAYER...\n"
	  "\n"
	  "  -o, --output OUT    oci:DIR[:TAG] or docker-archive:FILE[:TAG]: the\n"
	  "                      kept layers (the same blobs) and the squashed\n"
	  "                      one; a FILE: only the squashed layer\n"
	  "  --keep N            keep the N lowest layers\n"
	  "  --from LAYER        squash from LAYER up: 1 for the base layer,\n"
	  "                      or a layer digest or diff_id\n"
	  "  --base IMAGE        keep the layers the image shares with IMAGE\n"
	  "                      (refused if it does not start with them)\n"
	  "                      none of these: squash every layer\n"
	  "  -z, --compress C    the squashed layer's compression\n"
	  "  --whiteouts STYLE   oci (default) or overlayfs\n"
	  "  --mtime EPOCH       created, whiteouts' time and a clamp of the\n"
	  "                      new layer's mtimes (default:\n"
	  "                      SOURCE_DATE_EPOCH, else now: no clamp)\n"
	  "  --all-platforms     every platform of a multi-platform image\n"
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
	if (!c)
		return unknown_command(argv[1]);
	cmd_signals();
	return finish_stdout(c->fn(argc - 1, argv + 1));
}
