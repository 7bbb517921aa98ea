# ls_image_layer_names.sh -- the inspection commands name each layer as
# the stack loader read it: a plain layer by its argument, an image of one
# layer by its argument, each layer of an image of several by its name
# there ("oci:DIR:REF layer N"), in stack order (ls --origin, stat --json,
# inspect).
. "$TESTS/cli/lib/common.sh"
. "$TESTS/cli/lib/image.sh"

L1=$SAMPLE/layer1.tar L4=$SAMPLE/layer4.tar
run_ok "flatten -o oci:" "$OVERTAR" flatten -o oci:img:one "$L1"
run_ok "build --emit layer" "$OVERTAR" build -e 'mkdir /new' --emit layer -o oci:img:two oci:img:one

run_ok "ls --origin" "$OVERTAR" ls --origin oci:img:two "$L4" -- /
grep -qx '1:oci:img:two layer 1 bin' run.out || { cat run.out; fail "bin not from 'oci:img:two layer 1'"; }
grep -qx '2:oci:img:two layer 2 new' run.out || { cat run.out; fail "new not from 'oci:img:two layer 2'"; }
grep -qx '3:layer4.tar          srv' run.out || { cat run.out; fail "srv not from 'layer4.tar'"; }

run_ok "ls --origin, one-layer image" "$OVERTAR" ls --origin oci:img:one -- /bin
grep -qx '1:oci:img:one busybox' run.out || { cat run.out; fail "a one-layer image is not named by its argument"; }

run_ok "stat --json" "$OVERTAR" stat --json oci:img:two "$L4" -- /new
grep -q '"layer":2,"layer_file":"oci:img:two layer 2"' run.out || { cat run.out; fail "stat --json: layer_file of /new"; }

# inspect's text names an image layer by short digest and history
# command, a layer file by its name; --json gives layer_file for all
run_ok "inspect" "$OVERTAR" inspect oci:img:two "$L4"
for want in '1  [0-9a-f]\{12\} .* overtar flatten$' '2  [0-9a-f]\{12\} .* overtar build -e '"'"'mkdir \/new'"'"'$' \
	'3  -  .* layer4.tar$'; do
	grep -q "^ *$want" run.out || { cat run.out; fail "inspect: no line '$want'"; }
done
run_ok "inspect --json" "$OVERTAR" inspect --json oci:img:two "$L4"
for want in '"layer":1,"layer_file":"oci:img:two layer 1"' \
	'"layer":2,"layer_file":"oci:img:two layer 2"' '"layer":3,"layer_file":"'"$L4"'"'; do
	grep -qF "$want" run.out || { cat run.out; fail "inspect --json: no '$want'"; }
done
