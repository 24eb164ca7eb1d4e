/* pinguard: the staff PIN's failed tries and its lock, kept in a small file.
 *
 * The kiosk runs under systemd, which starts it again whenever it stops: a
 * lock held only in memory is undone by anything that ends the process, and
 * the next try has fresh chances. So the flow's guard (how many wrong PINs
 * in a row, and until when the PIN entry is locked) is written to a file of
 * its own, mode 0600, replaced whole on each change, and read back at
 * start. The file is this machine's (one per store file and kiosk id), not
 * the store's: a lock concerns the screen it was earned at. */
#ifndef BK_PINGUARD_H
#define BK_PINGUARD_H

#include <stdint.h>

#include "util/err.h"

struct pin_guard {
    int fails;               /* wrong PINs since the last right one or lock */
    int64_t locked_until_ms; /* wall clock, ms since the epoch; 0: not locked */
};

/* The guard file of a kiosk with the store file database and id kiosk_id:
 * "DATABASE.pin-guard-KIOSK" beside the store, the id's characters other
 * than letters, digits, '-', '_' and '.' replaced by '_'. NULL when database
 * is "" (no file of this machine's to keep it beside). Newly allocated. */
char *pinguard_path_new(const char *database, const char *kiosk_id);

/* Reads the guard at path into *g. A missing file is a guard with no fails
 * and no lock (BK_OK). A file that is not a guard is BK_ERR_PARSE with *g
 * zeroed; one that cannot be read BK_ERR_IO. */
enum bk_status pinguard_load(const char *path, struct pin_guard *g, struct bk_err *err);

/* Writes *g to path through outfile: a 0600 file synced and renamed over
 * the old one, so a crash leaves the old guard or the new, never half of
 * one. A missing folder is BK_ERR_NOT_FOUND, a full disk BK_ERR_FULL. */
enum bk_status pinguard_save(const char *path, const struct pin_guard *g, struct bk_err *err);

#endif
