/*
 * err: recording and formatting the error context (see err.h).
 */
#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/*
 * Copies len bytes of src into dst (size bytes, NUL-terminated); what is
 * too long loses its middle, not its end, which holds the reason or the
 * file name: "/very/lo...the/end".
 */
static void elide(char *dst, size_t size, const char *src, size_t len)
{
	size_t head, tail;

	if (len < size) {
		memcpy(dst, src, len);
		dst[len] = '\0';
		return;
	}
	head = (size - 4) / 3;
	tail = size - 4 - head;
	memcpy(dst, src, head);
	memcpy(dst + head, "...", 3);
	memcpy(dst + head + 3, src + len - tail, tail);
	dst[size - 1] = '\0';
}

void err_clear(struct err *e)
{
	memset(e, 0, sizeof(*e));
}

int err_set(struct err *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (!e || e->code)
		return code;
	e->code = code;
	if (fmt) {
		char tmp[16384];
		int n;

		va_start(ap, fmt);
		n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
		if (n >= 0)
			elide(e->msg, sizeof(e->msg), tmp,
			      (size_t)n < sizeof(tmp) ? (size_t)n
						      : sizeof(tmp) - 1);
		va_end(ap);
	}
	return code;
}

void err_file(struct err *e, const char *kind, const char *file)
{
	if (!e || e->file[0] || !file)
		return;
	snprintf(e->kind, sizeof(e->kind), "%s", kind ? kind : "");
	elide(e->file, sizeof(e->file), file, strlen(file));
}

void err_entry(struct err *e, const char *entry, size_t len)
{
	if (!e || e->entry[0] || !entry)
		return;
	elide(e->entry, sizeof(e->entry), entry, len);
}

char *err_format(const struct err *e, char *buf, size_t size)
{
	size_t n = 0;
	const char *detail = e->msg[0] ? e->msg : strerror(-e->code);

#define PUT(...)                                                        \
	do {                                                            \
		int r_ = snprintf(buf + n, n < size ? size - n : 0,     \
				  __VA_ARGS__);                         \
		if (r_ > 0)                                             \
			n += (size_t)r_;                                \
	} while (0)

	if (!size)
		return buf;
	buf[0] = '\0';
	if (e->file[0] && e->line)
		PUT("%s:%ld: ", e->file, e->line);
	else if (e->file[0] && e->kind[0])
		PUT("%s '%s': ", e->kind, e->file);
	else if (e->file[0])
		PUT("'%s': ", e->file);
	if (e->entry[0])
		PUT("entry '%s': ", e->entry);
	PUT("%s", detail);
#undef PUT
	return buf;
}
