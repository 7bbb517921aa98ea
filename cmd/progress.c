/*
 * progress: what a run shows on standard error while it works, and its -v
 * summary. The engine only advances the counters of one struct progress
 * (base/progress.h); a thread here reads them and redraws one line (the
 * phase, bytes and entries done, the rate, an estimate where the total is
 * known) at most four times a second, erasing it at the end, as curl and
 * rsync --info=progress2 do. Shown when standard error is a terminal, or
 * with --progress; never with -q. Nothing goes to standard output.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/show.h"
#include "layers/memfs.h"

#define REDRAW_NS 250000000L	/* four times a second at most */

static struct {
	struct progress p;
	bool on;		/* counting at all (drawing or -v) */
	bool draw, verbose, quiet;
	bool running, drawn;
	pthread_t tid;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;
	struct timespec start, phase_start;
	double phase_s[PROGRESS_NPHASES];
	uint64_t phase_bytes0;
} g = { .lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER };

static double since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) +
	       (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static const char *phase_name(int ph)
{
	static const char *const names[] = {
		[PROGRESS_IDLE] = "starting", [PROGRESS_READ] = "reading layers",
		[PROGRESS_SCRIPT] = "applying the script",
		[PROGRESS_WRITE] = "writing",
	};

	return ph >= 0 && ph < PROGRESS_NPHASES ? names[ph] : "";
}

/* The progress line of the moment into buf. */
static void format_line(char *buf, size_t size)
{
	int ph = atomic_load(&g.p.phase);
	double t = since(&g.phase_start);
	uint64_t b, n;
	char x[32], y[32], r[32];
	int len;

	if (ph == PROGRESS_READ) {
		b = atomic_load(&g.p.in_bytes);
		n = atomic_load(&g.p.in_entries);
		len = snprintf(buf, size, "overtar: reading layer %u/%u  %s",
			       atomic_load(&g.p.layers_done) + 1 > g.p.nlayers ?
			       g.p.nlayers : atomic_load(&g.p.layers_done) + 1,
			       g.p.nlayers, show_si_bytes(b, x));
		if (g.p.in_total)
			len += snprintf(buf + len, size - (size_t)len, " of %s",
					show_si_bytes(g.p.in_total, y));
	} else if (ph == PROGRESS_WRITE) {
		b = atomic_load(&g.p.out_bytes);
		n = atomic_load(&g.p.out_entries);
		len = snprintf(buf, size, "overtar: writing  %s",
			       show_si_bytes(b, x));
	} else {
		snprintf(buf, size, "overtar: %s", phase_name(ph));
		return;
	}
	len += snprintf(buf + len, size - (size_t)len, "  %llu entries",
			(unsigned long long)n);
	if (t > 0.05 && b > g.phase_bytes0) {
		double rate = (double)(b - g.phase_bytes0) / t;

		len += snprintf(buf + len, size - (size_t)len, "  %s/s",
				show_si_bytes((uint64_t)rate, r));
		if (ph == PROGRESS_READ && g.p.in_total > b && rate > 0)
			snprintf(buf + len, size - (size_t)len, "  ETA %.0fs",
				 (double)(g.p.in_total - b) / rate + 0.5);
	}
}

/* Draws the line, cut to the terminal's width so it never wraps. */
static void draw(void)
{
	struct winsize ws;
	char line[256];
	size_t cols = 80;

	if (!ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) && ws.ws_col > 1)
		cols = ws.ws_col;
	format_line(line, sizeof(line));
	if (strlen(line) >= cols)
		line[cols - 1] = '\0';
	fprintf(stderr, "\r%s\033[K", line);
	fflush(stderr);
	g.drawn = true;
}

static void *drawer(void *arg)
{
	struct timespec next;

	pthread_mutex_lock(&g.lock);
	while (!g.stop) {
		if (atomic_load(&g.p.phase) != PROGRESS_IDLE)
			draw();
		clock_gettime(CLOCK_REALTIME, &next);
		next.tv_nsec += REDRAW_NS;
		if (next.tv_nsec >= 1000000000L) {
			next.tv_sec++;
			next.tv_nsec -= 1000000000L;
		}
		while (!g.stop &&
		       pthread_cond_timedwait(&g.wake, &g.lock, &next) != ETIMEDOUT)
			;
	}
	if (g.drawn)
		fputs("\r\033[K", stderr);	/* erased: nothing stays */
	fflush(stderr);
	pthread_mutex_unlock(&g.lock);
	return arg;
}

static void summary(void);

struct progress *cmd_progress_start(const struct cmd_layer_opts *lo)
{
	if (g.on)
		return &g.p;
	g.quiet = lo->quiet;
	g.verbose = lo->verbose;
	g.draw = !lo->quiet && (lo->progress || isatty(STDERR_FILENO));
	g.on = g.draw || g.verbose;
	if (!g.on)
		return NULL;
	clock_gettime(CLOCK_MONOTONIC, &g.start);
	g.phase_start = g.start;
	atexit(cmd_progress_stop);
	if (g.verbose)
		atexit(summary);	/* runs first: atexit's order */
	if (g.draw && !pthread_create(&g.tid, NULL, drawer, NULL))
		g.running = true;
	return &g.p;
}

struct progress *cmd_progress(void)
{
	return g.on ? &g.p : NULL;
}

void cmd_progress_phase(int phase)
{
	int old;

	if (!g.on)
		return;
	pthread_mutex_lock(&g.lock);
	old = atomic_exchange(&g.p.phase, phase);
	if (old >= 0 && old < PROGRESS_NPHASES)
		g.phase_s[old] += since(&g.phase_start);
	clock_gettime(CLOCK_MONOTONIC, &g.phase_start);
	g.phase_bytes0 = phase == PROGRESS_WRITE ? atomic_load(&g.p.out_bytes)
						 : atomic_load(&g.p.in_bytes);
	if (g.running && !g.stop && phase != PROGRESS_IDLE)
		draw();		/* the new phase shows at once */
	pthread_mutex_unlock(&g.lock);
}

void cmd_progress_stop(void)
{
	if (!g.running)
		return;
	pthread_mutex_lock(&g.lock);
	g.stop = true;
	pthread_cond_signal(&g.wake);
	pthread_mutex_unlock(&g.lock);
	pthread_join(g.tid, NULL);
	g.running = false;
}

bool cmd_quiet(void)
{
	return g.quiet;
}

/* -v: entries and bytes in and out, time per phase, peak memory. */
static void summary(void)
{
	struct rusage ru;
	char line[512];
	int len;

	cmd_progress_stop();
	cmd_progress_phase(PROGRESS_IDLE);
	getrusage(RUSAGE_SELF, &ru);
	fprintf(stderr, "overtar: read %u layers: %llu entries, %llu bytes; "
		"wrote %llu entries, %llu bytes\n", g.p.nlayers,
		(unsigned long long)atomic_load(&g.p.in_entries),
		(unsigned long long)atomic_load(&g.p.in_bytes),
		(unsigned long long)atomic_load(&g.p.out_entries),
		(unsigned long long)atomic_load(&g.p.out_bytes));
	len = snprintf(line, sizeof(line), "overtar: time:");
	for (int ph = PROGRESS_READ; ph < PROGRESS_NPHASES; ph++)
		if (g.phase_s[ph] > 0)
			len += snprintf(line + len, sizeof(line) - (size_t)len,
					" %s %.2f s,", phase_name(ph),
					g.phase_s[ph]);
	fprintf(stderr, "%s total %.2f s; peak memory %.1f MiB\n", line,
		since(&g.start), (double)ru.ru_maxrss / 1024.0);
}

static int count_write(struct entry_writer *w, const struct entry *ent,
		       struct err *e)
{
	struct cmd_counter *c = (struct cmd_counter *)w;

	progress_add(&g.p, out_entries, 1);
	if (ent->type == ENTRY_FILE && ent->data)
		progress_add(&g.p, out_bytes, ent->data->size);
	return entry_write(c->next, ent, e);
}

static int count_finish(struct entry_writer *w, struct err *e)
{
	return entry_finish(((struct cmd_counter *)w)->next, e);
}

static const struct entry_writer_ops count_ops = {
	.write = count_write,
	.finish = count_finish,
};

void cmd_progress_count(struct cmd_output *out)
{
	if (!g.on || !out->w)
		return;
	out->counter.w.ops = &count_ops;
	out->counter.next = out->w;
	out->w = &out->counter.w;
}

void cmd_verbose_note(const char *fmt, ...)
{
	va_list ap;

	if (!g.verbose || g.quiet)
		return;
	pthread_mutex_lock(&g.lock);
	if (g.drawn)
		fputs("\r\033[K", stderr);	/* the line is redrawn later */
	fputs("overtar: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	pthread_mutex_unlock(&g.lock);
}
