/* badgetext: the badge's words: name, organisation, band, validity line. */
#include "core/badgetext.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event/country.h"
#include "util/i18n.h"
#include "util/xalloc.h"

static const char *const month_names[12] = {
    N_("January"), N_("February"), N_("March"),     N_("April"),   N_("May"),      N_("June"),
    N_("July"),    N_("August"),   N_("September"), N_("October"), N_("November"), N_("December"),
};

static void day_parts(bk_day day, int *y, int *m, int *d)
{
    char iso[16];
    tz_day_format(day, iso);
    *y = *m = *d = 0;
    sscanf(iso, "%d-%d-%d", y, m, d);
}

char *badgetext_date_range_new(bk_day first, bk_day last)
{
    if (last < first) {
        bk_day t = first;
        first = last;
        last = t;
    }
    int y1, m1, d1, y2, m2, d2;
    day_parts(first, &y1, &m1, &d1);
    day_parts(last, &y2, &m2, &d2);
    const char *mon1 = _(month_names[(m1 - 1) % 12]);
    const char *mon2 = _(month_names[(m2 - 1) % 12]);
    if (first == last)
        /* TRANSLATORS: one day: day, month name, year. */
        return xasprintf(_("%d %s %d"), d1, mon1, y1);
    if (y1 == y2 && m1 == m2)
        /* TRANSLATORS: days in one month, with an en dash: "4–6 July 2023". */
        return xasprintf(_("%d–%d %s %d"), d1, d2, mon1, y1);
    if (y1 == y2)
        /* TRANSLATORS: days across months: "30 June – 2 July 2023". */
        return xasprintf(_("%d %s – %d %s %d"), d1, mon1, d2, mon2, y1);
    /* TRANSLATORS: days across years: "30 December 2023 – 2 January 2024". */
    return xasprintf(_("%d %s %d – %d %s %d"), d1, mon1, y1, d2, mon2, y2);
}

static const char *part_label(const struct config_event *ev)
{
    return ev->short_name && ev->short_name[0] ? ev->short_name : ev->code;
}

size_t badgetext_parts(const struct config *cfg, const struct attendee *a,
                       struct badgetext_part *out)
{
    size_t n = 0;
    for (size_t i = 0; i < cfg->n_events && n < CONFIG_MAX_EVENTS; i++) {
        bk_day first = cfg->events[i].first_day, last = cfg->events[i].last_day;
        if (attendee_has_event(a, cfg->events[i].code) && attendee_valid_days(a, &first, &last))
            out[n].event = &cfg->events[i], out[n].first = first, out[n++].last = last;
    }
    return n;
}

/* The kiosk's own names: the badge's month names stay English (its dates
 * are the event's documents'), so these carry a context of their own, and a
 * language that declines months (Russian: "7 июля") translates them in the
 * form a date needs. Indexed from Sunday, as 1970-01-01 was a Thursday. */
static const char *const weekday_names[7] = {
    NC_("weekday", "Sunday"),   NC_("weekday", "Monday"), NC_("weekday", "Tuesday"),
    NC_("weekday", "Wednesday"), NC_("weekday", "Thursday"), NC_("weekday", "Friday"),
    NC_("weekday", "Saturday"),
};
static const char *const date_month_names[12] = {
    NC_("in a date", "January"), NC_("in a date", "February"), NC_("in a date", "March"),
    NC_("in a date", "April"),   NC_("in a date", "May"),      NC_("in a date", "June"),
    NC_("in a date", "July"),    NC_("in a date", "August"),   NC_("in a date", "September"),
    NC_("in a date", "October"), NC_("in a date", "November"), NC_("in a date", "December"),
};

static char *day_words_new(bk_day day)
{
    int y, m, d;
    day_parts(day, &y, &m, &d);
    int wday = (int)(((int64_t)day % 7 + 7 + 4) % 7);
    /* TRANSLATORS: a day at the kiosk: weekday, day of the month, month
     * ("Friday 7 July"); reorder with %1$s, %2$d, %3$s. */
    return xasprintf(C_("date", "%1$s %2$d %3$s"), C_("weekday", weekday_names[wday]), d,
                     C_("in a date", date_month_names[(m + 11) % 12]));
}

char *badgetext_parts_words_new(const struct badgetext_part *parts, size_t n)
{
    char *text = xstrdup("");
    for (size_t i = 0; i < n; i++) {
        char *days = day_words_new(parts[i].first);
        if (parts[i].last != parts[i].first) {
            char *last = day_words_new(parts[i].last);
            /* TRANSLATORS: from one day to another at the kiosk:
             * "Tuesday 4 July – Thursday 6 July". */
            char *range = xasprintf(C_("date", "%s – %s"), days, last);
            free(days);
            free(last);
            days = range;
        }
        /* TRANSLATORS: a part of the event and its days, one line on the
         * kiosk: "ITU forum: Friday 7 July". */
        char *line = xasprintf(C_("part and its days", "%s: %s"), part_label(parts[i].event), days);
        char *more = xasprintf("%s%s%s", text, i ? "\n" : "", line);
        free(days);
        free(line);
        free(text);
        text = more;
    }
    return text;
}

/* The parts a is registered for, in the config's order (the order of the
 * days), as one line. Parts on days that follow on from each other share one
 * date range ("FG-MV 2nd meeting + ITU forum · 4–7 July 2023"); a gap
 * between parts gives each its own dates, so no day is claimed that the
 * person is not registered for. */
static char *validity_new(const struct config *cfg, const struct attendee *a)
{
    /* Each part with the days the ticket is valid for it: a day ticket
     * (valid_from/until) claims its day, not the whole part. */
    struct badgetext_part parts[CONFIG_MAX_EVENTS];
    size_t n = badgetext_parts(cfg, a, parts);
    if (n == 0)
        return xstrdup("");

    bool contiguous = true;
    for (size_t i = 1; i < n; i++)
        if (parts[i].first != parts[i - 1].last + 1)
            contiguous = false;

    char *line = NULL;
    if (contiguous) {
        char *names = xstrdup(part_label(parts[0].event));
        for (size_t i = 1; i < n; i++) {
            /* TRANSLATORS: two event parts on one badge: "FG-MV 2nd meeting + ITU forum". */
            char *more = xasprintf(_("%s + %s"), names, part_label(parts[i].event));
            free(names);
            names = more;
        }
        char *dates = badgetext_date_range_new(parts[0].first, parts[n - 1].last);
        /* TRANSLATORS: event parts and their dates: "FG-MV 2nd meeting · 4–6 July 2023". */
        line = xasprintf(_("%s · %s"), names, dates);
        free(names);
        free(dates);
        return line;
    }
    for (size_t i = 0; i < n; i++) {
        char *dates = badgetext_date_range_new(parts[i].first, parts[i].last);
        char *one = xasprintf(_("%s · %s"), part_label(parts[i].event), dates);
        free(dates);
        if (!line) {
            line = one;
            continue;
        }
        /* TRANSLATORS: separates event parts held on separate days. */
        char *more = xasprintf(_("%s; %s"), line, one);
        free(line);
        free(one);
        line = more;
    }
    return line;
}

static char *copy_or_empty(const char *s)
{
    return xstrdup(s ? s : "");
}

enum bk_status badgetext_new(const struct config *cfg, const struct attendee *a,
                             struct badgetext **out, struct bk_err *err)
{
    *out = NULL;
    char *name = attendee_display_name_new(a);
    if (!name || !name[strspn(name, " ")]) {
        free(name);
        return bk_err_set(err, BK_ERR_INVALID, NULL, 0, NULL,
                          _("%s has no name to print on a badge."), a->id ? a->id : "?");
    }
    struct badgetext *t = xcalloc(1, sizeof *t);
    t->id = copy_or_empty(a->id);
    t->name = name;
    t->organization = copy_or_empty(a->organization);
    t->country = copy_or_empty(country_display(a->country));
    const char *category = a->category && a->category[0] ? a->category : cfg->default_category;
    const char *label = NULL;
    config_category_look(cfg, category ? category : "", &t->band_rgb, &label);
    t->band_label = copy_or_empty(label);
    t->validity = validity_new(cfg, a);
    *out = t;
    return BK_OK;
}

void badgetext_free(struct badgetext *t)
{
    if (!t)
        return;
    free(t->id);
    free(t->name);
    free(t->organization);
    free(t->country);
    free(t->band_label);
    free(t->validity);
    free(t);
}
