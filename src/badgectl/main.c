/* badgectl: the command line for organisers and staff.
 *
 * A thin layer over the core. Each command is a row of one table (commands[]
 * below): its operands, its options, and what it needs (the configuration,
 * the keys, the store, the printer, the badge renderer). One dispatcher
 * parses the command line with getopt_long, checks it against the row,
 * opens what the row needs, runs the command and closes everything; the
 * command calls the core and turns the result or the error into text. The
 * usage and --help come from the same rows. It is, with the kiosk's main,
 * the only place that prints or exits. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libintl.h>
#include <locale.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "badge/badge.h"
#include "badge/qrimage.h"
#include "core/checkin.h"
#include "event/cliopts.h"
#include "event/config.h"
#include "event/csv.h"
#include "util/err.h"
#include "core/find.h"
#include "util/i18n.h"
#include "util/json.h"
#include "util/utf8.h"
#include "util/outfile.h"
#include "core/report.h"
#include "core/reporthtml.h"
#include "dashboard/server.h"
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

/* The options commands take after their name, one getopt_long table for all
 * (a command lists those it takes in struct cmd's opts). Their value is
 * their index in struct run's opt. */
enum cmd_opt {
    OPT_NONE = 0,
    OPT_ACCEPT_WITHDRAWALS,
    OPT_DPI,
    OPT_HTML,
    OPT_FORCE,
    OPT_JSON,
    OPT_LIMIT,
    OPT_MANUAL,
    OPT_MONOCHROME,
    OPT_NOW,
    OPT_OUT,
    OPT_PENDING,
    OPT_REPRINT,
    OPT_ROTATE,
    OPT_STATS,
    OPT_STATUS,
    OPT_SVG,
    OPT_WITH_NAMES,
    OPT_VERBOSE,
    OPT_HEAD,
    OPT_LISTEN,
    OPT_CLEAR,
    OPT_OVERRIDE,
    N_OPTS
};

/* Indexed by enum cmd_opt; [OPT_NONE] is empty. */
static const struct option cmd_options[N_OPTS] = {
    [OPT_ACCEPT_WITHDRAWALS] = {"accept-withdrawals", no_argument, NULL, OPT_ACCEPT_WITHDRAWALS},
    [OPT_DPI] = {"dpi", required_argument, NULL, OPT_DPI},
    [OPT_HTML] = {"html", required_argument, NULL, OPT_HTML},
    [OPT_FORCE] = {"force", no_argument, NULL, OPT_FORCE},
    [OPT_JSON] = {"json", no_argument, NULL, OPT_JSON},
    [OPT_LIMIT] = {"limit", required_argument, NULL, OPT_LIMIT},
    [OPT_MANUAL] = {"manual", no_argument, NULL, OPT_MANUAL},
    [OPT_MONOCHROME] = {"monochrome", no_argument, NULL, OPT_MONOCHROME},
    [OPT_NOW] = {"now", required_argument, NULL, OPT_NOW},
    [OPT_OUT] = {"out", required_argument, NULL, OPT_OUT},
    [OPT_PENDING] = {"pending", no_argument, NULL, OPT_PENDING},
    [OPT_REPRINT] = {"reprint", required_argument, NULL, OPT_REPRINT},
    [OPT_ROTATE] = {"rotate", no_argument, NULL, OPT_ROTATE},
    [OPT_STATS] = {"stats", required_argument, NULL, OPT_STATS},
    [OPT_STATUS] = {"status", no_argument, NULL, OPT_STATUS},
    [OPT_SVG] = {"svg", required_argument, NULL, OPT_SVG},
    [OPT_WITH_NAMES] = {"with-names", no_argument, NULL, OPT_WITH_NAMES},
    [OPT_VERBOSE] = {"verbose", no_argument, NULL, OPT_VERBOSE},
    [OPT_HEAD] = {"head", required_argument, NULL, OPT_HEAD},
    [OPT_LISTEN] = {"listen", required_argument, NULL, OPT_LISTEN},
    [OPT_CLEAR] = {"clear", required_argument, NULL, OPT_CLEAR},
    [OPT_OVERRIDE] = {"override", no_argument, NULL, OPT_OVERRIDE},
};

/* The options whose value is a whole number, and its range: checked before
 * anything is opened, kept in struct run's num. */
static const struct {
    enum cmd_opt opt;
    long lo, hi;
} number_opts[] = {
    {OPT_DPI, 72, 1200},
    {OPT_LIMIT, 1, 10000},
};

#define OPT(o) (1u << (o))

/* What a command needs opened before it runs; the dispatcher opens it in
 * this order and closes it after. Any of them means the configuration too. */
enum {
    NEED_CONFIG = 1u << 0,
    NEED_KEYS = 1u << 1,     /* signing or verifying keys; none in plain QR mode */
    NEED_STORE = 1u << 2,    /* the attendance store, which must exist */
    NEED_PRINTER = 1u << 3,  /* a configured printer, opened */
    NEED_RENDERER = 1u << 4, /* the badge renderer and its fonts */
    /* With NEED_STORE: a store that does not exist is created. Only the
     * commands that set a store up say so (import): for any other, a
     * mistyped path must not become a new, empty store. */
    MAY_CREATE_STORE = 1u << 5,
    /* The store when there is one, else none (check: what an import would
     * withdraw, before the first import made a store). */
    STORE_IF_THERE = 1u << 6,
};

/* One command run: what the dispatcher opened, the options given and the
 * operands left. */
struct run {
    const struct cmd *cmd;
    struct config *cfg;              /* NULL unless needed */
    struct token_keys *keys;         /* NULL unless needed, and in plain QR mode */
    struct store *store;             /* NULL unless needed */
    struct printer *printer;         /* NULL unless needed */
    struct badge_renderer *renderer; /* NULL unless needed */
    const char *opt[N_OPTS];         /* an option's argument, "" for a flag; NULL when not given */
    long num[N_OPTS];                /* a number option's value (number_opts), when given */
    int64_t now_ms;                  /* --now in the venue's zone, else the clock */
    int argc;                        /* the operands after the options */
    char **argv;
};

/* A command, as redis's table has them: its function, how many operands it
 * takes, what it needs and which options. The usage and the help come from
 * here, so the list of commands is written once. */
struct cmd {
    const char *name;
    int (*run)(struct run *r);
    int min_args, max_args; /* operands; max_args -1: no limit */
    unsigned needs;         /* NEED_* */
    unsigned opts;          /* OPT() of the options it takes */
    enum cmd_opt must;      /* an option it cannot do without, or OPT_NONE */
    enum cmd_opt no_keys;   /* an option that makes NEED_KEYS moot (checkin --manual) */
    /* What the row cannot say (options that exclude each other, a number's
     * range), checked before anything is opened: 0 or an exit status, the
     * message said. NULL when the row says it all. */
    int (*check)(struct run *r);
    const char *args;     /* N_(): the usage after the name */
    const char *help;     /* N_() */
    const char *not_done; /* N_(): said when it failed, what did not happen; or NULL */
};

static const char *progname = "badgectl";

/* Says what went wrong; returns the exit status for it (bk_exit_status,
 * the same as the kiosk's). */
static int report_error(const struct bk_err *err)
{
    char buf[2048];
    fprintf(stderr, "%s: %s\n", progname, bk_err_format(err, buf, sizeof buf));
    return bk_exit_status(err->status);
}

/* Text from a file, a code or a person, escaped for the terminal
 * (utf8_escape_new: control and bidi characters cannot garble the line). */
static char *shown_new(const char *s)
{
    return utf8_escape_new(s, strlen(s));
}

/* A refused command line, and where to look. */
static int rejected(const char *msg)
{
    fprintf(stderr, "%s: %s\n%s\n", progname, msg, _("Run 'badgectl --help' for the commands."));
    return BK_EXIT_REJECTED;
}

static int usage(const struct cmd *cmd)
{
    char *msg = cmd->args[0] ? xasprintf(_("usage: badgectl %s %s"), cmd->name, _(cmd->args))
                             : xasprintf(_("usage: badgectl %s"), cmd->name);
    int rc = rejected(msg);
    free(msg);
    return rc;
}

/* What the command did not do, when it failed: after its own error. */
static void say_not_done(const struct run *r)
{
    if (r->cmd->not_done)
        fprintf(stderr, "%s: %s\n", progname, _(r->cmd->not_done));
}

/* ---- import / check ---------------------------------------------------- */

static int read_roster(const struct run *run, const char *path, struct roster **r)
{
    struct bk_err err = {0};
    if (roster_read(run->cfg, path, r, &err) != BK_OK) {
        report_error(&err);
        say_not_done(run);
        return BK_EXIT_REJECTED;
    }
    char *file = shown_new(path);
    for (size_t i = 0; i < (*r)->n_problems; i++) {
        const struct roster_problem *p = &(*r)->problems[i];
        /* The column's name and the message quote the file. */
        char *field = shown_new(p->field), *message = shown_new(p->message);
        fprintf(stderr, "%s:%ld: %s%s%s%s\n", file, p->line, field, field[0] ? ": " : "",
                message, _(" (row skipped)"));
        free(field);
        free(message);
    }
    free(file);
    /* check and import say the same of an export with nobody in it, and
     * name the file: importing it would withdraw everyone. */
    if ((*r)->n_people == 0) {
        bk_err_set(&err, BK_ERR_INVALID, path, 0, NULL,
                   _("the export lists nobody (%zu rows, none usable): importing it would "
                     "withdraw every attendee; check that it is the right file"),
                   (*r)->n_rows);
        report_error(&err);
        say_not_done(run);
        roster_free(*r);
        *r = NULL;
        return BK_EXIT_REJECTED;
    }
    return BK_EXIT_DONE;
}

/* The share of the people confirmed in the store that an import may
 * withdraw without --accept-withdrawals. */
#define IMPORT_MAX_WITHDRAWN_PERCENT 10

struct withdrawn_list {
    struct store *store;
    size_t n;
};

/* --verbose: each person an import withdraws, by ID and name. Names go to
 * standard output, as the answer the organiser asked for. */
static void list_withdrawn(void *ctx, const char *id)
{
    struct withdrawn_list *w = ctx;
    struct attendee a = {0};
    char *name = NULL;
    if (store_get_attendee(w->store, id, &a, NULL) == BK_OK)
        name = attendee_display_name_new(&a);
    char *shown = shown_new(id), *shown_name = shown_new(name ? name : "");
    printf(_("  withdrawn: %s\t%s\n"), shown, shown_name);
    free(shown);
    free(shown_name);
    free(name);
    attendee_clear(&a);
    w->n++;
}

static int cmd_check(struct run *run)
{
    const char *path = run->argv[0];
    struct roster *r;
    int rc = read_roster(run, path, &r);
    if (rc)
        return rc;
    struct store_import_summary sum = {0};
    if (run->store) {
        /* What an import would do to the store, and whom it would withdraw. */
        struct withdrawn_list w = {run->store, 0};
        struct store_import_options opt = {.dry_run = true};
        if (run->opt[OPT_VERBOSE]) {
            opt.on_withdrawn = list_withdrawn;
            opt.ctx = &w;
        }
        struct bk_err err = {0};
        if (store_import(run->store, r, &opt, &sum, &err) != BK_OK) {
            roster_free(r);
            return report_error(&err);
        }
    }
    printf(_("%s: %zu rows, %zu would be imported, %zu skipped.\n"), path, r->n_rows, r->n_people,
           r->n_problems);
    if (run->store)
        printf(_("Against the store: %zu would be added, %zu updated, %zu reinstated; %zu of the "
                 "%zu people confirmed now would be withdrawn%s.\n"),
               sum.added, sum.updated, sum.reinstated, sum.withdrawn, sum.confirmed_before,
               sum.withdrawn && !run->opt[OPT_VERBOSE] ? _(" (--verbose lists them)") : "");
    else
        printf(_("No store yet at %s: the first import would add them all.\n"),
               run->cfg->database);
    rc = r->n_problems ? BK_EXIT_PARTIAL : BK_EXIT_DONE;
    roster_free(r);
    return rc;
}

static int cmd_import(struct run *run)
{
    const char *path = run->argv[0];
    struct roster *r;
    int rc = read_roster(run, path, &r);
    if (rc)
        return rc;
    struct store_import_summary sum = {0};
    struct withdrawn_list w = {run->store, 0};
    /* A partial export must not quietly withdraw nearly everyone. */
    struct store_import_options opt = {
        .guard_withdrawals = !run->opt[OPT_ACCEPT_WITHDRAWALS],
        .max_withdrawn_percent = IMPORT_MAX_WITHDRAWN_PERCENT,
        .on_withdrawn = run->opt[OPT_VERBOSE] ? list_withdrawn : NULL,
        .ctx = &w,
    };
    struct bk_err err = {0};
    if (store_import(run->store, r, &opt, &sum, &err) != BK_OK) {
        if (!err.file[0])
            snprintf(err.file, sizeof err.file, "%s", path);
        rc = report_error(&err);
        say_not_done(run);
    } else {
        printf(_("%s: %zu rows: %zu added, %zu updated, %zu unchanged, %zu skipped; "
                 "%zu withdrawn, %zu reinstated.\n"),
               path, r->n_rows, sum.added, sum.updated, sum.unchanged, r->n_problems, sum.withdrawn,
               sum.reinstated);
        rc = r->n_problems ? BK_EXIT_PARTIAL : BK_EXIT_DONE;
    }
    roster_free(r);
    return rc;
}

/* ---- keys and QR codes ------------------------------------------------- */

static int cmd_keygen(struct run *run)
{
    char keyid[16];
    struct bk_err err = {0};
    if (token_keygen(run->cfg->keys_dir, run->opt[OPT_ROTATE] != NULL, keyid, &err) != BK_OK)
        return report_error(&err);
    printf(_("New signing key %s in %s (event.key is secret: keep it off the kiosks; they "
             "need only event.pub).\n"),
           keyid, run->cfg->keys_dir);
    return BK_EXIT_DONE;
}

static int sign_for(const struct config *cfg, const struct token_keys *keys, const char *id,
                    char **payload)
{
    struct bk_err err = {0};
    if (cfg->qr_mode == CONFIG_QR_PLAIN) {
        *payload = xasprintf("%s%s", cfg->plain_prefix, id);
        return BK_EXIT_DONE;
    }
    if (token_sign_new(keys, cfg->event_id, id, payload, &err) != BK_OK)
        return report_error(&err);
    return BK_EXIT_DONE;
}

/* In export mode the registration system mailed the codes and badgekiosk
 * makes none: saying so beats printing a code nobody was sent. */
static int refuse_in_export_mode(const struct run *run)
{
    if (run->cfg->qr_mode != CONFIG_QR_EXPORT)
        return BK_EXIT_DONE;
    fprintf(stderr, "%s: %s\n", progname,
            _("[qr] mode = export: the registration system mailed each ticket's QR code and the "
              "kiosk checks those against the imported export, so badgekiosk makes no codes of "
              "its own (for codes of our own, set mode = signed)"));
    return BK_EXIT_REJECTED;
}

static int cmd_token(struct run *run)
{
    struct attendee a = {0};
    struct bk_err err = {0};
    int rc = refuse_in_export_mode(run);
    if (rc)
        return rc;
    if (store_get_attendee(run->store, run->argv[0], &a, &err) != BK_OK) {
        rc = report_error(&err);
    } else {
        char *payload;
        rc = sign_for(run->cfg, run->keys, a.id, &payload);
        if (!rc) {
            const char *ids[] = {a.id}, *payloads[] = {payload};
            if (store_set_tokens(run->store, 1, ids, payloads, &err) != BK_OK)
                rc = report_error(&err);
            else
                puts(payload);
            free(payload);
        }
        attendee_clear(&a);
    }
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

static int cmd_issue(struct run *run)
{
    const char *dir = run->opt[OPT_OUT];
    if (refuse_in_export_mode(run))
        return BK_EXIT_REJECTED;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, _("%s: %s: cannot create the folder: %s\n"), progname, dir,
                strerror(errno));
        return errno == ENOENT || errno == ENOTDIR ? BK_EXIT_REJECTED : BK_EXIT_FAILED;
    }
    char *csv_path = xasprintf("%s/tokens.csv", dir);
    struct bk_err err = {0};
    struct outfile *out;
    /* The mail merge's input holds e-mail addresses: written 0600, whole or
     * not at all, like every file badgectl writes. */
    if (outfile_open(csv_path, &out, &err) != BK_OK) {
        free(csv_path);
        return report_error(&err);
    }
    FILE *csv = outfile_stream(out);
    fputs("id,email,payload,file\r\n", csv);
    struct issue_ctx x = {.cfg = run->cfg, .keys = run->keys, .dir = dir, .csv = csv};
    if (store_foreach_attendee(run->store, issue_one, &x, &err) != BK_OK && !x.rc)
        x.rc = report_error(&err);
    /* Kiosks print these on badges; they hold no signing key. */
    if (!x.rc && store_set_tokens(run->store, x.n, (const char *const *)x.ids,
                                  (const char *const *)x.payloads, &err) != BK_OK)
        x.rc = report_error(&err);
    for (size_t i = 0; i < x.n; i++) {
        free(x.ids[i]);
        free(x.payloads[i]);
    }
    free(x.ids);
    free(x.payloads);
    if (x.rc)
        outfile_discard(out);
    else if (outfile_commit(out, &err) != BK_OK)
        x.rc = report_error(&err);
    if (!x.rc)
        printf(_("%zu QR codes written to %s, with %s for the mail merge.\n"), x.written, dir,
               csv_path);
    free(csv_path);
    return x.rc;
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
    const char *p = text ? text : (const char *)raw;
    if (!text)
        len = raw_len;
    /* A backslash first becomes \x5c, so what utf8_escape_new writes
     * (\xNN, \uNNNN) cannot be mistaken for text the code holds. */
    char *plain = xmalloc(4 * len + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '\\') {
            memcpy(plain + n, "\\x5c", 4);
            n += 4;
        } else {
            plain[n++] = p[i];
        }
    }
    char *shown = utf8_escape_new(plain, n);
    puts(shown);
    free(shown);
    free(plain);
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
    int rc = st->total.exact == st->total.images ? BK_EXIT_DONE : BK_EXIT_PARTIAL;
    scan_stats_free(st);
    return rc;
}

/* Needs no configuration: it only reads pictures. */
/* Pictures, or --stats and a folder. */
static int scan_check(struct run *run)
{
    return (run->opt[OPT_STATS] ? run->argc != 0 : run->argc == 0) ? usage(run->cmd) : 0;
}

static int cmd_scan(struct run *run)
{
    const char *stats = run->opt[OPT_STATS];
    struct scan_decoder *dec;
    struct bk_err derr = {0};
    if (scan_decoder_new(&dec, &derr) != BK_OK)
        return report_error(&derr);
    if (stats) {
        int src = scan_stats(dec, stats);
        scan_decoder_free(dec);
        return src;
    }
    int rc = BK_EXIT_DONE;
    for (int i = 0; i < run->argc; i++) {
        struct scan_results *res = NULL;
        struct bk_err err = {0};
        if (scan_decode_file(dec, run->argv[i], &res, &err) != BK_OK) {
            report_error(&err);
            rc = BK_EXIT_PARTIAL;
            continue;
        }
        if (res->n == 0) {
            fprintf(stderr, _("%s: %s: no QR code found\n"), progname, run->argv[i]);
            rc = BK_EXIT_PARTIAL;
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
    if (res->offline) {
        json_write_key(stdout, "offline", 0);
        fputs("true", stdout);
    }
    if (res->overridden) {
        json_write_key(stdout, "override", 0);
        fputs("true", stdout);
    }
    printf("}\n");
}

static void print_checkin_text(const struct config *cfg, const struct checkin_result *res)
{
    char *display = res->has_attendee ? attendee_display_name_new(&res->attendee) : NULL;
    /* The name and ID come from the export and the code: escaped. */
    char *name = display ? shown_new(display) : NULL, *id = shown_new(res->attendee_id);
    char *events = shown_new(res->has_attendee ? res->attendee.events : "");
    free(display);
    char when[32], day[11];
    tz_day_format(res->day, day);
    switch (res->outcome) {
    case CHECKIN_CHECKED_IN:
        printf(_("Checked in: %s (%s) for %s, %s.%s\n"), name, id,
               res->event->short_name, day, res->badge_needed ? _(" Print a badge.") : "");
        if (res->overridden)
            printf(_("As an exception: %s is registered for %s, not for today; the event log "
                     "says so.\n"),
                   id, events);
        break;
    case CHECKIN_ALREADY_CHECKED_IN:
        printf(_("Already checked in today: %s (%s), first at %s.\n"), name, id,
               tz_format_instant(cfg->tz, res->first_at_ms, when));
        break;
    case CHECKIN_NOT_REGISTERED_TODAY:
        if (res->attendee.valid_from[0] || res->attendee.valid_until[0]) {
            char *from = shown_new(res->attendee.valid_from);
            char *until = shown_new(res->attendee.valid_until);
            printf(_("Not registered for today (%s): %s (%s) is registered for %s, valid from %s "
                     "to %s.\n"),
                   day, name, id, events, from[0] ? from : _("the start"),
                   until[0] ? until : _("the end"));
            free(from);
            free(until);
        } else {
            printf(_("Not registered for today's event (%s): %s (%s) is registered for %s.\n"),
                   day, name, id, events);
        }
        break;
    case CHECKIN_WITHDRAWN:
        printf(_("Registration withdrawn: %s (%s). Send the person to the registration "
                 "desk.\n"),
               name, id);
        break;
    case CHECKIN_UNKNOWN:
        /* Export mode: the code itself is a secret and is not repeated. */
        if (cfg->qr_mode == CONFIG_QR_EXPORT && !res->attendee_id[0])
            printf(_("Unknown code: no ticket in the attendee list has it.\n"));
        else
            printf(_("Unknown registration ID %s: not in the attendee list.\n"), id);
        break;
    case CHECKIN_INVALID:
        printf(_("Invalid code: %s\n"), token_reason_text(res->reason));
        break;
    case CHECKIN_NO_EVENT_TODAY:
        printf(_("No event is held on %s.\n"), day);
        break;
    }
    free(name);
    free(id);
    free(events);
}

/* An exception is the desk's, by registration ID. */
static int checkin_check(struct run *run)
{
    if (run->opt[OPT_OVERRIDE] && !run->opt[OPT_MANUAL])
        return usage(run->cmd);
    return 0;
}

static int cmd_checkin(struct run *run)
{
    const char *payload = run->argv[0];
    bool manual = run->opt[OPT_MANUAL] != NULL;
    struct checkin_context ctx = {run->cfg, run->keys, run->store, run->cfg->kiosk_id};
    struct checkin_result res;
    struct bk_err err = {0};
    int rc;
    enum bk_status st =
        run->opt[OPT_OVERRIDE]
            ? checkin_override(&ctx, payload, run->now_ms, &res, &err)
            : checkin_process(&ctx, payload, strlen(payload), manual ? CHECKIN_MANUAL : CHECKIN_CLI,
                              run->now_ms, &res, &err);
    if (st != BK_OK) {
        rc = report_error(&err);
        say_not_done(run);
    } else {
        if (run->opt[OPT_JSON])
            print_checkin_json(run->cfg, &res);
        else
            print_checkin_text(run->cfg, &res);
        if (res.offline && !run->opt[OPT_JSON])
            fprintf(stderr,
                    _("%s: the shared store did not answer: decided from this machine's journal; "
                      "it goes to the server when it is back (badgectl sync).\n"),
                    progname);
        rc = res.outcome == CHECKIN_CHECKED_IN || res.outcome == CHECKIN_ALREADY_CHECKED_IN
                 ? BK_EXIT_DONE
                 : BK_EXIT_PARTIAL;
        checkin_result_clear(&res);
    }
    return rc;
}

/* ---- verify, find, report, export -------------------------------------- */

/* A journal checked against the server, in one line. */
static int verify_journal(struct run *run, const char *path)
{
    struct store_journal_check c;
    struct bk_err err = {0};
    if (store_verify_journal(run->store, path, &c, &err) != BK_OK)
        return report_error(&err);
    printf(_("Journal of %s (chain %s): %lld events, %lld on the server as recorded, %lld "
             "waiting to be sent, %lld set aside as conflicts; the server's chain ends at "
             "%lld.\n"),
           c.kiosk, c.chain, (long long)c.records, (long long)c.on_server, (long long)c.waiting,
           (long long)c.set_aside, (long long)c.server_head);
    return BK_EXIT_DONE;
}

/* --head, when given, is a head as report and export print it. */
static int verify_check(struct run *run)
{
    struct store_head head;
    size_t digits;
    if (run->opt[OPT_HEAD] && !store_head_parse(run->opt[OPT_HEAD], &head, &digits))
        return rejected(_("--head wants SEQ:HASH as report and export print it (at least 16 "
                          "digits of the hash)"));
    return 0;
}

static int cmd_verify(struct run *run)
{
    if (run->opt[OPT_HEAD] && store_is_shared(run->store))
        return rejected(_("--head checks the head of a store file's log; the shared store has "
                          "no single head: each kiosk's journal is the witness there (badgectl "
                          "verify JOURNAL.db)"));
    struct store_head known;
    struct store_verify v = {0};
    if (run->opt[OPT_HEAD] && store_head_parse(run->opt[OPT_HEAD], &known, &v.known_digits))
        v.known = &known;
    struct bk_err err = {0};
    if (store_verify_chain(run->store, &v, &err) != BK_OK)
        return report_error(&err);
    if (!store_is_shared(run->store)) {
        if (run->argc)
            return rejected(_("journals are checked against the shared store: set [store] url"));
        char head[STORE_HEAD_TEXT];
        printf(_("Event log intact: %lld records, each matching the hash of the one before.\n"),
               (long long)v.records);
        if (v.witnessed)
            printf(_("Its witness %s agrees: it knows records up to %lld, and the log holds "
                     "them all.\n"),
                   v.witness, (long long)v.witness_seq);
        if (v.known)
            printf(_("The head given, record %lld, is in the log with its hash.\n"),
                   (long long)known.seq);
        if (v.head.seq)
            printf(_("Head: %s\n"), store_head_format(&v.head, head));
        return BK_EXIT_DONE;
    }
    printf(_("Shared event log intact: %lld records, each chain matching the hash of the one "
             "before.\n"),
           (long long)v.records);
    /* The chains cannot show records cut from their ends: the journals
     * that sent them can. This machine's, and any copied from others. */
    int rc = BK_EXIT_DONE;
    struct store_sync_status st;
    if (store_sync_status(run->store, &st, NULL) == BK_OK && st.journal)
        rc = verify_journal(run, NULL);
    for (int i = 0; i < run->argc && (rc == BK_EXIT_DONE); i++)
        rc = verify_journal(run, run->argv[i]);
    return rc;
}

/* Some text to look for: an empty query would list people at random. */
static int find_check(struct run *run)
{
    for (int i = 0; i < run->argc; i++)
        if (run->argv[i][strspn(run->argv[i], " \t")])
            return 0;
    return rejected(_("find needs some text to look for (a name or an organisation)"));
}

static int cmd_find(struct run *run)
{
    bool json = run->opt[OPT_JSON] != NULL;
    int limit = run->opt[OPT_LIMIT] ? (int)run->num[OPT_LIMIT] : 20;
    char *query = xstrdup("");
    for (int i = 0; i < run->argc; i++) {
        char *q = xasprintf("%s %s", query, run->argv[i]);
        free(query);
        query = q;
    }
    int rc;
    struct finder *f;
    struct bk_err err = {0};
    if (finder_new_from_store(run->store, &f, &err) != BK_OK) {
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
                const char *cells[] = {hits[k].id, hits[k].name, hits[k].organization,
                                       hits[k].country};
                for (size_t c = 0; c < 4; c++) {
                    char *cell = shown_new(cells[c] ? cells[c] : "");
                    printf("%s%s", c ? "\t" : "", cell);
                    free(cell);
                }
                printf("%s\n", hits[k].withdrawn ? _("\t(withdrawn)") : "");
            }
        }
        if (json)
            fputs("]\n", stdout);
        else if (!n)
        {
            char *q = shown_new(query + 1);
            fprintf(stderr, _("%s: nobody matches '%s'.\n"), progname, q);
            free(q);
        }
        rc = n ? BK_EXIT_DONE : BK_EXIT_PARTIAL;
        free(hits);
        finder_free(f);
    }
    free(query);
    return rc;
}

/* Names go only into the HTML page, and only when asked for. */
static int report_check(struct run *run)
{
    if (run->opt[OPT_WITH_NAMES] && !run->opt[OPT_HTML])
        return usage(run->cmd);
    return 0;
}

/* The text or JSON on stdout, or the HTML page and SVG charts in files
 * (then stdout only says what was written); all from one computed report. */
static int cmd_report(struct run *run)
{
    struct report *r;
    struct bk_err err = {0};
    if (report_new(run->store, run->cfg, &r, &err) != BK_OK)
        return report_error(&err);
    const char *html = run->opt[OPT_HTML], *svg = run->opt[OPT_SVG];
    struct reporthtml_options o = {.with_names = run->opt[OPT_WITH_NAMES] != NULL,
                                   .now_ms = run->now_ms};
    int rc = BK_EXIT_DONE;
    if (run->opt[OPT_JSON])
        report_write_json(r, stdout);
    else if (!html && !svg)
        report_write_text(r, stdout);
    if (html && reporthtml_write_file(r, &o, html, &err) != BK_OK)
        rc = report_error(&err);
    else if (html && !run->opt[OPT_JSON])
        printf(o.with_names ? _("%s: the attendance report. It names people: share it only with "
                                "the organisers.\n")
                            : _("%s: the attendance report (counts only).\n"),
               html);
    size_t files = 0;
    if (rc == BK_EXIT_DONE && svg && reporthtml_write_svg_dir(r, &o, svg, &files, &err) != BK_OK)
        rc = report_error(&err);
    else if (rc == BK_EXIT_DONE && svg && !run->opt[OPT_JSON])
        printf(P_("%s: %zu chart (SVG).\n", "%s: %zu charts (SVG).\n", files), svg, files);
    report_free(r);
    return rc;
}

static int cmd_export(struct run *run)
{
    struct report_export ex;
    struct bk_err err = {0};
    const char *path = run->argv[0];
    if (report_export_csv(run->store, run->cfg, path, run->opt[OPT_FORCE] != NULL, &ex, &err) !=
        BK_OK)
        return report_error(&err);
    if (ex.replaced)
        printf(_("%s: replaced the earlier export.\n"), path);
    printf(_("%s: %zu attendees, one column per event day. It holds personal data: "
             "share it only with the organisers.\n"),
           path, ex.rows);
    report_write_head(&ex.head, stdout);
    return BK_EXIT_DONE;
}

/* ---- badges and printing --------------------------------------------- */

static int cmd_badge(struct run *run)
{
    const char *id = run->argv[0], *out = run->opt[OPT_OUT];
    struct bk_err err = {0};
    struct attendee a = {0};
    struct badge_image *img = NULL;
    char *payload = NULL;
    char serial[TOKEN_SERIAL_LEN + 1] = TOKEN_PREVIEW_SERIAL;
    int rc = BK_EXIT_DONE;
    /* --monochrome and --dpi: exactly what a label printer is sent. */
    struct badge_output want = badge_output_of_config(run->cfg);
    if (run->opt[OPT_MONOCHROME])
        want.monochrome = true;
    if (run->opt[OPT_DPI])
        want.dpi = (int)run->num[OPT_DPI];
    if (store_get_attendee(run->store, id, &a, &err) != BK_OK ||
        store_get_token(run->store, id, &payload, &err) != BK_OK ||
        badge_renderer_set_output(run->renderer, &want, &err) != BK_OK) {
        rc = report_error(&err);
    } else {
        /* A preview carries the preview serial, never a badge's: it is not
         * recorded, and its QR checks nobody in (TOKEN_PREVIEW). */
        char *qr = token_badge_payload_new(serial, payload);
        if (badge_render(run->renderer, &a, qr, &img, &err) != BK_OK ||
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
    free(payload);
    attendee_clear(&a);
    return rc;
}

static void print_result(const char *who, const struct badgeprint_result *res)
{
    char *attendee = shown_new(who), *file = shown_new(res->file);
    switch (res->outcome) {
    case BADGEPRINT_PRINTED:
        printf(_("%s: badge %s printed (job %d).\n"), attendee, res->serial, res->job);
        break;
    case BADGEPRINT_WRITTEN:
        printf(_("%s: badge %s written to %s.\n"), attendee, res->serial, file);
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
    free(attendee);
    free(file);
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

/* A person (perhaps with --reprint), or --pending. */
static int print_check(struct run *run)
{
    bool pending = run->opt[OPT_PENDING] != NULL;
    if (pending == (run->argc != 0) || (pending && run->opt[OPT_REPRINT]))
        return usage(run->cmd);
    return 0;
}

static int cmd_print(struct run *run)
{
    const char *reason = run->opt[OPT_REPRINT], *id = run->argc ? run->argv[0] : NULL;
    bool pending = run->opt[OPT_PENDING] != NULL;
    struct bk_err err = {0};
    struct badgeprint_context ctx = {run->cfg,          run->store,         run->renderer,
                                     run->cfg->printer, run->cfg->kiosk_id, NULL};
    int rc;
    if (pending) {
        struct pending_tally t = {0};
        if (badgeprint_pending(&ctx, NULL, run->now_ms, note_pending, &t, &err) != BK_OK)
            rc = report_error(&err);
        else {
            printf(_("%zu pending badges printed, %zu still waiting.\n"), t.done, t.left);
            rc = t.left ? BK_EXIT_PARTIAL : BK_EXIT_DONE;
        }
    } else {
        struct badgeprint_result res;
        if (badgeprint_person(&ctx, id, reason, NULL, run->now_ms, &res, &err) != BK_OK)
            rc = report_error(&err);
        else {
            print_result(id, &res);
            rc = res.outcome == BADGEPRINT_PRINTED || res.outcome == BADGEPRINT_WRITTEN
                     ? BK_EXIT_DONE
                     : BK_EXIT_PARTIAL;
        }
    }
    return rc;
}

static int cmd_printer(struct run *run)
{
    struct printer_status st;
    struct bk_err err = {0};
    char dpi[16];
    if (printer_get_status(run->printer, &st, &err) != BK_OK)
        return report_error(&err);
    printf(_("Printer: %s (%s)\n"), run->cfg->printer, st.make_model);
    printf(_("State: %s%s\n"), st.state_text, st.accepting ? "" : _(", not accepting jobs"));
    if (st.reasons[0])
        printf(_("Problems: %s\n"), st.reasons);
    if (st.message[0])
        printf(_("Message: %s\n"), st.message);
    printf(_("Jobs waiting: %zu\n"), st.queued);
    struct printer_caps caps;
    printer_get_caps(run->printer, &caps);
    struct badge_output o = badgeprint_output(run->cfg, &caps);
    printf(_("Prints: %s, %s dpi, media %s\n"), caps.monochrome ? _("monochrome") : _("colour"),
           caps.dpi ? (snprintf(dpi, sizeof dpi, "%d", caps.dpi), dpi) : _("unknown"),
           caps.media[0] ? caps.media : _("unknown"));
    printf(_("Badges for it: %s at %d dpi\n"), o.monochrome ? _("black and white") : _("colour"),
           o.dpi);
    return st.state == 5 || st.reasons[0] || !st.accepting ? BK_EXIT_PARTIAL : BK_EXIT_DONE;
}

/* ---- the shared store --------------------------------------------------- */

static int db_check(struct run *run)
{
    const char *what = run->argv[0];
    if (strcmp(what, "init") == 0 && run->argc == 1)
        return 0;
    if (strcmp(what, "grant") == 0 && run->argc == 3 &&
        (strcmp(run->argv[1], "kiosk") == 0 || strcmp(run->argv[1], "desk") == 0))
        return 0;
    return usage(run->cmd);
}

static int cmd_db(struct run *run)
{
    struct store_options o;
    store_options_of_config(run->cfg, &o);
    struct bk_err err = {0};
    if (strcmp(run->argv[0], "init") == 0) {
        int from = 0, to = 0;
        if (store_db_init(&o, &from, &to, &err) != BK_OK)
            return report_error(&err);
        if (from == to)
            printf(_("The shared store's schema is at version %d already: nothing to do.\n"), to);
        else if (from == 0)
            printf(_("The shared store's schema was made (version %d). Give the kiosks' and "
                     "desks' roles their rights with badgectl db grant.\n"),
                   to);
        else
            printf(_("The shared store's schema was upgraded from version %d to %d.\n"), from, to);
        return BK_EXIT_DONE;
    }
    bool desk = strcmp(run->argv[1], "desk") == 0;
    if (store_db_grant(&o, desk ? STORE_ROLE_DESK : STORE_ROLE_KIOSK, run->argv[2], &err) != BK_OK)
        return report_error(&err);
    printf(desk ? _("Role %s now has a desk's rights: it may import, issue QR codes, check in "
                    "and print; it cannot change or delete the event log.\n")
                : _("Role %s now has a kiosk's rights: it reads the attendee list, appends "
                    "events and badge rows and moves its badges along; it cannot change or "
                    "delete history.\n"),
           run->argv[2]);
    return BK_EXIT_DONE;
}

/* "HH:MM" of a wall-clock instant in the venue's zone, or "" for 0. */
static const char *venue_time(const struct config *cfg, int64_t ms, char buf[32])
{
    buf[0] = '\0';
    if (ms) {
        tz_format_instant(cfg->tz, ms, buf);
        memmove(buf, buf + 11, 6);
        buf[5] = '\0';
    }
    return buf;
}

static void print_sync_json(const struct config *cfg, const struct store_sync_status *st)
{
    char when[32];
    fputc('{', stdout);
    json_write_key(stdout, "kiosk", 1);
    json_write_string(stdout, st->shared ? st->kiosk : cfg->kiosk_id);
    json_write_key(stdout, "shared", 0);
    fputs(st->shared ? "true" : "false", stdout);
    json_write_key(stdout, "server", 0);
    json_write_string(stdout, st->shared ? st->server : NULL);
    json_write_key(stdout, "waiting", 0);
    printf("%zu", st->waiting);
    json_write_key(stdout, "offline_since", 0);
    json_write_string(stdout, st->offline_since_ms ? tz_format_instant(cfg->tz, st->offline_since_ms, when) : NULL);
    json_write_key(stdout, "last_sync", 0);
    json_write_string(stdout, st->last_sync_ms ? tz_format_instant(cfg->tz, st->last_sync_ms, when) : NULL);
    json_write_key(stdout, "conflicts", 0);
    printf("%zu", st->conflicts);
    json_write_key(stdout, "problem", 0);
    json_write_string(stdout, st->problem[0] ? st->problem : NULL);
    /* The server's clock minus this machine's, in seconds; null: never
     * measured. clock_wrong: beyond what counts as right. */
    json_write_key(stdout, "clock_skew_s", 0);
    if (st->shared && st->clock_skew_ms)
        printf("%lld", (long long)(st->clock_skew_ms / 1000));
    else
        fputs("null", stdout);
    json_write_key(stdout, "clock_wrong", 0);
    fputs(st->clock_wrong ? "true" : "false", stdout);
    fputs("}\n", stdout);
}

static void print_sync_text(const struct config *cfg, const struct store_sync_status *st)
{
    char when[32];
    if (!st->shared) {
        printf(_("No shared store is configured: %s is this machine's own store, nothing to "
                 "sync.\n"),
               cfg->database);
        return;
    }
    printf(_("%s, shared store at %s: "), st->kiosk, st->server);
    if (st->offline_since_ms)
        printf(_("offline since %s, %zu waiting.\n"), venue_time(cfg, st->offline_since_ms, when),
               st->waiting);
    else
        printf(_("online, nothing waiting.\n"));
    if (st->last_sync_ms)
        printf(_("Last complete sync: %s.\n"), tz_format_instant(cfg->tz, st->last_sync_ms, when));
    if (st->conflicts)
        printf(_("%zu sent again with other content and set aside by the server: see badgectl "
                 "report.\n"),
               st->conflicts);
    if (st->problem[0] && st->offline_since_ms)
        printf(_("Last problem: %s\n"), st->problem);
    if (st->clock_wrong) {
        char skew[64];
        printf(_("This machine's %s: set it right (timedatectl); a scan near midnight may count "
                 "on the wrong day.\n"),
               store_clock_skew_text(st->clock_skew_ms, skew, sizeof skew));
    }
}

static int cmd_sync(struct run *run)
{
    struct store_sync_status st;
    struct bk_err err = {0};
    enum bk_status s = run->opt[OPT_STATUS] ? store_sync_status(run->store, &st, &err)
                                            : store_sync(run->store, &st, &err);
    if (s != BK_OK && s != BK_ERR_OFFLINE)
        return report_error(&err);
    if (s == BK_ERR_OFFLINE && !run->opt[OPT_STATUS])
        report_error(&err);
    if (run->opt[OPT_JSON])
        print_sync_json(run->cfg, &st);
    else
        print_sync_text(run->cfg, &st);
    if (run->opt[OPT_STATUS])
        return BK_EXIT_DONE;
    /* 0 only when nothing waits: a script can loop on it. */
    return s == BK_ERR_OFFLINE ? BK_EXIT_FAILED : st.waiting ? BK_EXIT_PARTIAL : BK_EXIT_DONE;
}

/* Reads one line from standard input (prompt said on a terminal) and
 * prints its libsodium password hash (Argon2id) for the configuration:
 * the staff PIN's and the dashboard password's one way. */
static int hash_secret(const char *prompt, size_t min_len, const char *too_short,
                       const char *none)
{
    char secret[256];
    if (isatty(STDIN_FILENO))
        fputs(prompt, stderr);
    if (!fgets(secret, sizeof secret, stdin))
        return rejected(none);
    secret[strcspn(secret, "\r\n")] = '\0';
    if (strlen(secret) < min_len) {
        sodium_memzero(secret, sizeof secret);
        return rejected(too_short);
    }
    char out[crypto_pwhash_STRBYTES];
    int bad = sodium_init() < 0 ||
              crypto_pwhash_str(out, secret, strlen(secret), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0;
    sodium_memzero(secret, sizeof secret);
    if (bad) {
        fprintf(stderr, _("%s: cannot hash it (out of memory?)\n"), progname);
        return BK_EXIT_FAILED;
    }
    printf("%s\n", out);
    return BK_EXIT_DONE;
}

/* One open request: its line of text or its JSON object. */
struct corrections_out {
    struct run *run;
    size_t n;
};

static int print_correction(void *ctx, const struct store_correction *c)
{
    struct corrections_out *o = ctx;
    char when[40];
    tz_format_instant(o->run->cfg->tz, c->at_ms, when);
    struct attendee a = {0};
    char *name = store_get_attendee(o->run->store, c->attendee, &a, NULL) == BK_OK
                     ? attendee_display_name_new(&a)
                     : xstrdup("");
    if (o->run->opt[OPT_JSON]) {
        fputs(o->n ? ",{" : "{", stdout);
        json_write_key(stdout, "id", 1);
        json_write_string(stdout, c->attendee);
        json_write_key(stdout, "name", 0);
        json_write_string(stdout, name);
        json_write_key(stdout, "asked_at", 0);
        json_write_string(stdout, when);
        json_write_key(stdout, "kiosk", 0);
        json_write_string(stdout, c->kiosk);
        fputc('}', stdout);
    } else {
        char *shown = shown_new(name), *kiosk = shown_new(c->kiosk);
        printf("%.16s\t%s\t%s\t%s\n", when, c->attendee, shown, kiosk);
        free(shown);
        free(kiosk);
    }
    free(name);
    attendee_clear(&a);
    o->n++;
    return 0;
}

/* The open "my details are wrong" requests, oldest first; --clear ID
 * settles one once the details are put right (its badge then prints with
 * print --pending, or at the desk). */
static int cmd_corrections(struct run *run)
{
    struct bk_err err = {0};
    const char *id = run->opt[OPT_CLEAR];
    if (id) {
        bool found = false;
        if (store_clear_correction(run->store, id, run->cfg->kiosk_id,
                                   checkin_method_code(CHECKIN_CLI), "cleared", run->now_ms,
                                   &found, &err) != BK_OK)
            return report_error(&err);
        if (!found) {
            char *msg = xasprintf(_("no correction request is open for %s"), id);
            int rc = rejected(msg);
            free(msg);
            return rc;
        }
        printf(_("Correction request of %s cleared; their badge is still waiting to print.\n"),
               id);
        return BK_EXIT_DONE;
    }
    struct corrections_out o = {.run = run};
    if (run->opt[OPT_JSON])
        fputc('[', stdout);
    if (store_foreach_correction(run->store, print_correction, &o, &err) != BK_OK) {
        if (run->opt[OPT_JSON])
            fputs("]\n", stdout);
        return report_error(&err);
    }
    if (run->opt[OPT_JSON])
        fputs("]\n", stdout);
    else if (!o.n)
        printf("%s\n", _("No correction requests are open."));
    return BK_EXIT_DONE;
}

/* Needs no configuration: it only hashes what it reads. */
static int cmd_pin_hash(struct run *run)
{
    (void)run;
    return hash_secret(_("Staff PIN: "), 4, _("a staff PIN needs at least 4 characters"),
                       _("no PIN given on standard input"));
}

static int cmd_dashboard_password(struct run *run)
{
    (void)run;
    return hash_secret(_("Dashboard password: "), 12,
                       _("a dashboard password needs at least 12 characters"),
                       _("no password given on standard input"));
}

static void serve_log(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "%s: %s\n", progname, line);
}

/* Serves the dashboard until SIGINT or SIGTERM. The signals are blocked
 * before the server's thread starts (it inherits the mask), so only
 * sigwait here receives them and the store is closed in order. */
static int cmd_serve(struct run *run)
{
    const struct config *cfg = run->cfg;
    struct dashboard_options o = {
        .listen = run->opt[OPT_LISTEN] ? run->opt[OPT_LISTEN] : cfg->dashboard_listen,
        .password_hash = cfg->dashboard_password_hash,
        .certificate = cfg->dashboard_certificate,
        .key = cfg->dashboard_key,
        .idle_seconds = cfg->dashboard_idle_seconds,
        .clock_offset_ms = run->opt[OPT_NOW] ? run->now_ms - tz_now_ms() : 0,
        .log = serve_log,
    };
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    struct dashboard *d;
    struct bk_err err = {0};
    if (dashboard_start(cfg, run->store, &o, &d, &err) != BK_OK) {
        if (!run->opt[OPT_LISTEN] && (!strcmp(err.field, "listen") || !strcmp(err.field, "key") ||
                                      !strcmp(err.field, "certificate") ||
                                      !strcmp(err.field, "password_hash")))
            config_blame(run->cfg, "dashboard", err.field, &err);
        return report_error(&err);
    }
    char url[256];
    printf(_("Dashboard: %s\n"), dashboard_url(d, url, sizeof url));
    if (!cfg->dashboard_password_hash[0])
        printf(_("Open that address to log in: the token in it is the login, so pass it on "
                 "only to organisers (set [dashboard] password_hash with badgectl "
                 "dashboard-password to use a password instead).\n"));
    if (!dashboard_loopback(d) && !dashboard_tls(d))
        fprintf(stderr,
                _("%s: WARNING: the dashboard listens beyond this machine without TLS: its "
                  "login and counts cross the network in clear. Set [dashboard] certificate "
                  "and key.\n"),
                progname);
    fflush(stdout);
    int sig = 0;
    sigwait(&stop, &sig);
    dashboard_stop(d);
    printf(_("Dashboard stopped.\n"));
    return BK_EXIT_DONE;
}

#define NOT_IMPORTED N_("the file was not imported; nothing was changed.")

/* One command a few lines, as redis's table has them. */
/* clang-format off */
static const struct cmd commands[] = {
    {.name = "import", .run = cmd_import, .min_args = 1, .max_args = 1,
     .needs = NEED_STORE | MAY_CREATE_STORE,
     .opts = OPT(OPT_ACCEPT_WITHDRAWALS) | OPT(OPT_VERBOSE),
     .args = N_("[--accept-withdrawals] [--verbose] FILE.csv"),
     .help = N_("import or update the attendee list (the one command that creates the store; "
                "it refuses to withdraw more than 10% of the confirmed people unless "
                "--accept-withdrawals)"),
     .not_done = NOT_IMPORTED},
    {.name = "check", .run = cmd_check, .min_args = 1, .max_args = 1,
     .needs = NEED_CONFIG | STORE_IF_THERE, .opts = OPT(OPT_VERBOSE),
     .args = N_("[--verbose] FILE.csv"),
     .help = N_("check an export without importing it: what it would change, and with "
                "--verbose whom it would withdraw"),
     .not_done = NOT_IMPORTED},
    {.name = "keygen", .run = cmd_keygen, .needs = NEED_CONFIG, .opts = OPT(OPT_ROTATE),
     .args = N_("[--rotate]"), .help = N_("make the event's signing key pair")},
    {.name = "token", .run = cmd_token, .min_args = 1, .max_args = 1,
     .needs = NEED_KEYS | NEED_STORE,
     .args = N_("ID"), .help = N_("print one attendee's signed QR payload")},
    {.name = "issue", .run = cmd_issue, .needs = NEED_KEYS | NEED_STORE,
     .opts = OPT(OPT_OUT), .must = OPT_OUT,
     .args = N_("--out DIR"), .help = N_("write a QR code per confirmed attendee and tokens.csv")},
    {.name = "scan", .run = cmd_scan, .check = scan_check, .max_args = -1, .opts = OPT(OPT_STATS),
     .args = N_("IMAGE... | --stats DIR"),
     .help = N_("decode the QR codes in PNG or JPEG files; --stats: count exact reads of "
                "NAME.png/.jpg against NAME.txt")},
    {.name = "checkin", .run = cmd_checkin, .min_args = 1, .max_args = 1,
     .needs = NEED_KEYS | NEED_STORE,
     .opts = OPT(OPT_NOW) | OPT(OPT_JSON) | OPT(OPT_MANUAL) | OPT(OPT_OVERRIDE),
     .no_keys = OPT_MANUAL, .check = checkin_check,
     .args = N_("[--now ISO8601] [--json] [--manual [--override]] PAYLOAD"),
     .help = N_("check a person in, exactly as the kiosk does; --manual --override: the desk's "
                "exception for someone registered for another part or day, recorded as one"),
     .not_done = N_("the check-in was NOT recorded.")},
    {.name = "verify", .run = cmd_verify, .check = verify_check, .max_args = -1,
     .needs = NEED_STORE, .opts = OPT(OPT_HEAD),
     .args = N_("[--head SEQ:HASH] [JOURNAL.db...]"),
     .help = N_("check the event log's hash chain and its witness; --head: also a head "
                "printed by report or export; with a shared store also this machine's "
                "journal and those given against the server")},
    {.name = "badge", .run = cmd_badge, .min_args = 1, .max_args = 1,
     .needs = NEED_STORE | NEED_RENDERER,
     .opts = OPT(OPT_OUT) | OPT(OPT_MONOCHROME) | OPT(OPT_DPI), .must = OPT_OUT,
     .args = N_("ID --out FILE.png [--monochrome] [--dpi N]"),
     .help = N_("draw a person's badge into a PNG (a preview)")},
    {.name = "print", .run = cmd_print, .check = print_check, .max_args = 1,
     .needs = NEED_STORE | NEED_RENDERER,
     .opts = OPT(OPT_NOW) | OPT(OPT_REPRINT) | OPT(OPT_PENDING),
     .args = N_("[--now ISO8601] [--reprint REASON] ID | --pending"),
     .help = N_("print a first badge, a replacement, or every pending badge")},
    {.name = "printer", .run = cmd_printer, .needs = NEED_PRINTER,
     .args = "", .help = N_("the printer's state and queue")},
    {.name = "find", .run = cmd_find, .check = find_check, .min_args = 1, .max_args = -1,
     .needs = NEED_STORE,
     .opts = OPT(OPT_JSON) | OPT(OPT_LIMIT),
     .args = N_("[--json] [--limit N] TEXT..."),
     .help = N_("find attendees by name or organisation")},
    {.name = "report", .run = cmd_report, .check = report_check, .needs = NEED_STORE,
     .opts = OPT(OPT_JSON) | OPT(OPT_HTML) | OPT(OPT_SVG) | OPT(OPT_WITH_NAMES) | OPT(OPT_NOW),
     .args = N_("[--json] [--html FILE [--with-names]] [--svg DIR] [--now ISO8601]"),
     .help = N_("attendance per day and per event; --html: a page with charts for the "
                "organisers, --svg: its charts as images")},
    {.name = "export", .run = cmd_export, .min_args = 1, .max_args = 1, .needs = NEED_STORE,
     .opts = OPT(OPT_FORCE),
     .args = N_("[--force] FILE.csv"),
     .help = N_("one row per attendee, a column per day; --force replaces a file that is not an "
                "earlier export")},
    {.name = "sync", .run = cmd_sync, .needs = NEED_STORE,
     .opts = OPT(OPT_STATUS) | OPT(OPT_JSON),
     .args = N_("[--status] [--json]"),
     .help = N_("send what this machine's journal holds for the shared store and pull its "
                "changes (exit 0 when nothing waits); --status: only say how things stand")},
    {.name = "corrections", .run = cmd_corrections, .needs = NEED_STORE,
     .opts = OPT(OPT_JSON) | OPT(OPT_CLEAR) | OPT(OPT_NOW),
     .args = N_("[--json] [--clear ID] [--now ISO8601]"),
     .help = N_("the open \"my details are wrong\" requests (time, ID, name, kiosk); "
                "--clear: settle one once the details are right")},
    {.name = "db", .run = cmd_db, .check = db_check, .min_args = 1, .max_args = 3,
     .needs = NEED_CONFIG,
     .args = N_("init | grant kiosk|desk ROLE"),
     .help = N_("make or upgrade the shared store's schema; give a PostgreSQL role a kiosk's "
                "or a desk's rights")},
    {.name = "pin-hash", .run = cmd_pin_hash,
     .args = "", .help = N_("hash a staff PIN (read from standard input) for the config")},
    {.name = "serve", .run = cmd_serve, .needs = NEED_STORE, .opts = OPT(OPT_LISTEN) | OPT(OPT_NOW),
     .args = N_("[--listen ADDR:PORT] [--now ISO8601]"),
     .help = N_("serve the organisers' live dashboard (read-only, login required) until "
                "stopped; [dashboard] in the config says where and how")},
    {.name = "dashboard-password", .run = cmd_dashboard_password,
     .args = "", .help = N_("hash a dashboard password (read from standard input) for "
                            "[dashboard] password_hash")},
};
/* clang-format on */

enum { N_COMMANDS = sizeof commands / sizeof commands[0] };

static void print_help(void)
{
    char *shared = cliopts_synopsis_new(), *shared_help = cliopts_help_new();
    printf(_("Usage: badgectl %s COMMAND [ARGS]\n\n"), shared);
    printf(_("Commands:\n"));
    for (size_t i = 0; i < N_COMMANDS; i++) {
        char left[80];
        /* _("") would be the catalogue's header, not "". */
        snprintf(left, sizeof left, "%s %s", commands[i].name,
                 commands[i].args[0] ? _(commands[i].args) : "");
        printf("  %-48s %s\n", left, _(commands[i].help));
    }
    printf(_("\nOptions for every command, before it or among its own:\n%s"), shared_help);
    printf(_("\nWithout --config: %s when installed, else the source tree's "
             "kiosk-config/fgmv2-shanghai.ini.\n"),
           CONFIG_INSTALLED_PATH);
    printf(_("Exit status: 0 done; 1 done in part (rows skipped, a check-in refused, nothing "
             "found); 2 the input was rejected (an option, an argument, a file, the "
             "configuration); 3 the system failed (the store, the disk, a lock, a device).\n"));
    free(shared);
    free(shared_help);
}

/* Parses cmd's own options (and the shared ones, which may come among them)
 * from argv (argv[0] is the command's name); the operands are left in
 * r->argc and r->argv. 0, or the exit status of a usage error. */
static int parse_command_line(const struct cmd *cmd, struct cliopts *shared, int argc, char **argv,
                              struct run *r)
{
    struct option own[N_OPTS + 1] = {0};
    size_t n = 0;
    for (int o = OPT_NONE + 1; o < N_OPTS; o++)
        if (cmd->opts & OPT(o))
            own[n++] = cmd_options[o];
    struct option *longopts = cliopts_longopts_new(own);
    int c, rc = 0;
    optind = 0; /* a new argv: GNU getopt starts afresh */
    /* ":": getopt_long stays quiet (it would name the command as the
     * program) and tells a missing value (':') from an unknown option. */
    while (!rc && (c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
        if (cliopts_take(shared, c, optarg))
            continue;
        if (c > OPT_NONE && c < N_OPTS) {
            r->opt[c] = optarg ? optarg : "";
            continue;
        }
        fprintf(stderr, c == ':' ? _("%s: %s needs a value\n") : _("%s: unknown option '%s'\n"),
                progname, argv[optind - 1]);
        rc = usage(cmd);
    }
    free(longopts);
    if (rc)
        return rc;
    r->argc = argc - optind;
    r->argv = argv + optind;
    if (r->argc < cmd->min_args || (cmd->max_args >= 0 && r->argc > cmd->max_args) ||
        (cmd->must && !r->opt[cmd->must]))
        return usage(cmd);
    for (size_t i = 0; i < sizeof number_opts / sizeof number_opts[0]; i++) {
        const char *v = r->opt[number_opts[i].opt];
        char *end;
        if (!v)
            continue;
        r->num[number_opts[i].opt] = strtol(v, &end, 10);
        if (end == v || *end || r->num[number_opts[i].opt] < number_opts[i].lo ||
            r->num[number_opts[i].opt] > number_opts[i].hi) {
            char *msg = xasprintf(_("--%s wants a number from %ld to %ld"),
                                  cmd_options[number_opts[i].opt].name, number_opts[i].lo,
                                  number_opts[i].hi);
            rc = rejected(msg);
            free(msg);
            return rc;
        }
    }
    return cmd->check ? cmd->check(r) : 0;
}

/* Opens what cmd needs, in the table's order: the configuration, --now, the
 * keys, the store, the printer, the renderer. 0, or the exit status of the
 * first that failed (the caller closes what was opened). */
static int open_needs(const struct cmd *cmd, const struct cliopts *shared, struct run *r)
{
    struct bk_err err = {0};
    r->now_ms = tz_now_ms();
    if (!cmd->needs)
        return 0;
    if (cliopts_load_config(shared, &r->cfg, &err) != BK_OK)
        return report_error(&err);
    if (r->opt[OPT_NOW] && tz_parse_instant(r->cfg->tz, r->opt[OPT_NOW], &r->now_ms, &err) != BK_OK)
        return report_error(&err);
    bool keys = (cmd->needs & NEED_KEYS) && !(cmd->no_keys && r->opt[cmd->no_keys]);
    if (keys && r->cfg->qr_mode == CONFIG_QR_SIGNED &&
        token_keys_load(r->cfg->keys_dir, &r->keys, &err) != BK_OK)
        return report_error(&err);
    if (cmd->needs & (NEED_STORE | STORE_IF_THERE)) {
        struct store_options o;
        store_options_of_config(r->cfg, &o);
        /* sync --status says how things stand without changing them. */
        o.quiet_open = cmd->run == cmd_sync && r->opt[OPT_STATUS];
        o.create = (cmd->needs & MAY_CREATE_STORE) != 0;
        enum bk_status st = store_open_with(&o, &r->store, &err);
        if (st == BK_ERR_NOT_FOUND && (cmd->needs & STORE_IF_THERE))
            st = BK_OK;
        if (st == BK_ERR_NOT_FOUND && !(o.url && o.url[0]))
            /* Point at the setting to fix: the --db option or the line. */
            config_blame(r->cfg, "kiosk", "database", &err);
        if (st != BK_OK)
            return report_error(&err);
    }
    if (cmd->needs & NEED_PRINTER) {
        if (!r->cfg->printer[0])
            return rejected(_("no printer is configured: set [printer] printer, or give "
                              "--printer NAME|URI"));
        if (printer_open(r->cfg->printer, &r->printer, &err) != BK_OK)
            return report_error(&err);
    }
    if ((cmd->needs & NEED_RENDERER) && badge_renderer_new(r->cfg, &r->renderer, &err) != BK_OK)
        return report_error(&err);
    return 0;
}

static void close_needs(struct run *r)
{
    badge_renderer_free(r->renderer);
    printer_close(r->printer);
    store_close(r->store);
    token_keys_free(r->keys);
    config_free(r->cfg);
}

/* Runs one command: its command line, what it needs, the command, and
 * everything closed again. */
static int dispatch(const struct cmd *cmd, struct cliopts *shared, int argc, char **argv)
{
    struct run r = {.cmd = cmd};
    int rc = parse_command_line(cmd, shared, argc, argv, &r);
    if (rc)
        return rc;
    rc = open_needs(cmd, shared, &r);
    if (rc)
        say_not_done(&r);
    else
        rc = cmd->run(&r);
    close_needs(&r);
    return rc;
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    bindtextdomain(BK_TEXTDOMAIN, BK_LOCALEDIR);

    static const struct option own[] = {
        {"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, 'V'}, {NULL, 0, NULL, 0}};
    struct option *longopts = cliopts_longopts_new(own);
    struct cliopts shared = {0};
    int c, rc = -1;
    /* "+": stop at the command, whose own options come after it. */
    while (rc < 0 && (c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
        if (cliopts_take(&shared, c, optarg))
            continue;
        if (c == 'h') {
            print_help();
            rc = BK_EXIT_DONE;
        } else if (c == 'V') {
            printf("badgectl %s\n", BK_VERSION);
            rc = BK_EXIT_DONE;
        } else {
            fprintf(stderr, "%s\n", _("Run 'badgectl --help' for the commands."));
            rc = BK_EXIT_REJECTED;
        }
    }
    free(longopts);
    if (rc >= 0)
        return rc;
    if (optind >= argc) {
        print_help();
        return BK_EXIT_REJECTED;
    }
    const struct cmd *cmd = NULL;
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(argv[optind], commands[i].name) == 0)
            cmd = &commands[i];
    if (!cmd) {
        char *msg = xasprintf(_("unknown command '%s'"), argv[optind]);
        rc = rejected(msg);
        free(msg);
        return rc;
    }
    rc = dispatch(cmd, &shared, argc - optind, argv + optind);
    if (fflush(stdout) != 0) {
        fprintf(stderr, _("%s: cannot write the output: %s\n"), progname, strerror(errno));
        rc = BK_EXIT_FAILED;
    }
    return rc;
}
