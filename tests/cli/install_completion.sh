# install_completion.sh -- make install puts a stripped overtar, the manual
# pages and the bash and zsh completions under DESTDIR/PREFIX, and make
# uninstall removes them all. The bash completion completes commands, each
# command's options (every long option of its getopt table), option values
# and transport prefixes; the zsh one names every option too (and parses,
# when zsh is installed).
. "$TESTS/cli/lib/common.sh"

repo=$TESTS/..
[ "$VARIANT" = plain ] || skip "installs the plain build only"
# the binary under test, never rebuilt here (-o: taken as up to date)
make -s -C "$repo" --no-print-directory install DESTDIR="$PWD/root" PREFIX=/usr \
	BIN="$OVERTAR" -o "$OVERTAR" >make.out 2>&1 || fail "make install: $(cat make.out)"
for f in bin/overtar share/man/man1/overtar.1 share/man/man5/overtar-script.5 \
	share/bash-completion/completions/overtar share/zsh/site-functions/_overtar; do
	[ -f "root/usr/$f" ] || fail "make install did not install /usr/$f"
done
# stripped: no symbol table left (the build has -g)
if command -v readelf >/dev/null 2>&1; then
	readelf -S root/usr/bin/overtar | grep -q '\.symtab' &&
		fail "the installed binary is not stripped"
	readelf -S "$OVERTAR" | grep -q '\.symtab' ||
		note "the build itself has no symbol table: the strip check proves little"
fi
root/usr/bin/overtar --version | grep -q '^overtar ' || fail "the installed overtar does not run"
make -s -C "$repo" --no-print-directory uninstall DESTDIR="$PWD/root" PREFIX=/usr \
	>make.out 2>&1 || fail "make uninstall: $(cat make.out)"
left=$(find root -type f)
[ -z "$left" ] || fail "make uninstall left: $left"

# bash: complete WORDS...: the completions of the last word
complete_bash() {
	bash -c '
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_WORDBREAKS=" \t\n\"'"'"'><=;|&(:"
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_overtar
		printf "%s\n" "${COMPREPLY[@]}"' sh "$repo/completion/overtar.bash" "$@"
}
complete_bash overtar "" >out
for c in build cat diff flatten help inspect ls stat version; do
	grep -qx "$c" out || fail "bash: no command '$c' in $(tr '\n' ' ' <out)"
done
complete_bash overtar flatten -z "" >out
[ "$(tr '\n' ' ' <out)" = "none gzip zstd " ] || fail "bash: -z values: $(cat out)"
complete_bash overtar diff --ignore mt >out
grep -qx mtime out || fail "bash: --ignore mt: $(cat out)"
mkdir -p imgdir && : >image.tar
complete_bash overtar flatten doc >out
grep -qx "docker-archive:" out || fail "bash: no transport for 'doc': $(cat out)"
complete_bash overtar flatten docker-archive:ima >out
grep -qx "image.tar" out || fail "bash: no path after docker-archive: $(cat out)"
# every long option of every command, in both completions
layer_opts=$(sed -n '/^#define CMD_LAYER_OPTIONS/,/"help"/p' "$repo/cmd/cmd.h" |
	sed -n 's/.*{ "\([a-z-]*\)",.*/\1/p')
for cmd in build cat diff flatten inspect ls stat; do
	opts=$(sed -n 's/^[[:space:]]*{ "\([a-z-]*\)",.*/\1/p' "$repo/cmd/$cmd.c")
	complete_bash overtar "$cmd" - >out
	for o in $opts $layer_opts; do
		grep -qx -e "--$o" out || fail "bash: $cmd does not complete --$o"
		grep -q -e "--$o\\b" "$repo/completion/_overtar" ||
			fail "zsh: no --$o ($cmd)"
	done
done
if command -v zsh >/dev/null 2>&1; then
	zsh -n "$repo/completion/_overtar" || fail "zsh: _overtar does not parse"
else
	note "no zsh: _overtar checked for its options only"
fi
exit 0
