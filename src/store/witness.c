/* witness: the log's head outside the store; see witness.h. */
#include "store/witness.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/i18n.h"
#include "util/xalloc.h"

/* "SEQ HEX\n": at most 20 digits, a space, 64 hex digits, a newline. */
#define LINE_MAX_LEN (20 + 1 + 2 * STORE_HASH_BYTES + 1)

struct witness {
    int fd;
    char *path;
};

enum bk_status witness_open(const char *path, bool create, struct witness **out,
                            struct bk_err *err)
{
    *out = NULL;
    int flags = O_WRONLY | O_APPEND | O_CLOEXEC | (create ? O_CREAT : 0);
    int fd = open(path, flags, 0600);
    if (fd < 0) {
        if (errno == ENOENT && !create)
            return BK_OK;
        return bk_err_set(err, errno == ENOSPC ? BK_ERR_FULL : BK_ERR_IO, path, 0, NULL,
                          _("the store's witness cannot be opened (%s): make it writable by the "
                            "user running badgekiosk"),
                          i18n_strerror(errno));
    }
    struct witness *w = xcalloc(1, sizeof *w);
    w->fd = fd;
    w->path = xstrdup(path);
    *out = w;
    return BK_OK;
}

void witness_close(struct witness *w)
{
    if (!w)
        return;
    close(w->fd);
    free(w->path);
    free(w);
}

enum bk_status witness_append(struct witness *w, int64_t seq,
                              const unsigned char hash[STORE_HASH_BYTES], struct bk_err *err)
{
    char hex[2 * STORE_HASH_BYTES + 1];
    sodium_bin2hex(hex, sizeof hex, hash, STORE_HASH_BYTES);
    char line[LINE_MAX_LEN + 1];
    int n = snprintf(line, sizeof line, "%lld %s\n", (long long)seq, hex);
    /* One write: with O_APPEND, lines from several processes never mix. */
    ssize_t done;
    do
        done = write(w->fd, line, (size_t)n);
    while (done < 0 && errno == EINTR);
    if (done != n || fsync(w->fd) != 0) {
        int e = done < 0 || done == n ? errno : ENOSPC;
        return bk_err_set(err, e == ENOSPC ? BK_ERR_FULL : BK_ERR_IO, w->path, 0, NULL,
                          _("the store's witness cannot be written: %s"), i18n_strerror(e));
    }
    return BK_OK;
}

static int by_seq(const void *x, const void *y)
{
    const struct witness_entry *a = x, *b = y;
    if (a->seq != b->seq)
        return a->seq < b->seq ? -1 : 1;
    return (a->line > b->line) - (a->line < b->line);
}

/* Reads "SEQ HEX" (the newline already taken off) into e. */
static bool parse_line(const char *s, struct witness_entry *e)
{
    char *end;
    errno = 0;
    long long seq = strtoll(s, &end, 10);
    if (errno || end == s || seq < 1 || *end != ' ')
        return false;
    const char *hex = end + 1;
    size_t bin_len = 0;
    const char *hex_end = NULL;
    if (strlen(hex) != 2 * STORE_HASH_BYTES ||
        sodium_hex2bin(e->hash, STORE_HASH_BYTES, hex, strlen(hex), NULL, &bin_len, &hex_end) != 0 ||
        bin_len != STORE_HASH_BYTES || *hex_end)
        return false;
    e->seq = seq;
    return true;
}

enum bk_status witness_read(const char *path, struct witness_entry **out, size_t *n,
                            struct bk_err *err)
{
    *out = NULL;
    *n = 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return bk_err_set(err, errno == ENOENT ? BK_ERR_NOT_FOUND : BK_ERR_IO, path, 0, NULL,
                          _("the store's witness cannot be read: %s"), i18n_strerror(errno));
    struct witness_entry *all = NULL;
    size_t count = 0, cap = 0;
    char line[LINE_MAX_LEN + 2];
    long lineno = 0;
    enum bk_status st = BK_OK;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        size_t len = strlen(line);
        if (len == 0 || line[len - 1] != '\n') {
            /* The last line cut short by a power cut is no entry; a line
             * too long for a witness line is something else. */
            if (len == sizeof line - 1 || fgetc(f) != EOF)
                st = bk_err_set(err, BK_ERR_INVALID, path, lineno, NULL,
                                _("not a witness line: the witness was changed outside "
                                  "badgekiosk"));
            break;
        }
        line[len - 1] = '\0';
        if (count == cap) {
            cap = cap ? 2 * cap : 1024;
            all = xrealloc(all, cap * sizeof *all);
        }
        if (!parse_line(line, &all[count])) {
            st = bk_err_set(err, BK_ERR_INVALID, path, lineno, NULL,
                            _("not a witness line: the witness was changed outside badgekiosk"));
            break;
        }
        all[count++].line = lineno;
    }
    if (st == BK_OK && ferror(f))
        st = bk_err_set(err, BK_ERR_IO, path, 0, NULL, _("the store's witness cannot be read"));
    fclose(f);
    if (st != BK_OK) {
        free(all);
        return st;
    }
    if (count)
        qsort(all, count, sizeof *all, by_seq);
    *out = all;
    *n = count;
    return BK_OK;
}
