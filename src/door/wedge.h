/* wedge: telling a USB keyboard-wedge scanner from a person typing.
 *
 * A wedge scanner is a keyboard as far as the computer knows: it types the
 * code it read with near-constant gaps of a few milliseconds (2-10 ms a key;
 * a loaded machine stretches a few of them) and presses Enter at the same
 * pace. People type 40-120 ms a key with short rolls of two or three keys
 * 10-20 ms apart. SDL gives no device id, so the timing is all there is, and
 * it must be the keys' own: the time the X server stamped on each key, not
 * the time the main loop read it (a loop stalled for seconds hands over
 * twenty keys typed 150 ms apart in one batch).
 *
 * Keys are held back while they could still be the start of a scan; a gap of
 * max_gap_ms or more releases them as typing, so typing is delayed by at most
 * that long (the caller's ticks release it). When Enter comes, the whole
 * burst is judged (burst_is_scan in wedge.c): at least min_chars characters,
 * not one character repeated (a held-down key), a median gap of at most
 * scan_gap_ms, at most a quarter of the gaps longer, the whole burst within
 * scan_gap_ms a key plus one max_gap_ms, and Enter within two scan gaps of
 * the last key. Everything else is typing and is handed back, in order.
 *
 * Where typing matters (the staff desk's search box) the caller asks for a
 * strict judgement: only a burst that is unmistakably a scanner's is a scan
 * (at most one gap in eight longer than scan_gap_ms, the whole burst within
 * scan_gap_ms a key, and real gaps: a burst whose keys mostly share one
 * timestamp was stamped when it was read, not as it was typed, and says
 * nothing).
 *
 * Time enters only as the timestamps given, so every case is unit-tested. */
#ifndef BK_WEDGE_H
#define BK_WEDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/token.h"

/* The Enter key, as a key value: outside Unicode, so no character is confused
 * with it. */
#define WEDGE_ENTER 0x110000u

/* Keys held at most. One byte over TOKEN_PAYLOAD_MAX is kept so that an
 * over-long scan still reaches token_verify over the cap (and reads as "too
 * long") rather than being silently cut to a length that looks fine. */
#define WEDGE_TEXT_MAX (TOKEN_PAYLOAD_MAX + 1)

struct wedge_config {
    int min_chars;   /* a shorter burst is typing (default 8) */
    int max_gap_ms;  /* a gap this long or longer ends any burst (default 50) */
    int scan_gap_ms; /* a scanner's usual gap is no longer than this (default 15) */
};

/* The defaults above. */
void wedge_config_default(struct wedge_config *cfg);

struct wedge;

/* A detector with cfg's settings (NULL for the defaults; values below 1 are
 * taken as the default). Free with wedge_free (NULL is fine). */
struct wedge *wedge_new(const struct wedge_config *cfg);
void wedge_free(struct wedge *w);

/* What the caller should act on after a key or a tick: either typing (keys,
 * in the order pressed, WEDGE_ENTER for Enter) or one scan, never both. */
struct wedge_out {
    bool is_scan;
    char scan[WEDGE_TEXT_MAX * 4 + 1]; /* UTF-8, NUL-terminated, no Enter */
    size_t scan_len;                   /* bytes; over TOKEN_PAYLOAD_MAX only for a code too long */
    uint32_t keys[WEDGE_TEXT_MAX + 1]; /* typing to pass on */
    size_t n_keys;
};

/* Asks for the strict judgement (true) while a text box takes typing, or
 * the usual one (false, the default). It applies from the next Enter on. */
void wedge_set_strict(struct wedge *w, bool strict);

/* Feeds one key: a Unicode code point or WEDGE_ENTER, pressed at at_ms (the
 * event's own timestamp, not the time it is handled: a stalled main loop
 * delivers a scanner's keys with equal timestamps, which still count as one
 * burst). Returns true when *out holds something to act on. Invalid code
 * points (surrogates, above U+10FFFF, control characters) are dropped. */
bool wedge_key(struct wedge *w, uint32_t key, int64_t at_ms, struct wedge_out *out);

/* Feeds text as a keyboard or an input method delivers it (UTF-8,
 * NUL-terminated; SDL's text input events) one character at a time, all
 * pressed at at_ms, and calls on_out(arg, out) with each answer wedge_key
 * gives. Bytes that are not UTF-8, a character cut off at the end of the
 * text among them, are fed as U+FFFD, one per piece utf8_decode skips:
 * something was typed there, and nothing past the NUL is read. */
void wedge_text(struct wedge *w, const char *text, int64_t at_ms,
                void (*on_out)(void *arg, const struct wedge_out *out), void *arg);

/* Releases held keys as typing once max_gap_ms has passed since the last
 * one: a burst that never ended with Enter. Call it every frame (or at least
 * every max_gap_ms) with the current time. Returns true when *out holds
 * typing. */
bool wedge_tick(struct wedge *w, int64_t now_ms, struct wedge_out *out);

/* True while keys are held back, waiting to see if they become a scan. */
bool wedge_holding(const struct wedge *w);

#endif
