/* csv: a streaming RFC 4180 reader and a writer that can defuse spreadsheet
 * formulas; see csv.h. */
#include "event/csv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/i18n.h"
#include "util/xalloc.h"

/* Large enough that a 100,000-row export takes a few hundred reads. */
#define CSV_BLOCK (64 * 1024)

enum csv_state {
    CSV_FIELD_START,  /* nothing of the current field read yet */
    CSV_UNQUOTED,     /* inside a field that did not start with a quote */
    CSV_QUOTED,       /* inside quotes */
    CSV_QUOTED_CR,    /* inside quotes, just after a CR */
    CSV_QUOTE_CLOSED, /* a quote inside quotes: either "" or the closing one */
};

struct csv_reader {
    FILE *f;
    char *path;
    unsigned char block[CSV_BLOCK];
    size_t pos, len;
    bool eof;
    bool first_block;      /* the BOM may only be at the very start */
    bool skip_lf;          /* the previous record ended with CR: an LF right after is part of it */
    long line;             /* current physical line */
    enum bk_status failed; /* sticky: once rejected, always rejected */
    struct bk_err failure;

    /* The record being built: all fields back to back, each NUL-terminated. */
    char *text;
    size_t text_len, text_cap;
    size_t *starts; /* offset of each field in text */
    size_t field_len;
    struct csv_record rec;
    char *fields_store[CSV_FIELDS_MAX];
    size_t lengths_store[CSV_FIELDS_MAX];
    size_t starts_store[CSV_FIELDS_MAX];
};

enum bk_status csv_open(const char *path, struct csv_reader **out, struct bk_err *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return bk_err_set(err, BK_ERR_IO, path, 0, NULL, _("cannot open the file: %s"),
                          i18n_strerror(errno));
    struct csv_reader *r = xcalloc(1, sizeof *r);
    r->f = f;
    r->path = xstrdup(path);
    r->first_block = true;
    r->line = 1;
    r->text_cap = 4096;
    r->text = xmalloc(r->text_cap);
    r->starts = r->starts_store;
    *out = r;
    return BK_OK;
}

void csv_close(struct csv_reader *r)
{
    if (!r)
        return;
    if (r->f)
        fclose(r->f);
    free(r->path);
    free(r->text);
    free(r);
}

static enum bk_status fail(struct csv_reader *r, struct bk_err *err, enum bk_status status,
                           long line, const char *msg)
{
    r->failed = status;
    bk_err_set(&r->failure, status, r->path, line, NULL, "%s", msg);
    if (err)
        *err = r->failure;
    return status;
}

/* Refills the block; false at the end of the file or on a read error (which
 * is recorded in r). */
static bool fill(struct csv_reader *r, struct bk_err *err)
{
    if (r->eof)
        return false;
    r->len = fread(r->block, 1, sizeof r->block, r->f);
    r->pos = 0;
    if (r->len < sizeof r->block) {
        if (ferror(r->f)) {
            fail(r, err, BK_ERR_IO, r->line, _("the file could not be read"));
            r->eof = true;
            return false;
        }
        r->eof = true;
    }
    if (r->first_block) {
        r->first_block = false;
        if (r->len >= 3 && memcmp(r->block, "\xEF\xBB\xBF", 3) == 0)
            r->pos = 3;
    }
    return r->pos < r->len;
}

static void text_reserve(struct csv_reader *r, size_t extra)
{
    if (r->text_len + extra <= r->text_cap)
        return;
    size_t cap = r->text_cap;
    while (cap < r->text_len + extra)
        cap *= 2;
    r->text = xrealloc(r->text, cap);
    r->text_cap = cap;
}

/* Appends n bytes to the current field, enforcing CSV_FIELD_MAX. */
static enum bk_status append(struct csv_reader *r, const unsigned char *s, size_t n, long rec_line,
                             struct bk_err *err)
{
    if (r->field_len + n > CSV_FIELD_MAX) {
        char msg[256];
        snprintf(msg, sizeof msg, _("a field is longer than %d bytes"), CSV_FIELD_MAX);
        return fail(r, err, BK_ERR_TOO_BIG, rec_line, msg);
    }
    text_reserve(r, n + 1);
    memcpy(r->text + r->text_len, s, n);
    r->text_len += n;
    r->field_len += n;
    return BK_OK;
}

static enum bk_status end_field(struct csv_reader *r, long rec_line, struct bk_err *err)
{
    if (r->rec.n_fields == CSV_FIELDS_MAX) {
        char msg[256];
        snprintf(msg, sizeof msg, _("a record has more than %d fields"), CSV_FIELDS_MAX);
        return fail(r, err, BK_ERR_TOO_BIG, rec_line, msg);
    }
    text_reserve(r, 1);
    r->text[r->text_len++] = '\0';
    r->lengths_store[r->rec.n_fields] = r->field_len;
    r->starts[r->rec.n_fields++] = r->text_len - r->field_len - 1;
    r->field_len = 0;
    return BK_OK;
}

/* Points the record's field array into text, once text no longer moves. */
static void finish_record(struct csv_reader *r)
{
    for (size_t i = 0; i < r->rec.n_fields; i++)
        r->fields_store[i] = r->text + r->starts[i];
    r->rec.fields = r->fields_store;
    r->rec.lengths = r->lengths_store;
}

/* Bytes copied as they are, in runs, outside and inside quotes. */
static bool is_field_byte(unsigned char c)
{
    return c != ',' && c != '"' && c != '\r' && c != '\n' && c != '\0';
}

static bool is_quoted_byte(unsigned char c)
{
    return c != '"' && c != '\r' && c != '\n' && c != '\0';
}

enum bk_status csv_next(struct csv_reader *r, const struct csv_record **rec, struct bk_err *err)
{
    *rec = NULL;
    if (r->failed) {
        if (err)
            *err = r->failure;
        return r->failed;
    }
    r->rec.n_fields = 0;
    r->text_len = 0;
    r->field_len = 0;
    enum csv_state st = CSV_FIELD_START;
    bool started = false; /* any byte of this record seen */
    long rec_line = r->line;
    long quote_line = 0;
    enum bk_status s;

    for (;;) {
        if (r->pos >= r->len && !fill(r, err)) {
            if (r->failed)
                return r->failed;
            break;
        }
        unsigned char c = r->block[r->pos];
        if (r->skip_lf) {
            r->skip_lf = false;
            if (c == '\n') {
                r->pos++;
                continue;
            }
        }
        if (c == '\0')
            return fail(r, err, BK_ERR_PARSE, r->line,
                        _("the file contains a NUL byte: it is not a CSV text file"));
        if (!started) {
            started = true;
            rec_line = r->line;
        }
        switch (st) {
        case CSV_FIELD_START:
            if (c == '"') {
                st = CSV_QUOTED;
                quote_line = r->line;
                r->pos++;
                continue;
            }
            /* Anything else starts an unquoted field. */
            st = CSV_UNQUOTED;
            /* fall through */
        case CSV_UNQUOTED: {
            /* The common case: copy a run of ordinary bytes at once. */
            size_t run = r->pos;
            while (run < r->len && (is_field_byte(r->block[run]) || r->block[run] == '"'))
                run++;
            if (run > r->pos) {
                if ((s = append(r, r->block + r->pos, run - r->pos, rec_line, err)))
                    return s;
                r->pos = run;
                continue;
            }
            r->pos++;
            if (c == ',') {
                if ((s = end_field(r, rec_line, err)))
                    return s;
                st = CSV_FIELD_START;
                continue;
            }
            /* CR or LF ends the record. */
            r->line++;
            r->skip_lf = c == '\r';
            if ((s = end_field(r, rec_line, err)))
                return s;
            finish_record(r);
            r->rec.line = rec_line;
            *rec = &r->rec;
            return BK_OK;
        }
        case CSV_QUOTED: {
            size_t run = r->pos;
            while (run < r->len && is_quoted_byte(r->block[run]))
                run++;
            if (run > r->pos) {
                if ((s = append(r, r->block + r->pos, run - r->pos, rec_line, err)))
                    return s;
                r->pos = run;
                continue;
            }
            r->pos++;
            if (c == '"') {
                st = CSV_QUOTE_CLOSED;
            } else if (c == '\r') {
                st = CSV_QUOTED_CR;
            } else { /* '\n' */
                r->line++;
                if ((s = append(r, &c, 1, rec_line, err)))
                    return s;
            }
            continue;
        }
        case CSV_QUOTED_CR:
            /* CRLF inside quotes is a line break and becomes LF; a lone CR
             * is data and is kept. */
            st = CSV_QUOTED;
            if (c == '\n')
                continue; /* handled as LF by CSV_QUOTED */
            if ((s = append(r, (const unsigned char *)"\r", 1, rec_line, err)))
                return s;
            continue;
        case CSV_QUOTE_CLOSED:
            if (c == '"') {
                r->pos++;
                if ((s = append(r, &c, 1, rec_line, err)))
                    return s;
                st = CSV_QUOTED;
                continue;
            }
            if (c == ',' || c == '\r' || c == '\n') {
                /* CSV_UNQUOTED ends the field or record on this byte. */
                st = CSV_UNQUOTED;
                continue;
            }
            return fail(r, err, BK_ERR_PARSE, r->line,
                        _("text after a closing quote: a quote inside a quoted field must be "
                          "doubled"));
        }
    }

    /* End of file. */
    if (st == CSV_QUOTED || st == CSV_QUOTED_CR) {
        char msg[256];
        snprintf(msg, sizeof msg, _("a quote opened on line %ld is never closed"), quote_line);
        return fail(r, err, BK_ERR_PARSE, quote_line, msg);
    }
    if (!started)
        return BK_OK; /* *rec stays NULL: no more records */
    if ((s = end_field(r, rec_line, err)))
        return s;
    finish_record(r);
    r->rec.line = rec_line;
    *rec = &r->rec;
    return BK_OK;
}

static bool needs_quotes(const char *v)
{
    return strpbrk(v, ",\"\r\n") != NULL;
}

enum bk_status csv_write_field(FILE *f, const char *value, bool neutralise)
{
    const char *v = value ? value : "";
    bool quote = needs_quotes(v);
    if (quote)
        fputc('"', f);
    if (neutralise && v[0] != '\0' && strchr("=+-@\t\r", v[0]))
        fputc('\'', f);
    for (const char *p = v; *p; p++) {
        if (*p == '"')
            fputc('"', f);
        fputc(*p, f);
    }
    if (quote)
        fputc('"', f);
    return ferror(f) ? BK_ERR_IO : BK_OK;
}

enum bk_status csv_write_row(FILE *f, const char *const *values, size_t n, bool neutralise)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputc(',', f);
        csv_write_field(f, values[i], neutralise);
    }
    fputs("\r\n", f);
    return ferror(f) ? BK_ERR_IO : BK_OK;
}
