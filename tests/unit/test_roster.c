/* Unit tests for roster: the FG-MV export read through a hand-built config,
 * with bad rows, bad files and a large file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "event/roster.h"
#include "util/xalloc.h"
#include "testutil.h"

#define HEADER                                                                                     \
    "Registration ID,Title,First Name,Last Name,Badge Name,Organization,Country,Category,Events,"  \
    "Status,Email\r\n"

struct fixture {
    struct config cfg;
    char *dir;
    char *path; /* dir/export.csv, the export each test writes and reads */
};

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    fx->dir = tu_tempdir_new("roster");
    fx->path = tu_path_new(fx->dir, "export.csv");

    /* The FG-MV export's layout, as kiosk-config/fgmv2-shanghai.ini gives it. */
    struct config *c = &fx->cfg;
    c->path = "test.ini";
    c->columns = (struct config_columns){
        .id = "Registration ID",
        .title = "Title",
        .first_name = "First Name",
        .last_name = "Last Name",
        .badge_name = "Badge Name",
        .organization = "Organization",
        .country = "Country",
        .category = "Category",
        .events = "Events",
        .status = "Status",
        .email = "Email",
    };
    c->events[0] = (struct config_event){.code = "FG-MV", .aliases = {"FGMV"}, .n_aliases = 1};
    c->events[1] = (struct config_event){.code = "Forum"};
    c->n_events = 2;
    c->events_separator = ";";
    c->confirmed[0] = "Confirmed";
    c->n_confirmed = 1;
    c->withdrawn[0] = "Cancelled";
    c->n_withdrawn = 1;
    c->default_category = "Participant";
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

static struct roster *read_ok(struct fixture *fx)
{
    struct roster *r = NULL;
    struct bk_err err = {0};
    enum bk_status st = roster_read(&fx->cfg, fx->path, &r, &err);
    if (st != BK_OK) {
        print_error("rejected: %ld: %s: %s\n", err.line, err.field, err.msg);
        fail();
    }
    assert_non_null(r);
    return r;
}

static void test_reads_every_field_of_an_fgmv_row(void **state)
{
    struct fixture *fx = *state;
    tu_write_text(fx->path,
                  "\xEF\xBB\xBF" HEADER
                  "FGMV-2023-00001,Dr.,Shin-Gak,Kang,강신각,ETRI,\"Korea (Republic of)\",Chair,"
                  "FG-MV; Forum,Confirmed,shingak.kang@example.org\r\n"
                  "FGMV-2023-00007,Mr.,蕴韬,王,,\"CAICT, China\",China,,Forum,Confirmed,"
                  "wang@example.org\r\n");
    struct roster *r = read_ok(fx);
    assert_int_equal(r->n_people, 2);
    assert_int_equal(r->n_problems, 0);
    assert_int_equal(r->n_rows, 2);
    const struct attendee *a = &r->people[0];
    assert_string_equal(a->id, "FGMV-2023-00001");
    assert_string_equal(a->title, "Dr.");
    assert_string_equal(a->first_name, "Shin-Gak");
    assert_string_equal(a->last_name, "Kang");
    assert_string_equal(a->badge_name, "강신각");
    assert_string_equal(a->organization, "ETRI");
    assert_string_equal(a->country, "Korea (Republic of)");
    assert_string_equal(a->category, "Chair");
    assert_string_equal(a->events, "FG-MV;Forum");
    assert_string_equal(a->email, "shingak.kang@example.org");
    assert_string_equal(a->language, "");
    assert_int_equal(a->status, ATTENDEE_CONFIRMED);
    const struct attendee *b = &r->people[1];
    assert_string_equal(b->first_name, "蕴韬");
    assert_string_equal(b->last_name, "王");
    assert_string_equal(b->organization, "CAICT, China");
    assert_string_equal(b->category, "Participant");
    assert_string_equal(b->events, "Forum");
    roster_free(r);
}

static void test_fields_are_trimmed(void **state)
{
    struct fixture *fx = *state;
    tu_write_text(fx->path, HEADER " FGMV-1 ,, Ana ,\t Silva\t,,,,,,  confirmed ,\n");
    struct roster *r = read_ok(fx);
    assert_int_equal(r->n_people, 1);
    assert_string_equal(r->people[0].id, "FGMV-1");
    assert_string_equal(r->people[0].first_name, "Ana");
    assert_string_equal(r->people[0].last_name, "Silva");
    roster_free(r);
}

static void test_header_match_ignores_case_spaces_and_order(void **state)
{
    struct fixture *fx = *state;
    tu_write_text(fx->path, " last name ,REGISTRATION ID,first NAME\nSilva,FGMV-1,Ana\n");
    struct roster *r = read_ok(fx);
    assert_int_equal(r->n_people, 1);
    assert_string_equal(r->people[0].id, "FGMV-1");
    assert_string_equal(r->people[0].first_name, "Ana");
    assert_string_equal(r->people[0].last_name, "Silva");
    roster_free(r);
}

static void test_optional_columns_may_be_absent(void **state)
{
    struct fixture *fx = *state;
    tu_write_text(fx->path, "Registration ID,First Name,Last Name\nFGMV-1,Ana,Silva\n");
    struct roster *r = read_ok(fx);
    assert_int_equal(r->n_people, 1);
    const struct attendee *a = &r->people[0];
    assert_string_equal(a->title, "");
    assert_string_equal(a->badge_name, "");
    assert_string_equal(a->organization, "");
    assert_string_equal(a->email, "");
    assert_string_equal(a->category, "Participant");
    /* No Events column: registered for every part of the event. */
    assert_string_equal(a->events, "FG-MV;Forum");
    assert_int_equal(a->status, ATTENDEE_CONFIRMED);
    roster_free(r);
}

static void test_no_default_category_leaves_category_empty(void **state)
{
    struct fixture *fx = *state;
    fx->cfg.default_category = NULL;
    tu_write_text(fx->path, "Registration ID,First Name,Last Name\nFGMV-1,Ana,Silva\n");
    struct roster *r = read_ok(fx);
    assert_string_equal(r->people[0].category, "");
    roster_free(r);
}

static void test_only_header_gives_empty_roster(void **state)
{
    struct fixture *fx = *state;
    tu_write_text(fx->path, HEADER);
    struct roster *r = read_ok(fx);
    assert_int_equal(r->n_people, 0);
    assert_int_equal(r->n_problems, 0);
    assert_int_equal(r->n_rows, 0);
    roster_free(r);
}

struct reject_case {
    const char *name;
    const char *input;
    size_t len; /* 0: strlen */
    enum bk_status status;
    long line;
    const char *field;
    const char *msg_part;
};

static void test_bad_files_are_rejected(void **state)
{
    struct fixture *fx = *state;
    static const struct reject_case cases[] = {
        {"empty file", "", 0, BK_ERR_PARSE, 0, "Registration ID", "Registration ID"},
        {"BOM only", "\xEF\xBB\xBF", 0, BK_ERR_PARSE, 0, "Registration ID", "Registration ID"},
        {"no id column", "Name,Email\nAna,a@example.org\n", 0, BK_ERR_PARSE, 1, "Registration ID",
         "not an attendee export"},
        {"id column not in first record", "\nRegistration ID,First Name,Last Name\n", 0,
         BK_ERR_PARSE, 1, "Registration ID", "Registration ID"},
        {"required name column missing", "Registration ID,First Name\nFGMV-1,Ana\n", 0,
         BK_ERR_PARSE, 1, "Last Name", "Last Name"},
        {"unterminated quote", HEADER "FGMV-1,,\"Ana,Silva\r\nFGMV-2,,Bo,Li\r\n", 0, BK_ERR_PARSE,
         2, "", "line 2"},
        {"text after quote", HEADER "FGMV-1,,\"Ana\"x,Silva\r\n", 0, BK_ERR_PARSE, 2, "", ""},
        {"NUL byte", "Registration ID,First Name,Last Name\nFGMV-1,A\0a,Silva\n", 55, BK_ERR_PARSE,
         2, "", "NUL"},
        {"missing file", NULL, 0, BK_ERR_IO, 0, "", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct reject_case *c = &cases[i];
        if (c->input)
            tu_write_file(fx->path, c->input, c->len ? c->len : strlen(c->input));
        else
            unlink(fx->path);
        struct roster *r = (struct roster *)1;
        struct bk_err err = {0};
        enum bk_status st = roster_read(&fx->cfg, fx->path, &r, &err);
        if (st != c->status || r != NULL || err.line != c->line ||
            strcmp(err.field, c->field) != 0 || !strstr(err.msg, c->msg_part) ||
            strcmp(err.file, fx->path) != 0) {
            print_error("%s: status %d line %ld field '%s' msg '%s'\n", c->name, st, err.line,
                        err.field, err.msg);
            if (st == BK_OK)
                roster_free(r);
            fail();
        }
    }
}

static void test_huge_field_rejects_file_with_line(void **state)
{
    struct fixture *fx = *state;
    size_t big = 10 * 1024 * 1024;
    char *text = malloc(big + 256);
    size_t n = (size_t)sprintf(text, HEADER "FGMV-1,,Ana,Silva,,,,,,,\r\nFGMV-2,,Bo,");
    memset(text + n, 'x', big);
    n += big;
    n += (size_t)sprintf(text + n, ",,,,,,,\r\n");
    tu_write_file(fx->path, text, n);
    free(text);
    struct roster *r = NULL;
    struct bk_err err = {0};
    assert_int_equal(roster_read(&fx->cfg, fx->path, &r, &err), BK_ERR_TOO_BIG);
    assert_null(r);
    assert_int_equal(err.line, 3);
}

static void test_300_columns_reject_file(void **state)
{
    struct fixture *fx = *state;
    FILE *f = fopen(fx->path, "wb");
    assert_non_null(f);
    fputs("Registration ID,First Name,Last Name", f);
    for (int i = 3; i < 300; i++)
        fprintf(f, ",Extra %d", i);
    fputs("\n", f);
    fclose(f);
    struct roster *r = NULL;
    struct bk_err err = {0};
    assert_int_equal(roster_read(&fx->cfg, fx->path, &r, &err), BK_ERR_TOO_BIG);
    assert_null(r);
    assert_int_equal(err.line, 1);
}

struct row_case {
    const char *name;
    const char *row; /* one data row after HEADER, on line 2 */
    const char *id;
    const char *field;
    const char *msg_part;
};

static void test_bad_rows_are_skipped_with_line_and_reason(void **state)
{
    struct fixture *fx = *state;
    static const struct row_case cases[] = {
        {"missing ID", ",,Ana,Silva,,,,,,,\r\n", "", "Registration ID", "missing"},
        {"ID too long",
         "FGMV-0123456789012345678901234567890123456789012345678901234567890,,Ana,Silva,,,,,,,"
         "\r\n",
         "", "Registration ID", "64"},
        {"ID with control char", "FGMV\x01-1,,Ana,Silva,,,,,,,\r\n", "", "Registration ID",
         "control"},
        {"ID with C1 control", "FGMV\xC2\x85-1,,Ana,Silva,,,,,,,\r\n", "", "Registration ID",
         "control"},
        {"no name", "FGMV-1,Dr.,,,,ETRI,,,,,\r\n", "FGMV-1", "", "no name"},
        {"invalid UTF-8", "FGMV-1,,Ana,Silva,,Soci\xE9t\xE9,,,,,\r\n", "FGMV-1", "Organization",
         "UTF-8"},
        {"overlong UTF-8", "FGMV-1,,Ana\xC0\xAF,Silva,,,,,,,\r\n", "FGMV-1", "First Name", "UTF-8"},
        {"unknown event", "FGMV-1,,Ana,Silva,,,,,FG-MV;Gala,,\r\n", "FGMV-1", "Events", "'Gala'"},
        {"unknown status", "FGMV-1,,Ana,Silva,,,,,,Pending,\r\n", "FGMV-1", "Status", "'Pending'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct row_case *c = &cases[i];
        char text[1024];
        snprintf(text, sizeof text, "%s%s%s", HEADER, c->row, "FGMV-9,,Good,Row,,,,,,,\r\n");
        tu_write_text(fx->path, text);
        struct roster *r = read_ok(fx);
        int ok = r->n_people == 1 && strcmp(r->people[0].id, "FGMV-9") == 0 && r->n_rows == 2 &&
                 r->n_problems == 1 && r->problems[0].line == 2 &&
                 strcmp(r->problems[0].id, c->id) == 0 &&
                 strcmp(r->problems[0].field, c->field) == 0 &&
                 strstr(r->problems[0].message, c->msg_part) != NULL;
        if (!ok) {
            print_error("%s: %zu people, %zu problems", c->name, r->n_people, r->n_problems);
            if (r->n_problems)
                print_error(": line %ld id '%s' field '%s' msg '%s'", r->problems[0].line,
                            r->problems[0].id, r->problems[0].field, r->problems[0].message);
            print_error("\n");
        }
        roster_free(r);
        if (!ok)
            fail();
    }
}

static void test_duplicate_id_keeps_first_and_names_its_line(void **state)
{
    struct fixture *fx = *state;
    tu_write_text(fx->path, HEADER "FGMV-1,,Ana,Silva,,,,,,,\r\n"
                                   "FGMV-2,,\"Multi\r\nline\",Name,,,,,,,\r\n"
                                   "FGMV-1,,Other,Person,,,,,,,\r\n");
    struct roster *r = read_ok(fx);
    assert_int_equal(r->n_people, 2);
    assert_string_equal(r->people[0].first_name, "Ana");
    assert_string_equal(r->people[1].first_name, "Multi\nline");
    assert_int_equal(r->n_problems, 1);
    /* The quoted line break moves the third row to line 5. */
    assert_int_equal(r->problems[0].line, 5);
    assert_string_equal(r->problems[0].id, "FGMV-1");
    assert_non_null(strstr(r->problems[0].message, "line 2"));
    roster_free(r);
}

static void test_events_are_canonical_in_config_order_without_duplicates(void **state)
{
    struct fixture *fx = *state;
    static const struct {
        const char *cell, *want;
    } cases[] = {
        {"FG-MV; Forum", "FG-MV;Forum"},
        {"Forum;FG-MV", "FG-MV;Forum"},
        {" fgmv ; FORUM ;", "FG-MV;Forum"},
        {"FGMV;FG-MV", "FG-MV"},
        {"Forum", "Forum"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[512];
        snprintf(text, sizeof text, HEADER "FGMV-1,,Ana,Silva,,,,,\"%s\",,\r\n", cases[i].cell);
        tu_write_text(fx->path, text);
        struct roster *r = read_ok(fx);
        assert_int_equal(r->n_people, 1);
        assert_string_equal(r->people[0].events, cases[i].want);
        roster_free(r);
    }
}

static void test_events_split_on_configured_separator(void **state)
{
    struct fixture *fx = *state;
    fx->cfg.events_separator = ",";
    tu_write_text(fx->path, HEADER "FGMV-1,,Ana,Silva,,,,,\"Forum, FG-MV\",,\r\n");
    struct roster *r = read_ok(fx);
    assert_string_equal(r->people[0].events, "FG-MV;Forum");
    roster_free(r);
}

static void test_status_maps_to_confirmed_or_withdrawn(void **state)
{
    struct fixture *fx = *state;
    tu_write_text(fx->path, HEADER "FGMV-1,,A,A,,,,,,Confirmed,\r\n"
                                   "FGMV-2,,B,B,,,,,,cancelled,\r\n"
                                   "FGMV-3,,C,C,,,,,,,\r\n"
                                   "FGMV-4,,D,D,,,,,, CANCELLED ,\r\n");
    struct roster *r = read_ok(fx);
    assert_int_equal(r->n_people, 4);
    assert_int_equal(r->people[0].status, ATTENDEE_CONFIRMED);
    assert_int_equal(r->people[1].status, ATTENDEE_WITHDRAWN);
    assert_int_equal(r->people[2].status, ATTENDEE_CONFIRMED);
    assert_int_equal(r->people[3].status, ATTENDEE_WITHDRAWN);
    roster_free(r);
}

static void test_blank_lines_are_skipped_silently(void **state)
{
    struct fixture *fx = *state;
    tu_write_text(fx->path, HEADER "\r\nFGMV-1,,Ana,Silva,,,,,,,\r\n\r\n,,,,,,,,,,\r\n  \r\n"
                                   "FGMV-2,,Bo,Li,,,,,,,\r\n\r\n");
    struct roster *r = read_ok(fx);
    assert_int_equal(r->n_people, 2);
    assert_int_equal(r->n_problems, 0);
    assert_int_equal(r->n_rows, 2);
    roster_free(r);
}

static void test_short_rows_read_missing_fields_as_empty(void **state)
{
    struct fixture *fx = *state;
    tu_write_text(fx->path, HEADER "FGMV-1,Ms.,Ana,Silva\r\n");
    struct roster *r = read_ok(fx);
    assert_int_equal(r->n_people, 1);
    assert_string_equal(r->people[0].email, "");
    assert_string_equal(r->people[0].events, "");
    roster_free(r);
}

static void test_reads_100000_rows_quickly(void **state)
{
    struct fixture *fx = *state;
    FILE *f = fopen(fx->path, "wb");
    assert_non_null(f);
    fputs("\xEF\xBB\xBF" HEADER, f);
    const int rows = 100000;
    for (int i = 1; i <= rows; i++)
        fprintf(f,
                "FGMV-2023-%06d,Dr.,Jean-François,Müller-Łukasiewicz,,\"Université, Paris\","
                "France,Participant,FG-MV; Forum,Confirmed,person%d@example.org\r\n",
                i, i);
    /* one duplicate at the end, to show the check is made */
    fputs("FGMV-2023-000001,,Dup,Row,,,,,,,\r\n", f);
    fclose(f);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct roster *r = read_ok(fx);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    assert_int_equal(r->n_people, rows);
    assert_int_equal(r->n_problems, 1);
    assert_int_equal(r->problems[0].line, rows + 2);
    roster_free(r);
    /* Generous: this build runs under AddressSanitizer, several times slower
     * than the release build; a quadratic duplicate check would take minutes. */
    print_message("roster_read: %d rows in %.0f ms (sanitizer build)\n", rows, ms);
    assert_true(ms < 5000);
}


/* ---- the registration systems' own exports (tests/data/exports/) ---- */

#define EXPORTS "tests/data/exports/"

/* Reads a sample export with a sample configuration, as badgectl does. */
static struct roster *read_sample(const char *ini, const char *csv, struct config **cfg)
{
    struct bk_err err = {0};
    if (config_load(ini, cfg, &err) != BK_OK) {
        fail_msg("%s: %s", ini, err.msg);
        return NULL;
    }
    struct roster *r = NULL;
    if (roster_read(*cfg, csv, &r, &err) != BK_OK)
        fail_msg("%s: %ld: %s", csv, err.line, err.msg);
    return r;
}

static const struct attendee *person_named(const struct roster *r, const char *first, size_t *i)
{
    for (size_t k = 0; k < r->n_people; k++)
        if (strcmp(r->people[k].first_name, first) == 0) {
            if (i)
                *i = k;
            return &r->people[k];
        }
    fail_msg("nobody called %s", first);
    return NULL;
}

/* pretix's check-in list: a row per ticket, the name parts, the product as
 * the part (a full pass is both), blocked and day tickets, ISO countries,
 * signed and random secrets. */
static void test_pretix_check_in_list_is_one_attendee_per_ticket(void **state)
{
    (void)state;
    struct config *cfg;
    struct roster *r = read_sample(EXPORTS "pretix.ini", EXPORTS "pretix-checkin-v1.csv", &cfg);
    assert_int_equal(r->n_people, 10);
    assert_int_equal(r->n_problems, 0);
    assert_non_null(r->tickets);
    size_t i;
    const struct attendee *ada = person_named(r, "Ada", &i);
    assert_string_equal(ada->id, "Q7RZA"); /* alone in its order: the order code */
    assert_string_equal(ada->last_name, "Lovelace");
    assert_string_equal(ada->organization, "Analytical Engines Ltd");
    assert_string_equal(ada->country, "GB");
    assert_string_equal(ada->events, "FG-MV;Forum"); /* "Full pass" is an alias of both */
    assert_true(strlen(r->tickets[i].code) > 100);  /* pretix_sig1 */
    assert_string_equal(r->tickets[i].order, "Q7RZA");
    /* Three tickets of one order: the order code and a readable suffix each. */
    const char *k3m9x[] = {"Shin-Gak", "蕴韬", "Per"};
    for (size_t k = 0; k < 3; k++) {
        const struct attendee *a = person_named(r, k3m9x[k], &i);
        assert_true(strncmp(a->id, "K3M9X-", 6) == 0);
        assert_int_equal(strlen(a->id), 10);
        assert_string_equal(a->id, r->tickets[i].long_id);
        for (size_t j = 0; j < k; j++)
            assert_string_not_equal(a->id, person_named(r, k3m9x[j], NULL)->id);
    }
    char *name = attendee_display_name_new(person_named(r, "蕴韬", NULL));
    assert_string_equal(name, "王蕴韬");
    free(name);
    assert_string_equal(person_named(r, "Per", NULL)->events, "Forum");
    person_named(r, "Amara", &i);
    assert_int_equal(strlen(r->tickets[i].code), 12); /* a short random secret */
    assert_int_equal(person_named(r, "Jonas", NULL)->status, ATTENDEE_WITHDRAWN); /* Blocked */
    assert_int_equal(person_named(r, "Ingrid", NULL)->status, ATTENDEE_CONFIRMED);
    const struct attendee *fatima = person_named(r, "Fatima", NULL);
    assert_string_equal(fatima->valid_from, "2023-07-05");
    assert_string_equal(fatima->valid_until, "2023-07-05");
    assert_string_equal(fatima->events, "FG-MV");
    roster_free(r);
    config_free(cfg);
}

/* The same export as pretix wrote it (UTF-8, commas, all quoted) and as
 * Excel re-saved it (UTF-16LE with a BOM, tabs) reads the same. */
static void test_pretix_export_reads_the_same_in_every_encoding(void **state)
{
    (void)state;
    struct config *cfg, *cfg2;
    struct roster *a = read_sample(EXPORTS "pretix.ini", EXPORTS "pretix-checkin-v1.csv", &cfg);
    struct roster *b =
        read_sample(EXPORTS "pretix.ini", EXPORTS "pretix-checkin-v1-excel.txt", &cfg2);
    assert_int_equal(a->n_people, b->n_people);
    for (size_t i = 0; i < a->n_people; i++) {
        assert_string_equal(a->people[i].id, b->people[i].id);
        assert_string_equal(a->people[i].first_name, b->people[i].first_name);
        assert_string_equal(a->people[i].last_name, b->people[i].last_name);
        assert_string_equal(a->people[i].events, b->people[i].events);
        assert_string_equal(a->tickets[i].code, b->tickets[i].code);
    }
    roster_free(a);
    roster_free(b);
    config_free(cfg);
    config_free(cfg2);
}

/* A German export is refused by the English preset with the header it
 * lacks, the headers it has and the line to add; mapped, it reads. */
static void test_german_pretix_export_is_mapped_by_roster_lines(void **state)
{
    (void)state;
    struct config *cfg;
    struct bk_err err = {0};
    assert_int_equal(config_load(EXPORTS "pretix.ini", &cfg, &err), BK_OK);
    free(cfg->encoding);
    cfg->encoding = xstrdup("windows-1252");
    struct roster *r = (struct roster *)1;
    assert_int_equal(roster_read(cfg, EXPORTS "pretix-checkin-de.csv", &r, &err), BK_ERR_PARSE);
    assert_null(r);
    assert_int_equal(err.line, 1);
    assert_string_equal(err.field, "Order code");
    assert_non_null(strstr(err.msg, "'Order code'"));
    assert_non_null(strstr(err.msg, "\"Bestellnummer\""));
    assert_non_null(strstr(err.msg, "\"Gültig ab\"")); /* decoded from Windows-1252 */
    assert_non_null(strstr(err.msg, "id = COLUMN"));
    /* With the ID mapped, the next missing header says where it comes from. */
    free(cfg->columns.id);
    cfg->columns.id = xstrdup("Bestellnummer");
    free(cfg->columns.name);
    cfg->columns.name = xstrdup("Name");
    assert_int_equal(roster_read(cfg, EXPORTS "pretix-checkin-de.csv", &r, &err), BK_ERR_PARSE);
    assert_string_equal(err.field, "Secret");
    assert_non_null(strstr(err.msg, "Include QR-code secret"));
    assert_non_null(strstr(err.msg, "code = COLUMN"));
    config_free(cfg);

    r = read_sample(EXPORTS "pretix-de.ini", EXPORTS "pretix-checkin-de.csv", &cfg);
    assert_int_equal(r->n_people, 6);
    assert_int_equal(r->n_problems, 0);
    assert_string_equal(person_named(r, "Per", NULL)->last_name, "Fröjdh");
    assert_int_equal(person_named(r, "Jonas", NULL)->status, ATTENDEE_WITHDRAWN); /* "Ja" */
    assert_string_equal(person_named(r, "Fatima", NULL)->valid_from, "2023-07-05");
    roster_free(r);
    config_free(cfg);
}

/* Eventbrite: a row per attendee, Order # shared, Attendee # the suffix. */
static void test_eventbrite_report_is_one_attendee_per_ticket(void **state)
{
    (void)state;
    struct config *cfg;
    struct roster *r =
        read_sample(EXPORTS "eventbrite.ini", EXPORTS "eventbrite-attendees.csv", &cfg);
    assert_int_equal(r->n_people, 7);
    assert_int_equal(r->n_problems, 0);
    size_t i;
    const struct attendee *grace = person_named(r, "Grace", &i);
    char want[64];
    snprintf(want, sizeof want, "7412958306-%s", r->tickets[i].ticket);
    assert_string_equal(grace->id, want);
    assert_string_equal(grace->title, "Dr.");
    assert_string_equal(grace->events, "FG-MV;Forum"); /* All Access */
    assert_string_equal(grace->country, "US");
    assert_true(strncmp(r->tickets[i].code, "7412958306", 10) == 0);
    assert_string_equal(person_named(r, "Chiamaka", NULL)->id, "7413020917");
    assert_int_equal(person_named(r, "Chiamaka", NULL)->status, ATTENDEE_CONFIRMED);
    assert_int_equal(person_named(r, "Mateus", NULL)->status, ATTENDEE_WITHDRAWN); /* Refunded */
    roster_free(r);
    config_free(cfg);
}

/* Indico: one registration per row, the whole name when the parts are not
 * in the list, its registration states. */
static void test_indico_spreadsheet_reads_with_its_states(void **state)
{
    (void)state;
    struct config *cfg;
    struct roster *r =
        read_sample(EXPORTS "indico.ini", EXPORTS "indico-registrations.csv", &cfg);
    assert_int_equal(r->n_people, 5);
    assert_int_equal(r->n_problems, 0);
    assert_null(r->tickets);
    assert_string_equal(r->people[0].id, "1");
    assert_string_equal(r->people[0].first_name, "Shin-Gak Kang");
    assert_string_equal(r->people[0].organization, "ETRI");
    assert_int_equal(r->people[0].status, ATTENDEE_CONFIRMED);
    assert_int_equal(r->people[2].status, ATTENDEE_WITHDRAWN); /* Withdrawn */
    assert_int_equal(r->people[3].status, ATTENDEE_WITHDRAWN); /* Pending: to the desk */
    roster_free(r);
    config_free(cfg);
}

/* Ticket rows that cannot be checked in are skipped, and no message quotes
 * a code. */
static void test_bad_ticket_rows_are_skipped_without_their_code(void **state)
{
    struct fixture *fx = *state;
    fx->cfg.columns = (struct config_columns){
        .id = "Order", .first_name = "First", .last_name = "Last", .code = "Code"};
    char longcode[ROSTER_CODE_MAX + 2];
    memset(longcode, 'x', sizeof longcode - 1);
    longcode[sizeof longcode - 1] = '\0';
    char *text = xasprintf("Order,First,Last,Code\n"
                           "A1,Ann,Lee,secret-one\n"
                           "A2,Bob,Ray,\n"
                           "A3,Cy,Doe,secret-one\n"
                           "A4,Di,Poe,%s\n"
                           "A5,Ed,Roe,bad\x01code\n"
                           "A1,Flo,Lee,secret-two\n",
                           longcode);
    tu_write_text(fx->path, text);
    free(text);
    struct roster *r = read_ok(fx);
    assert_int_equal(r->n_people, 2);
    assert_int_equal(r->n_problems, 4);
    static const char *const words[] = {"no code", "same code as the ticket on line 2",
                                        "longer than", "control"};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(r->problems[i].line, (long)i + 3);
        assert_string_equal(r->problems[i].field, "Code");
        assert_non_null(strstr(r->problems[i].message, words[i]));
        assert_null(strstr(r->problems[i].message, "secret"));
        assert_null(strstr(r->problems[i].message, "xxxx"));
    }
    /* Two tickets of order A1: a suffix each, from a hash of the code. */
    assert_true(strncmp(r->people[0].id, "A1-", 3) == 0);
    assert_true(strncmp(r->people[1].id, "A1-", 3) == 0);
    assert_int_equal(strlen(r->people[0].id), 7);
    assert_string_not_equal(r->people[0].id, r->people[1].id);
    assert_null(strpbrk(r->people[0].id + 3, "IO01")); /* nothing staff could misread */
    roster_free(r);
}

/* A ticket's suffix is the same on every read: it is derived from the
 * ticket, not from its place in the file. */
static void test_ticket_suffix_does_not_depend_on_file_order(void **state)
{
    struct fixture *fx = *state;
    fx->cfg.columns = (struct config_columns){
        .id = "Order", .first_name = "First", .last_name = "Last", .code = "Code"};
    tu_write_text(fx->path, "Order,First,Last,Code\nB1,Ann,Lee,c-one\nB1,Bob,Ray,c-two\n");
    struct roster *r1 = read_ok(fx);
    tu_write_text(fx->path, "Order,First,Last,Code\nB1,Bob,Ray,c-two\nX9,Zed,Zo,c-3\n"
                            "B1,Ann,Lee,c-one\n");
    struct roster *r2 = read_ok(fx);
    assert_string_equal(r1->people[0].id, r2->people[2].id);
    assert_string_equal(r1->people[1].id, r2->people[0].id);
    roster_free(r1);
    roster_free(r2);
}

/* Validity dates as exporters write them. */
static void test_validity_dates_in_the_exporters_formats(void **state)
{
    struct fixture *fx = *state;
    static const struct {
        const char *cell;
        enum config_date_order order;
        const char *want; /* NULL: the row is refused */
    } cases[] = {
        {"2023-07-05 00:00", CONFIG_DATES_ISO, "2023-07-05"},  /* pretix, English */
        {"2023-07-05", CONFIG_DATES_ISO, "2023-07-05"},
        {"2023-07-05T09:30:00+08:00", CONFIG_DATES_ISO, "2023-07-05"},
        {"05.07.2023 09:00", CONFIG_DATES_ISO, "2023-07-05"}, /* German */
        {"5.7.2023", CONFIG_DATES_ISO, "2023-07-05"},
        {"07/05/2023 9 a.m.", CONFIG_DATES_MDY, "2023-07-05"}, /* pretix, en_US */
        {"05/07/2023 09:00", CONFIG_DATES_DMY, "2023-07-05"},
        {"05/07/2023", CONFIG_DATES_ISO, NULL}, /* which is the day? */
        {"2023-02-30", CONFIG_DATES_ISO, NULL},
        {"next Tuesday", CONFIG_DATES_ISO, NULL},
        {"2023-07-05x", CONFIG_DATES_ISO, NULL},
    };
    fx->cfg.columns.valid_from = "Valid from";
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fx->cfg.date_order = cases[i].order;
        char *text = xasprintf("Registration ID,First Name,Last Name,Valid from\n"
                               "R1,Ann,Lee,\"%s\"\n",
                               cases[i].cell);
        tu_write_text(fx->path, text);
        free(text);
        struct roster *r = read_ok(fx);
        bool ok = cases[i].want ? r->n_people == 1 &&
                                      strcmp(r->people[0].valid_from, cases[i].want) == 0
                                : r->n_people == 0 && r->n_problems == 1 &&
                                      strstr(r->problems[0].message, "not a date");
        if (!ok)
            print_error("'%s': %zu people (%s), %zu problems\n", cases[i].cell, r->n_people,
                        r->n_people ? r->people[0].valid_from : "", r->n_problems);
        roster_free(r);
        if (!ok)
            fail();
    }
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_reads_every_field_of_an_fgmv_row),
        T(test_fields_are_trimmed),
        T(test_header_match_ignores_case_spaces_and_order),
        T(test_optional_columns_may_be_absent),
        T(test_no_default_category_leaves_category_empty),
        T(test_only_header_gives_empty_roster),
        T(test_bad_files_are_rejected),
        T(test_huge_field_rejects_file_with_line),
        T(test_300_columns_reject_file),
        T(test_bad_rows_are_skipped_with_line_and_reason),
        T(test_duplicate_id_keeps_first_and_names_its_line),
        T(test_events_are_canonical_in_config_order_without_duplicates),
        T(test_events_split_on_configured_separator),
        T(test_status_maps_to_confirmed_or_withdrawn),
        T(test_blank_lines_are_skipped_silently),
        T(test_short_rows_read_missing_fields_as_empty),
        T(test_reads_100000_rows_quickly),
        T(test_pretix_check_in_list_is_one_attendee_per_ticket),
        T(test_pretix_export_reads_the_same_in_every_encoding),
        T(test_german_pretix_export_is_mapped_by_roster_lines),
        T(test_eventbrite_report_is_one_attendee_per_ticket),
        T(test_indico_spreadsheet_reads_with_its_states),
        T(test_bad_ticket_rows_are_skipped_without_their_code),
        T(test_ticket_suffix_does_not_depend_on_file_order),
        T(test_validity_dates_in_the_exporters_formats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
