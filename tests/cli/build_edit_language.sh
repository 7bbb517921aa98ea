# build_edit_language.sh -- the edit language a CI job writes (issue 16),
# end to end through overtar build on the sample image: useradd with the
# image's login.defs, copy-in --owner/--mode, copy-in SRC/., copy-in
# --extract, globs, chmod +x and symbolic modes, chown -R, -D and ${NAME}
# with the image's Env, env, append-line / replace / delete-lines. Each
# expected line below is worked out by hand from the script.
. "$TESTS/cli/lib/common.sh"
. "$TESTS/cli/lib/build.sh"

mkdir -p app/bin app/conf || fail "cannot make app/"
printf '#!/bin/sh\necho hi\n' >app/bin/run.sh
printf 'x\n' >app/conf/a.conf
chmod 0644 app/bin/run.sh app/conf/a.conf
chmod 0755 app app/bin app/conf
python3 - <<'PY' || fail "cannot make bundle.tar.gz"
import io, tarfile
with tarfile.open("bundle.tar.gz", "w:gz", format=tarfile.PAX_FORMAT) as t:
    def add(name, data=None, kind=tarfile.REGTYPE, mode=0o644, link=""):
        ti = tarfile.TarInfo(name)
        ti.type, ti.mode, ti.uid, ti.gid, ti.mtime = kind, mode, 7, 8, 1600000000
        ti.linkname = link
        if data is not None:
            ti.size = len(data)
        t.addfile(ti, io.BytesIO(data) if data is not None else None)
    add("./", kind=tarfile.DIRTYPE, mode=0o755)
    add("/lib/", kind=tarfile.DIRTYPE, mode=0o750)
    add("lib/x.so", b"so\n", mode=0o755)
    add("lib/y.so", kind=tarfile.LNKTYPE, link="lib/x.so")
    add("lib/cur", kind=tarfile.SYMTYPE, link="/etc")
PY

cat >edit.ots <<'SCRIPT'
write /etc/login.defs 'UID_MIN 1000
GID_MIN 1000
USERGROUPS_ENAB yes
'
useradd -m -s /bin/sh svc
copy-in --owner svc --mode u=rwX,go=rX app /opt/svc
copy-in --owner=5:6 app/conf/. /etc/app
copy-in --extract bundle.tar.gz ${PREFIX}/bundle
chmod +x /opt/svc/bin/*.sh
chmod -R g+w /opt/svc/conf
rm -f /etc/*.nothing
env PATH=${PATH}:/opt/svc/bin APP_HOME=/opt/svc
write /etc/app.env "PATH=${PATH}
HOME=${APP_HOME}
"
append-line /etc/passwd 'ops:x:900:900::/:/bin/false'
replace /etc/passwd '^(app:x:1000:1000):[^:]*:' '\1:App User:'
delete-lines /etc/passwd '^ops:'
SCRIPT

run_ok "build" build_sample -D PREFIX=/srv -D PATH=/usr/bin:/bin -f edit.ots -o out.tar
python3 - out.tar >got <<'PY' || fail "cannot list out.tar"
import sys, tarfile
with tarfile.open(sys.argv[1]) as t:
    for ti in sorted(t, key=lambda ti: ti.name):
        n = ti.name.rstrip("/")
        if n.startswith(("opt/svc", "etc/app", "srv/bundle", "home/svc")):
            kind = {tarfile.DIRTYPE: "d", tarfile.SYMTYPE: "l",
                    tarfile.LNKTYPE: "h"}.get(ti.type, "f")
            print(n, kind, "%04o" % ti.mode, "%d:%d" % (ti.uid, ti.gid),
                  ti.linkname or "-")
PY
cat >want <<'WANT'
etc/app d 0755 5:6 -
etc/app.env f 0644 0:0 -
etc/app/a.conf f 0644 5:6 -
home/svc d 0755 1001:1001 -
opt/svc d 0755 1001:1001 -
opt/svc/bin d 0755 1001:1001 -
opt/svc/bin/run.sh f 0755 1001:1001 -
opt/svc/conf d 0775 1001:1001 -
opt/svc/conf/a.conf f 0664 1001:1001 -
srv/bundle d 0755 0:0 -
srv/bundle/lib d 0750 7:8 -
srv/bundle/lib/cur l 0777 7:8 /etc
srv/bundle/lib/x.so f 0755 7:8 -
srv/bundle/lib/y.so h 0755 7:8 srv/bundle/lib/x.so
WANT
same_listing want got "owners and modes"

tar -xOf out.tar etc/app.env >env.got || fail "no etc/app.env"
printf 'PATH=/usr/bin:/bin:/opt/svc/bin\nHOME=/opt/svc\n' >env.want
same_listing env.want env.got "variables: -D, then env"
tar -xOf out.tar etc/passwd >passwd.got || fail "no etc/passwd"
cat >passwd.want <<'WANT'
root:x:0:0:root:/root:/bin/sh
app:x:1000:1000:App User:/home/app:/bin/sh
svc:!:1001:1001::/home/svc:/bin/sh
WANT
same_listing passwd.want passwd.got "useradd, append-line, replace, delete-lines"
tar -xOf out.tar etc/group >group.got || fail "no etc/group"
printf 'root:x:0:\napp:x:1000:\nsvc:x:1001:\n' >group.want
same_listing group.want group.got "useradd's user group"

# An archive entry may not leave its destination: through '..' or through
# a symlink an earlier entry made.
python3 - <<'PY' || fail "cannot make the evil archives"
import io, tarfile
def mk(path, entries):
    with tarfile.open(path, "w") as t:
        for name, kind, link in entries:
            ti = tarfile.TarInfo(name)
            ti.type, ti.linkname = kind, link
            data = b"" if kind == tarfile.REGTYPE else None
            t.addfile(ti, io.BytesIO(data) if data is not None else None)
mk("dotdot.tar", [("a/../../etc/evil", tarfile.REGTYPE, "")])
mk("through.tar", [("esc", tarfile.SYMTYPE, "/etc"),
                   ("esc/evil", tarfile.REGTYPE, "")])
mk("hardlink.tar", [("h", tarfile.LNKTYPE, "../etc/passwd")])
PY
for a in dotdot through hardlink; do
	printf 'copy-in --extract %s.tar /srv/x\n' "$a" >evil.ots
	"$OVERTAR" build -f evil.ots -o evil.tar "$SAMPLE/layer1.tar" \
		>stdout 2>stderr
	rc=$?
	[ "$rc" -eq 1 ] || fail "$a.tar: exit status $rc, expected 1"
	case $(cat stderr) in
	"evil.ots:1: copy-in: "*": entry leaves the destination (through '..' or a symlink)") ;;
	*) fail "$a.tar: stderr: $(cat stderr)" ;;
	esac
	[ ! -e evil.tar ] || fail "$a.tar: an output was written"
done

# chown -R and chmod -R walk with a stack of their own: a tree 3000 deep.
python3 - <<'PY' || fail "cannot make deep.tar"
import io, tarfile
with tarfile.open("deep.tar", "w", format=tarfile.PAX_FORMAT) as t:
    p = ""
    for i in range(3000):
        p = (p + "/" if p else "") + "a"
        ti = tarfile.TarInfo(p)
        ti.type, ti.mode = tarfile.DIRTYPE, 0o755
        t.addfile(ti)
    ti = tarfile.TarInfo(p + "/f")
    ti.size = 1
    t.addfile(ti, io.BytesIO(b"x"))
PY
run_ok "deep" "$OVERTAR" build -e 'chown -R 7:8 /a' -e 'chmod -R go-rx /a' \
	-o deepout.tar deep.tar
python3 - deepout.tar >deep.got <<'PY' || fail "cannot read deepout.tar"
import sys, tarfile
ms = tarfile.open(sys.argv[1]).getmembers()
print(len(ms), {(m.uid, m.gid, oct(m.mode & 0o777)) for m in ms if m.isdir()},
      [(m.uid, oct(m.mode)) for m in ms if m.isfile()])
PY
echo "3001 {(7, 8, '0o700')} [(7, '0o600')]" >deep.want
same_listing deep.want deep.got "a deep tree"
