/* tz: days and instants in the venue's time zone; see tz.h.
 *
 * The C library already reads the tz database correctly (transitions, DST
 * rules past the last transition), so rather than parse TZif files again we
 * point TZ at the zone and use localtime_r/mktime. TZ is process-wide: the
 * zone is re-selected only when it differs from the one last set, and a
 * badgekiosk process works for one event, in one zone. */
#include "event/tz.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "util/i18n.h"
#include "util/xalloc.h"

struct tz {
    char *name;
    char *env; /* ":Asia/Shanghai", the value TZ is set to */
};

static const int64_t ms_per_day = 86400000LL;

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil). */
static bk_day days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const int yoe = y - era * 400;
    const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (bk_day)(era * 146097 + doe - 719468);
}

static void civil_from_days(bk_day z, int *y, int *m, int *d)
{
    int zz = z + 719468;
    const int era = (zz >= 0 ? zz : zz - 146096) / 146097;
    const int doe = zz - era * 146097;
    const int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

static int parse_digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

static int valid_date(int y, int m, int d)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1)
        return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= mdays[m - 1] + (m == 2 && leap);
}

/* Reads "YYYY-MM-DD" at s; returns the length read (10) or 0. */
static int parse_date_prefix(const char *s, bk_day *out)
{
    int y, m, d;
    if (!parse_digits(s, 4, &y) || s[4] != '-' || !parse_digits(s + 5, 2, &m) || s[7] != '-' ||
        !parse_digits(s + 8, 2, &d) || !valid_date(y, m, d))
        return 0;
    *out = days_from_civil(y, m, d);
    return 10;
}

bool tz_day_parse(const char *iso, bk_day *out)
{
    return iso && parse_date_prefix(iso, out) && iso[10] == '\0';
}

char *tz_day_format(bk_day day, char *buf)
{
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    snprintf(buf, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
             (unsigned)d % 100u);
    return buf;
}

static void tz_select(const struct tz *tz)
{
    const char *cur = getenv("TZ");
    if (!cur || strcmp(cur, tz->env) != 0) {
        setenv("TZ", tz->env, 1);
        tzset();
    }
}

/* A zone name must be a relative path inside the tz database, and a real file. */
static int zone_exists(const char *name)
{
    if (!name[0] || name[0] == '/' || strstr(name, ".."))
        return 0;
    const char *dir = getenv("TZDIR");
    char *path = xasprintf("%s/%s", dir && dir[0] ? dir : "/usr/share/zoneinfo", name);
    struct stat st;
    int ok = stat(path, &st) == 0 && S_ISREG(st.st_mode);
    free(path);
    return ok;
}

enum bk_status tz_open(const char *name, struct tz **out, struct bk_err *err)
{
    *out = NULL;
    if (!name || !zone_exists(name))
        return bk_err_set(err, BK_ERR_CONFIG, NULL, 0, NULL,
                          _("unknown time zone '%s': use a tz database name such as "
                            "Asia/Shanghai (is the tzdata package installed?)"),
                          name ? name : "");
    struct tz *tz = xcalloc(1, sizeof *tz);
    tz->name = xstrdup(name);
    tz->env = xasprintf(":%s", name);
    *out = tz;
    return BK_OK;
}

void tz_free(struct tz *tz)
{
    if (!tz)
        return;
    free(tz->name);
    free(tz->env);
    free(tz);
}

const char *tz_name(const struct tz *tz)
{
    return tz->name;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

/* Seconds east of UTC at instant t (seconds), and the broken-down local time. */
static long local_offset(const struct tz *tz, time_t t, struct tm *tm)
{
    tz_select(tz);
    localtime_r(&t, tm);
    return tm->tm_gmtoff;
}

bk_day tz_local_day(const struct tz *tz, int64_t unix_ms, int *hour)
{
    struct tm tm;
    time_t t = (time_t)floor_div(unix_ms, 1000);
    long off = local_offset(tz, t, &tm);
    int64_t local_ms = unix_ms + (int64_t)off * 1000;
    if (hour)
        *hour = tm.tm_hour;
    return (bk_day)floor_div(local_ms, ms_per_day);
}

bk_day tz_local_minute(const struct tz *tz, int64_t unix_ms, int *minute)
{
    struct tm tm;
    time_t t = (time_t)floor_div(unix_ms, 1000);
    long off = local_offset(tz, t, &tm);
    *minute = tm.tm_hour * 60 + tm.tm_min;
    return (bk_day)floor_div(unix_ms + (int64_t)off * 1000, ms_per_day);
}

enum bk_status tz_parse_instant(const struct tz *tz, const char *iso, int64_t *unix_ms,
                                struct bk_err *err)
{
    bk_day day;
    int hh = 0, mi = 0, ss = 0, ms = 0;
    const char *p = iso;
    if (!parse_date_prefix(p, &day))
        goto bad;
    p += 10;
    if (*p == 'T' || *p == ' ') {
        if (!parse_digits(p + 1, 2, &hh) || p[3] != ':' || !parse_digits(p + 4, 2, &mi))
            goto bad;
        p += 6;
        if (*p == ':') {
            if (!parse_digits(p + 1, 2, &ss))
                goto bad;
            p += 3;
            if (*p == '.' || *p == ',') {
                int scale = 100;
                p++;
                if (*p < '0' || *p > '9')
                    goto bad;
                while (*p >= '0' && *p <= '9') {
                    ms += (*p - '0') * scale;
                    scale /= 10;
                    p++;
                }
            }
        }
        if (hh > 23 || mi > 59 || ss > 60)
            goto bad;
    }
    int64_t wall_ms = (int64_t)day * ms_per_day + ((int64_t)hh * 3600 + mi * 60 + ss) * 1000 + ms;
    if (*p == 'Z' && p[1] == '\0') {
        *unix_ms = wall_ms;
        return BK_OK;
    }
    if ((*p == '+' || *p == '-') && p[1]) {
        int oh, om = 0;
        int sign = *p == '-' ? -1 : 1;
        if (!parse_digits(p + 1, 2, &oh))
            goto bad;
        const char *q = p + 3;
        if (*q == ':')
            q++;
        if (*q) {
            if (!parse_digits(q, 2, &om) || q[2] != '\0')
                goto bad;
        }
        if (oh > 14 || om > 59)
            goto bad;
        *unix_ms = wall_ms - sign * ((int64_t)oh * 3600 + om * 60) * 1000;
        return BK_OK;
    }
    if (*p != '\0')
        goto bad;
    /* Local wall time: guess with the offset at that instant taken as UTC, then
     * correct once, which is exact except inside a DST gap or overlap. */
    struct tm tm;
    time_t guess = (time_t)floor_div(wall_ms, 1000);
    long off = local_offset(tz, guess, &tm);
    off = local_offset(tz, guess - off, &tm);
    *unix_ms = wall_ms - (int64_t)off * 1000;
    return BK_OK;
bad:
    return bk_err_set(err, BK_ERR_INVALID, NULL, 0, NULL,
                      _("'%s' is not a date and time: write it as 2023-07-04T09:30:00, "
                        "optionally followed by Z or an offset like +08:00"),
                      iso);
}

char *tz_format_instant(const struct tz *tz, int64_t unix_ms, char *buf)
{
    struct tm tm;
    time_t t = (time_t)floor_div(unix_ms, 1000);
    long off = local_offset(tz, t, &tm);
    long aoff = off < 0 ? -off : off;
    snprintf(buf, 32, "%04u-%02u-%02uT%02u:%02u:%02u%c%02lu:%02lu",
             (unsigned)(tm.tm_year + 1900) % 10000u, (unsigned)(tm.tm_mon + 1) % 100u,
             (unsigned)tm.tm_mday % 100u, (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u,
             (unsigned)tm.tm_sec % 100u, off < 0 ? '-' : '+', (unsigned long)(aoff / 3600) % 100u,
             (unsigned long)(aoff / 60) % 60u);
    return buf;
}

int64_t tz_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
