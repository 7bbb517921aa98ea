/*
 * test_script: the edit-script language (script/script*.c). First the lexer
 * on its own: quoting, escapes, continuation lines, comments, heredocs and
 * the errors with their line numbers. Then the interpreter on a small
 * writable overlay: each command's ordinary use, and its main failure with
 * the one message "NAME:LINE: COMMAND: PATH: reason" (reason: strerror's
 * text with a lowercase first letter, or the command's own words).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "script/script.h"
#include "script/script_impl.h"
#include "tests/unit/fixture.h"

static char tmpdir[64];

static int group_setup(void **state)
{
	strcpy(tmpdir, "/tmp/test_script.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd);
}

/* --- the lexer ---------------------------------------------------------- */

struct lexed {
	struct script_lexer lx;
	struct script_line l;
	struct err e;
};

static void lex_start(struct lexed *x, const char *text)
{
	memset(x, 0, sizeof(*x));
	script_lex_init(&x->lx, text, strlen(text));
}

/* The next command: asserts there is one, with argc words. */
static struct script_line *lex_cmd(struct lexed *x, size_t argc)
{
	script_line_free(&x->l);
	assert_int_equal(script_lex_next(&x->lx, &x->l, &x->e), 1);
	assert_int_equal(x->l.argc, argc);
	return &x->l;
}

static void lex_end(struct lexed *x)
{
	script_line_free(&x->l);
	assert_int_equal(script_lex_next(&x->lx, &x->l, &x->e), 0);
	assert_int_equal(x->l.argc, 0);
}

/* The error of lexing text to its end: the rc, e's line and message. */
static int lex_error(const char *text, long *line, char *msg)
{
	struct lexed x;
	int rc;

	lex_start(&x, text);
	while ((rc = script_lex_next(&x.lx, &x.l, &x.e)) == 1)
		script_line_free(&x.l);
	*line = x.e.line;
	strcpy(msg, x.e.msg);
	return rc;
}

static void test_lex_words_and_single_quotes(void **state)
{
	struct lexed x;
	struct script_line *l;

	lex_start(&x, "  cmd  'a b'\t'\"\\n'  c'd'e\n");
	l = lex_cmd(&x, 4);
	assert_string_equal(l->argv[0], "cmd");
	assert_string_equal(l->argv[1], "a b");
	/* nothing is special inside single quotes */
	assert_string_equal(l->argv[2], "\"\\n");
	/* quoted and unquoted parts join into one word */
	assert_string_equal(l->argv[3], "cde");
	assert_int_equal(l->lineno, 1);
	assert_null(l->input);
	lex_end(&x);
}

/* Inside double quotes: \\ \" \n \t \xHH; any other backslash stays. */
static void test_lex_double_quote_escapes(void **state)
{
	struct lexed x;
	struct script_line *l;

	lex_start(&x, "w \"a\\\\b\\\"c\\nd\\te\\x41\\x7a\\q 'x'\"");
	l = lex_cmd(&x, 2);
	assert_string_equal(l->argv[1], "a\\b\"c\nd\teAz\\q 'x'");
	lex_end(&x);
}

/* \x00 makes a NUL inside a word; the length counts it. */
static void test_lex_nul_byte(void **state)
{
	struct lexed x;
	struct script_line *l;

	lex_start(&x, "w \"a\\x00b\"");
	l = lex_cmd(&x, 2);
	assert_int_equal(l->lens[1], 3);
	assert_memory_equal(l->argv[1], "a\0b", 3);
	lex_end(&x);
}

static void test_lex_bad_hex_escape(void **state)
{
	long line;
	char msg[ERR_MSG_MAX];

	assert_int_equal(lex_error("ok\nw \"\\xG1\"\n", &line, msg), -EINVAL);
	assert_int_equal(line, 2);
	assert_string_equal(msg, "bad escape '\\x': two hex digits expected");
	assert_int_equal(lex_error("w \"\\x4\"", &line, msg), -EINVAL);
}

/* Outside quotes a backslash keeps the next character as it is. */
static void test_lex_backslash_outside_quotes(void **state)
{
	struct lexed x;
	struct script_line *l;

	lex_start(&x, "a\\ b \\'c \\\\ \\n \\#x");
	l = lex_cmd(&x, 5);
	assert_string_equal(l->argv[0], "a b");
	assert_string_equal(l->argv[1], "'c");
	assert_string_equal(l->argv[2], "\\");
	assert_string_equal(l->argv[3], "n");
	assert_string_equal(l->argv[4], "#x");
	lex_end(&x);
}

/* Backslash-newline joins lines; line numbers still count them. */
static void test_lex_continuation(void **state)
{
	struct lexed x;
	struct script_line *l;

	lex_start(&x, "a \\\n  b\\\nc\nd \"e\\\nf\"\n");
	l = lex_cmd(&x, 2);
	assert_string_equal(l->argv[0], "a");
	assert_string_equal(l->argv[1], "bc");	/* joined inside a word */
	assert_int_equal(l->lineno, 1);
	l = lex_cmd(&x, 2);
	assert_int_equal(l->lineno, 4);
	assert_string_equal(l->argv[1], "ef");	/* and inside "" */
	lex_end(&x);
}

/* '#' begins a comment only at the start of a word. */
static void test_lex_comments(void **state)
{
	struct lexed x;
	struct script_line *l;

	lex_start(&x, "# a whole line\n  # indented\na#b c #d e\n'#q' \"#r\"");
	l = lex_cmd(&x, 2);
	assert_int_equal(l->lineno, 3);
	assert_string_equal(l->argv[0], "a#b");
	assert_string_equal(l->argv[1], "c");
	l = lex_cmd(&x, 2);
	assert_int_equal(l->lineno, 4);
	assert_string_equal(l->argv[0], "#q");
	assert_string_equal(l->argv[1], "#r");
	lex_end(&x);
}

/* '' and "" are words of their own, of length 0. */
static void test_lex_empty_words(void **state)
{
	struct lexed x;
	struct script_line *l;

	lex_start(&x, "x '' \"\" y");
	l = lex_cmd(&x, 4);
	assert_string_equal(l->argv[1], "");
	assert_int_equal(l->lens[1], 0);
	assert_string_equal(l->argv[2], "");
	assert_int_equal(l->lens[2], 0);
	assert_string_equal(l->argv[3], "y");
	lex_end(&x);
}

/* Blank lines are skipped; a last line without a newline counts. */
static void test_lex_blank_lines_and_no_final_newline(void **state)
{
	struct lexed x;
	struct script_line *l;

	lex_start(&x, "\n\n  \t\nlast word");
	l = lex_cmd(&x, 2);
	assert_int_equal(l->lineno, 4);
	lex_end(&x);
	lex_start(&x, "");
	lex_end(&x);
}

/* A heredoc: the lines up to TAG, each with its newline; then on. */
static void test_lex_heredoc(void **state)
{
	struct lexed x;
	struct script_line *l;

	lex_start(&x, "write f <<EOF\nl1\n  'l2' \\n\n\nEOF\nnext << END\nEND\n"
		      "after\n");
	l = lex_cmd(&x, 2);
	assert_string_equal(l->argv[1], "f");
	assert_int_equal(l->lineno, 1);
	/* the body is raw: no quoting, no escapes */
	/* "l1\n" 3 + "  'l2' \\n\n" 10 + "\n" 1 */
	assert_int_equal(l->input_len, 14);
	assert_memory_equal(l->input, "l1\n  'l2' \\n\n\n", 14);
	l = lex_cmd(&x, 1);
	assert_int_equal(l->lineno, 6);
	assert_non_null(l->input);	/* an empty body is still a body */
	assert_int_equal(l->input_len, 0);
	l = lex_cmd(&x, 1);
	assert_int_equal(l->lineno, 8);
	lex_end(&x);
}

/* No terminator: an error on the line of the command that opened it. */
static void test_lex_heredoc_unterminated(void **state)
{
	long line;
	char msg[ERR_MSG_MAX];

	assert_int_equal(lex_error("a\nb\nwrite f <<EOF\nx\nEOFX\n", &line,
				   msg), -EINVAL);
	assert_int_equal(line, 3);
	assert_string_equal(msg, "unterminated heredoc: no line 'EOF'");
	assert_int_equal(lex_error("w <<\nx\n", &line, msg), -EINVAL);
	assert_string_equal(msg, "heredoc without a tag");
	assert_int_equal(lex_error("w << ", &line, msg), -EINVAL);
	assert_string_equal(msg, "heredoc without a tag");
	assert_int_equal(lex_error("w <<A <<B\nA\nB\n", &line, msg),
			 -EINVAL);
	assert_string_equal(msg, "more than one heredoc");
}

/* Unterminated quotes: the error names the line the word began on. */
static void test_lex_unterminated_quotes(void **state)
{
	long line;
	char msg[ERR_MSG_MAX];

	assert_int_equal(lex_error("ok\nw 'abc\n\ndef\n", &line, msg),
			 -EINVAL);
	assert_int_equal(line, 2);
	assert_string_equal(msg, "unterminated single quote");
	assert_int_equal(lex_error("ok\n\nok\nw \"abc\\\"", &line, msg),
			 -EINVAL);
	assert_int_equal(line, 4);
	assert_string_equal(msg, "unterminated double quote");
}

/* A word spanning lines inside quotes: the next command's line is right. */
static void test_lex_multiline_quote_lineno(void **state)
{
	struct lexed x;
	struct script_line *l;

	lex_start(&x, "w 'a\nb' c\nd\n");
	l = lex_cmd(&x, 3);
	assert_string_equal(l->argv[1], "a\nb");
	l = lex_cmd(&x, 1);
	assert_int_equal(l->lineno, 3);
	lex_end(&x);
}

/* --- the interpreter ---------------------------------------------------- */

struct fx {
	struct ovl *ovl;
	struct vfs_fs *fs;
	struct script_env env;
	struct err e;
	char msg[1400];
};

/*
 * The image: etc/passwd (root 0, app 1000 with login group 1001),
 * etc/group (root 0, app 1001, staff 50), etc/f "f", d/x "x", d/sub/,
 * h1 and h2 one file "hl", l -> etc/f, dev/.
 */
static int setup(void **state)
{
	struct memfs *l[1] = { fx_layer() };
	struct fx *f = calloc(1, sizeof(*f));

	fx_file(l[0], "etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"
				    "app:x:1000:1001::/home/app:/bin/sh\n");
	fx_file(l[0], "etc/group", "root:x:0:\napp:x:1001:\nstaff:x:50:\n");
	fx_file(l[0], "etc/f", "f");
	fx_file(l[0], "d/x", "x");
	fx_dir(l[0], "d/sub");
	fx_file(l[0], "h1", "hl");
	fx_hardlink(l[0], "h1", "h2");
	fx_symlink(l[0], "l", "etc/f");
	fx_dir(l[0], "dev");
	f->ovl = fx_ovl(l, 1, true);
	f->fs = ovl_vfs(f->ovl);
	f->env.fs = f->fs;
	f->env.now = (struct timespec){ 5000, 0 };
	f->env.spool_dir = tmpdir;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	script_env_release(&f->env);
	ovl_free(f->ovl);
	free(f);
	return 0;
}

/* Runs text as script "t.ots" (host paths from tmpdir); f->msg is the
 * formatted error, "" on success. */
static int run(struct fx *f, const char *text)
{
	int rc;

	err_clear(&f->e);
	rc = script_run(&f->env, "t.ots", text, strlen(text), tmpdir, &f->e);
	f->msg[0] = '\0';
	if (rc)
		err_format(&f->e, f->msg, sizeof(f->msg));
	return rc;
}

#define RUN_OK(f, text)                                                 \
	do {                                                            \
		int rc_ = run((f), (text));                             \
		if (rc_)                                                \
			fail_msg("script failed: %s", (f)->msg);        \
	} while (0)

/* Runs text; it must fail with rc and exactly the message want. */
#define RUN_FAIL(f, text, rc, want)                                     \
	do {                                                            \
		assert_int_equal(run((f), (text)), (rc));               \
		assert_string_equal((f)->msg, (want));                  \
	} while (0)

static struct vfs_attr st(struct fx *f, const char *path)
{
	struct vfs_attr a;

	assert_int_equal(fx_stat(f->fs, path, &a), 0);
	return a;
}

static bool exists(struct fx *f, const char *path)
{
	struct vfs_attr a;

	return fx_stat(f->fs, path, &a) == 0;
}

static void test_mkdir(void **state)
{
	struct fx *f = *state;

	RUN_OK(f, "mkdir -p a/b/c\nmkdir -m 0700 m\nmkdir -m 2750 s\n"
		  "mkdir -p a/b etc");
	assert_true(S_ISDIR(st(f, "a/b/c").mode));
	assert_int_equal(st(f, "a").mode, S_IFDIR | 0755);
	assert_int_equal(st(f, "m").mode, S_IFDIR | 0700);
	assert_int_equal(st(f, "s").mode, S_IFDIR | 02750);
	/* strerror(EEXIST) is "File exists" */
	RUN_FAIL(f, "mkdir etc", -EEXIST, "t.ots:1: mkdir: etc: file exists");
	RUN_FAIL(f, "\nmkdir -m 9 q", -EINVAL,
		 "t.ots:2: mkdir: invalid mode '9'");
	/* a setgid parent's bit stays unless the mode names it: what
	 * coreutils 9.1 mkdir -m gives on Linux in a 2755 directory */
	RUN_OK(f, "mkdir -m 2755 sg\nmkdir -m 4755 sg/x\nmkdir -m 0700 sg/y\n"
		  "mkdir -m 04755 sg/w\nmkdir -m u+s sg/z\nmkdir -m g-s sg/v\n"
		  "mkdir -p -m 0750 sg/p/q");
	assert_int_equal(st(f, "sg/x").mode, S_IFDIR | 06755);
	assert_int_equal(st(f, "sg/y").mode, S_IFDIR | 02700);
	assert_int_equal(st(f, "sg/w").mode, S_IFDIR | 04755);
	assert_int_equal(st(f, "sg/z").mode, S_IFDIR | 06777);
	assert_int_equal(st(f, "sg/v").mode, S_IFDIR | 0777);
	assert_int_equal(st(f, "sg/p").mode, S_IFDIR | 02755);
	assert_int_equal(st(f, "sg/p/q").mode, S_IFDIR | 02750);
	/* a file on the way: ENOTDIR, as coreutils mkdir -p says */
	RUN_FAIL(f, "mkdir -p etc/f/x", -ENOTDIR,
		 "t.ots:1: mkdir: etc/f/x: not a directory");
}

static void test_write_and_append(void **state)
{
	struct fx *f = *state;

	RUN_OK(f, "write new 'one'\nappend new \" two\"\n"
		  "write -m 0600 h <<EOF\nline\nEOF\nappend h <<X\nmore\nX\n"
		  "write l via-link\n");
	fx_assert_content(f->fs, "new", "one two");
	assert_int_equal(st(f, "new").mode, S_IFREG | 0644);
	fx_assert_content(f->fs, "h", "line\nmore\n");
	assert_int_equal(st(f, "h").mode, S_IFREG | 0600);
	/* write follows a final symlink, as a shell's > does */
	fx_assert_content(f->fs, "etc/f", "via-link");
	assert_true(S_ISLNK(st(f, "l").mode));
	RUN_FAIL(f, "write d x", -EISDIR, "t.ots:1: write: d: is a directory");
	RUN_FAIL(f, "append nodir/f x", -ENOENT,
		 "t.ots:1: append: nodir/f: no such file or directory");
	RUN_FAIL(f, "write a", -EINVAL, "t.ots:1: write: usage: write [-m MODE] "
		 "PATH TEXT | write [-m MODE] PATH <<TAG");
}

/* copy-in: a host tree (a file, a directory, a symlink), owner 0:0. */
static void test_copy_in(void **state)
{
	struct fx *f = *state;
	char path[256], want[512];
	int fd;

	snprintf(path, sizeof(path), "%s/host", tmpdir);
	assert_int_equal(mkdir(path, 0750), 0);
	snprintf(path, sizeof(path), "%s/host/sub", tmpdir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/host/sub/b", tmpdir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0640);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "host b\n", 7), 7);
	assert_int_equal(fchmod(fd, 0640), 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/host/link", tmpdir);
	assert_int_equal(symlink("sub/b", path), 0);
	RUN_OK(f, "mkdir /dst\ncopy-in host /dst\ncopy-in host/sub/b one");
	assert_int_equal(st(f, "dst/host").mode, S_IFDIR | 0750);
	assert_int_equal(st(f, "dst/host").uid, 0);
	fx_assert_content(f->fs, "dst/host/sub/b", "host b\n");
	assert_int_equal(st(f, "dst/host/sub/b").mode, S_IFREG | 0640);
	assert_true(S_ISLNK(st(f, "dst/host/link").mode));
	fx_assert_content(f->fs, "dst/host/link", "host b\n");
	fx_assert_content(f->fs, "one", "host b\n");
	snprintf(want, sizeof(want), "t.ots:1: copy-in: %s/missing: no such "
		 "file or directory", tmpdir);
	RUN_FAIL(f, "copy-in missing x", -ENOENT, want);
}

static void test_rm(void **state)
{
	struct fx *f = *state;

	RUN_OK(f, "rm etc/f\nrm -r d\nrm -f nothing\nrm -rf d\nrm l");
	assert_false(exists(f, "etc/f"));
	assert_false(exists(f, "d"));
	assert_false(exists(f, "l"));
	RUN_FAIL(f, "rm nothing", -ENOENT,
		 "t.ots:1: rm: nothing: no such file or directory");
	RUN_FAIL(f, "rm dev", -EISDIR, "t.ots:1: rm: dev: is a directory");
	RUN_FAIL(f, "rm -r /", -EPERM,
		 "t.ots:1: rm: /: refusing to remove the root directory");
	RUN_FAIL(f, "rm -z dev", -EINVAL, "t.ots:1: rm: unknown option '-z'");
}

static void test_rmdir(void **state)
{
	struct fx *f = *state;

	RUN_OK(f, "rmdir d/sub dev");
	assert_false(exists(f, "d/sub"));
	assert_false(exists(f, "dev"));
	RUN_FAIL(f, "rmdir d", -ENOTEMPTY,
		 "t.ots:1: rmdir: d: directory not empty");
	RUN_FAIL(f, "rmdir etc/f", -ENOTDIR,
		 "t.ots:1: rmdir: etc/f: not a directory");
}

/* mv of a file, and of a lower directory (the EXDEV copy). */
static void test_mv(void **state)
{
	struct fx *f = *state;

	RUN_OK(f, "mv etc/f etc/g\nmv d dev\nmv h1 moved");
	fx_assert_content(f->fs, "etc/g", "f");
	assert_false(exists(f, "etc/f"));
	fx_assert_content(f->fs, "dev/d/x", "x");
	assert_true(S_ISDIR(st(f, "dev/d/sub").mode));
	assert_false(exists(f, "d"));
	fx_assert_content(f->fs, "moved", "hl");
	/*
	 * mv dev dev/d: the target is the existing directory dev/d, so the
	 * destination is dev/d/dev, inside the source.
	 */
	RUN_FAIL(f, "mv dev dev/d", -EINVAL, "t.ots:1: mv: dev: cannot move "
		 "to a subdirectory of itself, 'dev/d/dev'");
	RUN_FAIL(f, "mv none x", -ENOENT,
		 "t.ots:1: mv: none: no such file or directory");
	RUN_FAIL(f, "mv a", -EINVAL, "t.ots:1: mv: usage: mv SRC DST");
}

/* cp, cp -r, and cp -a keeping hard links and attributes. */
static void test_cp(void **state)
{
	struct fx *f = *state;
	struct vfs_attr a, b;

	/* t/h1 and t/h2: one upper file (a copied-up lower link would
	 * break away, so the links are made here) */
	RUN_OK(f, "mkdir t\nwrite t/h1 data\nln t/h1 t/h2\nchown 7:8 t/h1\n"
		  "cp etc/f copy\ncp -r d d2\ncp -a t t2\ncp t/h1 plain");
	fx_assert_content(f->fs, "copy", "f");
	fx_assert_content(f->fs, "d2/x", "x");
	a = st(f, "t2/h1");
	b = st(f, "t2/h2");
	assert_int_equal(a.ino, b.ino);
	assert_int_equal(a.nlink, 2);
	assert_int_equal(a.uid, 7);
	/* without -a the copier's owner: 0 */
	assert_int_equal(st(f, "plain").uid, 0);
	RUN_FAIL(f, "cp d d3", -EISDIR,
		 "t.ots:1: cp: d: -r not specified; omitting directory");
	RUN_FAIL(f, "cp -r d d/sub", -EINVAL, "t.ots:1: cp: d: cannot copy a "
		 "directory into itself, 'd/sub/d'");
}

static void test_ln(void **state)
{
	struct fx *f = *state;
	char *t;
	struct vfs_node *n;
	size_t len;
	const char *target;

	RUN_OK(f, "ln -s /etc/f sl\nln etc/f hard\nln -sf other sl\n"
		  "ln -s ../f d/");
	assert_int_equal(st(f, "hard").ino, st(f, "etc/f").ino);
	assert_int_equal(vfs_resolve(f->fs, "sl", false, &n), 0);
	assert_int_equal(f->fs->ops->readlink(f->fs, n, &target, &len), 0);
	t = strndup(target, len);
	assert_string_equal(t, "other");
	free(t);
	vfs_put(f->fs, n);
	/* into a directory: d/f */
	assert_true(S_ISLNK(st(f, "d/f").mode));
	RUN_FAIL(f, "ln d dd", -EPERM,
		 "t.ots:1: ln: d: hard link not allowed for directory");
	RUN_FAIL(f, "ln -s x hard", -EEXIST, "t.ots:1: ln: hard: file exists");
}

static void test_chmod(void **state)
{
	struct fx *f = *state;

	RUN_OK(f, "chmod 4750 etc/f d");
	assert_int_equal(st(f, "etc/f").mode, S_IFREG | 04750);
	assert_int_equal(st(f, "d").mode, S_IFDIR | 04750);
	/* through the link: etc/f changes, l is still a link */
	RUN_OK(f, "chmod 600 l");
	assert_int_equal(st(f, "etc/f").mode, S_IFREG | 0600);
	assert_true(S_ISLNK(st(f, "l").mode));
	RUN_FAIL(f, "chmod 888 etc/f", -EINVAL,
		 "t.ots:1: chmod: invalid mode '888'");
	RUN_FAIL(f, "chmod 644 none", -ENOENT,
		 "t.ots:1: chmod: none: no such file or directory");
}

/* Names come from the image's etc/passwd and etc/group (setup). */
static void test_chown(void **state)
{
	struct fx *f = *state;
	struct vfs_attr a;

	RUN_OK(f, "chown app etc/f\nchown app: d\nchown app:staff h1\n"
		  "chown 5:6 d/x\nchown :staff d/sub\nchown -h 9 l");
	a = st(f, "etc/f");
	assert_int_equal(a.uid, 1000);
	assert_int_equal(a.gid, 0);		/* unchanged */
	a = st(f, "d");
	assert_int_equal(a.uid, 1000);
	assert_int_equal(a.gid, 1001);		/* app's login group */
	a = st(f, "h1");
	assert_int_equal(a.uid, 1000);
	assert_int_equal(a.gid, 50);
	a = st(f, "d/x");
	assert_int_equal(a.uid, 5);
	assert_int_equal(a.gid, 6);
	assert_int_equal(st(f, "d/sub").gid, 50);
	assert_int_equal(st(f, "d/sub").uid, 0);
	assert_int_equal(st(f, "l").uid, 9);	/* the link, with -h */
	assert_int_equal(st(f, "etc/f").uid, 1000);
	RUN_FAIL(f, "chown nobody etc/f", -EINVAL,
		 "t.ots:1: chown: invalid user: 'nobody'");
	RUN_FAIL(f, "chown app:nogroup etc/f", -EINVAL,
		 "t.ots:1: chown: invalid group: 'app:nogroup'");
}

static void test_touch(void **state)
{
	struct fx *f = *state;
	struct vfs_attr a;

	RUN_OK(f, "touch -d @100.5 etc/f\ntouch brand-new\ntouch -d @-1.5 d");
	a = st(f, "etc/f");
	assert_int_equal(a.mtime.tv_sec, 100);
	assert_int_equal(a.mtime.tv_nsec, 500000000);
	/* env.now is 5000 */
	assert_int_equal(st(f, "brand-new").mtime.tv_sec, 5000);
	assert_true(S_ISREG(st(f, "brand-new").mode));
	/* -1.5 s: 2 s before the epoch plus half a second */
	a = st(f, "d");
	assert_int_equal(a.mtime.tv_sec, -2);
	assert_int_equal(a.mtime.tv_nsec, 500000000);
	/* with clamping, a time after now becomes now */
	f->env.clamp = true;
	RUN_OK(f, "touch -d @9999 etc/f");
	assert_int_equal(st(f, "etc/f").mtime.tv_sec, 5000);
	RUN_FAIL(f, "touch -d yesterday etc/f", -EINVAL,
		 "t.ots:1: touch: invalid date 'yesterday'");
	RUN_FAIL(f, "touch -h none", -ENOENT,
		 "t.ots:1: touch: none: no such file or directory");
}

static void test_truncate(void **state)
{
	struct fx *f = *state;

	RUN_OK(f, "truncate -s 0 etc/f\ntruncate -s 1K made\n"
		  "truncate -s 1 h1");
	assert_int_equal(st(f, "etc/f").size, 0);
	assert_int_equal(st(f, "made").size, 1024);
	fx_assert_content(f->fs, "h1", "h");
	RUN_FAIL(f, "truncate -s x etc/f", -EINVAL,
		 "t.ots:1: truncate: invalid size 'x'");
	RUN_FAIL(f, "truncate -s 1 d", -EISDIR,
		 "t.ots:1: truncate: d: is a directory");
}

static void test_mknod(void **state)
{
	struct fx *f = *state;
	struct vfs_attr a;

	RUN_OK(f, "mknod dev/null c 1 3\nmknod -m 0600 dev/sda b 8 0\n"
		  "mknod dev/fifo p");
	a = st(f, "dev/null");
	assert_int_equal(a.mode, S_IFCHR | 0644);
	assert_int_equal(a.rdev, makedev(1, 3));
	a = st(f, "dev/sda");
	assert_int_equal(a.mode, S_IFBLK | 0600);
	assert_int_equal(a.rdev, makedev(8, 0));
	assert_int_equal(st(f, "dev/fifo").mode, S_IFIFO | 0644);
	/* EPERM's strerror: "Operation not permitted" */
	RUN_FAIL(f, "mknod dev/wh c 0 0", -EPERM,
		 "t.ots:1: mknod: dev/wh: operation not permitted");
	RUN_FAIL(f, "mknod dev/x c 1", -EINVAL, "t.ots:1: mknod: usage: mknod "
		 "[-m MODE] PATH c|b MAJOR MINOR | mknod [-m MODE] PATH p");
	RUN_FAIL(f, "mknod dev/y c 1 x", -EINVAL,
		 "t.ots:1: mknod: dev/y: invalid device number");
}

static void test_setxattr_and_rmxattr(void **state)
{
	struct fx *f = *state;
	const struct memfs_xattr *x;
	struct vfs_node *n;
	uint32_t nx;

	RUN_OK(f, "setxattr user.hex 0x41420043 etc/f\n"
		  "setxattr user.b64 0sQUI= etc/f\n"
		  "setxattr user.text 'plain v' l\n"
		  "setxattr user.gone x etc/f\nrmxattr user.gone etc/f\n"
		  "setxattr -h trusted.t y l");
	assert_int_equal(vfs_resolve(f->fs, "etc/f", false, &n), 0);
	assert_int_equal(f->fs->ops->listxattr(f->fs, n, &x, &nx), 0);
	/* sorted: b64 hex text */
	assert_int_equal(nx, 3);
	assert_string_equal(x[0].name, "user.b64");
	assert_int_equal(x[0].len, 2);
	assert_memory_equal(x[0].value, "AB", 2);
	assert_string_equal(x[1].name, "user.hex");
	assert_int_equal(x[1].len, 4);
	assert_memory_equal(x[1].value, "AB\0C", 4);
	assert_string_equal(x[2].name, "user.text");
	assert_memory_equal(x[2].value, "plain v", 7);
	vfs_put(f->fs, n);
	RUN_FAIL(f, "setxattr -h user.a v l", -EPERM,
		 "t.ots:1: setxattr: l: operation not permitted");
	RUN_FAIL(f, "setxattr user.a 0x4 etc/f", -EINVAL,
		 "t.ots:1: setxattr: invalid value '0x4'");
	RUN_FAIL(f, "rmxattr user.none etc/f", -ENODATA,
		 "t.ots:1: rmxattr: etc/f: no data available");
}

/* The command's own errors: unknown, bad option, a heredoc where none. */
static void test_command_errors(void **state)
{
	struct fx *f = *state;

	RUN_FAIL(f, "# c\nfrob a b", -EINVAL, "t.ots:2: frob: unknown command");
	RUN_FAIL(f, "chmod -Q 644 d", -EINVAL,
		 "t.ots:1: chmod: unknown option '-Q'");
	/* the closest commands by edit distance, as git suggests */
	RUN_FAIL(f, "cpy a b", -EINVAL,
		 "t.ots:1: cpy: unknown command; did you mean 'cp'?");
	RUN_FAIL(f, "mkdri a", -EINVAL,
		 "t.ots:1: mkdri: unknown command; did you mean 'mkdir'?");
	RUN_FAIL(f, "copy-in --own x a b", -EINVAL,
		 "t.ots:1: copy-in: unknown option '--own'");
	RUN_FAIL(f, "touch -d", -EINVAL,
		 "t.ots:1: touch: option '-d' needs a value");
	RUN_FAIL(f, "rm x <<E\nE\n", -EINVAL, "t.ots:1: rm: takes no heredoc");
	/* a lexer error through script_run: the line of the word */
	RUN_FAIL(f, "mkdir a\n\nwrite b \"open", -EINVAL,
		 "t.ots:3: unterminated double quote");
}

/* The first failure stops the script; what ran before stays done. */
static void test_stops_at_first_failure(void **state)
{
	struct fx *f = *state;

	RUN_FAIL(f, "write a 1\nwrite b <<E\nbody\nE\nrmdir none\nwrite c 3",
		 -ENOENT, "t.ots:5: rmdir: none: no such file or directory");
	assert_true(exists(f, "a"));
	assert_true(exists(f, "b"));
	assert_false(exists(f, "c"));
}

/* The script's name is used as given, "-e" for an expression. */
static void test_name_in_message(void **state)
{
	struct fx *f = *state;
	char msg[256];

	err_clear(&f->e);
	assert_int_equal(script_run(&f->env, "-e", "rmdir d", 7, ".", &f->e),
			 -ENOTEMPTY);
	assert_string_equal(err_format(&f->e, msg, sizeof(msg)),
			    "-e:1: rmdir: d: directory not empty");
}


/* --- the edit language of issue 16 --------------------------------------- */

static int lookup_ab(void *ctx, const char *name, size_t len,
		     const char **val, size_t *vlen)
{
	if (len == 1 && *name == 'A') {
		*val = "v*1";
		*vlen = 3;
		return 0;
	}
	return -ENOENT;
}

/* ${NAME} in unquoted and double-quoted words; '...' and \$ literal. */
static void test_lex_variables(void **state)
{
	struct lexed x;
	struct script_line *l;
	long line;
	char msg[ERR_MSG_MAX];

	lex_start(&x, "w ${A} \"<${A}>\" '${A}' \\${A} \"\\${A}\" $A $ a${A}b\n");
	script_lex_vars(&x.lx, lookup_ab, NULL);
	l = lex_cmd(&x, 9);
	assert_string_equal(l->argv[1], "v*1");
	assert_null(l->pats[1]);	/* a value is never a pattern */
	assert_string_equal(l->argv[2], "<v*1>");
	assert_string_equal(l->argv[3], "${A}");
	assert_string_equal(l->argv[4], "${A}");
	assert_string_equal(l->argv[5], "${A}");
	assert_string_equal(l->argv[6], "$A");	/* bare $: as written */
	assert_string_equal(l->argv[7], "$");
	assert_string_equal(l->argv[8], "av*1b");
	lex_end(&x);
	assert_int_equal(lex_error("mkdir a\nw ${NOPE}\n", &line, msg), -EINVAL);
	assert_int_equal(line, 2);
	assert_string_equal(msg, "undefined variable 'NOPE'");
	assert_int_equal(lex_error("w ${A\n", &line, msg), -EINVAL);
	assert_string_equal(msg, "bad variable reference: '${' must be "
			    "followed by a name and '}'");
}

/* An unquoted * ? [ makes a pattern; quoted specials are escaped in it. */
static void test_lex_patterns(void **state)
{
	struct lexed x;
	struct script_line *l;

	lex_start(&x, "rm /etc/*.conf '*' \"a*\"b? x\\[1] [ab]\n");
	l = lex_cmd(&x, 6);
	assert_string_equal(l->pats[1], "/etc/*.conf");
	assert_null(l->pats[2]);
	assert_string_equal(l->argv[2], "*");
	assert_string_equal(l->pats[3], "a\\*b?");
	assert_string_equal(l->argv[3], "a*b?");
	assert_null(l->pats[4]);
	assert_string_equal(l->argv[4], "x[1]");
	assert_string_equal(l->pats[5], "[ab]");
	lex_end(&x);
}

/* gnulib's mode_adjust with a umask of 0, clause by clause. */
static void test_symbolic_modes(void **state)
{
	static const struct {
		const char *mode;
		mode_t old;
		bool dir;
		mode_t want;
	} t[] = {
		{ "u+x", 0644, false, 0744 },
		{ "+x", 0644, false, 0755 },	/* no umask: a+x */
		{ "g-w", 0664, false, 0644 },
		{ "a=r", 0755, false, 0444 },
		{ "o=", 0757, false, 0750 },
		{ "u=rwx,go=rx", 0600, false, 0755 },
		{ "+X", 0644, false, 0644 },	/* no x anywhere: none */
		{ "+X", 0744, false, 0755 },
		{ "+X", 0600, true, 0711 },	/* a directory: always */
		{ "a+rX", 0600, false, 0644 },
		{ "g=u", 0750, false, 0770 },
		{ "u+s,g+s", 0755, false, 06755 },
		{ "+t", 0777, true, 01777 },
		{ "=", 04755, false, 0 },
		/* a directory keeps setgid unless named (chmod(1)) */
		{ "755", 02700, true, 02755 },
		{ "00755", 02700, true, 0755 },
		{ "g=rx", 02770, true, 02750 },
		{ "u=rw-x+X", 0100, false, 0600 },	/* X sees the -x */
	};
	static const char *const bad[] = {
		"", "8", "07777x", "010000", "u", "u+q", "x+u", ",", "u+r,",
		"g=uw",
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct script_mode *m;

		assert_int_equal(script_mode_parse(t[i].mode, &m), 0);
		if (script_mode_apply(m, t[i].old, t[i].dir) != t[i].want)
			fail_msg("%s on %04o: %04o, want %04o", t[i].mode,
				 (unsigned)t[i].old,
				 (unsigned)script_mode_apply(m, t[i].old,
							     t[i].dir),
				 (unsigned)t[i].want);
		script_mode_free(m);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct script_mode *m = NULL;

		if (script_mode_parse(bad[i], &m) != -EINVAL)
			fail_msg("'%s' was accepted", bad[i]);
	}
}

/* chmod -R and chown -R: the whole tree, symlinks never followed below. */
static void test_recursive(void **state)
{
	struct fx *f = *state;

	RUN_OK(f, "mkdir d/sub/deep\nln -s /etc/f d/sub/link\n"
		  "chmod -R go-rwx,u+X d\nchown -R app: d");
	assert_int_equal(st(f, "d").mode, S_IFDIR | 0700);
	assert_int_equal(st(f, "d/x").mode, S_IFREG | 0600);
	assert_int_equal(st(f, "d/sub/deep").mode, S_IFDIR | 0700);
	assert_int_equal(st(f, "etc/f").mode, S_IFREG | 0644);
	assert_int_equal(st(f, "d/sub/deep").uid, 1000);
	assert_int_equal(st(f, "d/x").gid, 1001);
	/* chown -R changes the link itself, never its target */
	assert_int_equal(st(f, "d/sub/link").uid, 1000);
	assert_int_equal(st(f, "etc/f").uid, 0);
	/* the command line's symlink: chown -R does not follow it either */
	RUN_OK(f, "chown -R 7 l\nchmod -R 600 l");
	assert_int_equal(st(f, "l").uid, 7);
	assert_int_equal(st(f, "etc/f").uid, 0);
	assert_int_equal(st(f, "etc/f").mode, S_IFREG | 0600);	/* chmod: */
	/* chmod -w: a mode, as chmod.c takes it; --w: an option */
	RUN_OK(f, "chmod -w,o+x d/x");
	assert_int_equal(st(f, "d/x").mode, S_IFREG | 0401);
	RUN_FAIL(f, "chmod --tw d/x", -EINVAL,
		 "t.ots:1: chmod: unknown option '--tw'");
	RUN_FAIL(f, "chown -R app none", -ENOENT,
		 "t.ots:1: chown: none: no such file or directory");
}

/* Patterns expand against the image, sorted; no match is an error. */
static void test_globs(void **state)
{
	struct fx *f = *state;

	RUN_OK(f, "write d/.hidden h\nwrite d/y y\nwrite 'd/*' star\n"
		  "chmod 600 d/*\nchmod 640 '/d/*'\nchmod 700 /d/s*/");
	assert_int_equal(st(f, "d/x").mode, S_IFREG | 0600);
	assert_int_equal(st(f, "d/y").mode, S_IFREG | 0600);
	assert_int_equal(st(f, "d/*").mode, S_IFREG | 0640);
	assert_int_equal(st(f, "d/.hidden").mode, S_IFREG | 0644);
	assert_int_equal(st(f, "d/sub").mode, S_IFDIR | 0700);
	RUN_OK(f, "chmod 611 d/.h*\nrm -f /d/*.none /nodir/*\nrm d/[xy]");
	assert_int_equal(st(f, "d/.hidden").mode, S_IFREG | 0611);
	assert_false(exists(f, "d/x"));
	assert_false(exists(f, "d/y"));
	assert_true(exists(f, "d/*"));
	RUN_FAIL(f, "\nrm -r /etc/*.conf", -ENOENT,
		 "t.ots:2: rm: /etc/*.conf: no match");
	RUN_FAIL(f, "copy-in d* /x", -EINVAL, "t.ots:1: copy-in: d*: a pattern "
		 "in HOSTPATH would be expanded against the image: quote it");
	/* option values are not patterns */
	RUN_FAIL(f, "mkdir -m 'u*' q", -EINVAL,
		 "t.ots:1: mkdir: invalid mode 'u*'");
}

/* -D wins over the image's Env; env over both, for the lines after it. */
static void test_variables(void **state)
{
	struct fx *f = *state;
	const char *defs[] = { "WHO=cli", "WHO=cli2" };

	assert_int_equal(script_envlist_put(&f->env.vars,
					    "PATH=/usr/bin:/bin"), 0);
	assert_int_equal(script_envlist_put(&f->env.vars, "WHO=image"), 0);
	f->env.defines = defs;
	f->env.ndefines = 2;
	RUN_OK(f, "write w0 ${WHO}\n"
		  "env PATH=${PATH}:/opt/bin NEW=1\nwrite p \"${PATH} ${NEW}\"\n"
		  "env WHO=script\nwrite w ${WHO}\nwrite s 'a$b${c}'");
	fx_assert_content(f->fs, "w0", "cli2");
	fx_assert_content(f->fs, "p", "/usr/bin:/bin:/opt/bin 1");
	fx_assert_content(f->fs, "w", "script");
	fx_assert_content(f->fs, "s", "a$b${c}");
	assert_string_equal(script_envlist_get(&f->env.vars, "PATH", 4),
			    "/usr/bin:/bin:/opt/bin");
	assert_int_equal(f->env.vars.n, 3);	/* PATH WHO NEW, in place */
	assert_string_equal(f->env.vars.v[1], "WHO=script");
	assert_int_equal(f->env.edits.n, 3);
	assert_string_equal(f->env.edits.v[0].key, "PATH");
	assert_int_equal(f->env.edits.v[0].lineno, 2);
	assert_string_equal(f->env.edits.v[2].value, "script");
	RUN_FAIL(f, "write x ${NOPE}", -EINVAL,
		 "t.ots:1: undefined variable 'NOPE'");
	RUN_FAIL(f, "env 1X=2", -EINVAL, "t.ots:1: env: '1X=2' is not "
		 "NAME=VALUE");
	f->env.defines = NULL;
	f->env.ndefines = 0;
}

/* append-line, replace, delete-lines: through a symlink, attrs kept. */
static void test_line_edits(void **state)
{
	struct fx *f = *state;
	const struct memfs_xattr *x;
	struct vfs_node *n;
	uint32_t nx;

	RUN_OK(f, "write etc/f 'a=1\nb=2'\nchmod 640 etc/f\nchown app:staff etc/f\n"
		  "setxattr user.k v etc/f\n"
		  "append-line l c=3\nappend-line l c=3\nappend-line etc/f a=1");
	fx_assert_content(f->fs, "etc/f", "a=1\nb=2\nc=3\n");
	RUN_OK(f, "replace l '^([a-z])=([0-9])' '\\2:\\1'\n"
		  "replace -g etc/f '[0-9]' '<\\0>'\n"
		  "replace -f etc/f nomatch x");
	fx_assert_content(f->fs, "etc/f", "<1>:a\n<2>:b\n<3>:c\n");
	RUN_OK(f, "delete-lines l ':b$'\nappend-line new x");
	fx_assert_content(f->fs, "etc/f", "<1>:a\n<3>:c\n");
	fx_assert_content(f->fs, "new", "x\n");
	assert_int_equal(st(f, "etc/f").mode, S_IFREG | 0640);
	assert_int_equal(st(f, "etc/f").uid, 1000);
	assert_int_equal(st(f, "etc/f").gid, 50);
	assert_true(S_ISLNK(st(f, "l").mode));
	assert_int_equal(vfs_resolve(f->fs, "etc/f", false, &n), 0);
	assert_int_equal(vfs_listxattr(f->fs, n, &x, &nx), 0);
	assert_int_equal(nx, 1);		/* user.k stayed */
	assert_string_equal(x[0].name, "user.k");
	vfs_put(f->fs, n);
	RUN_OK(f, "replace -g etc/f 'x*' '-'");	/* empty matches advance */
	fx_assert_content(f->fs, "etc/f", "-<-1->-:-a-\n-<-3->-:-c-\n");
	RUN_FAIL(f, "replace etc/f '^zz' y", -ENOENT,
		 "t.ots:1: replace: etc/f: no line matches '^zz'");
	RUN_FAIL(f, "delete-lines etc/f '('", -EINVAL,
		 "t.ots:1: delete-lines: invalid regular expression '(': "
		 "Unmatched ( or \\(");
	RUN_FAIL(f, "replace d a b", -EISDIR,
		 "t.ots:1: replace: d: is a directory");
}

/* useradd and groupadd on passwd, group, shadow and gshadow. */
static void test_users(void **state)
{
	struct fx *f = *state;

	RUN_OK(f, "write etc/login.defs 'UID_MIN 2000\nGID_MIN\t2000\n"
		  "USERGROUPS_ENAB yes\nPASS_MAX_DAYS 99999\n"
		  "PASS_MIN_DAYS 0\nPASS_WARN_AGE 7\n'\n"
		  "write etc/shadow 'root:*:1::::::\n'\n"
		  "write etc/gshadow 'root:*::'\n"
		  "mkdir -p etc/skel/.config\nwrite etc/skel/.profile p\n"
		  "groupadd web\ngroupadd -g 3000 ops\n"
		  "useradd -m -G web,staff -s /bin/bash svc\n"
		  "useradd -u 10 -g ops -d /srv/b b\n");
	fx_assert_content(f->fs, "etc/passwd",
			  "root:x:0:0:root:/root:/bin/sh\n"
			  "app:x:1000:1001::/home/app:/bin/sh\n"
			  "svc:x:2000:3001::/home/svc:/bin/bash\n"
			  "b:x:10:3000::/srv/b:/bin/bash\n");
	fx_assert_content(f->fs, "etc/group",
			  "root:x:0:\napp:x:1001:\nstaff:x:50:svc\n"
			  "web:x:2000:svc\nops:x:3000:\nsvc:x:3001:\n");
	/* lastchg: the build's day; 5000 s is day 0, left empty, as useradd
	 * -P on the same files leaves it */
	fx_assert_content(f->fs, "etc/shadow", "root:*:1::::::\n"
			  "svc:!::0:99999:7:::\nb:!::0:99999:7:::\n");
	fx_assert_content(f->fs, "etc/gshadow", "root:*::\nweb:!::svc\n"
			  "ops:!::\nsvc:!::\n");
	assert_int_equal(st(f, "home/svc").mode, S_IFDIR | 0755);
	assert_int_equal(st(f, "home/svc").uid, 2000);
	assert_int_equal(st(f, "home/svc/.profile").uid, 2000);
	assert_int_equal(st(f, "home/svc/.config").gid, 3001);
	assert_false(exists(f, "srv/b"));	/* no -m */
	RUN_FAIL(f, "useradd svc", -EEXIST,
		 "t.ots:1: useradd: user 'svc' already exists");
	RUN_FAIL(f, "useradd -u 10 x", -EEXIST,
		 "t.ots:1: useradd: UID 10 is not unique");
	RUN_FAIL(f, "useradd -g none x", -EINVAL,
		 "t.ots:1: useradd: group 'none' does not exist");
	RUN_FAIL(f, "useradd web", -EEXIST, "t.ots:1: useradd: group web "
		 "exists - if you want to add this user to that group, use -g");
	RUN_FAIL(f, "groupadd -g 3000 x", -EEXIST,
		 "t.ots:1: groupadd: GID '3000' already exists");
	RUN_FAIL(f, "useradd Bad", -EINVAL,
		 "t.ots:1: useradd: invalid user name 'Bad'");
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lex_words_and_single_quotes),
		cmocka_unit_test(test_lex_double_quote_escapes),
		cmocka_unit_test(test_lex_nul_byte),
		cmocka_unit_test(test_lex_bad_hex_escape),
		cmocka_unit_test(test_lex_backslash_outside_quotes),
		cmocka_unit_test(test_lex_continuation),
		cmocka_unit_test(test_lex_comments),
		cmocka_unit_test(test_lex_empty_words),
		cmocka_unit_test(test_lex_blank_lines_and_no_final_newline),
		cmocka_unit_test(test_lex_heredoc),
		cmocka_unit_test(test_lex_heredoc_unterminated),
		cmocka_unit_test(test_lex_unterminated_quotes),
		cmocka_unit_test(test_lex_multiline_quote_lineno),
		cmocka_unit_test(test_lex_variables),
		cmocka_unit_test(test_lex_patterns),
		cmocka_unit_test(test_symbolic_modes),
		T(test_mkdir),
		T(test_write_and_append),
		T(test_copy_in),
		T(test_rm),
		T(test_rmdir),
		T(test_mv),
		T(test_cp),
		T(test_ln),
		T(test_chmod),
		T(test_chown),
		T(test_touch),
		T(test_truncate),
		T(test_mknod),
		T(test_setxattr_and_rmxattr),
		T(test_command_errors),
		T(test_stops_at_first_failure),
		T(test_name_in_message),
		T(test_recursive),
		T(test_globs),
		T(test_variables),
		T(test_line_edits),
		T(test_users),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
