/* checkin: the door's decision, made once for the kiosk, the desk and the
 * command line; see checkin.h. */
#include "core/checkin.h"

#include <stdio.h>
#include <string.h>

#include "util/i18n.h"

static const char *const outcome_codes[] = {
    [CHECKIN_CHECKED_IN] = "checked_in",
    [CHECKIN_ALREADY_CHECKED_IN] = "already_checked_in",
    [CHECKIN_NOT_REGISTERED_TODAY] = "not_registered_today",
    [CHECKIN_WITHDRAWN] = "withdrawn",
    [CHECKIN_UNKNOWN] = "unknown",
    [CHECKIN_INVALID] = "invalid",
    [CHECKIN_NO_EVENT_TODAY] = "no_event_today",
};

static const char *const method_codes[] = {
    [CHECKIN_CAMERA] = "camera",
    [CHECKIN_SCANNER] = "scanner",
    [CHECKIN_MANUAL] = "manual",
    [CHECKIN_CLI] = "cli",
};

const char *checkin_outcome_code(enum checkin_outcome o)
{
    return (unsigned)o < sizeof outcome_codes / sizeof outcome_codes[0] ? outcome_codes[o] : "?";
}

const char *checkin_method_code(enum checkin_method m)
{
    return (unsigned)m < sizeof method_codes / sizeof method_codes[0] ? method_codes[m] : "?";
}

void checkin_result_clear(struct checkin_result *res)
{
    if (res && res->has_attendee)
        attendee_clear(&res->attendee);
    if (res)
        res->has_attendee = false;
}

/* Staff type an ID by hand: it must look like one, but carries no signature. */
static enum token_reason manual_id(const char *payload, size_t len, char *id, size_t idsize)
{
    while (len && (payload[len - 1] == ' ' || payload[len - 1] == '\n' ||
                   payload[len - 1] == '\r'))
        len--;
    if (len == 0)
        return TOKEN_EMPTY;
    if (len >= idsize)
        return TOKEN_TOO_LONG;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)payload[i] < 0x20 || payload[i] == 0x7f)
            return TOKEN_BINARY;
    memcpy(id, payload, len);
    id[len] = '\0';
    return TOKEN_OK;
}

struct serial_search {
    const char *serial;
    bool seen;      /* the serial is one of the person's badges */
    bool cancelled; /* ... retired before it was printed */
    char newest[TOKEN_SERIAL_LEN + 1];
};

static int note_badge(void *ctx, const struct store_badge *b)
{
    struct serial_search *x = ctx;
    bool mine = strcmp(b->serial, x->serial) == 0;
    if (mine) {
        x->seen = true;
        x->cancelled = b->status == STORE_BADGE_CANCELLED;
    }
    if (b->status != STORE_BADGE_CANCELLED)
        snprintf(x->newest, sizeof x->newest, "%s", b->serial);
    return 0;
}

/* Why a badge's serial does not let its holder in, or TOKEN_OK: it must be
 * one of the person's badges (a made-up serial in front of a real code is
 * not), and their newest (an older one was replaced, even one cancelled
 * before it printed: its job may still have come out). */
static enum bk_status check_serial(struct store *s, const char *id, const char *serial,
                                   enum token_reason *reason, struct bk_err *err)
{
    struct serial_search x = {.serial = serial};
    enum bk_status st = store_foreach_badge(s, id, note_badge, &x, err);
    *reason = TOKEN_OK;
    if (st != BK_OK)
        return st;
    if (!x.seen)
        *reason = TOKEN_UNKNOWN_SERIAL;
    else if (x.cancelled || strcmp(x.newest, serial) != 0)
        *reason = TOKEN_REPLACED;
    return BK_OK;
}

static enum bk_status record(const struct checkin_context *ctx, struct checkin_result *res,
                             struct store_scan *scan, struct bk_err *err)
{
    scan->outcome = checkin_outcome_code(res->outcome);
    enum bk_status st = store_record_scan(ctx->store, scan, err);
    res->offline = store_last_offline(ctx->store);
    return st;
}

/* The part of the day's events (today, n_today of them) a is registered
 * for and their ticket valid on day, or NULL: the one rule for the door, the
 * desk's search and its exceptions. */
static const struct config_event *registered_part(const struct attendee *a, bk_day day,
                                                  const struct config_event *const *today,
                                                  size_t n_today)
{
    const struct config_event *part = NULL;
    for (size_t i = 0; i < n_today && !part; i++)
        if (attendee_has_event(a, today[i]->code))
            part = today[i];
    /* A ticket the export limits to some days (pretix's Valid from/until)
     * is for those days only, whatever its parts. */
    bk_day first = day, last = day;
    if (part && !attendee_valid_days(a, &first, &last))
        part = NULL;
    return part;
}

void checkin_standing(const struct config *cfg, const struct attendee *a, bk_day day,
                      bool checked_in, struct checkin_standing *out)
{
    memset(out, 0, sizeof *out);
    out->checked_in = checked_in;
    const struct config_event *today[CONFIG_MAX_EVENTS];
    size_t n_today = config_events_on_day(cfg, day, today);
    for (size_t i = 0; i < n_today; i++)
        if (attendee_has_event(a, today[i]->code))
            out->parts[out->n_parts++] = today[i];
    if (checked_in)
        out->would_be = CHECKIN_ALREADY_CHECKED_IN;
    else if (n_today == 0)
        out->would_be = CHECKIN_NO_EVENT_TODAY;
    else if (a->status == ATTENDEE_WITHDRAWN)
        out->would_be = CHECKIN_WITHDRAWN;
    else if (!registered_part(a, day, today, n_today))
        out->would_be = CHECKIN_NOT_REGISTERED_TODAY;
    else
        out->would_be = CHECKIN_CHECKED_IN;
    out->override_allowed = out->would_be == CHECKIN_NOT_REGISTERED_TODAY;
}

static enum bk_status process(const struct checkin_context *ctx, const char *payload, size_t len,
                              enum checkin_method method, bool override, int64_t now_ms,
                              struct checkin_result *res, struct bk_err *err);

enum bk_status checkin_process(const struct checkin_context *ctx, const char *payload, size_t len,
                               enum checkin_method method, int64_t now_ms,
                               struct checkin_result *res, struct bk_err *err)
{
    return process(ctx, payload, len, method, false, now_ms, res, err);
}

enum bk_status checkin_override(const struct checkin_context *ctx, const char *attendee_id,
                                int64_t now_ms, struct checkin_result *res, struct bk_err *err)
{
    const char *id = attendee_id ? attendee_id : "";
    return process(ctx, id, strlen(id), CHECKIN_MANUAL, true, now_ms, res, err);
}

static enum bk_status process(const struct checkin_context *ctx, const char *payload, size_t len,
                              enum checkin_method method, bool override, int64_t now_ms,
                              struct checkin_result *res, struct bk_err *err)
{
    const struct config *cfg = ctx->cfg;
    memset(res, 0, sizeof *res);
    res->day = tz_local_day(cfg->tz, now_ms, NULL);
    struct store_scan scan = {
        .at_ms = now_ms,
        .kiosk = ctx->kiosk_id ? ctx->kiosk_id : cfg->kiosk_id,
        .method = checkin_method_code(method),
        .day = res->day,
        .has_day = true,
    };

    enum bk_status st;
    const char *code = NULL;
    size_t code_len = 0;
    if (method == CHECKIN_MANUAL)
        res->reason = manual_id(payload, len, res->attendee_id, sizeof res->attendee_id);
    else if (cfg->qr_mode == CONFIG_QR_EXPORT)
        res->reason = token_read_code(payload, len, &code, &code_len, res->badge_serial);
    else
        res->reason = token_verify_badge(cfg, ctx->keys, payload, len, res->attendee_id,
                                         sizeof res->attendee_id, res->badge_serial);
    if (res->reason != TOKEN_OK) {
        res->attendee_id[0] = '\0';
        res->outcome = CHECKIN_INVALID;
        scan.detail = token_reason_code(res->reason);
        return record(ctx, res, &scan, err);
    }
    if (code) {
        /* The registration system's code names a ticket only through the
         * export (store_find_code: by its hash). A code that is no ticket's
         * is recorded without it: codes are secrets and the log keeps no
         * secret. */
        st = store_find_code(ctx->store, code, code_len, res->attendee_id,
                             sizeof res->attendee_id, err);
        if (st == BK_ERR_NOT_FOUND) {
            bk_err_clear(err);
            scan.detail = "no_such_code";
            res->outcome = CHECKIN_UNKNOWN;
            return record(ctx, res, &scan, err);
        }
        if (st != BK_OK)
            return st;
    }

    st = store_get_attendee(ctx->store, res->attendee_id, &res->attendee, err);
    if (st == BK_ERR_NOT_FOUND) {
        bk_err_clear(err);
        /* A well-formed code for a person not in the export: the ID goes in
         * the detail so the desk can look it up with the registration team. */
        char detail[ATTENDEE_ID_MAX + 16];
        snprintf(detail, sizeof detail, "id:%s", res->attendee_id);
        scan.detail = detail;
        res->outcome = CHECKIN_UNKNOWN;
        return record(ctx, res, &scan, err);
    }
    if (st != BK_OK)
        return st;
    res->has_attendee = true;
    scan.attendee = res->attendee.id;

    if (res->badge_serial[0]) {
        st = check_serial(ctx->store, res->attendee.id, res->badge_serial, &res->reason, err);
        if (st != BK_OK)
            return st;
        if (res->reason != TOKEN_OK) {
            res->outcome = CHECKIN_INVALID;
            scan.detail = token_reason_code(res->reason);
            return record(ctx, res, &scan, err);
        }
    }

    const struct config_event *today[CONFIG_MAX_EVENTS];
    size_t n_today = config_events_on_day(cfg, res->day, today);
    if (n_today == 0) {
        res->outcome = CHECKIN_NO_EVENT_TODAY;
        return record(ctx, res, &scan, err);
    }
    if (res->attendee.status == ATTENDEE_WITHDRAWN) {
        res->outcome = CHECKIN_WITHDRAWN;
        return record(ctx, res, &scan, err);
    }
    res->event = registered_part(&res->attendee, res->day, today, n_today);
    if (!res->event && override) {
        /* The desk decides the exception: admitted to the day's first part,
         * and the log says it was an exception. */
        res->event = today[0];
        res->overridden = true;
        scan.detail = CHECKIN_OVERRIDE_DETAIL;
    }
    if (!res->event) {
        res->outcome = CHECKIN_NOT_REGISTERED_TODAY;
        return record(ctx, res, &scan, err);
    }

    /* The badge the check-in owes goes into the store with it; a serial
     * drawn twice (one in 2^30) is drawn again. */
    bool already = false;
    scan.outcome = checkin_outcome_code(CHECKIN_CHECKED_IN);
    struct store_owed_badge owed = {.serial = res->owed_serial};
    for (int tries = 0;; tries++) {
        token_new_serial(res->owed_serial);
        st = store_record_checkin(ctx->store, &scan, &owed, &already, &res->first_at_ms, err);
        if (st != BK_ERR_EXISTS || tries == 3)
            break;
        bk_err_clear(err);
    }
    if (st != BK_OK)
        return st;
    res->offline = store_last_offline(ctx->store);
    res->owed_badge = owed.id;
    if (!owed.id)
        res->owed_serial[0] = '\0';
    /* A badge owed was written because the person had none printed,
     * pending or submitted (every engine's rule): nothing to ask. Not
     * asking saves the shared store a round trip at every first check-in. */
    bool printed = false;
    if (!owed.id)
        st = store_badge_printed(ctx->store, res->attendee.id, &printed, err);
    if (st != BK_OK)
        return st;
    res->badge_needed = !printed;
    res->outcome = already ? CHECKIN_ALREADY_CHECKED_IN : CHECKIN_CHECKED_IN;
    if (!already)
        res->first_at_ms = now_ms;
    return BK_OK;
}
