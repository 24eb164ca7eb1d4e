/* importplan: what an import changes, worked out once for every engine.
 *
 * Private to src/store/. Importing compares the export with the attendee
 * table in one ordered pass: the export's people sorted by ID are merged
 * with the table's rows read in ID order (byte order, strcmp's), which
 * replaces a lookup per person and keeps 100,000 people well under a
 * second. The engine reads its rows, hands each to import_plan_row, then
 * writes what the plan says (import_plan_action, and the IDs to withdraw)
 * in ID order, the kindest order for a B-tree. The SQLite engine, the
 * PostgreSQL engine and the journal's pull of the server's list all use it,
 * so the rules (first row of a repeated ID wins, the summary's counts) are
 * the same everywhere. */
#ifndef BK_IMPORTPLAN_H
#define BK_IMPORTPLAN_H

#include <stddef.h>

#include "event/attendee.h"
#include "event/roster.h"
#include "store/store.h"

/* The attendee columns every engine keeps, in one order: id, title,
 * first_name, last_name, badge_name, organization, country, category,
 * events, email, language, valid_from, valid_until (all text), then status
 * and the code hash. */
#define IMPORTPLAN_TEXT_FIELDS 13

/* The text fields of a in that order, "" for NULL; borrowed from a. */
void importplan_fields(const struct attendee *a, const char *out[IMPORTPLAN_TEXT_FIELDS]);

/* "confirmed" or "withdrawn", as the stores keep a status. */
const char *importplan_status_code(enum attendee_status s);

enum import_action { IMPORT_KEEP, IMPORT_ADD, IMPORT_UPDATE };

struct import_plan {
    const struct roster *r;
    const struct attendee **sorted; /* the export's people by ID, one per ID (borrowed) */
    size_t n;
    unsigned char (*hashes)[STORE_HASH_BYTES]; /* per person of r, when r has tickets */
    unsigned char *has_hash; /* per person of r: hashes[i] is set; NULL: all are */
    unsigned char *action; /* enum import_action per sorted person */
    char **withdraw;       /* IDs missing from the export and still confirmed */
    size_t n_withdraw, cap_withdraw;
    /* Everyone the import withdraws, missing or marked so, in ID order (for
     * store_import_options' on_withdrawn). */
    char **leaving;
    size_t n_leaving, cap_leaving;
    size_t next; /* merge position in sorted */
    struct store_import_summary sum;
};

/* Sorts r's people (r must outlive the plan) and starts the merge. */
void import_plan_start(struct import_plan *p, const struct roster *r);

/* The code hashes of r's people given as they are (a list pulled from the
 * server, whose codes the machine never sees): person i's is hashes[i] when
 * has_hash[i]; copied. Called after import_plan_start. */
void import_plan_set_hashes(struct import_plan *p, const unsigned char (*hashes)[STORE_HASH_BYTES],
                            const unsigned char *has_hash);

/* The next row of the table, in ID order, with its code hash
 * (STORE_HASH_BYTES, or NULL when it has none); borrowed for the call. */
void import_plan_row(struct import_plan *p, const struct attendee *row,
                     const unsigned char *row_hash);

/* After the last row: the people left in the export are new. */
void import_plan_end(struct import_plan *p);

/* Calls opt->on_withdrawn (when set) for everyone the plan withdraws. */
void import_plan_report_withdrawn(const struct import_plan *p,
                                  const struct store_import_options *opt);

/* The code hash of the j-th sorted person, or NULL when the export has no
 * codes or the person none (a row written keeps its hash then: the code
 * column may simply not be mapped). */
const unsigned char *import_plan_hash(const struct import_plan *p, size_t j);

/* The ticket code of the j-th sorted person (what its badge carries, kept
 * as its token), or NULL when the export has no codes. */
const char *import_plan_code(const struct import_plan *p, size_t j);

void import_plan_free(struct import_plan *p);

#endif
