/* test_store: the attendance store against a real SQLite file.
 *
 * Each test gets a fresh folder under /tmp. Rosters are built by hand (the
 * roster reader is another module). Where a test must damage the store as an
 * outsider would, it opens the file with sqlite3 directly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <grp.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/store.h"
#include "util/xalloc.h"
#include "testutil.h"

#define DAY1 19542 /* 2023-07-04 */
#define DAY2 19543

struct fixture {
    char *dir;
    char *path; /* dir/attendance.db */
};

static int setup(void **state)
{
    struct fixture *f = xcalloc(1, sizeof *f);
    f->dir = tu_tempdir_new("store");
    f->path = tu_path_new(f->dir, "attendance.db");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    tu_tempdir_free(f->dir);
    free(f->path);
    free(f);
    return 0;
}

static void person(struct attendee *a, const char *id, const char *first, const char *last,
                   const char *org, enum attendee_status status)
{
    struct attendee tmp = {
        .id = (char *)id,
        .title = (char *)"Dr",
        .first_name = (char *)first,
        .last_name = (char *)last,
        .badge_name = (char *)"",
        .organization = (char *)org,
        .country = (char *)"CN",
        .category = (char *)"Participant",
        .events = (char *)"FG-MV",
        .email = (char *)"",
        .language = (char *)"en",
        .status = status,
    };
    attendee_copy(a, &tmp);
}

static struct roster *roster_new(size_t n)
{
    struct roster *r = xcalloc(1, sizeof *r);
    r->people = xcalloc(n ? n : 1, sizeof *r->people);
    r->n_people = n;
    r->n_rows = n;
    return r;
}

static void roster_release(struct roster *r)
{
    for (size_t i = 0; i < r->n_people; i++) {
        attendee_clear(&r->people[i]);
        if (r->tickets) {
            free(r->tickets[i].code);
            free(r->tickets[i].order);
            free(r->tickets[i].ticket);
            free(r->tickets[i].long_id);
        }
    }
    free(r->tickets);
    free(r->people);
    free(r);
}

/* Ticket i of an export with codes, as roster_read makes it: order and its
 * suffix, and the ID the roster proposes (the order alone, or long_id). */
static void ticket(struct roster *r, size_t i, const char *order, const char *suffix,
                   const char *code, bool alone, const char *first)
{
    if (!r->tickets)
        r->tickets = xcalloc(r->n_people, sizeof *r->tickets);
    char *long_id = xasprintf("%s-%s", order, suffix);
    person(&r->people[i], alone ? order : long_id, first, "Tester", "ITU", ATTENDEE_CONFIRMED);
    r->tickets[i] = (struct roster_ticket){xstrdup(code), xstrdup(order), xstrdup(""), long_id};
}

/* The ID store_find_code gives for code, or "" when none. */
static const char *id_of_code(struct store *s, const char *code)
{
    static char id[ATTENDEE_ID_MAX + 1];
    struct bk_err err = {0};
    enum bk_status st = store_find_code(s, code, strlen(code), id, sizeof id, &err);
    if (st == BK_ERR_NOT_FOUND)
        return "";
    if (st != BK_OK)
        fail_msg("store_find_code: %s", err.msg);
    assert_null(strstr(err.msg, code));
    return id;
}

static struct store *open_ok(const struct fixture *f)
{
    struct store *s = NULL;
    struct bk_err err = {0};
    enum bk_status st = store_create(f->path, &s, &err);
    if (st != BK_OK)
        fail_msg("store_create: %s", err.msg);
    return s;
}

/* The store with one confirmed attendee, P1 (Ada Lovelace). */
static struct store *open_with_ada(const struct fixture *f)
{
    struct store *s = open_ok(f);
    struct roster *r = roster_new(1);
    person(&r->people[0], "P1", "Ada", "Lovelace", "ITU", ATTENDEE_CONFIRMED);
    assert_int_equal(store_import(s, r, NULL, NULL, NULL), BK_OK);
    roster_release(r);
    return s;
}

/* Runs SQL on the store file behind badgekiosk's back. */
static void tamper(const struct fixture *f, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fail_msg("%s: %s", sql, msg);
    sqlite3_close(db);
}

static struct store_scan scan_at(const char *attendee, bk_day day, int64_t at_ms)
{
    struct store_scan sc = {
        .at_ms = at_ms,
        .kiosk = "kiosk-1",
        .method = "camera",
        .outcome = "checked_in",
        .attendee = attendee,
        .day = day,
        .has_day = true,
    };
    return sc;
}

static void record_unknown_scans(struct store *s, int n)
{
    for (int i = 0; i < n; i++) {
        struct store_scan sc = {.at_ms = 1000 + i,
                                .kiosk = "kiosk-1",
                                .method = "scanner",
                                .outcome = "unknown",
                                .detail = "no_such_id"};
        assert_int_equal(store_record_scan(s, &sc, NULL), BK_OK);
    }
}

static void test_open_creates_private_file(void **state)
{
    struct fixture *f = *state;
    mode_t old = umask(0); /* SQLite alone would make it world-readable now */
    struct store *s = open_ok(f);
    umask(old);
    struct stat sb;
    assert_int_equal(stat(f->path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    store_close(s);
}

/* A store's folder is made on first use, private to the operator (both
 * programs relied on making it themselves). */
static void test_open_makes_a_missing_folder_private(void **state)
{
    struct fixture *f = *state;
    char *sub = tu_path_new(f->dir, "var");
    char *path = tu_path_new(sub, "store.db");
    mode_t old = umask(0);
    struct store *s = NULL;
    struct bk_err err = {0};
    enum bk_status st = store_create(path, &s, &err);
    umask(old);
    if (st != BK_OK)
        fail_msg("store_create: %s", err.msg);
    struct stat sb;
    assert_int_equal(stat(sub, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    store_close(s);
    free(path);
    free(sub);
}

static void test_import_counts(void **state)
{
    struct fixture *f = *state;
    struct store *s = open_ok(f);
    struct store_import_summary sum;

    struct roster *r = roster_new(4);
    person(&r->people[0], "P1", "Ada", "Lovelace", "ITU", ATTENDEE_CONFIRMED);
    person(&r->people[1], "P2", "Alan", "Turing", "NPL", ATTENDEE_CONFIRMED);
    person(&r->people[2], "P3", "蕴韬", "王", "CAICT", ATTENDEE_CONFIRMED);
    person(&r->people[3], "P4", "Grace", "Hopper", "USN", ATTENDEE_CONFIRMED);
    assert_int_equal(store_import(s, r, NULL, &sum, NULL), BK_OK);
    assert_int_equal(sum.added, 4);
    assert_int_equal(sum.updated + sum.unchanged + sum.withdrawn + sum.reinstated, 0);
    roster_release(r);

    /* P1 same, P2 moved, P3 cancelled in the export, P4 gone, P5 new. */
    r = roster_new(4);
    person(&r->people[0], "P1", "Ada", "Lovelace", "ITU", ATTENDEE_CONFIRMED);
    person(&r->people[1], "P2", "Alan", "Turing", "Manchester", ATTENDEE_CONFIRMED);
    person(&r->people[2], "P3", "蕴韬", "王", "CAICT", ATTENDEE_WITHDRAWN);
    person(&r->people[3], "P5", "Edsger", "Dijkstra", "TU/e", ATTENDEE_CONFIRMED);
    assert_int_equal(store_import(s, r, NULL, &sum, NULL), BK_OK);
    assert_int_equal(sum.added, 1);
    assert_int_equal(sum.updated, 1);
    assert_int_equal(sum.unchanged, 1);
    assert_int_equal(sum.withdrawn, 2);
    assert_int_equal(sum.reinstated, 0);
    roster_release(r);

    size_t n;
    assert_int_equal(store_count_attendees(s, &n, NULL), BK_OK);
    assert_int_equal(n, 5);
    struct attendee a;
    assert_int_equal(store_get_attendee(s, "P2", &a, NULL), BK_OK);
    assert_string_equal(a.organization, "Manchester");
    assert_int_equal(a.status, ATTENDEE_CONFIRMED);
    attendee_clear(&a);
    store_close(s);
}

static void test_reimport_marks_missing_withdrawn_and_reinstates(void **state)
{
    struct fixture *f = *state;
    struct store *s = open_ok(f);
    struct store_import_summary sum;

    struct roster *full = roster_new(3);
    person(&full->people[0], "P1", "Ada", "Lovelace", "ITU", ATTENDEE_CONFIRMED);
    person(&full->people[1], "P2", "Alan", "Turing", "NPL", ATTENDEE_CONFIRMED);
    person(&full->people[2], "P3", "Grace", "Hopper", "USN", ATTENDEE_CONFIRMED);
    struct roster *part = roster_new(1);
    person(&part->people[0], "P1", "Ada", "Lovelace", "ITU", ATTENDEE_CONFIRMED);

    assert_int_equal(store_import(s, full, NULL, &sum, NULL), BK_OK);
    assert_int_equal(store_import(s, part, NULL, &sum, NULL), BK_OK);
    assert_int_equal(sum.withdrawn, 2);
    assert_int_equal(sum.unchanged, 1);

    struct attendee a;
    assert_int_equal(store_get_attendee(s, "P3", &a, NULL), BK_OK);
    assert_int_equal(a.status, ATTENDEE_WITHDRAWN);
    attendee_clear(&a);

    /* Already withdrawn people are not withdrawn again. */
    assert_int_equal(store_import(s, part, NULL, &sum, NULL), BK_OK);
    assert_int_equal(sum.withdrawn, 0);

    assert_int_equal(store_import(s, full, NULL, &sum, NULL), BK_OK);
    assert_int_equal(sum.reinstated, 2);
    assert_int_equal(sum.unchanged, 1);
    assert_int_equal(sum.added + sum.updated + sum.withdrawn, 0);
    assert_int_equal(store_get_attendee(s, "P3", &a, NULL), BK_OK);
    assert_int_equal(a.status, ATTENDEE_CONFIRMED);
    attendee_clear(&a);

    roster_release(full);
    roster_release(part);
    store_close(s);
}

static void test_repeated_id_in_export_keeps_first_row(void **state)
{
    struct fixture *f = *state;
    struct store *s = open_ok(f);
    struct roster *r = roster_new(3);
    person(&r->people[0], "P2", "Alan", "Turing", "NPL", ATTENDEE_CONFIRMED);
    person(&r->people[1], "P1", "Ada", "Lovelace", "ITU", ATTENDEE_CONFIRMED);
    person(&r->people[2], "P2", "Alan", "Turing", "Bletchley", ATTENDEE_CONFIRMED);
    struct store_import_summary sum;
    assert_int_equal(store_import(s, r, NULL, &sum, NULL), BK_OK);
    assert_int_equal(sum.added, 2);
    struct attendee a;
    assert_int_equal(store_get_attendee(s, "P2", &a, NULL), BK_OK);
    assert_string_equal(a.organization, "NPL");
    attendee_clear(&a);
    roster_release(r);
    store_close(s);
}

static void test_empty_export_is_refused(void **state)
{
    struct fixture *f = *state;
    struct store *s = open_ok(f);
    struct roster *r = roster_new(1);
    person(&r->people[0], "P1", "Ada", "Lovelace", "ITU", ATTENDEE_CONFIRMED);
    assert_int_equal(store_import(s, r, NULL, NULL, NULL), BK_OK);
    struct roster *empty = roster_new(0);
    struct bk_err err = {0};
    assert_int_equal(store_import(s, empty, NULL, NULL, &err), BK_ERR_INVALID);
    struct attendee a;
    assert_int_equal(store_get_attendee(s, "P1", &a, NULL), BK_OK);
    assert_int_equal(a.status, ATTENDEE_CONFIRMED);
    attendee_clear(&a);
    roster_release(r);
    roster_release(empty);
    store_close(s);
}

static void test_reimport_keeps_checkins(void **state)
{
    struct fixture *f = *state;
    struct store *s = open_ok(f);
    struct roster *r = roster_new(2);
    person(&r->people[0], "P1", "Ada", "Lovelace", "ITU", ATTENDEE_CONFIRMED);
    person(&r->people[1], "P2", "Alan", "Turing", "NPL", ATTENDEE_CONFIRMED);
    assert_int_equal(store_import(s, r, NULL, NULL, NULL), BK_OK);

    struct store_scan sc = scan_at("P1", DAY1, 5000);
    bool already = true;
    assert_int_equal(store_record_checkin(s, &sc, NULL, &already, NULL, NULL), BK_OK);
    assert_false(already);
    sc = scan_at("P2", DAY1, 6000);
    assert_int_equal(store_record_checkin(s, &sc, NULL, &already, NULL, NULL), BK_OK);

    /* A newer export changes P1 and drops P2. */
    roster_release(r);
    r = roster_new(1);
    person(&r->people[0], "P1", "Ada", "King", "ITU", ATTENDEE_CONFIRMED);
    assert_int_equal(store_import(s, r, NULL, NULL, NULL), BK_OK);

    size_t n;
    assert_int_equal(store_count_scans(s, &n, NULL), BK_OK);
    assert_int_equal(n, 2);
    int64_t first = 0;
    sc = scan_at("P1", DAY1, 9000);
    assert_int_equal(store_record_checkin(s, &sc, NULL, &already, &first, NULL), BK_OK);
    assert_true(already);
    assert_int_equal(first, 5000);
    struct store_verify v = {0};
    assert_int_equal(store_verify_chain(s, &v, NULL), BK_OK);
    assert_int_equal(v.records, 3);
    roster_release(r);
    store_close(s);
}

struct attendance_seen {
    int n;
    char last_id[16];
    bk_day last_day;
    int64_t last_at;
};

static int count_attendance(void *ctx, const char *attendee, bk_day day, int64_t first_at_ms)
{
    struct attendance_seen *a = ctx;
    a->n++;
    snprintf(a->last_id, sizeof a->last_id, "%s", attendee);
    a->last_day = day;
    a->last_at = first_at_ms;
    return 0;
}

static void test_already_checked_in_returns_first_at(void **state)
{
    struct fixture *f = *state;
    struct store *s = open_ok(f);
    bool already = true;
    int64_t first = -1;

    struct store_scan sc = scan_at("P1", DAY1, 1000);
    assert_int_equal(store_record_checkin(s, &sc, NULL, &already, &first, NULL), BK_OK);
    assert_false(already);
    assert_int_equal(first, 0);
    sc = scan_at("P1", DAY1, 5000);
    assert_int_equal(store_record_checkin(s, &sc, NULL, &already, &first, NULL), BK_OK);
    assert_true(already);
    assert_int_equal(first, 1000);
    /* A new day is a new check-in. */
    sc = scan_at("P1", DAY2, 90000000);
    assert_int_equal(store_record_checkin(s, &sc, NULL, &already, &first, NULL), BK_OK);
    assert_false(already);

    struct attendance_seen seen = {0};
    assert_int_equal(store_foreach_attendance(s, count_attendance, &seen, NULL), BK_OK);
    assert_int_equal(seen.n, 2);
    assert_string_equal(seen.last_id, "P1");
    assert_int_equal(seen.last_day, DAY2);
    assert_int_equal(seen.last_at, 90000000);
    store_close(s);
}

static void test_database_refuses_second_checkin_row(void **state)
{
    struct fixture *f = *state;
    struct store *s = open_ok(f);
    struct store_scan sc = scan_at("P1", DAY1, 1000);
    assert_int_equal(store_record_checkin(s, &sc, NULL, NULL, NULL, NULL), BK_OK);
    store_close(s);

    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    int rc = sqlite3_exec(db,
                          "INSERT INTO scan_event (seq, at_ms, kiosk, method, outcome, attendee,"
                          " day, prev_hash, hash) VALUES (2, 2000, 'k', 'cli', 'checked_in',"
                          " 'P1', 19542, x'00', x'00')",
                          NULL, NULL, NULL);
    assert_int_equal(rc, SQLITE_CONSTRAINT);
    sqlite3_close(db);
}

struct scan_list {
    int n;
    struct store_event ev[4];
    char *attendee[4], *detail[4];
};

static int keep_scan(void *ctx, const struct store_event *ev)
{
    struct scan_list *l = ctx;
    if (l->n == 4)
        return 1;
    l->ev[l->n] = *ev;
    l->attendee[l->n] = xstrdup(ev->attendee);
    l->detail[l->n] = xstrdup(ev->detail);
    l->n++;
    return 0;
}

struct open_requests {
    int n;
    char attendee[4][16];
    int64_t at[4];
    char details[4][70];
};

static int keep_request(void *ctx, const struct store_correction *c)
{
    struct open_requests *o = ctx;
    if (o->n < 4) {
        snprintf(o->attendee[o->n], sizeof o->attendee[0], "%s", c->attendee);
        snprintf(o->details[o->n], sizeof o->details[0], "%s", c->details);
        o->at[o->n] = c->at_ms;
    }
    o->n++;
    return 0;
}

/* Issue 11, finding 3: "my details are wrong" is kept in the log, read back
 * by a new connection (a restart), settled by a clear, and asked again
 * after it; the oldest request comes first. */
static void test_correction_requests_are_kept_and_cleared(void **state)
{
    struct fixture *f = *state;
    struct store *s = open_ok(f);
    assert_int_equal(store_record_correction(s, "P2", DAY1, "k1", "manual", "ab12", 100, NULL),
                     BK_OK);
    assert_int_equal(store_record_correction(s, "P1", DAY1, "k1", "manual", NULL, 50, NULL),
                     BK_OK);
    assert_int_equal(store_record_correction(s, "", DAY1, "k1", "manual", NULL, 50, NULL),
                     BK_ERR_INVALID);
    store_close(s);
    s = open_ok(f);
    struct open_requests o = {0};
    assert_int_equal(store_foreach_correction(s, keep_request, &o, NULL), BK_OK);
    assert_int_equal(o.n, 2);
    assert_string_equal(o.attendee[0], "P1");
    assert_string_equal(o.details[0], "");
    assert_string_equal(o.attendee[1], "P2");
    assert_string_equal(o.details[1], "ab12");
    assert_int_equal(o.at[1], 100);
    bool found = false;
    assert_int_equal(store_clear_correction(s, "P1", "desk", "cli", "cleared", 200, &found, NULL),
                     BK_OK);
    assert_true(found);
    assert_int_equal(store_clear_correction(s, "P1", "desk", "cli", "cleared", 210, &found, NULL),
                     BK_OK);
    assert_false(found);
    /* A clock behind the request's still settles it. */
    assert_int_equal(store_clear_correction(s, "P2", "desk", "cli", "cleared", 10, &found, NULL),
                     BK_OK);
    assert_true(found);
    o = (struct open_requests){0};
    assert_int_equal(store_foreach_correction(s, keep_request, &o, NULL), BK_OK);
    assert_int_equal(o.n, 0);
    assert_int_equal(store_record_correction(s, "P1", DAY1, "k2", "manual", NULL, 300, NULL),
                     BK_OK);
    assert_int_equal(store_foreach_correction(s, keep_request, &o, NULL), BK_OK);
    assert_int_equal(o.n, 1);
    assert_int_equal(o.at[0], 300);
    /* Every request and clear is in the chained log. */
    size_t n = 0;
    assert_int_equal(store_count_scans(s, &n, NULL), BK_OK);
    assert_int_equal(n, 5);
    struct store_verify v = {0};
    assert_int_equal(store_verify_chain(s, &v, NULL), BK_OK);
    store_close(s);
}

static void test_scans_keep_every_field(void **state)
{
    struct fixture *f = *state;
    struct store *s = open_ok(f);
    struct store_scan refused = {.at_ms = 42,
                                 .kiosk = "desk",
                                 .method = "manual",
                                 .outcome = "withdrawn",
                                 .attendee = "P9",
                                 .day = DAY1,
                                 .has_day = true,
                                 .detail = NULL};
    struct store_scan garbled = {.at_ms = 43,
                                 .kiosk = "kiosk-2",
                                 .method = "camera",
                                 .outcome = "invalid",
                                 .detail = "bad_signature"};
    assert_int_equal(store_record_scan(s, &refused, NULL), BK_OK);
    assert_int_equal(store_record_scan(s, &garbled, NULL), BK_OK);

    struct scan_list l = {0};
    assert_int_equal(store_foreach_scan(s, keep_scan, &l, NULL), BK_OK);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.ev[0].seq, 1);
    assert_int_equal(l.ev[0].at_ms, 42);
    assert_string_equal(l.attendee[0], "P9");
    assert_true(l.ev[0].has_day);
    assert_int_equal(l.ev[0].day, DAY1);
    assert_null(l.detail[0]);
    assert_int_equal(l.ev[1].seq, 2);
    assert_null(l.attendee[1]);
    assert_false(l.ev[1].has_day);
    assert_string_equal(l.detail[1], "bad_signature");
    for (int i = 0; i < l.n; i++) {
        free(l.attendee[i]);
        free(l.detail[i]);
    }

    /* A check-in cannot slip in through the plain path. */
    struct store_scan sneaky = scan_at("P9", DAY1, 44);
    assert_int_equal(store_record_scan(s, &sneaky, NULL), BK_ERR_INVALID);
    store_close(s);
}

static void test_badge_printed_reads_badge_print(void **state)
{
    struct fixture *f = *state;
    struct store *s = open_ok(f);
    struct roster *r = roster_new(2);
    person(&r->people[0], "P1", "Ada", "Lovelace", "ITU", ATTENDEE_CONFIRMED);
    person(&r->people[1], "P2", "Alan", "Turing", "NPL", ATTENDEE_CONFIRMED);
    assert_int_equal(store_import(s, r, NULL, NULL, NULL), BK_OK);
    roster_release(r);
    int64_t b1, b2;
    assert_int_equal(store_badge_add(s, "P1", "SER1", NULL, "k", 1, &b1, NULL), BK_OK);
    assert_int_equal(store_badge_add(s, "P2", "SER2", NULL, "k", 1, &b2, NULL), BK_OK);
    assert_int_equal(store_badge_update(s, b1, STORE_BADGE_PENDING, STORE_BADGE_PRINTED, "ipp://p",
                                        7, NULL, 2, NULL),
                     BK_OK);
    bool printed = false;
    assert_int_equal(store_badge_printed(s, "P1", &printed, NULL), BK_OK);
    assert_true(printed);
    assert_int_equal(store_badge_printed(s, "P2", &printed, NULL), BK_OK);
    assert_false(printed);
    assert_int_equal(store_badge_printed(s, "P3", &printed, NULL), BK_OK);
    assert_false(printed);
    store_close(s);
}

struct badge_list {
    char serials[8][16];
    char statuses[8][16];
    int jobs[8];
    char details[8][128]; /* "" for none */
    size_t n;
};

static int collect_badge(void *ctx, const struct store_badge *b)
{
    struct badge_list *l = ctx;
    snprintf(l->serials[l->n], sizeof l->serials[0], "%s", b->serial);
    snprintf(l->statuses[l->n], sizeof l->statuses[0], "%s", store_badge_status_code(b->status));
    l->jobs[l->n] = b->job;
    snprintf(l->details[l->n], sizeof l->details[0], "%s", b->detail ? b->detail : "");
    l->n++;
    return 0;
}

static void test_badge_status_moves_only_from_the_expected_one(void **state)
{
    struct fixture *f = *state;
    struct store *s = open_with_ada(f);
    int64_t id;
    assert_int_equal(store_badge_add(s, "P1", "AAAAAA", NULL, "k", 10, &id, NULL), BK_OK);
    /* Two kiosks race for the same pending badge: only one wins. */
    assert_int_equal(store_badge_update(s, id, STORE_BADGE_PENDING, STORE_BADGE_SUBMITTED,
                                        "ipp://p", 41, NULL, 11, NULL),
                     BK_OK);
    struct bk_err err = {0};
    assert_int_equal(store_badge_update(s, id, STORE_BADGE_PENDING, STORE_BADGE_SUBMITTED,
                                        "ipp://q", 42, NULL, 12, &err),
                     BK_ERR_BUSY);
    assert_int_equal(
        store_badge_update(s, id, STORE_BADGE_ANY, STORE_BADGE_PRINTED, NULL, 0, NULL, 13, NULL),
        BK_OK);
    assert_int_equal(store_badge_add(s, "P1", "BBBBBB", "lost", "desk", 20, &id, NULL), BK_OK);
    struct badge_list l = {0};
    assert_int_equal(store_foreach_badge(s, "P1", collect_badge, &l, NULL), BK_OK);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.serials[0], "AAAAAA");
    assert_string_equal(l.statuses[0], "printed");
    assert_int_equal(l.jobs[0], 41); /* job 0 keeps the job */
    assert_string_equal(l.serials[1], "BBBBBB");
    assert_string_equal(l.statuses[1], "pending");
    assert_int_equal(store_badge_update(s, id, STORE_BADGE_ANY, (enum store_badge_status)42, NULL,
                                        0, NULL, 21, &err),
                     BK_ERR_INVALID);
    /* A serial is never reused. */
    assert_int_not_equal(store_badge_add(s, "P1", "BBBBBB", "again", "desk", 22, NULL, &err),
                         BK_OK);
    store_close(s);
}

/* A badge that waited with a problem and then printed shows no problem:
 * the staff screen and the report would otherwise say "printer out of
 * paper" beside a badge that came out. A status other than printed keeps
 * the last problem when none is given. */
static void test_a_badge_marked_printed_clears_its_old_problem(void **state)
{
    struct fixture *f = *state;
    struct store *s = open_with_ada(f);
    int64_t id;
    assert_int_equal(store_badge_add(s, "P1", "AAAAAA", NULL, "k", 10, &id, NULL), BK_OK);
    assert_int_equal(store_badge_update(s, id, STORE_BADGE_PENDING, STORE_BADGE_PENDING, NULL, 0,
                                        "media-empty-error", 11, NULL),
                     BK_OK);
    assert_int_equal(store_badge_update(s, id, STORE_BADGE_PENDING, STORE_BADGE_SUBMITTED,
                                        "ipp://p", 41, NULL, 12, NULL),
                     BK_OK);
    struct badge_list l = {0};
    assert_int_equal(store_foreach_badge(s, "P1", collect_badge, &l, NULL), BK_OK);
    assert_string_equal(l.details[0], "media-empty-error");
    assert_int_equal(store_badge_update(s, id, STORE_BADGE_SUBMITTED, STORE_BADGE_PRINTED, NULL, 0,
                                        NULL, 13, NULL),
                     BK_OK);
    memset(&l, 0, sizeof l);
    assert_int_equal(store_foreach_badge(s, "P1", collect_badge, &l, NULL), BK_OK);
    assert_string_equal(l.statuses[0], "printed");
    assert_string_equal(l.details[0], "");
    store_close(s);
}

/* The text each status is kept as, read back from the file itself: what
 * stores written before the enum hold, so they must stay readable. */
static const struct {
    enum store_badge_status status;
    const char *code;
    bool waiting;
} badge_states[] = {
    {STORE_BADGE_PENDING, "pending", true},
    {STORE_BADGE_SUBMITTED, "submitted", true},
    {STORE_BADGE_PRINTED, "printed", false},
    {STORE_BADGE_CANCELLED, "cancelled", false},
};

static int text_of_row(void *ctx, int n, char **values, char **names)
{
    (void)names;
    snprintf(ctx, 16, "%s", n > 0 && values[0] ? values[0] : "");
    return 0;
}

static int first_status(void *ctx, const struct store_badge *b)
{
    *(enum store_badge_status *)ctx = b->status;
    return 1;
}

static void test_badge_status_codes_round_trip_through_the_file(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(sizeof badge_states / sizeof badge_states[0], STORE_BADGE_N_STATUSES);
    struct store *s = open_with_ada(f);
    int64_t id;
    assert_int_equal(store_badge_add(s, "P1", "AAAAAA", NULL, "k", 1, &id, NULL), BK_OK);
    for (size_t i = 0; i < sizeof badge_states / sizeof badge_states[0]; i++) {
        enum store_badge_status st = badge_states[i].status, back;
        assert_string_equal(store_badge_status_code(st), badge_states[i].code);
        assert_true(store_badge_status_from_code(badge_states[i].code, &back));
        assert_int_equal(back, st);
        assert_int_equal(store_badge_waiting(st), badge_states[i].waiting);
        /* Every status is accepted by the schema and read back as itself. */
        assert_int_equal(store_badge_update(s, id, STORE_BADGE_ANY, st, NULL, 0, NULL, 2, NULL),
                         BK_OK);
        sqlite3 *db = NULL;
        char text[16] = "";
        assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
        assert_int_equal(
            sqlite3_exec(db, "SELECT status FROM badge_print", text_of_row, text, NULL), SQLITE_OK);
        sqlite3_close(db);
        assert_string_equal(text, badge_states[i].code);
        back = STORE_BADGE_N_STATUSES;
        assert_int_equal(store_foreach_badge(s, "P1", first_status, &back, NULL), BK_OK);
        assert_int_equal(back, st);
    }
    enum store_badge_status none;
    assert_false(store_badge_status_from_code("Printed", &none));
    assert_false(store_badge_status_from_code("", &none));
    assert_false(store_badge_status_from_code(NULL, &none));
    assert_string_equal(store_badge_status_code(STORE_BADGE_N_STATUSES), "?");
    assert_false(store_badge_waiting(STORE_BADGE_ANY));
    store_close(s);
}

static void test_unknown_badge_status_in_the_file_is_an_error(void **state)
{
    struct fixture *f = *state;
    struct store *s = open_with_ada(f);
    int64_t id;
    assert_int_equal(store_badge_add(s, "P1", "AAAAAA", NULL, "k", 1, &id, NULL), BK_OK);
    tamper(f, "PRAGMA ignore_check_constraints = ON; UPDATE badge_print SET status = 'lost'");
    enum store_badge_status st;
    struct bk_err err = {0};
    assert_int_equal(store_foreach_badge(s, NULL, first_status, &st, &err), BK_ERR_STORE);
    assert_non_null(strstr(err.msg, "'lost'"));
    store_close(s);
}

static void test_token_is_kept_per_attendee(void **state)
{
    struct fixture *f = *state;
    struct store *s = open_with_ada(f);
    char *p = NULL;
    assert_int_equal(store_get_token(s, "P1", &p, NULL), BK_ERR_NOT_FOUND);
    const char *ids[] = {"P1"};
    const char *first[] = {"BK1.AAAA.X.Y"}, *second[] = {"BK1.BBBB.X.Y"};
    assert_int_equal(store_set_tokens(s, 1, ids, first, NULL), BK_OK);
    assert_int_equal(store_set_tokens(s, 1, ids, second, NULL), BK_OK);
    const char *unknown[] = {"NOBODY"};
    assert_int_not_equal(store_set_tokens(s, 1, unknown, first, NULL), BK_OK);
    assert_int_equal(store_get_token(s, "P1", &p, NULL), BK_OK);
    assert_string_equal(p, "BK1.BBBB.X.Y");
    free(p);
    store_close(s);
}

/* Heartbeats: one row per kiosk, the newest replacing the one before. */
struct beats {
    size_t n;
    char kiosks[4][32];
    int64_t waiting[4];
    char reasons[4][64];
    char ids[4][64];
};

static int take_beat(void *ctx, const struct store_heartbeat *hb)
{
    struct beats *b = ctx;
    if (b->n < 4) {
        snprintf(b->kiosks[b->n], sizeof b->kiosks[0], "%s", hb->kiosk);
        snprintf(b->reasons[b->n], sizeof b->reasons[0], "%s", hb->printer_reasons);
        snprintf(b->ids[b->n], sizeof b->ids[0], "%s", hb->correction_ids);
        b->waiting[b->n] = hb->waiting;
        assert_true(hb->age_ms >= 0 && hb->age_ms < 60000);
    }
    b->n++;
    return 0;
}

static void test_heartbeat_keeps_the_newest_per_kiosk(void **state)
{
    struct fixture *f = *state;
    struct store *s = open_with_ada(f);
    struct store_heartbeat hb = {.kiosk = "k2", .at_ms = 1, .waiting = 3, .printer_state = "idle",
                                 .printer_reasons = "", .camera = "ok"};
    assert_int_equal(store_put_heartbeat(s, &hb, NULL), BK_OK);
    hb.kiosk = "k1";
    assert_int_equal(store_put_heartbeat(s, &hb, NULL), BK_OK);
    hb.waiting = 7;
    hb.printer_state = "stopped";
    hb.printer_reasons = "Out of labels.";
    hb.corrections = 2;
    hb.correction_ids = "P7, P3";
    assert_int_equal(store_put_heartbeat(s, &hb, NULL), BK_OK);
    struct beats b = {0};
    assert_int_equal(store_foreach_heartbeat(s, take_beat, &b, NULL), BK_OK);
    assert_int_equal(b.n, 2);
    assert_string_equal(b.kiosks[0], "k1");
    assert_int_equal(b.waiting[0], 7);
    assert_string_equal(b.reasons[0], "Out of labels.");
    assert_string_equal(b.ids[0], "P7, P3");
    assert_string_equal(b.ids[1], "");
    assert_string_equal(b.kiosks[1], "k2");
    assert_int_equal(b.waiting[1], 3);
    store_close(s);
}

static void test_heartbeat_with_bad_fields_is_refused(void **state)
{
    struct fixture *f = *state;
    struct store *s = open_with_ada(f);
    struct store_heartbeat hb = {.kiosk = "", .printer_state = "idle", .printer_reasons = "",
                                 .camera = "ok"};
    struct bk_err err;
    assert_int_equal(store_put_heartbeat(s, &hb, &err), BK_ERR_INVALID);
    hb.kiosk = "k1";
    hb.printer_reasons = "\xff\xfe";
    assert_int_equal(store_put_heartbeat(s, &hb, &err), BK_ERR_INVALID);
    hb.printer_reasons = "";
    hb.waiting = -1;
    assert_int_equal(store_put_heartbeat(s, &hb, &err), BK_ERR_INVALID);
    struct beats b = {0};
    assert_int_equal(store_foreach_heartbeat(s, take_beat, &b, NULL), BK_OK);
    assert_int_equal(b.n, 0);
    store_close(s);
}

static void test_get_attendee_unknown_is_not_found(void **state)
{
    struct fixture *f = *state;
    struct store *s = open_ok(f);
    struct attendee a;
    struct bk_err err = {0};
    assert_int_equal(store_get_attendee(s, "nobody", &a, &err), BK_ERR_NOT_FOUND);
    attendee_clear(&a);
    store_close(s);
}

static void test_tampered_record_is_named(void **state)
{
    struct fixture *f = *state;
    struct store *s = open_ok(f);
    record_unknown_scans(s, 20);
    struct store_verify v = {0};
    assert_int_equal(store_verify_chain(s, &v, NULL), BK_OK);
    assert_int_equal(v.records, 20);
    assert_int_equal(v.first_bad, 0);

    tamper(f, "UPDATE scan_event SET kiosk = 'kiosk-9' WHERE seq = 17");
    struct bk_err err = {0};
    assert_int_equal(store_verify_chain(s, &v, &err), BK_ERR_INVALID);
    assert_int_equal(v.first_bad, 17);
    assert_non_null(strstr(err.msg, "record 17 does not match its hash"));
    assert_string_equal(err.file, f->path);
    store_close(s);
}

static void test_deleted_middle_record_is_detected(void **state)
{
    struct fixture *f = *state;
    struct store *s = open_ok(f);
    record_unknown_scans(s, 20);
    tamper(f, "DELETE FROM scan_event WHERE seq = 10");
    struct store_verify v = {0};
    struct bk_err err = {0};
    assert_int_equal(store_verify_chain(s, &v, &err), BK_ERR_INVALID);
    assert_int_equal(v.first_bad, 11);
    assert_non_null(strstr(err.msg, "record 11 does not follow record 9"));
    store_close(s);
}

/* Issue 10, finding 4: a mistyped path is refused, naming it, and nothing
 * is made; only store_create makes a store. */
static void test_open_refuses_a_store_that_does_not_exist(void **state)
{
    struct fixture *f = *state;
    char *path = tu_path_new(f->dir, "typo.db");
    struct store *s = (void *)1;
    struct bk_err err = {0};
    assert_int_equal(store_open(path, &s, &err), BK_ERR_NOT_FOUND);
    assert_null(s);
    assert_non_null(strstr(err.msg, path));
    assert_non_null(strstr(err.msg, "badgectl import"));
    struct stat sb;
    assert_int_not_equal(stat(path, &sb), 0);
    assert_int_equal(store_create(path, &s, &err), BK_OK);
    store_close(s);
    assert_int_equal(store_open(path, &s, &err), BK_OK);
    store_close(s);
    free(path);
}

/* Issue 10, finding 2: records cut from the end of the log leave a valid,
 * shorter chain; the witness beside the store shows the cut, naming the
 * last record it knows. */
static void test_a_cut_tail_is_found_by_the_witness(void **state)
{
    struct fixture *f = *state;
    struct store *s = open_ok(f);
    record_unknown_scans(s, 20);
    struct store_verify v = {0};
    struct bk_err err = {0};
    assert_int_equal(store_verify_chain(s, &v, &err), BK_OK);
    assert_true(v.witnessed);
    assert_int_equal(v.witness_seq, 20);
    assert_int_equal(v.head.seq, 20);
    store_close(s);
    char *witness = tu_path_new(f->dir, "attendance.db-witness");
    struct stat sb;
    assert_int_equal(stat(witness, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);

    tamper(f, "DELETE FROM scan_event WHERE seq > 1");
    s = open_ok(f);
    assert_int_equal(store_verify_chain(s, &v, &err), BK_ERR_INVALID);
    assert_int_equal(v.first_bad, 2);
    assert_non_null(strstr(err.msg, "ends at record 1"));
    assert_non_null(strstr(err.msg, "knows record 20"));
    store_close(s);

    /* Without its witness, the end of the log cannot be vouched for. */
    assert_int_equal(unlink(witness), 0);
    s = open_ok(f);
    assert_int_equal(store_verify_chain(s, &v, &err), BK_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "witness is missing"));
    store_close(s);
    free(witness);
}

/* A log rewritten from some record on (with this code's own hashing)
 * passes the chain check; the witness still holds the old hashes. And a
 * head printed on paper vouches for the log like the witness. */
static void test_a_rewritten_log_and_a_printed_head_are_checked(void **state)
{
    struct fixture *f = *state;
    struct store *s = open_ok(f);
    record_unknown_scans(s, 5);
    struct store_head head;
    assert_int_equal(store_head(s, &head, NULL), BK_OK);
    assert_int_equal(head.seq, 5);
    char text[STORE_HEAD_TEXT];
    store_head_format(&head, text);
    struct store_head known;
    size_t digits = 0;
    text[2 + 16] = '\0'; /* "5:" and 16 digits, as copied from paper */
    assert_true(store_head_parse(text, &known, &digits));
    assert_int_equal(digits, 16);
    struct store_verify v = {.known = &known, .known_digits = digits};
    struct bk_err err = {0};
    assert_int_equal(store_verify_chain(s, &v, &err), BK_OK);
    store_close(s);

    /* Cut the tail and the witness's lines for it: the paper head remains. */
    tamper(f, "DELETE FROM scan_event WHERE seq > 3");
    char *witness = tu_path_new(f->dir, "attendance.db-witness");
    assert_int_equal(truncate(witness, 0), 0);
    s = open_ok(f);
    assert_int_equal(store_verify_chain(s, &v, &err), BK_ERR_INVALID);
    assert_non_null(strstr(err.msg, "head given is record 5"));
    assert_false(store_head_parse("5:abc", &known, &digits));
    assert_false(store_head_parse("nonsense", &known, &digits));
    store_close(s);
    free(witness);
}

struct badge_count {
    size_t n, pending;
    char last_serial[16];
};

static int count_badges(void *ctx, const struct store_badge *b)
{
    struct badge_count *c = ctx;
    c->n++;
    if (b->status == STORE_BADGE_PENDING)
        c->pending++;
    snprintf(c->last_serial, sizeof c->last_serial, "%s", b->serial);
    return 0;
}

/* Issue 10, finding 8: the badge a check-in owes is a pending row made in
 * the same transaction, once per person: not again while one waits or once
 * one printed. */
static void test_a_checkin_records_the_badge_it_owes(void **state)
{
    struct fixture *f = *state;
    struct store *s = open_with_ada(f);
    struct store_scan sc = scan_at("P1", DAY1, 5000);
    struct store_owed_badge owed = {.serial = "AAAAAA"};
    assert_int_equal(store_record_checkin(s, &sc, &owed, NULL, NULL, NULL), BK_OK);
    assert_true(owed.id > 0);
    sc = scan_at("P1", DAY2, 6000);
    owed.serial = "BBBBBB";
    assert_int_equal(store_record_checkin(s, &sc, &owed, NULL, NULL, NULL), BK_OK);
    assert_int_equal(owed.id, 0);
    struct badge_count c = {0};
    assert_int_equal(store_foreach_badge(s, "P1", count_badges, &c, NULL), BK_OK);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.pending, 1);
    assert_string_equal(c.last_serial, "AAAAAA");
    store_close(s);
}

/* A serial already used fails the whole check-in, so it can be retried
 * with another: nothing half-recorded. */
static void test_a_taken_serial_records_nothing(void **state)
{
    struct fixture *f = *state;
    struct store *s = open_with_ada(f);
    struct roster *r = roster_new(2);
    person(&r->people[0], "P1", "Ada", "Lovelace", "ITU", ATTENDEE_CONFIRMED);
    person(&r->people[1], "P2", "Alan", "Turing", "NPL", ATTENDEE_CONFIRMED);
    assert_int_equal(store_import(s, r, NULL, NULL, NULL), BK_OK);
    roster_release(r);
    struct store_scan sc = scan_at("P1", DAY1, 5000);
    struct store_owed_badge owed = {.serial = "AAAAAA"};
    assert_int_equal(store_record_checkin(s, &sc, &owed, NULL, NULL, NULL), BK_OK);
    sc = scan_at("P2", DAY1, 5001);
    struct bk_err err = {0};
    assert_int_equal(store_record_checkin(s, &sc, &owed, NULL, NULL, &err), BK_ERR_EXISTS);
    size_t n = 0;
    assert_int_equal(store_count_scans(s, &n, NULL), BK_OK);
    assert_int_equal(n, 1);
    store_close(s);
}

struct id_list {
    char ids[8][8];
    size_t n;
};

static void note_withdrawn(void *ctx, const char *id)
{
    struct id_list *l = ctx;
    if (l->n < 8)
        snprintf(l->ids[l->n++], sizeof l->ids[0], "%s", id);
}

/* Issue 10, finding 3: a dry run says whom an import would withdraw and
 * changes nothing; the guard refuses an import that withdraws too many. */
static void test_import_guard_and_dry_run(void **state)
{
    struct fixture *f = *state;
    struct store *s = open_ok(f);
    struct roster *full = roster_new(4);
    person(&full->people[0], "P1", "Ada", "Lovelace", "ITU", ATTENDEE_CONFIRMED);
    person(&full->people[1], "P2", "Alan", "Turing", "NPL", ATTENDEE_CONFIRMED);
    person(&full->people[2], "P3", "Grace", "Hopper", "USN", ATTENDEE_CONFIRMED);
    person(&full->people[3], "P4", "Edsger", "Dijkstra", "TU/e", ATTENDEE_CONFIRMED);
    assert_int_equal(store_import(s, full, NULL, NULL, NULL), BK_OK);
    struct roster *part = roster_new(2);
    person(&part->people[0], "P1", "Ada", "Lovelace", "ITU", ATTENDEE_CONFIRMED);
    person(&part->people[1], "P3", "Grace", "Hopper", "USN", ATTENDEE_WITHDRAWN);

    struct id_list l = {0};
    struct store_import_options dry = {.dry_run = true, .on_withdrawn = note_withdrawn, .ctx = &l};
    struct store_import_summary sum;
    assert_int_equal(store_import(s, part, &dry, &sum, NULL), BK_OK);
    assert_false(sum.applied);
    assert_int_equal(sum.withdrawn, 3);
    assert_int_equal(sum.confirmed_before, 4);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.ids[0], "P2");
    assert_string_equal(l.ids[1], "P3");
    assert_string_equal(l.ids[2], "P4");

    struct store_import_options guard = {.guard_withdrawals = true, .max_withdrawn_percent = 10};
    struct bk_err err = {0};
    assert_int_equal(store_import(s, part, &guard, &sum, &err), BK_ERR_INVALID);
    assert_non_null(strstr(err.msg, "withdraw 3 of the 4"));
    assert_non_null(strstr(err.msg, "--accept-withdrawals"));
    struct attendee a;
    assert_int_equal(store_get_attendee(s, "P2", &a, NULL), BK_OK);
    assert_int_equal(a.status, ATTENDEE_CONFIRMED);
    attendee_clear(&a);
    /* Within the limit it goes ahead. */
    guard.max_withdrawn_percent = 75;
    assert_int_equal(store_import(s, part, &guard, &sum, NULL), BK_OK);
    assert_true(sum.applied);
    assert_int_equal(store_get_attendee(s, "P2", &a, NULL), BK_OK);
    assert_int_equal(a.status, ATTENDEE_WITHDRAWN);
    attendee_clear(&a);
    roster_release(full);
    roster_release(part);
    store_close(s);
}

static void test_newer_schema_is_refused(void **state)
{
    struct fixture *f = *state;
    store_close(open_ok(f));
    tamper(f, "UPDATE meta SET value = 3 WHERE key = 'schema_version'");
    struct store *s = NULL;
    struct bk_err err = {0};
    assert_int_equal(store_open(f->path, &s, &err), BK_ERR_STORE);
    assert_null(s);
    assert_string_equal(err.file, f->path);
    assert_non_null(strstr(err.msg, "newer badgekiosk"));
}

static void test_not_a_database_is_refused(void **state)
{
    struct fixture *f = *state;
    FILE *fp = fopen(f->path, "w");
    assert_non_null(fp);
    for (int i = 0; i < 200; i++)
        fputs("id,first_name,last_name\n", fp);
    fclose(fp);
    struct store *s = NULL;
    struct bk_err err = {0};
    assert_int_equal(store_open(f->path, &s, &err), BK_ERR_STORE);
    assert_null(s);
    assert_string_equal(err.file, f->path);
    assert_non_null(strstr(err.msg, "not an SQLite database"));
}

/* Opens path expecting a refusal that names the file: 0 when so. */
static int expect_read_only_refused(const char *path)
{
    struct store *s = NULL;
    struct bk_err err = {0};
    enum bk_status st = store_open(path, &s, &err);
    if (st == BK_OK) {
        store_close(s);
        return 3;
    }
    if (st != BK_ERR_IO && st != BK_ERR_STORE)
        return 1;
    return strcmp(err.file, path) == 0 ? 0 : 2;
}

static void test_read_only_store_is_refused(void **state)
{
    struct fixture *f = *state;
    store_close(open_ok(f));
    assert_int_equal(chmod(f->path, 0400), 0);
    if (geteuid() != 0) {
        assert_int_equal(expect_read_only_refused(f->path), 0);
        return;
    }
    /* Root writes through any mode bits, so the check runs in a child that
     * has become "nobody", for whom the 0400 file really is read-only. */
    const uid_t nobody = 65534;
    assert_int_equal(chown(f->path, nobody, nobody), 0);
    assert_int_equal(chmod(f->dir, 0755), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (setgroups(0, NULL) != 0 || setgid(nobody) != 0 || setuid(nobody) != 0)
            _exit(77);
        _exit(expect_read_only_refused(f->path));
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) == 77) {
        print_message("skipped: running as root and cannot become nobody, so no file is "
                      "read-only here\n");
        skip();
    }
    assert_int_equal(WEXITSTATUS(status), 0);
}

#define N_PEOPLE 200
#define N_DAYS 2
#define N_SCANS (N_PEOPLE * N_DAYS)
#define N_CHILDREN 4

/* One kiosk process: every person on every day, in its own order. */
static int checkin_everyone(const char *path, int child)
{
    static const int strides[N_CHILDREN] = {1, 3, 7, 11}; /* coprime with N_SCANS */
    struct store *s = NULL;
    if (store_open(path, &s, NULL) != BK_OK)
        return 1;
    char kiosk[32], id[32];
    snprintf(kiosk, sizeof kiosk, "kiosk-%d", child);
    int rc = 0;
    for (int k = 0; k < N_SCANS && rc == 0; k++) {
        int i = (k * strides[child] + child * 97) % N_SCANS;
        snprintf(id, sizeof id, "P%03d", i % N_PEOPLE);
        struct store_scan sc = {.at_ms = 1000000 + k,
                                .kiosk = kiosk,
                                .method = "camera",
                                .outcome = "checked_in",
                                .attendee = id,
                                .day = DAY1 + i / N_PEOPLE,
                                .has_day = true};
        struct bk_err err = {0};
        if (store_record_checkin(s, &sc, NULL, NULL, NULL, &err) != BK_OK)
            rc = 2;
    }
    store_close(s);
    return rc;
}

struct outcome_count {
    int checked_in, already, other;
    unsigned char seen[N_SCANS];
};

static int count_outcome(void *ctx, const struct store_event *ev)
{
    struct outcome_count *c = ctx;
    if (strcmp(ev->outcome, "checked_in") == 0) {
        c->checked_in++;
        int i = atoi(ev->attendee + 1) + (ev->day - DAY1) * N_PEOPLE;
        if (i >= 0 && i < N_SCANS)
            c->seen[i]++;
    } else if (strcmp(ev->outcome, "already_checked_in") == 0) {
        c->already++;
    } else {
        c->other++;
    }
    return 0;
}

static void test_concurrent_checkins_from_four_processes(void **state)
{
    struct fixture *f = *state;
    store_close(open_ok(f));
    pid_t pids[N_CHILDREN];
    for (int c = 0; c < N_CHILDREN; c++) {
        pids[c] = fork();
        assert_true(pids[c] >= 0);
        if (pids[c] == 0)
            _exit(checkin_everyone(f->path, c));
    }
    for (int c = 0; c < N_CHILDREN; c++) {
        int status = 0;
        assert_int_equal(waitpid(pids[c], &status, 0), pids[c]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }

    struct store *s = open_ok(f);
    size_t n = 0;
    assert_int_equal(store_count_scans(s, &n, NULL), BK_OK);
    assert_int_equal(n, N_CHILDREN * N_SCANS);
    struct outcome_count c = {0};
    assert_int_equal(store_foreach_scan(s, count_outcome, &c, NULL), BK_OK);
    assert_int_equal(c.checked_in, N_SCANS);
    assert_int_equal(c.already, (N_CHILDREN - 1) * N_SCANS);
    assert_int_equal(c.other, 0);
    for (int i = 0; i < N_SCANS; i++)
        assert_int_equal(c.seen[i], 1);
    struct store_verify v = {0};
    struct bk_err err = {0};
    if (store_verify_chain(s, &v, &err) != BK_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(v.records, N_CHILDREN * N_SCANS);
    /* Four processes wrote the witness at once: it knows every record. */
    assert_true(v.witnessed);
    assert_int_equal(v.witness_seq, N_CHILDREN * N_SCANS);
    store_close(s);
}


/* A pretix_sig1 secret's shape: base64 of a signed ticket, reversed, well
 * over 100 characters. */
#define SIG1 "=QeCqCb1v3Ix8wQy2Q9m3mK0nSLE0uKJ8n9h7RwVe1dPq5cQkTq2oC0uZb3fX7pY4sD6aH8jN1mL3vB5" \
             "xG0rK9tE2wU4iO6pA8sF0dJ2hL4kZ6xC8vB0nM2qW4eR6tY8uI0oP2aS4dF6gH8jK0lZ2xC4vB6nM8q" \
             "AAEAVAAB"

static void test_tickets_are_found_by_their_code(void **state)
{
    struct fixture *f = *state;
    struct store *s = open_ok(f);
    struct roster *r = roster_new(3);
    ticket(r, 0, "Q7RZA", "AAAA", SIG1, true, "Ada");
    ticket(r, 1, "K3M9X", "BBBB", "k3m9xabcdefghjkmnpqrstuvwxyz2345", false, "Shin-Gak");
    ticket(r, 2, "K3M9X", "CCCC", "mk7q2hvn", false, "Per");
    assert_int_equal(store_import(s, r, NULL, NULL, NULL), BK_OK);
    assert_true(strlen(SIG1) > 100);
    assert_string_equal(id_of_code(s, SIG1), "Q7RZA");
    assert_string_equal(id_of_code(s, "mk7q2hvn"), "K3M9X-CCCC");
    /* Exact text only: a different case, a prefix or an extra byte is no code. */
    assert_string_equal(id_of_code(s, "MK7Q2HVN"), "");
    assert_string_equal(id_of_code(s, "mk7q2hv"), "");
    assert_string_equal(id_of_code(s, "mk7q2hvnn"), "");
    /* The badge carries the code the registration system mailed. */
    char *payload = NULL;
    assert_int_equal(store_get_token(s, "Q7RZA", &payload, NULL), BK_OK);
    assert_string_equal(payload, SIG1);
    free(payload);
    roster_release(r);
    store_close(s);
}

/* An order of two tickets loses one (cancelled, gone from the newer
 * export): the roster now proposes the order's bare ID for the other, and
 * the store keeps the ID it had, with its check-in. */
static void test_ticket_keeps_its_id_when_its_order_shrinks(void **state)
{
    struct fixture *f = *state;
    struct store *s = open_ok(f);
    struct roster *r = roster_new(2);
    ticket(r, 0, "B8NPD", "K3F7", "b8npd-first-secret", false, "Amara");
    ticket(r, 1, "B8NPD", "Q2ZM", "b8npd-second-secret", false, "Lucia");
    assert_int_equal(store_import(s, r, NULL, NULL, NULL), BK_OK);
    roster_release(r);
    struct store_scan sc = scan_at("B8NPD-K3F7", DAY1, 5000);
    assert_int_equal(store_record_checkin(s, &sc, NULL, NULL, NULL, NULL), BK_OK);

    r = roster_new(1);
    ticket(r, 0, "B8NPD", "K3F7", "b8npd-first-secret", true, "Amara");
    struct store_import_summary sum;
    assert_int_equal(store_import(s, r, NULL, &sum, NULL), BK_OK);
    assert_int_equal(sum.added, 0);
    assert_int_equal(sum.unchanged, 1);
    assert_int_equal(sum.withdrawn, 1);
    roster_release(r);
    assert_string_equal(id_of_code(s, "b8npd-first-secret"), "B8NPD-K3F7");
    /* The cancelled ticket is still found, to be refused as withdrawn. */
    assert_string_equal(id_of_code(s, "b8npd-second-secret"), "B8NPD-Q2ZM");
    struct attendee a;
    assert_int_equal(store_get_attendee(s, "B8NPD-Q2ZM", &a, NULL), BK_OK);
    assert_int_equal(a.status, ATTENDEE_WITHDRAWN);
    attendee_clear(&a);
    bool already = false;
    sc = scan_at("B8NPD-K3F7", DAY1, 9000);
    assert_int_equal(store_record_checkin(s, &sc, NULL, &already, NULL, NULL), BK_OK);
    assert_true(already);
    size_t n;
    assert_int_equal(store_count_attendees(s, &n, NULL), BK_OK);
    assert_int_equal(n, 2);
    store_close(s);
}

/* A new ticket whose order's bare ID another (cancelled) ticket holds gets
 * the suffixed ID; an attendee imported before without a code is taken
 * over by the ticket that gets its ID. */
static void test_new_ticket_never_takes_another_tickets_id(void **state)
{
    struct fixture *f = *state;
    struct store *s = open_ok(f);
    struct roster *r = roster_new(2);
    ticket(r, 0, "TT4WQ", "AAAA", "old-secret", true, "Jonas");
    ticket(r, 1, "M5C3V", "BBBB", "m5c3v-secret", true, "Ingrid");
    assert_int_equal(store_import(s, r, NULL, NULL, NULL), BK_OK);
    roster_release(r);

    r = roster_new(2);
    ticket(r, 0, "TT4WQ", "CCCC", "regenerated-secret", true, "Jonas");
    ticket(r, 1, "M5C3V", "BBBB", "m5c3v-secret", true, "Ingrid");
    assert_int_equal(store_import(s, r, NULL, NULL, NULL), BK_OK);
    roster_release(r);
    assert_string_equal(id_of_code(s, "regenerated-secret"), "TT4WQ-CCCC");
    assert_string_equal(id_of_code(s, "old-secret"), "TT4WQ");
    assert_string_equal(id_of_code(s, "m5c3v-secret"), "M5C3V");
    store_close(s);

    /* P1 came from an export without codes; a ticket proposing P1 adopts it. */
    struct store *t = open_with_ada(f);
    assert_string_equal(id_of_code(t, "p1-secret"), "");
    r = roster_new(1);
    ticket(r, 0, "P1", "DDDD", "p1-secret", true, "Ada");
    assert_int_equal(store_import(t, r, NULL, NULL, NULL), BK_OK);
    roster_release(r);
    assert_string_equal(id_of_code(t, "p1-secret"), "P1");
    store_close(t);
}

/* A store written before codes existed (schema version 1) gains the new
 * columns on open and keeps its people. */
static void test_version_1_store_is_migrated(void **state)
{
    struct fixture *f = *state;
    store_close(open_with_ada(f));
    tamper(f, "DROP INDEX attendee_by_code_hash;"
              "ALTER TABLE attendee DROP COLUMN code_hash;"
              "ALTER TABLE attendee DROP COLUMN valid_from;"
              "ALTER TABLE attendee DROP COLUMN valid_until;"
              "UPDATE meta SET value = 1 WHERE key = 'schema_version'");
    struct store *s = open_ok(f);
    struct attendee a;
    assert_int_equal(store_get_attendee(s, "P1", &a, NULL), BK_OK);
    assert_string_equal(a.first_name, "Ada");
    assert_string_equal(a.valid_from, "");
    attendee_clear(&a);
    struct roster *r = roster_new(1);
    ticket(r, 0, "P1", "DDDD", "p1-secret", true, "Ada");
    assert_int_equal(store_import(s, r, NULL, NULL, NULL), BK_OK);
    roster_release(r);
    assert_string_equal(id_of_code(s, "p1-secret"), "P1");
    store_close(s);
}

/* Valid from/until go into the store and come back. */
static void test_validity_days_are_kept(void **state)
{
    struct fixture *f = *state;
    struct store *s = open_ok(f);
    struct roster *r = roster_new(1);
    person(&r->people[0], "D2Y6H", "Fatima", "Al-Sayed", "", ATTENDEE_CONFIRMED);
    free(r->people[0].valid_from);
    free(r->people[0].valid_until);
    r->people[0].valid_from = xstrdup("2023-07-05");
    r->people[0].valid_until = xstrdup("2023-07-05");
    assert_int_equal(store_import(s, r, NULL, NULL, NULL), BK_OK);
    roster_release(r);
    struct attendee a;
    assert_int_equal(store_get_attendee(s, "D2Y6H", &a, NULL), BK_OK);
    assert_string_equal(a.valid_from, "2023-07-05");
    assert_string_equal(a.valid_until, "2023-07-05");
    attendee_clear(&a);
    store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_creates_private_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_makes_a_missing_folder_private, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_correction_requests_are_kept_and_cleared, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_reimport_marks_missing_withdrawn_and_reinstates, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_repeated_id_in_export_keeps_first_row, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_empty_export_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reimport_keeps_checkins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_already_checked_in_returns_first_at, setup, teardown),
        cmocka_unit_test_setup_teardown(test_database_refuses_second_checkin_row, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scans_keep_every_field, setup, teardown),
        cmocka_unit_test_setup_teardown(test_badge_printed_reads_badge_print, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_badge_marked_printed_clears_its_old_problem, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_badge_status_moves_only_from_the_expected_one, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_badge_status_codes_round_trip_through_the_file, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_unknown_badge_status_in_the_file_is_an_error, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_token_is_kept_per_attendee, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_attendee_unknown_is_not_found, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tampered_record_is_named, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deleted_middle_record_is_detected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_refuses_a_store_that_does_not_exist, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_cut_tail_is_found_by_the_witness, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_rewritten_log_and_a_printed_head_are_checked, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_checkin_records_the_badge_it_owes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_taken_serial_records_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_guard_and_dry_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_database_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_only_store_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_checkins_from_four_processes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_tickets_are_found_by_their_code, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ticket_keeps_its_id_when_its_order_shrinks, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_new_ticket_never_takes_another_tickets_id, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_version_1_store_is_migrated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_validity_days_are_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_heartbeat_keeps_the_newest_per_kiosk, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_heartbeat_with_bad_fields_is_refused, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
