/* tz: calendar days and instants in the event's time zone.
 *
 * The event's days (4-6 July 2023 in Shanghai) are days in the venue's zone,
 * whatever zone the kiosk's clock or a staff laptop is set to. Instants are
 * Unix milliseconds (UTC); days are counted from 1970-01-01. The conversion
 * uses the system's tz database (package tzdata) through the C library. */
#ifndef BK_TZ_H
#define BK_TZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

typedef int32_t bk_day; /* days since 1970-01-01 */

/* "2023-07-04" -> day; false for anything else (including 2023-02-30). */
bool tz_day_parse(const char *iso, bk_day *out);
/* day -> "2023-07-04"; buf holds at least 11 bytes. Returns buf. */
char *tz_day_format(bk_day day, char *buf);

struct tz;

/* Opens a zone by its tz database name ("Asia/Shanghai"). BK_ERR_CONFIG when
 * the name is not in the database. Free with tz_free (NULL is fine). */
enum bk_status tz_open(const char *name, struct tz **out, struct bk_err *err);
void tz_free(struct tz *tz);
const char *tz_name(const struct tz *tz);

/* The local calendar day of an instant; hour (0-23) too when hour is not NULL. */
bk_day tz_local_day(const struct tz *tz, int64_t unix_ms, int *hour);

/* The local calendar day of an instant and its minute of that day by the
 * wall clock (0-1439): 09:14:59.999 is minute 554. On a day the clocks go
 * back, the minutes of the repeated hour come twice; on one they go
 * forward, the skipped hour's minutes never come. */
bk_day tz_local_minute(const struct tz *tz, int64_t unix_ms, int *minute);

/* Parses ISO 8601 "2023-07-04T09:30:00" (local time in tz), with an optional
 * fraction and "Z" or "+08:00" offset; a date alone means local midnight. */
enum bk_status tz_parse_instant(const struct tz *tz, const char *iso, int64_t *unix_ms,
                                struct bk_err *err);
/* Formats an instant as local ISO 8601 with offset, "2023-07-04T09:30:00+08:00";
 * buf holds at least 32 bytes. Returns buf. */
char *tz_format_instant(const struct tz *tz, int64_t unix_ms, char *buf);

/* The current time, Unix milliseconds. */
int64_t tz_now_ms(void);

#endif
