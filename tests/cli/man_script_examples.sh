# man_script_examples.sh -- the EXAMPLES of overtar-script(5) run as written
# (issue 16 point 10): the section's scripts ("# NAME.ots" blocks) and its
# overtar command lines are taken out of the page, groff escapes undone, and
# run next to the host files the text says are there, on a base made from
# the sample. The example must use every command the page added for issue
# 16, and do what it says.
. "$TESTS/cli/lib/common.sh"

umask 022
page=$TESTS/../man/overtar-script.5
[ -r "$page" ] || fail "no $page"
python3 - "$page" <<'PY' || fail "cannot take the EXAMPLES out of the page"
import re, sys
text = open(sys.argv[1]).read()
sec = text.split("\n.SH EXAMPLES\n", 1)[1].split("\n.SH ", 1)[0]
blocks = re.findall(r"\n\.nf\n(.*?)\n\.fi", sec, re.S)
cmds = []
for b in blocks:
    for a, c in (("\\-", "-"), ("\\(aq", "'"), ("\\(dq", '"'), ("\\e", "\\")):
        b = b.replace(a, c)
    first = b.split("\n", 1)[0]
    m = re.match(r"# (\S+\.ots)$", first)
    if m:
        open(m.group(1), "w").write(b + "\n")
    elif first.startswith("overtar "):
        cmds.append(first)
open("commands", "w").write("\n".join(cmds) + "\n")
PY
[ -s app.ots ] || fail "the EXAMPLES have no app.ots"
[ "$(wc -l <commands)" -ge 1 ] || fail "the EXAMPLES have no overtar command"
for w in 'groupadd ' 'useradd ' 'copy-in --owner ' '--mode ' '/. ' \
	'copy-in --extract ' 'chmod +x ' '*' 'chmod -R ' 'chown -R ' 'env ' \
	'${' 'append-line ' 'replace ' 'delete-lines '; do
	grep -qF -- "$w" app.ots || fail "the example does not use '$w'"
done

# What the text says is next to the script, and a base with the files it
# edits.
mkdir -p dist/bin dist/lib assets/img || fail "cannot make dist/"
printf '#!/bin/sh\nexec true\n' >dist/bin/start.sh
printf 'lib\n' >dist/lib/app.py
printf 'png\n' >assets/img/logo.png
chmod 0600 dist/bin/start.sh dist/lib/app.py
tar -czf assets.tar.gz -C assets img || fail "cannot make assets.tar.gz"
"$OVERTAR" build -e 'rm -r /etc/motd' -e 'write /etc/motd "Welcome\nbe nice\n"' \
	-e 'write /etc/hosts "127.0.0.1 localhost"' -o base.tar \
	"$SAMPLE/layer1.tar" "$SAMPLE/layer2.tar.gz" "$SAMPLE/layer3.tar.zst" \
	"$SAMPLE/layer4.tar" || fail "cannot make the base"
gzip -n <base.tar >base.tar.gz

while read -r line; do
	set -f
	# shellcheck disable=SC2086 # the line's words, as a shell splits them
	eval "set -- ${line#overtar }"
	set +f
	run_ok "$line" "$OVERTAR" "$@"
done <commands
[ -s layer.tar.gz ] || fail "the example wrote no layer.tar.gz"

python3 - layer.tar.gz >got <<'PY' || fail "cannot read layer.tar.gz"
import sys, tarfile
with tarfile.open(sys.argv[1]) as t:
    for ti in sorted(t, key=lambda ti: ti.name):
        n = ti.name.rstrip("/")
        if n.startswith("srv/app"):
            print(n, "%04o" % ti.mode, "%d:%d" % (ti.uid, ti.gid))
        if n in ("etc/app.env", "etc/hosts", "etc/motd") or \
           n.startswith("etc/passwd"):
            print(n, repr(t.extractfile(ti).read().decode()))
PY
cat >want <<'WANT'
etc/app.env 'APP_HOME=/srv/app\nVERSION=1.4\n'
etc/hosts '127.0.0.1 localhost\n10.0.0.2 db\n'
etc/motd 'be nice\n'
etc/passwd 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nsvc:!:1001:1001:the service:/home/svc:/bin/sh\n'
srv/app 0755 1001:1001
srv/app/assets 0775 1001:1001
srv/app/assets/img 0775 1001:1001
srv/app/assets/img/logo.png 0664 1001:1001
srv/app/bin 0755 1001:1001
srv/app/bin/start.sh 0755 1001:1001
srv/app/lib 0755 1001:1001
srv/app/lib/app.py 0644 1001:1001
WANT
same_listing want got "what the example makes"
