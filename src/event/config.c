/* config: the event configuration; see config.h. */
#include "event/config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "event/csv.h"
#include "util/i18n.h"
#include "util/strmap.h"
#include "util/xalloc.h"

/* The parse in progress: libinih calls back per key; we count lines ourselves
 * in the reader so every message can name the line. */
struct parse {
    struct config *cfg;
    struct bk_err *err;
    FILE *f;
    long line;
    long section_line; /* where the current [section] header is */
    bool failed;
    struct config_event *part; /* the [part CODE] section being read */
    bool seen[64];             /* required keys seen, by index in required_keys */
    /* [roster] keys given in the file: they override the preset's. */
    bool column_given[CONFIG_N_COLUMNS];
    bool confirmed_given, withdrawn_given;
    bool indented;             /* the line being read starts with a space or tab */
    long handled_section_line; /* the section header the handler last saw */
    char last_name[128];       /* the last key handled in this section */
};

static char *reader(char *buf, int size, void *stream)
{
    struct parse *p = stream;
    char *r = fgets(buf, size, p->f);
    if (r) {
        size_t len = strlen(buf);
        if (len == (size_t)size - 1 && buf[len - 1] != '\n') {
            /* A line over the cap: consume the rest so the count stays right,
             * and fail on it rather than read it as two lines. */
            int c;
            while ((c = fgetc(p->f)) != EOF && c != '\n')
                ;
            p->line++;
            if (!p->failed) {
                bk_err_set(p->err, BK_ERR_CONFIG, p->cfg->path, p->line, NULL,
                           _("line longer than %d characters: shorten it"), size - 2);
                p->failed = true;
            }
            buf[0] = '\0';
            return r;
        }
        p->line++;
        const char *t = buf;
        while (*t == ' ' || *t == '\t')
            t++;
        if (*t == '[')
            p->section_line = p->line;
        p->indented = t > buf;
    }
    return r;
}

/* Records the first mistake, at the line being read, and returns 0 (what
 * libinih's handler returns to stop). */
static int fail(struct parse *p, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct parse *p, const char *key, const char *fmt, ...)
{
    if (!p->failed) {
        va_list ap;
        va_start(ap, fmt);
        bk_err_vset(p->err, BK_ERR_CONFIG, p->cfg->path, p->line, key, fmt, ap);
        va_end(ap);
        p->failed = true;
    }
    return 0;
}

/* Splits a comma-separated list into trimmed, non-empty items. */
static bool split_list(const char *value, char **items, size_t *n)
{
    for (size_t i = 0; i < *n; i++)
        free(items[i]);
    *n = 0;
    const char *s = value;
    while (*s) {
        const char *end = strchr(s, ',');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        const char *a = s, *b = s + len;
        while (a < b && isspace((unsigned char)*a))
            a++;
        while (b > a && isspace((unsigned char)b[-1]))
            b--;
        if (b > a) {
            if (*n == CONFIG_MAX_VALUES)
                return false;
            items[(*n)++] = xstrndup(a, (size_t)(b - a));
        }
        if (!end)
            break;
        s = end + 1;
    }
    return true;
}

static char *resolve_path(const char *dir, const char *value)
{
    if (value[0] == '/' || !value[0])
        return xstrdup(value);
    return xasprintf("%s/%s", dir, value);
}

static void set_str(char **field, const char *value)
{
    free(*field);
    *field = xstrdup(value);
}

static bool parse_int(const char *value, int lo, int hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (errno || end == value || *end || v < lo || v > hi)
        return false;
    *out = (int)v;
    return true;
}

/* Keys that must appear; their index is the bit in struct parse.seen. */
static const char *const required_keys[] = {"event.id", "event.title", "event.timezone",
                                             "roster.id"};
enum { N_REQUIRED = sizeof required_keys / sizeof required_keys[0] };

static void mark_seen(struct parse *p, const char *section, const char *name)
{
    char full[160];
    snprintf(full, sizeof full, "%s.%s", section, name);
    for (size_t i = 0; i < N_REQUIRED; i++)
        if (strcmp(full, required_keys[i]) == 0)
            p->seen[i] = true;
}

static int event_key(struct parse *p, const char *name, const char *value)
{
    struct config *c = p->cfg;
    if (strcmp(name, "id") == 0)
        set_str(&c->event_id, value);
    else if (strcmp(name, "title") == 0)
        set_str(&c->title, value);
    else if (strcmp(name, "venue") == 0)
        set_str(&c->venue, value);
    else if (strcmp(name, "timezone") == 0) {
        set_str(&c->timezone_name, value);
        tz_free(c->tz);
        struct bk_err tzerr;
        if (tz_open(value, &c->tz, &tzerr) != BK_OK)
            return fail(p, name, "%s", tzerr.msg);
    } else
        return fail(p, name, _("unknown key in [event] (known: id, title, venue, timezone)"));
    return 1;
}

static int part_key(struct parse *p, const char *name, const char *value)
{
    struct config_event *ev = p->part;
    if (strcmp(name, "name") == 0)
        set_str(&ev->name, value);
    else if (strcmp(name, "short_name") == 0)
        set_str(&ev->short_name, value);
    else if (strcmp(name, "first_day") == 0 || strcmp(name, "last_day") == 0) {
        bk_day d;
        if (!tz_day_parse(value, &d))
            return fail(p, name, _("'%s' is not a date: write it as YYYY-MM-DD, e.g. 2023-07-04"),
                        value);
        if (name[0] == 'f')
            ev->first_day = d;
        else
            ev->last_day = d;
    } else if (strcmp(name, "aliases") == 0) {
        if (!split_list(value, ev->aliases, &ev->n_aliases))
            return fail(p, name, _("too many aliases (at most %d)"), CONFIG_MAX_VALUES);
    } else
        return fail(p, name,
                    _("unknown key in a [part] section (known: name, short_name, first_day, "
                      "last_day, aliases)"));
    return 1;
}

/* The [roster] keys of the columns, in enum config_column's order. */
static const char *const column_keys[CONFIG_N_COLUMNS] = {
    [CONFIG_COL_ID] = "id",
    [CONFIG_COL_TITLE] = "title",
    [CONFIG_COL_FIRST] = "first_name",
    [CONFIG_COL_LAST] = "last_name",
    [CONFIG_COL_BADGE] = "badge_name",
    [CONFIG_COL_ORG] = "organization",
    [CONFIG_COL_COUNTRY] = "country",
    [CONFIG_COL_CATEGORY] = "category",
    [CONFIG_COL_EVENTS] = "events",
    [CONFIG_COL_STATUS] = "status",
    [CONFIG_COL_EMAIL] = "email",
    [CONFIG_COL_LANGUAGE] = "language",
    [CONFIG_COL_NAME] = "name",
    [CONFIG_COL_CODE] = "code",
    [CONFIG_COL_TICKET] = "ticket",
    [CONFIG_COL_VALID_FROM] = "valid_from",
    [CONFIG_COL_VALID_UNTIL] = "valid_until",
};

_Static_assert(sizeof(struct config_columns) == CONFIG_N_COLUMNS * sizeof(char *),
               "struct config_columns and enum config_column must list the same columns");

const char *config_column_key(enum config_column c)
{
    return (unsigned)c < CONFIG_N_COLUMNS ? column_keys[c] : "?";
}

static char **column_field(struct config_columns *col, enum config_column c)
{
    return (char **)col + c;
}

const char *config_column_header(const struct config *cfg, enum config_column c)
{
    return (unsigned)c < CONFIG_N_COLUMNS ? ((char *const *)&cfg->columns)[c] : NULL;
}

static int roster_key(struct parse *p, const char *name, const char *value)
{
    struct config *c = p->cfg;
    for (int i = 0; i < CONFIG_N_COLUMNS; i++) {
        if (strcmp(name, column_keys[i]) == 0) {
            char **field = column_field(&c->columns, (enum config_column)i);
            free(*field);
            /* An empty value means the export has no such column. */
            *field = value[0] ? xstrdup(value) : NULL;
            p->column_given[i] = true;
            return 1;
        }
    }
    if (strcmp(name, "preset") == 0) {
        if (!(c->preset = preset_by_name(value)))
            return fail(p, name, _("'%s' is not a preset: use one of %s"), value, preset_names());
    } else if (strcmp(name, "encoding") == 0) {
        if (!csv_encoding_known(value))
            return fail(p, name,
                        _("'%s' is not an encoding this system knows: use a name iconv -l lists, "
                          "e.g. windows-1252, ISO-8859-15 or UTF-16LE"),
                        value);
        set_str(&c->encoding, value);
    } else if (strcmp(name, "delimiter") == 0) {
        static const struct {
            const char *word;
            char delim;
        } delims[] = {{",", ','}, {";", ';'}, {"tab", '\t'}, {"auto", 0}};
        size_t i = 0;
        while (i < sizeof delims / sizeof delims[0] && strcasecmp(value, delims[i].word) != 0)
            i++;
        if (i == sizeof delims / sizeof delims[0])
            return fail(p, name,
                        _("'%s' is not a separator: use \",\", \";\" (in double quotes), tab or "
                          "auto"),
                        value);
        c->delimiter = delims[i].delim;
    } else if (strcmp(name, "date_order") == 0) {
        if (strcasecmp(value, "dmy") == 0)
            c->date_order = CONFIG_DATES_DMY;
        else if (strcasecmp(value, "mdy") == 0)
            c->date_order = CONFIG_DATES_MDY;
        else
            return fail(p, name,
                        _("'%s' is not a date order: use dmy (04/07/2023 is 4 July) or mdy "
                          "(07/04/2023 is 4 July)"),
                        value);
    } else if (strcmp(name, "events_separator") == 0) {
        if (!value[0])
            return fail(p, name, _("the separator cannot be empty"));
        set_str(&c->events_separator, value);
    } else if (strcmp(name, "confirmed") == 0) {
        p->confirmed_given = true;
        if (!split_list(value, c->confirmed, &c->n_confirmed))
            return fail(p, name, _("too many values (at most %d)"), CONFIG_MAX_VALUES);
    } else if (strcmp(name, "withdrawn") == 0) {
        p->withdrawn_given = true;
        if (!split_list(value, c->withdrawn, &c->n_withdrawn))
            return fail(p, name, _("too many values (at most %d)"), CONFIG_MAX_VALUES);
    } else if (strcmp(name, "default_category") == 0)
        set_str(&c->default_category, value);
    else
        return fail(p, name,
                    _("unknown key in [roster] (known: preset; the column names id, title, "
                      "first_name, last_name, name, badge_name, organization, country, category, "
                      "events, status, email, language, code, ticket, valid_from, valid_until; "
                      "and events_separator, confirmed, withdrawn, default_category, encoding, "
                      "delimiter, date_order)"));
    return 1;
}

static int qr_key(struct parse *p, const char *name, const char *value)
{
    struct config *c = p->cfg;
    if (strcmp(name, "mode") == 0) {
        if (strcmp(value, "signed") == 0)
            c->qr_mode = CONFIG_QR_SIGNED;
        else if (strcmp(value, "plain") == 0)
            c->qr_mode = CONFIG_QR_PLAIN;
        else if (strcmp(value, "export") == 0)
            c->qr_mode = CONFIG_QR_EXPORT;
        else
            return fail(p, name, _("'%s' is not a QR mode: use signed, plain or export"), value);
    } else if (strcmp(name, "keys") == 0) {
        free(c->keys_dir);
        c->keys_dir = resolve_path(c->dir, value);
    } else if (strcmp(name, "plain_prefix") == 0)
        set_str(&c->plain_prefix, value);
    else if (strcmp(name, "plain_url_param") == 0)
        set_str(&c->plain_url_param, value);
    else
        return fail(p, name,
                    _("unknown key in [qr] (known: mode, keys, plain_prefix, plain_url_param)"));
    return 1;
}

/* category.NAME = #RRGGBB, LABEL */
static int category_key(struct parse *p, const char *name, const char *value)
{
    struct config *c = p->cfg;
    const char *cat = name + 9;
    unsigned rgb;
    int used = 0;
    if (!cat[0] || sscanf(value, "#%6x%n", &rgb, &used) != 1 || used != 7)
        return fail(p, name,
                    _("'%s' is not a category look: write category.NAME = #RRGGBB, LABEL"), value);
    const char *label = value + used;
    while (*label == ' ' || *label == ',')
        label++;
    struct config_category *k = NULL;
    for (size_t i = 0; i < c->n_categories; i++)
        if (strcasecmp(c->categories[i].name, cat) == 0)
            k = &c->categories[i];
    if (!k) {
        if (c->n_categories == CONFIG_MAX_CATEGORIES)
            return fail(p, name, _("too many categories (at most %d)"), CONFIG_MAX_CATEGORIES);
        k = &c->categories[c->n_categories++];
        k->name = xstrdup(cat);
    }
    k->rgb = rgb;
    free(k->label);
    k->label = xstrdup(label[0] ? label : cat);
    return 1;
}

/* How a [printer], [badge], [kiosk] or [store] value is read. */
enum device_kind {
    DEVICE_TEXT,       /* kept as written */
    DEVICE_PATH,       /* relative to the file's folder; "" stays "" */
    DEVICE_INT,        /* a whole number from lo to hi */
    DEVICE_MM,         /* whole millimetres from lo to hi, kept as a double */
    DEVICE_BADGE_SIZE, /* a name config_badge_size_by_name knows */
    DEVICE_COLOR,      /* auto, color or monochrome (config_badge_color_parse) */
    DEVICE_BOOL,       /* yes or no (also true/false, on/off, 1/0) */
};

/* A value out of an int key's limits: the formats get the value, lo and hi. */
#define BAD_SECONDS N_("'%s' is not a number of seconds from %d to %d")
#define FIELD(f) offsetof(struct config, f)

/* yes/no and the usual other spellings, ASCII case-insensitive. */
static bool parse_bool(const char *value, bool *out)
{
    static const char *const spellings[][2] = {
        {"yes", "no"}, {"true", "false"}, {"on", "off"}, {"1", "0"}};
    for (size_t i = 0; i < sizeof spellings / sizeof spellings[0]; i++) {
        for (int no = 0; no < 2; no++) {
            if (strcasecmp(value, spellings[i][no]) == 0) {
                *out = !no;
                return true;
            }
        }
    }
    return false;
}

/* The device sections, one line a key: the field it sets, how it is read,
 * its limits and its default (read by the same code as a value in the file,
 * so a default outside its limits fails test_config). Categories
 * (category.NAME in [badge]) are the one pattern, read by category_key. */
static const struct device_key {
    const char *section, *name;
    enum device_kind kind;
    size_t field;
    int lo, hi;
    const char *fallback;
    const char *bad; /* DEVICE_INT, DEVICE_MM: the message for a value out of limits */
} device_keys[] = {
    {"printer", "printer", DEVICE_TEXT, FIELD(printer), 0, 0, "", NULL},
    {"printer", "media", DEVICE_TEXT, FIELD(printer_media), 0, 0, "", NULL},
    {"printer", "timeout_seconds", DEVICE_INT, FIELD(print_timeout), 1, 3600, "60", BAD_SECONDS},
    {"badge", "size", DEVICE_BADGE_SIZE, FIELD(badge_size), 0, 0, "4x3in", NULL},
    {"badge", "color", DEVICE_COLOR, FIELD(badge_color), 0, 0, "auto", NULL},
    {"badge", "dpi", DEVICE_INT, FIELD(badge_dpi), 72, 1200, "300",
     N_("'%s' is not a resolution: use a number from %d to %d")},
    {"badge", "margin_mm", DEVICE_MM, FIELD(badge_margin_mm), 0, 30, "4",
     N_("'%s' is not a margin: use whole millimetres from %d to %d")},
    {"badge", "logo", DEVICE_PATH, FIELD(badge_logo), 0, 0, "", NULL},
    {"kiosk", "id", DEVICE_TEXT, FIELD(kiosk_id), 0, 0, "kiosk-1", NULL},
    {"kiosk", "database", DEVICE_PATH, FIELD(database), 0, 0, "badgekiosk.db", NULL},
    {"kiosk", "staff_pin_hash", DEVICE_TEXT, FIELD(staff_pin_hash), 0, 0, "", NULL},
    {"kiosk", "staff_keys", DEVICE_TEXT, FIELD(staff_keys), 0, 0, "ctrl+alt+s", NULL},
    {"kiosk", "repeat_seconds", DEVICE_INT, FIELD(repeat_seconds), 0, 3600, "5", BAD_SECONDS},
    {"kiosk", "result_seconds", DEVICE_INT, FIELD(result_seconds), 2, 120, "8", BAD_SECONDS},
    {"kiosk", "countdown_seconds", DEVICE_INT, FIELD(countdown_seconds), 0, 60, "5", BAD_SECONDS},
    {"kiosk", "staff_idle_seconds", DEVICE_INT, FIELD(staff_idle_seconds), 10, 3600, "120",
     BAD_SECONDS},
    {"kiosk", "pin_idle_seconds", DEVICE_INT, FIELD(pin_idle_seconds), 5, 600, "30", BAD_SECONDS},
    {"kiosk", "pin_tries", DEVICE_INT, FIELD(pin_tries), 1, 10, "3",
     N_("'%s' is not a number of tries from %d to %d")},
    {"kiosk", "pin_lock_seconds", DEVICE_INT, FIELD(pin_lock_seconds), 10, 3600, "300",
     BAD_SECONDS},
    {"store", "url", DEVICE_TEXT, FIELD(store_url), 0, 0, "", NULL},
    {"store", "require_tls", DEVICE_BOOL, FIELD(store_require_tls), 0, 0, "no", NULL},
    {"store", "timeout_ms", DEVICE_INT, FIELD(store_timeout_ms), 50, 60000, "500",
     N_("'%s' is not a number of milliseconds from %d to %d")},
    {"kiosk", "heartbeat_seconds", DEVICE_INT, FIELD(heartbeat_seconds), 1, 300, "5",
     BAD_SECONDS},
    {"dashboard", "listen", DEVICE_TEXT, FIELD(dashboard_listen), 0, 0, "127.0.0.1:8470", NULL},
    {"dashboard", "password_hash", DEVICE_TEXT, FIELD(dashboard_password_hash), 0, 0, "", NULL},
    {"dashboard", "certificate", DEVICE_PATH, FIELD(dashboard_certificate), 0, 0, "", NULL},
    {"dashboard", "key", DEVICE_PATH, FIELD(dashboard_key), 0, 0, "", NULL},
    {"dashboard", "idle_seconds", DEVICE_INT, FIELD(dashboard_idle_seconds), 1, 3600, "10",
     BAD_SECONDS},
};

/* Sets the field of k from value; 0 (after fail) when value is wrong. */
static int device_set(struct parse *p, const struct device_key *k, const char *value)
{
    struct config *c = p->cfg;
    void *field = (char *)c + k->field;
    int n;
    switch (k->kind) {
    case DEVICE_TEXT:
        set_str(field, value);
        break;
    case DEVICE_PATH:
        free(*(char **)field);
        *(char **)field = resolve_path(c->dir, value);
        break;
    case DEVICE_INT:
    case DEVICE_MM:
        if (!parse_int(value, k->lo, k->hi, &n)) {
            /* The format is the table's, with the value and the limits. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
            return fail(p, k->name, _(k->bad), value, k->lo, k->hi);
#pragma GCC diagnostic pop
        }
        if (k->kind == DEVICE_MM)
            *(double *)field = n;
        else
            *(int *)field = n;
        break;
    case DEVICE_BADGE_SIZE:
        if (!(c->badge = config_badge_size_by_name(value)))
            return fail(p, k->name, _("'%s' is not a badge size: use 4x3in, a6 or cr80"), value);
        set_str(field, value);
        break;
    case DEVICE_COLOR:
        if (!config_badge_color_parse(value, field))
            return fail(p, k->name, _("'%s' is not a colour setting: use auto, color or monochrome"),
                        value);
        break;
    case DEVICE_BOOL:
        if (!parse_bool(value, field))
            return fail(p, k->name, _("'%s' is not yes or no"), value);
        break;
    }
    return 1;
}

/* The device keys' defaults, before the file is read. */
static void device_defaults(struct parse *p)
{
    for (size_t i = 0; i < sizeof device_keys / sizeof device_keys[0]; i++)
        device_set(p, &device_keys[i], device_keys[i].fallback);
}

static int device_key(struct parse *p, const char *section, const char *name, const char *value)
{
    if (strcmp(section, "badge") == 0 && strncmp(name, "category.", 9) == 0)
        return category_key(p, name, value);
    for (size_t i = 0; i < sizeof device_keys / sizeof device_keys[0]; i++)
        if (strcmp(section, device_keys[i].section) == 0 && strcmp(name, device_keys[i].name) == 0)
            return device_set(p, &device_keys[i], value);
    /* The keys known here, from the table, so the message never goes stale. */
    char known[512] = "";
    size_t used = 0;
    for (size_t i = 0; i < sizeof device_keys / sizeof device_keys[0]; i++)
        if (strcmp(section, device_keys[i].section) == 0 && used < sizeof known)
            used += (size_t)snprintf(known + used, sizeof known - used, "%s%s", used ? ", " : "",
                                     device_keys[i].name);
    if (strcmp(section, "badge") == 0 && used < sizeof known)
        snprintf(known + used, sizeof known - used, ", category.NAME");
    return fail(p, name, _("unknown key in [%s] (known: %s)"), section, known);
}

/* The name a section is known by: "part CODE" with the code trimmed as the
 * handler reads it, so "[part  FG-MV]" is the same part as "[part FG-MV]". */
static void section_name(const char *section, char *out, size_t n)
{
    if (strncmp(section, "part ", 5) == 0) {
        const char *code = section + 5;
        while (*code == ' ')
            code++;
        snprintf(out, n, "part %s", code);
    } else {
        snprintf(out, n, "%s", section);
    }
}

/* "SECTION\x1fKEY", the key of config.key_lines; KEY "" for the section's
 * header. Categories are matched ignoring case, so their keys are too. */
static char *line_key_new(const char *section, const char *key)
{
    char name[160];
    section_name(section, name, sizeof name);
    char *k = xasprintf("%s\x1f%s", name, key);
    if (strncmp(key, "category.", 9) == 0)
        for (char *c = k + strlen(name) + 1; *c; c++)
            *c = (char)tolower((unsigned char)*c);
    return k;
}

/* A section or a key given twice is refused: libinih would hand us both and
 * the last would win, so a stray second "id =" in [event] would silently
 * change the id every code is signed with. An indented line is refused
 * too: libinih reads it as more of the key above (a multi-line value),
 * never as the key it seems to be. Records each key's line for
 * config_key_line. Returns 0 (after fail) on a repeat. */
static int check_repeats(struct parse *p, const char *section, const char *name)
{
    struct config *c = p->cfg;
    if (p->section_line != p->handled_section_line) {
        /* The first key under a new [section] header. */
        p->handled_section_line = p->section_line;
        p->last_name[0] = '\0';
        char *k = line_key_new(section, "");
        bool created;
        uintptr_t *slot = strmap_slot(c->key_lines, k, &created);
        free(k);
        if (!created && (long)*slot != p->section_line) {
            long first = (long)*slot;
            p->line = p->section_line;
            return fail(p, NULL, _("section [%s] appears twice (first at line %ld): keep one"),
                        section, first);
        }
        *slot = (uintptr_t)p->section_line;
    }
    if (p->indented && p->last_name[0] && strcmp(name, p->last_name) == 0)
        return fail(p, name,
                    _("this line starts with a space or tab, so it would continue '%s' on the "
                      "line above: remove the indentation"),
                    name);
    char *k = line_key_new(section, name);
    bool created;
    uintptr_t *slot = strmap_slot(c->key_lines, k, &created);
    free(k);
    if (!created)
        return fail(p, name, _("set twice in [%s] (first at line %ld): keep one"), section,
                    (long)*slot);
    *slot = (uintptr_t)p->line;
    snprintf(p->last_name, sizeof p->last_name, "%s", name);
    return 1;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
    struct parse *p = user;
    if (p->failed)
        return 0;
    if (!name) /* a new section starts (INI_CALL_HANDLER_ON_NEW_SECTION) */
        return 1;
    /* libinih takes " ;" as the start of a comment, so a value holding a
     * semicolon is written in double quotes: events_separator = ";". */
    char unquoted[256];
    size_t vlen = strlen(value);
    if (vlen >= 2 && value[0] == '"' && value[vlen - 1] == '"' && vlen - 2 < sizeof unquoted) {
        memcpy(unquoted, value + 1, vlen - 2);
        unquoted[vlen - 2] = '\0';
        value = unquoted;
    }
    if (!check_repeats(p, section, name))
        return 0;
    mark_seen(p, section, name);
    if (strcmp(section, "event") == 0)
        return event_key(p, name, value);
    if (strncmp(section, "part ", 5) == 0) {
        const char *code = section + 5;
        while (*code == ' ')
            code++;
        if (!p->part || strcmp(p->part->code, code) != 0) {
            p->part = NULL;
            for (size_t i = 0; i < p->cfg->n_events; i++)
                if (strcmp(p->cfg->events[i].code, code) == 0)
                    p->part = &p->cfg->events[i];
            if (!p->part) {
                if (!code[0])
                    return fail(p, NULL, _("a [part] section needs a code, e.g. [part FG-MV]"));
                if (p->cfg->n_events == CONFIG_MAX_EVENTS)
                    return fail(p, NULL, _("too many [part] sections (at most %d)"),
                                CONFIG_MAX_EVENTS);
                p->part = &p->cfg->events[p->cfg->n_events++];
                p->part->code = xstrdup(code);
                p->part->first_day = p->part->last_day = INT32_MIN;
            }
        }
        return part_key(p, name, value);
    }
    if (strcmp(section, "roster") == 0)
        return roster_key(p, name, value);
    if (strcmp(section, "qr") == 0)
        return qr_key(p, name, value);
    if (strcmp(section, "printer") == 0 || strcmp(section, "badge") == 0 ||
        strcmp(section, "kiosk") == 0 || strcmp(section, "store") == 0 ||
        strcmp(section, "dashboard") == 0)
        return device_key(p, section, name, value);
    p->line = p->section_line;
    return fail(p, NULL,
                _("unknown section [%s] (known: event, part CODE, roster, qr, printer, badge, "
                  "kiosk, store, dashboard)"),
                section);
}

static char *dir_of(const char *path)
{
    char *abs = realpath(path, NULL);
    char *copy = xstrdup(abs ? abs : path);
    free(abs);
    char *slash = strrchr(copy, '/');
    if (!slash) {
        free(copy);
        return xstrdup(".");
    }
    if (slash == copy)
        slash[1] = '\0';
    else
        *slash = '\0';
    return copy;
}

/* Fills in the preset's columns and status values that the file did not
 * give itself. */
static void apply_preset(struct parse *p)
{
    struct config *c = p->cfg;
    const struct preset *pr = c->preset;
    if (!pr)
        return;
    for (int i = 0; i < CONFIG_N_COLUMNS; i++) {
        const struct preset_column *pc = preset_column(pr, column_keys[i]);
        if (!pc || p->column_given[i])
            continue;
        char **field = column_field(&c->columns, (enum config_column)i);
        free(*field);
        *field = xstrdup(pc->header);
        c->column_optional[i] = !pc->needed;
    }
    if (!p->confirmed_given && pr->confirmed)
        split_list(pr->confirmed, c->confirmed, &c->n_confirmed);
    if (!p->withdrawn_given && pr->withdrawn)
        split_list(pr->withdrawn, c->withdrawn, &c->n_withdrawn);
}

/* The logo is checked as the file is read, not when the first badge is
 * drawn: at the door it would be too late to fix. */
static enum bk_status check_logo(struct parse *p)
{
    struct config *c = p->cfg;
    if (!c->badge_logo[0])
        return BK_OK;
    long line = config_key_line(c, "badge", "logo");
    static const unsigned char png_magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    unsigned char head[8] = {0};
    struct stat st;
    FILE *f = NULL;
    int e = 0;
    if (stat(c->badge_logo, &st) != 0)
        e = errno;
    else if (S_ISDIR(st.st_mode))
        e = EISDIR;
    else if (!(f = fopen(c->badge_logo, "rb")))
        e = errno;
    if (e)
        return bk_err_set(p->err, BK_ERR_CONFIG, c->path, line, "logo",
                          _("the logo %s cannot be read (%s): give the path of a PNG file, or "
                            "leave logo empty for no logo"),
                          c->badge_logo, i18n_strerror(e));
    size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    if (n != sizeof head || memcmp(head, png_magic, sizeof head) != 0)
        return bk_err_set(p->err, BK_ERR_CONFIG, c->path, line, "logo",
                          _("the logo %s is not a PNG image: give a PNG file"), c->badge_logo);
    return BK_OK;
}

/* Checks what no single line can: required keys, days in order, defaults. */
static enum bk_status finish(struct parse *p)
{
    struct config *c = p->cfg;
    apply_preset(p);
    if (c->columns.id)
        mark_seen(p, "roster", "id"); /* given, or from the preset */
    for (size_t i = 0; i < N_REQUIRED; i++)
        if (!p->seen[i])
            return bk_err_set(p->err, BK_ERR_CONFIG, c->path, 0, required_keys[i],
                              _("missing: this key is required"));
    if (!c->n_events)
        return bk_err_set(p->err, BK_ERR_CONFIG, c->path, 0, NULL,
                          _("no [part CODE] section: the event needs at least one part with "
                            "its days"));
    for (size_t i = 0; i < c->n_events; i++) {
        struct config_event *ev = &c->events[i];
        char section[160];
        snprintf(section, sizeof section, "part %s", ev->code);
        if (ev->first_day == INT32_MIN || ev->last_day == INT32_MIN)
            return bk_err_set(p->err, BK_ERR_CONFIG, c->path, config_key_line(c, section, ""),
                              ev->code, _("the part needs both first_day and last_day"));
        if (ev->last_day < ev->first_day) {
            char first[11], last[11];
            tz_day_format(ev->first_day, first);
            tz_day_format(ev->last_day, last);
            return bk_err_set(p->err, BK_ERR_CONFIG, c->path,
                              config_key_line(c, section, "last_day"), "last_day",
                              _("%s is before first_day %s (line %ld) of [part %s]: swap them, "
                                "or fix the date"),
                              last, first, config_key_line(c, section, "first_day"), ev->code);
        }
        if (!ev->name)
            ev->name = xstrdup(ev->code);
        if (!ev->short_name)
            ev->short_name = xstrdup(ev->code);
    }
    if (!c->columns.first_name && !c->columns.last_name && !c->columns.badge_name &&
        !c->columns.name)
        return bk_err_set(p->err, BK_ERR_CONFIG, c->path, 0, "roster.first_name",
                          _("the export mapping needs at least one name column (first_name, "
                            "last_name, name or badge_name)"));
    if (c->qr_mode == CONFIG_QR_EXPORT && !c->columns.code) {
        if (c->preset && c->preset->no_code)
            return bk_err_set(p->err, BK_ERR_CONFIG, c->path, 0, "roster.code", "%s",
                              _(c->preset->no_code));
        return bk_err_set(p->err, BK_ERR_CONFIG, c->path, 0, "roster.code",
                          _("[qr] mode = export looks the scanned codes up in the export: set "
                            "[roster] code to the column that holds them (or a preset: %s)"),
                          preset_names());
    }
    if (!c->n_confirmed)
        c->confirmed[c->n_confirmed++] = xstrdup("Confirmed");
    if (c->qr_mode == CONFIG_QR_PLAIN && c->plain_prefix[0] && c->plain_url_param[0])
        return bk_err_set(p->err, BK_ERR_CONFIG, c->path, 0, "qr.plain_prefix",
                          _("set plain_prefix or plain_url_param, not both"));
    return check_logo(p);
}

enum bk_status config_load(const char *path, struct config **out, struct bk_err *err)
{
    *out = NULL;
    struct stat info;
    if (stat(path, &info) == 0 && S_ISDIR(info.st_mode))
        return bk_err_set(err, BK_ERR_CONFIG, path, 0, NULL,
                          _("is a folder, not a configuration file: give the .ini file with "
                            "--config"));
    FILE *f = fopen(path, "r");
    if (!f)
        return bk_err_set(err, BK_ERR_IO, path, 0, NULL,
                          _("cannot read the configuration: %s (give another with --config)"),
                          i18n_strerror(errno));
    struct config *c = xcalloc(1, sizeof *c);
    c->key_lines = strmap_new();
    c->overrides = strmap_new();
    c->path = xstrdup(path);
    c->dir = dir_of(path);
    c->events_separator = xstrdup(";");
    c->keys_dir = resolve_path(c->dir, "keys");
    c->plain_prefix = xstrdup("");
    c->plain_url_param = xstrdup("");
    c->default_category = xstrdup("Participant");
    c->encoding = xstrdup("");
    c->delimiter = 0; /* auto: the header line says, so a file re-saved with ';' reads too */

    struct parse p = {.cfg = c, .err = err, .f = f};
    device_defaults(&p);
    int rc = ini_parse_stream(reader, &p, handler, &p);
    int read_error = ferror(f);
    fclose(f);
    enum bk_status st = BK_OK;
    if (p.failed)
        st = err ? err->status : BK_ERR_CONFIG;
    else if (read_error)
        st = bk_err_set(err, BK_ERR_IO, path, 0, NULL, _("cannot read the configuration"));
    else if (rc > 0)
        st = bk_err_set(err, BK_ERR_CONFIG, path, rc, NULL,
                        _("not an INI line: write key = value, or [section]"));
    else if (rc < 0)
        st = bk_err_set(err, BK_ERR_IO, path, 0, NULL, _("cannot read the configuration"));
    else
        st = finish(&p);
    if (st != BK_OK) {
        config_free(c);
        return st;
    }
    *out = c;
    return BK_OK;
}

void config_free(struct config *c)
{
    if (!c)
        return;
    strmap_free(c->key_lines);
    strmap_free(c->overrides);
    free(c->path);
    free(c->dir);
    free(c->event_id);
    free(c->title);
    free(c->venue);
    free(c->timezone_name);
    tz_free(c->tz);
    for (size_t i = 0; i < c->n_events; i++) {
        struct config_event *ev = &c->events[i];
        free(ev->code);
        free(ev->name);
        free(ev->short_name);
        for (size_t j = 0; j < ev->n_aliases; j++)
            free(ev->aliases[j]);
    }
    char **cols = (char **)&c->columns;
    for (size_t i = 0; i < sizeof c->columns / sizeof(char *); i++)
        free(cols[i]);
    free(c->events_separator);
    for (size_t i = 0; i < c->n_confirmed; i++)
        free(c->confirmed[i]);
    for (size_t i = 0; i < c->n_withdrawn; i++)
        free(c->withdrawn[i]);
    free(c->default_category);
    free(c->encoding);
    free(c->keys_dir);
    free(c->plain_prefix);
    free(c->plain_url_param);
    free(c->printer);
    free(c->printer_media);
    free(c->badge_size);
    free(c->badge_logo);
    for (size_t i = 0; i < c->n_categories; i++) {
        free(c->categories[i].name);
        free(c->categories[i].label);
    }

    free(c->kiosk_id);
    free(c->database);
    free(c->staff_pin_hash);
    free(c->staff_keys);
    free(c->store_url);
    free(c->dashboard_listen);
    free(c->dashboard_password_hash);
    free(c->dashboard_certificate);
    free(c->dashboard_key);
    free(c);
}

char *config_default_path_new(void)
{
    if (access(CONFIG_INSTALLED_PATH, F_OK) == 0)
        return xstrdup(CONFIG_INSTALLED_PATH);
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            /* build/badgectl -> <tree>/kiosk-config/... */
            char *candidate = xasprintf("%s/../kiosk-config/fgmv2-shanghai.ini", exe);
            if (access(candidate, F_OK) == 0)
                return candidate;
            free(candidate);
        }
    }
    return xstrdup("kiosk-config/fgmv2-shanghai.ini");
}

static const struct config_badge_size badge_sizes[] = {
    /* A 4x3 in label, landscape: the FG-MV badge. */
    {"4x3in", 101.6, 76.2, "oe_4x3-label_4x3in"},
    /* A6 card, portrait, for lanyard pouches. */
    {"a6", 105.0, 148.0, "iso_a6_105x148mm"},
    /* CR80, the credit-card size of card printers, landscape. */
    {"cr80", 85.6, 53.98, "om_card_54x86mm"},
};

bool config_badge_color_parse(const char *value, enum config_badge_color *out)
{
    static const char *const names[] = {
        [CONFIG_BADGE_COLOR_AUTO] = "auto",
        [CONFIG_BADGE_COLOR_COLOR] = "color",
        [CONFIG_BADGE_COLOR_MONOCHROME] = "monochrome",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(value, names[i]) == 0) {
            *out = (enum config_badge_color)i;
            return true;
        }
    return false;
}

const struct config_badge_size *config_badge_size_by_name(const char *name)
{
    for (size_t i = 0; i < sizeof badge_sizes / sizeof badge_sizes[0]; i++)
        if (strcasecmp(name, badge_sizes[i].name) == 0)
            return &badge_sizes[i];
    return NULL;
}

void config_category_look(const struct config *cfg, const char *name, uint32_t *rgb,
                          const char **label)
{
    name = name ? name : "";
    for (size_t i = 0; i < cfg->n_categories; i++) {
        if (strcasecmp(cfg->categories[i].name, name) == 0) {
            *rgb = cfg->categories[i].rgb;
            *label = cfg->categories[i].label;
            return;
        }
    }
    *rgb = 0x5f6368;
    *label = name;
}

void config_set_path(char **field, const char *value)
{
    free(*field);
    /* "" stays "": none (a shared store without a journal, --db ""). */
    if (value[0] == '/' || !value[0]) {
        *field = xstrdup(value);
        return;
    }
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd))
        snprintf(cwd, sizeof cwd, ".");
    *field = xasprintf("%s/%s", cwd, value);
}

/* Compares name, trimmed of ASCII space, with want, ignoring ASCII case. */
static bool trimmed_equal(const char *name, const char *want)
{
    while (isspace((unsigned char)*name))
        name++;
    size_t len = strlen(name);
    while (len && isspace((unsigned char)name[len - 1]))
        len--;
    return strlen(want) == len && strncasecmp(name, want, len) == 0;
}

size_t config_events_named(const struct config *cfg, const char *name,
                           const struct config_event **out)
{
    size_t n = 0;
    for (size_t i = 0; i < cfg->n_events; i++) {
        const struct config_event *ev = &cfg->events[i];
        bool named = trimmed_equal(name, ev->code);
        for (size_t j = 0; j < ev->n_aliases && !named; j++)
            named = trimmed_equal(name, ev->aliases[j]);
        if (named)
            out[n++] = ev;
    }
    return n;
}

const struct config_event *config_event_by_name(const struct config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->n_events; i++) {
        const struct config_event *ev = &cfg->events[i];
        if (trimmed_equal(name, ev->code))
            return ev;
        for (size_t j = 0; j < ev->n_aliases; j++)
            if (trimmed_equal(name, ev->aliases[j]))
                return ev;
    }
    return NULL;
}

size_t config_events_on_day(const struct config *cfg, bk_day day,
                            const struct config_event **out)
{
    size_t n = 0;
    for (size_t i = 0; i < cfg->n_events; i++)
        if (day >= cfg->events[i].first_day && day <= cfg->events[i].last_day)
            out[n++] = &cfg->events[i];
    return n;
}

long config_key_line(const struct config *cfg, const char *section, const char *key)
{
    char *k = line_key_new(section, key);
    uintptr_t *slot = strmap_find(cfg->key_lines, k);
    free(k);
    return slot ? (long)*slot : 0;
}

void config_override(struct config *cfg, const char *section, const char *key,
                     const char *option)
{
    char *k = line_key_new(section, key);
    *strmap_slot(cfg->overrides, k, NULL) = (uintptr_t)option;
    free(k);
}

void config_blame(const struct config *cfg, const char *section, const char *key,
                  struct bk_err *err)
{
    if (!err)
        return;
    char *k = line_key_new(section, key);
    uintptr_t *option = strmap_find(cfg->overrides, k);
    free(k);
    if (option) {
        snprintf(err->file, sizeof err->file, "--%s", (const char *)*option);
        err->line = 0;
        err->field[0] = '\0';
        return;
    }
    snprintf(err->file, sizeof err->file, "%s", cfg->path);
    err->line = config_key_line(cfg, section, key);
    if (err->line)
        snprintf(err->field, sizeof err->field, "%s", key);
    else /* the default: no line to point at */
        snprintf(err->field, sizeof err->field, "%s.%s", section, key);
}
