/* badgectl: the command line for organisers and staff.
 *
 * A thin layer over the core: it parses arguments, opens what a command
 * needs (config, store, keys), calls one core function and turns the result
 * or the error into text. It is, with the kiosk's main, the only place that
 * prints or exits. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libintl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "badge/badge.h"
#include "badge/qrimage.h"
#include "core/checkin.h"
#include "event/config.h"
#include "event/csv.h"
#include "util/err.h"
#include "core/find.h"
#include "util/i18n.h"
#include "util/json.h"
#include "core/report.h"
#include "event/roster.h"
#include "store/store.h"
#include "core/token.h"
#include "util/xalloc.h"
#include "print/badgeprint.h"
#include "print/printer.h"
#include "scan/decode.h"
#include "scan/stats.h"
#include "scan/text.h"

#ifndef BK_LOCALEDIR
#define BK_LOCALEDIR "/usr/share/locale"
#endif

/* Exit statuses, documented in badgectl(1) and the README. */
enum {
    EXIT_DONE = 0,
    EXIT_PARTIAL = 1, /* some rows skipped; a refused check-in */
    EXIT_REJECTED = 2, /* the input as a whole was refused; a usage error */
    EXIT_FAILED = 3,   /* the system failed: store, disk, keys */
};

/* Global options: given before the command, they override the config for one run. */
struct options {
    const char *config;
    const char *db;
    const char *keys;
    const char *printer;
};

struct cmd {
    const char *name;
    const char *args;
    const char *help;
    int (*run)(struct config *cfg, int argc, char **argv);
};

static const char *progname = "badgectl";

static int report_error(const struct bk_err *err)
{
    char buf[2048];
    fprintf(stderr, "%s: %s\n", progname, bk_err_format(err, buf, sizeof buf));
    switch (err->status) {
    case BK_ERR_PARSE:
    case BK_ERR_INVALID:
    case BK_ERR_CONFIG:
    case BK_ERR_TOO_BIG:
    case BK_ERR_NOT_FOUND:
    case BK_ERR_EXISTS:
        return EXIT_REJECTED;
    default:
        return EXIT_FAILED;
    }
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "%s: ", progname);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%s\n", _("Run 'badgectl --help' for the commands."));
    return EXIT_REJECTED;
}

static int open_store(const struct config *cfg, struct store **out)
{
    struct bk_err err = {0};
    /* The store's folder is made on first use, private to the operator. */
    char *dir = xstrdup(cfg->database);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        mkdir(dir, 0700);
    }
    free(dir);
    if (store_open(cfg->database, out, &err) != BK_OK)
        return report_error(&err);
    return EXIT_DONE;
}

static int load_keys(const struct config *cfg, struct token_keys **keys)
{
    struct bk_err err = {0};
    *keys = NULL;
    if (cfg->qr_mode == CONFIG_QR_PLAIN)
        return EXIT_DONE;
    if (token_keys_load(cfg->keys_dir, keys, &err) != BK_OK)
        return report_error(&err);
    return EXIT_DONE;
}

/* ---- import / check ---------------------------------------------------- */

static int read_roster(const struct config *cfg, const char *path, struct roster **r)
{
    struct bk_err err = {0};
    if (roster_read(cfg, path, r, &err) != BK_OK) {
        report_error(&err);
        fprintf(stderr, _("%s: the file was not imported; nothing was changed.\n"), progname);
        return EXIT_REJECTED;
    }
    for (size_t i = 0; i < (*r)->n_problems; i++) {
        const struct roster_problem *p = &(*r)->problems[i];
        fprintf(stderr, "%s:%ld: %s%s%s%s\n", path, p->line, p->field[0] ? p->field : "",
                p->field[0] ? ": " : "", p->message, _(" (row skipped)"));
    }
    return EXIT_DONE;
}

static int cmd_check(struct config *cfg, int argc, char **argv)
{
    if (argc != 2)
        return usage_error(_("usage: badgectl check FILE.csv%s"), "");
    struct roster *r;
    int rc = read_roster(cfg, argv[1], &r);
    if (rc)
        return rc;
    printf(_("%s: %zu rows, %zu would be imported, %zu skipped.\n"), argv[1], r->n_rows,
           r->n_people, r->n_problems);
    rc = r->n_problems ? EXIT_PARTIAL : EXIT_DONE;
    roster_free(r);
    return rc;
}

static int cmd_import(struct config *cfg, int argc, char **argv)
{
    if (argc != 2)
        return usage_error(_("usage: badgectl import FILE.csv%s"), "");
    struct roster *r;
    int rc = read_roster(cfg, argv[1], &r);
    if (rc)
        return rc;
    struct store *s;
    if ((rc = open_store(cfg, &s))) {
        roster_free(r);
        return rc;
    }
    struct store_import_summary sum = {0};
    struct bk_err err = {0};
    if (store_import(s, r, &sum, &err) != BK_OK) {
        rc = report_error(&err);
        fprintf(stderr, _("%s: the file was not imported; nothing was changed.\n"), progname);
    } else {
        printf(_("%s: %zu rows: %zu added, %zu updated, %zu unchanged, %zu skipped; "
                 "%zu withdrawn, %zu reinstated.\n"),
               argv[1], r->n_rows, sum.added, sum.updated, sum.unchanged, r->n_problems,
               sum.withdrawn, sum.reinstated);
        rc = r->n_problems ? EXIT_PARTIAL : EXIT_DONE;
    }
    store_close(s);
    roster_free(r);
    return rc;
}

/* ---- keys and QR codes ------------------------------------------------- */

static int cmd_keygen(struct config *cfg, int argc, char **argv)
{
    int rotate = argc == 2 && strcmp(argv[1], "--rotate") == 0;
    if (argc > 2 || (argc == 2 && !rotate))
        return usage_error(_("usage: badgectl keygen [--rotate]%s"), "");
    char keyid[16];
    struct bk_err err = {0};
    if (token_keygen(cfg->keys_dir, rotate, keyid, &err) != BK_OK)
        return report_error(&err);
    printf(_("New signing key %s in %s (event.key is secret: keep it off the kiosks; they "
             "need only event.pub).\n"),
           keyid, cfg->keys_dir);
    return EXIT_DONE;
}

static int sign_for(const struct config *cfg, const struct token_keys *keys, const char *id,
                    char **payload)
{
    struct bk_err err = {0};
    if (cfg->qr_mode == CONFIG_QR_PLAIN) {
        *payload = xasprintf("%s%s", cfg->plain_prefix, id);
        return EXIT_DONE;
    }
    if (token_sign_new(keys, cfg->event_id, id, payload, &err) != BK_OK)
        return report_error(&err);
    return EXIT_DONE;
}

static int cmd_token(struct config *cfg, int argc, char **argv)
{
    if (argc != 2)
        return usage_error(_("usage: badgectl token ID%s"), "");
    struct store *s;
    struct token_keys *keys;
    int rc = load_keys(cfg, &keys);
    if (rc)
        return rc;
    if ((rc = open_store(cfg, &s))) {
        token_keys_free(keys);
        return rc;
    }
    struct attendee a = {0};
    struct bk_err err = {0};
    if (store_get_attendee(s, argv[1], &a, &err) != BK_OK) {
        rc = report_error(&err);
    } else {
        char *payload;
        rc = sign_for(cfg, keys, a.id, &payload);
        if (!rc) {
            const char *ids[] = {a.id}, *payloads[] = {payload};
            if (store_set_tokens(s, 1, ids, payloads, &err) != BK_OK)
                rc = report_error(&err);
            else
                puts(payload);
            free(payload);
        }
        attendee_clear(&a);
    }
    store_close(s);
    token_keys_free(keys);
    return rc;
}

struct issue_ctx {
    const struct config *cfg;
    const struct token_keys *keys;
    const char *dir;
    FILE *csv;
    size_t written;
    int rc;
    char **ids, **payloads; /* kept in the store once the walk is over */
    size_t n, cap;
};

/* File names from registration IDs: keep letters, digits, '-' and '_'. */
static char *safe_file_name(const char *id)
{
    char *s = xstrdup(id);
    for (char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_'))
            *p = '_';
    return s;
}

static int issue_one(void *ctx, const struct attendee *a)
{
    struct issue_ctx *x = ctx;
    if (a->status != ATTENDEE_CONFIRMED)
        return 0;
    char *payload;
    if ((x->rc = sign_for(x->cfg, x->keys, a->id, &payload)))
        return 1;
    char *base = safe_file_name(a->id);
    char *file = xasprintf("%s.png", base);
    char *path = xasprintf("%s/%s", x->dir, file);
    struct bk_err err = {0};
    int version = 0;
    if (qrimage_write_png(payload, 8, 300, path, &version, &err) != BK_OK) {
        x->rc = report_error(&err);
    } else {
        const char *cells[] = {a->id, a->email, payload, file};
        for (size_t i = 0; i < 4; i++) {
            if (i)
                fputc(',', x->csv);
            csv_write_field(x->csv, cells[i], true);
        }
        fputs("\r\n", x->csv);
        x->written++;
        if (x->n == x->cap) {
            x->cap = x->cap ? 2 * x->cap : 256;
            x->ids = xrealloc(x->ids, x->cap * sizeof *x->ids);
            x->payloads = xrealloc(x->payloads, x->cap * sizeof *x->payloads);
        }
        x->ids[x->n] = xstrdup(a->id);
        x->payloads[x->n++] = payload;
        payload = NULL;
    }
    free(payload);
    free(base);
    free(file);
    free(path);
    return x->rc != 0;
}

static int cmd_issue(struct config *cfg, int argc, char **argv)
{
    const char *dir = NULL;
    if (argc == 3 && strcmp(argv[1], "--out") == 0)
        dir = argv[2];
    else if (argc == 2 && strncmp(argv[1], "--out=", 6) == 0)
        dir = argv[1] + 6;
    if (!dir)
        return usage_error(_("usage: badgectl issue --out DIR%s"), "");
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, _("%s: %s: cannot create the folder: %s\n"), progname, dir,
                strerror(errno));
        return EXIT_FAILED;
    }
    struct token_keys *keys;
    struct store *s;
    int rc = load_keys(cfg, &keys);
    if (rc)
        return rc;
    if ((rc = open_store(cfg, &s))) {
        token_keys_free(keys);
        return rc;
    }
    char *csv_path = xasprintf("%s/tokens.csv", dir);
    /* The mail merge's input holds e-mail addresses: created 0600, not
     * chmod-ed after the fact, so it is never readable by others even for
     * a moment (an existing file keeps its mode: fchmod below). */
    int csv_fd = open(csv_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FILE *csv = csv_fd >= 0 ? fdopen(csv_fd, "w") : NULL;
    if (!csv && csv_fd >= 0)
        close(csv_fd);
    if (!csv) {
        fprintf(stderr, _("%s: %s: cannot write: %s\n"), progname, csv_path, strerror(errno));
        rc = EXIT_FAILED;
    } else {
        fchmod(fileno(csv), 0600);
        fputs("id,email,payload,file\r\n", csv);
        struct issue_ctx x = {.cfg = cfg, .keys = keys, .dir = dir, .csv = csv};
        struct bk_err err = {0};
        if (store_foreach_attendee(s, issue_one, &x, &err) != BK_OK && !x.rc)
            x.rc = report_error(&err);
        /* Kiosks print these on badges; they hold no signing key. */
        if (!x.rc && store_set_tokens(s, x.n, (const char *const *)x.ids,
                                      (const char *const *)x.payloads, &err) != BK_OK)
            x.rc = report_error(&err);
        for (size_t i = 0; i < x.n; i++) {
            free(x.ids[i]);
            free(x.payloads[i]);
        }
        free(x.ids);
        free(x.payloads);
        if (fclose(csv) != 0 && !x.rc) {
            fprintf(stderr, _("%s: %s: cannot write: %s\n"), progname, csv_path,
                    strerror(errno));
            x.rc = EXIT_FAILED;
        }
        rc = x.rc;
        if (!rc)
            printf(_("%zu QR codes written to %s, with %s for the mail merge.\n"), x.written,
                   dir, csv_path);
    }
    free(csv_path);
    store_close(s);
    token_keys_free(keys);
    return rc;
}

/* ---- scan -------------------------------------------------------------- */

/* Prints bytes that may hold anything as one line: valid UTF-8 as is,
 * Shift_JIS without an ECI converted to UTF-8 (scan/text.h), anything else
 * as bytes; control bytes escaped either way, so a hostile code cannot mess
 * up the terminal. Only this printing converts: check-in verifies the raw
 * bytes. */
static void print_payload(const unsigned char *raw, size_t raw_len)
{
    size_t len = 0;
    enum scan_text_kind kind;
    char *text = scan_text_utf8_new(raw, raw_len, &len, &kind);
    const unsigned char *p = text ? (const unsigned char *)text : raw;
    if (!text)
        len = raw_len;
    for (size_t i = 0; i < len; i++) {
        if (p[i] < 0x20 || p[i] == 0x7f || p[i] == '\\')
            printf("\\x%02x", p[i]);
        else
            putchar(p[i]);
    }
    putchar('\n');
    free(text);
}

/* scan --stats DIR: the library counts, this only prints. */
static int scan_stats(struct scan_decoder *dec, const char *dir)
{
    struct scan_stats *st = NULL;
    struct bk_err err = {0};
    if (scan_stats_dir(dec, dir, &st, &err) != BK_OK)
        return report_error(&err);
    for (size_t i = 0; i <= st->n_sets; i++) {
        const struct scan_stats_set *s = i < st->n_sets ? &st->sets[i] : &st->total;
        printf(_("%s: %zu of %zu read exactly (%zu as text), %zu unreadable; "
                 "median %.1f ms, worst %.1f ms\n"),
               i < st->n_sets ? s->name : _("all"), s->exact, s->images, s->text, s->unreadable,
               s->median_ms, s->worst_ms);
    }
    int rc = st->total.exact == st->total.images ? EXIT_DONE : EXIT_PARTIAL;
    scan_stats_free(st);
    return rc;
}

static int cmd_scan(struct config *cfg, int argc, char **argv)
{
    (void)cfg;
    bool stats = argc > 1 && strcmp(argv[1], "--stats") == 0;
    if (argc < 2 || (stats && argc != 3))
        return usage_error(_("usage: badgectl scan IMAGE... | scan --stats DIR%s"), "");
    struct scan_decoder *dec;
    struct bk_err derr = {0};
    if (scan_decoder_new(&dec, &derr) != BK_OK)
        return report_error(&derr);
    if (stats) {
        int src = scan_stats(dec, argv[2]);
        scan_decoder_free(dec);
        return src;
    }
    int rc = EXIT_DONE;
    for (int i = 1; i < argc; i++) {
        struct scan_results *res = NULL;
        struct bk_err err = {0};
        if (scan_decode_file(dec, argv[i], &res, &err) != BK_OK) {
            report_error(&err);
            rc = EXIT_PARTIAL;
            continue;
        }
        if (res->n == 0) {
            fprintf(stderr, _("%s: %s: no QR code found\n"), progname, argv[i]);
            rc = EXIT_PARTIAL;
        }
        for (size_t j = 0; j < res->n; j++)
            print_payload(res->items[j].data, res->items[j].len);
        scan_results_free(res);
    }
    scan_decoder_free(dec);
    return rc;
}

/* ---- check-in ---------------------------------------------------------- */

static void print_checkin_json(const struct config *cfg, const struct checkin_result *res)
{
    char buf[32];
    printf("{");
    json_write_key(stdout, "outcome", 1);
    json_write_string(stdout, checkin_outcome_code(res->outcome));
    json_write_key(stdout, "attendee", 0);
    json_write_string(stdout, res->attendee_id[0] ? res->attendee_id : NULL);
    json_write_key(stdout, "day", 0);
    json_write_string(stdout, tz_day_format(res->day, buf));
    json_write_key(stdout, "badge_needed", 0);
    fputs(res->badge_needed ? "true" : "false", stdout);
    if (res->has_attendee) {
        char *name = attendee_display_name_new(&res->attendee);
        json_write_key(stdout, "name", 0);
        json_write_string(stdout, name);
        free(name);
    }
    if (res->event) {
        json_write_key(stdout, "event", 0);
        json_write_string(stdout, res->event->code);
    }
    if (res->outcome == CHECKIN_ALREADY_CHECKED_IN || res->outcome == CHECKIN_CHECKED_IN) {
        json_write_key(stdout, "first_at", 0);
        json_write_string(stdout, tz_format_instant(cfg->tz, res->first_at_ms, buf));
    }
    if (res->outcome == CHECKIN_INVALID) {
        json_write_key(stdout, "reason", 0);
        json_write_string(stdout, token_reason_code(res->reason));
    }
    printf("}\n");
}

static void print_checkin_text(const struct config *cfg, const struct checkin_result *res)
{
    char *name = res->has_attendee ? attendee_display_name_new(&res->attendee) : NULL;
    char when[32], day[11];
    tz_day_format(res->day, day);
    switch (res->outcome) {
    case CHECKIN_CHECKED_IN:
        printf(_("Checked in: %s (%s) for %s, %s.%s\n"), name, res->attendee_id,
               res->event->short_name, day, res->badge_needed ? _(" Print a badge.") : "");
        break;
    case CHECKIN_ALREADY_CHECKED_IN:
        printf(_("Already checked in today: %s (%s), first at %s.\n"), name, res->attendee_id,
               tz_format_instant(cfg->tz, res->first_at_ms, when));
        break;
    case CHECKIN_NOT_REGISTERED_TODAY:
        printf(_("Not registered for today's event (%s): %s (%s) is registered for %s.\n"), day,
               name, res->attendee_id, res->attendee.events);
        break;
    case CHECKIN_WITHDRAWN:
        printf(_("Registration withdrawn: %s (%s). Send the person to the registration "
                 "desk.\n"),
               name, res->attendee_id);
        break;
    case CHECKIN_UNKNOWN:
        printf(_("Unknown registration ID %s: not in the attendee list.\n"), res->attendee_id);
        break;
    case CHECKIN_INVALID:
        printf(_("Invalid code: %s\n"), token_reason_text(res->reason));
        break;
    case CHECKIN_NO_EVENT_TODAY:
        printf(_("No event is held on %s.\n"), day);
        break;
    }
    free(name);
}

static int cmd_checkin(struct config *cfg, int argc, char **argv)
{
    static const struct option longopts[] = {{"now", required_argument, NULL, 'n'},
                                             {"json", no_argument, NULL, 'j'},
                                             {"manual", no_argument, NULL, 'm'},
                                             {"kiosk", required_argument, NULL, 'k'},
                                             {NULL, 0, NULL, 0}};
    const char *now_arg = NULL, *kiosk = NULL;
    int json = 0, manual = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
        switch (c) {
        case 'n':
            now_arg = optarg;
            break;
        case 'j':
            json = 1;
            break;
        case 'm':
            manual = 1;
            break;
        case 'k':
            kiosk = optarg;
            break;
        default:
            return usage_error(
                _("usage: badgectl checkin [--now ISO8601] [--json] [--manual] PAYLOAD%s"), "");
        }
    }
    if (optind != argc - 1)
        return usage_error(
            _("usage: badgectl checkin [--now ISO8601] [--json] [--manual] PAYLOAD%s"), "");
    const char *payload = argv[optind];
    struct bk_err err = {0};
    int64_t now = tz_now_ms();
    if (now_arg && tz_parse_instant(cfg->tz, now_arg, &now, &err) != BK_OK)
        return report_error(&err);

    struct token_keys *keys;
    struct store *s;
    int rc = manual ? EXIT_DONE : load_keys(cfg, &keys);
    if (manual)
        keys = NULL;
    if (rc)
        return rc;
    if ((rc = open_store(cfg, &s))) {
        /* Said here too: staff must not take a store that cannot open
         * (full or read-only disk, locked) for a refused person. */
        fprintf(stderr, _("%s: the check-in was NOT recorded.\n"), progname);
        token_keys_free(keys);
        return rc;
    }
    struct checkin_context ctx = {cfg, keys, s, kiosk ? kiosk : cfg->kiosk_id};
    struct checkin_result res;
    if (checkin_process(&ctx, payload, strlen(payload), manual ? CHECKIN_MANUAL : CHECKIN_CLI,
                        now, &res, &err) != BK_OK) {
        rc = report_error(&err);
        fprintf(stderr, _("%s: the check-in was NOT recorded.\n"), progname);
    } else {
        if (json)
            print_checkin_json(cfg, &res);
        else
            print_checkin_text(cfg, &res);
        rc = res.outcome == CHECKIN_CHECKED_IN || res.outcome == CHECKIN_ALREADY_CHECKED_IN
                 ? EXIT_DONE
                 : EXIT_PARTIAL;
        checkin_result_clear(&res);
    }
    store_close(s);
    token_keys_free(keys);
    return rc;
}

/* ---- verify, find, report, export -------------------------------------- */

static int cmd_verify(struct config *cfg, int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return usage_error(_("usage: badgectl verify%s"), "");
    struct store *s;
    int rc = open_store(cfg, &s);
    if (rc)
        return rc;
    int64_t records = 0, first_bad = 0;
    struct bk_err err = {0};
    if (store_verify_chain(s, &records, &first_bad, &err) != BK_OK) {
        rc = report_error(&err);
    } else {
        printf(_("Event log intact: %lld records, each matching the hash of the one before.\n"),
               (long long)records);
    }
    store_close(s);
    return rc;
}

static int cmd_find(struct config *cfg, int argc, char **argv)
{
    int json = 0, limit = 20;
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (strncmp(argv[i], "--limit=", 8) == 0 && atoi(argv[i] + 8) > 0)
            limit = atoi(argv[i] + 8);
        else
            return usage_error(_("unknown option %s"), argv[i]);
    }
    if (i >= argc)
        return usage_error(_("usage: badgectl find [--json] [--limit=N] TEXT...%s"), "");
    char *query = xstrdup("");
    for (; i < argc; i++) {
        char *q = xasprintf("%s %s", query, argv[i]);
        free(query);
        query = q;
    }
    struct store *s;
    int rc = open_store(cfg, &s);
    if (rc) {
        free(query);
        return rc;
    }
    struct finder *f;
    struct bk_err err = {0};
    if (finder_new_from_store(s, &f, &err) != BK_OK) {
        rc = report_error(&err);
    } else {
        struct finder_hit *hits = xcalloc((size_t)limit, sizeof *hits);
        size_t n = finder_search(f, query, hits, (size_t)limit);
        if (json)
            fputc('[', stdout);
        for (size_t k = 0; k < n; k++) {
            if (json) {
                fputs(k ? ",{" : "{", stdout);
                json_write_key(stdout, "id", 1);
                json_write_string(stdout, hits[k].id);
                json_write_key(stdout, "name", 0);
                json_write_string(stdout, hits[k].name);
                json_write_key(stdout, "organization", 0);
                json_write_string(stdout, hits[k].organization);
                json_write_key(stdout, "country", 0);
                json_write_string(stdout, hits[k].country);
                json_write_key(stdout, "withdrawn", 0);
                fputs(hits[k].withdrawn ? "true}" : "false}", stdout);
            } else {
                printf("%s\t%s\t%s\t%s%s\n", hits[k].id, hits[k].name, hits[k].organization,
                       hits[k].country, hits[k].withdrawn ? _("\t(withdrawn)") : "");
            }
        }
        if (json)
            fputs("]\n", stdout);
        else if (!n)
            fprintf(stderr, _("%s: nobody matches '%s'.\n"), progname, query + 1);
        rc = n ? EXIT_DONE : EXIT_PARTIAL;
        free(hits);
        finder_free(f);
    }
    store_close(s);
    free(query);
    return rc;
}

static int cmd_report(struct config *cfg, int argc, char **argv)
{
    int json = argc == 2 && strcmp(argv[1], "--json") == 0;
    if (argc > 2 || (argc == 2 && !json))
        return usage_error(_("usage: badgectl report [--json]%s"), "");
    struct store *s;
    int rc = open_store(cfg, &s);
    if (rc)
        return rc;
    struct report *r;
    struct bk_err err = {0};
    if (report_new(s, cfg, &r, &err) != BK_OK) {
        rc = report_error(&err);
    } else {
        if (json)
            report_write_json(r, stdout);
        else
            report_write_text(r, stdout);
        report_free(r);
    }
    store_close(s);
    return rc;
}

static int cmd_export(struct config *cfg, int argc, char **argv)
{
    if (argc != 2)
        return usage_error(_("usage: badgectl export FILE.csv%s"), "");
    struct store *s;
    int rc = open_store(cfg, &s);
    if (rc)
        return rc;
    size_t rows = 0;
    struct bk_err err = {0};
    if (report_export_csv(s, cfg, argv[1], &rows, &err) != BK_OK)
        rc = report_error(&err);
    else
        printf(_("%s: %zu attendees, one column per event day. It holds personal data: "
                 "share it only with the organisers.\n"),
               argv[1], rows);
    store_close(s);
    return rc;
}

/* ---- badges and printing --------------------------------------------- */

static int cmd_badge(struct config *cfg, int argc, char **argv)
{
    const char *out = NULL, *id = NULL;
    /* --monochrome and --dpi: exactly what a label printer is sent. */
    struct badge_output want = badge_output_of_config(cfg);
    for (int i = 1; i < argc; i++) {
        char *end = NULL;
        if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
            out = argv[++i];
        else if (strcmp(argv[i], "--monochrome") == 0)
            want.monochrome = true;
        else if (strcmp(argv[i], "--dpi") == 0 && i + 1 < argc &&
                 (want.dpi = (int)strtol(argv[++i], &end, 10), *end == '\0'))
            ;
        else if (argv[i][0] != '-' && !id)
            id = argv[i];
        else
            id = NULL, i = argc;
    }
    if (!id || !out)
        return usage_error(_("usage: badgectl badge ID --out FILE.png [--monochrome] [--dpi N]%s"),
                           "");
    struct store *s;
    int rc = open_store(cfg, &s);
    if (rc)
        return rc;
    struct bk_err err = {0};
    struct attendee a = {0};
    struct badge_renderer *r = NULL;
    struct badge_image *img = NULL;
    char *payload = NULL;
    char serial[TOKEN_SERIAL_LEN + 1] = "PREVUE";
    if (store_get_attendee(s, id, &a, &err) != BK_OK ||
        store_get_token(s, id, &payload, &err) != BK_OK ||
        badge_renderer_new(cfg, &r, &err) != BK_OK ||
        badge_renderer_set_output(r, &want, &err) != BK_OK) {
        rc = report_error(&err);
    } else {
        /* A preview carries no serial of a real badge: it is not recorded. */
        char *qr = token_badge_payload_new(serial, payload);
        if (badge_render(r, &a, qr, &img, &err) != BK_OK ||
            badge_image_write_png(img, out, &err) != BK_OK)
            rc = report_error(&err);
        else
            printf(img->monochrome ? _("%s: badge of %s, %dx%d pixels at %d dpi, black and "
                                       "white.\n")
                                   : _("%s: badge of %s, %dx%d pixels at %d dpi.\n"),
                   out, id, img->width, img->height, img->dpi);
        free(qr);
    }
    badge_image_free(img);
    badge_renderer_free(r);
    free(payload);
    attendee_clear(&a);
    store_close(s);
    return rc;
}

static void print_result(const char *attendee, const struct badgeprint_result *res)
{
    switch (res->outcome) {
    case BADGEPRINT_PRINTED:
        printf(_("%s: badge %s printed (job %d).\n"), attendee, res->serial, res->job);
        break;
    case BADGEPRINT_WRITTEN:
        printf(_("%s: badge %s written to %s.\n"), attendee, res->serial, res->file);
        break;
    case BADGEPRINT_PENDING:
        printf(_("%s: badge %s NOT printed, kept pending: %s\n"), attendee, res->serial,
               res->problem);
        break;
    case BADGEPRINT_UNCLEAR:
        printf(_("%s: badge %s sent, outcome not known yet: %s\n"), attendee, res->serial,
               res->problem);
        break;
    case BADGEPRINT_ALREADY_HAS:
        printf(_("%s already has a badge. For a replacement: badgectl print --reprint REASON "
                 "%s\n"),
               attendee, attendee);
        break;
    }
}

struct pending_tally {
    size_t done, left;
};

static void note_pending(void *arg, const char *attendee, const struct badgeprint_result *res)
{
    struct pending_tally *t = arg;
    print_result(attendee, res);
    if (res->outcome == BADGEPRINT_PRINTED || res->outcome == BADGEPRINT_WRITTEN)
        t->done++;
    else
        t->left++;
}

static int cmd_print(struct config *cfg, int argc, char **argv)
{
    const char *reason = NULL, *id = NULL, *now_arg = NULL;
    int pending = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--reprint") == 0 && i + 1 < argc)
            reason = argv[++i];
        else if (strcmp(argv[i], "--now") == 0 && i + 1 < argc)
            now_arg = argv[++i];
        else if (strcmp(argv[i], "--pending") == 0)
            pending = 1;
        else if (argv[i][0] != '-' && !id)
            id = argv[i];
        else
            id = NULL, pending = 0, i = argc;
    }
    if (pending == (id != NULL) || (pending && reason))
        return usage_error(_("usage: badgectl print [--now ISO8601] [--reprint REASON] ID, or "
                             "badgectl print [--now ISO8601] --pending%s"),
                           "");
    struct bk_err err = {0};
    int64_t now = tz_now_ms();
    if (now_arg && tz_parse_instant(cfg->tz, now_arg, &now, &err) != BK_OK)
        return report_error(&err);
    struct store *s;
    int rc = open_store(cfg, &s);
    if (rc)
        return rc;
    struct badge_renderer *r = NULL;
    if (badge_renderer_new(cfg, &r, &err) != BK_OK) {
        store_close(s);
        return report_error(&err);
    }
    struct badgeprint_context ctx = {cfg, s, r, cfg->printer, cfg->kiosk_id, NULL};
    if (pending) {
        struct pending_tally t = {0};
        if (badgeprint_pending(&ctx, now, note_pending, &t, &err) != BK_OK)
            rc = report_error(&err);
        else {
            printf(_("%zu pending badges printed, %zu still waiting.\n"), t.done, t.left);
            rc = t.left ? EXIT_PARTIAL : EXIT_DONE;
        }
    } else {
        struct badgeprint_result res;
        if (badgeprint_person(&ctx, id, reason, NULL, now, &res, &err) != BK_OK)
            rc = report_error(&err);
        else {
            print_result(id, &res);
            rc = res.outcome == BADGEPRINT_PRINTED || res.outcome == BADGEPRINT_WRITTEN
                     ? EXIT_DONE
                     : EXIT_PARTIAL;
        }
    }
    badge_renderer_free(r);
    store_close(s);
    return rc;
}

static int cmd_printer(struct config *cfg, int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return usage_error(_("usage: badgectl printer%s"), "");
    if (!cfg->printer[0]) {
        fprintf(stderr, _("%s: no printer is configured: set [printer] printer, or give "
                          "--printer NAME|URI\n"),
                progname);
        return EXIT_REJECTED;
    }
    struct printer *p;
    struct printer_status st;
    struct bk_err err = {0};
    char dpi[16];
    if (printer_open(cfg->printer, &p, &err) != BK_OK)
        return report_error(&err);
    int rc = EXIT_DONE;
    if (printer_get_status(p, &st, &err) != BK_OK) {
        rc = report_error(&err);
    } else {
        printf(_("Printer: %s (%s)\n"), cfg->printer, st.make_model);
        printf(_("State: %s%s\n"), st.state_text,
               st.accepting ? "" : _(", not accepting jobs"));
        if (st.reasons[0])
            printf(_("Problems: %s\n"), st.reasons);
        if (st.message[0])
            printf(_("Message: %s\n"), st.message);
        printf(_("Jobs waiting: %zu\n"), st.queued);
        struct printer_caps caps;
        printer_get_caps(p, &caps);
        struct badge_output o = badgeprint_output(cfg, &caps);
        printf(_("Prints: %s, %s dpi, media %s\n"), caps.monochrome ? _("monochrome") : _("colour"),
               caps.dpi ? (snprintf(dpi, sizeof dpi, "%d", caps.dpi), dpi) : _("unknown"),
               caps.media[0] ? caps.media : _("unknown"));
        printf(_("Badges for it: %s at %d dpi\n"),
               o.monochrome ? _("black and white") : _("colour"), o.dpi);
        rc = st.state == 5 || st.reasons[0] || !st.accepting ? EXIT_PARTIAL : EXIT_DONE;
    }
    printer_close(p);
    return rc;
}

static int cmd_pin_hash(struct config *cfg, int argc, char **argv)
{
    (void)cfg;
    (void)argv;
    if (argc != 1)
        return usage_error(_("usage: badgectl pin-hash  (reads the PIN on standard input)%s"),
                           "");
    char pin[128];
    if (isatty(STDIN_FILENO))
        fprintf(stderr, _("Staff PIN: "));
    if (!fgets(pin, sizeof pin, stdin))
        return usage_error(_("no PIN given on standard input%s"), "");
    pin[strcspn(pin, "\r\n")] = '\0';
    if (strlen(pin) < 4)
        return usage_error(_("a staff PIN needs at least 4 characters%s"), "");
    char out[crypto_pwhash_STRBYTES];
    if (sodium_init() < 0 ||
        crypto_pwhash_str(out, pin, strlen(pin), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
        fprintf(stderr, _("%s: cannot hash the PIN (out of memory?)\n"), progname);
        return EXIT_FAILED;
    }
    sodium_memzero(pin, sizeof pin);
    printf("%s\n", out);
    return EXIT_DONE;
}

static const struct cmd commands[] = {
    {"import", N_("FILE.csv"), N_("import or update the attendee list"), cmd_import},
    {"check", N_("FILE.csv"), N_("check an export without importing it"), cmd_check},
    {"keygen", N_("[--rotate]"), N_("make the event's signing key pair"), cmd_keygen},
    {"token", N_("ID"), N_("print one attendee's signed QR payload"), cmd_token},
    {"issue", N_("--out DIR"), N_("write a QR code per confirmed attendee and tokens.csv"),
     cmd_issue},
    {"scan", N_("IMAGE... | --stats DIR"),
     N_("decode the QR codes in PNG or JPEG files; --stats: count exact reads of NAME.png/.jpg "
        "against NAME.txt"),
     cmd_scan},
    {"checkin", N_("[--now ISO8601] [--json] [--manual] PAYLOAD"),
     N_("check a person in, exactly as the kiosk does"), cmd_checkin},
    {"verify", "", N_("check the event log's hash chain"), cmd_verify},
    {"badge", N_("ID --out FILE.png [--monochrome] [--dpi N]"),
     N_("draw a person's badge into a PNG (a preview)"), cmd_badge},
    {"print", N_("[--now ISO8601] [--reprint REASON] ID | --pending"),
     N_("print a first badge, a replacement, or every pending badge"), cmd_print},
    {"printer", "", N_("the printer's state and queue"), cmd_printer},
    {"find", N_("[--json] [--limit=N] TEXT"), N_("find attendees by name or organisation"),
     cmd_find},
    {"report", N_("[--json]"), N_("attendance per day and per event"), cmd_report},
    {"export", N_("FILE.csv"), N_("one row per attendee, a column per day"), cmd_export},
    {"pin-hash", "", N_("hash a staff PIN (read from standard input) for the config"),
     cmd_pin_hash},
};

static void print_help(void)
{
    printf(_("Usage: badgectl [--config FILE] [--db FILE] [--keys DIR] [--printer NAME|URI] "
             "COMMAND [ARGS]\n\n"));
    printf(_("Commands:\n"));
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        char left[80];
        snprintf(left, sizeof left, "%s %s", commands[i].name,
                 commands[i].args[0] ? _(commands[i].args) : "");
        printf("  %-48s %s\n", left, _(commands[i].help));
    }
    printf(_("\nWithout --config: %s when installed, else the source tree's "
             "kiosk-config/fgmv2-shanghai.ini.\n"),
           CONFIG_INSTALLED_PATH);
    printf(_("Exit status: 0 done; 1 some rows skipped or the check-in refused; 2 the input "
             "was rejected; 3 the system failed (store, disk, keys).\n"));
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    bindtextdomain(BK_TEXTDOMAIN, BK_LOCALEDIR);

    static const struct option longopts[] = {{"config", required_argument, NULL, 'c'},
                                             {"db", required_argument, NULL, 'd'},
                                             {"keys", required_argument, NULL, 'k'},
                                             {"printer", required_argument, NULL, 'p'},
                                             {"help", no_argument, NULL, 'h'},
                                             {"version", no_argument, NULL, 'V'},
                                             {NULL, 0, NULL, 0}};
    struct options opt = {0};
    int c;
    /* "+": stop at the command, whose own options come after it. */
    while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            opt.config = optarg;
            break;
        case 'd':
            opt.db = optarg;
            break;
        case 'k':
            opt.keys = optarg;
            break;
        case 'p':
            opt.printer = optarg;
            break;
        case 'h':
            print_help();
            return EXIT_DONE;
        case 'V':
            printf("badgectl %s\n", BK_VERSION);
            return EXIT_DONE;
        default:
            fprintf(stderr, "%s\n", _("Run 'badgectl --help' for the commands."));
            return EXIT_REJECTED;
        }
    }
    if (optind >= argc) {
        print_help();
        return EXIT_REJECTED;
    }
    const struct cmd *cmd = NULL;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[optind], commands[i].name) == 0)
            cmd = &commands[i];
    if (!cmd)
        return usage_error(_("unknown command '%s'"), argv[optind]);

    char *config_path = opt.config ? xstrdup(opt.config) : config_default_path_new();
    struct config *cfg;
    struct bk_err err = {0};
    if (config_load(config_path, &cfg, &err) != BK_OK) {
        free(config_path);
        report_error(&err);
        return EXIT_REJECTED; /* a missing or broken config is the operator's input */
    }
    free(config_path);
    if (opt.db)
        config_set_path(&cfg->database, opt.db);
    if (opt.keys)
        config_set_path(&cfg->keys_dir, opt.keys);
    if (opt.printer) {
        free(cfg->printer);
        cfg->printer = xstrdup(opt.printer);
    }
    int rc = cmd->run(cfg, argc - optind, argv + optind);
    config_free(cfg);
    if (fflush(stdout) != 0) {
        fprintf(stderr, _("%s: cannot write the output: %s\n"), progname, strerror(errno));
        rc = EXIT_FAILED;
    }
    return rc;
}
