/* roster: turns the registration system's CSV export into attendee records,
 * skipping and listing bad rows; see roster.h for the rules. */
#include "event/roster.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "event/csv.h"
#include "util/i18n.h"
#include "util/utf8.h"
#include "util/xalloc.h"

/* The columns, in the order of struct config_columns, each with where its
 * value goes in struct attendee. Status and events are parsed, not copied,
 * so they have no target. */
enum roster_col {
    COL_ID,
    COL_TITLE,
    COL_FIRST,
    COL_LAST,
    COL_BADGE,
    COL_ORG,
    COL_COUNTRY,
    COL_CATEGORY,
    COL_EVENTS,
    COL_STATUS,
    COL_EMAIL,
    COL_LANGUAGE,
    COL_COUNT
};

#define NO_TARGET SIZE_MAX

static const struct {
    size_t cfg_offset;
    size_t target;
    bool required; /* when configured, the header must have it */
} columns[COL_COUNT] = {
    [COL_ID] = {offsetof(struct config_columns, id), offsetof(struct attendee, id), true},
    [COL_TITLE] = {offsetof(struct config_columns, title), offsetof(struct attendee, title), false},
    [COL_FIRST] = {offsetof(struct config_columns, first_name),
                   offsetof(struct attendee, first_name), true},
    [COL_LAST] = {offsetof(struct config_columns, last_name), offsetof(struct attendee, last_name),
                  true},
    [COL_BADGE] = {offsetof(struct config_columns, badge_name),
                   offsetof(struct attendee, badge_name), false},
    [COL_ORG] = {offsetof(struct config_columns, organization),
                 offsetof(struct attendee, organization), false},
    [COL_COUNTRY] = {offsetof(struct config_columns, country), offsetof(struct attendee, country),
                     false},
    [COL_CATEGORY] = {offsetof(struct config_columns, category),
                      offsetof(struct attendee, category), false},
    [COL_EVENTS] = {offsetof(struct config_columns, events), NO_TARGET, false},
    [COL_STATUS] = {offsetof(struct config_columns, status), NO_TARGET, false},
    [COL_EMAIL] = {offsetof(struct config_columns, email), offsetof(struct attendee, email), false},
    [COL_LANGUAGE] = {offsetof(struct config_columns, language),
                      offsetof(struct attendee, language), false},
};

static const char *column_name(const struct config *cfg, enum roster_col c)
{
    return *(char *const *)((const char *)&cfg->columns + columns[c].cfg_offset);
}

static char **attendee_field(struct attendee *a, enum roster_col c)
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
    int index[COL_COUNT]; /* field index of each column, -1 when absent */
    struct id_set ids;
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
                            enum roster_col c)
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
 * order, into *out (newly allocated). On an unknown name returns false and
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
            const struct config_event *ev = config_event_by_name(cfg, n);
            if (!ev) {
                *bad = n;
                free(copy);
                return false;
            }
            free(n);
            wanted[ev - cfg->events] = true;
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

static const char *header_name(const struct roster_reader *rd, size_t field)
{
    return field < rd->n_header ? rd->header[field] : "";
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

    struct span id = field_of(rd, rec, COL_ID);
    for (size_t i = 0; i < rec->n_fields; i++) {
        if (!utf8_valid(rec->fields[i], rec->lengths[i])) {
            bool id_ok = rd->index[COL_ID] >= 0 && utf8_valid(id.s, id.len);
            add_problem(rd, line, id_ok ? id : (struct span){"", 0}, header_name(rd, i),
                        xstrdup(_("not valid UTF-8 text: save the export as UTF-8")));
            return;
        }
    }
    const char *id_col = column_name(cfg, COL_ID);
    if (id.len == 0) {
        add_problem(rd, line, id, id_col, xstrdup(_("the registration ID is missing")));
        return;
    }
    if (id.len > ATTENDEE_ID_MAX) {
        add_problem(rd, line, (struct span){"", 0}, id_col,
                    xasprintf(_("the registration ID is longer than %d bytes"), ATTENDEE_ID_MAX));
        return;
    }
    if (has_control_char(id)) {
        add_problem(rd, line, (struct span){"", 0}, id_col,
                    xstrdup(_("the registration ID contains control characters")));
        return;
    }
    if (field_of(rd, rec, COL_FIRST).len == 0 && field_of(rd, rec, COL_LAST).len == 0 &&
        field_of(rd, rec, COL_BADGE).len == 0) {
        add_problem(rd, line, id, "", xstrdup(_("the row has no name")));
        return;
    }

    char *events = NULL;
    if (rd->index[COL_EVENTS] >= 0) {
        char *bad = NULL;
        if (!parse_events(cfg, field_of(rd, rec, COL_EVENTS), &events, &bad)) {
            add_problem(rd, line, id, column_name(cfg, COL_EVENTS),
                        xasprintf(_("unknown event '%s'"), bad));
            free(bad);
            return;
        }
    }
    enum attendee_status status = ATTENDEE_CONFIRMED;
    if (!parse_status(cfg, field_of(rd, rec, COL_STATUS), &status)) {
        struct span s = field_of(rd, rec, COL_STATUS);
        add_problem(rd, line, id, column_name(cfg, COL_STATUS),
                    xasprintf(_("unknown status '%.*s'"), (int)s.len, s.s));
        free(events);
        return;
    }

    char *id_copy = xstrndup(id.s, id.len);
    struct id_slot *first = id_set_find(&rd->ids, id_copy, hash_id(id_copy));
    if (first->id) {
        add_problem(rd, line, id, id_col,
                    xasprintf(_("duplicate registration ID: already on line %ld"), first->line));
        free(id_copy);
        free(events);
        return;
    }

    struct roster *r = rd->r;
    if (r->n_people == rd->people_cap) {
        rd->people_cap = rd->people_cap ? rd->people_cap * 2 : 256;
        r->people = xrealloc(r->people, rd->people_cap * sizeof *r->people);
    }
    struct attendee *a = &r->people[r->n_people++];
    memset(a, 0, sizeof *a);
    for (int c = 0; c < COL_COUNT; c++) {
        if (columns[c].target == NO_TARGET || c == COL_ID)
            continue;
        struct span v = field_of(rd, rec, (enum roster_col)c);
        *attendee_field(a, (enum roster_col)c) = xstrndup(v.s, v.len);
    }
    a->id = id_copy;
    if (!a->category[0] && cfg->default_category) {
        free(a->category);
        a->category = xstrdup(cfg->default_category);
    }
    a->events = events ? events : all_events(cfg);
    a->status = status;
    id_set_add(&rd->ids, a->id, line);
}

/* Finds each configured column in the header; a missing required one
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
    for (int c = 0; c < COL_COUNT; c++) {
        rd->index[c] = -1;
        const char *name = column_name(cfg, (enum roster_col)c);
        if (!name)
            continue;
        for (size_t i = 0; i < hdr->n_fields; i++) {
            if (span_equal_nocase(trim(hdr->fields[i], hdr->lengths[i]), name)) {
                rd->index[c] = (int)i;
                break;
            }
        }
    }
    const char *id_col = column_name(cfg, COL_ID);
    if (rd->index[COL_ID] < 0)
        return bk_err_set(err, BK_ERR_PARSE, rd->path, hdr->line, id_col,
                          _("not an attendee export: no '%s' column"), id_col);
    for (int c = 0; c < COL_COUNT; c++) {
        const char *name = column_name(cfg, (enum roster_col)c);
        if (columns[c].required && name && rd->index[c] < 0)
            return bk_err_set(err, BK_ERR_PARSE, rd->path, hdr->line, name,
                              _("the export has no '%s' column"), name);
    }
    if (rd->index[COL_FIRST] < 0 && rd->index[COL_LAST] < 0 && rd->index[COL_BADGE] < 0)
        return bk_err_set(err, BK_ERR_PARSE, rd->path, hdr->line, NULL,
                          _("the export has no name column"));
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
    struct csv_reader *csv;
    enum bk_status st = csv_open(path, &csv, err);
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
    for (size_t i = 0; i < r->n_people; i++)
        attendee_clear(&r->people[i]);
    free(r->people);
    for (size_t i = 0; i < r->n_problems; i++) {
        free(r->problems[i].id);
        free(r->problems[i].field);
        free(r->problems[i].message);
    }
    free(r->problems);
    free(r);
}
