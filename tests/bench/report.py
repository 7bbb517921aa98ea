#!/usr/bin/env python3
"""report.py RESULTS CHECKS RUNS SLOW_RUNS -- the table and the ratios of bench.sh.

RESULTS: tab-separated lines "case run wall cpu rss_kib output_bytes" (nan
for a failed run, or no output file); run 0 is the warm-up and is not
counted. CHECKS: lines "label PASS|MISS|SKIP detail" (bench.sh's checks of
the outputs and tools). Prints, per case, the median wall and CPU (user +
sys) seconds, the largest peak RSS and the output's size; then each target
of issues 5 and 18 as a ratio of medians with PASS or MISS, SKIP when a case did
not run; then the checks. A case with a failed run (warm-up included) makes
its targets MISS. Exits 1 when anything is MISS or SKIP: a bench that could
not measure has not passed.
"""
import math
import statistics
import sys

# (label, numerator case, denominator case, limit)
RATIOS = [
    ("corpus gzip>gzip vs pigz -6 of the flat tar", "overtar gz>gz", "pigz -6 flat", 0.5),
    ("corpus gzip>zstd vs pigz -6 of the flat tar", "overtar gz>zstd", "pigz -6 flat", 0.22),
    ("corpus tar>tar vs kernel overlay in tmpfs", "overtar tar>tar", "kernel overlay", 0.15),
    ("corpus zstd output vs the gzip case", "overtar gz>zstd", "overtar gz>gz", 0.5),
    ("corpus oci: in and out (digests) vs gzip>gzip", "overtar oci>oci", "overtar gz>gz", 1.1),
    ("1M entries tar>tar vs bsdtar @layers (files in tmpfs)", "overtar 1M tar>tar",
     "bsdtar 1M @layers", 0.6),
    ("1M entries to /dev/null vs bsdtar to /dev/null", "overtar 1M >/dev/null",
     "bsdtar 1M >/dev/null", 1.3),
    ("build of 1,000 edits vs flatten", "overtar build 1000", "overtar tar>tar", 1.2),
]
# (label, case, limit in MiB)
RSS = [
    ("peak RSS corpus gzip>gzip", "overtar gz>gz", 64),
    ("peak RSS corpus gzip>zstd", "overtar gz>zstd", 64),
    ("peak RSS corpus tar>tar", "overtar tar>tar", 64),
    ("peak RSS corpus build", "overtar build 1000", 64),
    ("peak RSS 1M entries", "overtar 1M tar>tar", 160),
    ("peak RSS 10M entries", "overtar 10M >/dev/null", 1638),
]


def main():
    runs = {}
    order = []
    failed = set()
    with open(sys.argv[1]) as f:
        for line in f:
            name, run, wall, cpu, rss, size = line.rstrip("\n").split("\t")
            if name not in runs:
                runs[name] = []
                order.append(name)
            if math.isnan(float(wall)):
                failed.add(name)
            if run != "0":
                runs[name].append((float(wall), float(cpu), float(rss), float(size)))
    stats = {}
    for name in order:
        ok = [r for r in runs[name] if not math.isnan(r[0])]
        if not ok or name in failed:
            continue
        sizes = [r[3] for r in ok if not math.isnan(r[3])]
        stats[name] = (statistics.median(r[0] for r in ok),
                       statistics.median(r[1] for r in ok),
                       max(r[2] for r in ok) / 1024, len(ok), len(runs[name]),
                       max(sizes) / 2**20 if sizes else None)
    print()
    print("%-24s %9s %9s %10s %10s %5s" % ("case", "wall s", "cpu s", "RSS MiB", "out MiB",
                                            "runs"))
    print("-" * 72)
    for name in order:
        if name not in stats:
            print("%-24s %9s" % (name, "failed"))
            continue
        w, c, r, n, tot, z = stats[name]
        print("%-24s %9.2f %9.2f %10.1f %10s %5s" % (
            name, w, c, r, "-" if z is None else "%.1f" % z,
            n if n == tot else "%d/%d" % (n, tot)))
    print()
    print("%-56s %7s %7s  %s" % ("target", "ratio", "limit", "result"))
    print("-" * 80)
    misses = skips = 0
    for label, num, den, limit in RATIOS:
        if num in failed or den in failed:
            print("%-56s %7s %7s  MISS (a run failed)" % (label, "-", "%.2f" % limit))
            misses += 1
            continue
        if num not in stats or den not in stats:
            print("%-56s %7s %7s  SKIP" % (label, "-", "%.2f" % limit))
            skips += 1
            continue
        ratio = stats[num][0] / stats[den][0]
        res = "PASS" if ratio <= limit else "MISS"
        misses += res == "MISS"
        print("%-56s %7.2f %7.2f  %s" % (label, ratio, limit, res))
    for label, case, limit in RSS:
        if case not in stats:
            print("%-56s %7s %7s  %s" % (label + " (MiB)", "-", limit,
                                         "MISS (a run failed)" if case in failed else "SKIP"))
            misses += case in failed
            skips += case not in failed
            continue
        rss = stats[case][2]
        res = "PASS" if rss <= limit else "MISS"
        misses += res == "MISS"
        print("%-56s %7.1f %7d  %s" % (label + " (MiB)", rss, limit, res))
    # the memory model: what one more entry costs, from the two stacks
    if "overtar 1M >/dev/null" in stats and "overtar 10M >/dev/null" in stats:
        d = stats["overtar 10M >/dev/null"][2] - stats["overtar 1M >/dev/null"][2]
        print("%-56s %7.0f" % ("bytes of peak RSS per entry, 1M to 10M entries",
                               d * 1048576 / 9e6))
    print()
    print("%-56s  %s" % ("check", "result"))
    print("-" * 80)
    with open(sys.argv[2]) as f:
        for line in f:
            label, res, detail = line.rstrip("\n").split("\t")
            misses += res == "MISS"
            skips += res == "SKIP"
            print("%-56s  %s%s" % (label, res, " (%s)" % detail if detail else ""))
    print()
    print("medians of %s runs (%s for gzip -6, 1 for 10M entries), wall seconds; %d MISS, %d SKIP" %
          (sys.argv[3], sys.argv[4], misses, skips))
    return 1 if misses or skips else 0


if __name__ == "__main__":
    sys.exit(main())
