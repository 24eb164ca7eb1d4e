/* csv: reading and writing comma-separated files (RFC 4180).
 *
 * The reader streams a file in blocks and hands back one record at a time
 * with the physical line where it starts, so a roster of any length is read
 * in constant memory apart from the record at hand, and every problem can
 * name its line. It accepts what registration systems and spreadsheets
 * write: UTF-8 with or without a byte-order mark (skipped), CRLF or LF line
 * ends, quoted fields holding commas, doubled quotes and line breaks.
 *
 * Spreadsheets re-save exports in other encodings and with other
 * separators. A UTF-16 (LE or BE) or UTF-8 byte-order mark is always obeyed;
 * a file without one is read in the encoding the opener names (iconv, e.g.
 * "windows-1252"), else as UTF-8. Whatever the file's encoding, the records
 * handed out are UTF-8 (transcoded ones are valid UTF-8; a file read as
 * UTF-8 is passed through unchecked, see below). A byte the encoding does
 * not allow rejects the file with its line and its offset in the file. The
 * separator is a comma, a semicolon or a tab, or sniffed from the first line.
 *
 * Whole-file errors (the file is rejected, not a row): a field longer than
 * CSV_FIELD_MAX bytes, a record with more than CSV_FIELDS_MAX fields, a
 * quote left open at the end of the file, text between a closing quote and
 * the next separator ("ab"c), and a NUL byte (the file is not text).
 *
 * Lenient on purpose: a quote inside an unquoted field (5" screen) is kept
 * as a literal character, as spreadsheets do. The reader does not check
 * UTF-8; the caller decides what to do with invalid text per field. */
#ifndef BK_CSV_H
#define BK_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "util/err.h"

#define CSV_FIELD_MAX (1024 * 1024) /* bytes in one field */
#define CSV_FIELDS_MAX 256          /* fields in one record */

struct csv_reader;

/* One record. fields[i] is NUL-terminated (the file has no NUL bytes, so
 * the string is the whole field) and lengths[i] is its length in bytes.
 * Quoted fields are unquoted; a CRLF inside quotes becomes LF, a lone CR
 * inside quotes is kept. A blank line is one empty field. */
struct csv_record {
    char **fields;
    size_t *lengths;
    long long *offsets; /* where each field's bytes start in the file (quotes not
                           counted), or -1 when empty or when the file is transcoded */
    size_t n_fields;
    long line; /* physical line (1-based) where the record starts */
};

/* How to read a file. A zeroed struct is a comma-separated UTF-8 file. */
struct csv_options {
    const char *encoding; /* the file's encoding when it has no byte-order mark, as iconv
                             names it; NULL, "" or "UTF-8": UTF-8 */
    char delimiter;       /* ',', ';' or '\t'; 0: sniffed from the first line */
};

/* Opens path for reading, as opt says (NULL: comma-separated UTF-8). On
 * success *out is a reader the caller frees with csv_close. On failure *out
 * is NULL and err names the file: BK_ERR_IO when it cannot be opened,
 * BK_ERR_INVALID for an unknown encoding or separator. */
enum bk_status csv_open_with(const char *path, const struct csv_options *opt,
                             struct csv_reader **out, struct bk_err *err);

/* csv_open_with with no options: comma-separated UTF-8. */
enum bk_status csv_open(const char *path, struct csv_reader **out, struct bk_err *err);

/* True when iconv can read encoding into UTF-8 (NULL and "" mean UTF-8). */
bool csv_encoding_known(const char *encoding);

/* The encoding being read ("UTF-8", "UTF-16LE", the opener's), known once
 * the first record was read; for messages. Lives as long as r. */
const char *csv_encoding(const struct csv_reader *r);

/* The separator in use: known once the first record was read. */
char csv_delimiter(const struct csv_reader *r);

/* Reads the next record. BK_OK with *rec pointing at the record, or with
 * *rec NULL at the end of the file. The record and its strings belong to the
 * reader and stay valid until the next csv_next or csv_close. Any other
 * status rejects the file: err names the file and line, and later calls
 * return the same status. */
enum bk_status csv_next(struct csv_reader *r, const struct csv_record **rec, struct bk_err *err);

/* Closes the file and frees the reader; NULL is allowed. */
void csv_close(struct csv_reader *r);

/* Writes one field to f, quoted when it holds a comma, a quote, CR or LF
 * (quotes doubled), without separator or line end.
 *
 * With neutralise, a value starting with '=', '+', '-', '@', tab or CR is
 * written with a leading apostrophe, so that a spreadsheet opening the
 * file shows it as text instead of running it as a formula (CSV or formula
 * injection: a name like =HYPERLINK(...) typed into a registration form).
 * Use it for files people open in spreadsheets; the cost is that values
 * such as "-5" or "+41 22 730 5111" gain a visible apostrophe. Do not use it
 * for files read back by programs.
 *
 * Returns BK_OK or BK_ERR_IO when f reports a write error. */
enum bk_status csv_write_field(FILE *f, const char *value, bool neutralise);

/* Writes n fields separated by commas and ended by CRLF (RFC 4180). */
enum bk_status csv_write_row(FILE *f, const char *const *values, size_t n, bool neutralise);

#endif
