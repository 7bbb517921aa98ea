# stdin_layer_all.sh -- "-" reads a layer from standard input in every
# command that takes layers (flatten, build, ls, cat, stat, inspect), fed
# from a file and from a pipe: the output is the one of naming the layer's
# file, but that inspect and stat name the layer '-'. "-" twice is a usage
# error (exit 2).
. "$TESTS/cli/lib/common.sh"
L1=$SAMPLE/layer1.tar L2=$SAMPLE/layer2.tar.gz L3=$SAMPLE/layer3.tar.zst L4=$SAMPLE/layer4.tar

# same WHAT COMMAND: COMMAND (eval'd; $X is layer 3, $OUT an output file)
# run with X=$L3, then X=- from a redirect and from a pipe: the same stdout
# (and the same $OUT), nothing on stderr
same() {
	for how in named file pipe; do
		OUT=out-$how.file
		case $how in
		named) X=$L3; eval "$2" >out.$how 2>err ;;
		file) X=-; eval "$2" <"$L3" >out.$how 2>err ;;
		pipe) X=-; cat "$L3" | eval "$2" >out.$how 2>err ;;
		esac
		rc=$?
		[ "$rc" -eq 0 ] || { cat err; fail "$1 ($how): exit status $rc"; }
		[ ! -s err ] || { cat err; fail "$1 ($how): output on stderr"; }
		[ -s out.$how ] || [ -s "$OUT" ] || fail "$1 ($how): no output at all"
	done
	# where a command names the layer (inspect, stat), '-' stands for it
	sed "s|$L3|-|g; s|layer3\\.tar\\.zst|-|g" out.named >out.named.dash
	for how in file pipe; do
		cmp -s out.named.dash out.$how ||
			{ diff out.named.dash out.$how | head -n 20; fail "$1: '-' ($how) prints otherwise"; }
		if [ -e out-named.file ]; then
			cmp -s out-named.file out-$how.file || fail "$1: '-' ($how) writes otherwise"
		fi
	done
	rm -f out.* out-*.file
}

same "flatten" '"$OVERTAR" flatten -o "$OUT" "$L1" "$L2" "$X" "$L4"'
same "build" '"$OVERTAR" build --mtime 1700000000 -e "mkdir /new" -o "$OUT" "$L1" "$L2" "$X" "$L4"'
same "build --emit layer" '"$OVERTAR" build --mtime 1700000000 -e "rm -r /opt" --emit layer -o "$OUT" "$L1" "$L2" "$X" "$L4"'
same "ls -lR" '"$OVERTAR" ls -lR "$L1" "$L2" "$X" "$L4"'
same "cat" '"$OVERTAR" cat "$L1" "$L2" "$X" "$L4" -- /etc/passwd'
same "stat" '"$OVERTAR" stat "$L1" "$L2" "$X" "$L4" -- /etc /bin/sh'
same "inspect" '"$OVERTAR" inspect "$L1" "$L2" "$X" "$L4"'
same "inspect --json" '"$OVERTAR" inspect --json "$L1" "$L2" "$X" "$L4"'
same "flatten, '-' alone" '"$OVERTAR" flatten -o "$OUT" "$X"'

twice="standard input \\('-'\\) given as a layer more than once"
run_fails 2 "overtar: flatten: $twice \\(see 'overtar help flatten'\\)" \
	"flatten: '-' twice" "$OVERTAR" flatten -o x.tar - - </dev/null
run_fails 2 "overtar: ls: $twice \\(see 'overtar help ls'\\)" \
	"ls: '-' twice" "$OVERTAR" ls - - </dev/null
[ ! -e x.tar ] || fail "output left behind"
