/* xalloc: allocation that never returns NULL.
 *
 * Out of memory is the one error badgekiosk does not return: there is nothing
 * sensible a kiosk can do without memory, so these abort with a message.
 * Every other failure is returned to the caller (see err.h). */
#ifndef BK_XALLOC_H
#define BK_XALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
/* Like realloc, but aborts on failure; n == 0 frees and returns NULL. */
void *xrealloc(void *p, size_t n);
/* Copies of s; NULL gives NULL. */
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* A newly allocated formatted string; the caller frees it. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same from a va_list (a logger's); ap is used up. */
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

#endif
