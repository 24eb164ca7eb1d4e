/* crash: kills a check-in process at random moments and checks that no
 * acknowledged check-in is ever lost.
 *
 * A crash-worker (crash_worker.c) runs check-ins on a real store through
 * checkin_process, one scan at a time, and acknowledges each only after it
 * returned. This parent feeds it scans (300 people, four event days, many
 * repeats, so both first check-ins and "already" answers are written) and
 * SIGKILLs it after a random delay, which lands anywhere: while it opens
 * the store, mid-transaction, mid-fsync, between scans. It then restarts
 * it and carries on, KILLS times. Afterwards, on the store itself:
 *   - every acknowledged (person, day) is attended;
 *   - nothing is attended that was never scanned;
 *   - each (person, day) has exactly one checked_in event;
 *   - the events number at least the scans acknowledged and at most those
 *     sent (a scan killed after its commit but before its ACK may be there);
 *   - the hash chain verifies.
 * tests/reliability/run adds PRAGMA integrity_check, badgectl verify and
 * badgectl report on the same store.
 *
 *   crash WORKDIR KILLS SEED [MAX_DELAY_MS]
 * Prints "crash: ..." figures and "N passed, N failed". */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <unistd.h>

#include "relutil.h"

#define PEOPLE 300
#define DAYS 4 /* 4-6 July FG-MV, 7 July forum: everyone is registered for all */

struct tally {
    unsigned sent[PEOPLE * DAYS];     /* scans written to the worker */
    unsigned acked[PEOPLE * DAYS];    /* ... and acknowledged */
    unsigned checked[PEOPLE * DAYS];  /* checked_in events in the store */
    size_t scans_sent, scans_acked, events, errors;
    bk_day day0;
};

struct worker {
    pid_t pid;
    int to, from; /* its stdin, its stdout */
    char buf[4096];
    size_t len;
};

static void start_worker(struct worker *w, const char *db, const char *keys)
{
    int in[2], out[2];
    if (pipe(in) || pipe(out))
        rel_die("pipe: %s", strerror(errno));
    pid_t pid = fork();
    if (pid < 0)
        rel_die("fork: %s", strerror(errno));
    if (pid == 0) {
        dup2(in[0], STDIN_FILENO);
        dup2(out[1], STDOUT_FILENO);
        close(in[0]), close(in[1]), close(out[0]), close(out[1]);
        execl(BK_SOURCE_DIR "/build/crash-worker", "crash-worker", db, keys, (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    *w = (struct worker){.pid = pid, .to = in[1], .from = out[0]};
}

/* Takes one complete line out of the worker's buffer; false when none. */
static bool take_line(struct worker *w, char *line, size_t n)
{
    char *nl = memchr(w->buf, '\n', w->len);
    if (!nl)
        return false;
    size_t l = (size_t)(nl - w->buf);
    snprintf(line, n, "%.*s", (int)l, w->buf);
    memmove(w->buf, nl + 1, w->len - l - 1);
    w->len -= l + 1;
    return true;
}

static size_t person_of(const char *id)
{
    size_t i = 0;
    if (sscanf(id, "CRASH-%zu", &i) != 1 || i < 1 || i > PEOPLE)
        return (size_t)-1;
    return i - 1;
}

static bool note_ack(struct tally *t, const char *line)
{
    char id[64], outcome[64];
    long day;
    if (strncmp(line, "ERR ", 4) == 0) {
        fprintf(stderr, "worker: %s\n", line);
        t->errors++;
        return true;
    }
    if (sscanf(line, "ACK %63s %ld %63s", id, &day, outcome) != 3)
        return false;
    size_t p = person_of(id);
    long d = day - t->day0;
    if (p == (size_t)-1 || d < 0 || d >= DAYS)
        return false;
    t->acked[p * DAYS + (size_t)d]++;
    t->scans_acked++;
    return true;
}

static int count_event(void *ctx, const struct store_event *ev)
{
    struct tally *t = ctx;
    t->events++;
    if (strcmp(ev->outcome, "checked_in") == 0 && ev->attendee && ev->has_day) {
        size_t p = person_of(ev->attendee);
        long d = ev->day - t->day0;
        if (p != (size_t)-1 && d >= 0 && d < DAYS)
            t->checked[p * DAYS + (size_t)d]++;
    }
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

int main(int argc, char **argv)
{
    if (argc < 4 || argc > 5) {
        fprintf(stderr, "usage: crash WORKDIR KILLS SEED [MAX_DELAY_MS]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    const char *work = argv[1];
    int kills = atoi(argv[2]);
    uint64_t rng = strtoull(argv[3], NULL, 10) | 1;
    double max_delay = argc == 5 ? atof(argv[4]) : 300;
    char *db = xasprintf("%s/store.db", work), *keydir = xasprintf("%s/keys", work);
    struct config *cfg = rel_config(db, keydir);
    char **payloads = rel_make_event(cfg, "CRASH", PEOPLE);

    static struct tally t;
    int64_t base[DAYS];
    for (int d = 0; d < DAYS; d++) {
        char iso[32];
        snprintf(iso, sizeof iso, "2023-07-%02dT09:00", 4 + d);
        if (tz_parse_instant(cfg->tz, iso, &base[d], NULL) != BK_OK)
            rel_die("time %s", iso);
    }
    t.day0 = tz_local_day(cfg->tz, base[0], NULL);

    double started = rel_ms();
    int survived = 0;
    bool broken = false; /* the worker died on its own or said nonsense */
    for (int k = 0; k < kills && !broken; k++) {
        struct worker w;
        start_worker(&w, db, keydir);
        double deadline = rel_ms() + rel_uniform(&rng) * max_delay;
        bool waiting = false;
        for (;;) {
            if (!waiting) {
                size_t p = rel_rand(&rng) % PEOPLE;
                size_t d = rel_rand(&rng) % DAYS;
                char line[600];
                /* A second a scan, wrapped within ten hours so that a long
                 * soak never walks off the end of the event's days. */
                int64_t offset = (int64_t)(t.scans_sent % 36000) * 1000;
                int n = snprintf(line, sizeof line, "%lld %s\n", (long long)(base[d] + offset),
                                 payloads[p]);
                if (write(w.to, line, (size_t)n) != n)
                    break; /* it is gone: waitpid below tells why */
                t.sent[p * DAYS + d]++;
                t.scans_sent++;
                waiting = true;
            }
            double left = deadline - rel_ms();
            if (left <= 0)
                break;
            struct pollfd pfd = {w.from, POLLIN, 0};
            int r = poll(&pfd, 1, (int)left + 1);
            if (r <= 0)
                continue;
            ssize_t got = read(w.from, w.buf + w.len, sizeof w.buf - w.len - 1);
            if (got <= 0)
                break;
            w.len += (size_t)got;
            char line[1300];
            while (take_line(&w, line, sizeof line)) {
                if (!note_ack(&t, line)) {
                    fprintf(stderr, "worker said: %s\n", line);
                    broken = true;
                }
                waiting = false;
            }
        }
        kill(w.pid, SIGKILL);
        int status;
        waitpid(w.pid, &status, 0);
        /* An ACK can be in the pipe when the kill lands: it was
         * acknowledged, so it counts. */
        ssize_t got;
        while ((got = read(w.from, w.buf + w.len, sizeof w.buf - w.len - 1)) > 0)
            w.len += (size_t)got;
        char line[1300];
        while (take_line(&w, line, sizeof line))
            if (!note_ack(&t, line))
                broken = true;
        close(w.to);
        close(w.from);
        if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
            survived++;
        else {
            fprintf(stderr, "the worker ended on its own (status %d) before kill %d\n", status,
                    k + 1);
            broken = true;
        }
    }
    double elapsed = rel_ms() - started;

    check(!broken && t.errors == 0, "test_worker_only_ends_by_sigkill",
          "the worker failed or died on its own: see above");

    struct store *s;
    struct bk_err err = {0};
    if (store_open(db, &s, &err) != BK_OK) {
        check(false, "test_store_opens_after_the_last_kill", err.msg);
        printf("crash: %d passed, %d failed\n", passed, failed);
        return 1;
    }
    check(store_foreach_scan(s, count_event, &t, &err) == BK_OK, "test_event_log_reads_back",
          err.msg);
    size_t lost = 0, phantom = 0, doubled = 0, people_days = 0, extras = 0;
    for (size_t i = 0; i < PEOPLE * DAYS; i++) {
        if (t.acked[i] && !t.checked[i])
            lost++;
        if (t.checked[i] && !t.sent[i])
            phantom++;
        if (t.checked[i] > 1)
            doubled++;
        if (t.checked[i] && !t.acked[i])
            extras++;
        people_days += t.checked[i] != 0;
    }
    char msg[256];
    snprintf(msg, sizeof msg, "%zu acknowledged check-ins are missing", lost);
    check(lost == 0, "test_every_acknowledged_checkin_is_in_the_store", msg);
    snprintf(msg, sizeof msg, "%zu person-days attended without a scan", phantom);
    check(phantom == 0, "test_nothing_is_attended_that_was_not_scanned", msg);
    snprintf(msg, sizeof msg, "%zu person-days with more than one checked_in", doubled);
    check(doubled == 0, "test_each_person_checks_in_once_a_day", msg);
    snprintf(msg, sizeof msg, "%zu events for %zu scans acknowledged and %zu sent", t.events,
             t.scans_acked, t.scans_sent);
    check(t.events >= t.scans_acked && t.events <= t.scans_sent,
          "test_events_lie_between_scans_acknowledged_and_sent", msg);
    struct store_verify v = {0};
    check(store_verify_chain(s, &v, &err) == BK_OK, "test_hash_chain_verifies",
          err.msg);
    store_close(s);

    printf("crash: %d kills survived of %d in %.1f s; %zu scans sent, %zu acknowledged, "
           "%zu events recorded (%zu committed without an ACK); %zu person-days attended, "
           "%zu of them committed but never acknowledged\n",
           survived, kills, elapsed / 1000, t.scans_sent, t.scans_acked, t.events,
           t.events - t.scans_acked, people_days, extras);
    printf("crash-figures: kills=%d scans=%zu acked=%zu events=%zu people_days=%zu seconds=%.1f\n",
           survived, t.scans_sent, t.scans_acked, t.events, people_days, elapsed / 1000);
    printf("crash: %d passed, %d failed\n", passed, failed);
    for (size_t i = 0; i < PEOPLE; i++)
        free(payloads[i]);
    free(payloads);
    config_free(cfg);
    free(db);
    free(keydir);
    return failed ? 1 : 0;
}
