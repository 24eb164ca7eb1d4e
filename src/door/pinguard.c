/* pinguard: the staff PIN's guard in a file; see pinguard.h. */
#include "door/pinguard.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/i18n.h"
#include "util/xalloc.h"

/* The file's one line: a version word, so a later format is told apart
 * rather than misread. */
#define GUARD_FORMAT "bk-pin-guard-1 fails=%d locked_until_ms=%" PRId64 "\n"

char *pinguard_path_new(const char *database, const char *kiosk_id)
{
    if (!database || !database[0])
        return NULL;
    char *path = xasprintf("%s.pin-guard-%s", database, kiosk_id && kiosk_id[0] ? kiosk_id : "kiosk");
    for (char *p = path + strlen(database) + strlen(".pin-guard-"); *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            *p = '_';
    }
    return path;
}

enum bk_status pinguard_load(const char *path, struct pin_guard *g, struct bk_err *err)
{
    memset(g, 0, sizeof *g);
    FILE *fp = fopen(path, "re");
    if (!fp) {
        if (errno == ENOENT)
            return BK_OK;
        return bk_err_set(err, BK_ERR_IO, path, 0, NULL, _("cannot read the file: %s"),
                          i18n_strerror(errno));
    }
    char line[128];
    struct pin_guard got = {0};
    bool ok = fgets(line, sizeof line, fp) &&
              sscanf(line, "bk-pin-guard-1 fails=%d locked_until_ms=%" SCNd64, &got.fails,
                     &got.locked_until_ms) == 2 &&
              got.fails >= 0 && got.locked_until_ms >= 0;
    fclose(fp);
    if (!ok)
        return bk_err_set(err, BK_ERR_PARSE, path, 1, NULL, "%s",
                          _("not a PIN guard file; the PIN entry starts with no failed tries"));
    *g = got;
    return BK_OK;
}

enum bk_status pinguard_save(const char *path, const struct pin_guard *g, struct bk_err *err)
{
    char *tmp = xasprintf("%s.XXXXXX", path);
    int fd = mkstemp(tmp); /* 0600 */
    if (fd < 0) {
        enum bk_status st = bk_err_set(err, errno == ENOSPC ? BK_ERR_FULL : BK_ERR_IO, path, 0,
                                       NULL, _("cannot create the file: %s"), i18n_strerror(errno));
        free(tmp);
        return st;
    }
    char line[128];
    int len = snprintf(line, sizeof line, GUARD_FORMAT, g->fails, g->locked_until_ms);
    int e = 0;
    if (write(fd, line, (size_t)len) != len)
        e = errno ? errno : EIO;
    if (!e && fsync(fd) != 0)
        e = errno;
    if (close(fd) != 0 && !e)
        e = errno;
    if (!e && rename(tmp, path) != 0)
        e = errno;
    if (e) {
        unlink(tmp);
        free(tmp);
        return bk_err_set(err, e == ENOSPC ? BK_ERR_FULL : BK_ERR_IO, path, 0, NULL,
                          _("cannot write the file: %s"), i18n_strerror(e));
    }
    free(tmp);
    return BK_OK;
}
