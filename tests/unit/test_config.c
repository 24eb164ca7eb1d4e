/* Unit tests for config: the event INI file, and messages that name the
 * file, line and key of every mistake. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "event/config.h"
#include "testutil.h"

/* The group's folder, and the event.ini in it that write_ini replaces. */
static char *dir;
static char *ini_path;

static const char base_ini[] =
    "[event]\n"                            /* 1 */
    "id = test-event\n"                    /* 2 */
    "title = Test event\n"                 /* 3 */
    "venue = Hall\n"                       /* 4 */
    "timezone = Asia/Shanghai\n"           /* 5 */
    "[part FG-MV]\n"                       /* 6 */
    "name = The meeting\n"                 /* 7 */
    "first_day = 2023-07-04\n"             /* 8 */
    "last_day = 2023-07-06\n"              /* 9 */
    "aliases = FGMV, Meeting\n"            /* 10 */
    "[part Forum]\n"                       /* 11 */
    "first_day = 2023-07-07\n"             /* 12 */
    "last_day = 2023-07-07\n"              /* 13 */
    "[roster]\n"                           /* 14 */
    "id = Registration ID\n"               /* 15 */
    "first_name = First Name\n"            /* 16 */
    "last_name = Last Name\n"              /* 17 */
    "events_separator = \";\"\n"           /* 18 */
    "withdrawn = Cancelled, Withdrawn\n"   /* 19 */
    "[kiosk]\n"                            /* 20 */
    "database = data/test.db\n";           /* 21 */

static int setup(void **state)
{
    (void)state;
    dir = tu_tempdir_new("config");
    ini_path = tu_path_new(dir, "event.ini");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tu_tempdir_free(dir);
    free(ini_path);
    return 0;
}

static const char *write_ini(const char *text)
{
    tu_write_text(ini_path, text);
    return ini_path;
}

/* base_ini with line n (1-based) replaced by repl (NULL deletes it). */
static const char *with_line(int n, const char *repl)
{
    static char buf[4096];
    buf[0] = '\0';
    const char *p = base_ini;
    for (int line = 1; *p; line++) {
        const char *nl = strchr(p, '\n');
        if (line == n) {
            if (repl) {
                strcat(buf, repl);
                strcat(buf, "\n");
            }
        } else {
            strncat(buf, p, (size_t)(nl - p + 1));
        }
        p = nl + 1;
    }
    return write_ini(buf);
}

static void test_good_config_loads(void **state)
{
    (void)state;
    struct config *c;
    struct bk_err err = {0};
    assert_int_equal(config_load(write_ini(base_ini), &c, &err), BK_OK);
    assert_string_equal(c->event_id, "test-event");
    assert_int_equal(c->n_events, 2);
    assert_string_equal(c->events[0].code, "FG-MV");
    assert_string_equal(c->events[1].name, "Forum"); /* defaults to the code */
    assert_string_equal(c->events_separator, ";");
    assert_int_equal(c->n_withdrawn, 2);
    assert_string_equal(c->withdrawn[1], "Withdrawn");
    assert_string_equal(c->confirmed[0], "Confirmed");
    assert_null(c->columns.email);
    assert_int_equal(c->badge_dpi, 300);
    /* Relative paths are relative to the file's folder. */
    char want[160];
    snprintf(want, sizeof want, "%s/data/test.db", dir);
    assert_string_equal(c->database, want);
    config_free(c);
}

static void test_events_by_day_and_name(void **state)
{
    (void)state;
    struct config *c;
    assert_int_equal(config_load(write_ini(base_ini), &c, NULL), BK_OK);
    const struct config_event *on[CONFIG_MAX_EVENTS];
    bk_day d;
    assert_true(tz_day_parse("2023-07-05", &d));
    assert_int_equal(config_events_on_day(c, d, on), 1);
    assert_string_equal(on[0]->code, "FG-MV");
    assert_true(tz_day_parse("2023-07-08", &d));
    assert_int_equal(config_events_on_day(c, d, on), 0);
    assert_ptr_equal(config_event_by_name(c, " meeting "), &c->events[0]);
    assert_ptr_equal(config_event_by_name(c, "forum"), &c->events[1]);
    assert_null(config_event_by_name(c, "Banquet"));
    config_free(c);
}

/* Each broken line gives an error naming that line and key. */
static void test_mistakes_name_file_line_and_key(void **state)
{
    (void)state;
    static const struct {
        int line;
        const char *text;
        const char *key;
        const char *words;
    } cases[] = {
        {4, "venu = Hall", "venu", "unknown key"},
        {5, "timezone = Mars/Olympus", "timezone", "Mars/Olympus"},
        {8, "first_day = 2023-02-30", "first_day", "2023-02-30"},
        {9, "last_day = July 6", "last_day", "July 6"},
        {14, "[rooster]", "", "rooster"},
        {20, "[kiosk]\nrepeat_seconds = soon", "repeat_seconds", "soon"},
        {20, "[badge]\nsize = A4", "size", "A4"},
        {20, "[qr]\nmode = fancy", "mode", "fancy"},
        {3, "this line has no equals sign", "", "INI"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct config *c = (void *)1;
        struct bk_err err = {0};
        const char *path = with_line(cases[i].line, cases[i].text);
        assert_int_not_equal(config_load(path, &c, &err), BK_OK);
        assert_null(c);
        assert_string_equal(err.file, path);
        long want_line = cases[i].line + (strchr(cases[i].text, '\n') ? 1 : 0);
        assert_int_equal(err.line, want_line);
        assert_string_equal(err.field, cases[i].key);
        if (!strstr(err.msg, cases[i].words))
            fail_msg("case %zu: '%s' lacks '%s'", i, err.msg, cases[i].words);
    }
}

/* base_ini with "[section]\nkey = value" appended: the key is on line 23.
 * base_ini ends in [kiosk], and a section may not appear twice, so a kiosk
 * key follows a comment line instead. */
static const char *with_key(const char *section, const char *key, const char *value)
{
    static char buf[4096];
    if (strcmp(section, "kiosk") == 0)
        snprintf(buf, sizeof buf, "%s; more of [kiosk]\n%s = %s\n", base_ini, key, value);
    else
        snprintf(buf, sizeof buf, "%s[%s]\n%s = %s\n", base_ini, section, key, value);
    return write_ini(buf);
}

/* Every number key of [printer], [badge] and [kiosk]: its default, both of
 * its limits taken, one past each refused with a message that names the
 * value and the limits, at the key's line. */
static void test_number_keys_keep_their_limits_and_defaults(void **state)
{
    (void)state;
    static const struct {
        const char *section, *key;
        int lo, hi, fallback;
        size_t field;
    } cases[] = {
        {"printer", "timeout_seconds", 1, 3600, 60, offsetof(struct config, print_timeout)},
        {"badge", "dpi", 72, 1200, 300, offsetof(struct config, badge_dpi)},
        {"kiosk", "repeat_seconds", 0, 3600, 5, offsetof(struct config, repeat_seconds)},
        {"kiosk", "result_seconds", 2, 120, 8, offsetof(struct config, result_seconds)},
        {"kiosk", "countdown_seconds", 0, 60, 5, offsetof(struct config, countdown_seconds)},
        {"kiosk", "staff_idle_seconds", 10, 3600, 120, offsetof(struct config, staff_idle_seconds)},
        {"kiosk", "pin_idle_seconds", 5, 600, 30, offsetof(struct config, pin_idle_seconds)},
        {"kiosk", "pin_tries", 1, 10, 3, offsetof(struct config, pin_tries)},
        {"kiosk", "pin_lock_seconds", 10, 3600, 300, offsetof(struct config, pin_lock_seconds)},
        {"store", "timeout_ms", 50, 60000, 500, offsetof(struct config, store_timeout_ms)},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct config *c;
        struct bk_err err = {0};
        char v[32], limits[64];
        assert_int_equal(config_load(write_ini(base_ini), &c, &err), BK_OK);
        assert_int_equal(*(int *)((char *)c + cases[i].field), cases[i].fallback);
        config_free(c);
        const int good[] = {cases[i].lo, cases[i].hi};
        for (size_t j = 0; j < 2; j++) {
            snprintf(v, sizeof v, "%d", good[j]);
            if (config_load(with_key(cases[i].section, cases[i].key, v), &c, &err) != BK_OK)
                fail_msg("%s = %s: %s", cases[i].key, v, err.msg);
            assert_int_equal(*(int *)((char *)c + cases[i].field), good[j]);
            config_free(c);
        }
        const int bad[] = {cases[i].lo - 1, cases[i].hi + 1};
        snprintf(limits, sizeof limits, "from %d to %d", cases[i].lo, cases[i].hi);
        for (size_t j = 0; j < 2; j++) {
            snprintf(v, sizeof v, "%d", bad[j]);
            assert_int_equal(config_load(with_key(cases[i].section, cases[i].key, v), &c, &err),
                             BK_ERR_CONFIG);
            assert_int_equal(err.line, 23);
            assert_string_equal(err.field, cases[i].key);
            if (!strstr(err.msg, v) || !strstr(err.msg, limits))
                fail_msg("%s = %s: '%s' lacks the value or '%s'", cases[i].key, v, err.msg, limits);
        }
    }
    /* The margin is whole millimetres, kept as a double. */
    struct config *c;
    struct bk_err err = {0};
    assert_int_equal(config_load(write_ini(base_ini), &c, NULL), BK_OK);
    assert_true(c->badge_margin_mm == 4);
    config_free(c);
    assert_int_equal(config_load(with_key("badge", "margin_mm", "31"), &c, &err), BK_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "from 0 to 30"));
}

/* [store]: no url is the embedded store alone; require_tls is yes or no in
 * the usual spellings, and anything else is refused at its line. */
static void test_store_section_reads_url_and_tls(void **state)
{
    (void)state;
    struct config *c;
    struct bk_err err = {0};
    assert_int_equal(config_load(write_ini(base_ini), &c, NULL), BK_OK);
    assert_string_equal(c->store_url, "");
    assert_false(c->store_require_tls);
    config_free(c);
    assert_int_equal(config_load(with_key("store", "url", "postgresql://kiosk@desk.local/fgmv2"),
                                 &c, &err),
                     BK_OK);
    assert_string_equal(c->store_url, "postgresql://kiosk@desk.local/fgmv2");
    config_free(c);
    static const struct {
        const char *value;
        bool want;
    } spellings[] = {{"yes", true}, {"No", false}, {"TRUE", true}, {"off", false}, {"1", true}};
    for (size_t i = 0; i < sizeof spellings / sizeof spellings[0]; i++) {
        assert_int_equal(config_load(with_key("store", "require_tls", spellings[i].value), &c, &err),
                         BK_OK);
        assert_int_equal(c->store_require_tls, spellings[i].want);
        config_free(c);
    }
    assert_int_equal(config_load(with_key("store", "require_tls", "maybe"), &c, &err),
                     BK_ERR_CONFIG);
    assert_int_equal(err.line, 23);
    assert_non_null(strstr(err.msg, "maybe"));
    assert_int_equal(config_load(with_key("store", "uri", "x"), &c, &err), BK_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "[store]"));
    assert_non_null(strstr(err.msg, "timeout_ms"));
}

/* A misspelt device key is refused with the keys the section knows. */
static void test_unknown_device_key_lists_the_known_ones(void **state)
{
    (void)state;
    struct config *c;
    struct bk_err err = {0};
    assert_int_equal(config_load(with_key("kiosk", "result_secs", "3"), &c, &err), BK_ERR_CONFIG);
    assert_int_equal(err.line, 23);
    assert_string_equal(err.field, "result_secs");
    assert_non_null(strstr(err.msg, "[kiosk]"));
    assert_non_null(strstr(err.msg, "result_seconds"));
    assert_non_null(strstr(err.msg, "pin_lock_seconds"));
    assert_null(strstr(err.msg, "dpi"));
    assert_int_equal(config_load(with_key("badge", "colour", "red"), &c, &err), BK_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "category.NAME"));
}

static void test_missing_required_key_is_named(void **state)
{
    (void)state;
    struct config *c;
    struct bk_err err = {0};
    assert_int_equal(config_load(with_line(5, NULL), &c, &err), BK_ERR_CONFIG);
    assert_string_equal(err.field, "event.timezone");
    assert_int_equal(config_load(with_line(15, NULL), &c, &err), BK_ERR_CONFIG);
    assert_string_equal(err.field, "roster.id");
}

/* Finding 10 of issue 10: the line of last_day, and the first_day's. */
static void test_days_out_of_order_are_refused_at_their_line(void **state)
{
    (void)state;
    struct config *c;
    struct bk_err err = {0};
    assert_int_equal(config_load(with_line(9, "last_day = 2023-07-01"), &c, &err),
                     BK_ERR_CONFIG);
    assert_int_equal(err.line, 9);
    assert_string_equal(err.field, "last_day");
    assert_non_null(strstr(err.msg, "before first_day 2023-07-04 (line 8)"));
    assert_int_equal(config_load(with_line(9, NULL), &c, &err), BK_ERR_CONFIG);
    assert_int_equal(err.line, 6); /* the [part FG-MV] header */
}

/* Finding 9 of issue 10: a key or a section given twice is an error at the
 * second one, naming the first; last-one-wins changed the event id that
 * every code is signed with. An indented line would silently continue the
 * key above. */
static void test_repeated_keys_and_sections_are_refused(void **state)
{
    (void)state;
    static const struct {
        int line;
        const char *text;
        long err_line;
        const char *key;
        const char *words;
    } cases[] = {
        {4, "id = other-event", 4, "id", "set twice in [event] (first at line 2)"},
        {11, "[part FG-MV]", 11, "", "[part FG-MV] appears twice (first at line 6)"},
        {11, "[part  FG-MV]", 11, "", "appears twice (first at line 6)"},
        {14, "[event]", 14, "", "[event] appears twice (first at line 1)"},
        {3, "  title = Test event", 3, "id", "continue 'id'"},
        {20, "[badge]\ncategory.Chair = #112233, CHAIR\ncategory.chair = #445566, X\n[kiosk]", 22,
         "category.chair", "set twice in [badge] (first at line 21)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct config *c = (void *)1;
        struct bk_err err = {0};
        if (config_load(with_line(cases[i].line, cases[i].text), &c, &err) != BK_ERR_CONFIG)
            fail_msg("case %zu: accepted", i);
        assert_null(c);
        if (err.line != cases[i].err_line || strcmp(err.field, cases[i].key) != 0 ||
            !strstr(err.msg, cases[i].words))
            fail_msg("case %zu: %ld: %s: %s", i, err.line, err.field, err.msg);
    }
}

/* Finding 10 of issue 10: a logo that cannot be drawn is found when the
 * file is read, at its line, not when the first badge is drawn. */
static void test_a_missing_or_wrong_logo_is_refused_at_its_line(void **state)
{
    (void)state;
    struct config *c;
    struct bk_err err = {0};
    assert_int_equal(config_load(with_key("badge", "logo", "no-such-logo.png"), &c, &err),
                     BK_ERR_CONFIG);
    assert_int_equal(err.line, 23);
    assert_string_equal(err.field, "logo");
    assert_non_null(strstr(err.msg, "no-such-logo.png"));
    char *text_file = tu_path_new(dir, "logo.png");
    tu_write_text(text_file, "not a picture");
    assert_int_equal(config_load(with_key("badge", "logo", "logo.png"), &c, &err), BK_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "not a PNG"));
    free(text_file);
    assert_int_equal(config_load(with_key("badge", "logo", "."), &c, &err), BK_ERR_CONFIG);
    assert_int_equal(err.line, 23);
}

/* Finding 11 of issue 10: a folder given as the configuration says so. */
static void test_a_folder_is_not_a_configuration(void **state)
{
    (void)state;
    struct config *c;
    struct bk_err err = {0};
    assert_int_equal(config_load(dir, &c, &err), BK_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "is a folder"));
}

/* Finding 4 of issue 10: where a setting came from, for a message about its
 * value: the file and line, the default, or the option that replaced it. */
static void test_a_setting_is_blamed_on_its_line_or_option(void **state)
{
    (void)state;
    struct config *c;
    assert_int_equal(config_load(write_ini(base_ini), &c, NULL), BK_OK);
    assert_int_equal(config_key_line(c, "kiosk", "database"), 21);
    assert_int_equal(config_key_line(c, "part FG-MV", "last_day"), 9);
    assert_int_equal(config_key_line(c, "kiosk", "id"), 0);
    struct bk_err err = {0};
    bk_err_set(&err, BK_ERR_NOT_FOUND, "/x/test.db", 0, NULL, "there is no store at /x/test.db");
    config_blame(c, "kiosk", "database", &err);
    assert_string_equal(err.file, ini_path);
    assert_int_equal(err.line, 21);
    assert_string_equal(err.field, "database");
    assert_string_equal(err.msg, "there is no store at /x/test.db");
    config_blame(c, "kiosk", "id", &err);
    assert_int_equal(err.line, 0);
    assert_string_equal(err.field, "kiosk.id");
    config_override(c, "kiosk", "database", "db");
    config_blame(c, "kiosk", "database", &err);
    assert_string_equal(err.file, "--db");
    assert_string_equal(err.field, "");
    config_free(c);
}

static void test_missing_file_is_named(void **state)
{
    (void)state;
    struct config *c;
    struct bk_err err = {0};
    assert_int_equal(config_load("/nonexistent/event.ini", &c, &err), BK_ERR_IO);
    assert_string_equal(err.file, "/nonexistent/event.ini");
}

static void test_overlong_line_is_refused(void **state)
{
    (void)state;
    char line[400];
    memset(line, 'x', sizeof line);
    memcpy(line, "venue = ", 8);
    line[sizeof line - 1] = '\0';
    struct config *c;
    struct bk_err err = {0};
    assert_int_equal(config_load(with_line(4, line), &c, &err), BK_ERR_CONFIG);
    assert_int_equal(err.line, 4);
    assert_non_null(strstr(err.msg, "longer"));
}

static void test_shipped_config_loads(void **state)
{
    (void)state;
    struct config *c;
    struct bk_err err = {0};
    if (config_load("kiosk-config/fgmv2-shanghai.ini", &c, &err) != BK_OK)
        fail_msg("%s:%ld: %s: %s", err.file, err.line, err.field, err.msg);
    assert_string_equal(c->timezone_name, "Asia/Shanghai");
    assert_int_equal(c->n_events, 2);
    char a[11], b[11];
    assert_string_equal(tz_day_format(c->events[0].first_day, a), "2023-07-04");
    assert_string_equal(tz_day_format(c->events[0].last_day, b), "2023-07-06");
    assert_string_equal(tz_day_format(c->events[1].first_day, a), "2023-07-07");
    assert_string_equal(c->columns.badge_name, "Badge Name");
    assert_null(c->columns.language);
    assert_true(strncmp(c->staff_pin_hash, "$argon2id$", 10) == 0);
    config_free(c);
}

/* The shipped config shows the kiosk's timings commented out, at their
 * defaults: uncommented, they must load and change nothing. */
static void test_shipped_config_shows_the_default_timings(void **state)
{
    (void)state;
    FILE *in = fopen("kiosk-config/fgmv2-shanghai.ini", "r");
    assert_non_null(in);
    char text[16384] = "", line[1024];
    size_t used = 0;
    int shown = 0;
    while (fgets(line, sizeof line, in)) {
        /* ";key = value" is a setting shown at its default; ";" then words
         * is a comment. */
        const char *l = line;
        size_t k = line[0] == ';' ? strspn(line + 1, "abcdefghijklmnopqrstuvwxyz_") : 0;
        if (k && strncmp(line + 1 + k, " = ", 3) == 0) {
            l = line + 1;
            shown++;
        }
        /* The copy is read from another folder: its logo must still be found. */
        char here[512], logo[1024];
        if (strncmp(l, "logo = ", 7) == 0 && getcwd(here, sizeof here)) {
            snprintf(logo, sizeof logo, "logo = %s/assets/fgmv2-logo.png\n", here);
            l = logo;
        }
        used += (size_t)snprintf(text + used, sizeof text - used, "%s", l);
        assert_true(used < sizeof text);
    }
    fclose(in);
    assert_int_equal(shown, 7);
    struct config *c, *d;
    struct bk_err err = {0};
    if (config_load(write_ini(text), &c, &err) != BK_OK)
        fail_msg("%s:%ld: %s: %s", err.file, err.line, err.field, err.msg);
    assert_int_equal(config_load(write_ini(base_ini), &d, NULL), BK_OK);
    assert_int_equal(c->result_seconds, d->result_seconds);
    assert_int_equal(c->countdown_seconds, d->countdown_seconds);
    assert_int_equal(c->staff_idle_seconds, d->staff_idle_seconds);
    assert_int_equal(c->pin_idle_seconds, d->pin_idle_seconds);
    assert_int_equal(c->pin_tries, d->pin_tries);
    assert_int_equal(c->pin_lock_seconds, d->pin_lock_seconds);
    assert_int_equal(c->heartbeat_seconds, d->heartbeat_seconds);
    config_free(c);
    config_free(d);
}


/* [dashboard]: loopback and a token by default; its keys checked like the
 * others'. */
static void test_dashboard_defaults_to_loopback_and_a_token(void **state)
{
    (void)state;
    struct config *c;
    assert_int_equal(config_load(write_ini(base_ini), &c, NULL), BK_OK);
    assert_string_equal(c->dashboard_listen, "127.0.0.1:8470");
    assert_string_equal(c->dashboard_password_hash, "");
    assert_string_equal(c->dashboard_certificate, "");
    assert_int_equal(c->dashboard_idle_seconds, 10);
    assert_int_equal(c->heartbeat_seconds, 5);
    config_free(c);
    char text[4096];
    struct bk_err err = {0};
    snprintf(text, sizeof text, "%s[dashboard]\nidle_seconds = 0\n", base_ini);
    assert_int_equal(config_load(write_ini(text), &c, &err), BK_ERR_CONFIG);
    assert_string_equal(err.field, "idle_seconds");
    snprintf(text, sizeof text, "%s[dashboard]\nport = 80\n", base_ini);
    assert_int_equal(config_load(write_ini(text), &c, &err), BK_ERR_CONFIG);
    snprintf(text, sizeof text, "%s[dashboard]\ncertificate = tls/cert.pem\n", base_ini);
    assert_int_equal(config_load(write_ini(text), &c, NULL), BK_OK);
    assert_true(c->dashboard_certificate[0] == '/');
    config_free(c);
}

/* An event whose [roster] is the given lines, then [qr] with mode. */
static const char *preset_ini(const char *roster, const char *mode)
{
    static char buf[4096];
    snprintf(buf, sizeof buf,
             "[event]\nid = e\ntitle = E\ntimezone = Asia/Shanghai\n"
             "[part FG-MV]\nfirst_day = 2023-07-04\nlast_day = 2023-07-06\n"
             "aliases = Meeting ticket, Full pass\n"
             "[part Forum]\nfirst_day = 2023-07-07\nlast_day = 2023-07-07\n"
             "aliases = Forum ticket, Full pass\n"
             "[roster]\n%s[qr]\nmode = %s\n",
             roster, mode);
    return write_ini(buf);
}

/* Each preset fills in its system's headers and status values; a key given
 * as well wins, an empty one removes the column; an alias may name several
 * parts. */
static void test_presets_fill_in_the_roster_and_given_keys_win(void **state)
{
    (void)state;
    static const struct {
        const char *preset;
        enum config_column col;
        const char *header;
        bool optional;
    } cases[] = {
        {"pretix", CONFIG_COL_ID, "Order code", false},
        {"pretix", CONFIG_COL_CODE, "Secret", false},
        {"pretix", CONFIG_COL_NAME, "Attendee name", false},
        {"pretix", CONFIG_COL_FIRST, "Attendee name: Given name", true},
        {"pretix", CONFIG_COL_LAST, "Attendee name: Family name", true},
        {"pretix", CONFIG_COL_EVENTS, "Product", false},
        {"pretix", CONFIG_COL_STATUS, "Blocked", true},
        {"pretix", CONFIG_COL_VALID_FROM, "Valid from", true},
        {"pretix", CONFIG_COL_ORG, "Company", true},
        {"pretix", CONFIG_COL_COUNTRY, "Country", true},
        {"eventbrite", CONFIG_COL_ID, "Order #", false},
        {"eventbrite", CONFIG_COL_CODE, "Barcode #", false},
        {"eventbrite", CONFIG_COL_TICKET, "Attendee #", true},
        {"eventbrite", CONFIG_COL_STATUS, "Attendee Status", true},
        {"Indico", CONFIG_COL_ID, "ID", false},
        {"indico", CONFIG_COL_STATUS, "Registration state", true},
        {"indico", CONFIG_COL_CODE, NULL, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char roster[128];
        snprintf(roster, sizeof roster, "preset = %s\n", cases[i].preset);
        struct config *c;
        struct bk_err err = {0};
        if (config_load(preset_ini(roster, "signed"), &c, &err) != BK_OK)
            fail_msg("%s: %s", cases[i].preset, err.msg);
        const char *got = config_column_header(c, cases[i].col);
        if (cases[i].header ? !got || strcmp(got, cases[i].header) : got != NULL)
            fail_msg("%s %s: '%s'", cases[i].preset, config_column_key(cases[i].col),
                     got ? got : "(none)");
        assert_int_equal(c->column_optional[cases[i].col], cases[i].optional);
        config_free(c);
    }
    struct config *c;
    assert_int_equal(config_load(preset_ini("preset = pretix\nstatus = Gesperrt\nwithdrawn = Ja\n"
                                            "country =\nid = Bestellnummer\n",
                                            "export"),
                                 &c, NULL),
                     BK_OK);
    assert_string_equal(c->columns.id, "Bestellnummer");
    assert_string_equal(c->columns.status, "Gesperrt");
    assert_false(c->column_optional[CONFIG_COL_STATUS]); /* given: needed */
    assert_null(c->columns.country);
    assert_string_equal(c->columns.code, "Secret");
    assert_int_equal(c->n_withdrawn, 1);
    assert_string_equal(c->withdrawn[0], "Ja");
    assert_int_equal(c->n_confirmed, 1);
    assert_string_equal(c->confirmed[0], "No"); /* the preset's, not given */
    assert_int_equal(c->qr_mode, CONFIG_QR_EXPORT);
    const struct config_event *named[CONFIG_MAX_EVENTS];
    assert_int_equal(config_events_named(c, " full PASS ", named), 2);
    assert_string_equal(named[0]->code, "FG-MV");
    assert_string_equal(named[1]->code, "Forum");
    assert_int_equal(config_events_named(c, "Forum ticket", named), 1);
    assert_int_equal(config_events_named(c, "Gala", named), 0);
    config_free(c);
}

/* The new [roster] and [qr] keys refuse what they cannot use, at their line. */
static void test_roster_reading_keys_are_checked(void **state)
{
    (void)state;
    static const struct {
        const char *roster, *mode, *key, *words;
    } cases[] = {
        {"preset = tito\n", "signed", "preset", "pretix, indico, eventbrite"},
        {"id = ID\nname = N\nencoding = klingon-8\n", "signed", "encoding", "klingon-8"},
        {"id = ID\nname = N\ndelimiter = |\n", "signed", "delimiter", "tab or auto"},
        {"id = ID\nname = N\ndate_order = ymd\n", "signed", "date_order", "dmy"},
        {"id = ID\nname = N\n", "export", "roster.code", "[roster] code"},
        {"preset = indico\n", "export", "roster.code", "check-in secret"},
        {"id = ID\nname = N\n", "magic", "mode", "export"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct config *c = (void *)1;
        struct bk_err err = {0};
        assert_int_equal(config_load(preset_ini(cases[i].roster, cases[i].mode), &c, &err),
                         BK_ERR_CONFIG);
        assert_null(c);
        if (strcmp(err.field, cases[i].key) != 0 || !strstr(err.msg, cases[i].words))
            fail_msg("case %zu: %s: '%s'", i, err.field, err.msg);
    }
    struct config *c;
    assert_int_equal(config_load(preset_ini("id = ID\nname = N\nencoding = Windows-1252\n"
                                            "delimiter = tab\ndate_order = mdy\n",
                                            "signed"),
                                 &c, NULL),
                     BK_OK);
    assert_string_equal(c->encoding, "Windows-1252");
    assert_int_equal(c->delimiter, '\t');
    assert_int_equal(c->date_order, CONFIG_DATES_MDY);
    config_free(c);
    assert_int_equal(config_load(preset_ini("id = ID\nname = N\ndelimiter = \";\"\n", "signed"),
                                 &c, NULL),
                     BK_OK);
    assert_int_equal(c->delimiter, ';');
    config_free(c);
    assert_int_equal(config_load(preset_ini("id = ID\nname = N\n", "signed"), &c, NULL), BK_OK);
    assert_int_equal(c->delimiter, 0); /* auto by default */
    config_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_config_loads),
        cmocka_unit_test(test_events_by_day_and_name),
        cmocka_unit_test(test_mistakes_name_file_line_and_key),
        cmocka_unit_test(test_number_keys_keep_their_limits_and_defaults),
        cmocka_unit_test(test_store_section_reads_url_and_tls),
        cmocka_unit_test(test_unknown_device_key_lists_the_known_ones),
        cmocka_unit_test(test_missing_required_key_is_named),
        cmocka_unit_test(test_days_out_of_order_are_refused_at_their_line),
        cmocka_unit_test(test_repeated_keys_and_sections_are_refused),
        cmocka_unit_test(test_a_missing_or_wrong_logo_is_refused_at_its_line),
        cmocka_unit_test(test_a_folder_is_not_a_configuration),
        cmocka_unit_test(test_a_setting_is_blamed_on_its_line_or_option),
        cmocka_unit_test(test_missing_file_is_named),
        cmocka_unit_test(test_overlong_line_is_refused),
        cmocka_unit_test(test_shipped_config_loads),
        cmocka_unit_test(test_dashboard_defaults_to_loopback_and_a_token),
        cmocka_unit_test(test_shipped_config_shows_the_default_timings),
        cmocka_unit_test(test_presets_fill_in_the_roster_and_given_keys_win),
        cmocka_unit_test(test_roster_reading_keys_are_checked),
    };
    return cmocka_run_group_tests_name("config", tests, setup, teardown);
}
