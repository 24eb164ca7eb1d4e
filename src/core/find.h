/* find: the staff desk's "who is this?", by name or organisation.
 *
 * Case- and accent-insensitive in every script ("frojdh" finds Fröjdh,
 * "ανθοπουλος" finds Ανθόπουλος, "蕴韬" finds 王蕴韬), every word of the query
 * must match, best matches first. The index is built once (from the store,
 * or person by person) and searched as the staff member types, so a search
 * scans one contiguous folded text rather than the database. */
#ifndef BK_FIND_H
#define BK_FIND_H

#include <stddef.h>

#include "event/attendee.h"
#include "util/err.h"
#include "store/store.h"

struct finder;

struct finder *finder_new(void);
void finder_free(struct finder *f);

/* Adds a person (the finder copies what it needs). */
void finder_add(struct finder *f, const struct attendee *a);

/* A finder holding every attendee in the store; free with finder_free. */
enum bk_status finder_new_from_store(struct store *s, struct finder **out, struct bk_err *err);

struct finder_hit {
    const char *id;           /* owned by the finder: valid until finder_free */
    const char *name;         /* display name */
    const char *organization;
    const char *country;
    int withdrawn;
    int score;                /* higher is better */
};

/* Fills up to max hits, best first, and returns how many. A query with no
 * letters or digits finds nothing. */
size_t finder_search(const struct finder *f, const char *query, struct finder_hit *hits,
                     size_t max);

size_t finder_count(const struct finder *f);

#endif
