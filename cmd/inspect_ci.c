/*
 * inspect_ci: dive's CI rules and overtar's own, evaluated and printed as
 * dive's CI mode prints them (see inspect_ci.h). dive's semantics, from
 * wagoodman/dive cmd/dive/cli/internal/command/ci/{rules,evaluator}.go and
 * options/ci_rules.go: a rule not configured takes dive's default
 * (lowestEfficiency 0.9, highestWastedBytes disabled,
 * highestUserWastedPercent 0.1); "disabled", "off", "false" or "" turn a
 * rule off; ratios are floats from 0 to 1; byte counts are go-humanize's
 * ParseBytes syntax ("20Mb" is 20,000,000, "1KiB" 1,024).
 */
#include "cmd/inspect_ci.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd/cmd.h"
#include "cmd/show.h"
#include "base/io.h"

static const struct {
	const char *name, *kebab, *dflt;
} rules[CI_NRULES] = {
	[CI_HIGHEST_USER_WASTED_PERCENT] = { "highestUserWastedPercent",
		"highest-user-wasted-percent", "0.1" },
	[CI_HIGHEST_WASTED_BYTES] = { "highestWastedBytes",
		"highest-wasted-bytes", "disabled" },
	[CI_LOWEST_EFFICIENCY] = { "lowestEfficiency", "lowest-efficiency",
		"0.9" },
};

const char *inspect_ci_name(enum inspect_ci_rule r)
{
	return rules[r].name;
}

/* dive's isRuleDisabled: trimmed, lowercased "", disabled, off, false. */
static bool is_disabled(const char *v)
{
	size_t n;

	while (isspace((unsigned char)*v))
		v++;
	n = strlen(v);
	while (n && isspace((unsigned char)v[n - 1]))
		n--;
	return !n || (n == 8 && !strncasecmp(v, "disabled", 8)) ||
	       (n == 3 && !strncasecmp(v, "off", 3)) ||
	       (n == 5 && !strncasecmp(v, "false", 5));
}

/* strconv.ParseFloat, near enough: the whole string a decimal float. */
static int parse_float(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (end == s || *end || errno == ERANGE || !strncasecmp(s, "0x", 2))
		return -EINVAL;
	return 0;
}

/* go-humanize's ParseBytes: digits (',' ignored, '.'), then a unit. */
static int parse_bytes(const char *s, uint64_t *out)
{
	static const struct { const char *u; double m; } tab[] = {
		{ "", 1 }, { "b", 1 }, { "k", 1e3 }, { "kb", 1e3 },
		{ "ki", 1024.0 }, { "kib", 1024.0 }, { "m", 1e6 },
		{ "mb", 1e6 }, { "mi", 1048576.0 }, { "mib", 1048576.0 },
		{ "g", 1e9 }, { "gb", 1e9 }, { "gi", 1073741824.0 },
		{ "gib", 1073741824.0 }, { "t", 1e12 }, { "tb", 1e12 },
		{ "ti", 1099511627776.0 }, { "tib", 1099511627776.0 },
		{ "p", 1e15 }, { "pb", 1e15 }, { "pi", 1125899906842624.0 },
		{ "pib", 1125899906842624.0 }, { "e", 1e18 }, { "eb", 1e18 },
		{ "ei", 1152921504606846976.0 },
		{ "eib", 1152921504606846976.0 },
	};
	char num[64], unit[8];
	size_t n = 0, u = 0;
	const char *p = s;
	double f;

	for (; isdigit((unsigned char)*p) || *p == '.' || *p == ','; p++)
		if (*p != ',' && n < sizeof(num) - 1)
			num[n++] = *p;
	num[n] = '\0';
	if (parse_float(num, &f))
		return -EINVAL;
	while (isspace((unsigned char)*p))
		p++;
	for (; *p && !isspace((unsigned char)*p); p++) {
		if (u == sizeof(unit) - 1)
			return -EINVAL;
		unit[u++] = (char)tolower((unsigned char)*p);
	}
	unit[u] = '\0';
	while (isspace((unsigned char)*p))
		p++;
	if (*p)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (strcmp(unit, tab[i].u))
			continue;
		f *= tab[i].m;
		if (f >= 18446744073709551615.0)
			return -EINVAL;
		*out = (uint64_t)f;
		return 0;
	}
	return -EINVAL;
}

int inspect_ci_check(enum inspect_ci_rule r, const char *value,
		     const char **why)
{
	uint64_t b;
	double f;

	if (is_disabled(value))
		return 0;
	if (r == CI_HIGHEST_WASTED_BYTES) {
		*why = "a byte count such as 20MB, 50kB or 1KiB";
		return parse_bytes(value, &b);
	}
	*why = "a ratio from 0 to 1";
	if (parse_float(value, &f) || f < 0 || f > 1)
		return -EINVAL;
	return 0;
}

/* The rule a YAML key names, or -1. */
static int rule_of_key(const char *k, size_t len)
{
	for (int r = 0; r < CI_NRULES; r++)
		if ((strlen(rules[r].name) == len &&
		     !strncmp(k, rules[r].name, len)) ||
		    (strlen(rules[r].kebab) == len &&
		     !strncmp(k, rules[r].kebab, len)))
			return r;
	return -1;
}

/* A YAML scalar: comment cut, blanks trimmed, one pair of quotes off. */
static char *scalar(char *v)
{
	char *end, q;

	while (*v == ' ' || *v == '\t')
		v++;
	q = *v == '"' || *v == '\'' ? *v : 0;
	if (q && (end = strchr(v + 1, q))) {
		*end = '\0';
		return v + 1;
	}
	if ((end = strstr(v, " #")) || (end = strstr(v, "\t#")))
		*end = '\0';
	if (*v == '#')
		*v = '\0';
	end = v + strlen(v);
	while (end > v && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return v;
}

/* One "key: value" line under rules:. 0 or -EINVAL. */
static int rule_line(struct inspect_ci *ci, char *line,
		     const bool set_by_option[CI_NRULES], char *msg,
		     size_t size)
{
	char *colon = strchr(line, ':'), *v;
	const char *why = NULL;
	int r;

	if (!colon)
		return 0;
	r = rule_of_key(line, (size_t)(colon - line));
	if (r < 0 || set_by_option[r])
		return 0;	/* dive ignores what it does not know */
	v = scalar(colon + 1);
	if (inspect_ci_check(r, v, &why)) {
		snprintf(msg, size, "%s: '%s' is not %s", rules[r].name, v, why);
		return -EINVAL;
	}
	free(ci->owned[r]);
	if (!(ci->owned[r] = strdup(v)))
		return -ENOMEM;
	ci->value[r] = ci->owned[r];
	return 0;
}

int inspect_ci_load(struct inspect_ci *ci, const char *path,
		    const bool set_by_option[CI_NRULES], char *msg,
		    size_t size)
{
	char *buf = NULL, *line, *save = NULL;
	bool in_rules = false;
	size_t len;
	int rc = io_read_file(path, 1 << 20, &buf, &len);

	if (rc) {
		snprintf(msg, size, "%s", strerror(-rc));
		return rc;
	}
	for (line = strtok_r(buf, "\n", &save); line && !rc;
	     line = strtok_r(NULL, "\n", &save)) {
		size_t ind = strspn(line, " \t");

		if (!line[ind] || line[ind] == '#' || !strcmp(line, "---"))
			continue;
		if (!ind) {	/* a top-level key: is it rules:? */
			in_rules = !strncmp(line, "rules:", 6) &&
				   !*scalar(line + 6);
			continue;
		}
		if (in_rules)
			rc = rule_line(ci, line + ind, set_by_option, msg, size);
	}
	free(buf);
	if (rc == -ENOMEM)
		snprintf(msg, size, "out of memory");
	return rc;
}

void inspect_ci_release(struct inspect_ci *ci)
{
	for (int r = 0; r < CI_NRULES; r++)
		free(ci->owned[r]);
}

/* Go's %2.2f, which spells NaN and infinities its own way. */
static char *go_2f(double v, char buf[40])
{
	if (isnan(v) || isinf(v))
		return show_go_float(v, buf);
	snprintf(buf, 40, "%2.2f", v);
	return buf;
}

enum status { PASS, FAIL, SKIP };

struct tally {
	FILE *out;
	bool json;
	int n[3];
};

/* One rule's result: dive's line, or a JSON Lines record. */
static void line(struct tally *t, enum status s, const char *name,
		 const char *msg)
{
	static const char *const word[] = { "PASS", "FAIL", "SKIP" };

	t->n[s]++;
	if (!t->json) {
		fprintf(t->out, "  %s  %s (%s)\n", word[s], name, msg);
		return;
	}
	fprintf(t->out, "{\"record\":\"rule\",\"rule\":\"%s\",\"status\":"
		"\"%s\",\"message\":", name, word[s]);
	show_json_str(t->out, msg, strlen(msg));
	fputs("}\n", t->out);
}

/* dive's rule r on r's figures; msg gets its message. */
static enum status dive_rule(enum inspect_ci_rule k, const char *v,
			     const struct inspect_dive *d, char *msg,
			     size_t size)
{
	char a[40], b[40];
	uint64_t lim;
	double f;

	if (is_disabled(v)) {
		snprintf(msg, size, "disabled");
		return SKIP;
	}
	snprintf(msg, size, "%s", v);
	if (k == CI_HIGHEST_WASTED_BYTES) {
		parse_bytes(v, &lim);
		if (d->wasted_bytes <= lim)
			return PASS;
		snprintf(msg, size, "too many bytes wasted (wasted-bytes=%llu "
			 "> threshold=%llu)", (unsigned long long)d->wasted_bytes,
			 (unsigned long long)lim);
		return FAIL;
	}
	parse_float(v, &f);
	if (k == CI_LOWEST_EFFICIENCY && f > d->efficiency) {
		snprintf(msg, size, "image efficiency is too low (efficiency=%s "
			 "< threshold=%s)", go_2f(d->efficiency, a),
			 show_go_float(f, b));
		return FAIL;
	}
	if (k == CI_HIGHEST_USER_WASTED_PERCENT &&
	    d->wasted_user_percent > f) {
		snprintf(msg, size, "too many bytes wasted, relative to the "
			 "user bytes added (%%-user-wasted-bytes=%s > "
			 "threshold=%s)", go_2f(d->wasted_user_percent, a),
			 show_go_float(f, b));
		return FAIL;
	}
	return PASS;
}

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* overtar's --max-wasted and --min-efficiency. */
static void own_rules(const struct inspect_own_rules *o,
		      const struct inspect_report *r, struct tally *t)
{
	char msg[256], name[128];
	double p = pct(r->wasted, r->bytes);

	if (o->max_wasted) {
		bool bad = o->wasted_pct ? p > o->wasted_limit :
				(double)r->wasted > o->wasted_limit;

		if (bad && o->wasted_pct)
			snprintf(msg, sizeof(msg), "%.2f%% of the image's bytes "
				 "are wasted (%llu of %llu)", p,
				 (unsigned long long)r->wasted,
				 (unsigned long long)r->bytes);
		else if (bad)
			snprintf(msg, sizeof(msg), "%llu bytes are wasted",
				 (unsigned long long)r->wasted);
		else
			snprintf(msg, sizeof(msg), "%s", o->max_wasted);
		snprintf(name, sizeof(name), "--max-wasted %s", o->max_wasted);
		line(t, bad ? FAIL : PASS, "max-wasted", msg);
		if (bad)
			cmd_fail("inspect: rule '%s' broken: %s", name, msg);
	}
	if (o->min_eff) {
		bool bad = r->efficiency < o->eff_limit;

		if (bad)
			snprintf(msg, sizeof(msg), "efficiency is %.4f",
				 r->efficiency);
		else
			snprintf(msg, sizeof(msg), "%s", o->min_eff);
		snprintf(name, sizeof(name), "--min-efficiency %s", o->min_eff);
		line(t, bad ? FAIL : PASS, "min-efficiency", msg);
		if (bad)
			cmd_fail("inspect: rule '%s' broken: %s", name, msg);
	}
}

int inspect_ci_evaluate(const struct inspect_ci *ci,
			const struct inspect_report *r, FILE *out, bool json)
{
	struct tally t = { .out = out, .json = json };
	char msg[320];
	bool any = false;

	if (!json)
		fputs("\nEvaluation:\n", out);
	for (int k = 0; ci->dive && k < CI_NRULES; k++) {
		const char *v = ci->value[k] ? ci->value[k] : rules[k].dflt;
		enum status s = dive_rule(k, v, &r->dive, msg, sizeof(msg));

		line(&t, s, rules[k].name, msg);
		if (s == FAIL)
			cmd_fail("inspect: rule '%s: %s' failed: %s",
				 rules[k].name, v, msg);
	}
	own_rules(&ci->own, r, &t);
	if (json)
		return t.n[FAIL];
	/* dive's summary: the status, then the non-zero counts */
	fprintf(out, "\n%s [", t.n[FAIL] ? "FAIL" : "PASS");
	if (t.n[PASS])
		any = fprintf(out, "pass:%d", t.n[PASS]) > 0;
	if (t.n[FAIL])
		any = fprintf(out, "%sfail:%d", any ? " " : "", t.n[FAIL]) > 0;
	if (t.n[SKIP])
		fprintf(out, "%sskip:%d", any ? " " : "", t.n[SKIP]);
	fputs("]\n", out);
	return t.n[FAIL];
}
