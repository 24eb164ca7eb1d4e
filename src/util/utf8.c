/* utf8: strict UTF-8 decoding, encoding and cutting, and accent- and
 * case-insensitive search keys; see utf8.h. */
#include "util/utf8.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "util/xalloc.h"

static bool is_continuation(unsigned char b)
{
    return (b & 0xC0) == 0x80;
}

size_t utf8_decode(const char *s, size_t len, uint32_t *cp)
{
    const unsigned char *p = (const unsigned char *)s;
    uint32_t c = UTF8_INVALID;
    size_t n = 0;
    if (len == 0)
        goto done;
    n = 1;
    unsigned char b = p[0];
    if (b < 0x80) {
        c = b;
        goto done;
    }
    /* The allowed second-byte ranges are what exclude overlong forms,
     * surrogates and values above U+10FFFF (RFC 3629, section 4). */
    size_t need;
    uint32_t v;
    unsigned char lo = 0x80, hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) {
        need = 2, v = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
        need = 3, v = b & 0x0F;
        if (b == 0xE0)
            lo = 0xA0; /* overlong below U+0800 */
        else if (b == 0xED)
            hi = 0x9F; /* surrogates */
    } else if (b >= 0xF0 && b <= 0xF4) {
        need = 4, v = b & 0x07;
        if (b == 0xF0)
            lo = 0x90; /* overlong below U+10000 */
        else if (b == 0xF4)
            hi = 0x8F; /* above U+10FFFF */
    } else {
        goto done; /* continuation byte, C0/C1 overlong lead, or F5..FF */
    }
    for (; n < need; n++) {
        if (n == len)
            goto done; /* cut short by the end */
        unsigned char t = p[n];
        if (n == 1 ? t < lo || t > hi : !is_continuation(t))
            goto done; /* n bytes are the most that could have begun a character */
        v = v << 6 | (t & 0x3F);
    }
    c = v;
done:
    if (cp)
        *cp = c;
    return n;
}

size_t utf8_encode(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | cp >> 6);
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        if (cp >= 0xD800 && cp <= 0xDFFF)
            return 0;
        o[0] = (unsigned char)(0xE0 | cp >> 12);
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    if (cp > 0x10FFFF)
        return 0;
    o[0] = (unsigned char)(0xF0 | cp >> 18);
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

size_t utf8_cut(const char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    /* The character max falls inside begins at most three bytes before it;
     * decoding from there says whether it reaches past max. */
    size_t start = max;
    while (start > 0 && max - start < UTF8_MAX - 1 && is_continuation((unsigned char)s[start]))
        start--;
    return start + utf8_decode(s + start, len - start, NULL) <= max ? max : start;
}

bool utf8_valid(const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += utf8_decode(s + i, len - i, &cp);
        if (cp == UTF8_INVALID)
            return false;
    }
    return true;
}

size_t utf8_count(const char *s)
{
    size_t n = 0, len = strlen(s);
    for (size_t i = 0; i < len; n++)
        i += utf8_decode(s + i, len - i, NULL);
    return n;
}

/* Letters that Unicode gives no decomposition, so stripping marks leaves
 * them alone although readers treat them as a base letter with a stroke or a
 * ligature. Keys are already case-folded when this table is consulted. */
static const struct {
    uint32_t cp;
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

static const char *fold_extra_lookup(uint32_t cp)
{
    for (size_t i = 0; i < sizeof fold_extra / sizeof fold_extra[0]; i++)
        if (fold_extra[i].cp == cp)
            return fold_extra[i].to;
    return NULL;
}

static bool is_apostrophe(uint32_t cp)
{
    return cp == '\'' || cp == 0x2019 || cp == 0x02BC || cp == 0x2018 || cp == 0x0060;
}

bool utf8_is_space_or_punct(uint32_t cp)
{
    switch (utf8proc_category((utf8proc_int32_t)cp)) {
    case UTF8PROC_CATEGORY_ZS:
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

/* Separators become one space in the key so "Jean-Luc", "Jean Luc" and
 * "jean.luc" all match; line and paragraph separators and control
 * characters too. */
static bool is_separator(uint32_t cp)
{
    if (utf8_is_space_or_punct(cp))
        return true;
    switch (utf8proc_category((utf8proc_int32_t)cp)) {
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
    case UTF8PROC_CATEGORY_CC:
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
    const char *mapped = (const char *)buf;
    /* Expansions are at most "ae" for a 2-byte letter, so twice the size is
     * always enough. */
    char *out = xmalloc((size_t)n * 2 + 1);
    size_t used = 0;
    bool pending_space = false;
    size_t i = 0;
    while (i < (size_t)n) {
        uint32_t cp;
        size_t len = utf8_decode(mapped + i, (size_t)n - i, &cp);
        const char *src = mapped + i;
        i += len; /* cp is never UTF8_INVALID: utf8proc wrote valid UTF-8 */
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
            memcpy(out + used, src, len);
            used += len;
        }
    }
    out[used] = '\0';
    free(buf);
    return out;
}

/* The bidi embedding, override and isolate controls: each changes the
 * order in which the rest of a line is shown. */
static bool is_bidi_control(uint32_t cp)
{
    return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

char *utf8_escape_new(const char *s, size_t len)
{
    /* Each byte becomes at most "\xNN" (4), each 3-byte control "\uNNNN" (6). */
    char *out = xmalloc(4 * len + 1);
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        uint32_t cp;
        size_t n = utf8_decode(s + i, len - i, &cp);
        if (cp == UTF8_INVALID || c < 0x20 || c == 0x7f) {
            o += (size_t)sprintf(out + o, "\\x%02x", c);
            i++;
        } else if (is_bidi_control(cp)) {
            o += (size_t)sprintf(out + o, "\\u%04X", (unsigned)cp);
            i += n;
        } else {
            memcpy(out + o, s + i, n);
            o += n;
            i += n;
        }
    }
    out[o] = '\0';
    return out;
}
