/* printer: badges out through libcups 2.4, and the printer's state in words.
 *
 * Both kinds of destination end up as one HTTP connection and one IPP
 * printer URI: an ipp:// or ipps:// URI is dialled directly (a driverless
 * IPP Everywhere printer), a queue name goes through CUPS (cupsGetNamedDest,
 * which honours CUPS_SERVER, then cupsConnectDest). Everything after that
 * is plain IPP: Get-Printer-Attributes once at open for what the printer
 * takes, Print-Job to send, Get-Job-Attributes and Get-Jobs to follow.
 *
 * Documents go as PNG when the printer takes PNG (it keeps the image's DPI),
 * else as one page of PWG raster made here, the format every IPP Everywhere
 * printer must take. Nothing here prints; errors name the printer. */
#include "print/printer.h"

#include <cups/cups.h>
#include <cups/raster.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util/i18n.h"
#include "util/xalloc.h"

#define PRINTER_CONNECT_MS 10000 /* a printer that takes longer is treated as unreachable */
#define PRINTER_IO_TIMEOUT 15.0  /* seconds a request may stall before we give up */
#define PRINTER_POLL_MS 250
#define PRINTER_MEDIA_MAX 64 /* media names kept from media-supported */

struct printer {
    char name[256];     /* as the caller gave it: queue name or URI, for messages */
    char uri[1024];     /* the IPP printer-uri for requests */
    char resource[512]; /* the HTTP path requests go to */
    bool is_queue;
    http_t *http;

    /* What the printer takes, read once at open. */
    bool takes_png, takes_pwg;
    bool media_col_size; /* media-col-supported lists media-size */
    bool scaling_none, scaling_fit;
    bool pwg_srgb, pwg_sgray, pwg_black1;
    int pwg_dpi[16];
    int n_pwg_dpi;
    char *media[PRINTER_MEDIA_MAX];
    int n_media;
    char formats[256]; /* document-format-supported, for the error message */
    struct printer_caps caps;

    char note[512]; /* what the last submit had to work around, "" when nothing */
};

/* ---- state reasons in words ------------------------------------------- */

struct printer_reason {
    const char *keyword; /* without -error/-warning/-report */
    const char *text;    /* N_() marked; translated when shown */
};

/* The IPP keywords (RFC 8011, PWG 5100.x, CUPS's own) a kiosk printer
 * reports, phrased as what a staff member should do about them. */
static const struct printer_reason printer_reasons[] = {
    {"media-empty", N_("Out of labels: load more labels, then press Resume.")},
    {"media-needed", N_("The printer needs labels: load labels, then press Resume.")},
    {"media-low", N_("Labels are running low: have a new roll ready.")},
    {"media-jam", N_("Labels are jammed: open the printer, clear the jam, close it.")},
    {"paper-jam", N_("Paper is jammed: open the printer, clear the jam, close it.")},
    {"media-path-failure", N_("Labels are not feeding: check how the roll is loaded.")},
    {"input-tray-missing", N_("A paper tray is missing: put the tray back in.")},
    {"output-tray-missing", N_("The output tray is missing: put it back.")},
    {"output-area-full", N_("The output tray is full: take the printed badges out.")},
    {"door-open", N_("A printer door is open: close it.")},
    {"cover-open", N_("The printer cover is open: close it.")},
    {"interlock-open", N_("A printer cover or door is open: close it.")},
    {"offline", N_("The printer is offline: check that it is on and connected.")},
    {"connecting-to-device",
     N_("Connecting to the printer: check that it is on and connected if this lasts.")},
    {"timed-out", N_("The printer stopped answering: check that it is on and connected.")},
    {"shutdown", N_("The printer is shutting down or switched off: switch it on.")},
    {"stopped", N_("The printer has stopped: check its display, then press Resume.")},
    {"paused", N_("Printing is paused: resume the printer when it is ready.")},
    {"moving-to-paused", N_("Printing is being paused.")},
    {"toner-low", N_("Toner is low: have a new cartridge ready.")},
    {"toner-empty", N_("Out of toner: replace the cartridge.")},
    {"marker-supply-low", N_("Ink or ribbon is low: have a replacement ready.")},
    {"marker-supply-empty", N_("Out of ink or ribbon: replace it.")},
    {"marker-waste-almost-full", N_("The waste container is almost full.")},
    {"marker-waste-full", N_("The waste container is full: empty or replace it.")},
    {"spool-area-full", N_("The printer's memory is full: wait for jobs to finish.")},
    {"other", N_("The printer reports a problem: check its display.")},
    {"cups-waiting-for-job-completed", N_("Waiting for the printer to finish the last job.")},
    {"cups-missing-filter", N_("The print system cannot convert badges for this printer.")},
    /* Job reasons (job-state-reasons). */
    {"job-incoming", N_("The badge is on its way to the printer.")},
    {"job-queued", N_("The badge is waiting its turn.")},
    {"job-printing", N_("Printing.")},
    {"job-transforming", N_("Preparing the badge for the printer.")},
    {"job-completed-successfully", N_("Printed.")},
    {"job-completed-with-warnings", N_("Printed, with warnings.")},
    {"job-completed-with-errors", N_("Finished with errors: check the badge.")},
    {"job-canceled-by-user", N_("The badge was cancelled.")},
    {"job-canceled-by-operator", N_("The badge was cancelled at the printer.")},
    {"job-canceled-at-device", N_("The badge was cancelled at the printer.")},
    {"aborted-by-system", N_("The printer gave up on the badge.")},
    {"job-aborted-by-system", N_("The printer gave up on the badge.")},
    {"document-format-error", N_("The printer could not read the badge.")},
    {"document-unprintable", N_("The printer could not print the badge.")},
    {"unsupported-document-format", N_("The printer does not take this kind of badge file.")},
    {"job-data-insufficient", N_("The badge did not reach the printer whole.")},
    {"printer-stopped", N_("The printer is stopped: the badge waits until it is resumed.")},
    {"printer-stopped-partly", N_("Part of the printer is stopped.")},
    {"job-hold-until-specified", N_("The badge is held until it is released.")},
    {"processing-to-stop-point", N_("The badge is being stopped.")},
    {"service-off-line", N_("The printer is offline: check that it is on and connected.")},
    {"resources-are-not-ready", N_("The printer is not ready: check labels and ribbon.")},
};

/* keyword without its severity suffix, in buf. */
static const char *printer_reason_base(const char *keyword, char *buf, size_t n)
{
    static const char *const suffixes[] = {"-error", "-warning", "-report"};
    snprintf(buf, n, "%s", keyword);
    size_t len = strlen(buf);
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        size_t sl = strlen(suffixes[i]);
        if (len > sl && strcmp(buf + len - sl, suffixes[i]) == 0) {
            buf[len - sl] = '\0';
            break;
        }
    }
    return buf;
}

static const struct printer_reason *printer_reason_find(const char *keyword)
{
    char base[128];
    printer_reason_base(keyword, base, sizeof base);
    for (size_t i = 0; i < sizeof printer_reasons / sizeof printer_reasons[0]; i++)
        if (strcmp(printer_reasons[i].keyword, base) == 0)
            return &printer_reasons[i];
    return NULL;
}

const char *printer_reason_text(const char *keyword)
{
    if (!keyword)
        return "";
    const struct printer_reason *r = printer_reason_find(keyword);
    return r ? _(r->text) : keyword;
}

/* The reasons in attr as sentences joined by spaces into buf. "none" and
 * informational "-report" keywords we have no words for are left out: a
 * staff member can do nothing with "cups-ipp-conformance-failure-report". */
static void printer_reasons_join(ipp_attribute_t *attr, char *buf, size_t n)
{
    if (n == 0)
        return;
    buf[0] = '\0';
    size_t used = 0;
    int count = attr ? ippGetCount(attr) : 0;
    for (int i = 0; i < count; i++) {
        const char *kw = ippGetString(attr, i, NULL);
        if (!kw || strcmp(kw, "none") == 0)
            continue;
        size_t kl = strlen(kw);
        if (!printer_reason_find(kw) && kl > 7 && strcmp(kw + kl - 7, "-report") == 0)
            continue;
        const char *text = printer_reason_text(kw);
        if (strstr(buf, text)) /* -error and -warning of one reason, or synonyms */
            continue;
        int w = snprintf(buf + used, n - used, "%s%s", used ? " " : "", text);
        if (w < 0 || (size_t)w >= n - used)
            break; /* truncated: keep what fitted */
        used += (size_t)w;
    }
}

const char *printer_job_state_code(enum printer_job_state s)
{
    static const char *const codes[] = {
        [PRINTER_JOB_PENDING] = "pending",     [PRINTER_JOB_HELD] = "held",
        [PRINTER_JOB_PROCESSING] = "printing", [PRINTER_JOB_STOPPED] = "stopped",
        [PRINTER_JOB_CANCELED] = "canceled",   [PRINTER_JOB_ABORTED] = "aborted",
        [PRINTER_JOB_COMPLETED] = "completed", [PRINTER_JOB_UNKNOWN] = "unknown",
    };
    if ((unsigned)s >= sizeof codes / sizeof codes[0])
        return "unknown";
    return codes[s];
}

static enum printer_job_state printer_job_state_from_ipp(int state)
{
    switch (state) {
    case IPP_JSTATE_PENDING:
        return PRINTER_JOB_PENDING;
    case IPP_JSTATE_HELD:
        return PRINTER_JOB_HELD;
    case IPP_JSTATE_PROCESSING:
        return PRINTER_JOB_PROCESSING;
    case IPP_JSTATE_STOPPED:
        return PRINTER_JOB_STOPPED;
    case IPP_JSTATE_CANCELED:
        return PRINTER_JOB_CANCELED;
    case IPP_JSTATE_ABORTED:
        return PRINTER_JOB_ABORTED;
    case IPP_JSTATE_COMPLETED:
        return PRINTER_JOB_COMPLETED;
    default:
        return PRINTER_JOB_UNKNOWN;
    }
}

static bool printer_job_state_final(enum printer_job_state s)
{
    return s == PRINTER_JOB_CANCELED || s == PRINTER_JOB_ABORTED || s == PRINTER_JOB_COMPLETED ||
           s == PRINTER_JOB_UNKNOWN;
}

/* ---- talking IPP -------------------------------------------------------- */

/* A stalled printer must not freeze the kiosk: give up on the request. */
static int printer_timeout_cb(http_t *http, void *user)
{
    (void)http, (void)user;
    return 0;
}

static ipp_t *printer_request(const struct printer *p, ipp_op_t op)
{
    ipp_t *req = ippNewRequest(op);
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", NULL, p->uri);
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", NULL, cupsUser());
    return req;
}

static enum bk_status printer_unreachable(const struct printer *p, struct bk_err *err)
{
    /* The socket's errno ("Connection refused") says more than libcups's
     * last error, which can be a bare "Success" after a failed reconnect. */
    int e = p->http ? httpError(p->http) : 0;
    return bk_err_set(err, BK_ERR_IO, NULL, 0, p->name,
                      _("The printer cannot be reached (%s). Check that it is switched on, "
                        "connected to the network, and that its address is right."),
                      e ? i18n_strerror(e) : cupsLastErrorString());
}

/* Sends req (consumed) and returns the response, or NULL with err set.
 * file, when not NULL, is the document sent after the request. */
static ipp_t *printer_do(struct printer *p, ipp_t *req, const char *file, struct bk_err *err)
{
    ipp_t *resp = file ? cupsDoFileRequest(p->http, req, p->resource, file)
                       : cupsDoRequest(p->http, req, p->resource);
    ipp_status_t status = cupsLastError();
    if (!resp || status == IPP_STATUS_ERROR_SERVICE_UNAVAILABLE ||
        status == IPP_STATUS_ERROR_INTERNAL) {
        /* libcups reports a lost connection as service-unavailable or
         * internal-error with no IPP answer behind it. */
        if (!resp || ippGetStatusCode(resp) != status) {
            ippDelete(resp);
            printer_unreachable(p, err);
            return NULL;
        }
    }
    if (status > IPP_STATUS_OK_EVENTS_COMPLETE) {
        enum bk_status st = BK_ERR_IO;
        if (status == IPP_STATUS_ERROR_NOT_FOUND)
            st = BK_ERR_NOT_FOUND;
        else if (status == IPP_STATUS_ERROR_BUSY || status == IPP_STATUS_ERROR_TEMPORARY)
            st = BK_ERR_BUSY;
        else if (status >= IPP_STATUS_ERROR_BAD_REQUEST && status < IPP_STATUS_ERROR_INTERNAL)
            st = BK_ERR_INVALID;
        /* Status messages end with a full stop of their own, or do not. */
        char why[256];
        snprintf(why, sizeof why, "%s", cupsLastErrorString());
        size_t wl = strlen(why);
        while (wl > 0 && (why[wl - 1] == '.' || why[wl - 1] == ' '))
            why[--wl] = '\0';
        if (st == BK_ERR_BUSY)
            bk_err_set(err, st, NULL, 0, p->name,
                       _("The printer is busy (%s): try again in a moment."), why);
        else
            bk_err_set(err, st, NULL, 0, p->name, _("The printer refused the request: %s."), why);
        ippDelete(resp);
        return NULL;
    }
    return resp;
}

static bool printer_has_string(ipp_attribute_t *attr, const char *value)
{
    return attr && ippContainsString(attr, value);
}

static int printer_dpi_of(ipp_attribute_t *a, int i)
{
    ipp_res_t units;
    int yres;
    int xres = a ? ippGetResolution(a, i, &yres, &units) : 0;
    if (units == IPP_RES_PER_CM)
        xres = (int)(xres * 2.54 + 0.5);
    return xres > 0 ? xres : 0;
}

/* What the printer prints, from a Get-Printer-Attributes answer. */
static void printer_learn_caps(struct printer *p, ipp_t *attrs)
{
    struct printer_caps *c = &p->caps;
    ipp_attribute_t *color = ippFindAttribute(attrs, "color-supported", IPP_TAG_BOOLEAN);
    ipp_attribute_t *modes = ippFindAttribute(attrs, "print-color-mode-supported", IPP_TAG_KEYWORD);
    c->monochrome =
        (color && !ippGetBoolean(color, 0)) ||
        (modes && !ippContainsString(modes, "color") && !ippContainsString(modes, "auto"));
    ipp_attribute_t *a =
        ippFindAttribute(attrs, "pwg-raster-document-type-supported", IPP_TAG_KEYWORD);
    c->black_1 = printer_has_string(a, "black_1");
    c->sgray_8 = printer_has_string(a, "sgray_8");
    c->dpi = printer_dpi_of(
        ippFindAttribute(attrs, "printer-resolution-default", IPP_TAG_RESOLUTION), 0);
    if (!c->dpi)
        c->dpi = printer_dpi_of(
            ippFindAttribute(attrs, "pwg-raster-document-resolution-supported", IPP_TAG_RESOLUTION),
            0);
    a = ippFindAttribute(attrs, "media-default", IPP_TAG_ZERO);
    if (a && ippGetString(a, 0, NULL))
        snprintf(c->media, sizeof c->media, "%s", ippGetString(a, 0, NULL));
}

void printer_get_caps(const struct printer *p, struct printer_caps *caps)
{
    *caps = p->caps;
}

/* Keeps what the printer takes from a Get-Printer-Attributes answer. */
static void printer_learn(struct printer *p, ipp_t *attrs)
{
    ipp_attribute_t *a = ippFindAttribute(attrs, "document-format-supported", IPP_TAG_MIMETYPE);
    p->takes_png = printer_has_string(a, "image/png");
    p->takes_pwg = printer_has_string(a, "image/pwg-raster");
    p->formats[0] = '\0';
    if (a)
        ippAttributeString(a, p->formats, sizeof p->formats);

    a = ippFindAttribute(attrs, "media-col-supported", IPP_TAG_KEYWORD);
    p->media_col_size = printer_has_string(a, "media-size");

    a = ippFindAttribute(attrs, "print-scaling-supported", IPP_TAG_KEYWORD);
    p->scaling_none = printer_has_string(a, "none");
    p->scaling_fit = printer_has_string(a, "fit");

    a = ippFindAttribute(attrs, "pwg-raster-document-type-supported", IPP_TAG_KEYWORD);
    p->pwg_srgb = printer_has_string(a, "srgb_8");
    p->pwg_sgray = printer_has_string(a, "sgray_8");
    p->pwg_black1 = printer_has_string(a, "black_1");

    printer_learn_caps(p, attrs);

    a = ippFindAttribute(attrs, "pwg-raster-document-resolution-supported", IPP_TAG_RESOLUTION);
    p->n_pwg_dpi = 0;
    for (int i = 0; a && i < ippGetCount(a) && p->n_pwg_dpi < 16; i++) {
        ipp_res_t units;
        int yres;
        int xres = ippGetResolution(a, i, &yres, &units);
        if (units == IPP_RES_PER_CM)
            xres = (int)(xres * 2.54 + 0.5);
        if (xres > 0)
            p->pwg_dpi[p->n_pwg_dpi++] = xres;
    }

    for (int i = 0; i < p->n_media; i++)
        free(p->media[i]);
    p->n_media = 0;
    a = ippFindAttribute(attrs, "media-supported", IPP_TAG_ZERO);
    for (int i = 0; a && i < ippGetCount(a) && p->n_media < PRINTER_MEDIA_MAX; i++) {
        const char *m = ippGetString(a, i, NULL);
        if (m)
            p->media[p->n_media++] = xstrdup(m);
    }
}

static const char *const printer_status_attrs[] = {
    "document-format-supported",
    "media-supported",
    "media-col-supported",
    "print-scaling-supported",
    "pwg-raster-document-type-supported",
    "pwg-raster-document-resolution-supported",
    "printer-state",
    "printer-state-reasons",
    "printer-state-message",
    "printer-is-accepting-jobs",
    "printer-make-and-model",
    "queued-job-count",
    "color-supported",
    "print-color-mode-supported",
    "printer-resolution-default",
    "media-default",
};

static ipp_t *printer_get_attributes(struct printer *p, struct bk_err *err)
{
    ipp_t *req = printer_request(p, IPP_OP_GET_PRINTER_ATTRIBUTES);
    ippAddStrings(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes",
                  (int)(sizeof printer_status_attrs / sizeof printer_status_attrs[0]), NULL,
                  printer_status_attrs);
    return printer_do(p, req, NULL, err);
}

/* Why host:port does not answer, in words. httpConnect2 leaves no cause
 * behind (libcups reports "Host is down" for a refused connection, or the
 * last unrelated error), so one plain connect says what really happened:
 * refused (a machine there, no printer service), no route, timed out, or a
 * name that does not resolve. Into buf (size n). */
static void connect_failure(const char *host, int port, char *buf, size_t n)
{
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
    int rc = getaddrinfo(host, service, &hints, &ai);
    if (rc != 0) {
        snprintf(buf, n, "%s", gai_strerror(rc));
        return;
    }
    int e = ETIMEDOUT;
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
        e = errno;
    } else if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
        e = 0;
    } else if (errno != EINPROGRESS) {
        e = errno;
    } else {
        struct pollfd pfd = {.fd = fd, .events = POLLOUT};
        socklen_t len = sizeof e;
        if (poll(&pfd, 1, 2000) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) != 0)
            e = errno;
    }
    if (fd >= 0)
        close(fd);
    freeaddrinfo(ai);
    /* It answered now: it did not a moment ago, which libcups says best. */
    snprintf(buf, n, "%s", e ? i18n_strerror(e) : cupsLastErrorString());
}

/* ---- open and close ----------------------------------------------------- */

static enum bk_status printer_open_uri(struct printer *p, struct bk_err *err)
{
    char scheme[32], userpass[256], host[256], resource[512];
    int port;
    if (httpSeparateURI(HTTP_URI_CODING_ALL, p->name, scheme, sizeof scheme, userpass,
                        sizeof userpass, host, sizeof host, &port, resource,
                        sizeof resource) < HTTP_URI_STATUS_OK)
        return bk_err_set(err, BK_ERR_INVALID, NULL, 0, p->name,
                          _("This is not a printer address; it should look like "
                            "ipp://host:631/ipp/print."));
    http_encryption_t enc =
        strcmp(scheme, "ipps") == 0 ? HTTP_ENCRYPTION_ALWAYS : HTTP_ENCRYPTION_IF_REQUESTED;
    snprintf(p->uri, sizeof p->uri, "%s", p->name);
    snprintf(p->resource, sizeof p->resource, "%s", resource[0] ? resource : "/");
    p->http = httpConnect2(host, port, NULL, AF_UNSPEC, enc, 1, PRINTER_CONNECT_MS, NULL);
    if (!p->http) {
        char why[256];
        connect_failure(host, port, why, sizeof why);
        return bk_err_set(err, BK_ERR_IO, NULL, 0, p->name,
                          _("The printer at %s port %d cannot be reached (%s). Check that it is "
                            "switched on, connected to the network, and that its address is "
                            "right."),
                          host, port, why);
    }
    return BK_OK;
}

static enum bk_status printer_open_queue(struct printer *p, struct bk_err *err)
{
    p->is_queue = true;
    cups_dest_t *dest = cupsGetNamedDest(CUPS_HTTP_DEFAULT, p->name, NULL);
    if (!dest) {
        ipp_status_t st = cupsLastError();
        if (st == IPP_STATUS_ERROR_SERVICE_UNAVAILABLE || st == IPP_STATUS_ERROR_INTERNAL)
            return bk_err_set(err, BK_ERR_IO, NULL, 0, p->name,
                              _("The print service (CUPS at %s) is not answering (%s). Check "
                                "that CUPS is running."),
                              cupsServer(), cupsLastErrorString());
        return bk_err_set(err, BK_ERR_NOT_FOUND, NULL, 0, p->name,
                          _("CUPS at %s has no printer queue by this name. Check the name with "
                            "\"lpstat -p\", or add the printer."),
                          cupsServer());
    }
    const char *uri = cupsGetOption("printer-uri-supported", dest->num_options, dest->options);
    if (uri)
        snprintf(p->uri, sizeof p->uri, "%s", uri);
    else
        httpAssembleURIf(HTTP_URI_CODING_ALL, p->uri, sizeof p->uri, "ipp", NULL, "localhost",
                         ippPort(), "/printers/%s", p->name);
    p->http = cupsConnectDest(dest, CUPS_DEST_FLAGS_NONE, PRINTER_CONNECT_MS, NULL, p->resource,
                              sizeof p->resource, NULL, NULL);
    cupsFreeDests(1, dest);
    if (!p->http)
        return bk_err_set(err, BK_ERR_IO, NULL, 0, p->name,
                          _("The print service (CUPS at %s) is not answering (%s). Check that "
                            "CUPS is running."),
                          cupsServer(), cupsLastErrorString());
    return BK_OK;
}

enum bk_status printer_open(const char *name_or_uri, struct printer **out, struct bk_err *err)
{
    *out = NULL;
    if (!name_or_uri || !name_or_uri[0])
        return bk_err_set(err, BK_ERR_INVALID, NULL, 0, NULL,
                          _("No printer is set: give a CUPS queue name or an ipp:// address."));
    struct printer *p = xcalloc(1, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name_or_uri);
    enum bk_status st =
        (strncmp(name_or_uri, "ipp://", 6) == 0 || strncmp(name_or_uri, "ipps://", 7) == 0)
            ? printer_open_uri(p, err)
            : printer_open_queue(p, err);
    if (st) {
        printer_close(p);
        return st;
    }
    httpSetTimeout(p->http, PRINTER_IO_TIMEOUT, printer_timeout_cb, NULL);
    ipp_t *attrs = printer_get_attributes(p, err);
    if (!attrs) {
        printer_close(p);
        return err ? err->status : BK_ERR_IO;
    }
    printer_learn(p, attrs);
    ippDelete(attrs);
    *out = p;
    return BK_OK;
}

void printer_close(struct printer *p)
{
    if (!p)
        return;
    if (p->http)
        httpClose(p->http);
    for (int i = 0; i < p->n_media; i++)
        free(p->media[i]);
    free(p);
}

const char *printer_last_note(const struct printer *p)
{
    return p ? p->note : "";
}

/* ---- documents ---------------------------------------------------------- */

/* The PWG raster resolution for an image drawn at dpi: its own when the
 * printer takes it, else the lowest that is finer, else the finest. */
static int printer_pwg_dpi(const struct printer *p, int dpi)
{
    if (p->n_pwg_dpi == 0)
        return dpi;
    int best = 0, finest = 0;
    for (int i = 0; i < p->n_pwg_dpi; i++) {
        int d = p->pwg_dpi[i];
        if (d == dpi)
            return d;
        if (d > dpi && (best == 0 || d < best))
            best = d;
        if (d > finest)
            finest = d;
    }
    return best ? best : finest;
}

/* Maps the image onto the page: drawn at its own physical size, centred,
 * turned a quarter when its orientation differs from the page's, and shrunk
 * only when it would not fit. */
struct printer_placement {
    bool rotate;
    double scale; /* image pixels per page pixel */
    int x0, y0;   /* page pixel of the placed image's top-left corner */
    int w, h;     /* placed size in page pixels */
};

static struct printer_placement printer_place(const struct badge_image *img, unsigned page_w,
                                              unsigned page_h, int page_dpi)
{
    struct printer_placement pl = {0};
    pl.rotate = (img->width > img->height) != (page_w > page_h) && img->width != img->height &&
                page_w != page_h;
    double iw = pl.rotate ? img->height : img->width;
    double ih = pl.rotate ? img->width : img->height;
    double s = (double)img->dpi / page_dpi; /* image px per page px at true size */
    double w = iw / s, h = ih / s;
    if (w > page_w + 0.5 || h > page_h + 0.5) {
        double f = page_w / w < page_h / h ? page_w / w : page_h / h;
        w *= f, h *= f, s /= f;
    }
    pl.scale = s;
    pl.w = (int)(w + 0.5);
    pl.h = (int)(h + 0.5);
    pl.x0 = ((int)page_w - pl.w) / 2;
    pl.y0 = ((int)page_h - pl.h) / 2;
    return pl;
}

/* One page row: RGB samples of the placed image, white around it. */
static void printer_sample_row(const struct badge_image *img, const struct printer_placement *pl,
                               unsigned y, unsigned page_w, uint8_t *rgb)
{
    memset(rgb, 255, (size_t)page_w * 3);
    int py = (int)y - pl->y0;
    if (py < 0 || py >= pl->h)
        return;
    for (int px = 0; px < pl->w; px++) {
        int u = (int)((px + 0.5) * pl->scale), v = (int)((py + 0.5) * pl->scale);
        int sx, sy;
        if (pl->rotate) { /* a quarter turn clockwise */
            sx = v, sy = img->height - 1 - u;
        } else {
            sx = u, sy = v;
        }
        if (sx < 0 || sy < 0 || sx >= img->width || sy >= img->height)
            continue;
        const uint8_t *s = img->rgb + (size_t)sy * img->stride + (size_t)sx * 3;
        uint8_t *d = rgb + (size_t)(pl->x0 + px) * 3;
        d[0] = s[0], d[1] = s[1], d[2] = s[2];
    }
}

static enum bk_status printer_write_pwg(const struct printer *p, const struct badge_image *img,
                                        const char *media, int fd, struct bk_err *err)
{
    pwg_media_t *pm = pwgMediaForPWG(media);
    if (!pm)
        return bk_err_set(err, BK_ERR_INVALID, NULL, 0, p->name,
                          _("\"%s\" is not a media size name the printer can use "
                            "(e.g. oe_4x3-label_4x3in or iso_a6_105x148mm)."),
                          media);
    /* A black-and-white badge goes as black and white, so no driver
     * dithers it; a colour one in the richest type the printer takes. */
    const char *type = img->monochrome ? (p->pwg_black1 ? "black_1" : "sgray_8")
                       : p->pwg_srgb   ? "srgb_8"
                       : p->pwg_sgray  ? "sgray_8"
                       : p->pwg_black1 ? "black_1"
                                       : "sgray_8";
    int dpi = printer_pwg_dpi(p, img->dpi);
    cups_page_header2_t h;
    if (!cupsRasterInitPWGHeader(&h, pm, type, dpi, dpi, "one-sided", NULL))
        return bk_err_set(err, BK_ERR_INVALID, NULL, 0, p->name,
                          _("The badge cannot be made into printer raster: %s"),
                          cupsRasterErrorString());
    h.cupsInteger[CUPS_RASTER_PWG_TotalPageCount] = 1;
    cups_raster_t *r = cupsRasterOpen(fd, CUPS_RASTER_WRITE_PWG);
    if (!r)
        return bk_err_set(err, BK_ERR_IO, NULL, 0, p->name,
                          _("The printer raster cannot be written: %s"), i18n_strerror(errno));
    struct printer_placement pl = printer_place(img, h.cupsWidth, h.cupsHeight, dpi);
    uint8_t *rgb = xmalloc((size_t)h.cupsWidth * 3);
    uint8_t *line = xmalloc(h.cupsBytesPerLine);
    bool ok = cupsRasterWriteHeader2(r, &h) != 0;
    for (unsigned y = 0; ok && y < h.cupsHeight; y++) {
        printer_sample_row(img, &pl, y, h.cupsWidth, rgb);
        if (strcmp(type, "srgb_8") == 0) {
            memcpy(line, rgb, (size_t)h.cupsWidth * 3);
        } else {
            if (strcmp(type, "black_1") == 0)
                memset(line, 0, h.cupsBytesPerLine);
            for (unsigned x = 0; x < h.cupsWidth; x++) {
                const uint8_t *c = rgb + (size_t)x * 3;
                /* Rec. 601 luma, in integers. */
                unsigned g = (299u * c[0] + 587u * c[1] + 114u * c[2] + 500u) / 1000u;
                if (strcmp(type, "sgray_8") == 0)
                    line[x] = (uint8_t)g;
                else if (g < 128) /* black_1: 1 is ink */
                    line[x / 8] |= (uint8_t)(0x80u >> (x % 8));
            }
        }
        ok = cupsRasterWritePixels(r, line, h.cupsBytesPerLine) == h.cupsBytesPerLine;
    }
    cupsRasterClose(r);
    free(rgb);
    free(line);
    if (!ok)
        return bk_err_set(err, BK_ERR_IO, NULL, 0, p->name,
                          _("The printer raster cannot be written: %s"), i18n_strerror(errno));
    return BK_OK;
}

/* Writes the document into a new temporary file whose path goes in path;
 * *format is its MIME type. The caller unlinks the file. */
static enum bk_status printer_make_document(const struct printer *p, const struct badge_image *img,
                                            const char *media, char *path, size_t n,
                                            const char **format, struct bk_err *err)
{
    const char *tmpdir = getenv("TMPDIR");
    snprintf(path, n, "%s/badgekiosk-print-XXXXXX", tmpdir && tmpdir[0] ? tmpdir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0)
        return bk_err_set(err, BK_ERR_IO, NULL, 0, p->name,
                          _("No temporary file for the badge (%s): check that %s is writable."),
                          i18n_strerror(errno), tmpdir && tmpdir[0] ? tmpdir : "/tmp");
    enum bk_status st;
    /* A black-and-white badge goes to a driverless printer as PWG raster
     * black_1 (or sgray_8 holding only 0 and 255), which it prints dot for
     * dot. A CUPS queue turns PNG into its driver's raster one to one when
     * the PNG is at the driver's resolution, and pure black and white stays
     * so; PWG raster would take a detour through PDF there. */
    bool as_png = p->takes_png && !(img->monochrome && p->takes_pwg && !p->is_queue);
    if (as_png) {
        close(fd);
        *format = "image/png";
        st = badge_image_write_png(img, path, err);
        if (st && err) { /* name the printer, keep the file the writer named */
            size_t k = strnlen(p->name, sizeof err->field - 1);
            memcpy(err->field, p->name, k);
            err->field[k] = '\0';
        }
    } else {
        *format = "image/pwg-raster";
        st = printer_write_pwg(p, img, media, fd, err);
        if (close(fd) != 0 && !st)
            st = bk_err_set(err, BK_ERR_IO, NULL, 0, p->name,
                            _("The printer raster cannot be written: %s"), i18n_strerror(errno));
    }
    if (st)
        unlink(path);
    return st;
}

static bool printer_lists_media(const struct printer *p, const char *media)
{
    for (int i = 0; i < p->n_media; i++)
        if (strcmp(p->media[i], media) == 0)
            return true;
    return false;
}

static void printer_media_list(const struct printer *p, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < p->n_media && used < n; i++) {
        int w = snprintf(buf + used, n - used, "%s%s", i ? ", " : "", p->media[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

/* media as the printer should see it: the keyword when it is listed (every
 * printer understands that); else, for printers that take media-col, the
 * size itself, which IPP Everywhere printers may accept as a custom size. */
static void printer_add_media(struct printer *p, ipp_t *req, const char *media)
{
    pwg_media_t *pm = printer_lists_media(p, media) ? NULL : pwgMediaForPWG(media);
    if (pm && p->media_col_size && !p->is_queue) {
        ipp_t *size = ippNew();
        ippAddInteger(size, IPP_TAG_ZERO, IPP_TAG_INTEGER, "x-dimension", pm->width);
        ippAddInteger(size, IPP_TAG_ZERO, IPP_TAG_INTEGER, "y-dimension", pm->length);
        ipp_t *col = ippNew();
        ippAddCollection(col, IPP_TAG_ZERO, "media-size", size);
        ippDelete(size);
        ippAddCollection(req, IPP_TAG_JOB, "media-col", col);
        ippDelete(col);
    } else {
        ippAddString(req, IPP_TAG_JOB, IPP_TAG_KEYWORD, "media", NULL, media);
    }
}

/* Whether img at its DPI fits on media either way round, with 1 mm to
 * spare for rounding (sizes are in hundredths of a millimetre). */
static bool printer_fits(const struct badge_image *img, const pwg_media_t *pm)
{
    long w = (long)img->width * 2540 / img->dpi, h = (long)img->height * 2540 / img->dpi;
    return (w <= pm->width + 100 && h <= pm->length + 100) ||
           (h <= pm->width + 100 && w <= pm->length + 100);
}

enum bk_status printer_submit(struct printer *p, const struct badge_image *img, const char *media,
                              const char *job_name, int *job_id, struct bk_err *err)
{
    *job_id = 0;
    p->note[0] = '\0';
    if (!img || !img->rgb || img->width < 1 || img->height < 1 || img->dpi < 1)
        return bk_err_set(err, BK_ERR_INVALID, NULL, 0, p->name, _("There is no badge to print."));
    if (!media || !media[0])
        return bk_err_set(err, BK_ERR_INVALID, NULL, 0, p->name,
                          _("No media size is set for the badge."));
    if (!p->takes_png && !p->takes_pwg)
        return bk_err_set(err, BK_ERR_INVALID, NULL, 0, p->name,
                          _("The printer takes neither PNG nor PWG raster (it takes: %s), so "
                            "badges cannot be sent to it. Use an IPP Everywhere printer or a "
                            "CUPS queue with a driver."),
                          p->formats[0] ? p->formats : "?");
    bool listed = printer_lists_media(p, media);
    if (!listed && p->n_media > 0)
        snprintf(p->note, sizeof p->note,
                 _("The printer does not list media %s; it was sent anyway as a custom size."),
                 media);

    char path[512];
    const char *format = NULL;
    enum bk_status st = printer_make_document(p, img, media, path, sizeof path, &format, err);
    if (st)
        return st;

    ipp_t *req = printer_request(p, IPP_OP_PRINT_JOB);
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "job-name", NULL,
                 job_name && job_name[0] ? job_name : "badge");
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_MIMETYPE, "document-format", NULL, format);
    ippAddInteger(req, IPP_TAG_JOB, IPP_TAG_INTEGER, "copies", 1);
    printer_add_media(p, req, media);
    /* The badge is drawn for the media at its DPI: print it as it is, unless
     * it is larger than the media. Only sent when the printer knows it, so a
     * printer without print-scaling does not report it ignored. */
    pwg_media_t *pm = pwgMediaForPWG(media);
    const char *scaling = !pm || printer_fits(img, pm) ? "none" : "fit";
    if ((strcmp(scaling, "none") == 0 && p->scaling_none) ||
        (strcmp(scaling, "fit") == 0 && p->scaling_fit))
        ippAddString(req, IPP_TAG_JOB, IPP_TAG_KEYWORD, "print-scaling", NULL, scaling);

    ipp_t *resp = printer_do(p, req, path, err);
    unlink(path);
    if (!resp) {
        if (err && err->status == BK_ERR_INVALID && !listed) {
            char list[384];
            printer_media_list(p, list, sizeof list);
            char why[sizeof err->msg];
            snprintf(why, sizeof why, "%s", err->msg);
            bk_err_set(err, BK_ERR_INVALID, NULL, 0, p->name,
                       _("%s The printer does not list media %s; it takes: %s. Set the badge "
                         "media to one of these, or load and configure that media."),
                       why, media, list[0] ? list : "?");
        }
        return err ? err->status : BK_ERR_IO;
    }
    ipp_attribute_t *a = ippFindAttribute(resp, "job-id", IPP_TAG_INTEGER);
    if (!a) {
        ippDelete(resp);
        return bk_err_set(err, BK_ERR_IO, NULL, 0, p->name,
                          _("The printer took the badge but gave no job number."));
    }
    *job_id = ippGetInteger(a, 0);
    ippDelete(resp);
    return BK_OK;
}

/* ---- following jobs ----------------------------------------------------- */

enum bk_status printer_job_state(struct printer *p, int job_id, enum printer_job_state *state,
                                 char *reasons, size_t n, struct bk_err *err)
{
    static const char *const want[] = {"job-state", "job-state-reasons"};
    *state = PRINTER_JOB_UNKNOWN;
    if (reasons && n)
        reasons[0] = '\0';
    ipp_t *req = printer_request(p, IPP_OP_GET_JOB_ATTRIBUTES);
    ippAddInteger(req, IPP_TAG_OPERATION, IPP_TAG_INTEGER, "job-id", job_id);
    ippAddStrings(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes", 2, NULL, want);
    struct bk_err local;
    ipp_t *resp = printer_do(p, req, NULL, &local);
    if (!resp) {
        /* A job the printer has forgotten is an answer, not a failure. */
        if (local.status == BK_ERR_NOT_FOUND)
            return BK_OK;
        if (err)
            *err = local;
        return local.status;
    }
    ipp_attribute_t *a = ippFindAttribute(resp, "job-state", IPP_TAG_ENUM);
    if (a)
        *state = printer_job_state_from_ipp(ippGetInteger(a, 0));
    if (reasons && n)
        printer_reasons_join(ippFindAttribute(resp, "job-state-reasons", IPP_TAG_KEYWORD), reasons,
                             n);
    ippDelete(resp);
    return BK_OK;
}

static long printer_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

enum bk_status printer_wait(struct printer *p, int job_id, int timeout_ms,
                            enum printer_job_state *state, char *reasons, size_t n,
                            struct bk_err *err)
{
    long deadline = printer_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    for (;;) {
        enum bk_status st = printer_job_state(p, job_id, state, reasons, n, err);
        if (st || printer_job_state_final(*state))
            return st;
        long left = deadline - printer_now_ms();
        if (left <= 0)
            return BK_OK;
        long nap = left < PRINTER_POLL_MS ? left : PRINTER_POLL_MS;
        struct timespec ts = {nap / 1000, (nap % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
    }
}

enum bk_status printer_find_job(struct printer *p, const char *job_name, int *job_id,
                                enum printer_job_state *state, struct bk_err *err)
{
    static const char *const want[] = {"job-id", "job-name", "job-state"};
    *job_id = 0;
    *state = PRINTER_JOB_UNKNOWN;
    ipp_t *req = printer_request(p, IPP_OP_GET_JOBS);
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "which-jobs", NULL, "all");
    ippAddStrings(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes", 3, NULL, want);
    ipp_t *resp = printer_do(p, req, NULL, err);
    if (!resp)
        return err ? err->status : BK_ERR_IO;
    /* Jobs come as groups of job attributes; collect each group's three
     * values and keep the match with the highest id (the newest). */
    int id = 0, jstate = 0;
    const char *name = NULL;
    for (ipp_attribute_t *a = ippFirstAttribute(resp);; a = ippNextAttribute(resp)) {
        bool end_of_job = !a || !ippGetName(a) || ippGetGroupTag(a) != IPP_TAG_JOB;
        if (end_of_job && id > 0) {
            if (name && strcmp(name, job_name) == 0 && id > *job_id) {
                *job_id = id;
                *state = printer_job_state_from_ipp(jstate);
            }
            id = 0, jstate = 0, name = NULL;
        }
        if (!a)
            break;
        if (ippGetGroupTag(a) != IPP_TAG_JOB || !ippGetName(a))
            continue;
        if (strcmp(ippGetName(a), "job-id") == 0)
            id = ippGetInteger(a, 0);
        else if (strcmp(ippGetName(a), "job-name") == 0)
            name = ippGetString(a, 0, NULL);
        else if (strcmp(ippGetName(a), "job-state") == 0)
            jstate = ippGetInteger(a, 0);
    }
    ippDelete(resp);
    if (*job_id == 0)
        return bk_err_set(err, BK_ERR_NOT_FOUND, NULL, 0, p->name,
                          _("The printer knows no job named \"%s\"."), job_name);
    return BK_OK;
}

/* ---- printer state ------------------------------------------------------ */

enum bk_status printer_get_status(struct printer *p, struct printer_status *st, struct bk_err *err)
{
    memset(st, 0, sizeof *st);
    ipp_t *resp = printer_get_attributes(p, err);
    if (!resp)
        return err ? err->status : BK_ERR_IO;
    printer_learn(p, resp); /* media or formats may have changed (a new roll) */
    ipp_attribute_t *a = ippFindAttribute(resp, "printer-is-accepting-jobs", IPP_TAG_BOOLEAN);
    st->accepting = a ? ippGetBoolean(a, 0) != 0 : true;
    a = ippFindAttribute(resp, "printer-state", IPP_TAG_ENUM);
    st->state = a ? ippGetInteger(a, 0) : 0;
    const char *words = st->state == IPP_PSTATE_IDLE         ? _("idle")
                        : st->state == IPP_PSTATE_PROCESSING ? _("printing")
                        : st->state == IPP_PSTATE_STOPPED    ? _("stopped")
                                                             : _("unknown");
    snprintf(st->state_text, sizeof st->state_text, "%s", words);
    printer_reasons_join(ippFindAttribute(resp, "printer-state-reasons", IPP_TAG_KEYWORD),
                         st->reasons, sizeof st->reasons);
    a = ippFindAttribute(resp, "printer-state-message", IPP_TAG_TEXT);
    snprintf(st->message, sizeof st->message, "%s", a ? ippGetString(a, 0, NULL) : "");
    a = ippFindAttribute(resp, "queued-job-count", IPP_TAG_INTEGER);
    st->queued = a && ippGetInteger(a, 0) > 0 ? (size_t)ippGetInteger(a, 0) : 0;
    a = ippFindAttribute(resp, "printer-make-and-model", IPP_TAG_TEXT);
    snprintf(st->make_model, sizeof st->make_model, "%s", a ? ippGetString(a, 0, NULL) : "");
    ippDelete(resp);
    return BK_OK;
}
