# docker_sample.sh -- Docker as a second oracle on the sample image
# (docker_oracle.py): overtar's docker-archive outputs, `overtar flatten`
# and `overtar build --emit layer` (the input's layers plus the edit's),
# go through `docker load` and `docker create`; the container's tree, as
# `docker export` writes it and as Docker's overlay2 storage holds it, must
# equal overtar's own flat tree entry by entry, less what the runtime adds.
# Needs root and a dockerd (Debian's docker.io) that can start; prints SKIP
# and exits 77 otherwise.
set -u
: "${OVERTAR:?}" "${TESTDATA:?}" "${CANON:?}"
: "${TESTS:=$TESTDATA/../tests}"
export CANON
S=$TESTDATA/sample

mkdir -p host/sub
printf 'host a\n' >host/a
printf 'b\n' >host/sub/b
chmod 0750 host
ln -s sub/b host/link
cat >edit.ots <<'SCRIPT'
# edits whose results Docker must store as overtar writes them
mkdir -p /new/a/b
mkdir -m 2775 /new/sg
mkdir -m 1755 /new/sg/sticky
write -m 0600 /new/sg/doc "in a setgid directory\n"
write /new/hello 'hello world'
ln /new/hello /new/hello.hard
chmod 4711 /new/hello
ln -s ../bin/busybox /new/bb
ln /new/bb /new/bb.hard
mknod /new/fifo p
ln /new/fifo /new/fifo.hard
mknod -m 0660 /new/sda b 8 0
ln /bin/sh /new/sh.hard
copy-in host /new
rm -r /var/cache
mv /home/app /srv/apphome
cp -a /bin /bin2
chown -h 1000:1000 /new/bb
touch -d @1600000000.25 /new/hello
setxattr user.bin 0x00ff41 /new/sg/doc
truncate -s 4 /etc/oldconf
SCRIPT
exec python3 "$TESTS/conformance/docker_oracle.py" --script edit.ots \
	--work "$PWD/work" "$OVERTAR" \
	"$S/layer1.tar" "$S/layer2.tar.gz" "$S/layer3.tar.zst" "$S/layer4.tar"
