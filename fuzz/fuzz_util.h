/* fuzz_util: what the libFuzzer targets in fuzz/ share.
 *
 * The readers under test take file paths (that is how the kiosk meets
 * their input), so each input is written to one scratch file in a private
 * folder made once per process; /dev/shm keeps that in memory when it
 * exists. BK_FUZZ_SOURCE is the source tree, set by the Makefile, so the
 * targets find the shipped configuration wherever they are run from. */
#ifndef BK_FUZZ_UTIL_H
#define BK_FUZZ_UTIL_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event/config.h"
#include "event/csv.h"
#include "event/roster.h"

#ifndef BK_FUZZ_SOURCE
#define BK_FUZZ_SOURCE "."
#endif

/* A new private folder for this process; aborts when none can be made,
 * since a fuzzer without its scratch space would test nothing. */
static inline char *fuzz_scratch_dir(const char *tag)
{
    static char dir[256];
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(dir, sizeof dir, "%s/bk-fuzz-%s-XXXXXX", base, tag);
    if (!mkdtemp(dir)) {
        perror("fuzz: mkdtemp");
        abort();
    }
    return dir;
}

/* Replaces path's content with exactly size bytes. */
static inline void fuzz_write_file(const char *path, const uint8_t *data, size_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        perror(path);
        abort();
    }
    size_t done = 0;
    while (done < size) {
        ssize_t w = write(fd, data + done, size - done);
        if (w <= 0) {
            perror(path);
            abort();
        }
        done += (size_t)w;
    }
    close(fd);
}

/* The configuration at BK_FUZZ_SOURCE/rel; aborts when it does not load,
 * since a target without it would test nothing. */
static inline struct config *fuzz_load_config(const char *target, const char *rel)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", BK_FUZZ_SOURCE, rel);
    struct config *cfg = NULL;
    struct bk_err err = {0};
    if (config_load(path, &cfg, &err) != BK_OK) {
        fprintf(stderr, "%s: %s\n", target, err.msg);
        abort();
    }
    return cfg;
}

/* A refusal must say why: an empty message would reach the organiser as a
 * bare "error". Aborts (a finding) when status is an error without one. */
static inline void fuzz_check_rejection(const char *target, int status, const char *msg)
{
    if (status != 0 && !msg[0]) {
        fprintf(stderr, "%s: status %d without a message\n", target, status);
        abort();
    }
}

/* Reads the export at path as an organiser's import does: record by record
 * with the CSV reader (in cfg's encoding and separator), then as a roster
 * through cfg. Both must accept or refuse with a message, and every person
 * and every problem is a row. Returns the roster (NULL when refused) for
 * the target's own checks; the caller frees it. */
static inline struct roster *fuzz_read_export(const char *target, const struct config *cfg,
                                              const char *path)
{
    struct csv_options opt = {cfg->encoding, cfg->delimiter};
    struct csv_reader *r;
    struct bk_err err = {0};
    enum bk_status st = csv_open_with(path, &opt, &r, &err);
    if (st == BK_OK) {
        const struct csv_record *rec;
        while ((st = csv_next(r, &rec, &err)) == BK_OK && rec)
            /* Touch every field so ASan sees each length is true. */
            for (size_t i = 0; i < rec->n_fields; i++)
                if (rec->fields[i][rec->lengths[i]] != '\0')
                    abort();
        csv_close(r);
    }
    fuzz_check_rejection(target, (int)st, err.msg);

    struct roster *ro = NULL;
    bk_err_clear(&err);
    st = roster_read(cfg, path, &ro, &err);
    fuzz_check_rejection(target, (int)st, err.msg);
    if (st == BK_OK && ro->n_people + ro->n_problems > ro->n_rows)
        abort();
    return ro;
}

#endif
