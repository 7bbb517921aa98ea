# inspect_sample_summary.sh -- overtar inspect on the sample image gives the
# per-layer counts, bytes, wasted bytes, efficiency and largest wasted files
# worked out by hand from testdata/README.md and the contents written by
# testdata/mksample.sh (file sizes are the byte lengths of those strings).
#
# Layer 1: 58 entries, all added (A). 21 regular files (bin/busybox+bin/sh,
#   usr/bin/tool+tool-alias, usr/lib/libx.so.1+libx.so.1.0 count once each):
#   13+6+6+7+22+18+20+68+6+6+8+7+7+17+5+8+9+10+15+9+9 = 276 bytes.
#   Wasted (no name left in the end): etc/conf.d/old.conf 6 and sub/deep.conf
#   7 (layer 2 opaque), etc/motd 18 (a dir in layer 2), etc/oldconf 20
#   (whiteout, layer 2), opt/app/cfg/a 6 and old.bin 8 (opt/app whited out,
#   layer 2), opt/data/a 7 and sub/b 7 (opt/data a file, layer 3), srv/both
#   17 (replaced, layer 4), usr/share/doc/base/copyright 15 (layer 4 opaque),
#   var/cache/apt/pkgcache.bin 9 and var/log/dpkg.log 9 (layer 3) = 129.
#   Not wasted: usr/bin/tool (alone, but visible), usr/lib/libx.so.1.0 (the
#   data holder's other name survives).
# Layer 2: 17 entries: A new.conf, 10-welcome, caf\xe9.txt, doc/app,
#   doc/app/README, nsec (6); M etc, conf.d, motd, home, home/app, opt, usr,
#   usr/bin, tool-alias, usr/share, usr/share/doc (11). D: etc/oldconf,
#   conf.d/old.conf, conf.d/sub, conf.d/sub/deep.conf, opt/app, opt/app/cfg,
#   cfg/a, opt/app/old.bin (8). Files 6+20+13+14+9+11 = 73 bytes; wasted the
#   README 9 (layer 4's opaque usr/share/doc).
# Layer 3: 13 entries: A etc/oldconf, opt/app, opt/app/new.bin (3; both paths
#   were gone in layer 2's view); M the other 10. D: opt/data/a, opt/data/sub,
#   sub/b, usr/lib/libx.so.1, var/cache/apt and its 3 entries, var/log/
#   dpkg.log (9). Files 27+20+32 = 79 bytes, none wasted.
# Layer 4: 14 entries: A lib/extra.so, new-tool, new-tool-link, doc/README,
#   base/NEWS (5); M lib (over the symlink), srv, srv/both, tmp, usr, usr/bin,
#   usr/share, usr/share/doc, doc/base (9). D: doc/app, doc/app/README,
#   doc/base/copyright (3); tmp/.wh.never-existed removes nothing. Files
#   6+17+9+24+5 = 61 (new-tool pair once), none wasted.
# Image: 276+73+79+61 = 489 bytes, 129+9 = 138 wasted = 28.22%, efficiency
#   351/489 = 0.7178 (351 is also the sum of the file sizes in expected.list).
# The Analysis and Inefficient Files sections are dive's figures, checked
#   against dive_metrics.py (a second implementation of dive's algorithm) in
#   inspect_dive_figures.sh; the layers are plain files: no digest ('-'),
#   their file name for a command.
# Top 10: sizes descending; the three 9-byte files lower layer first, then
#   walk order (var/cache < var/log); of the 7-byte ones etc/ before opt/.
. "$TESTS/cli/lib/common.sh"

cat >expected <<'END'
layer  digest  added  modified  removed  files  bytes  wasted  command
    1  -          58         0        0     21    276     129  layer1.tar
    2  -           6        11        8      6     73       9  layer2.tar.gz
    3  -           3        10        9      3     79       0  layer3.tar.zst
    4  -           5         9        3      5     61       0  layer4.tar

bytes: 489
wasted: 138 (28.22%)
efficiency: 0.7178 (351 of 489 in the final tree)

Analysis:
  efficiency:        75.95 %
  wastedBytes:       113 bytes (113 B)
  userWastedPercent: 53.05 %

Inefficient Files:
  Count  Wasted Space  File Path
  3      47            /etc/oldconf
  3      34            /srv/both
  2      14            /usr/bin/tool-alias
  2      9             /usr/lib/libx.so.1
  2      9             /var/log/dpkg.log

largest wasted files:
bytes  layer  by  path
   20      1   2  /etc/oldconf
   18      1   2  /etc/motd
   17      1   4  /srv/both
   15      1   4  /usr/share/doc/base/copyright
    9      1   3  /var/cache/apt/pkgcache.bin
    9      1   3  /var/log/dpkg.log
    9      2   4  /usr/share/doc/app/README
    8      1   2  /opt/app/old.bin
    7      1   2  /etc/conf.d/sub/deep.conf
    7      1   3  /opt/data/a
END
run_ok "inspect" "$OVERTAR" inspect "$SAMPLE/layer1.tar" "$SAMPLE/layer2.tar.gz" \
	"$SAMPLE/layer3.tar.zst" "$SAMPLE/layer4.tar"
same_listing expected run.out "inspect of the sample"

# --top 2 keeps the two largest; --top 0 drops the list
run_ok "inspect --top 2" "$OVERTAR" inspect --top 2 "$SAMPLE/layer1.tar" \
	"$SAMPLE/layer2.tar.gz" "$SAMPLE/layer3.tar.zst" "$SAMPLE/layer4.tar"
sed -n '1,19p;23,27p' expected >expected.top2
same_listing expected.top2 run.out "inspect --top 2"
run_ok "inspect --top 0" "$OVERTAR" inspect --top 0 "$SAMPLE/layer1.tar" \
	"$SAMPLE/layer2.tar.gz" "$SAMPLE/layer3.tar.zst" "$SAMPLE/layer4.tar"
sed -n '1,14p' expected >expected.top0
same_listing expected.top0 run.out "inspect --top 0"
exit 0
