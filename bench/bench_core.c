/* bench_core: measures the core on this machine and prints Markdown.
 *
 * Usage: bench-core WORKDIR EXPORT.csv CONFIG.ini
 *
 * Every comparison is a ratio measured in the same run (these machines are
 * shared and noisy): the check-in decision against a bare SQLite insert with
 * the same durability settings on the same disk. Nothing here asserts a
 * time; it reports what it saw. */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "timing.h"
#include "core/checkin.h"
#include "event/config.h"
#include "core/find.h"
#include "core/report.h"
#include "core/reporthtml.h"
#include "event/roster.h"
#include "store/store.h"
#include "core/token.h"
#include "util/utf8.h"
#include "util/xalloc.h"



struct stats {
    double p50, p99, max;
};

static struct stats stats_of(double *v, size_t n)
{
    struct stats s = {percentile(v, n, 50), percentile(v, n, 99), percentile(v, n, 100)};
    return s;
}

static void die(const char *what, const struct bk_err *err)
{
    fprintf(stderr, "bench-core: %s: %s:%ld: %s: %s\n", what, err->file, err->line, err->field,
            err->msg);
    exit(1);
}

/* The floor under a durable check-in: one row inserted and committed with WAL
 * and synchronous=FULL, nothing else. */
static struct stats bare_sqlite_inserts(const char *path, size_t n)
{
    sqlite3 *db;
    unlink(path);
    if (sqlite3_open(path, &db) != SQLITE_OK)
        exit(1);
    sqlite3_exec(db,
                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                 "CREATE TABLE t(seq INTEGER PRIMARY KEY, at INTEGER, who TEXT, day INTEGER)",
                 NULL, NULL, NULL);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "INSERT INTO t(at, who, day) VALUES (?, ?, ?)", -1, &st, NULL);
    double *t = xcalloc(n, sizeof *t);
    for (size_t i = 0; i < n; i++) {
        char who[32];
        snprintf(who, sizeof who, "FGMV-2023-%05zu", i);
        double t0 = now_ms();
        sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        sqlite3_bind_int64(st, 1, (sqlite3_int64)i);
        sqlite3_bind_text(st, 2, who, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 3, 19542);
        sqlite3_step(st);
        sqlite3_reset(st);
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
        t[i] = now_ms() - t0;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    struct stats s = stats_of(t, n);
    free(t);
    return s;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: bench-core WORKDIR EXPORT.csv CONFIG.ini\n");
        return 2;
    }
    const char *dir = argv[1], *export_path = argv[2];
    struct bk_err err = {0};
    struct config *cfg;
    if (config_load(argv[3], &cfg, &err) != BK_OK)
        die("config", &err);

    /* Import: read and parse the export, then one transaction into a new store. */
    char *db_path = xasprintf("%s/bench.db", dir);
    unlink(db_path);
    double t0 = now_ms();
    struct roster *r;
    if (roster_read(cfg, export_path, &r, &err) != BK_OK)
        die("roster", &err);
    double t_read = now_ms() - t0;
    struct store *s;
    if (store_create(db_path, &s, &err) != BK_OK)
        die("store", &err);
    struct store_import_summary sum;
    double t1 = now_ms();
    if (store_import(s, r, NULL, &sum, &err) != BK_OK)
        die("import", &err);
    double t_import = now_ms() - t1;
    size_t n_people = r->n_people;
    printf("| import of a generated %zu-attendee export (read + parse) | %.0f ms |\n", n_people,
           t_read);
    printf("| import into the store (one transaction) | %.0f ms |\n", t_import);
    printf("| import total (target under 1 s) | **%.0f ms** |\n", t_read + t_import);

    /* Check-ins: signed payloads for the first N confirmed people, decided and recorded. */
    char *keys_dir = xasprintf("%s/keys", dir);
    char keyid[16];
    if (access(keys_dir, F_OK) != 0 && token_keygen(keys_dir, 0, keyid, &err) != BK_OK)
        die("keygen", &err);
    struct token_keys *keys;
    if (token_keys_load(keys_dir, &keys, &err) != BK_OK)
        die("keys", &err);
    enum { N_CHECKINS = 2000 };
    char **payloads = xcalloc(N_CHECKINS, sizeof *payloads);
    size_t np = 0;
    for (size_t i = 0; i < r->n_people && np < N_CHECKINS; i++) {
        if (r->people[i].status != ATTENDEE_CONFIRMED ||
            !attendee_has_event(&r->people[i], cfg->events[0].code))
            continue;
        if (token_sign_new(keys, cfg->event_id, r->people[i].id, &payloads[np], &err) != BK_OK)
            die("sign", &err);
        np++;
    }
    struct checkin_context ctx = {cfg, keys, s, "bench"};
    int64_t day_start;
    if (tz_parse_instant(cfg->tz, "2023-07-04T08:00", &day_start, &err) != BK_OK)
        die("time", &err);

    /* The same people as tickets of a registration system ([qr] mode =
     * export): each with its own code, nine in ten a 32-character random
     * pretix secret, one in ten a 120-character signed one, imported into a
     * second store of its own. The kiosk then checks in by looking the
     * scanned code up (its hash, through the index). */
    static const char alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";
    r->tickets = xcalloc(r->n_people, sizeof *r->tickets);
    srand(42);
    for (size_t i = 0; i < r->n_people; i++) {
        size_t len = i % 10 == 9 ? 120 : 32;
        char *code = xmalloc(len + 1);
        for (size_t k = 0; k < len; k++)
            code[k] = alphabet[(size_t)rand() % (sizeof alphabet - 1)];
        code[len] = '\0';
        r->tickets[i] = (struct roster_ticket){code, xstrdup(r->people[i].id), xstrdup(""),
                                               xasprintf("%s-T", r->people[i].id)};
    }
    char *xdb_path = xasprintf("%s/bench-export.db", dir);
    unlink(xdb_path);
    struct store *xs;
    if (store_open(xdb_path, &xs, &err) != BK_OK)
        die("export store", &err);
    double x0 = now_ms();
    if (store_import(xs, r, &sum, &err) != BK_OK)
        die("import with codes", &err);
    double t_ximport = now_ms() - x0;
    printf("| import of the same %zu people as tickets with codes (hashed, one transaction) | "
           "%.0f ms |\n",
           n_people, t_ximport);
    struct config xcfg = *cfg; /* shallow: only the mode differs, never freed */
    xcfg.qr_mode = CONFIG_QR_EXPORT;
    struct checkin_context xctx = {&xcfg, NULL, xs, "bench"};
    const char **codes = xcalloc(N_CHECKINS, sizeof *codes);
    size_t nc = 0;
    for (size_t i = 0; i < r->n_people && nc < N_CHECKINS; i++) {
        if (r->people[i].status != ATTENDEE_CONFIRMED ||
            !attendee_has_event(&r->people[i], cfg->events[0].code))
            continue;
        codes[nc++] = r->tickets[i].code;
    }

    /* Signed and by-code check-ins alternate, scan for scan, so both meet
     * the same disk and the same neighbours on this shared machine. */
    double *t = xcalloc(np * 2, sizeof *t), *xt = xcalloc(nc * 2, sizeof *xt);
    size_t counted = 0, xcounted = 0;
    for (size_t round = 0; round < 2; round++) {
        for (size_t i = 0; i < np || i < nc; i++) {
            struct checkin_result res;
            int64_t when = day_start + (int64_t)(round * np + i) * 900;
            if (i < np) {
                double c0 = now_ms();
                if (checkin_process(&ctx, payloads[i], strlen(payloads[i]), CHECKIN_SCANNER, when,
                                    &res, &err) != BK_OK)
                    die("checkin", &err);
                t[round * np + i] = now_ms() - c0;
                counted += res.outcome == CHECKIN_CHECKED_IN;
                checkin_result_clear(&res);
            }
            if (i < nc) {
                double c0 = now_ms();
                if (checkin_process(&xctx, codes[i], strlen(codes[i]), CHECKIN_SCANNER, when, &res,
                                    &err) != BK_OK)
                    die("checkin by code", &err);
                xt[round * nc + i] = now_ms() - c0;
                xcounted += res.outcome == CHECKIN_CHECKED_IN;
                checkin_result_clear(&res);
            }
        }
    }
    /* The look-up alone: a hash and one indexed read, every code once. */
    double *lt = xcalloc(nc, sizeof *lt);
    for (size_t i = 0; i < nc; i++) {
        char id[ATTENDEE_ID_MAX + 1];
        double c0 = now_ms();
        if (store_find_code(xs, codes[i], strlen(codes[i]), id, sizeof id, &err) != BK_OK)
            die("find code", &err);
        lt[i] = now_ms() - c0;
    }
    struct stats ci = stats_of(t, np * 2);
    struct stats xci = stats_of(xt, nc * 2), look = stats_of(lt, nc);
    char *bare_path = xasprintf("%s/bare.db", dir);
    struct stats bare = bare_sqlite_inserts(bare_path, np * 2);
    printf("| check-in decision incl. durable commit, %zu scans (%zu first, %zu repeats): "
           "median / p99 / max (target p99 under 2 ms) | %.3f / **%.3f** / %.3f ms |\n",
           np * 2, counted, np * 2 - counted, ci.p50, ci.p99, ci.max);
    printf("| bare SQLite WAL synchronous=FULL insert, same disk, same run: median / p99 | "
           "%.3f / %.3f ms |\n",
           bare.p50, bare.p99);
    printf("| check-in / bare insert, median (target within 3x) | **%.2fx** |\n",
           ci.p50 / bare.p50);
    printf("| check-in / bare insert, p99 | %.2fx |\n", ci.p99 / bare.p99);
    printf("| check-in by a registration system's code ([qr] mode = export), %zu tickets, %zu "
           "scans (%zu first), alternating with the signed ones above: median / p99 | %.3f / "
           "**%.3f** ms |\n",
           n_people, nc * 2, xcounted, xci.p50, xci.p99);
    printf("| by code / signed, median and p99 (target within 1.2x) | **%.2fx** / **%.2fx** |\n",
           xci.p50 / ci.p50, xci.p99 / ci.p99);
    printf("| code look-up alone (BLAKE2b of the code, one indexed read), %zu codes: median / p99 "
           "| %.3f / %.3f ms |\n",
           nc, look.p50, look.p99);

    /* find over everyone: name fragments of real entries, typed as staff would. */
    struct finder *f;
    double f0 = now_ms();
    if (finder_new_from_store(s, &f, &err) != BK_OK)
        die("finder", &err);
    double t_index = now_ms() - f0;
    enum { N_QUERIES = 2000 };
    double *ft = xcalloc(N_QUERIES, sizeof *ft);
    struct finder_hit hits[20];
    size_t found = 0;
    srand(7);
    for (size_t q = 0; q < N_QUERIES; q++) {
        const struct attendee *a = &r->people[(size_t)rand() % r->n_people];
        const char *src = q % 3 == 0 ? a->organization : q % 3 == 1 ? a->last_name : a->first_name;
        char query[64];
        const char *from = src[0] ? src : a->id;
        /* 3 to 7 bytes, cut on a character boundary, as typing does. */
        snprintf(query, sizeof query, "%.*s", (int)utf8_cut(from, strlen(from), 3 + q % 5), from);
        double q0 = now_ms();
        size_t n = finder_search(f, query, hits, 20);
        ft[q] = now_ms() - q0;
        found += n > 0;
    }
    struct stats fs = stats_of(ft, N_QUERIES);
    printf("| find: building the index of %zu attendees from the store | %.0f ms |\n",
           finder_count(f), t_index);
    printf("| find over %zu attendees, %d queries of 3-7 letters (%zu with hits): median / p99 "
           "(target p99 under 5 ms) | %.3f / **%.3f** ms |\n",
           finder_count(f), N_QUERIES, found, fs.p50, fs.p99);

    /* The organisers' report of the same store, once it holds 50,000
     * events: two more days of the meeting, four kiosks, arrivals spread
     * over the day. Computed once, written as JSON and as the HTML page
     * (what report --json and --html do). */
    size_t n_events = 0;
    if (store_count_scans(s, &n_events, &err) != BK_OK)
        die("count scans", &err);
    static const char *const kiosks[] = {"kiosk-1", "kiosk-2", "kiosk-3", "desk-1"};
    for (size_t day = 1; day <= 2 && n_events < 50000; day++) {
        for (size_t i = 0; i < r->n_people && n_events < 50000; i++) {
            const struct attendee *a = &r->people[i];
            if (a->status != ATTENDEE_CONFIRMED || !attendee_has_event(a, cfg->events[0].code))
                continue;
            struct checkin_context kctx = {cfg, keys, s, kiosks[i % 4]};
            int64_t when = day_start + (int64_t)day * 86400000 + (int64_t)(i * 7919 % 36000) * 1000;
            struct checkin_result res;
            if (checkin_process(&kctx, a->id, strlen(a->id), CHECKIN_MANUAL, when, &res, &err) !=
                BK_OK)
                die("checkin for the report", &err);
            checkin_result_clear(&res);
            n_events++;
        }
    }
    double r0 = now_ms();
    struct report *rep;
    if (report_new(s, cfg, &rep, &err) != BK_OK)
        die("report", &err);
    double r1 = now_ms();
    FILE *devnull = fopen("/dev/null", "w");
    report_write_json(rep, devnull);
    fclose(devnull);
    double r2 = now_ms();
    char *html_path = xasprintf("%s/report.html", dir);
    struct reporthtml_options ho = {.now_ms = day_start};
    if (reporthtml_write_file(rep, &ho, html_path, &err) != BK_OK)
        die("report --html", &err);
    double r3 = now_ms();
    report_free(rep);
    free(html_path);
    printf("| report of %zu attendees and %zu events: computing it / the JSON / the HTML page "
           "(report --html = computing + page, target under 2 s) | %.0f / %.0f / %.0f ms "
           "(**%.0f ms**) |\n",
           n_people, n_events, r1 - r0, r2 - r1, r3 - r2, (r1 - r0) + (r3 - r2));

    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("| peak memory of this process (all of the above, %zu attendees held twice) | %.0f "
           "MB |\n",
           n_people, ru.ru_maxrss / 1024.0);

    for (size_t i = 0; i < np; i++)
        free(payloads[i]);
    free(payloads);
    free(t);
    free(xt);
    free(lt);
    free(codes);
    store_close(xs);
    free(xdb_path);
    free(ft);
    finder_free(f);
    token_keys_free(keys);
    store_close(s);
    roster_free(r);
    config_free(cfg);
    free(db_path);
    free(keys_dir);
    free(bare_path);
    return 0;
}
