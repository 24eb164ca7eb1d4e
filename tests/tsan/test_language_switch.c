/* The language switching while other threads translate, under
 * ThreadSanitizer.
 *
 * The kiosk switches language on its UI thread while its print worker
 * (kiosk/printq) translates: its status lines, and the error messages the
 * store, the renderer and the printer code write. Built with
 * -fsanitize=thread ("make tsan", part of "make check"), these tests switch
 * languages as fast as they can while a plain thread translates, and while
 * the real print worker prints badges; ThreadSanitizer ends the run with a
 * report (exit code 66) when a translation and a switch are not ordered.
 * util/i18n shows it the C library's state it cannot see itself (i18n.c).
 *
 * Run from the source tree: the catalogues are read from build/locale. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <errno.h>
#include <libintl.h>
#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "door/flow.h"
#include "kiosk/printq.h"
#include "util/i18n.h"
#include "eventfix.h"

/* How many translations the plain thread makes; enough to overlap many
 * switches, few enough to take well under a second under TSan. */
#define TRANSLATIONS 20000

/* "Welcome" in each language, read while nothing else runs. */
static const char *welcome[16];

static void switch_to(size_t i)
{
    i18n_set_language(flow_languages[i % flow_n_languages].catalogue);
}

static bool is_a_welcome(const char *s)
{
    for (size_t i = 0; i < flow_n_languages; i++)
        if (strcmp(s, welcome[i]) == 0)
            return true;
    return false;
}

static atomic_bool translator_done;
static atomic_int not_a_translation;

static void *translate(void *arg)
{
    (void)arg;
    for (int i = 0; i < TRANSLATIONS; i++) {
        if (!is_a_welcome(_("Welcome")))
            atomic_fetch_add(&not_a_translation, 1);
        const char *plural = P_("%d try left.", "%d tries left.", i % 3);
        const char *why = i18n_strerror(ENOENT);
        if (!plural[0] || !why[0])
            atomic_fetch_add(&not_a_translation, 1);
    }
    atomic_store(&translator_done, true);
    return NULL;
}

static void test_translating_while_the_language_switches(void **state)
{
    (void)state;
    atomic_store(&translator_done, false);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, translate, NULL), 0);
    size_t switches = 0;
    while (!atomic_load(&translator_done))
        switch_to(switches++);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(atomic_load(&not_a_translation), 0);
    assert_true(switches > 0);
    /* The last switch holds: a translation after it is in its language. */
    switch_to(2);
    assert_string_equal(_("Welcome"), welcome[2]);
    switch_to(0);
}

/* The real print worker prints a badge for each person (to PNG files)
 * while the UI thread switches language between polls, as a kiosk whose
 * visitors touch the language buttons does. */
static void test_printing_while_the_language_switches(void **state)
{
    (void)state;
    char *dir;
    struct config *cfg;
    struct store *store;
    struct token_keys *keys;
    tu_event_open("tsan", "[kiosk]\ndatabase = store.db\n", &dir, &cfg, &store, &keys);
    static const struct tu_person people[] = {
        {"P1", "Ann", "Lee", "FG-MV", NULL, ATTENDEE_CONFIRMED},
        {"P2", "王", "蕴韬", "FG-MV", NULL, ATTENDEE_CONFIRMED},
        {"P3", "Amira", "Haddad", "FG-MV", NULL, ATTENDEE_CONFIRMED},
        {"P4", "Олег", "Петров", "FG-MV", NULL, ATTENDEE_CONFIRMED},
    };
    size_t n = sizeof people / sizeof people[0];
    tu_event_import(store, people, n);
    char *printed = tu_path_new(dir, "printed");
    assert_int_equal(mkdir(printed, 0700), 0);
    char *printer = xasprintf("file:%s", printed);

    pthread_mutex_t font_lock = PTHREAD_MUTEX_INITIALIZER;
    struct printq *q = NULL;
    struct bk_err err = {0};
    assert_int_equal(printq_new(cfg, printer, "kiosk-1", &font_lock, &q, &err), BK_OK);
    int64_t now = tu_at(cfg, "2023-07-04T09:00:00");
    for (size_t i = 0; i < n; i++) {
        char *payload = NULL;
        assert_int_equal(token_sign_new(keys, cfg->event_id, people[i].id, &payload, &err), BK_OK);
        printq_person(q,
                      &(struct flow_print){
                          .id = (uint32_t)i + 1, .attendee_id = people[i].id, .payload = payload},
                      now);
        free(payload);
    }
    printq_pending(q, now);

    /* No timing is asserted: the worker answers every request, however
     * slowly TSan makes it. */
    size_t answered = 0, written = 0, switches = 0;
    while (answered < n + 1) {
        switch_to(switches++);
        struct printq_done d;
        printq_clock(q, now);
        while (printq_poll(q, &d)) {
            if (d.one_of_many)
                continue; /* a badge of the pending run, for the log */
            answered++;
            if (d.id != 0 && d.result == FLOW_PRINT_WRITTEN)
                written++;
            else if (d.id != 0)
                fail_msg("%s was not printed: %s", d.attendee, d.problem);
        }
        char status[1400];
        printq_status(q, status, sizeof status, NULL);
        (void)printq_printer_down(q);
        (void)_("Printer");
    }
    printq_free(q);
    assert_int_equal(written, n);
    switch_to(0);

    free(printer);
    free(printed);
    tu_event_close(dir, cfg, store, keys);
}

int main(void)
{
    /* As the kiosk starts: a locale that is not "C", the catalogues bound,
     * and LANGUAGE set once before any thread. */
    if (!setlocale(LC_ALL, "C.UTF-8"))
        setlocale(LC_ALL, "");
    bindtextdomain(BK_TEXTDOMAIN, "build/locale");
    bind_textdomain_codeset(BK_TEXTDOMAIN, "UTF-8");
    for (size_t i = 0; i < flow_n_languages && i < sizeof welcome / sizeof welcome[0]; i++) {
        switch_to(i);
        welcome[i] = _("Welcome");
    }
    switch_to(0);
    /* Each language must really translate, or the test would prove little. */
    if (strcmp(welcome[2], "Welcome") == 0) {
        fprintf(stderr, "tsan: no catalogues in build/locale (make locale)\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_translating_while_the_language_switches),
        cmocka_unit_test(test_printing_while_the_language_switches),
    };
    return cmocka_run_group_tests_name("language switch (tsan)", tests, NULL, NULL);
}
