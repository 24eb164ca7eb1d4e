/* utf8: the one UTF-8 decoder, encoder and cutter, and search keys from names.
 *
 * Every place that reads, writes or shortens UTF-8 by hand goes through
 * here, so a scanned code, a roster cell, a typed key and a name on screen
 * are judged by one piece of code: strict UTF-8 as RFC 3629 defines it (no
 * overlong forms, no surrogates, nothing above U+10FFFF, no sequence cut
 * short). The roster refuses text that is not strict UTF-8 before anything
 * else sees it, so the rest of the core may assume valid input; the decoder
 * still answers safely when it is not.
 *
 * Search keys let a staff member type "Frojdh", "FRÖJDH" or "frøjdh" and find
 * Per Fröjdh, in any script, without the kiosk knowing languages: both the
 * name and the query are folded the same way and compared as plain bytes. */
#ifndef BK_UTF8_H
#define BK_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The most bytes one character takes. */
#define UTF8_MAX 4

/* What utf8_decode reports for bytes that are not UTF-8: no code point, and
 * not U+FFFD either, so a caller can tell "bad bytes" from a real U+FFFD. */
#define UTF8_INVALID 0xFFFFFFFFu

/* U+FFFD, what a lenient reader puts in place of bytes that are not UTF-8. */
#define UTF8_REPLACEMENT 0xFFFDu

/* Reads the character at the start of the len bytes at s. Returns how many
 * bytes it takes (1 to 4) and sets *cp (when cp is not NULL) to its code
 * point. Bytes that are not strict UTF-8 (a continuation byte with no lead,
 * a byte UTF-8 never uses, an overlong form, a surrogate, a value above
 * U+10FFFF, or a sequence cut short by the end of the bytes or by a byte
 * that does not continue it) set *cp to UTF8_INVALID and return the length
 * of the longest start of a sequence they make (1 to 3, Unicode's "maximal
 * subpart"), so a reader that skips them resumes at the next byte that may
 * begin a character and never swallows one. Never reads past s[len - 1]; a
 * NUL byte never continues a sequence, so in a NUL-terminated string the
 * reader also stops at the NUL after a character cut short. len 0: returns
 * 0 and sets *cp to UTF8_INVALID. */
size_t utf8_decode(const char *s, size_t len, uint32_t *cp);

/* Writes cp as UTF-8 to out (room for UTF8_MAX bytes; no NUL is added) and
 * returns the byte count, 1 to 4. Returns 0 and writes nothing when cp is
 * not a Unicode scalar value (a surrogate or above U+10FFFF). */
size_t utf8_encode(uint32_t cp, char *out);

/* How many of the len bytes at s to keep so that at most max are kept and
 * no character is cut in two: len when len <= max, else max moved back to
 * the start of the character it falls inside (as utf8_decode reads them).
 * With max = len - 1 it is where the last character starts: what Backspace
 * removes. */
size_t utf8_cut(const char *s, size_t len, size_t max);

/* True for spaces (Zs) and punctuation (P*): what separates words in every
 * script. Search keys and the badge's text runs build on it. */
bool utf8_is_space_or_punct(uint32_t cp);

/* True when the len bytes at s are strict UTF-8: no overlong forms, no
 * surrogates (U+D800..U+DFFF), nothing above U+10FFFF, no truncated
 * sequence at the end. NUL bytes are valid UTF-8 (callers that do not want
 * them check separately). len 0 is valid. */
bool utf8_valid(const char *s, size_t len);

/* The number of characters in the NUL-terminated string s, as utf8_decode
 * reads them (bytes that are not UTF-8 count one per skip). */
size_t utf8_count(const char *s);

/* Text from a code, a file or a person, made safe to print in a message or
 * a log line: C0 control characters, DEL and bytes that are not UTF-8
 * become \xNN, and the bidi controls that reorder the rest of a line
 * (U+202A-U+202E, U+2066-U+2069) become \u202E, so a name or a code cannot
 * reorder, break or forge the line it is printed in. Everything else is
 * kept, so escaping twice changes nothing. The len bytes at s need not be
 * NUL-terminated and may hold NUL bytes. Newly allocated; the caller frees
 * it. Every message and log line that shows such text goes through it
 * (bk_err_set does, for every error). */
char *utf8_escape_new(const char *s, size_t len);

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
