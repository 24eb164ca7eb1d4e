/* rush: two kiosks and the staff desk on one store through a morning rush.
 *
 * ARRIVALS people arrive over 30 simulated minutes (08:30-09:00 on 4 July,
 * busiest around 08:50), half at each kiosk. One in ten scans again 10 s to
 * 2 min later at either kiosk; one in thirty never scans and is checked in
 * by hand at the desk; one in fifty scans and is also checked in by hand
 * (the desk and a kiosk racing on one person). Some registered people never
 * come. Time is compressed: each kiosk runs as fast as the machine allows.
 *
 * Each kiosk is a forked process with its own store connection driving the
 * kiosk's state machine (src/door/flow.h): ticks every 250 simulated ms,
 * FLOW_EV_SCAN for each code, print requests answered at once as written,
 * so the decisions, repeat rule and timers are the kiosk's own. The desk is
 * a third process running the staff command line, `badgectl checkin
 * --manual` and `badgectl find`, as staff would. Afterwards, on the store:
 * everyone who arrived is checked in exactly once that day, nobody else is,
 * the events are exactly the scans sent plus the desk's check-ins, and the
 * hash chain verifies.
 *
 * With WALL_SECONDS the 30 minutes are compressed into that much wall
 * time, so the desk's commands overlap the kiosks' scans throughout (the
 * contention figure); without, the kiosks run flat out (the throughput
 * figure) and the desk trails behind.
 *
 *   rush WORKDIR ARRIVALS SEED [WALL_SECONDS]
 * Prints figures (scans/s, decision latency under contention) and
 * "N passed, N failed". */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <unistd.h>

#include "door/flow.h"
#include "relutil.h"

#define SIM_MINUTES 30
#define TICK_MS 250

enum who { AT_KIOSK_A, AT_KIOSK_B, AT_DESK };

struct visit {
    int64_t at_ms; /* simulated */
    size_t person;
    enum who where;
};

struct plan {
    struct visit *v;
    size_t n, cap;
    size_t people; /* registered, some never come */
    bool *arrived;
    /* Pacing: the 30 simulated minutes take pace_ms of wall time from
     * wall_start (CLOCK_MONOTONIC, shared by the forked processes), so the
     * desk works alongside the kiosks; 0 runs flat out. */
    int64_t sim_start;
    double wall_start, pace_ms;
};

/* Waits until the wall-clock moment that stands for simulated time at. */
static void pace(const struct plan *p, int64_t at)
{
    if (p->pace_ms <= 0)
        return;
    double target = p->wall_start + (double)(at - p->sim_start) * p->pace_ms /
                                        (SIM_MINUTES * 60000.0);
    double left = target - rel_ms();
    if (left > 0)
        usleep((useconds_t)(left * 1000));
}

static void add_visit(struct plan *p, int64_t at, size_t person, enum who where)
{
    if (p->n == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 1024;
        p->v = xrealloc(p->v, p->cap * sizeof *p->v);
    }
    p->v[p->n++] = (struct visit){at, person, where};
}

static int by_time(const void *a, const void *b)
{
    const struct visit *x = a, *y = b;
    return (x->at_ms > y->at_ms) - (x->at_ms < y->at_ms);
}

static void make_plan(struct plan *p, size_t arrivals, int64_t start, uint64_t *rng)
{
    p->people = arrivals + arrivals / 10;
    p->arrived = xcalloc(p->people, sizeof *p->arrived);
    for (size_t i = 0; i < arrivals; i++) {
        /* Triangular over 30 minutes, peaking at 20: a queue building up
         * before the opening session. */
        double u = rel_uniform(rng), peak = 2.0 / 3.0;
        double x = u < peak ? sqrt(u * peak) : 1 - sqrt((1 - u) * (1 - peak));
        int64_t at = start + (int64_t)(x * SIM_MINUTES * 60000);
        size_t person = i;
        p->arrived[person] = true;
        uint64_t r = rel_rand(rng) % 150;
        if (r < 5) { /* 1 in 30: no code, straight to the desk */
            add_visit(p, at, person, AT_DESK);
            continue;
        }
        add_visit(p, at, person, i % 2 ? AT_KIOSK_B : AT_KIOSK_A);
        if (r < 8) /* 1 in 50: the desk checks them in as well */
            add_visit(p, at + 2000 + (int64_t)(rel_rand(rng) % 30000), person, AT_DESK);
        else if (r < 23) /* 1 in 10: scans again, at either kiosk */
            add_visit(p, at + 10000 + (int64_t)(rel_rand(rng) % 110000), person,
                      rel_rand(rng) % 2 ? AT_KIOSK_B : AT_KIOSK_A);
    }
    qsort(p->v, p->n, sizeof *p->v, by_time);
}

/* ---- a kiosk ---- */

struct kiosk_stats {
    size_t scans, suppressed, store_errors, checked_in, already, other;
    size_t n_lat;
    double wall_ms; /* from the first scan to the last decision */
};

static void answer_prints(struct flow *f, const struct flow_actions *a, int64_t now)
{
    uint32_t ids[FLOW_MAX_PRINTS];
    size_t n = a->n_prints;
    for (size_t i = 0; i < n; i++)
        ids[i] = a->prints[i].id;
    for (size_t i = 0; i < n; i++) {
        struct flow_event ev = {.type = FLOW_EV_PRINT_DONE, .at_ms = now};
        ev.print.id = ids[i];
        ev.print.result = FLOW_PRINT_WRITTEN;
        struct flow_actions out;
        flow_handle(f, &ev, &out);
    }
}

/* Runs one kiosk over its visits; writes its stats and every decision's
 * latency (ms, as doubles) to out_path. Returns the exit status. */
static int run_kiosk(const struct plan *p, enum who me, const char *kiosk_id, char **payloads,
                     const char *db, const char *keydir, const char *out_path)
{
    struct config *cfg = rel_config(db, keydir);
    struct bk_err err = {0};
    struct token_keys *keys;
    struct store *s;
    if (token_keys_load(cfg->keys_dir, &keys, &err) != BK_OK ||
        store_open(cfg->database, &s, &err) != BK_OK)
        rel_die("%s: %s", kiosk_id, err.msg);
    struct checkin_context ctx = {cfg, keys, s, kiosk_id};
    struct flow *f;
    if (flow_new(&ctx, NULL, &f, &err) != BK_OK)
        rel_die("%s: flow: %s", kiosk_id, err.msg);
    struct kiosk_stats st = {0};
    double *lat = xcalloc(p->n + 1, sizeof *lat);
    int64_t clock = p->n ? p->v[0].at_ms : 0;
    double started = rel_ms();
    for (size_t i = 0; i < p->n; i++) {
        const struct visit *v = &p->v[i];
        if (v->where != me)
            continue;
        struct flow_actions a;
        for (; clock + TICK_MS <= v->at_ms; clock += TICK_MS) {
            struct flow_event tick = {.type = FLOW_EV_TICK, .at_ms = clock};
            flow_handle(f, &tick, &a);
            answer_prints(f, &a, clock);
        }
        clock = v->at_ms;
        pace(p, clock);
        const char *code = payloads[v->person];
        struct flow_event scan = {.type = FLOW_EV_SCAN, .at_ms = clock};
        scan.scan.bytes = code;
        scan.scan.len = strlen(code);
        scan.scan.method = CHECKIN_CAMERA;
        double t0 = rel_ms();
        flow_handle(f, &scan, &a);
        lat[st.n_lat++] = rel_ms() - t0;
        st.scans++;
        if (!a.screen_changed)
            st.suppressed++;
        else if (a.view->screen == FLOW_STORE_ERROR) {
            st.store_errors++;
            fprintf(stderr, "%s: store error: %s\n", kiosk_id, a.view->problem);
        } else if (a.view->outcome == CHECKIN_CHECKED_IN)
            st.checked_in++;
        else if (a.view->outcome == CHECKIN_ALREADY_CHECKED_IN)
            st.already++;
        else
            st.other++;
        answer_prints(f, &a, clock);
    }
    st.wall_ms = rel_ms() - started;
    FILE *out = fopen(out_path, "wb");
    if (!out || fwrite(&st, sizeof st, 1, out) != 1 ||
        fwrite(lat, sizeof *lat, st.n_lat, out) != st.n_lat || fclose(out) != 0)
        rel_die("%s: cannot write %s", kiosk_id, out_path);
    free(lat);
    flow_free(f);
    store_close(s);
    token_keys_free(keys);
    config_free(cfg);
    return 0;
}

/* ---- the desk: the staff command line ---- */

static int run_badgectl(const char *db, const char *keydir, char *const args[])
{
    char *argv[16] = {"badgectl", "--db", (char *)db, "--keys", (char *)keydir};
    size_t n = 5;
    for (size_t i = 0; args[i] && n < 15; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, STDOUT_FILENO);
        execv(BK_SOURCE_DIR "/build/badgectl", argv);
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static int run_desk(const struct plan *p, const struct config *cfg, const char *db,
                    const char *keydir, size_t *manual, size_t *finds)
{
    static const char *const queries[] = {"kang", "muller", "frojdh", "wang", "person1"};
    int failures = 0;
    for (size_t i = 0; i < p->n; i++) {
        const struct visit *v = &p->v[i];
        if (v->where != AT_DESK)
            continue;
        char id[32], when[40];
        rel_id(id, "RUSH", v->person);
        tz_format_instant(cfg->tz, v->at_ms, when);
        pace(p, v->at_ms);
        /* Staff look the person up first, then check them in. */
        char *find[] = {"find", (char *)queries[*finds % 5], NULL};
        int rc = run_badgectl(db, keydir, find);
        (*finds)++;
        if (rc != 0 && rc != 1) {
            fprintf(stderr, "desk: find failed with %d\n", rc);
            failures++;
        }
        char *checkin[] = {"checkin", "--manual", "--kiosk", "desk", "--now", when, id, NULL};
        rc = run_badgectl(db, keydir, checkin);
        (*manual)++;
        if (rc != 0) {
            fprintf(stderr, "desk: checkin %s at %s failed with %d\n", id, when, rc);
            failures++;
        }
    }
    return failures;
}

/* ---- checking the store afterwards ---- */

struct audit {
    size_t people;
    unsigned *checked; /* checked_in events per person */
    size_t events, by_desk, stray;
    bk_day day;
};

static int audit_event(void *ctx, const struct store_event *ev)
{
    struct audit *a = ctx;
    a->events++;
    if (strcmp(ev->kiosk, "desk") == 0)
        a->by_desk++;
    if (strcmp(ev->outcome, "checked_in") != 0)
        return 0;
    size_t i = 0;
    if (!ev->attendee || sscanf(ev->attendee, "RUSH-%zu", &i) != 1 || i < 1 || i > a->people ||
        !ev->has_day || ev->day != a->day)
        a->stray++;
    else
        a->checked[i - 1]++;
    return 0;
}

static int passed, failed;

static void check(bool ok, const char *name, const char *detail)
{
    if (ok) {
        passed++;
        printf("ok   %s\n", name);
    } else {
        failed++;
        printf("FAIL %s: %s\n", name, detail);
    }
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static pid_t spawn_kiosk(const struct plan *p, enum who me, const char *id, char **payloads,
                         const char *db, const char *keydir, const char *out)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(run_kiosk(p, me, id, payloads, db, keydir, out));
    return pid;
}

int main(int argc, char **argv)
{
    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: rush WORKDIR ARRIVALS SEED [WALL_SECONDS]\n");
        return 2;
    }
    const char *work = argv[1];
    size_t arrivals = strtoul(argv[2], NULL, 10);
    uint64_t rng = strtoull(argv[3], NULL, 10) | 1;
    char *db = xasprintf("%s/store.db", work), *keydir = xasprintf("%s/keys", work);
    struct config *cfg = rel_config(db, keydir);
    struct plan p = {0};
    int64_t start;
    if (tz_parse_instant(cfg->tz, "2023-07-04T08:30", &start, NULL) != BK_OK)
        rel_die("start time");
    make_plan(&p, arrivals, start, &rng);
    p.sim_start = start;
    p.pace_ms = argc == 5 ? atof(argv[4]) * 1000 : 0;
    char **payloads = rel_make_event(cfg, "RUSH", p.people);
    size_t sent[3] = {0};
    for (size_t i = 0; i < p.n; i++)
        sent[p.v[i].where]++;

    char *out_a = xasprintf("%s/kiosk-a.stats", work), *out_b = xasprintf("%s/kiosk-b.stats", work);
    double t0 = rel_ms();
    p.wall_start = t0;
    pid_t ka = spawn_kiosk(&p, AT_KIOSK_A, "kiosk-a", payloads, db, keydir, out_a);
    pid_t kb = spawn_kiosk(&p, AT_KIOSK_B, "kiosk-b", payloads, db, keydir, out_b);
    size_t manual = 0, finds = 0;
    int desk_failures = run_desk(&p, cfg, db, keydir, &manual, &finds);
    double desk_done = rel_ms() - t0;
    int sa = 0, sb = 0;
    waitpid(ka, &sa, 0);
    waitpid(kb, &sb, 0);

    check(WIFEXITED(sa) && WEXITSTATUS(sa) == 0 && WIFEXITED(sb) && WEXITSTATUS(sb) == 0,
          "test_both_kiosks_finish", "a kiosk process failed");
    check(desk_failures == 0, "test_every_desk_command_succeeds", "see the desk's messages");

    struct kiosk_stats st[2] = {0};
    double *lat = xcalloc(p.n + 1, sizeof *lat);
    size_t n_lat = 0;
    const char *outs[2] = {out_a, out_b};
    for (int k = 0; k < 2; k++) {
        FILE *f = fopen(outs[k], "rb");
        if (!f || fread(&st[k], sizeof st[k], 1, f) != 1 ||
            fread(lat + n_lat, sizeof *lat, st[k].n_lat, f) != st[k].n_lat)
            rel_die("cannot read %s", outs[k]);
        n_lat += st[k].n_lat;
        fclose(f);
    }
    size_t scans = st[0].scans + st[1].scans;
    double kiosks_done = st[0].wall_ms > st[1].wall_ms ? st[0].wall_ms : st[1].wall_ms;
    char msg[300];
    snprintf(msg, sizeof msg, "%zu store errors, %zu scans taken for repeats, %zu odd outcomes",
             st[0].store_errors + st[1].store_errors, st[0].suppressed + st[1].suppressed,
             st[0].other + st[1].other);
    check(st[0].store_errors + st[1].store_errors + st[0].suppressed + st[1].suppressed +
                  st[0].other + st[1].other ==
              0,
          "test_every_scan_is_decided_without_a_store_error", msg);

    struct audit a = {.people = p.people, .day = tz_local_day(cfg->tz, start, NULL)};
    a.checked = xcalloc(p.people, sizeof *a.checked);
    struct store *s;
    struct bk_err err = {0};
    if (store_open(db, &s, &err) != BK_OK || store_foreach_scan(s, audit_event, &a, &err) != BK_OK)
        rel_die("audit: %s", err.msg);
    size_t lost = 0, doubled = 0, phantom = 0;
    for (size_t i = 0; i < p.people; i++) {
        if (p.arrived[i] && a.checked[i] == 0)
            lost++;
        if (a.checked[i] > 1)
            doubled++;
        if (!p.arrived[i] && a.checked[i])
            phantom++;
    }
    snprintf(msg, sizeof msg, "%zu people who came are not checked in", lost);
    check(lost == 0, "test_no_checkin_is_lost", msg);
    snprintf(msg, sizeof msg, "%zu people checked in twice", doubled);
    check(doubled == 0, "test_no_checkin_is_doubled", msg);
    snprintf(msg, sizeof msg, "%zu people checked in who never came, %zu stray", phantom, a.stray);
    check(phantom == 0 && a.stray == 0, "test_nobody_else_is_checked_in", msg);
    snprintf(msg, sizeof msg, "%zu events for %zu kiosk scans and %zu desk check-ins", a.events,
             scans, manual);
    check(a.events == scans + manual && a.by_desk == manual,
          "test_events_are_exactly_the_scans_sent", msg);
    snprintf(msg, sizeof msg, "kiosk scans %zu, planned %zu", scans,
             sent[AT_KIOSK_A] + sent[AT_KIOSK_B]);
    check(scans == sent[AT_KIOSK_A] + sent[AT_KIOSK_B], "test_every_planned_scan_was_made", msg);
    struct store_verify v = {0};
    check(store_verify_chain(s, &v, &err) == BK_OK, "test_hash_chain_verifies",
          err.msg);
    store_close(s);

    qsort(lat, n_lat, sizeof *lat, by_value);
    double p50 = n_lat ? lat[n_lat / 2] : 0, p99 = n_lat ? lat[(n_lat * 99) / 100] : 0,
           max = n_lat ? lat[n_lat - 1] : 0;
    double rate = scans / (kiosks_done / 1000);
    printf("rush: %zu arrivals in 30 simulated minutes (%s): %zu kiosk scans (%zu checked in, %zu "
           "already) and %zu desk check-ins with %zu finds, in %.1f s (desk %.1f s): %.0f "
           "scans/s; decision latency median %.2f ms, p99 %.2f ms, max %.2f ms\n",
           arrivals, p.pace_ms > 0 ? "paced" : "flat out", scans,
           st[0].checked_in + st[1].checked_in, st[0].already + st[1].already,
           manual, finds, kiosks_done / 1000, desk_done / 1000, rate, p50, p99, max);
    printf("rush-figures: paced=%.0f arrivals=%zu scans=%zu desk=%zu finds=%zu seconds=%.2f rate=%.0f "
           "p50=%.2f p99=%.2f max=%.2f\n",
           p.pace_ms / 1000, arrivals, scans, manual, finds, kiosks_done / 1000, rate, p50, p99,
           max);
    printf("rush: %d passed, %d failed\n", passed, failed);
    for (size_t i = 0; i < p.people; i++)
        free(payloads[i]);
    free(payloads), free(lat), free(a.checked), free(p.v), free(p.arrived);
    free(out_a), free(out_b), free(db), free(keydir);
    config_free(cfg);
    return failed ? 1 : 0;
}
