#!/usr/bin/env python3
"""report.py RESULTS RUNS SLOW_RUNS -- the table and the ratios of bench.sh.

RESULTS: tab-separated lines "case run wall cpu rss_kib"; run 0 is the
warm-up and is not counted. Prints, per case, the median wall and CPU
(user + sys) seconds and the largest peak RSS; then each target of issues 5 and 18
as a ratio of medians with PASS or MISS (SKIP when a case did not run).
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
    with open(sys.argv[1]) as f:
        for line in f:
            name, run, wall, cpu, rss = line.rstrip("\n").split("\t")
            if name not in runs:
                runs[name] = []
                order.append(name)
            if run != "0":
                runs[name].append((float(wall), float(cpu), float(rss)))
    stats = {}
    for name in order:
        ok = [r for r in runs[name] if not math.isnan(r[0])]
        if not ok:
            continue
        stats[name] = (statistics.median(r[0] for r in ok),
                       statistics.median(r[1] for r in ok),
                       max(r[2] for r in ok) / 1024, len(ok), len(runs[name]))
    print()
    print("%-24s %9s %9s %10s %5s" % ("case", "wall s", "cpu s", "RSS MiB", "runs"))
    print("-" * 61)
    for name in order:
        if name not in stats:
            print("%-24s %9s" % (name, "failed"))
            continue
        w, c, r, n, tot = stats[name]
        print("%-24s %9.2f %9.2f %10.1f %5s" % (name, w, c, r,
                                                n if n == tot else "%d/%d" % (n, tot)))
    print()
    print("%-56s %7s %7s  %s" % ("target", "ratio", "limit", "result"))
    print("-" * 80)
    misses = 0
    for label, num, den, limit in RATIOS:
        if num not in stats or den not in stats:
            print("%-56s %7s %7s  SKIP" % (label, "-", "%.2f" % limit))
            continue
        ratio = stats[num][0] / stats[den][0]
        res = "PASS" if ratio <= limit else "MISS"
        misses += res == "MISS"
        print("%-56s %7.2f %7.2f  %s" % (label, ratio, limit, res))
    for label, case, limit in RSS:
        if case not in stats:
            print("%-56s %7s %7s  SKIP" % (label + " (MiB)", "-", limit))
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
    print("medians of %s runs (%s for gzip -6, 1 for 10M entries), wall seconds; %d MISS" %
          (sys.argv[2], sys.argv[3], misses))
    # make bench fails on a MISS
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
