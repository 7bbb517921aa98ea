# build_mistakes_help.sh -- a mistake gets help (issue 16 point 8): an
# unknown CLI command, option or script command names the closest ones by
# edit distance, as git does; build without -f or -e is a usage error; a
# script given without -f says to use -f. Each message is matched whole.
. "$TESTS/cli/lib/common.sh"

L=$SAMPLE/layer1.tar
# expect STATUS MESSAGE CMD...: CMD exits STATUS with MESSAGE, alone, on
# stderr, nothing on stdout, and writes no out.tar.
expect() {
	want_rc=$1 want=$2
	shift 2
	"$@" >stdout 2>stderr
	rc=$?
	[ "$rc" -eq "$want_rc" ] || fail "$*: exit status $rc, expected $want_rc"
	[ "$(cat stderr)" = "$want" ] || fail "$*: stderr: $(cat stderr)
  expected: $want"
	[ ! -s stdout ] || fail "$*: output on stdout"
	[ ! -e out.tar ] || fail "$*: out.tar was written"
}

expect 2 "overtar: unknown command 'flaten'; did you mean 'flatten'? (see 'overtar --help')" \
	"$OVERTAR" flaten -o out.tar "$L"
expect 2 "overtar: unknown command 'frobnicate' (see 'overtar --help')" \
	"$OVERTAR" frobnicate
expect 2 "overtar: flatten: unknown option '--outptu'; did you mean '--output'? (see 'overtar help flatten')" \
	"$OVERTAR" flatten --outptu out.tar "$L"
expect 2 "overtar: build: unknown option '--emti=layer'; did you mean '--emit'? (see 'overtar help build')" \
	"$OVERTAR" build --emti=layer -e 'mkdir /a' -o out.tar "$L"
expect 2 "overtar: build: unknown option '--spool-dri'; did you mean '--spool-dir'? (see 'overtar help build')" \
	"$OVERTAR" build --spool-dri /tmp -e 'mkdir /a' -o out.tar "$L"
expect 1 "-e:1: cpy: unknown command; did you mean 'cp'?" \
	"$OVERTAR" build -e 'cpy /etc/passwd /x' -o out.tar "$L"
expect 2 "overtar: build: no script given: -f SCRIPT or -e COMMAND (see 'overtar help build')" \
	"$OVERTAR" build -o out.tar "$L"
printf 'mkdir /a\n' >edit.ots
expect 2 "overtar: build: 'edit.ots' is a script, not a layer: give it with -f 'edit.ots' (see 'overtar help build')" \
	"$OVERTAR" build edit.ots -o out.tar "$L"
expect 2 "overtar: build: -D takes NAME=VALUE, not '1A=b' (see 'overtar help build')" \
	"$OVERTAR" build -D 1A=b -f edit.ots -o out.tar "$L"
# a compressed layer is no script
gzip -c <"$L" >layer.tar.gz
run_ok "gzip layer first" "$OVERTAR" build -f edit.ots -o out.tar layer.tar.gz
