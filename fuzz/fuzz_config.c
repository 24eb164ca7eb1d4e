/* fuzz_config: libFuzzer target for the event configuration reader.
 *
 * Each input is an INI file given to config_load, as an operator's
 * --config would be: it is accepted or refused with the file, line and key,
 * never a crash. An accepted one is exercised a little (the days and
 * categories looked up by the door and the badge) so that half-checked
 * values show up here rather than at the kiosk. */
#include <stdio.h>
#include <stdlib.h>

#include "event/config.h"
#include "fuzz_util.h"

static char path[512];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    snprintf(path, sizeof path, "%s/event.ini", fuzz_scratch_dir("config"));
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_write_file(path, data, size);
    struct config *cfg = NULL;
    struct bk_err err = {0};
    enum bk_status st = config_load(path, &cfg, &err);
    if (st != BK_OK) {
        if (!err.msg[0] || cfg)
            abort();
        return 0;
    }
    const struct config_event *today[CONFIG_MAX_EVENTS];
    for (size_t i = 0; i < cfg->n_events; i++) {
        config_events_on_day(cfg, cfg->events[i].first_day, today);
        config_events_on_day(cfg, cfg->events[i].last_day, today);
        config_event_by_name(cfg, cfg->events[i].code);
    }
    uint32_t rgb;
    const char *label;
    for (size_t i = 0; i < cfg->n_categories; i++)
        config_category_look(cfg, cfg->categories[i].name, &rgb, &label);
    config_category_look(cfg, "Nobody", &rgb, &label);
    config_free(cfg);
    return 0;
}
