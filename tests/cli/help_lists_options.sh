# help_lists_options.sh -- every command's --help lists every long option
# its getopt table takes (cmd/NAME.c, and CMD_LAYER_OPTIONS of cmd/cmd.h
# for each command that loads layers), `overtar NAME --help` is `overtar
# help NAME`, and overtar(1) names every one of them too; --version, -V
# and `overtar version` print the same line.
. "$TESTS/cli/lib/common.sh"

repo=$TESTS/..
# the long names of a getopt table: lines '{ "name", ...' of the file
longs() { sed -n 's/^[[:space:]]*{ "\([a-z-]*\)",.*/\1/p' "$1"; }
layer_opts=$(sed -n '/^#define CMD_LAYER_OPTIONS/,/"help"/p' "$repo/cmd/cmd.h" |
	sed -n 's/.*{ "\([a-z-]*\)",.*/\1/p')
[ -n "$layer_opts" ] || fail "no CMD_LAYER_OPTIONS in cmd/cmd.h"
for cmd in build cat diff flatten inspect ls stat; do
	src=$repo/cmd/$cmd.c
	opts=$(longs "$src")
	grep -q CMD_LAYER_OPTIONS "$src" && opts="$opts $layer_opts"
	[ -n "$opts" ] || fail "no option table in $src"
	run_ok "overtar help $cmd" "$OVERTAR" help "$cmd"
	mv run.out help.out
	run_ok "overtar $cmd --help" "$OVERTAR" "$cmd" --help
	cmp -s run.out help.out || fail "$cmd --help differs from help $cmd"
	for o in $opts; do
		grep -q -e "--$o\\b" help.out || fail "help $cmd does not list --$o"
		# the man page spells every '-' as '\-'
		m=$(printf '%s' "--$o" | sed 's/-/\\\\-/g')
		grep -q -e "$m\\b" "$repo/man/overtar.1" ||
			fail "overtar(1) does not list --$o ($cmd)"
	done
done

run_ok "--version" "$OVERTAR" --version
mv run.out v1
run_ok "-V" "$OVERTAR" -V
cmp -s v1 run.out || fail "-V differs from --version"
run_ok "version" "$OVERTAR" version
cmp -s v1 run.out || fail "overtar version differs from --version"
grep -q '^overtar [0-9]' v1 || fail "--version: $(cat v1)"
exit 0
