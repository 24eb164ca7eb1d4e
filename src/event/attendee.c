/* attendee: the person record shared by the core modules; see attendee.h. */
#include "event/attendee.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/utf8.h"
#include "util/xalloc.h"

#define ATTENDEE_FIELDS(X)                                                                         \
    X(id) X(title) X(first_name) X(last_name) X(badge_name) X(organization) X(country)           \
        X(category) X(events) X(email) X(language) X(valid_from) X(valid_until)

void attendee_clear(struct attendee *a)
{
    if (!a)
        return;
#define FREE_FIELD(f) free(a->f);
    ATTENDEE_FIELDS(FREE_FIELD)
#undef FREE_FIELD
    memset(a, 0, sizeof *a);
}

void attendee_copy(struct attendee *dst, const struct attendee *src)
{
#define COPY_FIELD(f) dst->f = xstrdup(src->f ? src->f : "");
    ATTENDEE_FIELDS(COPY_FIELD)
#undef COPY_FIELD
    dst->status = src->status;
}

static int is_cjk_codepoint(uint32_t c)
{
    return (c >= 0x1100 && c <= 0x11FF) ||   /* Hangul Jamo */
           (c >= 0x3040 && c <= 0x30FF) ||   /* Hiragana, Katakana */
           (c >= 0x3130 && c <= 0x318F) ||   /* Hangul compatibility Jamo */
           (c >= 0x3400 && c <= 0x4DBF) ||   /* CJK extension A */
           (c >= 0x4E00 && c <= 0x9FFF) ||   /* CJK unified ideographs */
           (c >= 0xAC00 && c <= 0xD7AF) ||   /* Hangul syllables */
           (c >= 0xF900 && c <= 0xFAFF) ||   /* CJK compatibility ideographs */
           (c >= 0x20000 && c <= 0x3134F);   /* CJK extensions B-G */
}

/* True when s is non-empty and every letter in it is CJK (spaces ignored). */
static int all_cjk(const char *s)
{
    size_t len = strlen(s);
    int letters = 0;
    for (size_t i = 0; i < len;) {
        uint32_t c;
        i += utf8_decode(s + i, len - i, &c);
        if (c == ' ')
            continue;
        if (!is_cjk_codepoint(c))
            return 0;
        letters++;
    }
    return letters > 0;
}

char *attendee_display_name_new(const struct attendee *a)
{
    if (a->badge_name && a->badge_name[0])
        return xstrdup(a->badge_name);
    const char *first = a->first_name ? a->first_name : "";
    const char *last = a->last_name ? a->last_name : "";
    if (!first[0])
        return xstrdup(last);
    if (!last[0])
        return xstrdup(first);
    /* East Asian names are written family name first, without a space. */
    if (all_cjk(first) && all_cjk(last))
        return xasprintf("%s%s", last, first);
    return xasprintf("%s %s", first, last);
}

bool attendee_has_event(const struct attendee *a, const char *code)
{
    size_t n = strlen(code);
    const char *p = a->events ? a->events : "";
    while (*p) {
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && memcmp(p, code, n) == 0)
            return true;
        if (!end)
            break;
        p = end + 1;
    }
    return false;
}

bool attendee_valid_days(const struct attendee *a, bk_day *first, bk_day *last)
{
    bk_day d;
    if (a->valid_from && a->valid_from[0] && tz_day_parse(a->valid_from, &d) && d > *first)
        *first = d;
    if (a->valid_until && a->valid_until[0] && tz_day_parse(a->valid_until, &d) && d < *last)
        *last = d;
    return *first <= *last;
}
