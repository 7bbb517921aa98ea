# image_dir_output.sh -- -o dir:PATH writes the merged tree into a
# directory. As root: the same tree as the tar, entry by entry (owners,
# modes, xattrs, devices, hard links) and time by time. Without root (run as
# nobody, through setpriv, when the test is root; else as the caller): the
# same content, modes, links and user.* xattrs, with owners, devices and
# other xattrs left out (one warning, counting them). An existing non-empty
# directory is refused and nothing is left.
. "$TESTS/cli/lib/common.sh"
. "$TESTS/cli/lib/image.sh"

# unowned LIST: the listing without what a non-root writer cannot make:
# owners, device entries, xattrs other than user.*
unowned() {
	python3 - "$1" <<'PY'
import sys
for line in open(sys.argv[1], encoding="utf-8", errors="surrogateescape"):
    f = line.rstrip("\n").split("\t")
    if f[1] in ("c", "b"):
        continue
    f[3] = f[4] = "-"
    xs = [x for x in f[8].split(",") if x.startswith("user.")] if f[8] != "-" else []
    f[8] = ",".join(xs) or "-"
    print("\t".join(f))
PY
}

flatten_sample -o flat.tar || fail "flatten to a tar failed"
canon flat.tar >want.list
python3 "$LIB/tarcheck.py" --mtimes flat.tar >want.mtimes

# nonroot_flatten DIR: flatten_sample -o dir:DIR without root (stderr: err)
nonroot_flatten() {
	if [ "$(id -u)" != 0 ]; then
		flatten_sample -o "dir:$1" 2>err
	elif command -v setpriv >/dev/null 2>&1; then
		# the test's own folder is root's (0700): nobody writes elsewhere
		nr=$(mktemp -d "${TMPDIR:-/tmp}/overtar-nonroot.XXXXXX") || return 1
		chmod 0777 "$nr"
		(cd "$nr" && setpriv --reuid 65534 --regid 65534 --clear-groups \
			"$OVERTAR" flatten -o "dir:$1" "$SAMPLE/layer1.tar" "$SAMPLE/layer2.tar.gz" \
			"$SAMPLE/layer3.tar.zst" "$SAMPLE/layer4.tar") 2>err
		rc=$?
		[ "$rc" -eq 0 ] && mv "$nr/$1" "$1"
		rm -rf "$nr"
		return $rc
	else
		return 77
	fi
}

if [ "$(id -u)" = 0 ]; then
	run_ok "flatten -o dir:root" flatten_sample -o dir:root
	canon root >got.list
	same_listing want.list got.list "the directory, as root"
	python3 "$LIB/tree_mtimes.py" root >got.mtimes
	same_listing want.mtimes got.mtimes "the directory's mtimes, as root"
fi
nonroot_flatten user
rc=$?
if [ "$rc" -eq 77 ]; then
	note "no setpriv: the non-root output is not checked"
else
	[ "$rc" -eq 0 ] || { cat err; fail "flatten -o dir:user without root: exit $rc"; }
	grep -Eqx "overtar: warning: not root: [0-9]+ owners, devices or privileged xattrs not written" err ||
		{ cat err; fail "no warning without root"; }
	[ "$(wc -l <err)" = 1 ] || { cat err; fail "more than the warning on stderr"; }
	canon user >got-user.list
	unowned want.list >want-user.list
	unowned got-user.list >got-user.norm
	same_listing want-user.list got-user.norm "the directory, without root"
fi

mkdir full && touch full/x
run_fails 1 "overtar: output 'full': cannot create the directory: Directory not empty" \
	"non-empty directory" flatten_sample -o dir:full
[ "$(ls -A full)" = x ] || fail "full/ changed"
[ -z "$(ls -A . | grep '^\.full')" ] || fail "temporary left behind"
