# image_build_env_history.sh -- build on an image (issue 16 points 5 and
# 9): the config's Env is what ${NAME} sees, -D wins over it, an env
# command changes what later lines see and the new image's Env (in place,
# new names appended), and the history entry of the new layer says what
# made it: the script by name with its sha256, and each -e.
. "$TESTS/cli/lib/common.sh"
. "$TESTS/cli/lib/image.sh"

export SOURCE_DATE_EPOCH=1700000000
"$OVERTAR" flatten -o oci:img:base "$SAMPLE/layer1.tar" || fail "base"
# Give the base config an Env, as a real image has one: the config blob,
# the manifest and the index rewritten with their digests.
python3 - <<'PY' || fail "cannot add Env to the base"
import hashlib, json, os
def put(obj):
    b = json.dumps(obj, separators=(",", ":")).encode()
    h = hashlib.sha256(b).hexdigest()
    open("img/blobs/sha256/" + h, "wb").write(b)
    return h, len(b)
idx = json.load(open("img/index.json"))
md = idx["manifests"][0]
man = json.load(open("img/blobs/sha256/" + md["digest"][7:]))
cfg = json.load(open("img/blobs/sha256/" + man["config"]["digest"][7:]))
cfg.setdefault("config", {})["Env"] = ["PATH=/usr/bin:/bin", "LANG=C.UTF-8", "WHO=image"]
h, n = put(cfg)
man["config"]["digest"], man["config"]["size"] = "sha256:" + h, n
h, n = put(man)
md["digest"], md["size"] = "sha256:" + h, n
json.dump(idx, open("img/index.json", "w"))
PY

cat >edit.ots <<'SCRIPT'
write /etc/seen "${PATH} ${WHO}"
env PATH=${PATH}:/opt/bin NEW=1
write /etc/after "${PATH} ${NEW}"
SCRIPT
run_ok "build" "$OVERTAR" build -D WHO=cli -f edit.ots -e 'write /etc/x "y"' \
	--emit layer -o oci:out:edited oci:img:base

"$OVERTAR" cat oci:out:edited -- /etc/seen /etc/after >got || fail "cat"
printf '/usr/bin:/bin cli/usr/bin:/bin:/opt/bin 1' >want
same_listing want got "Env seen by the script"

m=$(json out/index.json 'j["manifests"][0]["digest"][7:]')
c=$(json out/blobs/sha256/$m 'j["config"]["digest"][7:]')
json out/blobs/sha256/$c '"\n".join(j["config"]["Env"])' >env.got
printf 'PATH=/usr/bin:/bin:/opt/bin\nLANG=C.UTF-8\nWHO=image\nNEW=1\n' >env.want
same_listing env.want env.got "the new image's Env"
sum=$(sha256sum edit.ots | cut -d' ' -f1)
json out/blobs/sha256/$c 'j["history"][-1]["created_by"]' >by.got
printf '%s\n' "overtar build -f edit.ots (sha256:$sum) -e 'write /etc/x \"y\"'" >by.want
same_listing by.want by.got "history created_by"

# No env command: the Env stays as it was, entry for entry.
run_ok "build without env" "$OVERTAR" build -e 'write /etc/x y' --emit layer \
	-o oci:out:plain oci:img:base
m=$(json out/index.json '[d for d in j["manifests"] if d["annotations"]["org.opencontainers.image.ref.name"] == "plain"][0]["digest"][7:]')
c=$(json out/blobs/sha256/$m 'j["config"]["digest"][7:]')
json out/blobs/sha256/$c '"\n".join(j["config"]["Env"])' >env2.got
printf 'PATH=/usr/bin:/bin\nLANG=C.UTF-8\nWHO=image\n' >env2.want
same_listing env2.want env2.got "Env without env commands"
