/* json: just enough JSON output for `--json` answers and reports.
 *
 * Writes to a stdio stream; strings are escaped per RFC 8259 and assumed to
 * be valid UTF-8 (everything that reaches here was validated on the way in). */
#ifndef BK_JSON_H
#define BK_JSON_H

#include <stdint.h>
#include <stdio.h>

/* Writes s as a quoted JSON string; NULL writes null. */
void json_write_string(FILE *f, const char *s);
/* Writes ,"key": (the comma only when first is 0). */
void json_write_key(FILE *f, const char *key, int first);

#endif
