/* testutil: scaffolding shared by the unit tests in tests/unit.
 *
 * Many tests work on real files: they make a fresh folder under /tmp, write
 * an input file into it from bytes or text, and remove the folder afterwards.
 * These helpers do that once, the same way for every test program, and turn
 * any failure into a cmocka failure that says what went wrong, so a test body
 * never has to check them. (cmocka 1.1's fail_msg is not marked noreturn,
 * so each failure is still followed by a return.)
 *
 * Everything is static inline so that a test program which uses only some of
 * the helpers does not trip -Wunused-function. It includes cmocka.h itself,
 * after the headers cmocka.h needs. The build defines _GNU_SOURCE, which
 * mkdtemp, nftw and asprintf need. */
#ifndef BK_TESTUTIL_H
#define BK_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A new, empty folder /tmp/bk-test-TAG-XXXXXX (mode 0700, from mkdtemp).
 * Fails the running test if it cannot be made. The caller removes it and
 * frees the name with tu_tempdir_free. */
static inline char *tu_tempdir_new(const char *tag)
{
    char tmpl[256];
    if (snprintf(tmpl, sizeof tmpl, "/tmp/bk-test-%s-XXXXXX", tag) >= (int)sizeof tmpl) {
        fail_msg("tu_tempdir_new: tag too long: %s", tag);
        return NULL;
    }
    if (!mkdtemp(tmpl)) {
        int e = errno;
        fail_msg("tu_tempdir_new: mkdtemp(%s): %s", tmpl, strerror(e));
        return NULL;
    }
    char *dir = strdup(tmpl);
    if (!dir) {
        fail_msg("tu_tempdir_new: out of memory for %s", tmpl);
        return NULL;
    }
    return dir;
}

/* nftw callback for tu_rm_rf: with FTW_DEPTH a folder comes after its
 * contents, so remove() (unlink or rmdir) always finds it empty. */
static inline int tu_rm_entry_(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

/* Removes dir and everything under it, without a shell and without following
 * symbolic links out of it. NULL or an already missing dir is not an error;
 * anything left behind fails the running test. */
static inline void tu_rm_rf(const char *dir)
{
    if (!dir)
        return;
    if (nftw(dir, tu_rm_entry_, 16, FTW_DEPTH | FTW_PHYS) != 0 && errno != ENOENT) {
        int e = errno;
        fail_msg("tu_rm_rf(%s): %s", dir, strerror(e));
    }
}

/* tu_rm_rf(dir), then frees the name tu_tempdir_new gave: the one call a
 * teardown needs. NULL does nothing. */
static inline void tu_tempdir_free(char *dir)
{
    tu_rm_rf(dir);
    free(dir);
}

/* The newly allocated path DIR/NAME; the caller frees it. */
static inline char *tu_path_new(const char *dir, const char *name)
{
    char *path = NULL;
    if (asprintf(&path, "%s/%s", dir, name) < 0) {
        fail_msg("tu_path_new(%s, %s): out of memory", dir, name);
        return NULL;
    }
    return path;
}

/* Creates or replaces the file at path with exactly len bytes (which may
 * hold NULs). Fails the running test unless every byte reached the file. */
static inline void tu_write_file(const char *path, const void *bytes, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        int e = errno;
        fail_msg("tu_write_file: cannot create %s: %s", path, strerror(e));
        return;
    }
    size_t n = len ? fwrite(bytes, 1, len, f) : 0;
    int closed = fclose(f);
    if (n != len || closed != 0)
        fail_msg("tu_write_file: could not write %zu bytes to %s", len, path);
}

/* tu_write_file with the bytes of the string text, without its NUL. */
static inline void tu_write_text(const char *path, const char *text)
{
    tu_write_file(path, text, strlen(text));
}

#endif
