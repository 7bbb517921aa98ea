# image.sh -- sourced by the tests/cli/image_*.sh tests, after common.sh.

# need_tools TOOL...: SKIP unless every tool is installed (make check
# installs skopeo and umoci).
need_tools() {
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || skip "$t is not installed"
	done
}

# umoci_unpack LAYOUT:TAG DIR: umoci unpack, rootless when not root.
umoci_unpack() {
	if [ "$(id -u)" = 0 ]; then
		umoci unpack --image "$1" "$2" >/dev/null
	else
		umoci unpack --rootless --image "$1" "$2" >/dev/null
	fi
}

# canon TREE_OR_TAR: the canonical listing (shared/bench/canonical-list.py).
canon() {
	python3 "$CANON" "$1"
}

# check_blobs DIR: every blob of the layout DIR has the digest it is named by.
check_blobs() {
	for b in "$1"/blobs/sha256/*; do
		h=$(sha256sum "$b" | cut -d' ' -f1)
		[ "$h" = "$(basename "$b")" ] || fail "blob $b has digest $h"
	done
}

# json FILE EXPR: a value from a JSON file, EXPR a Python expression on j.
json() {
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
