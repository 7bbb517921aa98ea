/*
 * input: opening what overtar reads without blocking (see input.h).
 */
#include "base/input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

int input_open_regular(const char *path, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	int rc = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, st))
		rc = -errno;
	else if (S_ISDIR(st->st_mode))
		rc = -EISDIR;
	else if (!S_ISREG(st->st_mode))
		rc = -EINVAL;
	else if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK))
		rc = -errno;
	if (rc) {
		close(fd);
		return rc;
	}
	return fd;
}

int input_read_regular(const char *path, size_t max, char **buf,
		       size_t *len)
{
	struct stat st;
	int fd = input_open_regular(path, &st), rc = 0;
	size_t got = 0;

	*buf = NULL;
	if (fd < 0)
		return fd;
	if ((uint64_t)st.st_size > max)
		rc = -EFBIG;
	else if (!(*buf = malloc((size_t)st.st_size + 1)))
		rc = -ENOMEM;
	while (!rc && got < (size_t)st.st_size) {
		ssize_t n = read(fd, *buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			rc = n < 0 ? -errno : -EIO;
		else
			got += (size_t)n;
	}
	close(fd);
	if (rc) {
		free(*buf);
		*buf = NULL;
		return rc;
	}
	(*buf)[got] = '\0';
	*len = got;
	return 0;
}

const char *input_type(mode_t mode)
{
	if (S_ISFIFO(mode))
		return "a fifo";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISLNK(mode))
		return "a symlink";
	return "not a regular file";
}
