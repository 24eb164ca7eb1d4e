/* find: a folded-text index of attendees for as-you-type search; see find.h.
 *
 * Every person contributes one line of folded text to a single buffer:
 * "\n<names> \t <organisation> \t <id>". Each byte trigram of a line is
 * posted, per person, in a hashed bucket; a query takes the rarest trigram of
 * its words, so it checks a few hundred candidate lines rather than scanning
 * megabytes. Byte trigrams work the same for every script (a Chinese
 * character is itself three bytes). Words of one or two bytes ("li", "ν")
 * match only at the start of a word, which is what a person typing means,
 * and are posted by those first bytes in the same buckets. */
#include "core/find.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event/country.h"
#include "util/utf8.h"
#include "util/xalloc.h"

#define FIND_MAX_WORDS 8
#define FIND_BUCKETS (1u << 18) /* trigram hash buckets; collisions only add candidates */

struct posting {
    uint32_t *people; /* person indexes, ascending, each once */
    uint32_t n, cap;
};

struct person {
    char *id, *name, *organization, *country;
    int withdrawn;
    size_t start, name_end, id_start, end; /* offsets of this person's line in text */
};

struct finder {
    struct person *people;
    size_t n, cap;
    char *text;
    size_t len, text_cap;
    struct posting *buckets; /* FIND_BUCKETS of them */
};

/* The bucket of n (1 to 3) bytes at p; prefixes of one and two bytes hash
 * apart from trigrams by their length. */
static uint32_t gram_bucket(const char *p, size_t n)
{
    const unsigned char *u = (const unsigned char *)p;
    uint32_t key = (uint32_t)n << 24;
    for (size_t i = 0; i < n; i++)
        key |= (uint32_t)u[i] << (8 * (2 - i));
    return (key * 2654435761u) >> (32 - 18);
}

static void post(struct finder *f, uint32_t bucket, uint32_t idx)
{
    struct posting *b = &f->buckets[bucket];
    if (b->n && b->people[b->n - 1] == idx)
        return;
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 4;
        b->people = xrealloc(b->people, b->cap * sizeof *b->people);
    }
    b->people[b->n++] = idx;
}

struct finder *finder_new(void)
{
    struct finder *f = xcalloc(1, sizeof *f);
    f->text = xmalloc(1);
    f->text[0] = '\0';
    f->text_cap = 1;
    f->buckets = xcalloc(FIND_BUCKETS, sizeof *f->buckets);
    return f;
}

void finder_free(struct finder *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++) {
        free(f->people[i].id);
        free(f->people[i].name);
        free(f->people[i].organization);
        free(f->people[i].country);
    }
    free(f->people);
    free(f->text);
    for (size_t i = 0; i < FIND_BUCKETS; i++)
        free(f->buckets[i].people);
    free(f->buckets);
    free(f);
}

size_t finder_count(const struct finder *f)
{
    return f->n;
}

static void append(struct finder *f, const char *s)
{
    size_t n = strlen(s);
    if (f->len + n + 1 > f->text_cap) {
        while (f->len + n + 1 > f->text_cap)
            f->text_cap = f->text_cap * 2 + 64;
        f->text = xrealloc(f->text, f->text_cap);
    }
    memcpy(f->text + f->len, s, n + 1);
    f->len += n;
}

static void append_folded(struct finder *f, const char *s)
{
    if (!s || !s[0])
        return;
    char *folded = utf8_fold_new(s);
    append(f, " ");
    append(f, folded);
    free(folded);
}

void finder_add(struct finder *f, const struct attendee *a)
{
    if (f->n == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 256;
        f->people = xrealloc(f->people, f->cap * sizeof *f->people);
    }
    struct person *p = &f->people[f->n++];
    p->id = xstrdup(a->id);
    p->name = attendee_display_name_new(a);
    p->organization = xstrdup(a->organization ? a->organization : "");
    p->country = xstrdup(country_display(a->country));
    p->withdrawn = a->status == ATTENDEE_WITHDRAWN;

    append(f, "\n");
    p->start = f->len;
    /* The printed name and the export's own name fields, so a person with a
     * native-script badge name is also found by the romanised one. */
    append_folded(f, p->name);
    append_folded(f, a->first_name);
    append_folded(f, a->last_name);
    append(f, " ");
    p->name_end = f->len;
    append(f, "\t");
    append_folded(f, a->organization);
    append(f, " \t");
    p->id_start = f->len;
    append_folded(f, a->id);
    append(f, " ");
    p->end = f->len;

    uint32_t idx = (uint32_t)(f->n - 1);
    for (size_t i = p->start; i < p->end; i++) {
        const char *at = f->text + i;
        if (i + 3 <= p->end)
            post(f, gram_bucket(at, 3), idx);
        if (i > p->start && at[-1] == ' ' && at[0] != ' ' && at[0] != '\t') {
            post(f, gram_bucket(at, 1), idx);
            if (i + 2 <= p->end && at[1] != ' ')
                post(f, gram_bucket(at, 2), idx);
        }
    }
}

static int add_from_store(void *ctx, const struct attendee *a)
{
    finder_add(ctx, a);
    return 0;
}

enum bk_status finder_new_from_store(struct store *s, struct finder **out, struct bk_err *err)
{
    struct finder *f = finder_new();
    enum bk_status st = store_foreach_attendee(s, add_from_store, f, err);
    if (st != BK_OK) {
        finder_free(f);
        *out = NULL;
        return st;
    }
    *out = f;
    return BK_OK;
}

/* Score of one query word in one person's line, 0 when absent: a match in
 * the name beats one in the organisation, and a word start beats the middle.
 * Words under three bytes count only at a word start. */
static int word_score(const struct finder *f, const struct person *p, const char *w, size_t wl)
{
    int start_only = wl < 3;
    int best = 0;
    const char *line = f->text + p->start;
    size_t len = p->end - p->start;
    const char *hit = line;
    const char *end = line + len;
    /* Lines are short: memchr on the first byte then memcmp beats memmem's
     * set-up cost for every candidate. */
    while ((hit = memchr(hit, w[0], (size_t)(end - hit))) != NULL) {
        if ((size_t)(end - hit) < wl)
            break;
        if (memcmp(hit, w, wl) != 0) {
            hit++;
            continue;
        }
        size_t off = (size_t)(hit - f->text);
        int at_start = hit[-1] == ' ';
        int at_end = hit[wl] == ' ';
        int s;
        if (start_only && !at_start) {
            hit++;
            continue;
        }
        if (off < p->name_end)
            s = at_start ? (at_end ? 40 : 30) : 20;
        else if (off >= p->id_start)
            s = at_start && at_end ? 35 : 8; /* the ID: typed in full it is as good as a name */
        else
            s = at_start ? 10 : 5;
        if (s > best)
            best = s;
        hit++;
    }
    return best;
}

static int cmp_hits(const void *a, const void *b)
{
    const struct finder_hit *x = a, *y = b;
    if (x->score != y->score)
        return y->score - x->score;
    if (x->withdrawn != y->withdrawn)
        return x->withdrawn - y->withdrawn;
    return strcmp(x->name, y->name);
}

struct query {
    char *words[FIND_MAX_WORDS];
    size_t lens[FIND_MAX_WORDS];
    size_t n;
};

/* A hit with its person's index, the tie-break while collecting: comparing
 * names for every tied candidate of a common word was most of the time. */
struct candidate {
    struct finder_hit hit;
    uint32_t idx;
};

static int better(const struct candidate *x, const struct candidate *y)
{
    if (x->hit.score != y->hit.score)
        return x->hit.score > y->hit.score;
    if (x->hit.withdrawn != y->hit.withdrawn)
        return x->hit.withdrawn < y->hit.withdrawn;
    return x->idx < y->idx;
}

/* Keeps the best max candidates in order: one that would not make the list
 * costs one comparison, so common words do not sort thousands. */
static void offer(struct candidate *best, size_t *kept, size_t max, const struct candidate *c)
{
    if (*kept == max && !better(c, &best[max - 1]))
        return;
    size_t i = *kept < max ? (*kept)++ : max - 1;
    while (i > 0 && better(c, &best[i - 1])) {
        best[i] = best[i - 1];
        i--;
    }
    best[i] = *c;
}

static void consider(const struct finder *f, uint32_t pi, const struct query *q,
                     struct candidate *best, size_t *kept, size_t max)
{
    const struct person *p = &f->people[pi];
    int score = 0;
    for (size_t w = 0; w < q->n; w++) {
        int s = word_score(f, p, q->words[w], q->lens[w]);
        if (!s)
            return;
        score += s;
    }
    struct candidate c = {{p->id, p->name, p->organization, p->country, p->withdrawn, score}, pi};
    offer(best, kept, max, &c);
}

size_t finder_search(const struct finder *f, const char *query, struct finder_hit *hits,
                     size_t max)
{
    if (!max || !f->n)
        return 0;
    char *folded = utf8_fold_new(query);
    if (!folded)
        return 0;
    struct query q = {0};
    for (char *tok = strtok(folded, " \t"); tok && q.n < FIND_MAX_WORDS;
         tok = strtok(NULL, " \t")) {
        q.words[q.n] = tok;
        q.lens[q.n] = strlen(tok);
        q.n++;
    }
    size_t kept = 0;
    const struct posting *rarest = NULL;
    for (size_t w = 0; w < q.n; w++) {
        size_t n = q.lens[w] < 3 ? q.lens[w] : 3;
        for (size_t i = 0; i + n <= q.lens[w]; i++) {
            const struct posting *b = &f->buckets[gram_bucket(q.words[w] + i, n)];
            if (!rarest || b->n < rarest->n)
                rarest = b;
        }
    }
    struct candidate *best = xcalloc(max, sizeof *best);
    if (rarest)
        for (uint32_t i = 0; i < rarest->n; i++)
            consider(f, rarest->people[i], &q, best, &kept, max);
    for (size_t i = 0; i < kept; i++)
        hits[i] = best[i].hit;
    /* Among equal scores, people see names in order. */
    if (kept)
        qsort(hits, kept, sizeof *hits, cmp_hits);
    free(best);
    free(folded);
    return kept;
}
