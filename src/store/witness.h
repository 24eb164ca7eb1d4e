/* witness: the event log's head, kept outside the store.
 *
 * Private to src/store/. A hash chain shows a record altered, removed or
 * reordered in the middle of the log, but not records cut from its end: the
 * shorter log is a valid chain too. So every commit of a record also
 * appends its seq and hash, as one line "SEQ HEX\n", to a small append-only
 * file beside the store (mode 0600, one write, then fsync), after the
 * commit. store_verify_chain reads it back: a record the witness knows that
 * the log no longer holds, or holds with another hash, is found.
 *
 * The witness is written after the commit, so it may lag the log (a crash
 * between the two) but never lead it unless records were lost. Several
 * processes append to it at once: each line is one O_APPEND write, so lines
 * never interleave, though they may come slightly out of order. A last line
 * cut short (a power cut mid-write) is ignored when read. The engine-
 * independent part of the store (store.c) keeps it, for any engine that
 * names a file beside which it belongs (store_backend's witness_suffix). */
#ifndef BK_STORE_WITNESS_H
#define BK_STORE_WITNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/err.h"

struct witness;

/* Opens the witness at path for appending. When there is none it is created
 * (0600) if create is set; otherwise *out is NULL and the return BK_OK. */
enum bk_status witness_open(const char *path, bool create, struct witness **out,
                            struct bk_err *err);
void witness_close(struct witness *w);

/* Appends the record seq with hash, durably (fsync). */
enum bk_status witness_append(struct witness *w, int64_t seq,
                              const unsigned char hash[STORE_HASH_BYTES], struct bk_err *err);

/* One line of a witness. */
struct witness_entry {
    int64_t seq;
    unsigned char hash[STORE_HASH_BYTES];
    long line;
};

/* Every entry of the witness at path, sorted by seq (then by line); *out is
 * the caller's to free. BK_ERR_NOT_FOUND when there is no witness, and
 * BK_ERR_INVALID naming the line when one is not a witness line. */
enum bk_status witness_read(const char *path, struct witness_entry **out, size_t *n,
                            struct bk_err *err);

#endif
