/* importplan: one import's changes, for every engine; see importplan.h. */
#include "store/importplan.h"

#include <stdlib.h>
#include <string.h>

#include "store/store_backend.h"
#include "util/xalloc.h"

void importplan_fields(const struct attendee *a, const char *out[IMPORTPLAN_TEXT_FIELDS])
{
    const char *f[IMPORTPLAN_TEXT_FIELDS] = {
        a->id,       a->title,  a->first_name, a->last_name, a->badge_name,
        a->organization, a->country, a->category, a->events, a->email,
        a->language, a->valid_from, a->valid_until};
    for (int i = 0; i < IMPORTPLAN_TEXT_FIELDS; i++)
        out[i] = f[i] ? f[i] : "";
}

const char *importplan_status_code(enum attendee_status s)
{
    return s == ATTENDEE_WITHDRAWN ? "withdrawn" : "confirmed";
}

static int by_id(const void *x, const void *y)
{
    const struct attendee *a = *(const struct attendee *const *)x;
    const struct attendee *b = *(const struct attendee *const *)y;
    int c = strcmp(a->id, b->id);
    /* Ties (an ID repeated in the export) in file order, so the first row
     * is the one kept. */
    return c ? c : (a > b) - (a < b);
}

void import_plan_start(struct import_plan *p, const struct roster *r)
{
    memset(p, 0, sizeof *p);
    p->r = r;
    if (r->tickets) {
        p->hashes = xcalloc(r->n_people ? r->n_people : 1, sizeof *p->hashes);
        for (size_t i = 0; i < r->n_people; i++)
            store_code_hash(r->tickets[i].code, strlen(r->tickets[i].code), p->hashes[i]);
    }
    p->sorted = xcalloc(r->n_people ? r->n_people : 1, sizeof *p->sorted);
    for (size_t i = 0; i < r->n_people; i++)
        p->sorted[i] = &r->people[i];
    qsort(p->sorted, r->n_people, sizeof *p->sorted, by_id);
    size_t kept = 0;
    for (size_t i = 0; i < r->n_people; i++)
        if (kept == 0 || strcmp(p->sorted[kept - 1]->id, p->sorted[i]->id) != 0)
            p->sorted[kept++] = p->sorted[i];
    p->n = kept;
    p->action = xcalloc(kept ? kept : 1, 1);
}

void import_plan_set_hashes(struct import_plan *p, const unsigned char (*hashes)[STORE_HASH_BYTES],
                            const unsigned char *has_hash)
{
    size_t n = p->r->n_people ? p->r->n_people : 1;
    free(p->hashes);
    free(p->has_hash);
    p->hashes = xcalloc(n, sizeof *p->hashes);
    p->has_hash = xcalloc(n, 1);
    memcpy(p->hashes, hashes, p->r->n_people * sizeof *p->hashes);
    memcpy(p->has_hash, has_hash, p->r->n_people);
}

const unsigned char *import_plan_hash(const struct import_plan *p, size_t j)
{
    size_t i = (size_t)(p->sorted[j] - p->r->people);
    if (!p->hashes || (p->has_hash && !p->has_hash[i]))
        return NULL;
    return p->hashes[i];
}

const char *import_plan_code(const struct import_plan *p, size_t j)
{
    return p->r->tickets ? p->r->tickets[p->sorted[j] - p->r->people].code : NULL;
}

static void push_id(char ***list, size_t *n, size_t *cap, const char *id)
{
    if (*n == *cap) {
        *cap = *cap ? 2 * *cap : 64;
        *list = xrealloc(*list, *cap * sizeof **list);
    }
    (*list)[(*n)++] = xstrdup(id);
}

/* A person both in the export and the table: what changes, counted. */
static void plan_existing(struct import_plan *p, size_t j, const struct attendee *row,
                          const unsigned char *row_hash)
{
    const char *want[IMPORTPLAN_TEXT_FIELDS], *have[IMPORTPLAN_TEXT_FIELDS];
    importplan_fields(p->sorted[j], want);
    importplan_fields(row, have);
    bool same = true;
    for (int i = 1; i < IMPORTPLAN_TEXT_FIELDS && same; i++)
        same = strcmp(have[i], want[i]) == 0;
    /* A code given or changed is a change; an export without codes leaves
     * the ones kept alone (the code column may simply not be mapped). */
    const unsigned char *hash = import_plan_hash(p, j);
    if (same && hash)
        same = row_hash && memcmp(row_hash, hash, STORE_HASH_BYTES) == 0;
    bool was_withdrawn = row->status == ATTENDEE_WITHDRAWN;
    bool now_withdrawn = p->sorted[j]->status == ATTENDEE_WITHDRAWN;
    if (!was_withdrawn)
        p->sum.confirmed_before++;
    if (same && was_withdrawn == now_withdrawn) {
        p->sum.unchanged++;
        return;
    }
    p->action[j] = IMPORT_UPDATE;
    if (was_withdrawn && !now_withdrawn)
        p->sum.reinstated++;
    else if (!was_withdrawn && now_withdrawn) {
        p->sum.withdrawn++;
        push_id(&p->leaving, &p->n_leaving, &p->cap_leaving, row->id);
    } else
        p->sum.updated++;
}

static void plan_missing(struct import_plan *p, const struct attendee *row)
{
    if (row->status != ATTENDEE_CONFIRMED)
        return;
    p->sum.confirmed_before++;
    push_id(&p->withdraw, &p->n_withdraw, &p->cap_withdraw, row->id);
    push_id(&p->leaving, &p->n_leaving, &p->cap_leaving, row->id);
    p->sum.withdrawn++;
}

void import_plan_row(struct import_plan *p, const struct attendee *row,
                     const unsigned char *row_hash)
{
    int c = 1;
    while (p->next < p->n && (c = strcmp(p->sorted[p->next]->id, row->id)) < 0) {
        p->action[p->next++] = IMPORT_ADD;
        p->sum.added++;
    }
    if (p->next < p->n && c == 0)
        plan_existing(p, p->next++, row, row_hash);
    else
        plan_missing(p, row);
}

void import_plan_end(struct import_plan *p)
{
    for (; p->next < p->n; p->next++) {
        p->action[p->next] = IMPORT_ADD;
        p->sum.added++;
    }
}

void import_plan_report_withdrawn(const struct import_plan *p,
                                  const struct store_import_options *opt)
{
    if (opt->on_withdrawn)
        for (size_t i = 0; i < p->n_leaving; i++)
            opt->on_withdrawn(opt->ctx, p->leaving[i]);
}

void import_plan_free(struct import_plan *p)
{
    for (size_t i = 0; i < p->n_withdraw; i++)
        free(p->withdraw[i]);
    free(p->withdraw);
    for (size_t i = 0; i < p->n_leaving; i++)
        free(p->leaving[i]);
    free(p->leaving);
    free(p->action);
    free(p->sorted);
    free(p->hashes);
    free(p->has_hash);
    memset(p, 0, sizeof *p);
}
