/* strmap: a string-keyed hash map, for grouping and de-duplicating by ID.
 *
 * Keys are copied and owned by the map; values are a pointer-sized slot the
 * caller uses as it likes (a count, an index, a pointer it owns). Open
 * addressing, grows at 70% load. */
#ifndef BK_STRMAP_H
#define BK_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strmap;

struct strmap *strmap_new(void);
void strmap_free(struct strmap *m);

/* The value slot for key, created (zeroed) when absent; *created says which
 * when not NULL. The pointer is valid until the next insertion. */
uintptr_t *strmap_slot(struct strmap *m, const char *key, bool *created);

/* The value slot for key, or NULL when absent. */
uintptr_t *strmap_find(const struct strmap *m, const char *key);

size_t strmap_count(const struct strmap *m);

/* Visits every entry in no particular order. */
void strmap_each(const struct strmap *m, void (*fn)(void *ctx, const char *key, uintptr_t value),
                 void *ctx);

#endif
