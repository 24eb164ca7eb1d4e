/* badgetext: the words that go on a person's badge, decided without SDL.
 *
 * The renderer only draws; what it draws is chosen here, so the rules (which
 * name, which band, which event parts and dates) are unit-tested without
 * fonts. Dates are written in English as on the event's own documents
 * ("4–6 July 2023"), through gettext so a translation may reorder them. */
#ifndef BK_BADGETEXT_H
#define BK_BADGETEXT_H

#include <stddef.h>
#include <stdint.h>

#include "event/attendee.h"
#include "event/config.h"
#include "util/err.h"

/* Every string is UTF-8, owned by the struct, never NULL ("" when empty). */
struct badgetext {
    char *id;   /* the registration ID, for messages about this badge */
    char *name; /* attendee_display_name_new */
    char *organization;
    char *country;
    uint32_t band_rgb; /* 0xRRGGBB, config_category_look */
    char *band_label;  /* printed on the band, so colour is never the only signal */
    char *validity;    /* the parts the badge is for and their dates, e.g.
                          "FG-MV 2nd meeting · 4–6 July 2023"; "" when none */
};

/* The badge words for a in cfg's event. On success *out is new; free it with
 * badgetext_free (NULL is fine). BK_ERR_INVALID when a has no name to print
 * (the message names a's ID). */
enum bk_status badgetext_new(const struct config *cfg, const struct attendee *a,
                             struct badgetext **out, struct bk_err *err);
void badgetext_free(struct badgetext *t);

/* One part of the event a person may attend, and the days their ticket is
 * valid for it. */
struct badgetext_part {
    const struct config_event *event;
    bk_day first, last;
};

/* The parts a is registered for, in cfg's order (the order of the days),
 * with the days a's ticket is valid for each: a day ticket (valid_from/until)
 * claims its day, not the whole part. Writes at most CONFIG_MAX_EVENTS into
 * out; returns how many. */
size_t badgetext_parts(const struct config *cfg, const struct attendee *a,
                       struct badgetext_part *out);

/* The parts in words for the person at the kiosk, in the language in use
 * (unlike the badge's English dates: the person reads this now, in the
 * language they chose), one line each: "ITU forum: Friday 7 July",
 * "FG-MV 2nd meeting: Tuesday 4 July – Thursday 6 July". Newly allocated;
 * "" when n is 0. */
char *badgetext_parts_words_new(const struct badgetext_part *parts, size_t n);

/* The days first..last in words: "7 July 2023", "4–6 July 2023",
 * "30 June – 2 July 2023", "30 December 2023 – 2 January 2024". Newly
 * allocated; the caller frees it. */
char *badgetext_date_range_new(bk_day first, bk_day last);

#endif
