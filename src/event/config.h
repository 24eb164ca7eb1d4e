/* config: the event configuration, an INI file read with libinih.
 *
 * One file describes one event: its parts (the FG-MV meeting and the forum)
 * and their days, the venue's time zone, how to read the registration
 * system's export, how QR codes are made, and the kiosk's printer, badge,
 * store (an embedded file, or a shared server and this machine's journal)
 * and staff PIN. Relative paths in the file are relative to the file's
 * own folder. Every mistake is reported with the file, line and key. */
#ifndef BK_CONFIG_H
#define BK_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "event/preset.h"
#include "event/tz.h"

#define CONFIG_INSTALLED_PATH "/etc/badgekiosk/badgekiosk.ini"
#define CONFIG_MAX_EVENTS 16
#define CONFIG_MAX_VALUES 16
#define CONFIG_MAX_CATEGORIES 24

/* How a category of attendee looks on a badge: a colour band and its label. */
struct config_category {
    char *name;     /* as in the export's Category column */
    uint32_t rgb;   /* 0xRRGGBB band colour */
    char *label;    /* printed on the band, e.g. "VICE-CHAIR" */
};

/* A badge stock: its size in millimetres and its PWG media name for CUPS. */
struct config_badge_size {
    const char *name;   /* "4x3in", "a6", "cr80" */
    double width_mm, height_mm;
    const char *media;  /* PWG 5101.1 name, e.g. "oe_4x3-label_4x3in" */
};

/* One part of the event (the meeting, the forum), on consecutive days. */
struct config_event {
    char *code;    /* canonical code, e.g. "FG-MV"; stored with attendees */
    char *name;    /* full title for reports and badges */
    char *short_name;
    bk_day first_day, last_day;
    char *aliases[CONFIG_MAX_VALUES]; /* other spellings in the export's Events column */
    size_t n_aliases;
};

/* Export column header names; NULL when the export has no such column.
 * id and at least one of first_name/last_name/badge_name/name are required.
 * The fields are in the order of enum config_column. */
struct config_columns {
    char *id, *title, *first_name, *last_name, *badge_name, *organization, *country, *category,
        *events, *status, *email, *language;
    char *name;        /* the whole name, used when first and last name are empty or absent */
    char *code;        /* what each ticket's QR code holds (a secret), for [qr] mode = export */
    char *ticket;      /* a ticket's own number within its order, for its ID */
    char *valid_from;  /* the first day the ticket is valid, when the export limits it */
    char *valid_until; /* the last day */
};

/* The columns, in the order of struct config_columns' fields. */
enum config_column {
    CONFIG_COL_ID,
    CONFIG_COL_TITLE,
    CONFIG_COL_FIRST,
    CONFIG_COL_LAST,
    CONFIG_COL_BADGE,
    CONFIG_COL_ORG,
    CONFIG_COL_COUNTRY,
    CONFIG_COL_CATEGORY,
    CONFIG_COL_EVENTS,
    CONFIG_COL_STATUS,
    CONFIG_COL_EMAIL,
    CONFIG_COL_LANGUAGE,
    CONFIG_COL_NAME,
    CONFIG_COL_CODE,
    CONFIG_COL_TICKET,
    CONFIG_COL_VALID_FROM,
    CONFIG_COL_VALID_UNTIL,
    CONFIG_N_COLUMNS
};

/* How dates written with slashes are read (Valid from/until): 04/07/2023 is
 * 4 July in most of the world and 7 April in the USA, so it is refused
 * unless the configuration says which. ISO (2023-07-04) and dotted
 * (04.07.2023, always day first) dates are read in any case. */
enum config_date_order {
    CONFIG_DATES_ISO = 0, /* slashed dates refused */
    CONFIG_DATES_DMY,
    CONFIG_DATES_MDY,
};

/* How badges are drawn: for the printer (auto asks it), in colour, or in
 * pure black and white for one-colour (thermal label) printers. */
enum config_badge_color {
    CONFIG_BADGE_COLOR_AUTO,
    CONFIG_BADGE_COLOR_COLOR,
    CONFIG_BADGE_COLOR_MONOCHROME,
};

enum config_qr_mode {
    CONFIG_QR_SIGNED, /* our Ed25519-signed payloads (badgectl issue) */
    CONFIG_QR_PLAIN,  /* the registration system's own codes: just the ID */
    CONFIG_QR_EXPORT, /* the registration system's own codes, looked up in the export's
                         [roster] code column (pretix secrets, Eventbrite barcodes) */
};

struct strmap;

struct config {
    char *path; /* the file read */
    char *dir;  /* its folder, for relative paths */
    /* Where each setting came from: the line of every key and section
     * header read (config_key_line), and the command-line options that
     * replaced a setting for this run (config_override). */
    struct strmap *key_lines, *overrides;

    /* [event] */
    char *event_id; /* short stable id, binds tokens to this event */
    char *title;
    char *venue;
    char *timezone_name;
    struct tz *tz;
    struct config_event events[CONFIG_MAX_EVENTS];
    size_t n_events;

    /* [roster] */
    const struct preset *preset; /* NULL when none */
    struct config_columns columns;
    /* A preset's column that its exporter writes only with some settings:
     * when the file lacks it, it reads as "" (the other configured columns
     * are needed: see roster.h). */
    bool column_optional[CONFIG_N_COLUMNS];
    char *encoding;  /* of an export without a byte-order mark; "" for UTF-8 */
    char delimiter;  /* ',', ';', '\t', or 0 (the default) to sniff it from the header line */
    enum config_date_order date_order;
    char *events_separator;         /* default ";" */
    char *confirmed[CONFIG_MAX_VALUES]; /* Status values that mean confirmed */
    size_t n_confirmed;
    char *withdrawn[CONFIG_MAX_VALUES]; /* Status values that mean withdrawn */
    size_t n_withdrawn;
    char *default_category;         /* when the export has no category */

    /* [qr] */
    enum config_qr_mode qr_mode;
    char *keys_dir;        /* absolute */
    char *plain_prefix;    /* plain mode: fixed prefix before the ID, "" for none */
    char *plain_url_param; /* plain mode: the ID is this URL query parameter, "" for none */

    /* [printer] */
    char *printer;       /* CUPS queue name or ipp:// URI, "" for none */
    char *printer_media; /* PWG media name; "" means the badge size's own */
    int print_timeout;   /* seconds to wait for a job to complete */

    /* [badge] */
    char *badge_size; /* "4x3in", "a6", "cr80" */
    const struct config_badge_size *badge; /* the size's dimensions and media */
    int badge_dpi;
    enum config_badge_color badge_color;
    double badge_margin_mm;
    char *badge_logo; /* absolute path of a PNG, "" for none */
    struct config_category categories[CONFIG_MAX_CATEGORIES];
    size_t n_categories;

    /* [kiosk] */
    char *kiosk_id;
    char *database; /* absolute */
    char *staff_pin_hash;
    char *staff_keys;
    int repeat_seconds; /* the same code within this many seconds is acted on once */
    /* The kiosk's timings (struct flow_settings), in seconds, and its PIN guard. */
    int result_seconds;     /* an attendee's result screen stays up this long */
    int countdown_seconds;  /* the checked-in screen waits this long before printing */
    int staff_idle_seconds; /* staff mode ends after this long untouched */
    int pin_idle_seconds;   /* a PIN half typed is dropped after this long */
    int pin_tries;          /* wrong PINs before the PIN entry locks */
    int pin_lock_seconds;   /* how long it stays locked */

    /* [store]: a store shared by the venue's kiosks and desks. With a url,
     * database above is this machine's journal (see store.h). */
    char *store_url;        /* a libpq connection URI; "" for the embedded store alone */
    bool store_require_tls; /* refuse a connection that is not encrypted */
    int store_timeout_ms;   /* the longest the server may take to answer */

    /* How often a kiosk writes its heartbeat into the store ([kiosk]). */
    int heartbeat_seconds;

    /* [dashboard]: badgectl serve. */
    char *dashboard_listen;        /* ADDR:PORT; loopback unless said otherwise */
    char *dashboard_password_hash; /* crypto_pwhash_str; "": a token printed at start */
    char *dashboard_certificate;   /* PEM files, absolute; both "" for plain HTTP */
    char *dashboard_key;
    int dashboard_idle_seconds;    /* a connection idle this long is closed */
};

/* Reads and checks a configuration. On success *out is a new config the
 * caller frees with config_free. On failure *out is NULL and err names the
 * file, line and key. */
enum bk_status config_load(const char *path, struct config **out, struct bk_err *err);
void config_free(struct config *cfg);

/* The configuration to read when none is given: CONFIG_INSTALLED_PATH when it
 * exists, else kiosk-config/fgmv2-shanghai.ini of the source tree the running
 * program was built in (found from /proc/self/exe). Newly allocated. */
char *config_default_path_new(void);

/* The event parts held on a day, into out (up to CONFIG_MAX_EVENTS); returns
 * how many. Zero means no event that day. */
size_t config_events_on_day(const struct config *cfg, bk_day day,
                            const struct config_event **out);

/* The event part whose code or alias equals name (ASCII case-insensitive,
 * trimmed), or NULL. */
const struct config_event *config_event_by_name(const struct config *cfg, const char *name);

/* Every event part whose code or alias equals name, as config_event_by_name
 * compares them, into out (up to CONFIG_MAX_EVENTS); returns how many. An
 * alias may name several parts: a "Full pass" listed under each part it
 * admits to. */
size_t config_events_named(const struct config *cfg, const char *name,
                           const struct config_event **out);

/* The header name configured for column c, or NULL. */
const char *config_column_header(const struct config *cfg, enum config_column c);

/* The [roster] key of column c: "id", "first_name", ... Static storage. */
const char *config_column_key(enum config_column c);

/* The band colour (0xRRGGBB) and label of a category: as configured (ASCII
 * case-insensitive match on the name), else a neutral grey labelled with the
 * name itself. *label points into cfg or at name. */
void config_category_look(const struct config *cfg, const char *name, uint32_t *rgb,
                          const char **label);

/* "auto", "color" or "monochrome" (ASCII case-insensitive) into *out;
 * false for anything else. */
bool config_badge_color_parse(const char *value, enum config_badge_color *out);

/* The badge sizes badgekiosk knows, by name; NULL when unknown. */
const struct config_badge_size *config_badge_size_by_name(const char *name);

/* Replaces a path setting for this run (--db, --keys): value is resolved
 * against the current directory; "" stays "" (none: --db "" with a shared
 * store keeps no journal). */
void config_set_path(char **field, const char *value);

/* The line of the configuration file where key of section was set (key ""
 * for the [section] header itself; section "part CODE" for a part), or 0
 * when the file does not set it (its default is in use). */
long config_key_line(const struct config *cfg, const char *section, const char *key);

/* Notes that option (a shared option's name without dashes, e.g. "db"; a
 * string that outlives cfg) replaced section's key for this run. */
void config_override(struct config *cfg, const char *section, const char *key,
                     const char *option);

/* Points err at where section's key came from, so a message about its value
 * (a store path that does not exist, say) names the place to fix it: the
 * option ("--db"), or the file, line and key, or the file and
 * "section.key" when the default is in use. The message is kept. */
void config_blame(const struct config *cfg, const char *section, const char *key,
                  struct bk_err *err);

#endif
