/*
 * inspect_ci: the CI rules of overtar inspect. dive's three rules
 * (wagoodman/dive cmd/dive/cli/internal/command/ci/rules.go) under dive's
 * names, with dive's defaults, value syntax and messages, set by options
 * or read from a .dive-ci file unchanged; and overtar's own two rules on
 * the overlay figures (--max-wasted, --min-efficiency). The verdict is
 * printed as dive's CI mode prints its "Evaluation:" section. cmd/ only.
 */
#ifndef OVERTAR_INSPECT_CI_H
#define OVERTAR_INSPECT_CI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/inspect.h"

enum inspect_ci_rule {
	CI_HIGHEST_USER_WASTED_PERCENT,	/* in dive's (sorted) order */
	CI_HIGHEST_WASTED_BYTES,
	CI_LOWEST_EFFICIENCY,
	CI_NRULES
};

/* overtar's own rules (overtar(1) INSPECTION): a rule not given is off. */
struct inspect_own_rules {
	const char *max_wasted;		/* as given, for messages */
	bool wasted_pct;
	double wasted_limit;		/* bytes, or percent */
	const char *min_eff;
	double eff_limit;
};

/*
 * The rules asked for. Invariant: when dive is true, each value[i] is a
 * valid setting (NULL: dive's default).
 */
struct inspect_ci {
	bool dive;			/* evaluate dive's rules */
	const char *value[CI_NRULES];	/* from an option or the file */
	char *owned[CI_NRULES];		/* values read from the file */
	struct inspect_own_rules own;
};

/* dive's name of rule r ("lowestEfficiency"). */
const char *inspect_ci_name(enum inspect_ci_rule r);

/*
 * Checks value as dive checks rule r's setting. Returns 0, or -EINVAL
 * with why (a static string) set.
 */
int inspect_ci_check(enum inspect_ci_rule r, const char *value,
		     const char **why);

/*
 * Reads the rules of a dive CI file (YAML: a "rules:" map with dive's
 * camelCase or kebab-case keys; other keys are ignored as dive ignores
 * them) into ci->value where no option set them. Returns 0, or -errno
 * (reading) or -EINVAL (a bad value) with msg (size bytes) saying what.
 */
int inspect_ci_load(struct inspect_ci *ci, const char *path,
		    const bool set_by_option[CI_NRULES], char *msg,
		    size_t size);
void inspect_ci_release(struct inspect_ci *ci);

/*
 * Prints the "Evaluation:" section (one PASS, FAIL or SKIP line per rule
 * and dive's summary line) to out, or with json one {"record":"rule"}
 * object per rule, and one line per failed rule on stderr. Returns the
 * number of failed rules.
 */
int inspect_ci_evaluate(const struct inspect_ci *ci,
			const struct inspect_report *r, FILE *out, bool json);

#endif
