/* strmap: string-keyed hash map (FNV-1a, linear probing); see strmap.h. */
#include "util/strmap.h"

#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

struct entry {
    char *key; /* NULL: empty */
    uint64_t hash;
    uintptr_t value;
};

struct strmap {
    struct entry *slots;
    size_t cap; /* a power of two */
    size_t count;
};

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

struct strmap *strmap_new(void)
{
    struct strmap *m = xcalloc(1, sizeof *m);
    m->cap = 16;
    m->slots = xcalloc(m->cap, sizeof *m->slots);
    return m;
}

void strmap_free(struct strmap *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->cap; i++)
        free(m->slots[i].key);
    free(m->slots);
    free(m);
}

static struct entry *probe(const struct strmap *m, const char *key, uint64_t h)
{
    size_t i = (size_t)h & (m->cap - 1);
    for (;;) {
        struct entry *e = &m->slots[i];
        if (!e->key || (e->hash == h && strcmp(e->key, key) == 0))
            return e;
        i = (i + 1) & (m->cap - 1);
    }
}

static void grow(struct strmap *m)
{
    struct entry *old = m->slots;
    size_t old_cap = m->cap;
    m->cap *= 2;
    m->slots = xcalloc(m->cap, sizeof *m->slots);
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].key)
            *probe(m, old[i].key, old[i].hash) = old[i];
    free(old);
}

uintptr_t *strmap_slot(struct strmap *m, const char *key, bool *created)
{
    if ((m->count + 1) * 10 > m->cap * 7)
        grow(m);
    uint64_t h = hash_str(key);
    struct entry *e = probe(m, key, h);
    if (created)
        *created = e->key == NULL;
    if (!e->key) {
        e->key = xstrdup(key);
        e->hash = h;
        e->value = 0;
        m->count++;
    }
    return &e->value;
}

uintptr_t *strmap_find(const struct strmap *m, const char *key)
{
    struct entry *e = probe(m, key, hash_str(key));
    return e->key ? &e->value : NULL;
}

size_t strmap_count(const struct strmap *m)
{
    return m->count;
}

void strmap_each(const struct strmap *m, void (*fn)(void *ctx, const char *key, uintptr_t value),
                 void *ctx)
{
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key)
            fn(ctx, m->slots[i].key, m->slots[i].value);
}
