/* report: attendance counts and the per-attendee export; see report.h. */
#include "core/report.h"

#include <stdlib.h>
#include <string.h>

#include "core/checkin.h"
#include "event/csv.h"
#include "event/country.h"
#include "util/i18n.h"
#include "util/json.h"
#include "util/outfile.h"
#include "util/strmap.h"
#include "util/xalloc.h"

#define REPORT_MAX_DAYS 64

/* Counts by name (category, country, organisation). */
struct tally {
    struct strmap *map;
};


/* The three ways a count is broken down, for a day and for a part alike. */
struct breakdown {
    struct tally category, country, organization;
};

struct person {
    char *id, *name, *category, *country, *organization, *events;
    int withdrawn;
    unsigned parts_attended; /* bit i: attended part i on some day */
};

struct day {
    bk_day day;
    const struct config_event *parts[CONFIG_MAX_EVENTS];
    size_t n_parts;
    size_t attendees;
    struct tally by_kiosk; /* the kiosk of each counted check-in */
    size_t badges_printed, badges_reprinted;
    size_t overrides; /* counted check-ins the desk made as exceptions */
    struct tally reprint_reasons;
    size_t quarters[REPORT_QUARTERS]; /* first check-ins by local 15 minutes */
    struct breakdown groups;
};

struct part {
    const struct config_event *ev;
    size_t registered, attended;
    struct breakdown groups;
};

/* The check-ins of one person on one day: more than one only when kiosks
 * apart from the shared store each admitted them (counted once). */
struct admitted {
    char *attendee;
    bk_day day;
    struct report_scan *scans;
    size_t n;
};

struct report {
    const struct config *cfg;
    struct admitted *admitted; /* every (person, day) checked in */
    size_t n_admitted, cap_admitted;
    struct strmap *admitted_index;   /* "id\x1fday" -> index + 1 */
    size_t duplicates;               /* admitted with n > 1 */
    size_t *duplicate_at;            /* their indexes in admitted, in order */
    size_t conflicts;                /* events set aside by the shared store */
    struct report_reprint *reprints; /* every reprinted badge, in order asked */
    size_t n_reprints;
    struct person *people;
    size_t n_people, cap_people;
    struct strmap *index; /* id -> index + 1 into people */
    struct day days[REPORT_MAX_DAYS];
    size_t n_days;
    struct part parts[CONFIG_MAX_EVENTS];
    size_t n_parts;
    size_t withdrawn, attended_any;
    size_t badges_pending, badges_printed_other_days;
    struct store_head head; /* the event log's head when the report was made */
};

static void tally_add(struct tally *t, const char *name)
{
    if (!t->map)
        t->map = strmap_new();
    (*strmap_slot(t->map, name && name[0] ? name : "-", NULL))++;
}

/* p may be NULL: attendance of someone no longer in the store counts as "-". */
static void breakdown_add(struct breakdown *b, const struct person *p)
{
    tally_add(&b->category, p ? p->category : NULL);
    tally_add(&b->country, p ? p->country : NULL);
    tally_add(&b->organization, p ? p->organization : NULL);
}

static void collect_row(void *ctx, const char *key, uintptr_t value)
{
    struct report_row **cursor = ctx;
    (*cursor)->name = key;
    (*cursor)->count = value;
    (*cursor)++;
}

static int cmp_rows(const void *a, const void *b)
{
    const struct report_row *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return strcmp(x->name, y->name);
}

/* The tally's rows, most first; the caller frees the array (names are the map's). */
static struct report_row *tally_rows(const struct tally *t, size_t *n)
{
    *n = t->map ? strmap_count(t->map) : 0;
    struct report_row *rows = xcalloc(*n + 1, sizeof *rows), *cursor = rows;
    if (t->map)
        strmap_each(t->map, collect_row, &cursor);
    qsort(rows, *n, sizeof *rows, cmp_rows);
    return rows;
}

static int add_person(void *ctx, const struct attendee *a)
{
    struct report *r = ctx;
    if (r->n_people == r->cap_people) {
        r->cap_people = r->cap_people ? r->cap_people * 2 : 256;
        r->people = xrealloc(r->people, r->cap_people * sizeof *r->people);
    }
    struct person *p = &r->people[r->n_people++];
    p->id = xstrdup(a->id);
    p->name = attendee_display_name_new(a);
    p->category = xstrdup(a->category);
    p->country = xstrdup(country_display(a->country));
    p->organization = xstrdup(a->organization);
    p->events = xstrdup(a->events);
    p->withdrawn = a->status == ATTENDEE_WITHDRAWN;
    p->parts_attended = 0;
    *strmap_slot(r->index, a->id, NULL) = r->n_people;
    if (p->withdrawn)
        r->withdrawn++;
    for (size_t i = 0; i < r->n_parts; i++)
        if (!p->withdrawn && attendee_has_event(a, r->parts[i].ev->code))
            r->parts[i].registered++;
    return 0;
}

static struct day *day_slot(struct report *r, bk_day d)
{
    for (size_t i = 0; i < r->n_days; i++)
        if (r->days[i].day == d)
            return &r->days[i];
    return NULL;
}

static int add_attendance(void *ctx, const char *id, bk_day d, int64_t first_at_ms)
{
    struct report *r = ctx;
    struct day *day = day_slot(r, d);
    if (!day)
        return 0; /* not an event day under this configuration */
    uintptr_t *slot = strmap_find(r->index, id);
    struct person *p = slot ? &r->people[*slot - 1] : NULL;
    int minute = 0;
    tz_local_minute(r->cfg->tz, first_at_ms, &minute);
    day->attendees++;
    day->quarters[minute / 15]++;
    breakdown_add(&day->groups, p);
    if (!p)
        return 0;
    for (size_t i = 0; i < day->n_parts; i++) {
        size_t pi = (size_t)(day->parts[i] - r->cfg->events);
        if (!(p->parts_attended & (1u << pi))) {
            if (!p->parts_attended)
                r->attended_any++;
            p->parts_attended |= 1u << pi;
            struct part *part = &r->parts[pi];
            part->attended++;
            breakdown_add(&part->groups, p);
        }
    }
    return 0;
}

static int add_badge(void *ctx, const struct store_badge *b)
{
    struct report *r = ctx;
    if (store_badge_waiting(b->status)) {
        r->badges_pending++;
        return 0;
    }
    if (b->status != STORE_BADGE_PRINTED)
        return 0;
    struct day *day = day_slot(r, tz_local_day(r->cfg->tz, b->updated_ms, NULL));
    if (!day)
        r->badges_printed_other_days++; /* printed ahead of the event, say */
    else if (b->reason) {
        day->badges_reprinted++;
        tally_add(&day->reprint_reasons, b->reason);
        uintptr_t *slot = strmap_find(r->index, b->attendee);
        r->reprints = xrealloc(r->reprints, (r->n_reprints + 1) * sizeof *r->reprints);
        r->reprints[r->n_reprints++] = (struct report_reprint){
            .attendee = xstrdup(b->attendee),
            .name = slot ? r->people[*slot - 1].name : NULL,
            .reason = xstrdup(b->reason),
            .day = day->day,
            .at_ms = b->updated_ms,
        };
    } else
        day->badges_printed++;
    return 0;
}

/* A check-in the desk made as an exception (checkin_override). */
static bool is_override(const struct store_event *ev)
{
    return ev->detail && strcmp(ev->detail, CHECKIN_OVERRIDE_DETAIL) == 0;
}

/* Each check-in event: the pairs admitted more than once, and each day's
 * counts by kiosk (the kiosk of the counted check-in). */
static int add_scan(void *ctx, const struct store_event *ev)
{
    struct report *r = ctx;
    if (strcmp(ev->outcome, "checked_in") != 0 || !ev->attendee || !ev->has_day)
        return 0;
    struct day *day = day_slot(r, ev->day);
    if (day && !ev->duplicate)
        tally_add(&day->by_kiosk, ev->kiosk);
    if (day && !ev->duplicate && is_override(ev))
        day->overrides++;
    char *key = xasprintf("%s\x1f%ld", ev->attendee, (long)ev->day);
    bool added = false;
    uintptr_t *slot = strmap_slot(r->admitted_index, key, &added);
    free(key);
    if (added) {
        if (r->n_admitted == r->cap_admitted) {
            r->cap_admitted = r->cap_admitted ? 2 * r->cap_admitted : 256;
            r->admitted = xrealloc(r->admitted, r->cap_admitted * sizeof *r->admitted);
        }
        r->admitted[r->n_admitted] =
            (struct admitted){.attendee = xstrdup(ev->attendee), .day = ev->day};
        *slot = ++r->n_admitted;
    }
    struct admitted *a = &r->admitted[*slot - 1];
    a->scans = xrealloc(a->scans, (a->n + 1) * sizeof *a->scans);
    a->scans[a->n++] = (struct report_scan){xstrdup(ev->kiosk), ev->at_ms};
    if (a->n == 2)
        r->duplicates++;
    return 0;
}

static void collect_days(struct report *r)
{
    const struct config *cfg = r->cfg;
    bk_day lo = INT32_MAX, hi = INT32_MIN;
    for (size_t i = 0; i < cfg->n_events; i++) {
        if (cfg->events[i].first_day < lo)
            lo = cfg->events[i].first_day;
        if (cfg->events[i].last_day > hi)
            hi = cfg->events[i].last_day;
    }
    for (bk_day d = lo; d <= hi && r->n_days < REPORT_MAX_DAYS; d++) {
        struct day *day = &r->days[r->n_days];
        memset(day, 0, sizeof *day);
        day->day = d;
        day->n_parts = config_events_on_day(cfg, d, day->parts);
        if (day->n_parts)
            r->n_days++;
    }
}

enum bk_status report_new(struct store *s, const struct config *cfg, struct report **out,
                          struct bk_err *err)
{
    struct report *r = xcalloc(1, sizeof *r);
    r->cfg = cfg;
    r->index = strmap_new();
    r->n_parts = cfg->n_events;
    for (size_t i = 0; i < cfg->n_events; i++)
        r->parts[i].ev = &cfg->events[i];
    r->admitted_index = strmap_new();
    collect_days(r);
    enum bk_status st = store_foreach_attendee(s, add_person, r, err);
    if (st == BK_OK)
        st = store_foreach_attendance(s, add_attendance, r, err);
    if (st == BK_OK)
        st = store_foreach_badge(s, NULL, add_badge, r, err);
    if (st == BK_OK)
        st = store_foreach_scan(s, add_scan, r, err);
    if (st == BK_OK)
        st = store_count_conflicts(s, &r->conflicts, err);
    if (st == BK_OK) {
        r->duplicate_at = xcalloc(r->duplicates + 1, sizeof *r->duplicate_at);
        for (size_t i = 0, k = 0; i < r->n_admitted; i++)
            if (r->admitted[i].n > 1)
                r->duplicate_at[k++] = i;
    }
    /* The embedded store's one chain has a head to print; a shared store's
     * journals each keep their own (r->head stays empty: no head line). */
    if (st == BK_OK && !store_is_shared(s))
        st = store_head(s, &r->head, err);
    if (st != BK_OK) {
        report_free(r);
        *out = NULL;
        return st;
    }
    *out = r;
    return BK_OK;
}

static void tally_free(struct tally *t)
{
    strmap_free(t->map);
}

static void breakdown_free(struct breakdown *b)
{
    tally_free(&b->category);
    tally_free(&b->country);
    tally_free(&b->organization);
}

void report_free(struct report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_people; i++) {
        struct person *p = &r->people[i];
        free(p->id);
        free(p->name);
        free(p->category);
        free(p->country);
        free(p->organization);
        free(p->events);
    }
    free(r->people);
    strmap_free(r->index);
    for (size_t i = 0; i < r->n_admitted; i++) {
        for (size_t k = 0; k < r->admitted[i].n; k++)
            free((char *)r->admitted[i].scans[k].kiosk);
        free(r->admitted[i].scans);
        free(r->admitted[i].attendee);
    }
    free(r->admitted);
    free(r->duplicate_at);
    strmap_free(r->admitted_index);
    for (size_t i = 0; i < r->n_reprints; i++) {
        free((char *)r->reprints[i].attendee);
        free((char *)r->reprints[i].reason);
    }
    free(r->reprints);
    for (size_t i = 0; i < r->n_days; i++) {
        breakdown_free(&r->days[i].groups);
        tally_free(&r->days[i].by_kiosk);
        tally_free(&r->days[i].reprint_reasons);
    }
    for (size_t i = 0; i < r->n_parts; i++)
        breakdown_free(&r->parts[i].groups);
    free(r);
}

static void text_tally(FILE *f, const char *label, const struct tally *t, size_t limit)
{
    size_t n;
    struct report_row *rows = tally_rows(t, &n);
    size_t other = 0, shown = report_top(rows, n, limit, &other);
    fprintf(f, "    %s:", label);
    for (size_t i = 0; i < shown; i++)
        fprintf(f, "%s %s %zu", i ? "," : "", rows[i].name, rows[i].count);
    if (n > shown)
        fprintf(f, _(", and %zu more"), n - shown);
    if (!n)
        fputs(" -", f);
    fputc('\n', f);
    free(rows);
}

static void text_breakdown(FILE *f, const struct breakdown *b)
{
    text_tally(f, _("by category"), &b->category, 20);
    text_tally(f, _("by country"), &b->country, 15);
    text_tally(f, _("by organisation"), &b->organization, 10);
}

/* Arrivals in local hour h: its four quarters, so the two never disagree. */
static size_t day_hour(const struct day *d, int h)
{
    return d->quarters[4 * h] + d->quarters[4 * h + 1] + d->quarters[4 * h + 2] +
           d->quarters[4 * h + 3];
}

static void day_parts_names(const struct day *d, FILE *f)
{
    for (size_t i = 0; i < d->n_parts; i++)
        fprintf(f, "%s%s", i ? ", " : "", d->parts[i]->short_name);
}

void report_write_text(const struct report *r, FILE *f)
{
    const struct config *cfg = r->cfg;
    fprintf(f, "%s\n", cfg->title);
    if (cfg->venue && cfg->venue[0])
        fprintf(f, "%s\n", cfg->venue);
    fprintf(f, _("Times are in %s.\n"), cfg->timezone_name);
    fprintf(f, _("%zu registered (%zu withdrawn); %zu attended at least one day.\n"),
            r->n_people - r->withdrawn, r->withdrawn, r->attended_any);
    if (r->badges_pending)
        fprintf(f, _("%zu badges are waiting to be printed (badgectl print --pending).\n"),
                r->badges_pending);
    if (r->duplicates)
        fprintf(f,
                P_("%zu person was admitted twice by kiosks cut off from the shared store (both "
                   "events kept, counted once): see report --json, \"duplicates\".\n",
                   "%zu people were admitted twice by kiosks cut off from the shared store (both "
                   "events kept, counted once): see report --json, \"duplicates\".\n",
                   r->duplicates),
                r->duplicates);
    if (r->conflicts)
        fprintf(f,
                P_("%zu event sent again with other content was set aside by the shared store "
                   "(scan_conflict): check that no two machines share a journal.\n",
                   "%zu events sent again with other content were set aside by the shared store "
                   "(scan_conflict): check that no two machines share a journal.\n",
                   r->conflicts),
                r->conflicts);
    fputc('\n', f);
    for (size_t i = 0; i < r->n_days; i++) {
        const struct day *d = &r->days[i];
        char date[11];
        fprintf(f, "%s (", tz_day_format(d->day, date));
        day_parts_names(d, f);
        fprintf(f, _("): %zu attendees; badges: %zu printed, %zu reprinted\n"), d->attendees,
                d->badges_printed, d->badges_reprinted);
        if (!d->attendees)
            continue;
        text_breakdown(f, &d->groups);
        text_tally(f, _("by kiosk"), &d->by_kiosk, 40);
        if (d->badges_reprinted)
            text_tally(f, _("reprinted because"), &d->reprint_reasons, 20);
        if (d->overrides)
            fprintf(f, "    %s: %zu\n",
                    _("checked in at the desk as an exception (not registered for the day)"),
                    d->overrides);
        fprintf(f, "    %s:", _("arrivals per hour"));
        for (int h = 0; h < 24; h++)
            if (day_hour(d, h))
                fprintf(f, " %02d:00 %zu", h, day_hour(d, h));
        fputc('\n', f);
    }
    fputc('\n', f);
    for (size_t i = 0; i < r->n_parts; i++) {
        const struct part *p = &r->parts[i];
        char a[11], b[11];
        fprintf(f, _("%s, %s to %s: %zu of %zu registered attended at least one day\n"),
                p->ev->name, tz_day_format(p->ev->first_day, a), tz_day_format(p->ev->last_day, b),
                p->attended, p->registered);
        if (!p->attended)
            continue;
        text_breakdown(f, &p->groups);
    }
    if (r->head.seq) {
        fputc('\n', f);
        report_write_head(&r->head, f);
    }
}

static void json_tally(FILE *f, const char *key, const struct tally *t)
{
    size_t n;
    struct report_row *rows = tally_rows(t, &n);
    json_write_key(f, key, 0);
    fputc('{', f);
    for (size_t i = 0; i < n; i++) {
        json_write_key(f, rows[i].name, i == 0);
        fprintf(f, "%zu", rows[i].count);
    }
    fputc('}', f);
    free(rows);
}

static void json_breakdown(FILE *f, const struct breakdown *b)
{
    json_tally(f, "by_category", &b->category);
    json_tally(f, "by_country", &b->country);
    json_tally(f, "by_organization", &b->organization);
}

void report_write_json(const struct report *r, FILE *f)
{
    const struct config *cfg = r->cfg;
    char buf[32];
    fputc('{', f);
    json_write_key(f, "event", 1);
    fputc('{', f);
    json_write_key(f, "id", 1);
    json_write_string(f, cfg->event_id);
    json_write_key(f, "title", 0);
    json_write_string(f, cfg->title);
    json_write_key(f, "venue", 0);
    json_write_string(f, cfg->venue);
    json_write_key(f, "timezone", 0);
    json_write_string(f, cfg->timezone_name);
    fputc('}', f);

    json_write_key(f, "days", 0);
    fputc('[', f);
    for (size_t i = 0; i < r->n_days; i++) {
        const struct day *d = &r->days[i];
        fputs(i ? ",{" : "{", f);
        json_write_key(f, "date", 1);
        json_write_string(f, tz_day_format(d->day, buf));
        json_write_key(f, "event", 0);
        json_write_string(f, d->parts[0]->code);
        json_write_key(f, "events", 0);
        fputc('[', f);
        for (size_t j = 0; j < d->n_parts; j++) {
            if (j)
                fputc(',', f);
            json_write_string(f, d->parts[j]->code);
        }
        fputc(']', f);
        json_write_key(f, "attendees", 0);
        fprintf(f, "%zu", d->attendees);
        json_write_key(f, "badges_printed", 0);
        fprintf(f, "%zu", d->badges_printed);
        json_write_key(f, "badges_reprinted", 0);
        fprintf(f, "%zu", d->badges_reprinted);
        json_write_key(f, "overrides", 0);
        fprintf(f, "%zu", d->overrides);
        json_breakdown(f, &d->groups);
        json_tally(f, "by_kiosk", &d->by_kiosk);
        json_tally(f, "reprint_reasons", &d->reprint_reasons);
        json_write_key(f, "arrivals_per_hour", 0);
        fputc('{', f);
        int first = 1;
        for (int h = 0; h < 24; h++) {
            if (!day_hour(d, h))
                continue;
            snprintf(buf, sizeof buf, "%02d", h);
            json_write_key(f, buf, first);
            fprintf(f, "%zu", day_hour(d, h));
            first = 0;
        }
        fputc('}', f);
        json_write_key(f, "arrivals_per_quarter_hour", 0);
        fputc('{', f);
        first = 1;
        for (int q = 0; q < REPORT_QUARTERS; q++) {
            if (!d->quarters[q])
                continue;
            json_write_key(f, report_quarter_label(q, buf), first);
            fprintf(f, "%zu", d->quarters[q]);
            first = 0;
        }
        fputs("}}", f);
    }
    fputc(']', f);

    json_write_key(f, "events", 0);
    fputc('[', f);
    for (size_t i = 0; i < r->n_parts; i++) {
        const struct part *p = &r->parts[i];
        fputs(i ? ",{" : "{", f);
        json_write_key(f, "code", 1);
        json_write_string(f, p->ev->code);
        json_write_key(f, "name", 0);
        json_write_string(f, p->ev->name);
        json_write_key(f, "first_day", 0);
        json_write_string(f, tz_day_format(p->ev->first_day, buf));
        json_write_key(f, "last_day", 0);
        json_write_string(f, tz_day_format(p->ev->last_day, buf));
        json_write_key(f, "registered", 0);
        fprintf(f, "%zu", p->registered);
        json_write_key(f, "attendees", 0);
        fprintf(f, "%zu", p->attended);
        json_breakdown(f, &p->groups);
        fputc('}', f);
    }
    fputc(']', f);

    json_write_key(f, "duplicates", 0);
    fputc('[', f);
    bool first = true;
    for (size_t i = 0; i < r->n_admitted; i++) {
        const struct admitted *a = &r->admitted[i];
        if (a->n < 2)
            continue;
        fputs(first ? "{" : ",{", f);
        first = false;
        json_write_key(f, "attendee", 1);
        json_write_string(f, a->attendee);
        json_write_key(f, "day", 0);
        json_write_string(f, tz_day_format(a->day, buf));
        json_write_key(f, "kiosks", 0);
        fputc('[', f);
        for (size_t k = 0; k < a->n; k++) {
            if (k)
                fputc(',', f);
            json_write_string(f, a->scans[k].kiosk);
        }
        fputc(']', f);
        json_write_key(f, "times", 0);
        fputc('[', f);
        for (size_t k = 0; k < a->n; k++) {
            if (k)
                fputc(',', f);
            json_write_string(f, tz_format_instant(cfg->tz, a->scans[k].at_ms, buf));
        }
        fputs("]}", f);
    }
    fputc(']', f);
    json_write_key(f, "conflicts", 0);
    fprintf(f, "%zu", r->conflicts);

    json_write_key(f, "totals", 0);
    fputc('{', f);
    json_write_key(f, "registered", 1);
    fprintf(f, "%zu", r->n_people - r->withdrawn);
    json_write_key(f, "withdrawn", 0);
    fprintf(f, "%zu", r->withdrawn);
    json_write_key(f, "attended_any_day", 0);
    fprintf(f, "%zu", r->attended_any);
    json_write_key(f, "badges_pending", 0);
    fprintf(f, "%zu", r->badges_pending);
    json_write_key(f, "badges_printed_outside_event_days", 0);
    fprintf(f, "%zu", r->badges_printed_other_days);
    fputc('}', f);
    char head[STORE_HEAD_TEXT];
    json_write_key(f, "log_head", 0);
    json_write_string(f, r->head.seq ? store_head_format(&r->head, head) : NULL);
    fputs("}\n", f);
}

void report_write_head(const struct store_head *head, FILE *f)
{
    char text[STORE_HEAD_TEXT];
    if (head->seq)
        fprintf(f, _("Event log head: %s (keep it: badgectl verify --head %s shows whether "
                     "records were removed since)\n"),
                store_head_format(head, text), text);
}

/* ---- the computed report, read by the other writers (reporthtml) ---- */

size_t report_top(const struct report_row *rows, size_t n, size_t limit, size_t *other)
{
    size_t shown = n < limit ? n : limit;
    *other = 0;
    for (size_t i = shown; i < n; i++)
        *other += rows[i].count;
    return shown;
}

char *report_quarter_label(int quarter, char *buf)
{
    unsigned q = (unsigned)quarter % REPORT_QUARTERS;
    snprintf(buf, 6, "%02u:%02u", q / 4 % 24u, q % 4 * 15u);
    return buf;
}

const struct config *report_config(const struct report *r)
{
    return r->cfg;
}

size_t report_n_days(const struct report *r)
{
    return r->n_days;
}

void report_day(const struct report *r, size_t i, struct report_day_info *out)
{
    const struct day *d = &r->days[i];
    *out = (struct report_day_info){
        .day = d->day,
        .parts = d->parts,
        .n_parts = d->n_parts,
        .attendees = d->attendees,
        .badges_printed = d->badges_printed,
        .badges_reprinted = d->badges_reprinted,
        .quarters = d->quarters,
    };
}

static const struct tally *breakdown_tally(const struct breakdown *b, enum report_group g)
{
    switch (g) {
    case REPORT_BY_CATEGORY:
        return &b->category;
    case REPORT_BY_COUNTRY:
        return &b->country;
    case REPORT_BY_ORGANIZATION:
        return &b->organization;
    default:
        return NULL;
    }
}

struct report_row *report_day_rows_new(const struct report *r, size_t i, enum report_group g,
                                       size_t *n)
{
    const struct day *d = &r->days[i];
    const struct tally *t = g == REPORT_BY_KIOSK            ? &d->by_kiosk
                            : g == REPORT_BY_REPRINT_REASON ? &d->reprint_reasons
                                                            : breakdown_tally(&d->groups, g);
    return tally_rows(t, n);
}

size_t report_n_parts(const struct report *r)
{
    return r->n_parts;
}

void report_part(const struct report *r, size_t i, struct report_part_info *out)
{
    const struct part *p = &r->parts[i];
    *out = (struct report_part_info){p->ev, p->registered, p->attended};
}

struct report_row *report_part_rows_new(const struct report *r, size_t i, enum report_group g,
                                        size_t *n)
{
    static const struct tally none;
    const struct tally *t = breakdown_tally(&r->parts[i].groups, g);
    return tally_rows(t ? t : &none, n);
}

void report_totals(const struct report *r, struct report_totals *out)
{
    *out = (struct report_totals){
        .registered = r->n_people - r->withdrawn,
        .withdrawn = r->withdrawn,
        .attended_any_day = r->attended_any,
        .badges_pending = r->badges_pending,
        .badges_printed_outside_event_days = r->badges_printed_other_days,
        .duplicates = r->duplicates,
        .conflicts = r->conflicts,
        .reprints = r->n_reprints,
    };
}

void report_duplicate(const struct report *r, size_t k, struct report_duplicate *out)
{
    const struct admitted *a = &r->admitted[r->duplicate_at[k]];
    uintptr_t *slot = strmap_find(r->index, a->attendee);
    *out = (struct report_duplicate){
        .attendee = a->attendee,
        .name = slot ? r->people[*slot - 1].name : NULL,
        .day = a->day,
        .scans = a->scans,
        .n = a->n,
    };
}

const struct report_reprint *report_reprint(const struct report *r, size_t k)
{
    return &r->reprints[k];
}

/* The export: attendance loaded into a map id -> first check-in per day. */
struct export_ctx {
    const struct config *cfg;
    struct report *days; /* only its days[] are used, for the columns */
    struct strmap *first_at; /* "id\x1fday-index" -> first_at_ms + 1 */
    struct strmap *overrides; /* "id\x1fday-index" of the desk's exceptions */
    FILE *f;
    size_t rows;
};

static int export_attendance(void *ctx, const char *id, bk_day d, int64_t first_at_ms)
{
    struct export_ctx *x = ctx;
    for (size_t i = 0; i < x->days->n_days; i++) {
        if (x->days->days[i].day == d) {
            char *key = xasprintf("%s\x1f%zu", id, i);
            *strmap_slot(x->first_at, key, NULL) = (uintptr_t)(first_at_ms + 1);
            free(key);
        }
    }
    return 0;
}

/* The day's column of a check-in the desk made as an exception says so. */
static int export_override(void *ctx, const struct store_event *ev)
{
    struct export_ctx *x = ctx;
    if (strcmp(ev->outcome, "checked_in") != 0 || ev->duplicate || !is_override(ev) ||
        !ev->attendee || !ev->has_day)
        return 0;
    for (size_t i = 0; i < x->days->n_days; i++)
        if (x->days->days[i].day == ev->day) {
            char *key = xasprintf("%s\x1f%zu", ev->attendee, i);
            strmap_slot(x->overrides, key, NULL);
            free(key);
        }
    return 0;
}

static int export_person(void *ctx, const struct attendee *a)
{
    struct export_ctx *x = ctx;
    char *name = attendee_display_name_new(a);
    const char *fields[] = {a->id,       name,          a->title,       a->first_name,
                            a->last_name, a->organization, country_display(a->country),
                            a->category,
                            a->events,   a->status == ATTENDEE_WITHDRAWN ? "withdrawn"
                                                                         : "confirmed"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        if (i)
            fputc(',', x->f);
        csv_write_field(x->f, fields[i], true);
    }
    free(name);
    size_t attended = 0;
    for (size_t i = 0; i < x->days->n_days; i++) {
        char *key = xasprintf("%s\x1f%zu", a->id, i);
        uintptr_t *slot = strmap_find(x->first_at, key);
        free(key);
        fputc(',', x->f);
        if (slot) {
            char when[40];
            tz_format_instant(x->cfg->tz, (int64_t)*slot - 1, when);
            when[16] = '\0'; /* "2023-07-04T09:12": the minute is enough */
            char *exception = xasprintf("%s\x1f%zu", a->id, i);
            if (strmap_find(x->overrides, exception))
                memcpy(when + 16, " override", sizeof " override");
            free(exception);
            csv_write_field(x->f, when + 11, true);
            attended++;
        }
    }
    fprintf(x->f, ",%zu\r\n", attended);
    x->rows++;
    return 0;
}

/* The export's first columns, in the order written; an earlier export
 * starts with them (after the BOM), which is how one is told from a file
 * that must not be replaced. */
static const char *const export_head[] = {
    N_("Registration ID"), N_("Name"),    N_("Title"),    N_("First Name"),
    N_("Last Name"),       N_("Organization"), N_("Country"), N_("Category"),
    N_("Events"),          N_("Status")};

#define UTF8_BOM "\xEF\xBB\xBF"

/* True when the regular file at path starts as an export of ours does: the
 * BOM and the first column's name, in English or in the language in use. */
static bool is_earlier_export(const char *path)
{
    char buf[256] = "";
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *names[] = {export_head[0], _(export_head[0])};
    for (size_t i = 0; i < 2; i++) {
        char *want = xasprintf(UTF8_BOM "%s,", names[i]);
        bool same = strncmp(buf, want, strlen(want)) == 0;
        free(want);
        if (same)
            return true;
    }
    return false;
}

static void write_export_head(FILE *f, const struct report *days)
{
    /* A UTF-8 BOM so spreadsheet programs read the names in every script. */
    fputs(UTF8_BOM, f);
    for (size_t i = 0; i < sizeof export_head / sizeof export_head[0]; i++) {
        if (i)
            fputc(',', f);
        csv_write_field(f, _(export_head[i]), true);
    }
    for (size_t i = 0; i < days->n_days; i++) {
        char date[11];
        char *col = xasprintf("%s %s", tz_day_format(days->days[i].day, date),
                              days->days[i].parts[0]->code);
        fputc(',', f);
        csv_write_field(f, col, true);
        free(col);
    }
    fprintf(f, ",%s\r\n", _("Days attended"));
}

enum bk_status report_export_csv(struct store *s, const struct config *cfg, const char *path,
                                 bool force, struct report_export *out, struct bk_err *err)
{
    memset(out, 0, sizeof *out);
    struct outfile *file;
    enum bk_status st = outfile_open(path, &file, err);
    if (st != BK_OK)
        return st;
    if (outfile_kind(file) == OUTFILE_REPLACE && !force && !is_earlier_export(path)) {
        outfile_discard(file);
        return bk_err_set(err, BK_ERR_EXISTS, path, 0, NULL,
                          _("the file exists and is not an earlier export (it does not start "
                            "with the export's header): give another name, or --force to "
                            "replace it"));
    }
    FILE *f = outfile_stream(file);
    struct report days = {.cfg = cfg};
    collect_days(&days);
    struct export_ctx x = {
        .cfg = cfg, .days = &days, .first_at = strmap_new(), .overrides = strmap_new(), .f = f};
    write_export_head(f, &days);
    st = store_foreach_attendance(s, export_attendance, &x, err);
    if (st == BK_OK)
        st = store_foreach_scan(s, export_override, &x, err);
    if (st == BK_OK)
        st = store_foreach_attendee(s, export_person, &x, err);
    strmap_free(x.first_at);
    strmap_free(x.overrides);
    /* After the rows: the head then vouches for every check-in exported.
     * A shared store has none (out->head stays empty). */
    memset(&out->head, 0, sizeof out->head);
    if (st == BK_OK && !store_is_shared(s))
        st = store_head(s, &out->head, err);
    out->replaced = outfile_kind(file) == OUTFILE_REPLACE;
    out->rows = x.rows;
    if (st != BK_OK) {
        outfile_discard(file);
        return st;
    }
    return outfile_commit(file, err);
}
