# output_conventions.sh -- -o - is standard output (GNU tar's -f -); an
# output name whose suffix asks for a compression overtar does not write
# (.xz, .bz2...) is a usage error, exit 2; an output that is an existing
# directory, or whose directory is missing, is refused with exit 1 naming
# the path as given; an oci: output without a tag is a usage error. All
# of these before any input is read: the layer named here does not exist,
# and it is the output that is reported.
. "$TESTS/cli/lib/common.sh"

L=$SAMPLE/layer1.tar
run_ok "flatten -o -" "$OVERTAR" flatten -o - "$L"
mv run.out dash.tar
"$OVERTAR" flatten "$L" >stdout.tar || fail "flatten to stdout"
cmp -s dash.tar stdout.tar || fail "-o - differs from stdout"
[ ! -e ./- ] || fail "-o - wrote a file named '-'"
"$OVERTAR" build -e 'mkdir /x' -o - "$L" >b.tar || fail "build -o -"
tar tf b.tar | grep -qx 'x/' || fail "build -o -: no x/ in the tar"

# refused WANT-STATUS WANT-MESSAGE OUT [OPTION...]
refused() {
	st=$1 msg=$2 out=$3
	shift 3
	"$OVERTAR" flatten "$@" -o "$out" missing-layer.tar >out 2>err
	rc=$?
	[ "$rc" -eq "$st" ] || fail "-o $out: exit status $rc, expected $st: $(cat err)"
	grep -qxF "$msg" err || fail "-o $out: stderr '$(cat err)', expected '$msg'"
	[ "$(wc -l <err)" -eq 1 ] || fail "-o $out: more than one line: $(cat err)"
}
refused 2 "overtar: flatten: 'r.tar.xz' names xz compression, which overtar does not write (.gz, .zst, or -z) (see 'overtar help flatten')" r.tar.xz
refused 2 "overtar: flatten: 'r.tar.bz2' names bzip2 compression, which overtar does not write (.gz, .zst, or -z) (see 'overtar help flatten')" r.tar.bz2
mkdir adir
refused 1 "overtar: flatten: cannot write 'adir': it is a directory" adir
refused 1 "overtar: flatten: cannot write 'no/such/r.tar': no directory 'no/such'" no/such/r.tar
refused 1 "overtar: flatten: cannot write 'no/img': no directory 'no'" oci:no/img:t
refused 1 "overtar: flatten: cannot write 'adir': it is a directory" docker-archive:adir
refused 1 "overtar: flatten: cannot write 'no/tree': no directory 'no'" dir:no/tree
refused 2 "overtar: flatten: 'oci:img' has no tag: write oci:img:TAG (see 'overtar help flatten')" oci:img
[ ! -e img ] || fail "oci:img without a tag made a layout"
# with -z the name's suffix is the user's business
run_ok "-z gzip -o r.tar.xz" "$OVERTAR" flatten -z gzip -o r.tar.xz "$L"
[ "$(comp_of r.tar.xz)" = gzip ] || fail "-z gzip -o r.tar.xz: not gzip"
# build refuses the same way, before reading its script's input
"$OVERTAR" build -e 'mkdir /x' -o adir missing-layer.tar >out 2>err
[ $? -eq 1 ] && grep -qxF "overtar: build: cannot write 'adir': it is a directory" err ||
	fail "build -o adir: $(cat err)"
exit 0
