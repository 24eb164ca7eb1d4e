/* badgeplan: which badge row to print, decided from the store alone.
 *
 * The rules of "a badge is never printed twice by accident" live here, with
 * no printer in sight, so they are unit-tested: a person's first badge is
 * printed once (asking again resumes the same pending row rather than making
 * a second badge); a replacement needs a reason, gets a new serial and
 * cancels anything of theirs still waiting; a row whose job outcome was
 * unclear is resumed, and the print layer asks the printer about that job
 * before sending another. */
#ifndef BK_BADGEPLAN_H
#define BK_BADGEPLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"
#include "store/store.h"
#include "core/token.h"

enum badgeplan_action {
    BADGEPLAN_PRINT,         /* print row badge_id (new or pending) */
    BADGEPLAN_CHECK_JOB,     /* row badge_id was submitted: ask about job first */
    BADGEPLAN_ALREADY_HAS,   /* a first badge was asked for but one was printed */
};

struct badgeplan {
    enum badgeplan_action action;
    int64_t badge_id;
    char serial[TOKEN_SERIAL_LEN + 1];
    int job;             /* the job id recorded, 0 if none: for reports; the printer is asked
                            by job name, since a restarted printer reuses ids */
    char printer[256];   /* where that job went */
    bool replacement;
    int64_t printed_at;  /* for BADGEPLAN_ALREADY_HAS: when the badge was printed */
};

/* The plan for a person's first badge. */
enum bk_status badgeplan_first(struct store *s, const char *attendee, const char *kiosk,
                               int64_t now_ms, struct badgeplan *plan, struct bk_err *err);

/* The plan for a replacement: reason ("lost", "damaged", "name corrected"...)
 * is required. Badges of attendee still pending are cancelled. A person
 * none of whose badges ever reached a printer has nothing to replace: the
 * plan is then their first badge (no reason, replacement false; the row
 * their check-in owes when there is one), and the report counts it so. */
enum bk_status badgeplan_replacement(struct store *s, const char *attendee, const char *reason,
                                     const char *kiosk, int64_t now_ms, struct badgeplan *plan,
                                     struct bk_err *err);

/* True in *has when one of attendee's badges reached a printer (printed, or
 * submitted and so perhaps out): something a replacement would replace. A
 * badge owed and never sent is not one. */
enum bk_status badgeplan_has_badge(struct store *s, const char *attendee, bool *has,
                                   struct bk_err *err);

/* The plan for an existing row (badgectl print --pending walks them). */
enum bk_status badgeplan_resume(struct store *s, int64_t badge_id, struct badgeplan *plan,
                                struct bk_err *err);

/* The job name a badge's print job carries: the registration ID and the
 * serial, so a job can be found again after a crash. Into buf (size n). */
void badgeplan_job_name(const char *attendee, const char *serial, char *buf, size_t n);

#endif
