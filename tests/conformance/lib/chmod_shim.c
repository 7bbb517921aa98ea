/*
 * chmod_shim: preloaded into the oracle's coreutils (conform.py) so that
 * lchmod() and fchmodat(AT_SYMLINK_NOFOLLOW) reach the kernel directly.
 * Debian 12's glibc emulates them through /proc/self/fd, which a chroot
 * into an image has not got (EOPNOTSUPP); the fchmodat2 system call (Linux
 * 6.6) gives the kernel's own answer instead.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

int fchmodat(int dirfd, const char *path, mode_t mode, int flags)
{
	return (int)syscall(SYS_fchmodat2, dirfd, path, mode, flags);
}

int lchmod(const char *path, mode_t mode)
{
	return (int)syscall(SYS_fchmodat2, AT_FDCWD, path, mode,
			    AT_SYMLINK_NOFOLLOW);
}
