/*
 * show: the command line and the formats shared by ls, cat, stat and
 * inspect (see show.h).
 */
#include "cmd/show.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "core/ovl.h"

void show_split(int argc, char **argv, struct show_args *a)
{
	a->optc = argc;
	a->paths = NULL;
	a->npaths = 0;
	a->dashdash = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			a->optc = i;
			a->paths = argv + i + 1;
			a->npaths = (size_t)(argc - i - 1);
			a->dashdash = true;
			return;
		}
	}
}

int show_load(const char *cmd, char **args, size_t n,
	      const struct cmd_layer_opts *lo, struct show_stack *st)
{
	struct cmd_layer_opts o = *lo;
	struct err e;

	err_clear(&e);
	*st = (struct show_stack){ 0 };
	if (cmd_check_layers(cmd, args, n))
		return CMD_USAGE;
	o.names = &st->names;
	o.digests = &st->digests;
	o.commands = &st->commands;
	if (cmd_load_stack(args, n, &o, &st->ovl, &e))
		return cmd_report(&e);
	st->n = ovl_nlayers(st->ovl);
	cmd_progress_stop();	/* what follows goes to stdout, maybe the tty */
	return CMD_OK;
}

void show_stack_release(struct show_stack *st)
{
	cmd_names_free(st->names, st->n);
	cmd_names_free(st->digests, st->n);
	cmd_names_free(st->commands, st->n);
	ovl_free(st->ovl);
	*st = (struct show_stack){ 0 };
}

const char *show_basename(const char *path)
{
	const char *s = strrchr(path, '/');

	return s && s[1] ? s + 1 : path;
}

void show_mode(mode_t m, char out[11])
{
	static const char rwx[] = "rwxrwxrwx";

	out[0] = S_ISDIR(m) ? 'd' : S_ISLNK(m) ? 'l' : S_ISCHR(m) ? 'c' :
		 S_ISBLK(m) ? 'b' : S_ISFIFO(m) ? 'p' : S_ISSOCK(m) ? 's' : '-';
	for (int i = 0; i < 9; i++)
		out[1 + i] = (m & (0400 >> i)) ? rwx[i] : '-';
	if (m & S_ISUID)
		out[3] = (m & S_IXUSR) ? 's' : 'S';
	if (m & S_ISGID)
		out[6] = (m & S_IXGRP) ? 's' : 'S';
	if (m & S_ISVTX)
		out[9] = (m & S_IXOTH) ? 't' : 'T';
	out[10] = '\0';
}

const char *show_type_json(mode_t m)
{
	return S_ISDIR(m) ? "dir" : S_ISLNK(m) ? "symlink" : S_ISCHR(m) ? "char"
	       : S_ISBLK(m) ? "block" : S_ISFIFO(m) ? "fifo" : S_ISSOCK(m) ?
	       "socket" : "file";
}

const char *show_type_text(mode_t m)
{
	return S_ISDIR(m) ? "directory" : S_ISLNK(m) ? "symbolic link" :
	       S_ISCHR(m) ? "character device" : S_ISBLK(m) ? "block device" :
	       S_ISFIFO(m) ? "fifo" : S_ISSOCK(m) ? "socket" : "regular file";
}

void show_time_min(struct timespec t, char out[32])
{
	struct tm tm;
	time_t s = t.tv_sec;

	if (!gmtime_r(&s, &tm) ||
	    !strftime(out, 32, "%Y-%m-%d %H:%M", &tm))
		snprintf(out, 32, "%lld", (long long)t.tv_sec);
}

static bool needs_quotes(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f || c == '"' || c == '\\')
			return true;
	}
	return false;
}

void show_name(FILE *f, const char *s, size_t len)
{
	if (!needs_quotes(s, len)) {
		fwrite(s, 1, len, f);
		return;
	}
	fputc('"', f);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		/* git's quote.c (cq_lookup): these controls by letter */
		const char *letter = c >= 7 && c <= 13 ? &"abtnvfr"[c - 7] : NULL;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (letter)
			fprintf(f, "\\%c", *letter);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\%03o", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/*
 * The length of the valid UTF-8 sequence at s (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF), or 0 if there is none.
 */
static size_t utf8_len(const unsigned char *s, size_t left)
{
	size_t n;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

void show_json_str(FILE *f, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', f);
	for (size_t i = 0; i < len;) {
		size_t n = utf8_len(s + i, len - i);

		if (!n) {
			fprintf(f, "\\udc%02x", s[i]);
			i++;
			continue;
		}
		if (n > 1) {
			fwrite(s + i, 1, n, f);
		} else if (s[i] == '"' || s[i] == '\\') {
			fprintf(f, "\\%c", s[i]);
		} else if (s[i] < 0x20) {
			switch (s[i]) {
			case '\n': fputs("\\n", f); break;
			case '\t': fputs("\\t", f); break;
			case '\r': fputs("\\r", f); break;
			case '\b': fputs("\\b", f); break;
			case '\f': fputs("\\f", f); break;
			default: fprintf(f, "\\u%04x", s[i]); break;
			}
		} else {
			fputc(s[i], f);
		}
		i += n;
	}
	fputc('"', f);
}

char *show_join(const char *dir, const char *name, size_t len)
{
	size_t dl = strlen(dir);
	char *p;

	while (dl > 1 && dir[dl - 1] == '/')
		dl--;
	if (dl == 1 && dir[0] == '/')
		dl = 0;
	p = malloc(dl + 1 + len + 1);
	if (!p)
		return NULL;
	memcpy(p, dir, dl);
	p[dl] = '/';
	memcpy(p + dl + 1, name, len);
	p[dl + 1 + len] = '\0';
	return p;
}

int show_path_error(const char *cmd, const char *path, int rc)
{
	const char *why = rc == -ENOENT ? "no such file or directory in the "
					  "image" : strerror(-rc);

	return cmd_fail("%s: '%s': %s", cmd, path, why);
}

void show_json_entry(FILE *f, const struct show_entry *e)
{
	const char *name = e->path;
	size_t nlen = e->pathlen;
	const char *slash;

	while (nlen > 1 && name[nlen - 1] == '/')
		nlen--;
	slash = memrchr(name, '/', nlen);
	if (slash && nlen > 1) {
		nlen -= (size_t)(slash + 1 - name);
		name = slash + 1;
	}
	fputs("{\"path\":", f);
	show_json_str(f, e->path, e->pathlen);
	fputs(",\"name\":", f);
	show_json_str(f, name, nlen);
	fprintf(f, ",\"type\":\"%s\",\"mode\":\"%04o\",\"uid\":%u,"
		"\"gid\":%u,\"size\":%llu,\"nlink\":%u,\"mtime\":%lld,"
		"\"mtime_nsec\":%ld,\"layer\":%d,\"layer_file\":",
		show_type_json(e->a.mode), (unsigned)(e->a.mode & 07777),
		(unsigned)e->a.uid, (unsigned)e->a.gid,
		(unsigned long long)e->a.size, e->nlink,
		(long long)e->a.mtime.tv_sec, (long)e->a.mtime.tv_nsec,
		e->a.layer + 1);
	show_json_str(f, e->layer_file, strlen(e->layer_file));
	if (S_ISLNK(e->a.mode)) {
		fputs(",\"target\":", f);
		show_json_str(f, e->target, e->tlen);
	} else if (S_ISCHR(e->a.mode) || S_ISBLK(e->a.mode)) {
		fprintf(f, ",\"major\":%u,\"minor\":%u", major(e->a.rdev),
			minor(e->a.rdev));
	}
}

char *show_si_bytes(uint64_t v, char buf[32])
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB",
					     "PB", "EB" };
	double val = (double)v;
	int e = 0;

	/* go-humanize's Bytes, which dive prints: base 1000, one decimal
	   below 10, rounded to a tenth */
	if (v < 10) {
		snprintf(buf, 32, "%llu B", (unsigned long long)v);
		return buf;
	}
	while (e < 6 && val >= 1000.0) {
		val /= 1000.0;
		e++;
	}
	val = floor(val * 10 + 0.5) / 10;
	snprintf(buf, 32, val < 10 ? "%.1f %s" : "%.0f %s", val, units[e]);
	return buf;
}

char *show_go_float(double v, char buf[40])
{
	int p = 1;

	/* Go's %v: the shortest digits that read back as v, in %e form when
	   the exponent is below -4 or at least 6 (strconv 'g', -1) */
	if (isnan(v) || isinf(v)) {
		snprintf(buf, 40, isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf");
		return buf;
	}
	for (; p < 17; p++) {
		snprintf(buf, 40, "%.*e", p - 1, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	snprintf(buf, 40, "%.*e", p - 1, v);
	{
		int exp = atoi(strchr(buf, 'e') + 1);

		if (exp < -4 || exp >= 6)
			return buf;
		snprintf(buf, 40, "%.*f", p - 1 - exp > 0 ? p - 1 - exp : 0,
			 v);
	}
	return buf;
}
