/* fuzz_export: libFuzzer target for reading a registration system's export
 * in the encodings and separators spreadsheets leave it in, and for the
 * scanned codes of [qr] mode = export.
 *
 * The first byte of an input chooses how the rest is read: the encoding
 * named when there is no byte-order mark (UTF-8, Windows-1252, UTF-16LE,
 * UTF-16BE) and the separator (sniffed, or a comma, semicolon or tab). The
 * rest is the file, read record by record and then as a roster through the
 * pretix preset (tests/data/exports/pretix.ini: tickets with codes, order
 * IDs and suffixes, validity dates). Whatever the bytes: no crash, leak or
 * undefined behaviour; a rejection comes with a message; a ticket's code is
 * within its caps and never in a message. The same bytes, as a scanned
 * payload, go through token_read_code. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/token.h"
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
    cfg = fuzz_load_config("fuzz_export", "tests/data/exports/pretix.ini");
    snprintf(path, sizeof path, "%s/export.csv", fuzz_scratch_dir("export"));
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    static const char *const encodings[] = {"", "windows-1252", "UTF-16LE", "UTF-16BE"};
    static const char delimiters[] = {0, ',', ';', '\t'};
    free(cfg->encoding);
    cfg->encoding = strdup(encodings[data[0] & 3]);
    cfg->delimiter = delimiters[(data[0] >> 2) & 3];
    cfg->date_order = (enum config_date_order)((data[0] >> 4) % 3);
    fuzz_write_file(path, data + 1, size - 1);

    struct roster *ro = fuzz_read_export("fuzz_export", cfg, path);
    for (size_t i = 0; ro && ro->tickets && i < ro->n_people; i++) {
        size_t n = strlen(ro->tickets[i].code);
        if (n == 0 || n > ROSTER_CODE_MAX || strlen(ro->people[i].id) > ATTENDEE_ID_MAX)
            abort();
    }
    /* A row refused for its code (the same code as a ticket kept, say) says
     * why without quoting it: the code is a secret. */
    for (size_t k = 0; ro && k < ro->n_problems; k++) {
        if (strcmp(ro->problems[k].field, cfg->columns.code) != 0)
            continue;
        for (size_t i = 0; ro->tickets && i < ro->n_people; i++)
            if (strlen(ro->tickets[i].code) >= 8 &&
                strstr(ro->problems[k].message, ro->tickets[i].code))
                abort();
    }
    roster_free(ro);

    const char *code;
    size_t code_len;
    char serial[TOKEN_SERIAL_LEN + 1];
    if (token_read_code((const char *)data, size, &code, &code_len, serial) == TOKEN_OK &&
        (code < (const char *)data || code + code_len > (const char *)data + size ||
         code_len == 0 || code_len > ROSTER_CODE_MAX))
        abort();
    return 0;
}
