/*
 * script_users: useradd and groupadd, as shadow-utils 4.13 (Debian 12)
 * does them on the image's own files: /etc/passwd and /etc/group always,
 * /etc/shadow and /etc/gshadow when they exist. Free ids are picked as
 * find_new_uid / find_new_gid do: one past the highest id in use within
 * UID_MIN..UID_MAX (GID_MIN..GID_MAX) of /etc/login.defs, else the lowest
 * free one; without -g a group of the user's name is made when login.defs
 * says USERGROUPS_ENAB yes (Debian's default), its gid the uid when free.
 * Everything is checked before the first file is written.
 */
#include "script/script_impl.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "script/script_cmds.h"

/* One of the account files, read whole. */
struct db {
	const char *path;
	char *text;		/* NULL when the file does not exist */
	size_t len;
	struct vfs_node *n;
};

/* What login.defs and /etc/default/useradd say, with shadow's defaults. */
struct defs {
	unsigned long uid_min, uid_max, gid_min, gid_max;
	bool usergroups;
	mode_t home_mode;
	char pass_min[24], pass_max[24], pass_warn[24];
	char shell[256], home[256], skel[256];
	unsigned long group;	/* GROUP= of /etc/default/useradd */
};

static int db_load(struct script_ctx *c, struct db *d, const char *path,
		   bool need)
{
	int rc = script_read_text(c->env->fs, path, &d->text, &d->len, &d->n);

	d->path = path;
	if (rc == -ENOENT && !need)
		return 0;
	return script_fail(c, path, rc);
}

static void db_free(struct vfs_fs *fs, struct db *d)
{
	free(d->text);
	vfs_put(fs, d->n);
}

/* The value of key in text: "KEY VALUE" lines (sep ' ') or KEY=VALUE. */
static bool def_get(const char *text, const char *key, char sep, char *buf,
		    size_t size)
{
	size_t kl = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p += !!p) {
		size_t n;

		p += strspn(p, " \t");
		if (strncmp(p, key, kl) || !(p[kl] == sep ||
					     (sep == ' ' && p[kl] == '\t')))
			continue;
		p += kl + 1;
		p += strspn(p, " \t\"");
		n = strcspn(p, "\n\"");
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		snprintf(buf, size, "%.*s", (int)n, p);
		return true;
	}
	return false;
}

static void def_num(const char *text, const char *key, unsigned long *v)
{
	char buf[32], *end;
	unsigned long x;

	if (text && def_get(text, key, ' ', buf, sizeof(buf))) {
		x = strtoul(buf, &end, 0);
		if (!*end && end != buf)
			*v = x;
	}
}

/* A PASS_* day count, or "" when not set or -1 (shadow's "no limit"). */
static void def_days(const char *text, const char *key, char *buf,
		     size_t size)
{
	buf[0] = '\0';
	if (text && def_get(text, key, ' ', buf, size) && !strcmp(buf, "-1"))
		buf[0] = '\0';
}

static void load_defs(struct script_ctx *c, struct defs *d)
{
	struct vfs_fs *fs = c->env->fs;
	char *ld = NULL, *du = NULL, buf[32];
	unsigned long umask = 022, mode = 0;
	size_t len;

	*d = (struct defs){ .uid_min = 1000, .uid_max = 60000,
			    .gid_min = 1000, .gid_max = 60000, .group = 100 };
	script_read_text(fs, "/etc/login.defs", &ld, &len, NULL);
	script_read_text(fs, "/etc/default/useradd", &du, &len, NULL);
	def_num(ld, "UID_MIN", &d->uid_min);
	def_num(ld, "UID_MAX", &d->uid_max);
	def_num(ld, "GID_MIN", &d->gid_min);
	def_num(ld, "GID_MAX", &d->gid_max);
	def_num(ld, "UMASK", &umask);
	def_num(ld, "HOME_MODE", &mode);
	d->home_mode = (mode_t)(mode ? mode & 07777 : 0777 & ~umask);
	d->usergroups = ld && def_get(ld, "USERGROUPS_ENAB", ' ', buf,
				      sizeof(buf)) && !strcmp(buf, "yes");
	def_days(ld, "PASS_MIN_DAYS", d->pass_min, sizeof(d->pass_min));
	def_days(ld, "PASS_MAX_DAYS", d->pass_max, sizeof(d->pass_max));
	def_days(ld, "PASS_WARN_AGE", d->pass_warn, sizeof(d->pass_warn));
	if (!du || !def_get(du, "SHELL", '=', d->shell, sizeof(d->shell)))
		strcpy(d->shell, "/bin/bash");	/* useradd.c's def_shell */
	if (!du || !def_get(du, "HOME", '=', d->home, sizeof(d->home)))
		strcpy(d->home, "/home");
	if (!du || !def_get(du, "SKEL", '=', d->skel, sizeof(d->skel)))
		strcpy(d->skel, "/etc/skel");
	if (du && def_get(du, "GROUP", '=', buf, sizeof(buf)))
		d->group = strtoul(buf, NULL, 10);
	free(ld);
	free(du);
}

/* Field k (0-based) of the line of text whose first field is name. */
static bool find_entry(const struct db *d, const char *name, int k,
		       char *buf, size_t size)
{
	size_t nl = strlen(name);

	for (const char *p = d->text; p && *p; p = strchr(p, '\n'), p += !!p) {
		if (strncmp(p, name, nl) || p[nl] != ':')
			continue;
		for (int i = 0; i < k && p; i++)
			if ((p = strpbrk(p, ":\n")) && *p == ':')
				p++;
			else
				p = NULL;
		if (!p)
			return false;
		snprintf(buf, size, "%.*s", (int)strcspn(p, ":\n"), p);
		return true;
	}
	return false;
}

/* Whether some line of text has id as its third field. */
static bool id_used(const struct db *d, unsigned long id)
{
	for (const char *p = d->text; p && *p; p = strchr(p, '\n'), p += !!p) {
		const char *f = strchr(p, ':');

		f = f ? strchr(f + 1, ':') : NULL;
		if (f && isdigit((unsigned char)f[1]) &&
		    strtoul(f + 1, NULL, 10) == id)
			return true;
	}
	return false;
}

/* find_new_uid's choice in min..max: one past the highest in use, or
 * the lowest free when that is past max. -EUSERS when all are used. */
static int new_id(const struct db *d, unsigned long min, unsigned long max,
		  unsigned long *out)
{
	unsigned long high = 0;
	bool any = false;

	for (const char *p = d->text; p && *p; p = strchr(p, '\n'), p += !!p) {
		const char *f = strchr(p, ':');
		unsigned long id;

		f = f ? strchr(f + 1, ':') : NULL;
		if (!f || !isdigit((unsigned char)f[1]))
			continue;
		id = strtoul(f + 1, NULL, 10);
		if (id >= min && id <= max && (!any || id > high))
			high = id, any = true;
	}
	if (!any || high < max) {
		*out = any ? high + 1 : min;
		return 0;
	}
	for (unsigned long id = min; id <= max; id++)
		if (!id_used(d, id)) {
			*out = id;
			return 0;
		}
	return -EUSERS;
}

/* shadow's is_valid_user_name: [a-z_][a-z0-9_-]*[$]?, at most 32. */
static bool valid_name(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 32 || !(islower((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) &&
		    s[i] != '_' && s[i] != '-' && !(s[i] == '$' && i == n - 1))
			return false;
	return true;
}

/* The file's text with line added at the end (a newline before it when
 * the file lacks its last one). */
static int db_append(struct script_ctx *c, struct db *d, const char *line)
{
	size_t ll = strlen(line);
	bool nl = d->len && d->text[d->len - 1] != '\n';
	char *t = malloc(d->len + nl + ll + 2);
	int rc;

	if (!t)
		return -ENOMEM;
	memcpy(t, d->text, d->len);
	if (nl)
		t[d->len] = '\n';
	memcpy(t + d->len + nl, line, ll);
	t[d->len + nl + ll] = '\n';
	rc = script_replace_text(c->env->fs, d->n, t, d->len + nl + ll + 1);
	free(d->text);
	d->text = t;
	d->len += nl + ll + 1;
	t[d->len] = '\0';
	return script_fail(c, d->path, rc);
}

/* Adds user to the member list (field k) of each group in list. */
static int add_member(struct script_ctx *c, struct db *d, const char *list,
		      const char *user, int k)
{
	struct { char *p; size_t len, cap; } o = { 0 };
	int rc = 0;

	for (const char *p = d->text; !rc && p && *p;) {
		size_t n = strcspn(p, "\n"), nl = strcspn(p, ":");
		char name[64];
		bool hit = false;

		snprintf(name, sizeof(name), "%.*s", (int)(nl < n ? nl : 0), p);
		for (const char *g = list; *name && g && *g;
		     g = strchr(g, ','), g += !!g)
			hit |= strcspn(g, ",") == strlen(name) &&
			       !strncmp(g, name, strlen(name));
		o.cap = o.len + n + strlen(user) + 3;
		if (!(o.p = realloc(o.p, o.cap)))
			return -ENOMEM;
		memcpy(o.p + o.len, p, n);
		o.len += n;
		if (hit) {
			int colons = 0;

			for (size_t i = 0; i < n; i++)
				colons += p[i] == ':';
			for (; colons < k; colons++)
				o.p[o.len++] = ':';
			if (o.p[o.len - 1] != ':')
				o.p[o.len++] = ',';
			memcpy(o.p + o.len, user, strlen(user));
			o.len += strlen(user);
		}
		o.p[o.len++] = '\n';
		p += n + (p[n] == '\n');
	}
	if (o.len && d->len && d->text[d->len - 1] != '\n')
		o.len--;	/* keep a missing final newline missing */
	if (o.p)
		rc = script_replace_text(c->env->fs, d->n, o.p, o.len);
	free(o.p);
	return script_fail(c, d->path, rc);
}

enum { PASSWD, GROUP, SHADOW, GSHADOW, NDB };

static const char *const db_paths[NDB] = {
	"/etc/passwd", "/etc/group", "/etc/shadow", "/etc/gshadow",
};

static int load_all(struct script_ctx *c, struct db *db, bool users)
{
	int rc = 0;

	for (int i = 0; !rc && i < NDB; i++)
		if (users || i == GROUP || i == GSHADOW)
			rc = db_load(c, &db[i], db_paths[i],
				     i == PASSWD || i == GROUP);
	return rc;
}

static void free_all(struct vfs_fs *fs, struct db *db)
{
	for (int i = 0; i < NDB; i++)
		db_free(fs, &db[i]);
}

/* A number: digits only, at most max. */
static bool parse_id(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return false;
	*out = strtoul(s, &end, 10);
	return !*end && *out <= max;
}

/* The gid -g names: a group name, or a number that is a group. */
static int login_group(struct script_ctx *c, struct db *db, const char *g,
		       unsigned long *gid)
{
	char buf[32];

	if (find_entry(&db[GROUP], g, 2, buf, sizeof(buf)) &&
	    parse_id(buf, 0xfffffffe, gid))
		return 0;
	if (parse_id(g, 0xfffffffe, gid) && id_used(&db[GROUP], *gid))
		return 0;
	return script_failf(c, NULL, -EINVAL, "group '%s' does not exist", g);
}

/* Writes the new group's lines (groupadd, and useradd's user group). */
static int put_group(struct script_ctx *c, struct db *db, const char *name,
		     unsigned long gid)
{
	char line[128];
	int rc;

	/* "x" with or without a gshadow file, as groupadd writes it */
	snprintf(line, sizeof(line), "%s:x:%lu:", name, gid);
	rc = db_append(c, &db[GROUP], line);
	snprintf(line, sizeof(line), "%s:!::", name);
	if (!rc && db[GSHADOW].text)
		rc = db_append(c, &db[GSHADOW], line);
	return rc;
}

/* The ids: -u or a free uid; -g, the user's own group, or GROUP=. */
static int pick_ids(struct script_ctx *c, struct db *db, struct defs *df,
		    const char *name, unsigned long *uid, unsigned long *gid,
		    bool *own_group)
{
	const char *u = script_optval(c, 'u'), *g = script_optval(c, 'g');
	char buf[8];
	int rc = 0;

	if (u && !parse_id(u, 0xfffffffe, uid))
		return script_failf(c, NULL, -EINVAL, "invalid user ID '%s'", u);
	if (u && id_used(&db[PASSWD], *uid))
		return script_failf(c, NULL, -EEXIST, "UID %lu is not unique",
				    *uid);
	if (!u && new_id(&db[PASSWD], df->uid_min, df->uid_max, uid))
		return script_failf(c, NULL, -EUSERS, "can't get unique UID");
	*own_group = !g && df->usergroups;
	if (g)
		return login_group(c, db, g, gid);
	if (!*own_group) {
		*gid = df->group;
		return 0;
	}
	if (find_entry(&db[GROUP], name, 0, buf, sizeof(buf)))
		return script_failf(c, NULL, -EEXIST, "group %s exists - if you "
				    "want to add this user to that group, use "
				    "-g", name);
	/* find_new_gid prefers the uid when it is a free gid in range */
	*gid = *uid;
	if (*uid < df->gid_min || *uid > df->gid_max ||
	    id_used(&db[GROUP], *uid))
		rc = new_id(&db[GROUP], df->gid_min, df->gid_max, gid);
	return rc ? script_failf(c, NULL, rc, "can't get unique GID") : 0;
}

/* -G: every group named must exist. */
static int check_groups(struct script_ctx *c, struct db *db, const char *list)
{
	char name[64], buf[8];

	for (const char *g = list; g && *g; g = strchr(g, ','), g += !!g) {
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(g, ","), g);
		if (!find_entry(&db[GROUP], name, 0, buf, sizeof(buf)))
			return script_failf(c, NULL, -EINVAL, "group '%s' does "
					    "not exist", name);
	}
	return 0;
}

/*
 * useradd -m: the home directory, owned by the user, HOME_MODE (else
 * 0777 & ~UMASK), with a copy of the skeleton directory's content owned
 * by the user too (copy_tree in shadow's useradd.c). An existing home is
 * left as it is, as useradd only warns then.
 */
static int make_home(struct script_ctx *c, struct defs *df, const char *home,
		     unsigned long uid, unsigned long gid)
{
	struct vfs_fs *fs = c->env->fs;
	struct vfs_create d = { .mode = S_IFDIR | 0755 };
	struct vfs_names ns = { 0 };
	struct vfs_node *skel = NULL;
	struct vfs_attr a;
	char *p = strdup(home);
	int rc = p ? 0 : -ENOMEM;

	for (char *s = p ? p + 1 : NULL; !rc && s && (s = strchr(s, '/')); s++) {
		*s = '\0';	/* missing parents: root's, 0755 */
		rc = vfs_create(fs, p, &d);
		rc = rc == -EEXIST ? 0 : rc;
		*s = '/';
	}
	d = (struct vfs_create){ .mode = S_IFDIR | df->home_mode,
				 .uid = (uid_t)uid, .gid = (gid_t)gid };
	if (!rc && (rc = vfs_create(fs, home, &d)) == -EEXIST) {
		free(p);
		return 0;
	}
	if (!rc && !vfs_resolve(fs, df->skel, true, &skel) &&
	    !vfs_getattr(fs, skel, &a) && S_ISDIR(a.mode))
		rc = vfs_list(fs, skel, &ns);
	for (size_t i = 0; !rc && i < ns.n; i++) {
		struct vfs_node *child;
		char *to = script_join(home, ns.v[i]);

		rc = to ? vfs_lookup(fs, skel, ns.v[i], strlen(ns.v[i]), &child)
			: -ENOMEM;
		if (!rc) {
			rc = vfs_copy(fs, child, to, VFS_COPY_MODE |
				      VFS_COPY_TIMES | VFS_COPY_XATTRS |
				      VFS_COPY_LINKS, (uid_t)uid, (gid_t)gid);
			vfs_put(fs, child);
		}
		free(to);
	}
	vfs_names_free(&ns);
	vfs_put(fs, skel);
	free(p);
	return script_fail(c, home, rc);
}

/* The user's lines: passwd, shadow, and -G memberships. */
static int put_user(struct script_ctx *c, struct db *db, struct defs *df,
		    const char *name, unsigned long uid, unsigned long gid,
		    const char *home)
{
	const char *shell = script_optval(c, 's') ? script_optval(c, 's')
						  : df->shell;
	const char *groups = script_optval(c, 'G');
	char *line;
	int rc;

	if (asprintf(&line, "%s:%s:%lu:%lu::%s:%s", name,
		     db[SHADOW].text ? "x" : "!", uid, gid, home, shell) < 0)
		return -ENOMEM;
	rc = db_append(c, &db[PASSWD], line);
	free(line);
	/* lastchg in days, from the build's time (shadow honours
	 * SOURCE_DATE_EPOCH there too), empty for day 0 ("better disable
	 * aging than requiring a password change", useradd.c); "!": no
	 * password, locked */
	if (!rc && db[SHADOW].text) {
		long long day = (long long)(c->env->now.tv_sec / 86400);
		char days[24] = "";

		if (day > 0)
			snprintf(days, sizeof(days), "%lld", day);
		if (asprintf(&line, "%s:!:%s:%s:%s:%s:::", name, days,
			     df->pass_min, df->pass_max, df->pass_warn) < 0)
			return -ENOMEM;
		rc = db_append(c, &db[SHADOW], line);
		free(line);
	}
	if (!rc && groups)
		rc = add_member(c, &db[GROUP], groups, name, 3);
	if (!rc && groups && db[GSHADOW].text)
		rc = add_member(c, &db[GSHADOW], groups, name, 3);
	return rc;
}

int script_useradd(struct script_ctx *c)
{
	struct vfs_fs *fs = c->env->fs;
	const char *name = c->args[0];
	struct db db[NDB] = { 0 };
	unsigned long uid, gid;
	struct defs df;
	bool own_group = false;
	char buf[8], *home = NULL;
	int rc;

	if (!valid_name(name))
		return script_failf(c, NULL, -EINVAL, "invalid user name '%s'",
				    name);
	load_defs(c, &df);
	rc = load_all(c, db, true);
	if (!rc && find_entry(&db[PASSWD], name, 0, buf, sizeof(buf)))
		rc = script_failf(c, NULL, -EEXIST, "user '%s' already exists",
				  name);
	if (!rc)
		rc = pick_ids(c, db, &df, name, &uid, &gid, &own_group);
	if (!rc)
		rc = check_groups(c, db, script_optval(c, 'G'));
	if (!rc)
		home = script_optval(c, 'd') ? strdup(script_optval(c, 'd'))
					     : script_join(df.home, name);
	if (!rc && !home)
		rc = -ENOMEM;
	if (!rc && own_group)
		rc = put_group(c, db, name, gid);
	if (!rc)
		rc = put_user(c, db, &df, name, uid, gid, home);
	if (!rc && script_opt(c, 'm'))
		rc = make_home(c, &df, home, uid, gid);
	free(home);
	free_all(fs, db);
	return rc;
}

int script_groupadd(struct script_ctx *c)
{
	const char *name = c->args[0], *g = script_optval(c, 'g');
	struct db db[NDB] = { 0 };
	unsigned long gid;
	struct defs df;
	char buf[8];
	int rc;

	if (!valid_name(name))
		return script_failf(c, NULL, -EINVAL, "invalid group name '%s'",
				    name);
	load_defs(c, &df);
	rc = load_all(c, db, false);
	if (!rc && find_entry(&db[GROUP], name, 0, buf, sizeof(buf)))
		rc = script_failf(c, NULL, -EEXIST, "group '%s' already "
				  "exists", name);
	if (!rc && g && !parse_id(g, 0xfffffffe, &gid))
		rc = script_failf(c, NULL, -EINVAL, "invalid group ID '%s'", g);
	if (!rc && g && id_used(&db[GROUP], gid))
		rc = script_failf(c, NULL, -EEXIST, "GID '%lu' already exists",
				  gid);
	if (!rc && !g && new_id(&db[GROUP], df.gid_min, df.gid_max, &gid))
		rc = script_failf(c, NULL, -EUSERS, "can't get unique GID");
	if (!rc)
		rc = put_group(c, db, name, gid);
	free_all(c->env->fs, db);
	return rc;
}
