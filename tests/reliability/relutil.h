/* relutil: what the reliability programs in tests/reliability share.
 *
 * Each builds a real event in a scratch folder: the shipped FG-MV
 * configuration with the store and keys redirected there, a key pair, N
 * synthetic people registered for every part of the event, and each one's
 * signed QR payload, exactly as badgectl keygen/import/issue would leave
 * them. Failures here are the test's own set-up failing: they print what
 * and exit 2, so they are never mistaken for the behaviour under test.
 * Everything is static inline, like tests/unit/testutil.h. */
#ifndef BK_RELUTIL_H
#define BK_RELUTIL_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event/attendee.h"
#include "event/config.h"
#include "event/roster.h"
#include "store/store.h"
#include "core/token.h"
#include "util/xalloc.h"

#ifndef BK_SOURCE_DIR
#define BK_SOURCE_DIR "."
#endif
#define REL_CONFIG BK_SOURCE_DIR "/kiosk-config/fgmv2-shanghai.ini"

__attribute__((format(printf, 1, 2), noreturn)) static inline void rel_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("setup failed: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

/* The shipped configuration with database and keys set to the given paths. */
static inline struct config *rel_config(const char *db, const char *keys)
{
    struct config *cfg;
    struct bk_err err = {0};
    if (config_load(REL_CONFIG, &cfg, &err) != BK_OK)
        rel_die("%s: %s", REL_CONFIG, err.msg);
    config_set_path(&cfg->database, db);
    config_set_path(&cfg->keys_dir, keys);
    return cfg;
}

/* The ID of person i (0-based): fixed width, so IDs sort like numbers. */
static inline void rel_id(char out[32], const char *prefix, size_t i)
{
    snprintf(out, 32, "%s-%05zu", prefix, i + 1);
}

/* Wall-clock monotonic milliseconds, for timings and deadlines. */
static inline double rel_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* A small, seeded generator (xorshift64*), so a failing run can be
 * repeated with the seed it printed. */
static inline uint64_t rel_rand(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static inline double rel_uniform(uint64_t *state)
{
    return (double)(rel_rand(state) >> 11) / 9007199254740992.0;
}

/* Makes keys (keygen) and the store with n people named from the prefix,
 * and returns each person's signed payload (n strings; free each and the
 * array). Surnames come from a short list so that staff searches find
 * several people, as at a real desk. */
static inline char **rel_make_event(const struct config *cfg, const char *prefix, size_t n)
{
    static const char *const surnames[] = {"Kang",  "Nunes", "Müller", "Fröjdh", "Wang",
                                           "Lee",   "Okafor", "Dubois", "Ivanova", "Haddad",
                                           "Silva", "Tanaka", "Smith",  "García",  "Chen"};
    struct bk_err err = {0};
    if (token_keygen(cfg->keys_dir, 0, NULL, &err) != BK_OK)
        rel_die("keygen: %s", err.msg);
    struct token_keys *keys;
    if (token_keys_load(cfg->keys_dir, &keys, &err) != BK_OK)
        rel_die("keys: %s", err.msg);
    struct attendee *people = xcalloc(n, sizeof *people);
    char **payloads = xcalloc(n, sizeof *payloads);
    for (size_t i = 0; i < n; i++) {
        char id[32], first[32];
        rel_id(id, prefix, i);
        snprintf(first, sizeof first, "Person%zu", i + 1);
        struct attendee *a = &people[i];
        a->id = xstrdup(id);
        a->title = xstrdup("");
        a->first_name = xstrdup(first);
        a->last_name = xstrdup(surnames[i % (sizeof surnames / sizeof surnames[0])]);
        a->badge_name = xstrdup("");
        a->organization = xstrdup("Example Org");
        a->country = xstrdup("China");
        a->category = xstrdup("Participant");
        a->events = xstrdup("FG-MV;Forum");
        a->email = xstrdup("");
        a->language = xstrdup("");
        a->status = ATTENDEE_CONFIRMED;
        if (token_sign_new(keys, cfg->event_id, id, &payloads[i], &err) != BK_OK)
            rel_die("sign %s: %s", id, err.msg);
    }
    struct store *s;
    if (store_create(cfg->database, &s, &err) != BK_OK)
        rel_die("store: %s", err.msg);
    struct roster r = {.people = people, .n_people = n, .n_rows = n};
    if (store_import(s, &r, NULL, NULL, &err) != BK_OK)
        rel_die("import: %s", err.msg);
    store_close(s);
    for (size_t i = 0; i < n; i++)
        attendee_clear(&people[i]);
    free(people);
    token_keys_free(keys);
    return payloads;
}

#endif
