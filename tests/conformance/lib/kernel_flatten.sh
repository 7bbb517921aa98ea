#!/bin/sh
# kernel_flatten.sh -- the kernel as oracle: flatten OCI layers through a real
# overlayfs mount and write the canonical listing of the merged tree.
#
# Usage: kernel_flatten.sh [-t OUT.tar] [-m OUT.mtimes] OUT.list LAYER...
#        (layers base first)
#
# Each layer is extracted by GNU tar into its own directory (as root, with
# xattrs, numeric owners, modes and owners kept), its OCI whiteouts are turned
# into overlayfs ones (oci2ovl.py), and the directories are mounted read-only
# (lowerdirs only) with Docker overlay2's options: index=off, redirect_dir=off,
# metacopy=off, xino=off. OUT.list is canonical-list.py of the mount; with -t,
# OUT.tar is a tar of it too; with -m, OUT.mtimes lists "PATH<TAB>SEC.NSEC"
# (lstat mtimes, sorted by path, root omitted; the format of
# tests/cli/lib/tarcheck.py --mtimes). The mount and every temporary file are removed on
# exit, whatever happens.
#
# Exit: 0 done; 77 cannot run here (not root, no overlayfs, no xattr support),
# with "SKIP: reason" on stdout; 1 error. Needs CANON (canonical-list.py) in
# the environment, or finds it at ../shared/bench beside the repository.
set -u

here=$(cd "$(dirname "$0")" && pwd)
: "${CANON:=$here/../../../../shared/bench/canonical-list.py}"
skip() { echo "SKIP: $*"; exit 77; }
die() { echo "kernel_flatten: $*" >&2; exit 1; }

tarout=
mtimes=
while :; do
	case ${1:-} in
	-t) tarout=$2; shift 2 ;;
	-m) mtimes=$2; shift 2 ;;
	*) break ;;
	esac
done
[ $# -ge 2 ] || die "usage: kernel_flatten.sh [-t OUT.tar] [-m OUT.mtimes] OUT.list LAYER..."
list=$1; shift
[ -f "$CANON" ] || die "canonical-list.py not found at '$CANON'"
[ "$(id -u)" = 0 ] || skip "not root (mount, mknod and trusted.* xattrs need root)"
grep -qw overlay /proc/filesystems 2>/dev/null || modprobe overlay 2>/dev/null || true
grep -qw overlay /proc/filesystems 2>/dev/null || skip "no overlay filesystem in this kernel"

# /tmp, not /dev/shm: the layer directories need trusted.* and user.* xattrs.
work=$(mktemp -d "${TMPDIR:-/tmp}/kernel-flatten.XXXXXX") || die "mktemp failed"
mnt=$work/merged
cleanup() {
	if [ -d "$mnt" ] && grep -q " $mnt " /proc/self/mounts 2>/dev/null; then
		umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE

# Does this filesystem keep trusted.* xattrs?
touch "$work/probe"
python3 -c 'import os,sys; os.setxattr(sys.argv[1], "trusted.overtar.probe", b"y")' \
	"$work/probe" 2>/dev/null || skip "$work: no trusted.* xattr support"

lowers=
n=0
for layer in "$@"; do
	n=$((n + 1))
	d=$work/l$n
	mkdir "$d"
	# Sort warnings (hdrcharset is unknown to GNU tar, but the name is read
	# right) from errors: the exit status decides.
	tar --xattrs --xattrs-include='*' --numeric-owner -p --same-owner \
		-xf "$layer" -C "$d" 2>"$work/tar.err" \
		|| { cat "$work/tar.err" >&2; die "cannot extract '$layer'"; }
	python3 "$here/oci2ovl.py" "$d" || die "cannot convert whiteouts of '$layer'"
	# overlayfs lists the top lower layer first
	lowers=$d${lowers:+:$lowers}
done
# An empty bottom layer: a lowerdir-only mount needs two of them.
mkdir "$work/empty"
lowers=$lowers:$work/empty
mkdir "$mnt"
mount -t overlay overlay \
	-o "ro,lowerdir=$lowers,index=off,redirect_dir=off,metacopy=off,xino=off" \
	"$mnt" 2>"$work/mount.err" \
	|| skip "mount -t overlay failed: $(cat "$work/mount.err")"

python3 "$CANON" "$mnt" >"$list" || die "canonical-list.py failed on the mount"
if [ -n "$mtimes" ]; then
	python3 "$here/../../cli/lib/tree_mtimes.py" "$mnt" >"$mtimes" ||
		die "cannot list mtimes of the mount"
fi
if [ -n "$tarout" ]; then
	tar --xattrs --xattrs-include='*' --numeric-owner --sort=name \
		-C "$mnt" -cf "$tarout" . || die "cannot tar the mount"
fi
exit 0
