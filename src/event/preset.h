/* preset: how the registration systems' own exporters write their files.
 *
 * `[roster] preset = pretix | indico | eventbrite` fills in the column names,
 * the status values and the code column of that system's export, as its
 * exporter writes them in English; any [roster] key given as well overrides
 * the preset's. Where each header comes from is cited in preset.c and in the
 * sample exports under tests/data/exports/.
 *
 * A preset column is either needed (a file without it is not that system's
 * export, or cannot be checked in with: the import is refused and says which
 * header is missing, the headers the file has, and the [roster] line that
 * would map it) or optional (the exporter writes it only with some settings:
 * when absent, it reads as ""). */
#ifndef BK_PRESET_H
#define BK_PRESET_H

#include <stdbool.h>
#include <stddef.h>

struct preset_column {
    const char *key;    /* the [roster] key it fills: "id", "code", "first_name", ... */
    const char *header; /* as the system writes it */
    bool needed;        /* the import refuses a file without it */
    const char *hint;   /* N_(): how to get the column out of the system, or NULL */
};

struct preset {
    const char *name; /* "pretix" */
    const struct preset_column *columns;
    size_t n_columns;
    const char *confirmed; /* [roster] confirmed, a comma-separated list */
    const char *withdrawn; /* [roster] withdrawn */
    /* N_(): why [qr] mode = export cannot work from this export alone (its
     * export has no column holding the QR code's secret), or NULL. */
    const char *no_code;
};

/* The preset called name (ASCII case-insensitive), or NULL. Static storage. */
const struct preset *preset_by_name(const char *name);

/* The names of every preset, "pretix, indico, eventbrite", for messages. */
const char *preset_names(void);

/* The column of p that fills key, or NULL. */
const struct preset_column *preset_column(const struct preset *p, const char *key);

#endif
