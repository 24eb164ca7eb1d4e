/* reportfix: an event, its store and a few people for the report tests
 * (report, reporthtml), set up and checked in one way for both. */
#ifndef BK_TEST_REPORTFIX_H
#define BK_TEST_REPORTFIX_H

#include <stdlib.h>
#include <string.h>

#include "core/checkin.h"
#include "event/config.h"
#include "event/roster.h"
#include "store/store.h"
#include "util/xalloc.h"
#include "testutil.h"

struct report_fixture {
    char *dir;
    struct config *cfg;
    struct store *store;
};

/* A temporary folder holding the event of ini and a store with the n
 * people imported, all opened. Free with rf_close. */
static inline struct report_fixture *rf_open(const char *tag, const char *ini,
                                             struct attendee *people, size_t n)
{
    struct report_fixture *fx = xcalloc(1, sizeof *fx);
    fx->dir = tu_tempdir_new(tag);
    char *path = tu_path_new(fx->dir, "e.ini");
    tu_write_text(path, ini);
    assert_int_equal(config_load(path, &fx->cfg, NULL), BK_OK);
    free(path);
    char *db = tu_path_new(fx->dir, "s.db");
    assert_int_equal(store_create(db, &fx->store, NULL), BK_OK);
    free(db);
    struct roster r = {.people = people, .n_people = n, .n_rows = n};
    assert_int_equal(store_import(fx->store, &r, NULL, NULL, NULL), BK_OK);
    return fx;
}

static inline void rf_close(struct report_fixture *fx)
{
    store_close(fx->store);
    config_free(fx->cfg);
    tu_tempdir_free(fx->dir);
    free(fx);
}

/* A check-in by registration ID at kiosk "k", at iso in the venue's zone;
 * returns the outcome. */
static inline enum checkin_outcome rf_manual(struct report_fixture *fx, const char *id,
                                             const char *iso)
{
    struct checkin_context ctx = {fx->cfg, NULL, fx->store, "k"};
    int64_t ms;
    assert_int_equal(tz_parse_instant(fx->cfg->tz, iso, &ms, NULL), BK_OK);
    struct checkin_result res;
    assert_int_equal(checkin_process(&ctx, id, strlen(id), CHECKIN_MANUAL, ms, &res, NULL), BK_OK);
    enum checkin_outcome o = res.outcome;
    checkin_result_clear(&res);
    return o;
}

#endif
