/* utf8: checking UTF-8 and making search keys from names.
 *
 * The roster refuses text that is not strict UTF-8 before anything else sees
 * it, so the rest of the core may assume valid input. Search keys let a staff
 * member type "Frojdh", "FRÖJDH" or "frøjdh" and find Per Fröjdh, in any
 * script, without the kiosk knowing languages: both the name and the query
 * are folded the same way and compared as plain bytes. */
#ifndef BK_UTF8_H
#define BK_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* True when the len bytes at s are strict UTF-8: no overlong forms, no
 * surrogates (U+D800..U+DFFF), nothing above U+10FFFF, no truncated
 * sequence at the end. NUL bytes are valid UTF-8 (callers that do not want
 * them check separately). len 0 is valid. */
bool utf8_valid(const char *s, size_t len);

/* The number of codepoints in the NUL-terminated string s, which must be
 * valid UTF-8 (continuation bytes are simply not counted). */
size_t utf8_count(const char *s);

/* A search key for s: compatibility-normalised, case-folded, accents and
 * other combining marks stripped, letters with no decomposition mapped to
 * their base (ø->o, đ->d, ł->l, æ->ae, œ->oe, ı->i, ß->ss), runs of
 * whitespace, punctuation and control characters turned into a single space
 * and trimmed; apostrophes are dropped ("O'Brien" -> "obrien") because people
 * type names without them. Hangul stays composed; Han is unchanged.
 *
 * Stripping marks applies to every script, so vowel signs of Devanagari and
 * Thai and the Japanese voicing marks are dropped too: the key may match a
 * little more than the exact name, never less.
 *
 * Returns a newly allocated string the caller frees, or NULL when s is NULL
 * or not valid UTF-8. */
char *utf8_fold_new(const char *s);

#endif
