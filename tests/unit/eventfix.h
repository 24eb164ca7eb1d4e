/* eventfix: a small test event (config, store, keys, people) for the unit
 * tests of the modules that need all of them at once (checkin, flow), so
 * each test file does not write its own copy of the set-up.
 *
 * The event: FG-MV on 4-6 July 2023 and the Forum on 7 July, in
 * Asia/Shanghai; extra INI lines (in the [roster] section, or new sections)
 * can be appended. People are attendees of ETRI, Korea, category Chair. */
#ifndef BK_TEST_EVENTFIX_H
#define BK_TEST_EVENTFIX_H

#include <stdlib.h>

#include "event/attendee.h"
#include "event/config.h"
#include "store/store.h"
#include "core/token.h"
#include "util/xalloc.h"
#include "testutil.h"

static const char tu_event_ini[] = "[event]\n"
                                   "id = fgmv2-test\n"
                                   "title = Test\n"
                                   "timezone = Asia/Shanghai\n"
                                   "[part FG-MV]\n"
                                   "first_day = 2023-07-04\n"
                                   "last_day = 2023-07-06\n"
                                   "[part Forum]\n"
                                   "first_day = 2023-07-07\n"
                                   "last_day = 2023-07-07\n"
                                   "[roster]\n"
                                   "id = Registration ID\n"
                                   "first_name = First Name\n"
                                   "last_name = Last Name\n";

struct tu_person {
    const char *id, *first, *last, *events, *language;
    enum attendee_status status;
};

/* A temporary folder (*dir) holding the event's INI ini, its store and a
 * key pair, all opened. */
static inline void tu_event_open_ini(const char *tag, const char *ini, char **dir,
                                     struct config **cfg, struct store **store,
                                     struct token_keys **keys)
{
    struct bk_err err = {0};
    *dir = tu_tempdir_new(tag);
    char *path = tu_path_new(*dir, "event.ini");
    tu_write_text(path, ini);
    if (config_load(path, cfg, &err) != BK_OK)
        fail_msg("test event config: %s", err.msg);
    free(path);
    char *db = tu_path_new(*dir, "store.db");
    if (store_create(db, store, &err) != BK_OK)
        fail_msg("test event store: %s", err.msg);
    free(db);
    char *kdir = tu_path_new(*dir, "keys");
    if (token_keygen(kdir, 0, NULL, &err) != BK_OK || token_keys_load(kdir, keys, &err) != BK_OK)
        fail_msg("test event keys: %s", err.msg);
    free(kdir);
}

/* tu_event_open_ini with tu_event_ini and extra_ini appended: keys of
 * [roster] and sections after it (a section may not be given twice). */
static inline void tu_event_open(const char *tag, const char *extra_ini, char **dir,
                                 struct config **cfg, struct store **store,
                                 struct token_keys **keys)
{
    char *ini = xasprintf("%s%s", tu_event_ini, extra_ini ? extra_ini : "");
    tu_event_open_ini(tag, ini, dir, cfg, store, keys);
    free(ini);
}

/* Imports n people into store. */
static inline void tu_event_import(struct store *store, const struct tu_person *p, size_t n)
{
    struct attendee *people = xcalloc(n, sizeof *people);
    for (size_t i = 0; i < n; i++)
        people[i] = (struct attendee){.id = (char *)p[i].id,
                                      .title = "",
                                      .first_name = (char *)p[i].first,
                                      .last_name = (char *)p[i].last,
                                      .badge_name = "",
                                      .organization = "ETRI",
                                      .country = "Korea (Republic of)",
                                      .category = "Chair",
                                      .events = (char *)p[i].events,
                                      .email = "",
                                      .language = (char *)(p[i].language ? p[i].language : ""),
                                      .status = p[i].status};
    struct roster r = {.people = people, .n_people = n, .n_rows = n};
    struct bk_err err = {0};
    if (store_import(store, &r, NULL, NULL, &err) != BK_OK)
        fail_msg("test event import: %s", err.msg);
    free(people);
}

static inline void tu_event_close(char *dir, struct config *cfg, struct store *store,
                                  struct token_keys *keys)
{
    token_keys_free(keys);
    store_close(store);
    config_free(cfg);
    tu_tempdir_free(dir);
}

/* Unix ms of a venue-time ISO 8601 string. */
static inline int64_t tu_at(const struct config *cfg, const char *iso)
{
    int64_t ms;
    assert_int_equal(tz_parse_instant(cfg->tz, iso, &ms, NULL), BK_OK);
    return ms;
}

#endif
