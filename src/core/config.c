/* config: the event configuration; see config.h. */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/* Compares name, trimmed of ASCII space, with want, ignoring ASCII case. */
static bool trimmed_equal(const char *name, const char *want)
{
    while (isspace((unsigned char)*name))
        name++;
    size_t len = strlen(name);
    while (len && isspace((unsigned char)name[len - 1]))
        len--;
    return strlen(want) == len && strncasecmp(name, want, len) == 0;
}

const struct config_event *config_event_by_name(const struct config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->n_events; i++) {
        const struct config_event *ev = &cfg->events[i];
        if (trimmed_equal(name, ev->code))
            return ev;
        for (size_t j = 0; j < ev->n_aliases; j++)
            if (trimmed_equal(name, ev->aliases[j]))
                return ev;
    }
    return NULL;
}

size_t config_events_on_day(const struct config *cfg, bk_day day,
                            const struct config_event **out)
{
    size_t n = 0;
    for (size_t i = 0; i < cfg->n_events; i++)
        if (day >= cfg->events[i].first_day && day <= cfg->events[i].last_day)
            out[n++] = &cfg->events[i];
    return n;
}
