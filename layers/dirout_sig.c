/*
 * dirout_sig: the temporary tree of a `dir:` output removed from a signal
 * handler (see dirout.h). A handler may call only async-signal-safe
 * functions (signal-safety(7)): no malloc, no opendir, no stdio. So the
 * tree is removed with open/getdents64/unlinkat on fixed buffers, and
 * without a stack: each round walks down from the root to a directory with
 * no subdirectory, unlinking the non-directories on the way, and removes
 * that one; the root goes last. Memory is constant whatever the depth.
 */
#include "layers/dirout.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The tree being written; set and cleared with signals blocked. */
static const char *volatile active;

static void set_active(const char *tmp)
{
	sigset_t all, old;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	active = tmp;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

void dirout_sig_register(const char *tmp)
{
	set_active(tmp);
}

void dirout_sig_forget(void)
{
	set_active(NULL);
}

/* struct linux_dirent64 (getdents64(2)) */
struct dirent64_rec {
	uint64_t ino;
	int64_t off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

/*
 * Unlinks the non-directories and empty directories of fd; opens the first
 * other subdirectory (made searchable first: a tree in progress may hold a
 * read-only directory) and copies its name to name (NAME_MAX + 1 bytes).
 * Returns its fd, or -1 when there is none.
 */
static int strip(int fd, char *name)
{
	char buf[4096];
	long n;
	int sub = -1;

	lseek(fd, 0, SEEK_SET);
	while (sub < 0 && (n = syscall(SYS_getdents64, fd, buf,
				       sizeof(buf))) > 0) {
		for (long at = 0; sub < 0 && at < n;) {
			struct dirent64_rec *de = (void *)(buf + at);

			at += de->reclen;
			if (!strcmp(de->name, ".") || !strcmp(de->name, "..") ||
			    !unlinkat(fd, de->name, 0) || errno != EISDIR ||
			    !unlinkat(fd, de->name, AT_REMOVEDIR) ||
			    strlen(de->name) > 255)
				continue;
			fchmodat(fd, de->name, 0700, 0);
			sub = openat(fd, de->name, O_RDONLY | O_DIRECTORY |
				     O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0)
				memcpy(name, de->name, strlen(de->name) + 1);
		}
	}
	return sub;
}

void dirout_sig_cleanup(void)
{
	const char *tmp = active;
	char name[256];
	int saved = errno;

	while (tmp) {
		int parent = -1, sub, rc;
		int fd = open(tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			      O_CLOEXEC);

		if (fd < 0)
			break;
		while ((sub = strip(fd, name)) >= 0) {
			if (parent >= 0)
				close(parent);
			parent = fd;
			fd = sub;
		}
		close(fd);
		if (parent < 0) {
			rmdir(tmp);
			break;
		}
		rc = unlinkat(parent, name, AT_REMOVEDIR);
		close(parent);
		if (rc)
			break;		/* it cannot go: stop, never spin */
	}
	errno = saved;
}
