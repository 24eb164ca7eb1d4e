/* err: the error detail that travels up to where the user-facing text is shown. */
#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/utf8.h"

/* Copies src into dst (size n) escaped for showing (utf8_escape_new): a
 * message often quotes a value from a file or a code, and is printed or
 * logged whole. Cut at a character boundary when too long. */
static void set_shown(char *dst, size_t n, const char *src)
{
    char *shown = utf8_escape_new(src, strlen(src));
    size_t len = utf8_cut(shown, strlen(shown), n - 1);
    memcpy(dst, shown, len);
    dst[len] = '\0';
    free(shown);
}

enum bk_status bk_err_vset(struct bk_err *e, enum bk_status status, const char *file, long line,
                           const char *field, const char *fmt, va_list ap)
{
    if (!e)
        return status;
    e->status = status;
    set_shown(e->file, sizeof e->file, file ? file : "");
    e->line = line;
    set_shown(e->field, sizeof e->field, field ? field : "");
    char msg[sizeof e->msg];
    vsnprintf(msg, sizeof msg, fmt, ap);
    set_shown(e->msg, sizeof e->msg, msg);
    return status;
}

enum bk_status bk_err_set(struct bk_err *e, enum bk_status status, const char *file, long line,
                          const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    bk_err_vset(e, status, file, line, field, fmt, ap);
    va_end(ap);
    return status;
}

void bk_err_clear(struct bk_err *e)
{
    if (e)
        memset(e, 0, sizeof *e);
}

const char *bk_err_format(const struct bk_err *e, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    if (e->file[0])
        used += (size_t)snprintf(buf + used, n - used, "%s:", e->file);
    if (used < n && e->line > 0)
        used += (size_t)snprintf(buf + used, n - used, "%ld:", e->line);
    if (used < n && e->field[0])
        used += (size_t)snprintf(buf + used, n - used, "%s%s:", used ? " " : "", e->field);
    if (used < n)
        snprintf(buf + used, n - used, "%s%s", used ? " " : "", e->msg);
    return buf;
}

enum bk_exit bk_exit_status(enum bk_status status)
{
    /* No default: a new status does not compile (-Wswitch) until it is
     * given its exit status here. */
    switch (status) {
    case BK_OK:
        return BK_EXIT_DONE;
    case BK_ERR_PARSE:
    case BK_ERR_CONFIG:
    case BK_ERR_INVALID:
    case BK_ERR_NOT_FOUND:
    case BK_ERR_EXISTS:
    case BK_ERR_TOO_BIG:
        return BK_EXIT_REJECTED;
    case BK_ERR_IO:
    case BK_ERR_STORE:
    case BK_ERR_FULL:
    case BK_ERR_BUSY:
    case BK_ERR_OFFLINE:
        return BK_EXIT_FAILED;
    }
    return BK_EXIT_FAILED; /* a value outside the enum */
}
