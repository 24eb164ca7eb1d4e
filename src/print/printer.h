/* printer: a badge printer through CUPS, in plain words.
 *
 * The printer is a CUPS queue name or an ipp:// URI (a driverless IPP
 * Everywhere printer). A badge goes out as one copy with its media size set
 * and a job name holding the registration ID, as PNG when the destination
 * takes it, else as PWG raster. Jobs are followed to the end, and the
 * printer's state reasons (media empty, offline, jammed, door open...) come
 * back as sentences a staff member can act on. */
#ifndef BK_PRINTER_H
#define BK_PRINTER_H

#include <stdbool.h>
#include <stddef.h>

#include "badge/image.h"
#include "util/err.h"

struct printer;

/* Connects to name_or_uri (no job is sent). BK_ERR_NOT_FOUND when CUPS has
 * no such queue; BK_ERR_IO when the printer cannot be reached, with the
 * reason. Free with printer_close. */
enum bk_status printer_open(const char *name_or_uri, struct printer **out, struct bk_err *err);
void printer_close(struct printer *p);

enum printer_job_state {
    PRINTER_JOB_PENDING,
    PRINTER_JOB_HELD,
    PRINTER_JOB_PROCESSING,
    PRINTER_JOB_STOPPED,
    PRINTER_JOB_CANCELED,
    PRINTER_JOB_ABORTED,
    PRINTER_JOB_COMPLETED,
    PRINTER_JOB_UNKNOWN, /* the printer no longer knows the job */
};

/* Sends img as one copy on media (a PWG media name) named job_name.
 * *job_id is the printer's job id (for a queue, CUPS's).
 * The document is PNG when the printer takes it, else PWG raster (the image
 * at its own size, centred, turned to the page's orientation, shrunk only if
 * it does not fit). Media the printer does not list is still sent, as a
 * custom size, and printer_last_note says so. Errors: BK_ERR_INVALID when
 * the printer takes neither format or refuses the job's attributes (the
 * message lists the media it takes); BK_ERR_BUSY when it is busy with
 * another job and takes no more now (ippeveprinter, some label printers):
 * try again shortly; BK_ERR_IO when it cannot be reached. */
enum bk_status printer_submit(struct printer *p, const struct badge_image *img, const char *media,
                              const char *job_name, int *job_id, struct bk_err *err);

/* What the last printer_submit had to work around, in words ("" when
 * nothing), e.g. media the printer does not list, sent anyway as a custom
 * size. Valid until the next submit or printer_close; worth a log line. */
const char *printer_last_note(const struct printer *p);

/* The job's state now; reasons (job-state-reasons, translated to words) in
 * a buffer of size n (reasons may be NULL when n is 0). A job the printer
 * has forgotten is PRINTER_JOB_UNKNOWN with BK_OK. */
enum bk_status printer_job_state(struct printer *p, int job_id, enum printer_job_state *state,
                                 char *reasons, size_t n, struct bk_err *err);

/* Follows the job, asking every 250 ms, until it ends (completed, aborted,
 * canceled, unknown) or timeout_ms passes (then *state is the last one
 * seen, not an end state). Blocks the calling thread. */
enum bk_status printer_wait(struct printer *p, int job_id, int timeout_ms,
                            enum printer_job_state *state, char *reasons, size_t n,
                            struct bk_err *err);

/* The newest job named job_name the printer knows, for a retry after an
 * unclear outcome: BK_ERR_NOT_FOUND when there is none. */
enum bk_status printer_find_job(struct printer *p, const char *job_name, int *job_id,
                                enum printer_job_state *state, struct bk_err *err);

struct printer_status {
    bool accepting;      /* printer-is-accepting-jobs */
    int state;           /* 3 idle, 4 processing, 5 stopped (IPP printer-state) */
    char state_text[64]; /* "idle", "printing", "stopped", translated */
    char reasons[512];   /* printer-state-reasons in words, "" when none */
    char message[256];   /* printer-state-message */
    size_t queued;       /* jobs not yet completed */
    char make_model[128];
};

enum bk_status printer_get_status(struct printer *p, struct printer_status *st, struct bk_err *err);

/* What the printer prints, learnt when it was opened, so a badge can be
 * drawn for it. An IPP Everywhere printer says it itself (color-supported,
 * print-color-mode-supported, printer-resolution-default, media-default,
 * pwg-raster-document-type-supported); for a CUPS queue with a driver,
 * cupsd answers the same questions from the driver's PPD (ColorDevice, the
 * default Resolution and PageSize). */
struct printer_caps {
    bool monochrome;       /* prints one colour only */
    int dpi;               /* its own resolution; 0 when it does not say */
    char media[128];       /* its default media, a PWG name; "" when it does not say */
    bool black_1, sgray_8; /* PWG raster types it takes */
};

void printer_get_caps(const struct printer *p, struct printer_caps *caps);

/* A sentence for one IPP state-reason keyword ("media-empty-error" -> "Out
 * of labels: load more."), translated; a keyword it does not know comes
 * back as itself. */
const char *printer_reason_text(const char *keyword);

/* "completed", "aborted"...: stable words for the store and logs. */
const char *printer_job_state_code(enum printer_job_state s);

#endif
