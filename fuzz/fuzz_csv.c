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
    cfg = fuzz_load_config("fuzz_csv", "kiosk-config/fgmv2-shanghai.ini");
    snprintf(path, sizeof path, "%s/export.csv", fuzz_scratch_dir("csv"));
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_write_file(path, data, size);
    roster_free(fuzz_read_export("fuzz_csv", cfg, path));
    return 0;
}
