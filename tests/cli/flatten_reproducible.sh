# flatten_reproducible.sh -- the same layers give byte-identical output, run
# after run, for every compression, whatever the time, time zone, umask,
# working directory, layer file names and layer file mtimes.
. "$TESTS/cli/lib/common.sh"

for z in none gzip zstd; do
	run_ok "flatten -z $z (1)" flatten_sample -z $z -o a.$z
	sleep 1
	run_ok "flatten -z $z (2)" env TZ=Asia/Kathmandu sh -c \
		'umask 077; . "$1"; flatten_sample -z "$2" -o b.'$z _ "$LIB/common.sh" $z
	cmp a.$z b.$z || fail "-z $z: two runs differ"
done

# Copies of the layers under other names, with other mtimes, from another
# working directory.
mkdir -p copy/sub
cp "$SAMPLE/layer1.tar" copy/sub/one
cp "$SAMPLE/layer2.tar.gz" copy/sub/two
cp "$SAMPLE/layer3.tar.zst" copy/sub/three
cp "$SAMPLE/layer4.tar" copy/sub/four
touch -d '2001-02-03 04:05:06' copy/sub/*
(cd copy && "$OVERTAR" flatten -z gzip -o ../c.gzip sub/one sub/two sub/three sub/four) \
	|| fail "flatten of renamed copies failed"
cmp a.gzip c.gzip || fail "output depends on layer file names or mtimes"
