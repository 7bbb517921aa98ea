/*
 * sink_file: the temporary file an output is written to, and the registry
 * of them that the signal handler walks.
 *
 * The temporary lives beside the destination so that rename(2) puts it in
 * place atomically; until then a failure or a signal unlinks it, and an
 * existing file at the destination is never touched (sink.h).
 */
#include "layers/sink.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "layers/sink_impl.h"

/*
 * Every temporary that exists. The signal handler only reads the list
 * (atomic loads of lock-free pointers, then unlink(2), both
 * async-signal-safe); it is changed with all signals blocked in the
 * changing thread and under reg_lock against other threads. An entry
 * leaves the list before it is freed; a handler running on another thread
 * at that moment could still read it, so signals should be handled on the
 * thread that frees sinks (the worker threads block them all).
 */
static struct sink_tmp *_Atomic reg_head;
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;

/* Called with all signals blocked (sink_tmp_create). */
static void reg_add(struct sink_tmp *t)
{
	pthread_mutex_lock(&reg_lock);
	atomic_store(&t->next, atomic_load(&reg_head));
	atomic_store(&reg_head, t);
	t->registered = true;
	pthread_mutex_unlock(&reg_lock);
}

void sink_tmp_forget(struct sink_tmp *t)
{
	sigset_t all, old;
	struct sink_tmp *_Atomic *link;

	if (!t->registered)
		return;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_mutex_lock(&reg_lock);
	for (link = &reg_head; atomic_load(link);
	     link = &atomic_load(link)->next) {
		if (atomic_load(link) == t) {
			atomic_store(link, atomic_load(&t->next));
			break;
		}
	}
	t->registered = false;
	pthread_mutex_unlock(&reg_lock);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

void sink_tmp_remove(struct sink_tmp *t)
{
	if (t->registered) {
		unlink(t->path);
		sink_tmp_forget(t);
	}
	free(t->path);
	t->path = NULL;
}

void sink_cleanup_all(void)
{
	struct sink_tmp *t;

	for (t = atomic_load(&reg_head); t; t = atomic_load(&t->next))
		unlink(t->path);
}

/* The process umask; umask(2) can only be read by setting it. */
static mode_t current_umask(void)
{
	mode_t m = umask(022);

	umask(m);
	return m;
}

int sink_tmp_create(struct sink_tmp *t, const char *dest, int *fd)
{
	const char *slash = strrchr(dest, '/');
	size_t dirlen = slash ? (size_t)(slash - dest) + 1 : 0;
	const char *base = dest + dirlen;
	size_t size = strlen(dest) + 10;
	sigset_t all, old;
	int r = 0;

	if (!*base)
		return -EISDIR;
	t->path = malloc(size);
	if (!t->path)
		return -ENOMEM;
	snprintf(t->path, size, "%.*s.%s.XXXXXX", (int)dirlen, dest, base);
	/* Signals blocked: none may find it created but unregistered. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	*fd = mkostemp(t->path, O_CLOEXEC);
	if (*fd < 0)
		r = -errno;
	else
		reg_add(t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r)
		return r;
	/* mkstemp makes 0600; the output is an ordinary new file */
	if (fchmod(*fd, 0666 & ~current_umask()))
		return -errno;
	return 0;
}
