# ls_quoting.sh -- overtar ls prints a name as its bytes unless it holds a
# control character, a double quote or a backslash: then in double quotes
# with C escapes (\a \b \t \n \v \f \r \" \\, other controls as 3-digit
# octal), as git quotes paths (quote.c). Spaces, single quotes and UTF-8
# stay as they are. ls -l quotes a symlink's target by the same rule.
. "$TESTS/cli/lib/common.sh"

python3 - <<'PY' || fail "cannot write q.tar"
import io, tarfile
names = ["plain", "tab\there", "nl\nx", "bell\x07", 'dq"x', "back\\slash", "sq'x",
         "sp ace", "del\x7f", "caf\u00e9", "esc\x1b", "cr\rx"]
with tarfile.open("q.tar", "w", format=tarfile.PAX_FORMAT) as tf:
    for n in names:
        ti = tarfile.TarInfo("d/" + n)
        ti.size, ti.mtime = 1, 1700000000
        tf.addfile(ti, io.BytesIO(b"x"))
    ti = tarfile.TarInfo("d/link")
    ti.type, ti.linkname, ti.mtime = tarfile.SYMTYPE, "to\tb\"q", 1700000000
    tf.addfile(ti)
PY
run_ok "ls" "$OVERTAR" ls q.tar -- /d
printf '%s\n' '"back\\slash"' '"bell\a"' 'café' '"cr\rx"' '"del\177"' '"dq\"x"' \
	'"esc\033"' 'link' '"nl\nx"' 'plain' 'sp ace' "sq'x" '"tab\there"' >want
same_listing want run.out "ls of quoted names"
run_ok "ls -l" "$OVERTAR" ls -l q.tar -- /d/link
case $(cat run.out) in
*'/d/link -> "to\tb\"q"') ;;
*) cat run.out; fail "ls -l: the symlink target is not quoted" ;;
esac
