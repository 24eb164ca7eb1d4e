/* pinguard: the staff PIN's guard in a file; see pinguard.h. */
#include "door/pinguard.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "util/i18n.h"
#include "util/outfile.h"
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
    struct outfile *o;
    enum bk_status st = outfile_open(path, &o, err); /* 0600, whole or not at all */
    if (st != BK_OK)
        return st;
    fprintf(outfile_stream(o), GUARD_FORMAT, g->fails, g->locked_until_ms);
    return outfile_commit(o, err);
}
