# build.sh -- sourced by the tests/cli/build_*.sh tests, after common.sh.

# build_sample [OPTION...]: overtar build OPTION... over the four sample
# layers, base first.
build_sample() {
	"$OVERTAR" build "$@" "$SAMPLE/layer1.tar" "$SAMPLE/layer2.tar.gz" \
		"$SAMPLE/layer3.tar.zst" "$SAMPLE/layer4.tar"
}

# make_edit: writes ./host (a small host tree: a file, a 0600 file in a
# subdirectory, a relative symlink) and ./edit.ots, a script that uses
# every command of overtar-script(5) on the sample image (the sample's
# etc/passwd has user app 1000; etc/group has root and app only, so the
# script adds group staff 50 before it uses it).
make_edit() {
	rm -rf host
	mkdir -p host/sub || fail "cannot make host/"
	chmod 0750 host
	chmod 0755 host/sub
	printf 'host a\n' >host/a
	printf 'b\n' >host/sub/b
	chmod 0644 host/a
	chmod 0600 host/sub/b
	ln -s sub/b host/link
	cat >edit.ots <<'SCRIPT'
# every command of overtar-script(5)
mkdir -p /new/a/b
mkdir -m 0700 /new/private
write /new/hello 'hello world'
write -m 0600 /new/doc <<EOF
line one
  line "two"
EOF
append /new/hello "\n"
append /new/doc <<END
three
END
copy-in host /new
rm /etc/motd/10-welcome
rm -r /var/cache
rmdir /etc/motd
mv /home/app /srv/apphome
cp /etc/passwd /new/passwd.copy
cp -a /bin /bin2
ln -s ../bin/busybox /new/bb
ln /new/hello /new/hello.hard
chmod 4711 /new/hello
append /etc/group "staff:x:50:\n"
chown app:staff /new/doc
chown -h app /new/bb
touch -d @1600000000.25 /new/doc
truncate -s 4 /etc/oldconf
mknod /dev/tty0 c 4 0
mknod -m 0660 /dev/sda b 8 0
mknod /run/fifo p
setxattr user.bin 0x00ff41 /new/doc
setxattr user.tmp x /usr/bin/tool
rmxattr user.tmp /usr/bin/tool
rmxattr security.capability /usr/bin/ping
SCRIPT
}
