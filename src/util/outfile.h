/* outfile: the one way badgekiosk writes a file.
 *
 * Every file badgectl and the kiosk write goes through here: the export,
 * badgectl badge --out, the file: printer's badges, issue's tokens.csv and
 * QR codes, the kiosk's screen snapshots and the documents sent to a
 * printer. What it guarantees:
 *
 * - A regular file (or a new one) appears complete or not at all: it is
 *   written beside the target under a hidden temporary name, flushed,
 *   synced, then renamed into place (a new file never replaces one that
 *   appeared meanwhile).
 * - Nothing but a regular file is ever replaced. A FIFO or a character
 *   device (a pipe to another program, /dev/stdout, a terminal, /dev/null)
 *   is what the person named: it is written in place, as a stream. A
 *   folder, a block device, a socket and a symbolic link to a file are
 *   refused, so root running `badgectl export /dev/sda` or a link planted
 *   in a shared folder cannot make it destroy something.
 * - Every file is created 0600: all of them hold personal data or check-in
 *   codes (a badge's QR is a credential).
 * - Errors say what to do: a missing folder or a folder given as the file is
 *   the input's fault (BK_ERR_NOT_FOUND, BK_ERR_INVALID: exit 2); a full
 *   disk or device is BK_ERR_FULL, whatever the write that noticed it;
 *   anything else the system's (BK_ERR_IO). */
#ifndef BK_OUTFILE_H
#define BK_OUTFILE_H

#include <stdio.h>

#include "util/err.h"

/* What the file at the path was when it was opened. */
enum outfile_kind {
    OUTFILE_NEW,     /* nothing was there: a new regular file */
    OUTFILE_REPLACE, /* a regular file, replaced as a whole on commit */
    OUTFILE_STREAM,  /* a FIFO or character device, written in place */
};

struct outfile;

/* Opens path for writing as described above. On success *out is the
 * caller's until outfile_commit or outfile_discard; on failure *out is NULL
 * and err names path. */
enum bk_status outfile_open(const char *path, struct outfile **out, struct bk_err *err);

/* The stream to write to; owned by o. Write errors need no checking as they
 * happen: outfile_commit reports the first one, with its errno. */
FILE *outfile_stream(struct outfile *o);

enum outfile_kind outfile_kind(const struct outfile *o);

/* Flushes and syncs, then puts a regular file in place. Frees o either way.
 * On failure nothing was replaced (a stream may have received part). */
enum bk_status outfile_commit(struct outfile *o, struct bk_err *err);

/* Gives up: the temporary file is removed, nothing is replaced. Frees o;
 * NULL is fine. */
void outfile_discard(struct outfile *o);

#endif
