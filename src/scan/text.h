/* text: what a QR code's raw bytes say, for people and for comparisons.
 *
 * The decoder hands on a code's bytes as encoded (decode.h) and the check-in
 * path verifies exactly those bytes; our own payloads are ASCII. Codes made
 * elsewhere hold UTF-8, or Shift_JIS without an ECI marker (an old habit of
 * Japanese encoders, whose Kanji mode is Shift_JIS too), and zbar does not
 * tell us the ECI. So text is judged by its bytes: valid UTF-8 is taken as
 * UTF-8 (ASCII included); otherwise, bytes that are valid Shift_JIS are
 * converted from it; anything else is binary. UTF-8 first because random
 * Shift_JIS is seldom valid UTF-8, while many UTF-8 strings are valid
 * Shift_JIS byte sequences. Nothing here prints. */
#ifndef BK_SCAN_TEXT_H
#define BK_SCAN_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum scan_text_kind {
    SCAN_TEXT_UTF8,      /* valid UTF-8: the bytes are the text */
    SCAN_TEXT_SHIFT_JIS, /* not UTF-8 but valid Shift_JIS: converted */
    SCAN_TEXT_BINARY,    /* neither: no text */
};

/* The len bytes at data as UTF-8 text: a new NUL-terminated string the
 * caller frees (its length, NUL excluded, in *out_len), or NULL for
 * SCAN_TEXT_BINARY. *kind says which case it was. */
char *scan_text_utf8_new(const uint8_t *data, size_t len, size_t *out_len,
                         enum scan_text_kind *kind);

/* True when the code's bytes are exactly want, or their text (as above)
 * is exactly want, which must be UTF-8. */
bool scan_text_matches(const uint8_t *data, size_t len, const uint8_t *want, size_t want_len);

#endif
