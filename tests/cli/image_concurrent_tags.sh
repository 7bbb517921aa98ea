# image_concurrent_tags.sh -- four writers adding tags to one OCI layout
# at once all keep their tag (issue 14, point 6: 13 of 20 rounds lost one,
# every writer exiting 0): the read-modify-rename of index.json is done
# under an flock on index.json.lock beside it. Twenty rounds.
. "$TESTS/cli/lib/common.sh"

printf 'x\n' >f && tar cf base.tar f
round=0
while [ $round -lt 20 ]; do
	rm -rf img
	"$OVERTAR" flatten -o oci:img:base base.tar 2>err || fail "round $round: base: $(cat err)"
	for t in a b c d; do
		( printf '%s\n' "$t$round" >f.$t && tar cf l.$t.tar f.$t &&
		  "$OVERTAR" flatten -o "oci:img:$t" base.tar l.$t.tar 2>err.$t;
		  echo $? >rc.$t ) &
	done
	wait
	for t in a b c d; do
		[ "$(cat rc.$t)" = 0 ] || fail "round $round: writer $t: exit $(cat rc.$t): $(cat err.$t)"
	done
	tags=$(python3 -c 'import json,sys
print(" ".join(sorted(m["annotations"]["org.opencontainers.image.ref.name"]
      for m in json.load(open("img/index.json"))["manifests"])))')
	[ "$tags" = "a b base c d" ] || fail "round $round: tags '$tags'"
	round=$((round + 1))
done
exit 0
