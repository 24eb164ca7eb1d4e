/* find: a folded-text index of attendees for as-you-type search; see find.h.
 *
 * Every person contributes one line of folded text to a single buffer:
 * "\n<names> \t <organisation> \t <id>". A query word is looked up with
 * memmem over the whole buffer, which is far faster than a pass over the
 * records, and each hit is mapped back to its person by binary search over
 * the line offsets. */
#include "find.h"

#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "xalloc.h"

#define FIND_MAX_WORDS 8

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
};

struct finder *finder_new(void)
{
    struct finder *f = xcalloc(1, sizeof *f);
    f->text = xmalloc(1);
    f->text[0] = '\0';
    f->text_cap = 1;
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
    p->country = xstrdup(a->country ? a->country : "");
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

/* The person whose line holds offset off. */
static size_t person_at(const struct finder *f, size_t off)
{
    size_t lo = 0, hi = f->n;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (f->people[mid].start <= off)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Score of one query word in one person's line, 0 when absent: a match in
 * the name beats one in the organisation, and a word start beats the middle. */
static int word_score(const struct finder *f, const struct person *p, const char *w, size_t wl)
{
    int best = 0;
    const char *line = f->text + p->start;
    size_t len = p->end - p->start;
    const char *hit = line;
    while ((hit = memmem(hit, len - (size_t)(hit - line), w, wl)) != NULL) {
        size_t off = (size_t)(hit - f->text);
        int at_start = hit[-1] == ' ';
        int at_end = hit[wl] == ' ';
        int s;
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

size_t finder_search(const struct finder *f, const char *query, struct finder_hit *hits,
                     size_t max)
{
    if (!max || !f->n)
        return 0;
    char *folded = utf8_fold_new(query);
    char *words[FIND_MAX_WORDS];
    size_t lens[FIND_MAX_WORDS], nw = 0, longest = 0;
    for (char *tok = strtok(folded, " \t"); tok && nw < FIND_MAX_WORDS; tok = strtok(NULL, " \t")) {
        words[nw] = tok;
        lens[nw] = strlen(tok);
        if (lens[nw] > lens[longest])
            longest = nw;
        nw++;
    }
    size_t n = 0, kept = 0;
    struct finder_hit *all = NULL;
    size_t all_cap = 0;
    if (nw) {
        /* Candidates: every line holding the longest word, each once. */
        const char *hit = f->text;
        size_t last = (size_t)-1;
        while ((hit = memmem(hit, f->len - (size_t)(hit - f->text), words[longest],
                             lens[longest])) != NULL) {
            size_t pi = person_at(f, (size_t)(hit - f->text));
            hit++;
            if (pi == last)
                continue;
            last = pi;
            const struct person *p = &f->people[pi];
            int score = 0;
            size_t w;
            for (w = 0; w < nw; w++) {
                int s = word_score(f, p, words[w], lens[w]);
                if (!s)
                    break;
                score += s;
            }
            if (w < nw)
                continue;
            if (n == all_cap) {
                all_cap = all_cap ? all_cap * 2 : 64;
                all = xrealloc(all, all_cap * sizeof *all);
            }
            all[n++] = (struct finder_hit){p->id, p->name, p->organization, p->country,
                                           p->withdrawn, score};
        }
        kept = n < max ? n : max;
        if (kept) {
            qsort(all, n, sizeof *all, cmp_hits);
            memcpy(hits, all, kept * sizeof *hits);
        }
    }
    free(all);
    free(folded);
    return kept;
}
