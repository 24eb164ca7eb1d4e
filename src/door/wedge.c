/* wedge: scanner bursts told from typing by their timing; see wedge.h. */
#include "door/wedge.h"

#include <stdlib.h>
#include <string.h>

#include "util/utf8.h"
#include "util/xalloc.h"

struct wedge {
    struct wedge_config cfg;
    bool strict;                   /* a text box takes typing: see wedge.h */
    uint32_t held[WEDGE_TEXT_MAX]; /* keys that may yet become a scan */
    int64_t held_ms[WEDGE_TEXT_MAX]; /* when each was pressed, never decreasing */
    int64_t gaps[WEDGE_TEXT_MAX];    /* scratch for burst_is_scan */
    size_t n_held;
    size_t n_dropped; /* keys past the cap: still part of the burst */
    int64_t last_ms;  /* timestamp of the newest held key */
};

void wedge_config_default(struct wedge_config *cfg)
{
    cfg->min_chars = 8;
    /* A loaded kiosk sees a scanner's keys up to ~30 ms apart now and then,
     * even by the X server's clock; 50 ms holds the burst together through
     * that and delays typing by no more than a person notices. */
    cfg->max_gap_ms = 50;
    cfg->scan_gap_ms = 15;
}

struct wedge *wedge_new(const struct wedge_config *cfg)
{
    struct wedge *w = xcalloc(1, sizeof *w);
    wedge_config_default(&w->cfg);
    if (cfg && cfg->min_chars > 0)
        w->cfg.min_chars = cfg->min_chars;
    if (cfg && cfg->max_gap_ms > 0)
        w->cfg.max_gap_ms = cfg->max_gap_ms;
    if (cfg && cfg->scan_gap_ms > 0)
        w->cfg.scan_gap_ms = cfg->scan_gap_ms;
    return w;
}

void wedge_set_strict(struct wedge *w, bool strict)
{
    w->strict = strict;
}

void wedge_free(struct wedge *w)
{
    free(w);
}

bool wedge_holding(const struct wedge *w)
{
    return w->n_held > 0;
}

static void out_clear(struct wedge_out *out)
{
    out->is_scan = false;
    out->scan[0] = '\0';
    out->scan_len = 0;
    out->n_keys = 0;
}

/* Hands every held key to out as typing. Keys past the cap are lost: a
 * burst that long with no Enter is no one's typing. */
static void release_as_typing(struct wedge *w, struct wedge_out *out)
{
    for (size_t i = 0; i < w->n_held && out->n_keys < sizeof out->keys / sizeof out->keys[0]; i++)
        out->keys[out->n_keys++] = w->held[i];
    w->n_held = 0;
    w->n_dropped = 0;
}

/* A held-down key repeats at 25-40 ms, as fast as a slow scanner: a burst of
 * one character is that, not a code. */
static bool all_same(const struct wedge *w)
{
    for (size_t i = 1; i < w->n_held; i++)
        if (w->held[i] != w->held[0])
            return false;
    return true;
}

static int compare_gaps(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The judgement of a whole burst that ended with Enter at enter_ms (see
 * wedge.h for the rules and why). One gap or one threshold is not enough:
 * a person's rolled keys are as fast as a scanner's, and a loaded machine
 * stretches a scanner's now and then, but a person never keeps a few
 * milliseconds a key up for a whole code, nor a scanner a person's pace.
 * Keys past the cap count toward the length only: the times of the first
 * WEDGE_TEXT_MAX say all there is. */
static bool burst_is_scan(struct wedge *w, int64_t enter_ms)
{
    if (w->n_held + w->n_dropped < (size_t)w->cfg.min_chars || w->n_held < 1 || all_same(w))
        return false;
    int64_t scan_gap = w->cfg.scan_gap_ms, enter_gap = enter_ms - w->last_ms;
    if (enter_gap < 0)
        enter_gap = 0;
    if (enter_gap > 2 * scan_gap)
        return false; /* a scanner's Enter follows at its pace; a person's after a look */

    size_t n = 0;
    for (size_t i = 1; i < w->n_held; i++)
        w->gaps[n++] = w->held_ms[i] - w->held_ms[i - 1];
    w->gaps[n++] = enter_gap;
    int64_t total = w->held_ms[w->n_held - 1] - w->held_ms[0] + enter_gap;
    if (total > (int64_t)n * scan_gap + w->cfg.max_gap_ms)
        return false;
    size_t longer = 0, zero = 0;
    for (size_t i = 0; i < n; i++) {
        longer += w->gaps[i] > scan_gap;
        zero += w->gaps[i] == 0;
    }
    qsort(w->gaps, n, sizeof w->gaps[0], compare_gaps);
    int64_t median = w->gaps[n / 2];
    if (median > scan_gap)
        return false;
    if (!w->strict)
        return longer * 4 <= n;
    return longer * 8 <= n && total <= (int64_t)n * scan_gap && zero * 2 < n;
}

static void release_as_scan(struct wedge *w, struct wedge_out *out)
{
    out->is_scan = true;
    size_t len = 0;
    for (size_t i = 0; i < w->n_held; i++)
        len += utf8_encode(w->held[i], out->scan + len); /* held keys are scalar values */
    out->scan[len] = '\0';
    out->scan_len = len;
    w->n_held = 0;
    w->n_dropped = 0;
}

static bool valid_key(uint32_t key)
{
    if (key == WEDGE_ENTER)
        return true;
    if (key < 0x20 || key == 0x7f || (key >= 0x80 && key < 0xa0))
        return false;
    return key <= 0x10ffff && !(key >= 0xd800 && key <= 0xdfff);
}

bool wedge_key(struct wedge *w, uint32_t key, int64_t at_ms, struct wedge_out *out)
{
    out_clear(out);
    if (!valid_key(key))
        return false;
    /* A timestamp earlier than the last one (events reordered by a busy
     * queue) is taken as no gap at all. */
    if (w->n_held && at_ms - w->last_ms >= w->cfg.max_gap_ms)
        release_as_typing(w, out);

    if (key == WEDGE_ENTER) {
        if (w->n_held && burst_is_scan(w, at_ms)) {
            release_as_scan(w, out);
            return true;
        }
        release_as_typing(w, out);
        out->keys[out->n_keys++] = WEDGE_ENTER;
        return true;
    }

    if (at_ms > w->last_ms || (w->n_held == 0 && w->n_dropped == 0))
        w->last_ms = at_ms;
    if (w->n_held < WEDGE_TEXT_MAX) {
        w->held_ms[w->n_held] = w->last_ms;
        w->held[w->n_held++] = key;
    } else {
        w->n_dropped++;
    }
    return out->n_keys > 0;
}

void wedge_text(struct wedge *w, const char *text, int64_t at_ms,
                void (*on_out)(void *arg, const struct wedge_out *out), void *arg)
{
    struct wedge_out out;
    size_t len = strlen(text);
    for (size_t i = 0; i < len;) {
        uint32_t key;
        i += utf8_decode(text + i, len - i, &key);
        if (wedge_key(w, key == UTF8_INVALID ? UTF8_REPLACEMENT : key, at_ms, &out))
            on_out(arg, &out);
    }
}

bool wedge_tick(struct wedge *w, int64_t now_ms, struct wedge_out *out)
{
    out_clear(out);
    if (!w->n_held || now_ms - w->last_ms < w->cfg.max_gap_ms)
        return false;
    release_as_typing(w, out);
    return true;
}
