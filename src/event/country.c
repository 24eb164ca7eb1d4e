/* country: ISO 3166-1 codes to names from iso-codes; see country.h. */
#include "event/country.h"

#include <ctype.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/i18n.h"
#include "util/utf8.h"
#include "util/xalloc.h"

#define ISO_DOMAIN "iso_3166-1"
#define JSON_MAX (4 * 1024 * 1024) /* the file is about 100 KB */

struct country {
    char alpha2[3], alpha3[4];
    char *name; /* the common name when iso-codes gives one ("Taiwan"), else the name */
};

/* The table is read once, on first use, and never changes after: a
 * read-only cache of a system file, shared by the kiosk's threads (the
 * print worker draws badges while the UI thread shows names), so it is
 * built under pthread_once rather than passed around. */
static struct country *countries;
static size_t n_countries;
static pthread_once_t loaded = PTHREAD_ONCE_INIT;

/* Reads the JSON string starting at *p (just after its opening quote) into
 * a new UTF-8 string; *p ends after the closing quote. NULL when the string
 * is malformed. Only what iso-codes writes needs to work, but nothing may
 * read past end. */
static char *json_string(const char **p, const char *end)
{
    char *out = xmalloc((size_t)(end - *p) + 1);
    size_t n = 0;
    const char *s = *p;
    while (s < end && *s != '"') {
        if (*s != '\\') {
            out[n++] = *s++;
            continue;
        }
        if (++s >= end)
            break;
        char c = *s++;
        if (c == 'u' && end - s >= 4) {
            char hex[5] = {s[0], s[1], s[2], s[3], '\0'};
            char *stop;
            unsigned long cp = strtoul(hex, &stop, 16);
            s += 4;
            /* A surrogate pair: the low half follows as \uDCxx. */
            if (*stop == '\0' && cp >= 0xD800 && cp <= 0xDBFF && end - s >= 6 && s[0] == '\\' &&
                s[1] == 'u') {
                char lo_hex[5] = {s[2], s[3], s[4], s[5], '\0'};
                unsigned long lo = strtoul(lo_hex, &stop, 16);
                if (*stop == '\0' && lo >= 0xDC00 && lo <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    s += 6;
                }
            }
            n += utf8_encode((uint32_t)cp, out + n);
        } else {
            static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
            const char *k = strchr(from, c);
            if (k && c)
                out[n++] = to[k - from];
        }
    }
    if (s >= end) {
        free(out);
        return NULL;
    }
    out[n] = '\0';
    *p = s + 1;
    return out;
}

/* Fills c from one JSON object of the file, between *p (after its "{") and
 * its "}". iso-codes objects hold only string values. */
static bool read_entry(const char **p, const char *end, struct country *c)
{
    char *name = NULL, *common = NULL;
    memset(c, 0, sizeof *c);
    const char *s = *p;
    while (s < end && *s != '}') {
        if (*s != '"') {
            s++;
            continue;
        }
        s++;
        char *key = json_string(&s, end);
        while (s < end && *s != '"' && *s != '}')
            s++;
        if (!key || s >= end || *s == '}') {
            free(key);
            continue;
        }
        s++;
        char *value = json_string(&s, end);
        if (key && value) {
            if (strcmp(key, "alpha_2") == 0)
                snprintf(c->alpha2, sizeof c->alpha2, "%s", value);
            else if (strcmp(key, "alpha_3") == 0)
                snprintf(c->alpha3, sizeof c->alpha3, "%s", value);
            else if (strcmp(key, "name") == 0 && !name)
                name = xstrdup(value);
            else if (strcmp(key, "common_name") == 0 && !common)
                common = xstrdup(value);
        }
        free(key);
        free(value);
    }
    *p = s < end ? s + 1 : end;
    c->name = common ? common : name;
    if (common)
        free(name);
    return c->name && (c->alpha2[0] || c->alpha3[0]);
}

static void load(void)
{
    FILE *f = fopen(COUNTRY_ISO_CODES_JSON, "rb");
    if (!f)
        return;
    char *text = xmalloc(JSON_MAX + 1);
    size_t len = fread(text, 1, JSON_MAX, f);
    fclose(f);
    text[len] = '\0';
    const char *p = strstr(text, "\"3166-1\"");
    const char *end = text + len;
    size_t cap = 0;
    while (p && (p = strchr(p, '{')) != NULL) {
        p++;
        struct country c;
        if (!read_entry(&p, end, &c)) {
            free(c.name);
            continue;
        }
        if (n_countries == cap) {
            cap = cap ? 2 * cap : 256;
            countries = xrealloc(countries, cap * sizeof *countries);
        }
        countries[n_countries++] = c;
    }
    free(text);
}

const char *country_display(const char *value)
{
    if (!value)
        return "";
    size_t start = 0, len = strlen(value);
    while (start < len && isspace((unsigned char)value[start]))
        start++;
    while (len > start && isspace((unsigned char)value[len - 1]))
        len--;
    len -= start;
    if (len != 2 && len != 3)
        return value;
    char code[4];
    for (size_t i = 0; i < len; i++) {
        if (!isalpha((unsigned char)value[start + i]))
            return value;
        code[i] = (char)toupper((unsigned char)value[start + i]);
    }
    code[len] = '\0';
    pthread_once(&loaded, load);
    for (size_t i = 0; i < n_countries; i++)
        if (strcmp(len == 2 ? countries[i].alpha2 : countries[i].alpha3, code) == 0)
            return i18n_domain_text(ISO_DOMAIN, countries[i].name);
    return value;
}
