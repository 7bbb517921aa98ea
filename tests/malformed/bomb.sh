#!/bin/sh
# bomb.sh OVERTAR DIR -- `make bomb`: 4 GiB gzip bombs flattened to
# /dev/null under /usr/bin/time -v: one file of zeros, 4096 files of zeros,
# and one file of 'A' (no holes: spooled to DIR, refused under --max-spool
# 1G and flattened without). Prints the result and peak memory of each;
# fails when a run does not end as expected or peaks over 1 GiB.
set -u
bin=${1:?usage: bomb.sh OVERTAR DIR}
dir=${2:?usage: bomb.sh OVERTAR DIR}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dir" "$dir/spool" || exit 1
[ -x /usr/bin/time ] || { echo "bomb.sh: needs /usr/bin/time (apt-get install time)"; exit 1; }
bad=0

# run NAME EXPECT(0|1) ARGS...
run() {
	name=$1 want=$2
	shift 2
	/usr/bin/time -v "$bin" flatten --spool-dir "$dir/spool" -o /dev/null "$@" \
		2>"$dir/$name.time"
	rc=$?
	rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$dir/$name.time")
	wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$dir/$name.time")
	msg=$(grep '^overtar:' "$dir/$name.time")
	echo "$name: exit $rc (want $want), peak RSS $((rss / 1024)) MiB, $wall${msg:+, $msg}"
	[ "$rc" -eq "$want" ] && [ "$rss" -lt 1048576 ] || bad=1
	[ -z "$(ls -A "$dir/spool")" ] || { echo "$name: spool left behind"; bad=1; }
}

for spec in "zeros 4G 1 0" "many 4G 4096 0" "a 4G 1 A"; do
	set -- $spec
	f=$dir/$1.tar.gz
	fill=
	[ "$4" = 0 ] || fill=$4
	[ -f "$f" ] || python3 "$here/mkbomb.py" "$2" "$f" "$3" $fill || exit 1
done
ls -l "$dir"/*.tar.gz
run zeros 0 "$dir/zeros.tar.gz"
run many 0 "$dir/many.tar.gz"
run a-limited 1 --max-spool 1G "$dir/a.tar.gz"
run a 0 "$dir/a.tar.gz"
exit $bad
