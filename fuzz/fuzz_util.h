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

#endif
