/* err: errors as values.
 *
 * Functions that can fail return an enum bk_status and fill a struct bk_err
 * that the caller owns (it may pass NULL when it only wants the status). The
 * detail says where (file, line, field) and what, in words already translated,
 * so the top of the program decides how to show it but never has to guess
 * what went wrong. Nothing in the core prints. */
#ifndef BK_ERR_H
#define BK_ERR_H

#include <stdarg.h>
#include <stddef.h>

enum bk_status {
    BK_OK = 0,
    BK_ERR_IO,        /* a file could not be read or written */
    BK_ERR_PARSE,     /* input is not in the expected form */
    BK_ERR_CONFIG,    /* the configuration is wrong */
    BK_ERR_INVALID,   /* a value was rejected (bad signature, bad argument) */
    BK_ERR_NOT_FOUND, /* the thing asked for does not exist */
    BK_ERR_EXISTS,    /* refusing to overwrite */
    BK_ERR_STORE,     /* the attendance store failed */
    BK_ERR_FULL,      /* no space left on the device */
    BK_ERR_BUSY,      /* locked by another process for too long */
    BK_ERR_TOO_BIG,   /* over a size cap */
    BK_ERR_OFFLINE,   /* the shared store's server did not answer in time */
};

struct bk_err {
    enum bk_status status;
    char file[512];   /* "" when no file is involved */
    long line;        /* 0 when unknown */
    char field[128];  /* a column, key or option; "" when none */
    char msg[1024];   /* translated, complete sentence(s) */
};

/* Records an error in e (if e is not NULL) and returns status, so callers can
 * write `return bk_err_set(err, BK_ERR_IO, path, 0, NULL, _("..."), ...);`.
 * file and field may be NULL. The message is a printf format. The file,
 * field and message are kept escaped for showing (utf8_escape_new): they
 * quote values from files and codes, and are printed and logged as they
 * are, so control and bidi characters in a value cannot garble the line. */
enum bk_status bk_err_set(struct bk_err *e, enum bk_status status, const char *file, long line,
                          const char *field, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* bk_err_set with the message's arguments in a va_list, for helpers that
 * take a format of their own. */
enum bk_status bk_err_vset(struct bk_err *e, enum bk_status status, const char *file, long line,
                           const char *field, const char *fmt, va_list ap)
    __attribute__((format(printf, 6, 0)));

void bk_err_clear(struct bk_err *e);

/* "FILE:LINE: FIELD: MESSAGE" with the parts that are set; writes into buf
 * (size n) and returns buf. */
const char *bk_err_format(const struct bk_err *e, char *buf, size_t n);

/* The exit statuses of badgectl and badgekiosk, the same for both and
 * documented alike in their man pages (EXIT STATUS) and the README. */
enum bk_exit {
    BK_EXIT_DONE = 0,     /* done */
    BK_EXIT_PARTIAL = 1,  /* done in part: rows skipped, a check-in refused, nothing found */
    BK_EXIT_REJECTED = 2, /* the input was refused: an option, an argument, a file, the
                             configuration; nothing was changed */
    BK_EXIT_FAILED = 3,   /* the system failed: the store, the disk, a lock, a device */
};

/* The exit status for an error: BK_EXIT_REJECTED when what the user gave is
 * at fault (BK_ERR_PARSE, CONFIG, INVALID, NOT_FOUND, EXISTS, TOO_BIG), so
 * giving something else helps; BK_EXIT_FAILED when the machine is (BK_ERR_IO,
 * STORE, FULL, BUSY, OFFLINE), so trying again or fixing the system helps. BK_OK is
 * BK_EXIT_DONE. */
enum bk_exit bk_exit_status(enum bk_status status);

#endif
