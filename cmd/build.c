/*
 * build: scripted edits through the overlay's write side, written as the
 * whole edited tree (--emit flat) or as the changeset alone, a layer to
 * append to the image (--emit layer).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/io.h"
#include "cmd/cmd.h"
#include "script/script.h"
#include "core/export.h"
#include "core/ovl.h"
#include "image/image.h"
#include "layers/memfs.h"
#include "layers/sink.h"
#include "layers/tarin.h"

/* The largest script file read (a script is text, not data). */
#define BUILD_SCRIPT_MAX (64u << 20)

enum build_long_opt {
	OPT_EMIT = 256,
	OPT_WHITEOUTS,
	OPT_MTIME,
};

static const struct option build_opts[] = {
	{ "file", required_argument, NULL, 'f' },
	{ "expression", required_argument, NULL, 'e' },
	{ "define", required_argument, NULL, 'D' },
	{ "output", required_argument, NULL, 'o' },
	{ "compress", required_argument, NULL, 'z' },
	{ "emit", required_argument, NULL, OPT_EMIT },
	{ "whiteouts", required_argument, NULL, OPT_WHITEOUTS },
	{ "mtime", required_argument, NULL, OPT_MTIME },
	CMD_LAYER_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

/* One -f FILE or -e TEXT, in the order given. */
struct build_script {
	bool is_file;
	const char *arg;
	char digest[72];	/* -f: "sha256:HEX" of the text run */
};

struct build_args {
	struct build_script *scripts;
	size_t nscripts;
	const char **defines;	/* -D NAME=VALUE, in order */
	size_t ndefines;
	const char *out;
	enum sink_comp comp;
	bool comp_given;
	bool emit_layer;
	enum export_whiteouts wh;
	struct cmd_layer_opts lo;
	struct timespec now;
	bool clamp;
	struct image *image;	/* the input image, if any */
	/* with an image output: the config and manifest annotations the
	 * scripts' config edits change */
	json_t *config, *annotations;
};

/*
 * What the scripts run against: the stack, the clock, -D, and the input
 * image's Env as the variables they start with (Dockerfile reference,
 * "Environment replacement"). Release with script_env_release.
 */
static int script_setup(const struct build_args *a, struct ovl *ovl,
			struct script_env *env)
{
	const char **v = NULL;
	size_t n = 0;
	int rc = a->image ? image_config_env(a->image, &v, &n) : 0;

	*env = (struct script_env){ .fs = ovl_vfs(ovl), .now = a->now,
				    .clamp = a->clamp,
				    .spool_dir = a->lo.spool_dir,
				    .max_spool = a->lo.max_spool ? a->lo.max_spool
						 : TARIN_MAX_SPOOL,
				    .spool_used = a->lo.spool_used,
				    .config = a->config,
				    .annotations = a->annotations,
				    .defines = a->defines,
				    .ndefines = a->ndefines };
	for (size_t i = 0; !rc && i < n; i++)
		if (script_envlist_put(&env->vars, v[i]) == -ENOMEM)
			rc = -ENOMEM;	/* an entry without '=' is no variable */
	free(v);
	return rc;
}

/* Runs every script in order; stops at the first failure. */
static int run_scripts(struct build_args *a, struct script_env *env,
		       struct err *e)
{
	int rc = 0;

	for (size_t i = 0; !rc && i < a->nscripts; i++) {
		const struct build_script *s = &a->scripts[i];
		unsigned char sum[IMAGE_SHA256_LEN];
		char *text = NULL, *dir = NULL;
		size_t len = 0;

		if (!s->is_file) {
			rc = script_run(env, "-e", s->arg, strlen(s->arg), ".",
					e);
			continue;
		}
		rc = io_read_file(s->arg, BUILD_SCRIPT_MAX, &text, &len);
		if (rc) {
			err_set(e, rc, "cannot read script: %s", strerror(-rc));
			err_file(e, "script", s->arg);
			break;
		}
		/* the history names what ran, by its hash */
		image_sha256(text, len, sum);
		image_digest_str(sum, a->scripts[i].digest);
		dir = strdup(s->arg);
		rc = dir ? script_run(env, s->arg, text, len, dirname(dir), e)
			 : -ENOMEM;
		free(dir);
		free(text);
	}
	return rc;
}

/* A word of the history line, quoted as a shell would need it. */
static int put_word(FILE *f, const char *w)
{
	if (*w && !w[strcspn(w, " \t\n'\"\\$`*?[]#~;&|<>(){}!")])
		return fputs(w, f);
	fputc('\'', f);
	for (; *w; w++)
		if (*w == '\'')
			fputs("'\\''", f);
		else
			fputc(*w, f);
	return fputc('\'', f);
}

/*
 * What made the layer, for the image history's created_by: the command
 * with each script, a file by its name and the sha256 of what ran
 * ("overtar build -f edit.ots (sha256:...)"), an expression as given.
 * -D values stay out: they may be secrets. A new string; NULL on ENOMEM.
 */
static char *created_by(const struct build_args *a)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fputs("overtar build", f);
	for (size_t i = 0; i < a->nscripts; i++) {
		fputs(a->scripts[i].is_file ? " -f " : " -e ", f);
		put_word(f, a->scripts[i].arg);
		if (a->scripts[i].is_file)
			fprintf(f, " (%s)", a->scripts[i].digest);
	}
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/*
 * Writes the result, flat or as a layer, and commits it. An image gets
 * the Env the scripts' env commands made (script_env's edits).
 */
static int write_out(struct build_args *a, struct ovl *ovl,
		     const struct script_env *env, struct err *e)
{
	char *by = created_by(a);
	struct cmd_out_opts oo = {
		.path = a->out, .comp_given = a->comp_given, .comp = a->comp,
		.base = a->image, .append = a->emit_layer,
		.created = a->now, .created_by = by,
		/* with a config of its own (an image output), the script's
		 * env commands edited it in order with the other edits */
		.set_env = !a->config && env->edits.n > 0,
		.env = (const char *const *)env->vars.v, .nenv = env->vars.n,
		.config = a->config, .annotations = a->annotations,
	};
	struct cmd_output out;
	int rc = by ? cmd_output_open("build", &oo, &out) : -ENOMEM;

	if (rc) {
		free(by);
		return rc == -ENOMEM ? cmd_fail("out of memory") : rc;
	}
	if (a->emit_layer)
		rc = export_layer(ovl_layer(ovl, ovl_nlayers(ovl)), a->wh,
				  a->now, out.w, e);
	else
		rc = export_flat(ovl_vfs(ovl), out.w, e);
	if (rc) {
		cmd_output_abort(&out);
		free(by);
		return cmd_report(e);
	}
	rc = cmd_output_commit(&out, e) ? cmd_report(e) : CMD_OK;
	free(by);
	return rc;
}

/*
 * Whether path is a readable text file, not a layer: none of the
 * compression magics a layer may start with, and no NUL in its first
 * block (a tar header always has some).
 */
static bool looks_like_script(const char *path)
{
	static const char *const magic[] = {
		"\x1f\x8b", "\x28\xb5\x2f\xfd", "\xfd" "7zXZ", "BZh",
	};
	unsigned char buf[512];
	struct stat st;
	ssize_t n;
	int fd;

	if (stat(path, &st) || !S_ISREG(st.st_mode))
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n <= 0 || memchr(buf, '\0', (size_t)n))
		return false;
	for (size_t i = 0; i < sizeof(magic) / sizeof(magic[0]); i++)
		if ((size_t)n >= strlen(magic[i]) &&
		    !memcmp(buf, magic[i], strlen(magic[i])))
			return false;
	return true;
}

/*
 * The options. Returns -1 to go on, or the exit status when done (a usage
 * error after printing, or --help).
 */
static int parse_args(int argc, char **argv, struct build_args *a)
{
	bool done;
	int rc;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:e:o:z:D:h" CMD_LAYER_SHORT,
				build_opts, NULL)) != -1) {
		size_t nlen;

		switch (c) {
		case 'D':
			if (!script_is_assignment(optarg, &nlen))
				return cmd_usage("build", "-D takes NAME=VALUE, "
						 "not '%s'", optarg);
			a->defines[a->ndefines++] = optarg;
			break;
		case 'f':
		case 'e':
			a->scripts[a->nscripts].is_file = c == 'f';
			a->scripts[a->nscripts++].arg = optarg;
			break;
		case 'o':
			a->out = optarg;
			break;
		case 'z':
			rc = cmd_comp_option("build", optarg, &a->comp,
					     &a->comp_given);
			if (rc)
				return rc;
			break;
		case OPT_EMIT:
			if (strcmp(optarg, "flat") && strcmp(optarg, "layer"))
				return cmd_usage("build", "--emit takes flat or "
						 "layer, not '%s'", optarg);
			a->emit_layer = !strcmp(optarg, "layer");
			break;
		case OPT_WHITEOUTS:
			if (strcmp(optarg, "oci") && strcmp(optarg, "overlayfs"))
				return cmd_usage("build", "--whiteouts takes oci "
						 "or overlayfs, not '%s'", optarg);
			a->wh = strcmp(optarg, "oci") ? EXPORT_WH_OVL
						      : EXPORT_WH_OCI;
			break;
		case OPT_MTIME:
			if ((rc = cmd_parse_epoch(optarg, &a->now)) == -ERANGE)
				return cmd_usage("build", "--mtime is past the "
						 "last second an image can say, "
						 "%s: '%s'", CMD_EPOCH_MAX_TEXT,
						 optarg);
			if (rc)
				return cmd_usage("build", "--mtime takes seconds "
						 "since the epoch, not '%s'", optarg);
			a->clamp = true;
			break;
		default:
			rc = cmd_layer_option("build", c, argv, &a->lo, &done);
			if (done)
				return rc;
		}
	}
	if (optind < argc && looks_like_script(argv[optind]))
		return cmd_usage("build", "'%s' is a script, not a layer: give "
				 "it with -f '%s'", argv[optind], argv[optind]);
	if (!a->nscripts)
		return cmd_usage("build", "no script given: -f SCRIPT or "
				 "-e COMMAND");
	if (cmd_check_layers("build", argv + optind, (size_t)(argc - optind)))
		return CMD_USAGE;
	/* --mtime wins over SOURCE_DATE_EPOCH, which wins over the clock */
	if (!a->clamp &&
	    (rc = cmd_source_date_epoch("build", &a->now, &a->clamp)))
		return rc;
	return -1;
}

int cmd_build(int argc, char **argv)
{
	struct build_args a = { .wh = EXPORT_WH_OCI };
	_Atomic uint64_t spool_used = 0;	/* layers, then copy-in */
	struct script_env env = { 0 };
	struct ovl *ovl = NULL;
	struct err e;
	int rc;

	err_clear(&e);
	a.scripts = calloc((size_t)argc, sizeof(*a.scripts));
	a.defines = calloc((size_t)argc, sizeof(*a.defines));
	if (!a.scripts || !a.defines) {
		free(a.scripts);
		free(a.defines);
		return cmd_fail("out of memory");
	}
	rc = parse_args(argc, argv, &a);
	if (rc >= 0)
		goto out;
	{
		struct cmd_out_opts chk = { .path = a.out,
					    .comp_given = a.comp_given };

		if ((rc = cmd_output_check("build", &chk)))
			goto out;
		a.out = chk.path;	/* "-": stdout */
	}
	a.lo.writable = true;
	a.lo.spool_used = &spool_used;
	a.lo.now = a.now;
	a.lo.image = &a.image;
	/* a layer appended to an image must sit on all of that image alone */
	if (a.emit_layer && a.out && image_is_spec(a.out) &&
	    (argc - optind != 1 || !image_is_spec(argv[optind]))) {
		rc = cmd_usage("build", "--emit layer into an image takes "
			       "exactly one image as input");
		goto out;
	}
	rc = cmd_load_stack(argv + optind, (size_t)(argc - optind), &a.lo,
			    &ovl, &e);
	if (rc) {
		rc = cmd_report(&e);
		goto out;
	}
	/* the config the scripts' config edits change: the input's */
	if (a.out && image_is_spec(a.out)) {
		a.config = a.image ? json_deep_copy(a.image->config)
				   : image_config_minimal();
		a.annotations = json_object();
		if (!a.config || !a.annotations) {
			rc = cmd_fail("out of memory");
			goto out;
		}
	}
	rc = script_setup(&a, ovl, &env);
	if (rc) {
		rc = cmd_fail("out of memory");
		goto out;
	}
	cmd_progress_phase(PROGRESS_SCRIPT);
	rc = run_scripts(&a, &env, &e);
	if (rc && !e.line) {
		/* not a line of a script: the script file could not be read */
		rc = cmd_report(&e);
		goto out;
	}
	if (rc) {
		char buf[1400];

		/* The script's own format: SCRIPT:LINE: COMMAND: PATH: reason */
		fprintf(stderr, "%s\n", err_format(&e, buf, sizeof(buf)));
		rc = CMD_FAIL;
		goto out;
	}
	rc = write_out(&a, ovl, &env, &e);
out:
	script_env_release(&env);
	cmd_drop_stack(ovl);
	json_decref(a.config);
	json_decref(a.annotations);
	image_free(a.image);
	free(a.scripts);
	free(a.defines);
	return rc;
}
