/* roster: turns the registration system's CSV export into attendee records,
 * skipping and listing bad rows; see roster.h for the rules. */
#include "event/roster.h"

#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "event/csv.h"
#include "util/i18n.h"
#include "util/strmap.h"
#include "util/utf8.h"
#include "util/xalloc.h"

/* The columns (enum config_column, the order of struct config_columns),
 * each with where its value goes in struct attendee. Status, events, the
 * whole name, the code and the ticket number are parsed, not copied, so
 * they have no target. */
#define NO_TARGET SIZE_MAX

static const struct {
    size_t target;
    bool required; /* when configured (and not a preset's optional one), the header must have it */
} columns[CONFIG_N_COLUMNS] = {
    [CONFIG_COL_ID] = {offsetof(struct attendee, id), true},
    [CONFIG_COL_TITLE] = {offsetof(struct attendee, title), false},
    [CONFIG_COL_FIRST] = {offsetof(struct attendee, first_name), true},
    [CONFIG_COL_LAST] = {offsetof(struct attendee, last_name), true},
    [CONFIG_COL_BADGE] = {offsetof(struct attendee, badge_name), false},
    [CONFIG_COL_ORG] = {offsetof(struct attendee, organization), false},
    [CONFIG_COL_COUNTRY] = {offsetof(struct attendee, country), false},
    [CONFIG_COL_CATEGORY] = {offsetof(struct attendee, category), false},
    [CONFIG_COL_EVENTS] = {NO_TARGET, false},
    [CONFIG_COL_STATUS] = {NO_TARGET, false},
    [CONFIG_COL_EMAIL] = {offsetof(struct attendee, email), false},
    [CONFIG_COL_LANGUAGE] = {offsetof(struct attendee, language), false},
    [CONFIG_COL_NAME] = {NO_TARGET, true},
    [CONFIG_COL_CODE] = {NO_TARGET, true},
    [CONFIG_COL_TICKET] = {NO_TARGET, true},
    [CONFIG_COL_VALID_FROM] = {NO_TARGET, false},
    [CONFIG_COL_VALID_UNTIL] = {NO_TARGET, false},
};

static const char *column_name(const struct config *cfg, enum config_column c)
{
    return config_column_header(cfg, c);
}

static char **attendee_field(struct attendee *a, enum config_column c)
{
    return (char **)((char *)a + columns[c].target);
}

/* A trimmed view into a CSV field. */
struct span {
    const char *s;
    size_t len;
};

static struct span trim(const char *s, size_t len)
{
    while (len && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    return (struct span){s, len};
}

static bool span_equal_nocase(struct span a, const char *b)
{
    struct span t = trim(b, strlen(b));
    return a.len == t.len && strncasecmp(a.s, t.s, a.len) == 0;
}

/* --- Duplicate detection: an open-addressing set of IDs with the line of
 * their first row. Keys point into the attendees' own id strings, which do
 * not move when the people array grows. */

struct id_slot {
    const char *id;
    uint64_t hash; /* kept so a probe rarely has to touch the string */
    long line;
};

struct id_set {
    struct id_slot *slots;
    size_t cap, used; /* cap is a power of two */
};

static uint64_t hash_id(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    /* FNV's multiply only carries low bits upwards, so IDs that differ in a
     * digit collide in the low bits the table uses; mix high into low. */
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ULL;
    h ^= h >> 32;
    return h;
}

/* The slot holding id, or the empty slot where it belongs. */
static struct id_slot *id_set_find(struct id_set *set, const char *id, uint64_t hash)
{
    size_t mask = set->cap - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
        struct id_slot *slot = &set->slots[i];
        if (!slot->id || (slot->hash == hash && strcmp(slot->id, id) == 0))
            return slot;
    }
}

static void id_set_add(struct id_set *set, const char *id, long line)
{
    /* Kept at most half full so probes stay short. */
    if ((set->used + 1) * 2 > set->cap) {
        struct id_set bigger = {xcalloc(set->cap * 2, sizeof *bigger.slots), set->cap * 2, 0};
        for (size_t i = 0; i < set->cap; i++)
            if (set->slots[i].id)
                *id_set_find(&bigger, set->slots[i].id, set->slots[i].hash) = set->slots[i];
        bigger.used = set->used;
        free(set->slots);
        *set = bigger;
    }
    uint64_t hash = hash_id(id);
    struct id_slot *slot = id_set_find(set, id, hash);
    slot->id = id;
    slot->hash = hash;
    slot->line = line;
    set->used++;
}

/* --- Reading. */

struct roster_reader {
    const struct config *cfg;
    const char *path;
    struct roster *r;
    size_t people_cap, problems_cap;
    int index[CONFIG_N_COLUMNS]; /* field index of each column, -1 when absent */
    struct id_set ids;            /* IDs, or with a code column the codes, seen so far */
    bool by_code;                 /* a code column: each row is a ticket (roster.h) */
    char *header[CSV_FIELDS_MAX]; /* header names, for problems naming a column */
    size_t n_header;
};

static void add_problem(struct roster_reader *rd, long line, struct span id, const char *field,
                        char *message)
{
    struct roster *r = rd->r;
    if (r->n_problems == rd->problems_cap) {
        rd->problems_cap = rd->problems_cap ? rd->problems_cap * 2 : 16;
        r->problems = xrealloc(r->problems, rd->problems_cap * sizeof *r->problems);
    }
    r->problems[r->n_problems++] = (struct roster_problem){
        .line = line,
        .id = xstrndup(id.s, id.len),
        .field = xstrdup(field ? field : ""),
        .message = message,
    };
}

static struct span field_of(const struct roster_reader *rd, const struct csv_record *rec,
                            enum config_column c)
{
    int i = rd->index[c];
    if (i < 0 || (size_t)i >= rec->n_fields)
        return (struct span){"", 0};
    return trim(rec->fields[i], rec->lengths[i]);
}

static bool has_control_char(struct span s)
{
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.s[i];
        if (c < 0x20 || c == 0x7F)
            return true;
        /* C1 controls U+0080..U+009F, encoded C2 80..C2 9F */
        if (c == 0xC2 && i + 1 < s.len && (unsigned char)s.s[i + 1] <= 0x9F)
            return true;
    }
    return false;
}

/* Parses the Events cell into canonical codes joined with ";" in config
 * order, into *out (newly allocated). A name may be an alias of several
 * parts (a pass for the whole event). On an unknown name returns false and
 * *bad holds it (newly allocated). */
static bool parse_events(const struct config *cfg, struct span cell, char **out, char **bad)
{
    const char *sep =
        cfg->events_separator && cfg->events_separator[0] ? cfg->events_separator : ";";
    size_t sep_len = strlen(sep);
    bool wanted[CONFIG_MAX_EVENTS] = {false};
    char *copy = xstrndup(cell.s, cell.len);
    for (char *p = copy;;) {
        char *end = strstr(p, sep);
        if (end)
            *end = '\0';
        struct span name = trim(p, strlen(p));
        if (name.len) {
            char *n = xstrndup(name.s, name.len);
            const struct config_event *named[CONFIG_MAX_EVENTS];
            size_t k = config_events_named(cfg, n, named);
            if (k == 0) {
                *bad = n;
                free(copy);
                return false;
            }
            free(n);
            for (size_t i = 0; i < k; i++)
                wanted[named[i] - cfg->events] = true;
        }
        if (!end)
            break;
        p = end + sep_len;
    }
    free(copy);
    size_t len = 0;
    for (size_t i = 0; i < cfg->n_events; i++)
        if (wanted[i])
            len += strlen(cfg->events[i].code) + 1;
    char *codes = xmalloc(len + 1);
    codes[0] = '\0';
    size_t used = 0;
    for (size_t i = 0; i < cfg->n_events; i++) {
        if (!wanted[i])
            continue;
        size_t n = strlen(cfg->events[i].code);
        if (used)
            codes[used++] = ';';
        memcpy(codes + used, cfg->events[i].code, n);
        used += n;
    }
    codes[used] = '\0';
    *out = codes;
    return true;
}

/* All event codes, for exports without an Events column. */
static char *all_events(const struct config *cfg)
{
    size_t len = 1;
    for (size_t i = 0; i < cfg->n_events; i++)
        len += strlen(cfg->events[i].code) + 1;
    char *codes = xmalloc(len);
    codes[0] = '\0';
    for (size_t i = 0; i < cfg->n_events; i++) {
        if (i)
            strcat(codes, ";");
        strcat(codes, cfg->events[i].code);
    }
    return codes;
}

static bool parse_status(const struct config *cfg, struct span cell, enum attendee_status *status)
{
    if (cell.len == 0) {
        *status = ATTENDEE_CONFIRMED;
        return true;
    }
    for (size_t i = 0; i < cfg->n_confirmed; i++)
        if (span_equal_nocase(cell, cfg->confirmed[i])) {
            *status = ATTENDEE_CONFIRMED;
            return true;
        }
    for (size_t i = 0; i < cfg->n_withdrawn; i++)
        if (span_equal_nocase(cell, cfg->withdrawn[i])) {
            *status = ATTENDEE_WITHDRAWN;
            return true;
        }
    return false;
}

/* Reads up to max digits at *s as a number; false when there are none. */
static bool read_number(const char **s, const char *end, int max, int *out)
{
    int v = 0, n = 0;
    while (*s < end && n < max && **s >= '0' && **s <= '9') {
        v = v * 10 + (**s - '0');
        (*s)++;
        n++;
    }
    *out = v;
    return n > 0;
}

/* A validity date as exporters write it, with any time after it ignored
 * (the kiosk decides by day): 2023-07-04 (pretix in English, ISO),
 * 04.07.2023 (German and most of Europe: day first), or 07/04/2023 when
 * cfg->date_order says which number is the day. Into "YYYY-MM-DD". */
static bool parse_day(const struct config *cfg, struct span cell, char out[11])
{
    const char *s = cell.s, *end = cell.s + cell.len;
    int a, b, c, y, m, d;
    if (!read_number(&s, end, 4, &a) || s == end)
        return false;
    char sep = *s++;
    if (!read_number(&s, end, 2, &b) || s == end || *s++ != sep || !read_number(&s, end, 4, &c))
        return false;
    if (s < end && *s != ' ' && *s != 'T' && *s != ',')
        return false;
    if (sep == '-' && cell.s[4] == '-') {
        y = a, m = b, d = c;
    } else if (sep == '.' && c >= 1000) {
        d = a, m = b, y = c;
    } else if (sep == '/' && c >= 1000 && cfg->date_order == CONFIG_DATES_DMY) {
        d = a, m = b, y = c;
    } else if (sep == '/' && c >= 1000 && cfg->date_order == CONFIG_DATES_MDY) {
        m = a, d = b, y = c;
    } else {
        return false;
    }
    if (y > 9999 || m > 99 || d > 99)
        return false;
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
             (unsigned)d % 100u);
    bk_day check;
    return tz_day_parse(out, &check);
}

static const char *header_name(const struct roster_reader *rd, size_t field)
{
    return field < rd->n_header ? rd->header[field] : "";
}

/* Where a field that is not UTF-8 goes wrong, for the organiser who must
 * find it: the offset of its first bad byte in the file when known. */
static char *not_utf8_message(const struct csv_record *rec, size_t i)
{
    size_t at = 0;
    while (at < rec->lengths[i]) {
        uint32_t cp;
        size_t n = utf8_decode(rec->fields[i] + at, rec->lengths[i] - at, &cp);
        if (cp == UTF8_INVALID)
            break;
        at += n;
    }
    if (rec->offsets && rec->offsets[i] >= 0)
        return xasprintf(_("the byte at offset %lld of the file (0x%02X) is not valid UTF-8: set "
                           "[roster] encoding to the export's encoding (e.g. windows-1252), or "
                           "save it as UTF-8"),
                         rec->offsets[i] + (long long)at, (unsigned char)rec->fields[i][at]);
    return xstrdup(_("not valid UTF-8 text: save the export as UTF-8"));
}

/* A ticket's code must be text a scanner can type and the store can key:
 * refused codes are named by their row, never by their text. */
static char *bad_code_message(struct span code)
{
    if (code.len == 0)
        return xstrdup(_("the ticket has no code, so it could not be checked in"));
    if (code.len > ROSTER_CODE_MAX)
        return xasprintf(_("the ticket's code is longer than %d bytes"), ROSTER_CODE_MAX);
    if (has_control_char(code))
        return xstrdup(_("the ticket's code contains control characters"));
    return NULL;
}

static void ticket_wipe(struct roster_ticket *t)
{
    if (t->code) {
        sodium_memzero(t->code, strlen(t->code));
        free(t->code);
    }
    free(t->order);
    free(t->ticket);
    memset(t, 0, sizeof *t);
}

/* Checks one data row and adds it to the roster or to the problems. */
static void read_row(struct roster_reader *rd, const struct csv_record *rec)
{
    const struct config *cfg = rd->cfg;
    long line = rec->line;

    bool blank = true;
    for (size_t i = 0; i < rec->n_fields && blank; i++)
        blank = trim(rec->fields[i], rec->lengths[i]).len == 0;
    if (blank)
        return; /* spreadsheets leave empty rows and ",,,," lines; nobody is in them */
    rd->r->n_rows++;

    struct span id = field_of(rd, rec, CONFIG_COL_ID);
    for (size_t i = 0; i < rec->n_fields; i++) {
        if (!utf8_valid(rec->fields[i], rec->lengths[i])) {
            bool id_ok = rd->index[CONFIG_COL_ID] >= 0 && utf8_valid(id.s, id.len);
            add_problem(rd, line, id_ok ? id : (struct span){"", 0}, header_name(rd, i),
                        not_utf8_message(rec, i));
            return;
        }
    }
    const char *id_col = column_name(cfg, CONFIG_COL_ID);
    if (id.len == 0) {
        add_problem(rd, line, id, id_col, xstrdup(_("the registration ID is missing")));
        return;
    }
    /* A ticket's ID is its order's ID and a suffix (assign_ticket_ids), so
     * room is kept for the longest suffix. */
    size_t id_max = rd->by_code ? ATTENDEE_ID_MAX - ROSTER_SUFFIX_MAX - 1 : ATTENDEE_ID_MAX;
    if (id.len > id_max) {
        add_problem(rd, line, (struct span){"", 0}, id_col,
                    xasprintf(_("the registration ID is longer than %zu bytes"), id_max));
        return;
    }
    if (has_control_char(id)) {
        add_problem(rd, line, (struct span){"", 0}, id_col,
                    xstrdup(_("the registration ID contains control characters")));
        return;
    }
    struct span whole = field_of(rd, rec, CONFIG_COL_NAME);
    if (field_of(rd, rec, CONFIG_COL_FIRST).len == 0 && field_of(rd, rec, CONFIG_COL_LAST).len == 0 &&
        field_of(rd, rec, CONFIG_COL_BADGE).len == 0 && whole.len == 0) {
        add_problem(rd, line, id, "", xstrdup(_("the row has no name")));
        return;
    }
    struct span code = field_of(rd, rec, CONFIG_COL_CODE);
    struct span ticket = field_of(rd, rec, CONFIG_COL_TICKET);
    if (rd->by_code) {
        enum config_column at = CONFIG_COL_CODE;
        char *bad = bad_code_message(code);
        if (!bad && (ticket.len > ROSTER_TICKET_MAX || has_control_char(ticket))) {
            at = CONFIG_COL_TICKET;
            bad = ticket.len > ROSTER_TICKET_MAX
                      ? xasprintf(_("the ticket number is longer than %d bytes"), ROSTER_TICKET_MAX)
                      : xstrdup(_("the ticket number contains control characters"));
        }
        if (bad) {
            add_problem(rd, line, id, column_name(cfg, at), bad);
            return;
        }
    }

    char *events = NULL;
    if (rd->index[CONFIG_COL_EVENTS] >= 0) {
        char *bad = NULL;
        if (!parse_events(cfg, field_of(rd, rec, CONFIG_COL_EVENTS), &events, &bad)) {
            add_problem(rd, line, id, column_name(cfg, CONFIG_COL_EVENTS),
                        xasprintf(_("unknown event '%s': add it to the aliases of the part (or "
                                    "parts) it admits to"),
                                  bad));
            free(bad);
            return;
        }
    }
    enum attendee_status status = ATTENDEE_CONFIRMED;
    if (!parse_status(cfg, field_of(rd, rec, CONFIG_COL_STATUS), &status)) {
        struct span s = field_of(rd, rec, CONFIG_COL_STATUS);
        add_problem(rd, line, id, column_name(cfg, CONFIG_COL_STATUS),
                    xasprintf(_("unknown status '%.*s'"), (int)s.len, s.s));
        free(events);
        return;
    }
    char valid[2][11] = {"", ""};
    static const enum config_column valid_cols[2] = {CONFIG_COL_VALID_FROM,
                                                     CONFIG_COL_VALID_UNTIL};
    for (int k = 0; k < 2; k++) {
        struct span v = field_of(rd, rec, valid_cols[k]);
        if (v.len && !parse_day(cfg, v, valid[k])) {
            add_problem(rd, line, id, column_name(cfg, valid_cols[k]),
                        xasprintf(_("'%.*s' is not a date: write 2023-07-04 or 04.07.2023, or "
                                    "set [roster] date_order = dmy or mdy for dates with "
                                    "slashes"),
                                  (int)v.len, v.s));
            free(events);
            return;
        }
    }

    /* The same ID twice (or, for tickets, the same code twice): the first
     * row counts. A code is never written in a message: it is a secret. */
    char *key = rd->by_code ? xstrndup(code.s, code.len) : xstrndup(id.s, id.len);
    struct id_slot *first = id_set_find(&rd->ids, key, hash_id(key));
    if (first->id) {
        add_problem(rd, line, id, rd->by_code ? column_name(cfg, CONFIG_COL_CODE) : id_col,
                    rd->by_code ? xasprintf(_("the same code as the ticket on line %ld"),
                                            first->line)
                                : xasprintf(_("duplicate registration ID: already on line %ld"),
                                            first->line));
        if (rd->by_code)
            sodium_memzero(key, code.len);
        free(key);
        free(events);
        return;
    }

    struct roster *r = rd->r;
    if (r->n_people == rd->people_cap) {
        rd->people_cap = rd->people_cap ? rd->people_cap * 2 : 256;
        r->people = xrealloc(r->people, rd->people_cap * sizeof *r->people);
        if (rd->by_code)
            r->tickets = xrealloc(r->tickets, rd->people_cap * sizeof *r->tickets);
    }
    struct attendee *a = &r->people[r->n_people];
    memset(a, 0, sizeof *a);
    for (int c = 0; c < CONFIG_N_COLUMNS; c++) {
        if (columns[c].target == NO_TARGET || c == CONFIG_COL_ID)
            continue;
        struct span v = field_of(rd, rec, (enum config_column)c);
        *attendee_field(a, (enum config_column)c) = xstrndup(v.s, v.len);
    }
    /* The whole name stands in when the export has no name parts, or
     * leaves them empty. */
    if (!a->first_name[0] && !a->last_name[0] && whole.len) {
        free(a->first_name);
        a->first_name = xstrndup(whole.s, whole.len);
    }
    a->valid_from = xstrdup(valid[0]);
    a->valid_until = xstrdup(valid[1]);
    if (!a->category[0] && cfg->default_category) {
        free(a->category);
        a->category = xstrdup(cfg->default_category);
    }
    a->events = events ? events : all_events(cfg);
    a->status = status;
    if (rd->by_code) {
        a->id = xstrndup(id.s, id.len); /* the order, until assign_ticket_ids */
        r->tickets[r->n_people] = (struct roster_ticket){
            .code = key,
            .order = xstrndup(id.s, id.len),
            .ticket = xstrndup(ticket.s, ticket.len),
        };
    } else {
        a->id = key;
    }
    r->n_people++;
    id_set_add(&rd->ids, key, line);
}

/* chars (at most ROSTER_SUFFIX_MAX) characters of a hash of code: the
 * suffix of a ticket with no number of its own, in an alphabet without the
 * look-alikes I, O, 0 and 1 so staff can read it out and type it. Domain-
 * separated from the store's lookup hash, so an ID on a screen says nothing
 * about the index. */
static void code_suffix(const char *code, size_t chars, char *out)
{
    static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    static const char domain[] = "badgekiosk ticket id v1";
    unsigned char h[16]; /* 128 bits: 25 characters of 5 bits */
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, sizeof h);
    crypto_generichash_update(&st, (const unsigned char *)domain, sizeof domain - 1);
    crypto_generichash_update(&st, (const unsigned char *)code, strlen(code));
    crypto_generichash_final(&st, h, sizeof h);
    for (size_t i = 0; i < chars; i++) {
        size_t bit = 5 * i;
        unsigned v = (unsigned)h[bit / 8] << 8 | (bit / 8 + 1 < sizeof h ? h[bit / 8 + 1] : 0);
        out[i] = alphabet[(v >> (11 - bit % 8)) & 31];
    }
    out[chars] = '\0';
}

/* Gives each ticket its ID (roster.h): the order's ID when the order has
 * one ticket in this export, else the order's ID, "-" and the ticket's
 * number, or a short hash of its code when the export has no numbers. The
 * store keeps the ID a ticket had before (store_import), so a ticket whose
 * order grows or shrinks keeps its check-ins. */
static void assign_ticket_ids(struct roster *r)
{
    _Static_assert(ROSTER_TICKET_MAX + 1 + 8 <= ROSTER_SUFFIX_MAX, "suffix budget");
    _Static_assert(ROSTER_SUFFIX_MAX <= 25, "the hash has 25 characters");
    struct strmap *orders = strmap_new(), *taken = strmap_new();
    for (size_t i = 0; i < r->n_people; i++)
        (*strmap_slot(orders, r->tickets[i].order, NULL))++;
    for (size_t i = 0; i < r->n_people; i++) {
        struct roster_ticket *t = &r->tickets[i];
        bool numbered = t->ticket[0] != '\0';
        char *long_id = NULL;
        /* Two tickets of one order with the same number or the same hash
         * prefix (in practice never): more of the hash tells them apart. */
        for (size_t chars = 4; !long_id || strmap_find(taken, long_id); chars += 4) {
            char hash[ROSTER_SUFFIX_MAX + 1];
            free(long_id);
            if (numbered && chars == 4) {
                long_id = xasprintf("%s-%s", t->order, t->ticket);
            } else if (numbered) {
                code_suffix(t->code, chars - 4 <= 8 ? chars - 4 : 8, hash);
                long_id = xasprintf("%s-%s-%s", t->order, t->ticket, hash);
            } else {
                code_suffix(t->code, chars <= ROSTER_SUFFIX_MAX ? chars : ROSTER_SUFFIX_MAX,
                            hash);
                long_id = xasprintf("%s-%s", t->order, hash);
            }
            if (chars > ROSTER_SUFFIX_MAX)
                break; /* the same code twice was refused by read_row: cannot happen */
        }
        *strmap_slot(taken, long_id, NULL) = 1;
        t->long_id = long_id;
    }
    for (size_t i = 0; i < r->n_people; i++) {
        struct roster_ticket *t = &r->tickets[i];
        struct attendee *a = &r->people[i];
        bool alone = *strmap_find(orders, t->order) == 1 && !strmap_find(taken, t->order);
        free(a->id);
        a->id = xstrdup(alone ? t->order : t->long_id);
    }
    strmap_free(orders);
    strmap_free(taken);
}

/* The file's headers, for a message: "A, B, C", cut to fit. */
static void list_headers(const struct roster_reader *rd, char *out, size_t n)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < rd->n_header && used + 8 < n; i++) {
        int w = snprintf(out + used, n - used, "%s\"%s\"", i ? ", " : "", rd->header[i]);
        if (w < 0 || (size_t)w >= n - used) {
            snprintf(out + (used < n - 5 ? used : n - 5), 5, "...");
            return;
        }
        used += (size_t)w;
    }
}

/* A needed column the file lacks: its name, where it comes from (a
 * preset's hint), the headers the file does have and the [roster] line that
 * maps one of them. An export in another language is mapped this way. */
static enum bk_status missing_column(const struct roster_reader *rd, long line,
                                     enum config_column c, struct bk_err *err)
{
    const struct config *cfg = rd->cfg;
    const char *name = column_name(cfg, c);
    const struct preset_column *pc =
        cfg->preset ? preset_column(cfg->preset, config_column_key(c)) : NULL;
    char headers[512];
    list_headers(rd, headers, sizeof headers);
    char hint[256] = "";
    if (pc && pc->hint && strcmp(pc->header, name) == 0)
        snprintf(hint, sizeof hint, " (%s)", _(pc->hint));
    const char *what = c == CONFIG_COL_ID ? _("not an attendee export: no '%s' column%s. ")
                                          : _("the export has no '%s' column%s. ");
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    char first[512];
    snprintf(first, sizeof first, what, name, hint);
#pragma GCC diagnostic pop
    return bk_err_set(err, BK_ERR_PARSE, rd->path, line, name,
                      _("%sIts columns are %s; if one of them holds it (an export in another "
                        "language), name it in the configuration's [roster] section: %s = "
                        "COLUMN"),
                      first, headers[0] ? headers : _("none"), config_column_key(c));
}

/* Finds each configured column in the header; a missing needed one
 * rejects the file. */
static enum bk_status map_header(struct roster_reader *rd, const struct csv_record *hdr,
                                 struct bk_err *err)
{
    const struct config *cfg = rd->cfg;
    rd->n_header = hdr->n_fields;
    for (size_t i = 0; i < hdr->n_fields; i++) {
        struct span h = trim(hdr->fields[i], hdr->lengths[i]);
        rd->header[i] = xstrndup(h.s, h.len);
    }
    for (int c = 0; c < CONFIG_N_COLUMNS; c++) {
        rd->index[c] = -1;
        const char *name = column_name(cfg, (enum config_column)c);
        if (!name)
            continue;
        for (size_t i = 0; i < hdr->n_fields; i++) {
            if (span_equal_nocase(trim(hdr->fields[i], hdr->lengths[i]), name)) {
                rd->index[c] = (int)i;
                break;
            }
        }
    }
    if (rd->index[CONFIG_COL_ID] < 0)
        return missing_column(rd, hdr->line, CONFIG_COL_ID, err);
    for (int c = 0; c < CONFIG_N_COLUMNS; c++) {
        const char *name = column_name(cfg, (enum config_column)c);
        if (columns[c].required && !cfg->column_optional[c] && name && rd->index[c] < 0)
            return missing_column(rd, hdr->line, (enum config_column)c, err);
    }
    if (rd->index[CONFIG_COL_FIRST] < 0 && rd->index[CONFIG_COL_LAST] < 0 &&
        rd->index[CONFIG_COL_BADGE] < 0 && rd->index[CONFIG_COL_NAME] < 0)
        return bk_err_set(err, BK_ERR_PARSE, rd->path, hdr->line, NULL,
                          _("the export has no name column"));
    rd->by_code = rd->index[CONFIG_COL_CODE] >= 0;
    return BK_OK;
}

enum bk_status roster_read(const struct config *cfg, const char *path, struct roster **out,
                           struct bk_err *err)
{
    *out = NULL;
    const char *id_col = cfg->columns.id;
    if (!id_col)
        return bk_err_set(err, BK_ERR_CONFIG, cfg->path, 0, "id",
                          _("the configuration names no registration ID column"));
    if (sodium_init() < 0)
        return bk_err_set(err, BK_ERR_INVALID, cfg->path, 0, NULL,
                          _("the cryptography library could not start"));
    struct csv_reader *csv;
    struct csv_options opt = {cfg->encoding, cfg->delimiter};
    enum bk_status st = csv_open_with(path, &opt, &csv, err);
    if (st)
        return st;

    struct roster_reader rd = {.cfg = cfg, .path = path};
    rd.r = xcalloc(1, sizeof *rd.r);
    rd.ids.cap = 1024;
    rd.ids.slots = xcalloc(rd.ids.cap, sizeof *rd.ids.slots);

    const struct csv_record *rec;
    st = csv_next(csv, &rec, err);
    if (st == BK_OK && !rec)
        st = bk_err_set(err, BK_ERR_PARSE, path, 0, id_col,
                        _("not an attendee export: no '%s' column"), id_col);
    if (st == BK_OK)
        st = map_header(&rd, rec, err);
    while (st == BK_OK) {
        st = csv_next(csv, &rec, err);
        if (st || !rec)
            break;
        read_row(&rd, rec);
    }

    csv_close(csv);
    free(rd.ids.slots);
    for (size_t i = 0; i < rd.n_header; i++)
        free(rd.header[i]);
    if (st == BK_OK && rd.by_code) {
        if (!rd.r->tickets) /* no rows: the array still marks the roster as tickets */
            rd.r->tickets = xcalloc(1, sizeof *rd.r->tickets);
        assign_ticket_ids(rd.r);
    }
    if (st) {
        roster_free(rd.r);
        return st;
    }
    *out = rd.r;
    return BK_OK;
}

void roster_free(struct roster *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_people; i++) {
        attendee_clear(&r->people[i]);
        if (r->tickets) {
            free(r->tickets[i].long_id);
            ticket_wipe(&r->tickets[i]);
        }
    }
    free(r->people);
    free(r->tickets);
    for (size_t i = 0; i < r->n_problems; i++) {
        free(r->problems[i].id);
        free(r->problems[i].field);
        free(r->problems[i].message);
    }
    free(r->problems);
    free(r);
}
