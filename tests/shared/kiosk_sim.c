/* kiosk-sim: one kiosk's door, without a window, for the shared-store
 * tests and benchmarks.
 *
 *   kiosk-sim [--config F] [--db JOURNAL] [--keys DIR] [--kiosk ID] [--store URL]
 *             --now ISO8601 --script FILE --out FILE [--start-at UNIX_MS] [--no-sync-thread]
 *
 * Opens the store as the kiosk does (its journal in front of the shared
 * store, the sync thread running), then follows the script, one command a
 * line:
 *
 *   ID [PAUSE_MS]  scan ID's signed QR code (signed here with the test's
 *                  secret key) after PAUSE_MS, and check them in exactly as
 *                  the kiosk does (checkin_process, camera method), at the
 *                  venue time --now plus the wall time since the start
 *   wait FILE      wait until FILE exists (the test cuts the network first)
 *   sync           push and pull until nothing waits (at most 60 s)
 *   stop           leave now
 *
 * Each check-in's answer is a line of --out, written (and flushed) only
 * after checkin_process returned, so a line means the kiosk showed it:
 *
 *   ID OUTCOME OFFLINE(0/1) LATENCY_US AT_MS ANSWERED_UNIX_MS
 *
 * --start-at makes several kiosks begin at one instant. Exit 0 when every
 * scan was answered, 3 when the store failed (the line then says "error"). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/clock.h"
#include "core/checkin.h"
#include "core/token.h"
#include "event/cliopts.h"
#include "event/config.h"
#include "store/store.h"
#include "util/xalloc.h"

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void sleep_ms(int64_t ms)
{
    if (ms <= 0)
        return;
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000};
    while (nanosleep(&t, &t) != 0 && errno == EINTR)
        ;
}

static int die(const char *what, const struct bk_err *err)
{
    fprintf(stderr, "kiosk-sim: %s: %s\n", what, err ? err->msg : "");
    return 2;
}

int main(int argc, char **argv)
{
    static const struct option own[] = {{"now", required_argument, NULL, 'n'},
                                        {"script", required_argument, NULL, 's'},
                                        {"out", required_argument, NULL, 'o'},
                                        {"start-at", required_argument, NULL, 'a'},
                                        {"no-sync-thread", no_argument, NULL, 't'},
                                        {NULL, 0, NULL, 0}};
    struct option *longopts = cliopts_longopts_new(own);
    struct cliopts shared = {0};
    const char *now_text = NULL, *script = NULL, *out_path = NULL;
    int64_t start_at = 0;
    bool thread = true;
    int c;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (cliopts_take(&shared, c, optarg))
            continue;
        switch (c) {
        case 'n':
            now_text = optarg;
            break;
        case 's':
            script = optarg;
            break;
        case 'o':
            out_path = optarg;
            break;
        case 'a':
            start_at = strtoll(optarg, NULL, 10);
            break;
        case 't':
            thread = false;
            break;
        default:
            fprintf(stderr, "kiosk-sim: bad option\n");
            return 2;
        }
    }
    free(longopts);
    if (!now_text || !script || !out_path) {
        fprintf(stderr, "kiosk-sim: --now, --script and --out are needed\n");
        return 2;
    }
    struct bk_err err = {0};
    struct config *cfg;
    if (cliopts_load_config(&shared, &cfg, &err) != BK_OK)
        return die("config", &err);
    int64_t venue_start;
    if (tz_parse_instant(cfg->tz, now_text, &venue_start, &err) != BK_OK)
        return die("--now", &err);
    struct token_keys *keys;
    if (token_keys_load(cfg->keys_dir, &keys, &err) != BK_OK)
        return die("keys", &err);
    FILE *in = fopen(script, "r");
    FILE *out = fopen(out_path, "a");
    if (!in || !out)
        return die(script, NULL);

    struct store_options o;
    store_options_of_config(cfg, &o);
    struct store *store;
    if (store_open_with(&o, &store, &err) != BK_OK)
        return die("store", &err);
    if (thread && store_sync_start(store, &err) != BK_OK)
        return die("sync thread", &err);
    struct checkin_context ctx = {cfg, keys, store, cfg->kiosk_id};

    if (start_at)
        sleep_ms(start_at - clock_wall_ms());
    int64_t t0 = clock_wall_ms();
    int rc = 0;
    char line[512];
    while (rc == 0 && fgets(line, sizeof line, in)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0])
            continue;
        if (strncmp(line, "wait ", 5) == 0) {
            struct stat sb;
            while (stat(line + 5, &sb) != 0)
                sleep_ms(5);
            continue;
        }
        if (strcmp(line, "stop") == 0)
            break;
        if (strcmp(line, "sync") == 0) {
            struct store_sync_status st;
            int64_t until = clock_wall_ms() + 60000;
            do {
                store_sync(store, &st, NULL);
                if (st.waiting)
                    sleep_ms(200);
            } while (st.waiting && clock_wall_ms() < until);
            continue;
        }
        if (strncmp(line, "correct ", 8) == 0) {
            /* "My details are wrong" after the check-in of that ID. */
            int64_t at = venue_start + (clock_wall_ms() - t0);
            if (store_record_correction(store, line + 8, tz_local_day(cfg->tz, at, NULL),
                                        cfg->kiosk_id, "manual", NULL, at, &err) != BK_OK)
                return die("correct", &err);
            fprintf(out, "%s correction_requested %d\n", line + 8,
                    store_last_offline(store) ? 1 : 0);
            fflush(out);
            continue;
        }
        char id[128];
        long pause = 0;
        if (sscanf(line, "%127s %ld", id, &pause) < 1)
            continue;
        sleep_ms(pause);
        char *payload = NULL;
        if (token_sign_new(keys, cfg->event_id, id, &payload, &err) != BK_OK)
            return die("sign", &err);
        int64_t at = venue_start + (clock_wall_ms() - t0);
        struct checkin_result res;
        int64_t t = mono_us();
        enum bk_status st = checkin_process(&ctx, payload, strlen(payload), CHECKIN_CAMERA, at,
                                            &res, &err);
        int64_t lat = mono_us() - t;
        free(payload);
        if (st != BK_OK) {
            fprintf(out, "%s error 0 %lld %lld %lld\n", id, (long long)lat, (long long)at,
                    (long long)clock_wall_ms());
            fprintf(stderr, "kiosk-sim: %s: %s\n", id, err.msg);
            rc = 3;
        } else {
            fprintf(out, "%s %s %d %lld %lld %lld\n", id, checkin_outcome_code(res.outcome),
                    res.offline ? 1 : 0, (long long)lat, (long long)at, (long long)clock_wall_ms());
            if (res.offline && getenv("BK_SIM_WHY")) {
                struct store_sync_status ss;
                store_sync_status(store, &ss, NULL);
                fprintf(stderr, "kiosk-sim: %s offline: %s\n", id, ss.problem);
            }
            checkin_result_clear(&res);
        }
        fflush(out);
    }
    fclose(in);
    fclose(out);
    store_close(store);
    token_keys_free(keys);
    config_free(cfg);
    return rc;
}
