/* Unit tests for csv: the RFC 4180 reader on good and hostile files, and the
 * writer's quoting and formula neutralising. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "event/csv.h"
#include "util/utf8.h"
#include "testutil.h"

struct fixture {
    char *dir;
    char *path; /* dir/in.csv, the file each test writes and reads */
};

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    fx->dir = tu_tempdir_new("csv");
    fx->path = tu_path_new(fx->dir, "in.csv");
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    tu_tempdir_free(fx->dir);
    free(fx->path);
    free(fx);
    return 0;
}

/* Reads every record of the fixture file into a flat description:
 * "line:field|field\n" per record, so expectations are one string. On a
 * file error returns NULL and fills *err. */
static char *read_all_with(const struct fixture *fx, const struct csv_options *opt,
                           struct bk_err *err, enum bk_status *status)
{
    struct csv_reader *r;
    *status = csv_open_with(fx->path, opt, &r, err);
    if (*status)
        return NULL;
    size_t cap = 1024, len = 0;
    char *out = malloc(cap);
    out[0] = '\0';
    const struct csv_record *rec;
    while ((*status = csv_next(r, &rec, err)) == BK_OK && rec) {
        char head[32];
        int hl = snprintf(head, sizeof head, "%ld:", rec->line);
        size_t need = len + (size_t)hl + 2;
        for (size_t i = 0; i < rec->n_fields; i++)
            need += rec->lengths[i] + 1;
        if (need > cap) {
            cap = need * 2;
            out = realloc(out, cap);
        }
        memcpy(out + len, head, (size_t)hl);
        len += (size_t)hl;
        for (size_t i = 0; i < rec->n_fields; i++) {
            assert_int_equal(strlen(rec->fields[i]), rec->lengths[i]);
            if (i)
                out[len++] = '|';
            memcpy(out + len, rec->fields[i], rec->lengths[i]);
            len += rec->lengths[i];
        }
        out[len++] = '\n';
        out[len] = '\0';
    }
    csv_close(r);
    if (*status) {
        free(out);
        return NULL;
    }
    return out;
}

static char *read_all(const struct fixture *fx, struct bk_err *err, enum bk_status *status)
{
    return read_all_with(fx, NULL, err, status);
}

struct read_case {
    const char *name;
    const char *input;
    const char *want;
};

static void check_reads(void **state, const struct read_case *cases, size_t n)
{
    struct fixture *fx = *state;
    for (size_t i = 0; i < n; i++) {
        tu_write_text(fx->path, cases[i].input);
        struct bk_err err = {0};
        enum bk_status st;
        char *got = read_all(fx, &err, &st);
        if (!got) {
            print_error("%s: rejected: %s\n", cases[i].name, err.msg);
            fail();
        }
        int same = strcmp(got, cases[i].want) == 0;
        if (!same)
            print_error("%s: got\n%s\nwant\n%s\n", cases[i].name, got, cases[i].want);
        free(got);
        if (!same)
            fail();
    }
}

static void test_plain_records_split_on_commas(void **state)
{
    static const struct read_case cases[] = {
        {"LF", "a,b,c\n1,2,3\n", "1:a|b|c\n2:1|2|3\n"},
        {"no final newline", "a,b\n1,2", "1:a|b\n2:1|2\n"},
        {"empty fields", ",,\n", "1:||\n"},
        {"single column", "a\nb\n", "1:a\n2:b\n"},
        {"spaces kept", " a , b \n", "1: a | b \n"},
    };
    check_reads(state, cases, sizeof cases / sizeof cases[0]);
}

static void test_crlf_line_ends_are_stripped(void **state)
{
    static const struct read_case cases[] = {
        {"CRLF", "a,b\r\n1,2\r\n", "1:a|b\n2:1|2\n"},
        {"mixed", "a,b\r\n1,2\n3,4\r\n", "1:a|b\n2:1|2\n3:3|4\n"},
        {"lone CR ends a record", "a\rb\r", "1:a\n2:b\n"},
    };
    check_reads(state, cases, sizeof cases / sizeof cases[0]);
}

static void test_bom_is_skipped(void **state)
{
    static const struct read_case cases[] = {
        {"BOM", "\xEF\xBB\xBFRegistration ID,Name\r\n", "1:Registration ID|Name\n"},
        {"BOM then quote", "\xEF\xBB\xBF\"a\",b\n", "1:a|b\n"},
        {"BOM only", "\xEF\xBB\xBF", ""},
    };
    check_reads(state, cases, sizeof cases / sizeof cases[0]);
}

static void test_quoted_fields_hold_separators_and_quotes(void **state)
{
    static const struct read_case cases[] = {
        {"comma", "\"Kang, Shin-Gak\",x\n", "1:Kang, Shin-Gak|x\n"},
        {"doubled quote", "\"say \"\"hi\"\"\",x\n", "1:say \"hi\"|x\n"},
        {"only quotes", "\"\"\"\"\n", "1:\"\n"},
        {"empty quoted", "\"\",\"\"\n", "1:|\n"},
        {"quoted last without newline", "a,\"b\"", "1:a|b\n"},
        {"quote inside unquoted kept", "5\" screen,x\n", "1:5\" screen|x\n"},
    };
    check_reads(state, cases, sizeof cases / sizeof cases[0]);
}

static void test_quoted_field_keeps_line_break(void **state)
{
    static const struct read_case cases[] = {
        {"LF inside", "\"two\nlines\",x\nnext\n", "1:two\nlines|x\n3:next\n"},
        {"CRLF inside becomes LF", "\"two\r\nlines\",x\r\nnext\r\n", "1:two\nlines|x\n3:next\n"},
        {"lone CR inside kept", "\"a\rb\",x\n", "1:a\rb|x\n"},
        {"CR at end of quoted", "\"a\r\",x\n", "1:a\r|x\n"},
    };
    check_reads(state, cases, sizeof cases / sizeof cases[0]);
}

static void test_blank_line_is_one_empty_field(void **state)
{
    static const struct read_case cases[] = {
        {"blank LF", "a\n\nb\n", "1:a\n2:\n3:b\n"},
        {"blank CRLF", "a\r\n\r\nb\r\n", "1:a\n2:\n3:b\n"},
        {"empty file", "", ""},
    };
    check_reads(state, cases, sizeof cases / sizeof cases[0]);
}

struct reject_case {
    const char *name;
    const char *input;
    size_t len; /* 0: strlen */
    enum bk_status status;
    long line;
};

static void check_rejects(void **state, const struct reject_case *cases, size_t n)
{
    struct fixture *fx = *state;
    for (size_t i = 0; i < n; i++) {
        tu_write_file(fx->path, cases[i].input,
                      cases[i].len ? cases[i].len : strlen(cases[i].input));
        struct bk_err err = {0};
        enum bk_status st;
        char *got = read_all(fx, &err, &st);
        if (got) {
            print_error("%s: accepted as\n%s\n", cases[i].name, got);
            free(got);
            fail();
        }
        if (st != cases[i].status || err.line != cases[i].line || err.msg[0] == '\0' ||
            strcmp(err.file, fx->path) != 0) {
            print_error("%s: status %d line %ld msg '%s', want status %d line %ld\n", cases[i].name,
                        st, err.line, err.msg, cases[i].status, cases[i].line);
            fail();
        }
    }
}

static void test_broken_quoting_is_rejected_with_line(void **state)
{
    static const struct reject_case cases[] = {
        {"unterminated at EOF", "a,b\n1,\"open\n2,3\n4,5\n", 0, BK_ERR_PARSE, 2},
        {"unterminated CR at EOF", "a\n\"x\r", 0, BK_ERR_PARSE, 2},
        {"text after closing quote", "a,b\n\"ab\"c,d\n", 0, BK_ERR_PARSE, 2},
        {"space after closing quote", "a\nb\n\"x\" ,y\n", 0, BK_ERR_PARSE, 3},
        /* Issue 10, finding 11: a quote left open on line 2 swallows the
         * lines after it up to the next quoted field; the line to fix is
         * 2, not 4 where the parse finally fails. */
        {"unclosed quote meeting a later quote", "a,b\n1,\"open\n2,3\n4,\"x\"\n", 0,
         BK_ERR_PARSE, 2},
    };
    check_rejects(state, cases, sizeof cases / sizeof cases[0]);
}

static void test_nul_byte_is_rejected(void **state)
{
    static const struct reject_case cases[] = {
        {"NUL in field", "a,b\nx\0y,z\n", 10, BK_ERR_PARSE, 2},
        {"NUL in quotes", "\"a\0\"\n", 5, BK_ERR_PARSE, 1},
        {"UTF-16 without a byte-order mark", "a\0,\0b\0", 6, BK_ERR_PARSE, 1},
    };
    check_rejects(state, cases, sizeof cases / sizeof cases[0]);
}

static void test_field_over_cap_is_rejected_with_line(void **state)
{
    struct fixture *fx = *state;
    /* A 10 MB quoted field starting on line 3: rejected early, not read whole. */
    size_t big = 10 * 1024 * 1024;
    char *text = malloc(big + 64);
    size_t n = (size_t)sprintf(text, "h\nok\n\"");
    memset(text + n, 'x', big);
    n += big;
    n += (size_t)sprintf(text + n, "\"\n");
    tu_write_file(fx->path, text, n);
    free(text);
    struct bk_err err = {0};
    enum bk_status st;
    char *got = read_all(fx, &err, &st);
    assert_null(got);
    assert_int_equal(st, BK_ERR_TOO_BIG);
    assert_int_equal(err.line, 3);
}

static void test_field_at_cap_is_accepted(void **state)
{
    struct fixture *fx = *state;
    char *text = malloc(CSV_FIELD_MAX + 8);
    memset(text, 'y', CSV_FIELD_MAX);
    memcpy(text + CSV_FIELD_MAX, ",z\n", 3);
    tu_write_file(fx->path, text, CSV_FIELD_MAX + 3);
    free(text);
    struct csv_reader *r;
    assert_int_equal(csv_open(fx->path, &r, NULL), BK_OK);
    const struct csv_record *rec;
    assert_int_equal(csv_next(r, &rec, NULL), BK_OK);
    assert_non_null(rec);
    assert_int_equal(rec->n_fields, 2);
    assert_int_equal(rec->lengths[0], CSV_FIELD_MAX);
    csv_close(r);
}

static void write_columns(const struct fixture *fx, int columns)
{
    FILE *f = fopen(fx->path, "wb");
    assert_non_null(f);
    fputs("a\n", f);
    for (int i = 0; i < columns; i++)
        fprintf(f, "%sc%d", i ? "," : "", i);
    fputs("\n", f);
    fclose(f);
}

static void test_too_many_fields_is_rejected_with_line(void **state)
{
    struct fixture *fx = *state;
    write_columns(fx, 300);
    struct bk_err err = {0};
    enum bk_status st;
    assert_null(read_all(fx, &err, &st));
    assert_int_equal(st, BK_ERR_TOO_BIG);
    assert_int_equal(err.line, 2);
}

static void test_fields_at_cap_are_accepted(void **state)
{
    struct fixture *fx = *state;
    write_columns(fx, CSV_FIELDS_MAX);
    struct bk_err err = {0};
    enum bk_status st;
    char *got = read_all(fx, &err, &st);
    assert_non_null(got);
    free(got);
}

static void test_error_is_sticky(void **state)
{
    struct fixture *fx = *state;
    tu_write_text(fx->path, "\"ab\"c\nfine\n");
    struct csv_reader *r;
    assert_int_equal(csv_open(fx->path, &r, NULL), BK_OK);
    const struct csv_record *rec;
    struct bk_err err = {0};
    assert_int_equal(csv_next(r, &rec, &err), BK_ERR_PARSE);
    assert_null(rec);
    assert_int_equal(csv_next(r, &rec, NULL), BK_ERR_PARSE);
    assert_null(rec);
    csv_close(r);
}

static void test_missing_file_is_an_io_error(void **state)
{
    struct fixture *fx = *state;
    char *path = tu_path_new(fx->dir, "nope.csv");
    struct csv_reader *r = (struct csv_reader *)1;
    struct bk_err err = {0};
    assert_int_equal(csv_open(path, &r, &err), BK_ERR_IO);
    assert_null(r);
    assert_string_equal(err.file, path);
    free(path);
}

/* Enough rows that quotes, CRLFs, doubled quotes and a two-byte character
 * straddle the 64 KiB reads (and, in UTF-16, the transcoded blocks) at many
 * offsets; the records must come out whole, on their lines. */
static void check_records_across_block_boundaries(const struct fixture *fx, bool utf16)
{
    FILE *f = fopen(fx->path, "wb");
    assert_non_null(f);
    if (utf16)
        fputs("\xFF\xFE", f);
    const int rows = 15000;
    for (int i = 0; i < rows; i++) {
        char line[64];
        int n = snprintf(line, sizeof line, "%d,\"q\"\"%d\r\nx\xC3\xA9\",plain\r\n", i, i);
        if (!utf16) {
            fwrite(line, 1, (size_t)n, f);
            continue;
        }
        for (int j = 0; j < n;) { /* every character here is in the BMP */
            uint32_t cp;
            j += (int)utf8_decode(line + j, (size_t)(n - j), &cp);
            fputc((int)(cp & 0xFF), f);
            fputc((int)(cp >> 8), f);
        }
    }
    fclose(f);
    struct csv_reader *r;
    assert_int_equal(csv_open(fx->path, &r, NULL), BK_OK);
    const struct csv_record *rec;
    char want[64];
    for (int i = 0; i < rows; i++) {
        assert_int_equal(csv_next(r, &rec, NULL), BK_OK);
        assert_non_null(rec);
        assert_int_equal(rec->n_fields, 3);
        assert_int_equal(rec->line, 1 + 2L * i);
        snprintf(want, sizeof want, "q\"%d\nx\xC3\xA9", i);
        assert_string_equal(rec->fields[1], want);
        assert_string_equal(rec->fields[2], "plain");
    }
    assert_int_equal(csv_next(r, &rec, NULL), BK_OK);
    assert_null(rec);
    assert_string_equal(csv_encoding(r), utf16 ? "UTF-16LE" : "UTF-8");
    csv_close(r);
}

static void test_records_across_block_boundaries(void **state)
{
    check_records_across_block_boundaries(*state, false);
}

static void test_transcoded_records_across_block_boundaries(void **state)
{
    check_records_across_block_boundaries(*state, true);
}

static char *write_to_string(const char *value, bool neutralise)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(csv_write_field(f, value, neutralise), BK_OK);
    fclose(f);
    return buf;
}

static void test_writer_quotes_only_when_needed(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"plain", "plain"},
        {"", ""},
        {"a,b", "\"a,b\""},
        {"say \"hi\"", "\"say \"\"hi\"\"\""},
        {"two\nlines", "\"two\nlines\""},
        {"cr\r", "\"cr\r\""},
        {"王蕴韬", "王蕴韬"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = write_to_string(cases[i].in, false);
        assert_string_equal(got, cases[i].want);
        free(got);
    }
}

static void test_writer_neutralises_formulas(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"=1+1", "'=1+1"},
        {"+41 22", "'+41 22"},
        {"-5", "'-5"},
        {"@SUM(A1)", "'@SUM(A1)"},
        {"\tx", "'\tx"},
        {"\rx", "\"'\rx\""},
        {"=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""},
        {"a=b", "a=b"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = write_to_string(cases[i].in, true);
        assert_string_equal(got, cases[i].want);
        free(got);
        got = write_to_string(cases[i].in, false);
        assert_true(got[0] != '\'');
        free(got);
    }
}

static void test_written_rows_read_back_unchanged(void **state)
{
    struct fixture *fx = *state;
    const char *row[] = {"FGMV-1", "Kang, \"Shin-Gak\"", "two\nlines", "", "강신각"};
    FILE *f = fopen(fx->path, "wb");
    assert_non_null(f);
    assert_int_equal(csv_write_row(f, row, 5, false), BK_OK);
    assert_int_equal(csv_write_row(f, row, 5, false), BK_OK);
    fclose(f);
    struct csv_reader *r;
    assert_int_equal(csv_open(fx->path, &r, NULL), BK_OK);
    const struct csv_record *rec;
    for (long want_line = 1; want_line <= 3; want_line += 2) {
        assert_int_equal(csv_next(r, &rec, NULL), BK_OK);
        assert_non_null(rec);
        assert_int_equal(rec->line, want_line);
        assert_int_equal(rec->n_fields, 5);
        for (size_t i = 0; i < 5; i++)
            assert_string_equal(rec->fields[i], row[i]);
    }
    assert_int_equal(csv_next(r, &rec, NULL), BK_OK);
    assert_null(rec);
    csv_close(r);
}


/* ---- other encodings and separators: what spreadsheets re-save ---- */

struct decode_case {
    const char *name;
    const char *input;
    size_t len; /* 0: strlen */
    struct csv_options opt;
    const char *want; /* NULL: rejected */
    long line;        /* of the rejection */
    const char *says; /* a part of the rejection's message */
};

static void check_decodes(void **state, const struct decode_case *cases, size_t n)
{
    struct fixture *fx = *state;
    for (size_t i = 0; i < n; i++) {
        tu_write_file(fx->path, cases[i].input,
                      cases[i].len ? cases[i].len : strlen(cases[i].input));
        struct bk_err err = {0};
        enum bk_status st;
        char *got = read_all_with(fx, &cases[i].opt, &err, &st);
        bool ok;
        if (cases[i].want)
            ok = got && strcmp(got, cases[i].want) == 0;
        else
            ok = !got && st == BK_ERR_PARSE && err.line == cases[i].line &&
                 strstr(err.msg, cases[i].says) != NULL;
        if (!ok)
            print_error("%s: got %s (status %d, line %ld, '%s')\n", cases[i].name,
                        got ? got : "(rejected)", st, err.line, err.msg);
        free(got);
        if (!ok)
            fail();
    }
}

/* "Name,Ort\r\nJürgen,Köln\r\n" as Excel saves "Unicode Text" (UTF-16LE with
 * a BOM) and as UTF-16BE; the records come out as UTF-8. */
#define U16LE_FILE                                                                                 \
    "\xFF\xFE"                                                                                     \
    "N\0a\0m\0e\0,\0O\0r\0t\0\r\0\n\0J\0\xFC\0r\0g\0e\0n\0,\0\"\0K\0\xF6\0l\0n\0\"\0\r\0\n\0"
#define U16BE_FILE                                                                                 \
    "\xFE\xFF"                                                                                     \
    "\0N\0a\0m\0e\0,\0O\0r\0t\0\r\0\n\0J\0\xFC\0r\0g\0e\0n\0,\0\"\0K\0\xF6\0l\0n\0\"\0\r\0\n"

static void test_byte_order_marks_choose_the_encoding(void **state)
{
    static const struct decode_case cases[] = {
        {"UTF-16LE BOM", U16LE_FILE, sizeof U16LE_FILE - 1, {0}, "1:Name|Ort\n2:Jürgen|Köln\n", 0, NULL},
        {"UTF-16BE BOM", U16BE_FILE, sizeof U16BE_FILE - 1, {0}, "1:Name|Ort\n2:Jürgen|Köln\n", 0, NULL},
        {"a BOM wins over the setting", U16LE_FILE, sizeof U16LE_FILE - 1, {"windows-1252", ','},
         "1:Name|Ort\n2:Jürgen|Köln\n", 0, NULL},
        {"UTF-8 BOM wins over the setting", "\xEF\xBB\xBFK\xC3\xB6ln\n", 0, {"windows-1252", ','},
         "1:Köln\n", 0, NULL},
        {"UTF-16 surrogate pair", "\xFF\xFE\x3D\xD8\x00\xDE\n\0", 8, {0}, "1:\xF0\x9F\x98\x80\n", 0, NULL},
    };
    check_decodes(state, cases, sizeof cases / sizeof cases[0]);
}

static void test_encoding_setting_reads_files_without_bom(void **state)
{
    static const struct decode_case cases[] = {
        {"windows-1252", "Name;Ort\r\nJ\xFCrgen;K\xF6ln \x80\r\n", 0, {"windows-1252", ';'},
         "1:Name|Ort\n2:Jürgen|Köln €\n", 0, NULL},
        {"CP1252 spelling", "caf\xE9\n", 0, {"CP1252", ','}, "1:café\n", 0, NULL},
        {"ISO-8859-1", "\xC5ngstr\xF6m\n", 0, {"ISO-8859-1", ','}, "1:Ångström\n", 0, NULL},
        {"UTF-16LE without BOM", "a\0,\0b\0\n\0", 8, {"UTF-16LE", ','}, "1:a|b\n", 0, NULL},
        {"UTF-8 named", "K\xC3\xB6ln\n", 0, {"utf-8", ','}, "1:Köln\n", 0, NULL},
    };
    check_decodes(state, cases, sizeof cases / sizeof cases[0]);
}

static void test_undecodable_bytes_name_line_and_byte(void **state)
{
    static const struct decode_case cases[] = {
        /* 0x81 is one of the five bytes windows-1252 leaves undefined. */
        {"undefined windows-1252 byte", "a,b\r\nok,ok\r\nx\x81y,z\r\n", 0, {"windows-1252", ','},
         NULL, 3, "offset 13 of the file (0x81)"},
        {"lone UTF-16 surrogate", "\xFF\xFE" "a\0\n\0b\0\n\0\x00\xDC\n\0", 14, {0}, NULL, 3,
         "offset 10 of the file"},
        {"UTF-16 cut in half", "\xFF\xFE" "a\0,\0b", 7, {0}, NULL, 1, "middle of a UTF-16LE"},
    };
    check_decodes(state, cases, sizeof cases / sizeof cases[0]);
}

static void test_separator_is_sniffed_from_the_header(void **state)
{
    static const struct decode_case cases[] = {
        {"semicolon", "Name;Ort;Land\r\nA;B,C;D\r\n", 0, {NULL, 0}, "1:Name|Ort|Land\n2:A|B,C|D\n", 0, NULL},
        {"comma", "a,b;c\n1,2;3\n", 0, {NULL, 0}, "1:a|b;c\n2:1|2;3\n", 0, NULL},
        {"tab", "a\tb\tc\n1\t2,5\t3\n", 0, {NULL, 0}, "1:a|b|c\n2:1|2,5|3\n", 0, NULL},
        {"quoted commas do not count", "\"a,b,c\";d;e\n", 0, {NULL, 0}, "1:a,b,c|d|e\n", 0, NULL},
        {"one column", "Name\nAda\n", 0, {NULL, 0}, "1:Name\n2:Ada\n", 0, NULL},
        {"after a UTF-16 BOM", "\xFF\xFE" "a\0;\0b\0\n\0", 10, {NULL, 0}, "1:a|b\n", 0, NULL},
        {"given, not sniffed", "a;b,c\n", 0, {NULL, ','}, "1:a;b|c\n", 0, NULL},
    };
    check_decodes(state, cases, sizeof cases / sizeof cases[0]);
}

static void test_unknown_encoding_is_refused_at_open(void **state)
{
    struct fixture *fx = *state;
    tu_write_text(fx->path, "a\n");
    struct csv_options opt = {"no-such-encoding", ','};
    struct csv_reader *r = NULL;
    struct bk_err err = {0};
    assert_int_equal(csv_open_with(fx->path, &opt, &r, &err), BK_ERR_INVALID);
    assert_null(r);
    assert_non_null(strstr(err.msg, "no-such-encoding"));
    assert_true(csv_encoding_known("windows-1252"));
    assert_true(csv_encoding_known(NULL));
    assert_false(csv_encoding_known("no-such-encoding"));
}

static void test_field_offsets_point_into_the_file(void **state)
{
    struct fixture *fx = *state;
    tu_write_text(fx->path, "\xEF\xBB\xBFid,name\r\n7,\"Ada\"\r\n");
    struct csv_reader *r;
    assert_int_equal(csv_open(fx->path, &r, NULL), BK_OK);
    const struct csv_record *rec;
    assert_int_equal(csv_next(r, &rec, NULL), BK_OK);
    assert_int_equal(rec->offsets[0], 3);
    assert_int_equal(rec->offsets[1], 6);
    assert_int_equal(csv_next(r, &rec, NULL), BK_OK);
    assert_int_equal(rec->offsets[0], 12);
    assert_int_equal(rec->offsets[1], 15); /* after the opening quote */
    csv_close(r);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_plain_records_split_on_commas),
        T(test_crlf_line_ends_are_stripped),
        T(test_bom_is_skipped),
        T(test_quoted_fields_hold_separators_and_quotes),
        T(test_quoted_field_keeps_line_break),
        T(test_blank_line_is_one_empty_field),
        T(test_broken_quoting_is_rejected_with_line),
        T(test_nul_byte_is_rejected),
        T(test_field_over_cap_is_rejected_with_line),
        T(test_field_at_cap_is_accepted),
        T(test_too_many_fields_is_rejected_with_line),
        T(test_fields_at_cap_are_accepted),
        T(test_error_is_sticky),
        T(test_missing_file_is_an_io_error),
        T(test_records_across_block_boundaries),
        T(test_writer_quotes_only_when_needed),
        T(test_writer_neutralises_formulas),
        T(test_written_rows_read_back_unchanged),
        T(test_byte_order_marks_choose_the_encoding),
        T(test_encoding_setting_reads_files_without_bom),
        T(test_undecodable_bytes_name_line_and_byte),
        T(test_separator_is_sniffed_from_the_header),
        T(test_unknown_encoding_is_refused_at_open),
        T(test_transcoded_records_across_block_boundaries),
        T(test_field_offsets_point_into_the_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
