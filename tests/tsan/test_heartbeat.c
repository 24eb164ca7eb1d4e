/* The kiosk's heartbeat thread under ThreadSanitizer.
 *
 * The UI thread hands the heartbeat its state many times a second
 * (heartbeat_update) while the heartbeat's own thread copies it and writes
 * it into the store with its own connection; the UI's store connection
 * checks people in meanwhile. ThreadSanitizer ends the run with a report
 * (exit code 66) when the two are not ordered. No timing is asserted: the
 * loop waits (with a bound against a hang) for the state it handed over to
 * arrive in the store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "kiosk/heartbeat.h"
#include "eventfix.h"

static atomic_int logged;

static void count_line(const char *line)
{
    (void)line;
    atomic_fetch_add(&logged, 1);
}

struct seen {
    int64_t corrections;
    char ids[64];
};

static int take(void *ctx, const struct store_heartbeat *hb)
{
    struct seen *s = ctx;
    if (strcmp(hb->kiosk, "kiosk-1") == 0) {
        s->corrections = hb->corrections;
        snprintf(s->ids, sizeof s->ids, "%s", hb->correction_ids);
    }
    return 0;
}

static void test_heartbeat_thread_and_the_ui_share_its_state(void **state)
{
    (void)state;
    char *dir;
    struct config *cfg;
    struct store *store;
    struct token_keys *keys;
    tu_event_open("tsan-beat", "[kiosk]\nid = kiosk-1\ndatabase = store.db\nheartbeat_seconds = 1\n",
                  &dir, &cfg, &store, &keys);
    static const struct tu_person people[] = {
        {"P1", "Ann", "Lee", "FG-MV", NULL, ATTENDEE_CONFIRMED},
    };
    tu_event_import(store, people, 1);
    struct heartbeat *h;
    struct bk_err err = {0};
    assert_int_equal(heartbeat_new(cfg, count_line, &h, &err), BK_OK);
    struct seen seen = {0};
    int64_t last = 0;
    for (int round = 0; round < 4000 && seen.corrections != 7; round++) {
        struct heartbeat_state st = {.last_scan_ms = round, .badges_pending = round % 5,
                                     .corrections = round < 50 ? round % 7 : 7};
        snprintf(st.printer_state, sizeof st.printer_state, "idle");
        snprintf(st.camera, sizeof st.camera, "ok");
        snprintf(st.correction_ids, sizeof st.correction_ids, "P%d", round % 7);
        if (round >= 50)
            snprintf(st.correction_ids, sizeof st.correction_ids, "P1, P7");
        heartbeat_update(h, &st);
        last = round;
        struct timespec pause = {0, 5 * 1000 * 1000};
        nanosleep(&pause, NULL);
        if (round % 20 == 0)
            assert_int_equal(store_foreach_heartbeat(store, take, &seen, &err), BK_OK);
    }
    heartbeat_free(h);
    assert_int_equal(seen.corrections, 7);
    assert_string_equal(seen.ids, "P1, P7");
    assert_true(last > 0);
    /* A beat that wrote after a failure says so; none failed here. */
    assert_int_equal(atomic_load(&logged), 0);
    tu_event_close(dir, cfg, store, keys);
}

int main(void)
{
    if (!setlocale(LC_ALL, "C.UTF-8"))
        setlocale(LC_ALL, "");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_heartbeat_thread_and_the_ui_share_its_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
