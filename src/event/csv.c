/* csv: a streaming RFC 4180 reader and a writer that can defuse spreadsheet
 * formulas; see csv.h. */
#include "event/csv.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

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
    unsigned char block[CSV_BLOCK]; /* UTF-8 (or the file's bytes, unchecked) for the parser */
    size_t pos, len;
    bool eof;
    bool first_block;      /* the BOM may only be at the very start */
    unsigned char delim;   /* ',', ';' or tab; 0 until sniffed from the first line */
    long long block_offset; /* file offset of block[0] when not transcoding */

    /* Transcoding: the file's own bytes, turned into UTF-8 by iconv as they
     * are read, so the parser below never sees anything else. */
    char *encoding;      /* what the opener asked for when there is no BOM; NULL: UTF-8 */
    iconv_t cd;          /* (iconv_t)-1 when the file is read as it is */
    char encoding_name[32]; /* the encoding in use, for messages */
    unsigned char raw[CSV_BLOCK];
    size_t raw_pos, raw_len;
    bool raw_eof;
    long long raw_offset;  /* file offset of raw[0] */
    long decoded_lines;    /* line breaks in the UTF-8 handed out so far */
    bool skip_lf;          /* the previous record ended with CR: an LF right after is part of it */
    long line;             /* current physical line */
    enum bk_status failed; /* sticky: once rejected, always rejected */
    struct bk_err failure;

    /* The record being built: all fields back to back, each NUL-terminated. */
    char *text;
    size_t text_len, text_cap;
    size_t *starts; /* offset of each field in text */
    size_t field_len;
    long long field_offset; /* file offset where the current field's bytes start, or -1 */
    struct csv_record rec;
    char *fields_store[CSV_FIELDS_MAX];
    size_t lengths_store[CSV_FIELDS_MAX];
    size_t starts_store[CSV_FIELDS_MAX];
    long long offsets_store[CSV_FIELDS_MAX];
};

/* True for the names that mean "no transcoding": the file is UTF-8. */
static bool is_utf8_name(const char *enc)
{
    return !enc || !enc[0] || strcasecmp(enc, "UTF-8") == 0 || strcasecmp(enc, "UTF8") == 0;
}

bool csv_encoding_known(const char *encoding)
{
    if (is_utf8_name(encoding))
        return true;
    iconv_t cd = iconv_open("UTF-8", encoding);
    if (cd == (iconv_t)-1)
        return false;
    iconv_close(cd);
    return true;
}

enum bk_status csv_open_with(const char *path, const struct csv_options *opt,
                             struct csv_reader **out, struct bk_err *err)
{
    *out = NULL;
    char delim = opt ? opt->delimiter : ',';
    if (delim != 0 && delim != ',' && delim != ';' && delim != '\t')
        return bk_err_set(err, BK_ERR_INVALID, path, 0, NULL,
                          _("the separator must be a comma, a semicolon or a tab"));
    if (opt && !csv_encoding_known(opt->encoding))
        return bk_err_set(err, BK_ERR_INVALID, path, 0, NULL,
                          _("'%s' is not an encoding this system knows (see iconv -l)"),
                          opt->encoding);
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return bk_err_set(err, BK_ERR_INVALID, path, 0, NULL,
                          _("is a folder, not a CSV file: give the export file"));
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
    r->delim = (unsigned char)delim;
    r->cd = (iconv_t)-1;
    r->encoding = opt && !is_utf8_name(opt->encoding) ? xstrdup(opt->encoding) : NULL;
    snprintf(r->encoding_name, sizeof r->encoding_name, "UTF-8");
    *out = r;
    return BK_OK;
}

enum bk_status csv_open(const char *path, struct csv_reader **out, struct bk_err *err)
{
    return csv_open_with(path, NULL, out, err);
}

void csv_close(struct csv_reader *r)
{
    if (!r)
        return;
    if (r->f)
        fclose(r->f);
    if (r->cd != (iconv_t)-1)
        iconv_close(r->cd);
    free(r->encoding);
    free(r->path);
    free(r->text);
    free(r);
}

const char *csv_encoding(const struct csv_reader *r)
{
    return r->encoding_name;
}

char csv_delimiter(const struct csv_reader *r)
{
    return (char)(r->delim ? r->delim : ',');
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

/* Reads more of the file into raw (after what is left of it); false on a
 * read error, recorded in r. */
static bool read_raw(struct csv_reader *r, struct bk_err *err)
{
    if (r->raw_pos > 0) {
        r->raw_offset += (long long)r->raw_pos;
        memmove(r->raw, r->raw + r->raw_pos, r->raw_len - r->raw_pos);
        r->raw_len -= r->raw_pos;
        r->raw_pos = 0;
    }
    size_t n = fread(r->raw + r->raw_len, 1, sizeof r->raw - r->raw_len, r->f);
    r->raw_len += n;
    if (r->raw_len < sizeof r->raw) {
        if (ferror(r->f)) {
            fail(r, err, BK_ERR_IO, r->line, _("the file could not be read"));
            return false;
        }
        r->raw_eof = true;
    }
    return true;
}

/* Looks at the start of the file: a byte-order mark says UTF-8 or UTF-16 and
 * wins over what the opener asked for (it cannot be wrong); otherwise the
 * opener's encoding is used, or none (UTF-8, passed through unchecked).
 * False when iconv cannot be set up (recorded in r). */
static bool choose_encoding(struct csv_reader *r, struct bk_err *err)
{
    const char *enc = r->encoding;
    if (r->raw_len >= 3 && memcmp(r->raw, "\xEF\xBB\xBF", 3) == 0) {
        r->raw_pos = 3;
        enc = NULL;
    } else if (r->raw_len >= 2 && memcmp(r->raw, "\xFF\xFE", 2) == 0) {
        r->raw_pos = 2;
        enc = "UTF-16LE";
    } else if (r->raw_len >= 2 && memcmp(r->raw, "\xFE\xFF", 2) == 0) {
        r->raw_pos = 2;
        enc = "UTF-16BE";
    }
    if (is_utf8_name(enc))
        return true;
    snprintf(r->encoding_name, sizeof r->encoding_name, "%s", enc);
    r->cd = iconv_open("UTF-8", enc);
    if (r->cd == (iconv_t)-1) {
        char msg[256];
        snprintf(msg, sizeof msg, _("'%s' is not an encoding this system knows (see iconv -l)"),
                 enc);
        fail(r, err, BK_ERR_INVALID, 0, msg);
        return false;
    }
    return true;
}

static long count_lf(const unsigned char *s, size_t n)
{
    long lines = 0;
    for (const unsigned char *p = s; (p = memchr(p, '\n', (size_t)(s + n - p))); p++)
        lines++;
    return lines;
}

/* Fills block with the next UTF-8 made from raw. An undecodable byte
 * rejects the file, naming the line it is on and its offset in the file,
 * so the organiser can find it in a hex editor or fix the setting. */
static bool transcode(struct csv_reader *r, struct bk_err *err)
{
    r->pos = 0;
    r->len = 0;
    while (r->len == 0) {
        if (r->raw_pos == r->raw_len || (!r->raw_eof && r->raw_len - r->raw_pos < 8)) {
            if (!read_raw(r, err))
                return false;
        }
        if (r->raw_pos == r->raw_len) {
            r->eof = true;
            return false;
        }
        char *in = (char *)r->raw + r->raw_pos, *outp = (char *)r->block;
        size_t in_left = r->raw_len - r->raw_pos, out_left = sizeof r->block;
        size_t rc = iconv(r->cd, &in, &in_left, &outp, &out_left);
        int e = errno;
        size_t made = sizeof r->block - out_left;
        r->raw_pos = (size_t)((unsigned char *)in - r->raw);
        r->len = made;
        long lines_before = r->decoded_lines;
        r->decoded_lines += count_lf(r->block, made);
        if (rc != (size_t)-1 || e == E2BIG)
            continue;
        if (e == EINVAL && !r->raw_eof && made == 0) {
            /* A character cut by the end of raw: read more and go on. */
            if (!read_raw(r, err))
                return false;
            continue;
        }
        if (made > 0)
            return true; /* hand out what came before; the error comes next time */
        (void)lines_before;
        char msg[512];
        long long at = r->raw_offset + (long long)r->raw_pos;
        if (e == EINVAL)
            snprintf(msg, sizeof msg,
                     _("the file ends in the middle of a %s character (at offset %lld)"),
                     r->encoding_name, at);
        else
            snprintf(msg, sizeof msg,
                     _("the byte at offset %lld of the file (0x%02X) is not valid %s text: set [roster] "
                       "encoding to the export's encoding, or save it again as UTF-8"),
                     at, r->raw[r->raw_pos], r->encoding_name);
        fail(r, err, BK_ERR_PARSE, 1 + r->decoded_lines, msg);
        r->eof = true;
        return false;
    }
    return true;
}

/* Refills the block; false at the end of the file or on an error (which
 * is recorded in r). */
static bool fill(struct csv_reader *r, struct bk_err *err)
{
    if (r->eof || r->failed)
        return false;
    if (r->first_block) {
        r->first_block = false;
        if (!read_raw(r, err) || !choose_encoding(r, err)) {
            r->eof = true;
            return false;
        }
        if (r->cd == (iconv_t)-1) {
            /* Read as it is: raw becomes the first block. */
            size_t skip = r->raw_pos;
            memcpy(r->block, r->raw + skip, r->raw_len - skip);
            r->len = r->raw_len - skip;
            r->pos = 0;
            r->block_offset = (long long)skip;
            r->eof = r->raw_eof;
            r->raw_len = r->raw_pos = 0;
            return r->len > 0;
        }
    }
    if (r->cd != (iconv_t)-1)
        return transcode(r, err);
    r->block_offset += (long long)r->len;
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
    return r->pos < r->len;
}

/* The separator of the header line, when the opener left it to us: the
 * one of comma, semicolon and tab found most often outside quotes on the
 * first line (a comma on a tie, or when there is none: one column). */
static void sniff_delimiter(struct csv_reader *r)
{
    size_t n[3] = {0, 0, 0};
    bool quoted = false;
    for (size_t i = r->pos; i < r->len; i++) {
        unsigned char c = r->block[i];
        if (c == '"')
            quoted = !quoted;
        else if (!quoted && (c == '\n' || c == '\r'))
            break;
        else if (!quoted)
            n[0] += c == ',', n[1] += c == ';', n[2] += c == '\t';
    }
    r->delim = n[1] > n[0] && n[1] >= n[2] ? ';' : n[2] > n[0] && n[2] > n[1] ? '\t' : ',';
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
    r->offsets_store[r->rec.n_fields] = r->field_len ? r->field_offset : -1;
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
    r->rec.offsets = r->offsets_store;
}

/* Bytes copied as they are, in runs, outside and inside quotes. */
static bool is_field_byte(unsigned char c, unsigned char delim)
{
    return c != delim && c != '"' && c != '\r' && c != '\n' && c != '\0';
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
        if (!r->delim)
            sniff_delimiter(r);
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
                        _("the file contains a NUL byte: it is not a CSV text file (if it is "
                          "UTF-16 without a byte-order mark, set [roster] encoding = UTF-16LE)"));
        if (!started) {
            started = true;
            rec_line = r->line;
        }
        switch (st) {
        case CSV_FIELD_START:
            r->field_offset = r->cd == (iconv_t)-1
                                  ? r->block_offset + (long long)r->pos + (c == '"')
                                  : -1;
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
            while (run < r->len &&
                   (is_field_byte(r->block[run], r->delim) || r->block[run] == '"'))
                run++;
            if (run > r->pos) {
                if ((s = append(r, r->block + r->pos, run - r->pos, rec_line, err)))
                    return s;
                r->pos = run;
                continue;
            }
            r->pos++;
            if (c == r->delim) {
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
            if (c == r->delim || c == '\r' || c == '\n') {
                /* CSV_UNQUOTED ends the field or record on this byte. */
                st = CSV_UNQUOTED;
                continue;
            }
            if (quote_line != r->line) {
                /* The quote that opened this field many lines ago was never
                 * closed: what looks like its closing quote is the next
                 * field's opening one. Name where the trouble starts. */
                char msg[512];
                snprintf(msg, sizeof msg,
                         _("a quote opened on line %ld runs on to line %ld, where text "
                           "follows a quote: the quote on line %ld was probably never closed; "
                           "close it, or double a quote that is part of the text"),
                         quote_line, r->line, quote_line);
                return fail(r, err, BK_ERR_PARSE, quote_line, msg);
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
