/* cliopts: the options badgectl and badgekiosk share; see cliopts.h. */
#include "event/cliopts.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/i18n.h"
#include "util/xalloc.h"

/* What a shared option does to the configuration. */
enum cliopt_kind {
    CLIOPT_CONFIG, /* names the configuration itself */
    CLIOPT_PATH,   /* a path, relative to the current folder, into field */
    CLIOPT_TEXT,   /* a value kept as given, into field */
};

/* The shared options, one line each. */
static const struct cliopt {
    const char *name;
    const char *arg; /* for the usage: N_() */
    const char *help;
    enum cliopt_kind kind;
    size_t field;               /* in struct config, for CLIOPT_PATH and CLIOPT_TEXT */
    const char *section, *key;  /* the configuration setting it replaces */
} cliopts[] = {
    {"config", N_("FILE"), N_("the event configuration"), CLIOPT_CONFIG, 0, NULL, NULL},
    {"db", N_("FILE"), N_("the attendance store instead of [kiosk] database"), CLIOPT_PATH,
     offsetof(struct config, database), "kiosk", "database"},
    {"keys", N_("DIR"), N_("the key folder instead of [qr] keys"), CLIOPT_PATH,
     offsetof(struct config, keys_dir), "qr", "keys"},
    {"printer", N_("NAME|URI"), N_("the printer instead of [printer] printer"), CLIOPT_TEXT,
     offsetof(struct config, printer), "printer", "printer"},
    {"kiosk", N_("ID"), N_("this kiosk's name in the event log instead of [kiosk] id"), CLIOPT_TEXT,
     offsetof(struct config, kiosk_id), "kiosk", "id"},
    {"store", N_("URL"), N_("the shared store (a PostgreSQL URI) instead of [store] url"),
     CLIOPT_TEXT, offsetof(struct config, store_url), "store", "url"},
};

enum { N_CLIOPTS = sizeof cliopts / sizeof cliopts[0] };
_Static_assert(N_CLIOPTS <= CLIOPTS_MAX, "struct cliopts holds CLIOPTS_MAX options");

struct option *cliopts_longopts_new(const struct option *own)
{
    size_t n_own = 0;
    while (own && own[n_own].name)
        n_own++;
    struct option *all = xcalloc(N_CLIOPTS + n_own + 1, sizeof *all);
    for (size_t i = 0; i < N_CLIOPTS; i++)
        all[i] = (struct option){cliopts[i].name, required_argument, NULL, CLIOPTS_VAL + (int)i};
    for (size_t i = 0; i < n_own; i++)
        all[N_CLIOPTS + i] = own[i];
    return all;
}

bool cliopts_take(struct cliopts *o, int c, const char *arg)
{
    if (c < CLIOPTS_VAL || c >= CLIOPTS_VAL + N_CLIOPTS)
        return false;
    o->given[c - CLIOPTS_VAL] = arg;
    return true;
}

enum bk_status cliopts_load_config(const struct cliopts *o, struct config **out, struct bk_err *err)
{
    *out = NULL;
    const char *named = NULL;
    for (size_t i = 0; i < N_CLIOPTS; i++)
        if (cliopts[i].kind == CLIOPT_CONFIG && o->given[i])
            named = o->given[i];
    char *path = named ? xstrdup(named) : config_default_path_new();
    struct config *cfg;
    enum bk_status st = config_load(path, &cfg, err);
    free(path);
    if (st != BK_OK) {
        if (err)
            err->status = BK_ERR_CONFIG;
        return BK_ERR_CONFIG;
    }
    for (size_t i = 0; i < N_CLIOPTS; i++) {
        if (!o->given[i])
            continue;
        char **field = (char **)((char *)cfg + cliopts[i].field);
        switch (cliopts[i].kind) {
        case CLIOPT_CONFIG:
            break;
        case CLIOPT_PATH:
            config_set_path(field, o->given[i]);
            break;
        case CLIOPT_TEXT:
            free(*field);
            *field = xstrdup(o->given[i]);
            break;
        }
        if (cliopts[i].section)
            config_override(cfg, cliopts[i].section, cliopts[i].key, cliopts[i].name);
    }
    *out = cfg;
    return BK_OK;
}

char *cliopts_synopsis_new(void)
{
    char *s = xstrdup("");
    for (size_t i = 0; i < N_CLIOPTS; i++) {
        char *t = xasprintf("%s%s[--%s %s]", s, i ? " " : "", cliopts[i].name, _(cliopts[i].arg));
        free(s);
        s = t;
    }
    return s;
}

char *cliopts_help_new(void)
{
    char *s = xstrdup("");
    for (size_t i = 0; i < N_CLIOPTS; i++) {
        char left[64];
        snprintf(left, sizeof left, "--%s %s", cliopts[i].name, _(cliopts[i].arg));
        char *t = xasprintf("%s  %-16s %s\n", s, left, _(cliopts[i].help));
        free(s);
        s = t;
    }
    return s;
}
