/* fuzz_csv: libFuzzer target for the CSV reader and the roster built on it.
 *
 * Each input is a registration export: it is read record by record with
 * csv_next, then as a roster through the shipped FG-MV column mapping (the
 * code an organiser runs on a file mailed to them). Both must reject or
 * accept without a crash, a leak or undefined behaviour; a rejection must
 * come with a message. */
#include <stdio.h>
#include <stdlib.h>

#include "event/config.h"
#include "event/csv.h"
#include "event/roster.h"
#include "fuzz_util.h"

static struct config *cfg;
static char path[512];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    struct bk_err err = {0};
    if (config_load(BK_FUZZ_SOURCE "/kiosk-config/fgmv2-shanghai.ini", &cfg, &err) != BK_OK) {
        fprintf(stderr, "fuzz_csv: %s\n", err.msg);
        abort();
    }
    snprintf(path, sizeof path, "%s/export.csv", fuzz_scratch_dir("csv"));
    return 0;
}

/* A rejected file must say why: an empty message would reach the organiser
 * as a bare "error". */
static void check_rejection(enum bk_status st, const struct bk_err *err)
{
    if (st != BK_OK && !err->msg[0]) {
        fprintf(stderr, "fuzz_csv: status %d without a message\n", (int)st);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_write_file(path, data, size);

    struct csv_reader *r;
    struct bk_err err = {0};
    enum bk_status st = csv_open(path, &r, &err);
    if (st == BK_OK) {
        const struct csv_record *rec;
        size_t records = 0;
        while ((st = csv_next(r, &rec, &err)) == BK_OK && rec) {
            /* Touch every field so ASan sees each length is true. */
            for (size_t i = 0; i < rec->n_fields; i++)
                if (rec->fields[i][rec->lengths[i]] != '\0')
                    abort();
            records++;
        }
        csv_close(r);
    }
    check_rejection(st, &err);

    struct roster *ro = NULL;
    bk_err_clear(&err);
    st = roster_read(cfg, path, &ro, &err);
    check_rejection(st, &err);
    if (st == BK_OK && ro->n_people + ro->n_problems > ro->n_rows)
        abort(); /* every person and every problem is a row */
    roster_free(ro);
    return 0;
}
