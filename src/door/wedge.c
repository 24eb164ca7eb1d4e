/* wedge: scanner bursts told from typing by their timing; see wedge.h. */
#include "door/wedge.h"

#include <stdlib.h>
#include <string.h>

#include "util/utf8.h"
#include "util/xalloc.h"

struct wedge {
    struct wedge_config cfg;
    uint32_t held[WEDGE_TEXT_MAX]; /* keys that may yet become a scan */
    size_t n_held;
    size_t n_dropped; /* keys past the cap: still part of the burst */
    int64_t last_ms;  /* timestamp of the newest held key */
};

void wedge_config_default(struct wedge_config *cfg)
{
    cfg->min_chars = 8;
    cfg->max_gap_ms = 35;
}

struct wedge *wedge_new(const struct wedge_config *cfg)
{
    struct wedge *w = xcalloc(1, sizeof *w);
    wedge_config_default(&w->cfg);
    if (cfg && cfg->min_chars > 0)
        w->cfg.min_chars = cfg->min_chars;
    if (cfg && cfg->max_gap_ms > 0)
        w->cfg.max_gap_ms = cfg->max_gap_ms;
    return w;
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

static bool looks_like_scan(const struct wedge *w)
{
    return w->n_held + w->n_dropped >= (size_t)w->cfg.min_chars && !all_same(w);
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
        if (w->n_held && looks_like_scan(w)) {
            release_as_scan(w, out);
            return true;
        }
        release_as_typing(w, out);
        out->keys[out->n_keys++] = WEDGE_ENTER;
        return true;
    }

    if (w->n_held < WEDGE_TEXT_MAX)
        w->held[w->n_held++] = key;
    else
        w->n_dropped++;
    if (at_ms > w->last_ms || w->n_held == 1)
        w->last_ms = at_ms;
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
