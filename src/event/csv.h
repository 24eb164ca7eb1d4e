/* csv: reading and writing comma-separated files (RFC 4180).
 *
 * The reader streams a file in blocks and hands back one record at a time
 * with the physical line where it starts, so a roster of any length is read
 * in constant memory apart from the record at hand, and every problem can
 * name its line. It accepts what registration systems and spreadsheets
 * write: UTF-8 with or without a byte-order mark (skipped), CRLF or LF line
 * ends, quoted fields holding commas, doubled quotes and line breaks.
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
    size_t n_fields;
    long line; /* physical line (1-based) where the record starts */
};

/* Opens path for reading. On success *out is a reader the caller frees with
 * csv_close. On failure *out is NULL and err names the file. */
enum bk_status csv_open(const char *path, struct csv_reader **out, struct bk_err *err);

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
