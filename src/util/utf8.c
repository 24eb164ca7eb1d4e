/* utf8: strict UTF-8 checking and accent- and case-insensitive search keys;
 * see utf8.h. */
#include "util/utf8.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "util/xalloc.h"

bool utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    const unsigned char *end = p + len;
    while (p < end) {
        unsigned char c = *p;
        if (c < 0x80) {
            p++;
            continue;
        }
        /* The allowed second-byte ranges are what exclude overlong forms,
         * surrogates and values above U+10FFFF (RFC 3629, section 4). */
        size_t n;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            n = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 3;
            if (c == 0xE0)
                lo = 0xA0; /* overlong below U+0800 */
            else if (c == 0xED)
                hi = 0x9F; /* surrogates */
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 4;
            if (c == 0xF0)
                lo = 0x90; /* overlong below U+10000 */
            else if (c == 0xF4)
                hi = 0x8F; /* above U+10FFFF */
        } else {
            return false; /* continuation byte, C0/C1 overlong lead, or F5..FF */
        }
        if ((size_t)(end - p) < n)
            return false;
        if (p[1] < lo || p[1] > hi)
            return false;
        for (size_t i = 2; i < n; i++)
            if ((p[i] & 0xC0) != 0x80)
                return false;
        p += n;
    }
    return true;
}

size_t utf8_count(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xC0) != 0x80)
            n++;
    return n;
}

/* Letters that Unicode gives no decomposition, so stripping marks leaves
 * them alone although readers treat them as a base letter with a stroke or a
 * ligature. Keys are already case-folded when this table is consulted. */
static const struct {
    int32_t cp;
    const char *to;
} fold_extra[] = {
    {0x00F8, "o"},  /* ø */
    {0x0111, "d"},  /* đ */
    {0x00F0, "d"},  /* ð */
    {0x0142, "l"},  /* ł */
    {0x00E6, "ae"}, /* æ */
    {0x0153, "oe"}, /* œ */
    {0x00FE, "th"}, /* þ */
    {0x0131, "i"},  /* dotless ı */
    {0x0127, "h"},  /* ħ */
    {0x0180, "b"},  /* ƀ */
    {0x0167, "t"},  /* ŧ */
};

static const char *fold_extra_lookup(int32_t cp)
{
    for (size_t i = 0; i < sizeof fold_extra / sizeof fold_extra[0]; i++)
        if (fold_extra[i].cp == cp)
            return fold_extra[i].to;
    return NULL;
}

static bool is_apostrophe(int32_t cp)
{
    return cp == '\'' || cp == 0x2019 || cp == 0x02BC || cp == 0x2018 || cp == 0x0060;
}

/* Separators become one space in the key so "Jean-Luc", "Jean Luc" and
 * "jean.luc" all match. */
static bool is_separator(int32_t cp)
{
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_ZS:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
    case UTF8PROC_CATEGORY_CC:
    case UTF8PROC_CATEGORY_PC:
    case UTF8PROC_CATEGORY_PD:
    case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE:
    case UTF8PROC_CATEGORY_PI:
    case UTF8PROC_CATEGORY_PF:
    case UTF8PROC_CATEGORY_PO:
        return true;
    default:
        return false;
    }
}

char *utf8_fold_new(const char *s)
{
    if (!s || !utf8_valid(s, strlen(s)))
        return NULL;
    /* utf8proc_map would do these two steps but allocates with malloc and
     * reports out of memory as an error; we size the buffer ourselves so
     * that running out of memory aborts like everywhere else. */
    const utf8proc_option_t opts = UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPOSE |
                                   UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK;
    const utf8proc_uint8_t *in = (const utf8proc_uint8_t *)s;
    utf8proc_ssize_t cps = utf8proc_decompose(in, 0, NULL, 0, opts);
    if (cps < 0)
        return NULL;
    /* reencode writes UTF-8 over the same buffer and needs one spare unit. */
    utf8proc_int32_t *buf = xmalloc(((size_t)cps + 1) * sizeof *buf);
    cps = utf8proc_decompose(in, 0, buf, cps, opts);
    utf8proc_ssize_t n = cps < 0 ? cps : utf8proc_reencode(buf, cps, opts);
    if (n < 0) {
        free(buf);
        return NULL;
    }
    const utf8proc_uint8_t *mapped = (const utf8proc_uint8_t *)buf;
    /* Expansions are at most "ae" for a 2-byte letter, so twice the size is
     * always enough. */
    char *out = xmalloc((size_t)n * 2 + 1);
    size_t used = 0;
    bool pending_space = false;
    utf8proc_ssize_t i = 0;
    while (i < n) {
        int32_t cp;
        utf8proc_ssize_t len = utf8proc_iterate(mapped + i, n - i, &cp);
        if (len <= 0)
            break; /* cannot happen: utf8proc wrote valid UTF-8 */
        const unsigned char *src = mapped + i;
        i += len;
        if (is_apostrophe(cp))
            continue;
        if (is_separator(cp)) {
            pending_space = used > 0;
            continue;
        }
        if (pending_space) {
            out[used++] = ' ';
            pending_space = false;
        }
        const char *extra = fold_extra_lookup(cp);
        if (extra) {
            size_t el = strlen(extra);
            memcpy(out + used, extra, el);
            used += el;
        } else {
            memcpy(out + used, src, (size_t)len);
            used += (size_t)len;
        }
    }
    out[used] = '\0';
    free(buf);
    return out;
}
