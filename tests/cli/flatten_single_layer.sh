# flatten_single_layer.sh -- one layer without whiteouts flattens to itself:
# the canonical listing of the output equals canonical-list.py of the layer
# read as a plain archive (layer 1 of the sample: every file type, setuid,
# sticky, xattrs, hard links, symlinks); and a gzip layer alone works too.
. "$TESTS/cli/lib/common.sh"

run_ok "flatten layer1" "$OVERTAR" flatten -o one.tar "$SAMPLE/layer1.tar"
python3 "$LIB/tarcheck.py" one.tar || fail "one.tar is not well formed"
python3 "$CANON" "$SAMPLE/layer1.tar" >want.list
canon one.tar >got.list
same_listing want.list got.list "layer1 alone"

run_ok "flatten layer2.tar.gz" "$OVERTAR" flatten -o two.tar "$SAMPLE/layer2.tar.gz"
python3 "$LIB/tarcheck.py" two.tar || fail "two.tar is not well formed"
# layer 2 alone: its markers hide nothing and are dropped.
python3 "$CANON" "$SAMPLE/layer2.tar.gz" | grep -v -e '/\.wh\.[^	]*	' >want2.list
canon two.tar >got2.list
same_listing want2.list got2.list "layer2 alone"
