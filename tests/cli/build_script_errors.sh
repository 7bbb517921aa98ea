# build_script_errors.sh -- a script that cannot run fails cleanly: exit
# status 1, nothing on stdout, exactly one line on stderr,
#   SCRIPT:LINE: COMMAND: PATH: reason
# (SCRIPT as given to -f, "-e" for an expression; reason strerror's text
# with a lowercase first letter, or the command's own words), no output
# file left behind, and an existing output file left as it was. Each
# expected line is the script's failing line with the path it names.
. "$TESTS/cli/lib/common.sh"
. "$TESTS/cli/lib/build.sh"

mkdir out
printf 'precious\n' >precious
errors=0

# check WANT ARG...: overtar build ARG... over the sample must fail with
# the one stderr line WANT
check() {
	want=$1
	shift
	ok=1
	build_sample "$@" -o out/new.tar >stdout 2>stderr
	rc=$?
	[ "$rc" -eq 1 ] || { echo "  exit status $rc, expected 1"; ok=0; }
	[ ! -s stdout ] || { echo "  unexpected output on stdout"; ok=0; }
	[ "$(wc -l <stderr)" -eq 1 ] || { echo "  $(wc -l <stderr) lines on stderr"; ok=0; }
	[ "$(cat stderr)" = "$want" ] || { echo "  stderr: $(head -n 3 stderr)"; ok=0; }
	[ -z "$(ls -A out)" ] || { echo "  left behind: $(ls -A out)"; ok=0; rm -rf out/* out/.[!.]*; }
	cp precious out/existing.tar
	build_sample "$@" -o out/existing.tar >/dev/null 2>&1
	rc=$?
	[ "$rc" -eq 1 ] || { echo "  over an existing file: exit status $rc"; ok=0; }
	cmp -s precious out/existing.tar || { echo "  the existing output file changed"; ok=0; }
	[ "$(ls -A out)" = existing.tar ] || { echo "  over an existing file, left: $(ls -A out)"; ok=0; }
	rm -rf out/* out/.[!.]*
	if [ "$ok" = 1 ]; then
		echo "ok   $want"
	else
		echo "BAD  want: $want"
		errors=$((errors + 1))
	fi
}

# script TEXT: writes edit.ots (printf format)
script() { printf "$1" >edit.ots; }

script 'mkdir /x\nfrob /y\n'
check "edit.ots:2: frob: unknown command" -f edit.ots
script 'rm -z /etc\n'
check "edit.ots:1: rm: unknown option '-z'" -f edit.ots
script "mkdir /x\nwrite /x/y 'abc\n"
check "edit.ots:2: unterminated single quote" -f edit.ots
script 'write /x "abc\n\n'
check "edit.ots:1: unterminated double quote" -f edit.ots
script 'mkdir /a\nwrite /x <<EOF\nbody\nEOFX\n'
check "edit.ots:2: unterminated heredoc: no line 'EOF'" -f edit.ots
script 'chmod 9999 /etc/passwd\n'
check "edit.ots:1: chmod: invalid mode '9999'" -f edit.ots
script 'mkdir -m 0800 /x\n'
check "edit.ots:1: mkdir: invalid mode '0800'" -f edit.ots
script 'mkdir -m 0010000 /x\n'
check "edit.ots:1: mkdir: invalid mode '0010000'" -f edit.ots
script 'mknod -m 4644 /x p\n'
check "edit.ots:1: mknod: mode must specify only file permission bits" -f edit.ots
# the sample's etc/passwd knows root and app only
script 'chown nobody /etc/passwd\n'
check "edit.ots:1: chown: invalid user: 'nobody'" -f edit.ots
script 'chown app:staff /etc/passwd\n'
check "edit.ots:1: chown: invalid group: 'app:staff'" -f edit.ots
script '# comment\n\nrm /etc/nothing\n'
check "edit.ots:3: rm: /etc/nothing: no such file or directory" -f edit.ots
script 'rmdir /etc\n'
check "edit.ots:1: rmdir: /etc: directory not empty" -f edit.ots
script 'write /etc/passwd/x y\n'
check "edit.ots:1: write: /etc/passwd/x: not a directory" -f edit.ots
script 'ln -s loop /loop\nwrite /loop x\n'
check "edit.ots:2: write: /loop: too many levels of symbolic links" -f edit.ots
# /usr/share is a directory, so the destination is /usr/share/usr
script 'mv /usr /usr/share\n'
check "edit.ots:1: mv: /usr: cannot move to a subdirectory of itself, '/usr/share/usr'" -f edit.ots
# host paths are relative to the script's directory, "." here
script 'copy-in missing /x\n'
check "edit.ots:1: copy-in: ./missing: no such file or directory" -f edit.ots
# -e: named "-e", lines counted per expression
check "-e:1: rmdir: /etc: directory not empty" -e 'mkdir /a' -e 'rmdir /etc'
check "-e:2: mknod: /dev/wh: operation not permitted" -e 'mkdir /a
mknod /dev/wh c 0 0'
# the second script fails: the first one's changes are not written either
script 'write /ok yes\n'
check "-e:1: rm: /nothing: no such file or directory" -f edit.ots -e 'rm /nothing'

[ "$errors" -eq 0 ] || fail "$errors case(s) did not fail cleanly"
