# build_all_commands.sh -- one script using every command of
# overtar-script(5) on the sample image (lib/build.sh, make_edit), written
# with --emit flat, checked against the input image:
#   * every entry the script does not touch is listed exactly as in
#     `overtar flatten` of the same layers (canonical-list.py);
#   * mv of a lower directory (home/app, merged from three layers) and
#     cp -a of bin (whose busybox and sh are hard links) give the source's
#     listing under the new name, hard-link column included;
#   * what the script makes or changes is listed below, each line worked
#     out from the script by hand.
. "$TESTS/cli/lib/common.sh"
. "$TESTS/cli/lib/build.sh"

make_edit
run_ok "build" build_sample -f edit.ots -o after.tar
run_ok "flatten" flatten_sample -o before.tar
canon before.tar >before.canon
canon after.tar >after.canon
python3 "$LIB/lsflat.py" before.tar >before.ls
python3 "$LIB/lsflat.py" after.tar >after.ls

# The paths the script touches (a line's path ends at a tab).
touched='^(new|bin2|dev/sda|dev/tty0|run/fifo|srv/apphome|home/app|etc/motd|var/cache|etc/group|etc/oldconf|usr/bin/ping|usr/bin/tool)(/|	)'
grep -Ev "$touched" before.canon >before.rest
grep -Ev "$touched" after.canon >after.rest
same_listing before.rest after.rest "entries the script does not touch"

# rm -r, rmdir, mv: the old names are gone.
if grep -E '^(home/app|etc/motd|var/cache)(/|	)' after.canon; then
	fail "removed or moved entries are still there"
fi

# mv /home/app /srv/apphome: the same tree under the new name.
grep -E '^home/app(/|	)' before.canon | sed 's#^home/app#srv/apphome#' \
	>mv.want
grep -E '^srv/apphome(/|	)' after.canon >mv.got
[ -s mv.want ] || fail "the sample has no home/app"
same_listing mv.want mv.got "mv of a lower directory"

# cp -a /bin /bin2: the same, the hard-link column renamed too.
grep -E '^bin(/|	)' before.canon |
	sed -e 's#^bin#bin2#' -e 's#	bin/\([^	]*\)$#	bin2/\1#' >cp.want
grep -E '^bin2(/|	)' after.canon >cp.got
grep -q '	bin/busybox$' before.canon || fail "the sample's bin has no hard links"
same_listing cp.want cp.got "cp -a with hard links"

# What the script made. lsflat: PATH TYPE MODE CONTENT HARDLINK.
#   mkdir -p: parents 0755; mkdir -m 0700
#   write + append "\n": 'hello world\n'; ln makes hello.hard the same
#     file, so chmod 4711 shows on both; the group's first name is new/hello
#   write -m 0600 heredoc + append heredoc: each body line with its newline
#   copy-in host: modes as on the host (host 0750, sub 0755, a 0644,
#     sub/b 0600), the symlink as a symlink
#   cp /etc/passwd: the passwd content, mode 0644
#   ln -s: a symlink (0777 in lsflat)
#   mknod: default mode 0644 (0666 less the usual umask, as mknod(1));
#     -m 0660 as given
#   append /etc/group: the sample's two lines and staff's
#   truncate -s 4: the first 4 bytes of 'oldconf re-added in layer3\n'
passwd=$(sed -n 's#^etc/passwd f 0644 \(.*\) -$#\1#p' before.ls)
[ -n "$passwd" ] || fail "no etc/passwd in the sample"
cat >made.want <<WANT
dev/sda b 0660 8,0 -
dev/tty0 c 0644 4,0 -
etc/group f 0644 'root:x:0:\napp:x:1000:\nstaff:x:50:\n' -
etc/oldconf f 0600 'oldc' -
new d 0755 - -
new/a d 0755 - -
new/a/b d 0755 - -
new/bb l 0777 ../bin/busybox -
new/doc f 0600 'line one\n  line "two"\nthree\n' -
new/hello f 4711 'hello world\n' new/hello
new/hello.hard f 4711 'hello world\n' new/hello
new/host d 0750 - -
new/host/a f 0644 'host a\n' -
new/host/link l 0777 sub/b -
new/host/sub d 0755 - -
new/host/sub/b f 0600 'b\n' -
new/passwd.copy f 0644 $passwd -
new/private d 0700 - -
run/fifo p 0644 - -
WANT
grep -E '^(new|dev/sda|dev/tty0|run/fifo|etc/group|etc/oldconf)[ /]' after.ls \
	>made.got
same_listing made.want made.got "what the script made"

# Owners and xattrs (canonical-list: path type mode uid gid ... link
# xattrs): chown app:staff is 1000:50 (app from the image's etc/passwd,
# staff from the group line the script appended); chown -h app changes the
# link itself, its group stays 0; setxattr 0x00ff41 is those three bytes;
# the setxattr/rmxattr pair leaves usr/bin/tool without xattrs, and ping
# loses its security.capability.
cut -f1,4,5,9 after.canon | grep -E '^(new/doc|new/bb|usr/bin/tool|usr/bin/ping)	' \
	>attrs.got
cat >attrs.want <<'WANT'
new/bb	1000	0	-
new/doc	1000	50	user.bin=00ff41
usr/bin/ping	0	0	-
usr/bin/tool	0	0	-
WANT
same_listing attrs.want attrs.got "owners and xattrs"
grep -q '^usr/bin/ping	.*security.capability=' before.canon ||
	fail "the sample's ping has no capability to remove"

# touch -d @1600000000.25: the time as given, fraction included.
mt=$(python3 -c 'import sys, tarfile
t = tarfile.open(sys.argv[1])
print(repr(t.getmember("new/doc").mtime))' after.tar) || fail "cannot read after.tar"
[ "$mt" = "1600000000.25" ] || fail "new/doc mtime is $mt, expected 1600000000.25"
