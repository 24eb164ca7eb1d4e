/* bench_dashboard: the live dashboard's data on a large event, printed as
 * Markdown rows for BENCHMARKS.md (bench/run).
 *
 * Builds a store of the generated export's attendees with EVENTS check-ins
 * spread over the first event day and four kiosks (the log's rows written
 * straight into the SQLite file in one transaction: this measures reading
 * them, and the report never checks the chain), four heartbeats, then
 * measures (1) one refresh of the live part (dashpage_write_live: the
 * report computed from the store, today's numbers, chart and cards) and
 * (2) requests for /live to a real badgectl serve server (dashboard_start on
 * loopback, logged in with its token, over HTTP/1.1 sockets) while its
 * refresher recomputes in the background, as browsers poll it (spread
 * over about five seconds, so several refreshes run among them). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "timing.h"
#include "dashboard/page.h"
#include "dashboard/server.h"
#include "event/config.h"
#include "event/roster.h"
#include "event/tz.h"
#include "store/store.h"
#include "util/xalloc.h"

#define REFRESHES 20
#define REQUESTS 1000

static void die(const char *what, const struct bk_err *err)
{
    fprintf(stderr, "bench-dashboard: %s: %s\n", what, err ? err->msg : "failed");
    exit(1);
}

/* One HTTP/1.1 GET on a new connection; the whole answer into buf (cap n). */
static size_t get(int port, const char *path, const char *cookie, char *buf, size_t n)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
        die("connect", NULL);
    char req[512];
    int len = snprintf(req, sizeof req,
                       "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s%s%s\r\n",
                       path, cookie ? "Cookie: " : "", cookie ? cookie : "", cookie ? "\r\n" : "");
    if (write(fd, req, (size_t)len) != len)
        die("write", NULL);
    size_t got = 0;
    ssize_t r;
    while (got + 1 < n && (r = read(fd, buf + got, n - 1 - got)) > 0)
        got += (size_t)r;
    buf[got] = '\0';
    close(fd);
    return got;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: bench-dashboard WORKDIR EXPORT.csv CONFIG.ini EVENTS\n");
        return 2;
    }
    const char *dir = argv[1];
    size_t n_events = (size_t)strtoul(argv[4], NULL, 10);
    struct bk_err err = {0};
    struct config *cfg;
    if (config_load(argv[3], &cfg, &err) != BK_OK)
        die("config", &err);
    char *db_path = xasprintf("%s/dashboard.db", dir);
    unlink(db_path);
    struct roster *r;
    struct store *s;
    struct store_import_summary sum;
    if (roster_read(cfg, argv[2], &r, &err) != BK_OK || store_create(db_path, &s, &err) != BK_OK ||
        store_import(s, r, NULL, &sum, &err) != BK_OK)
        die("import", &err);
    /* The first day's check-ins, 07:30 to 17:30 venue time, one a person. */
    bk_day day = cfg->events[0].first_day;
    int64_t day_start;
    char when[32];
    snprintf(when, sizeof when, "%sT07:30", tz_day_format(day, when + 16));
    if (tz_parse_instant(cfg->tz, when, &day_start, &err) != BK_OK)
        die("day", &err);
    sqlite3 *db;
    if (sqlite3_open(db_path, &db) != SQLITE_OK)
        die("sqlite", NULL);
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db,
                       "INSERT INTO scan_event (seq, at_ms, kiosk, method, outcome, attendee, day,"
                       " prev_hash, hash) VALUES (?1, ?2, ?3, 'camera', 'checked_in', ?4, ?5,"
                       " zeroblob(32), zeroblob(32))",
                       -1, &st, NULL);
    static const char *const kiosks[] = {"entrance-1", "entrance-2", "entrance-3", "desk-1"};
    size_t made = 0;
    for (size_t i = 0; i < r->n_people && made < n_events; i++) {
        if (r->people[i].status != ATTENDEE_CONFIRMED)
            continue;
        sqlite3_bind_int64(st, 1, (sqlite3_int64)made + 1);
        sqlite3_bind_int64(st, 2, day_start + (int64_t)(i * 7919 % 36000) * 1000);
        sqlite3_bind_text(st, 3, kiosks[i % 4], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, r->people[i].id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, day);
        if (sqlite3_step(st) != SQLITE_DONE)
            die("insert", NULL);
        sqlite3_reset(st);
        made++;
    }
    sqlite3_finalize(st);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(db);
    for (size_t k = 0; k < 3; k++) {
        struct store_heartbeat hb = {.kiosk = kiosks[k],
                                     .at_ms = day_start,
                                     .waiting = 0,
                                     .last_scan_ms = day_start,
                                     .printer_state = "idle",
                                     .printer_reasons = "",
                                     .camera = "ok"};
        if (store_put_heartbeat(s, &hb, &err) != BK_OK)
            die("heartbeat", &err);
    }
    /* (1) One refresh, as of 17:30 that day: with the report computed (a
     * check-in or an import since the last one), and with nothing changed
     * (the cached report; the heartbeats read and the page drawn). */
    int64_t now = day_start + 10LL * 3600 * 1000;
    double t[REFRESHES], tc[REFRESHES];
    size_t bytes = 0;
    struct dashpage_cache *cache = dashpage_cache_new();
    for (int i = 0; i < 2 * REFRESHES; i++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        double t0 = now_ms();
        if (dashpage_write_live(f, s, cfg, now, i < REFRESHES ? NULL : cache, &err) != BK_OK)
            die("live", &err);
        fclose(f);
        (i < REFRESHES ? t : tc)[i % REFRESHES] = now_ms() - t0;
        bytes = len;
        free(buf);
    }
    dashpage_cache_free(cache);
    double r50 = percentile(t, REFRESHES, 50), r99 = percentile(t, REFRESHES, 99);
    double c50 = percentile(tc + 1, REFRESHES - 1, 50), c99 = percentile(tc + 1, REFRESHES - 1, 99);
    /* (2) Requests to the real server while its refresher works. */
    struct dashboard_options o = {.listen = "127.0.0.1:0", .clock_offset_ms = now - tz_now_ms()};
    struct dashboard *d;
    if (dashboard_start(cfg, s, &o, &d, &err) != BK_OK)
        die("serve", &err);
    char url[256];
    dashboard_url(d, url, sizeof url);
    int port = atoi(strrchr(url, ':') + 1);
    char *ans = xmalloc(1 << 20);
    get(port, strchr(url + 8, '/'), NULL, ans, 1 << 20);
    char *c = strstr(ans, "bk_session=");
    if (!c)
        die("login", NULL);
    char cookie[128];
    snprintf(cookie, sizeof cookie, "%.*s", (int)strcspn(c, ";\r\n"), c);
    double *q = xcalloc(REQUESTS, sizeof *q);
    size_t ok = 0;
    double q_start = now_ms();
    for (int i = 0; i < REQUESTS; i++) {
        double t0 = now_ms();
        get(port, "/live", cookie, ans, 1 << 20);
        q[i] = now_ms() - t0;
        ok += strncmp(ans, "HTTP/1.1 200", 12) == 0;
        usleep(4000); /* spread over seconds, so refreshes run among them */
    }
    double q_total = now_ms() - q_start;
    dashboard_stop(d);
    double q50 = percentile(q, REQUESTS, 50), q99 = percentile(q, REQUESTS, 99);
    printf("| the live part for %zu attendees and %zu events (the report computed, today's "
           "counts, chart and %d cards; %zu KB): one refresh after a check-in (the report "
           "computed), median / p99 of %d | %.0f / **%.0f** ms |\n",
           r->n_people, made, 4, bytes / 1024, REFRESHES, r50, r99);
    printf("| the same when nothing changed since the last refresh (the report kept; the store's "
           "counts and the heartbeats read, the page drawn): median / p99 of %d | %.1f / "
           "**%.1f** ms |\n",
           REFRESHES - 1, c50, c99);
    printf("| GET /live to badgectl serve, %d requests one after another (%zu answered 200) "
           "over %.1f s while its refresher runs each second: median / p99 (target p99 "
           "under 50 ms) | %.2f / **%.2f** ms |\n",
           REQUESTS, ok, q_total / 1000.0, q50, q99);
    free(q);
    free(ans);
    store_close(s);
    roster_free(r);
    config_free(cfg);
    free(db_path);
    return 0;
}
