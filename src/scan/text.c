/* text: telling UTF-8 from Shift_JIS in a code's bytes (see text.h), with
 * the C library's iconv for the conversion. */
#include "scan/text.h"

#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#include "util/utf8.h"
#include "util/xalloc.h"

/* Shift_JIS to UTF-8 with iconv; NULL when any byte sequence is not valid
 * Shift_JIS. One Shift_JIS byte or pair becomes at most 3 UTF-8 bytes. */
static char *from_shift_jis(const uint8_t *data, size_t len, size_t *out_len)
{
    iconv_t cd = iconv_open("UTF-8", "SHIFT_JIS");
    if (cd == (iconv_t)-1)
        return NULL;
    size_t cap = len * 3 + 1;
    char *out = xmalloc(cap), *o = out;
    char *in = (char *)data;
    size_t in_left = len, out_left = cap - 1;
    size_t rc = iconv(cd, &in, &in_left, &o, &out_left);
    iconv_close(cd);
    if (rc == (size_t)-1 || in_left != 0) {
        free(out);
        return NULL;
    }
    *o = '\0';
    *out_len = (size_t)(o - out);
    return out;
}

char *scan_text_utf8_new(const uint8_t *data, size_t len, size_t *out_len,
                         enum scan_text_kind *kind)
{
    if (utf8_valid((const char *)data, len)) {
        char *s = xmalloc(len + 1);
        if (len)
            memcpy(s, data, len);
        s[len] = '\0';
        *out_len = len;
        *kind = SCAN_TEXT_UTF8;
        return s;
    }
    char *s = from_shift_jis(data, len, out_len);
    *kind = s ? SCAN_TEXT_SHIFT_JIS : SCAN_TEXT_BINARY;
    if (!s)
        *out_len = 0;
    return s;
}

bool scan_text_matches(const uint8_t *data, size_t len, const uint8_t *want, size_t want_len)
{
    if (len == want_len && memcmp(data, want, len) == 0)
        return true;
    size_t n = 0;
    enum scan_text_kind kind;
    char *s = scan_text_utf8_new(data, len, &n, &kind);
    bool same = s && n == want_len && memcmp(s, want, n) == 0;
    free(s);
    return same;
}
