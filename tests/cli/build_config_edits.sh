# build_config_edits.sh -- the config edits as script commands: one build
# script holds file edits and config edits; with an image output they change
# its config and manifest annotations as overtar mod's options do; without
# one, or with a bad value, the build stops at that line (exit 1, no output).
. "$TESTS/cli/lib/common.sh"
. "$TESTS/cli/lib/image.sh"

python3 "$LIB/mkoci.py" img v1 "$SAMPLE/layer1.tar" "$SAMPLE/layer2.tar.gz" || fail "mkoci failed"
cat >edit.ots <<'END'
mkdir -p /opt/bin
write /opt/bin/app "#!/bin/sh"
env-append PATH=:/opt/bin
env APP_MODE=prod
unset-env LANG
entrypoint /opt/bin/app --verbose
cmd serve
user app:app
workdir /opt
label org.example.built=yes
unset-label org.example.a
annotation org.example.k=v
expose 8443/tcp
volume /var/lib/app
stop-signal SIGINT
END
"$OVERTAR" build -f edit.ots --emit layer -o oci:out:x oci:img:v1 || fail "build failed"
m=$(json out/index.json 'j["manifests"][-1]["digest"][7:]')
c=out/blobs/sha256/$(json out/blobs/sha256/$m 'j["config"]["digest"][7:]')
[ "$(json $c 'j["config"]')" = "{'Env': ['PATH=/usr/bin:/bin:/opt/bin', 'APP_MODE=prod'], 'Cmd': ['serve'], 'Labels': {'org.example.built': 'yes'}, 'Entrypoint': ['/opt/bin/app', '--verbose'], 'User': 'app:app', 'WorkingDir': '/opt', 'ExposedPorts': {'8443/tcp': {}}, 'Volumes': {'/var/lib/app': {}}, 'StopSignal': 'SIGINT'}" ] \
	|| fail "config: $(json $c 'j["config"]')"
[ "$(json out/blobs/sha256/$m 'j["annotations"]')" = "{'org.example.k': 'v'}" ] || fail "annotations"
[ "$(json out/blobs/sha256/$m 'len(j["layers"])')" = 3 ] || fail "not the input's layers + one"
"$OVERTAR" cat oci:out:x -- /opt/bin/app | grep -q '^#!/bin/sh$' || fail "the file edit is missing"

"$OVERTAR" build -e 'mkdir /x' -e 'label a=b' -o out.tar oci:img:v1 2>err
[ $? = 1 ] || fail "a config edit without an image output: not exit 1"
grep -qx -- "-e:1: label: config edits need an image output (-o oci:... or docker-archive:...)" err || { cat err; fail "message"; }
[ ! -e out.tar ] || fail "output left behind"
"$OVERTAR" build -e 'expose 0' -o oci:bad:x oci:img:v1 2>err
[ $? = 1 ] && grep -qx -- "-e:1: expose: '0': not PORT\[/tcp|udp|sctp\]" err || { cat err; fail "bad expose"; }
[ ! -e bad ] || fail "output left behind"
exit 0
