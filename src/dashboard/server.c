/* server: see server.h. */
#include "dashboard/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "dashboard/page.h"
#include "event/tz.h"
#include "util/clock.h"
#include "util/i18n.h"
#include "util/xalloc.h"

#define MAX_CONNECTIONS 64
#define MAX_PER_CLIENT 8
#define MEMORY_PER_CONNECTION (16 * 1024) /* the request's headers must fit */
#define MAX_SESSIONS 256
#define SESSION_MS (12LL * 3600 * 1000)
#define MAX_CLIENTS 1024 /* addresses remembered for the login backoff */
#define BACKOFF_MAX_MS 60000
#define LIVE_EVERY_MS 1000 /* the live part is computed again this often */
#define TOKEN_BYTES 24
/* Password checks (Argon2id, tens of milliseconds and 64 MiB each) for all
 * addresses together, at most this many a second: many addresses each
 * trying once cannot keep the server's one thread hashing. */
#define HASHES_PER_SECOND 4
#define SESSION_BYTES 32

static const char csp[] = "default-src 'none'; script-src 'self'; style-src 'self'; "
                          "connect-src 'self'; img-src 'self'; base-uri 'none'; "
                          "form-action 'none'; frame-ancestors 'none'";

struct session {
    unsigned char id[SESSION_BYTES];
    int64_t until_ms; /* 0: a free slot */
};

/* A client address's wrong logins: the backoff. */
struct client {
    char addr[INET6_ADDRSTRLEN];
    unsigned fails;
    int64_t next_ms; /* no login is checked before then */
    int64_t last_ms; /* for forgetting the oldest */
};

struct dashboard {
    const struct config *cfg;
    struct store *store;
    struct dashboard_options o;
    char *password_hash; /* NULL: token mode */
    char token[2 * TOKEN_BYTES + 1];
    char host[80];
    int port;
    bool tls, loopback;
    char *cert_pem, *key_pem;
    struct MHD_Daemon *daemon;
    struct session sessions[MAX_SESSIONS];
    struct client clients[MAX_CLIENTS];
    size_t n_clients;
    int64_t hash_second; /* monotonic second of the last password checks */
    int hashes;          /* how many in it */
    /* The live part, computed on the refresher thread (the only one that
     * uses the store once started) and copied out under mu by requests. */
    pthread_t refresher;
    bool refresher_running;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    char *live;       /* NULL until computed (or while the store fails from the start) */
    int64_t asked_ms; /* monotonic: the last request for it */
    int64_t took_ms;  /* how long the last computation took */
    struct dashpage_cache *cache; /* the refresher's */
};

static void log_line(struct dashboard *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void log_line(struct dashboard *d, const char *fmt, ...)
{
    if (!d->o.log)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *line = xvasprintf(fmt, ap);
    va_end(ap);
    d->o.log(d->o.log_ctx, line);
    free(line);
}

/* ---- answers ---- */

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status, const char *type,
                              const char *body, size_t len, bool tls,
                              const char *const *extra /* name, value pairs, NULL-ended */)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_SECURITY_POLICY, csp);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Cross-Origin-Resource-Policy", "same-origin");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (tls)
        MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000");
    for (size_t i = 0; extra && extra[i]; i += 2)
        MHD_add_response_header(r, extra[i], extra[i + 1]);
    enum MHD_Result res = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return res;
}

/* A short page in words, for an error or a refusal. */
static enum MHD_Result answer_text(struct dashboard *d, struct MHD_Connection *c, unsigned status,
                                   const char *text, const char *const *extra)
{
    char *body = xasprintf("%s\n", text);
    enum MHD_Result r =
        answer(c, status, "text/plain; charset=utf-8", body, strlen(body), d->tls, extra);
    free(body);
    return r;
}

/* ---- login ---- */

static void client_address(struct MHD_Connection *c, char *buf, size_t n)
{
    snprintf(buf, n, "?");
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, buf,
                  (socklen_t)n);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, buf,
                  (socklen_t)n);
}

/* The backoff record of addr, made when missing (the least recently seen
 * one is forgotten when the table is full). */
static struct client *client_of(struct dashboard *d, const char *addr, int64_t now)
{
    size_t oldest = 0;
    for (size_t i = 0; i < d->n_clients; i++) {
        if (strcmp(d->clients[i].addr, addr) == 0) {
            d->clients[i].last_ms = now;
            return &d->clients[i];
        }
        if (d->clients[i].last_ms < d->clients[oldest].last_ms)
            oldest = i;
    }
    struct client *k =
        d->n_clients < MAX_CLIENTS ? &d->clients[d->n_clients++] : &d->clients[oldest];
    memset(k, 0, sizeof *k);
    snprintf(k->addr, sizeof k->addr, "%s", addr);
    k->last_ms = now;
    return k;
}

static void login_failed(struct dashboard *d, struct client *k, int64_t now)
{
    k->fails++;
    int64_t wait = 1000;
    for (unsigned i = 1; i < k->fails && wait < BACKOFF_MAX_MS; i++)
        wait *= 2;
    if (wait > BACKOFF_MAX_MS)
        wait = BACKOFF_MAX_MS;
    k->next_ms = now + wait;
    log_line(d, _("dashboard: wrong login from %s (%u in a row; the next is checked in %lld s)"),
             k->addr, k->fails, (long long)(wait / 1000));
}

static bool session_valid(struct dashboard *d, const char *cookie, int64_t now)
{
    unsigned char id[SESSION_BYTES];
    size_t len = 0;
    if (!cookie || strlen(cookie) != 2 * SESSION_BYTES ||
        sodium_hex2bin(id, sizeof id, cookie, strlen(cookie), NULL, &len, NULL) != 0 ||
        len != SESSION_BYTES)
        return false;
    bool ok = false;
    for (size_t i = 0; i < MAX_SESSIONS; i++)
        if (d->sessions[i].until_ms > now && sodium_memcmp(d->sessions[i].id, id, sizeof id) == 0)
            ok = true;
    return ok;
}

/* A new session; its id in hex into hex (2 * SESSION_BYTES + 1). */
static void session_new(struct dashboard *d, int64_t now, char *hex)
{
    size_t slot = 0;
    for (size_t i = 0; i < MAX_SESSIONS; i++) {
        if (d->sessions[i].until_ms <= now) {
            slot = i;
            break;
        }
        if (d->sessions[i].until_ms < d->sessions[slot].until_ms)
            slot = i;
    }
    randombytes_buf(d->sessions[slot].id, SESSION_BYTES);
    d->sessions[slot].until_ms = now + SESSION_MS;
    sodium_bin2hex(hex, 2 * SESSION_BYTES + 1, d->sessions[slot].id, SESSION_BYTES);
}

/* The password of an "Authorization: Basic ..." header, into pw (n bytes);
 * false when there is none or it does not decode. The user name is not
 * used: there is one password. */
static bool basic_password(const char *header, char *pw, size_t n)
{
    if (!header || strncasecmp(header, "Basic ", 6) != 0)
        return false;
    const char *b64 = header + 6;
    unsigned char raw[512];
    size_t len = 0;
    if (strlen(b64) > 680 || sodium_base642bin(raw, sizeof raw - 1, b64, strlen(b64), NULL, &len,
                                               NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
        return false;
    raw[len] = '\0';
    const char *colon = memchr(raw, ':', len);
    if (!colon)
        return false;
    snprintf(pw, n, "%s", colon + 1);
    sodium_memzero(raw, sizeof raw);
    return true;
}

/* What the login check decided. */
enum login {
    LOGIN_OK,    /* a session cookie, or a good login (cookie set in *set_cookie) */
    LOGIN_NONE,  /* nothing given */
    LOGIN_WRONG, /* a wrong password or token */
    LOGIN_WAIT,  /* this address must wait before another try is checked */
};

static enum login check_login(struct dashboard *d, struct MHD_Connection *c, char *set_cookie,
                              size_t n, int64_t *retry_s)
{
    int64_t now = clock_mono_ms();
    set_cookie[0] = '\0';
    if (session_valid(d, MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "bk_session"), now))
        return LOGIN_OK;
    const char *token =
        d->password_hash ? NULL : MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token");
    char pw[256];
    bool has_pw = d->password_hash &&
                  basic_password(MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                             MHD_HTTP_HEADER_AUTHORIZATION),
                                 pw, sizeof pw);
    if (!token && !has_pw)
        return LOGIN_NONE;
    char addr[INET6_ADDRSTRLEN];
    client_address(c, addr, sizeof addr);
    struct client *k = client_of(d, addr, now);
    if (now < k->next_ms) {
        *retry_s = (k->next_ms - now + 999) / 1000;
        sodium_memzero(pw, sizeof pw);
        return LOGIN_WAIT;
    }
    if (!token) {
        int64_t second = now / 1000;
        if (second != d->hash_second) {
            d->hash_second = second;
            d->hashes = 0;
        }
        if (d->hashes >= HASHES_PER_SECOND) {
            *retry_s = 1;
            sodium_memzero(pw, sizeof pw);
            return LOGIN_WAIT;
        }
        d->hashes++;
    }
    bool good;
    if (token)
        good = strlen(token) == strlen(d->token) &&
               sodium_memcmp(token, d->token, strlen(d->token)) == 0;
    else
        good = crypto_pwhash_str_verify(d->password_hash, pw, strlen(pw)) == 0;
    sodium_memzero(pw, sizeof pw);
    if (!good) {
        login_failed(d, k, now);
        return LOGIN_WRONG;
    }
    k->fails = 0;
    k->next_ms = 0;
    char hex[2 * SESSION_BYTES + 1];
    session_new(d, now, hex);
    snprintf(set_cookie, n, "bk_session=%s; Path=/; HttpOnly; SameSite=Strict%s", hex,
             d->tls ? "; Secure" : "");
    return LOGIN_OK;
}

/* ---- the pages ---- */

/* Computes the live part into a new string; NULL with the reason logged
 * when the store fails. */
static char *live_compute(struct dashboard *d)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    struct bk_err err;
    bk_err_clear(&err);
    enum bk_status st = dashpage_write_live(f, d->store, d->cfg, tz_now_ms() + d->o.clock_offset_ms,
                                            d->cache, &err);
    fclose(f);
    if (st != BK_OK) {
        log_line(d, _("dashboard: the store cannot be read: %s"), err.msg);
        free(buf);
        return NULL;
    }
    return buf;
}

/* The refresher: the live part again every LIVE_EVERY_MS (or three times
 * as long as it takes to compute, on a store so large that it takes over a
 * third of a second), while someone looked at the page in the last minute.
 * Requests never wait on the store: they take the newest copy. */
static void *refresher_main(void *arg)
{
    struct dashboard *d = arg;
    pthread_mutex_lock(&d->mu);
    while (!d->stop) {
        int64_t now = clock_mono_ms();
        int64_t every = d->took_ms * 3 > LIVE_EVERY_MS ? d->took_ms * 3 : LIVE_EVERY_MS;
        if (now - d->asked_ms < 60000) {
            pthread_mutex_unlock(&d->mu);
            char *fresh = live_compute(d);
            int64_t took = clock_mono_ms() - now;
            pthread_mutex_lock(&d->mu);
            d->took_ms = took;
            if (fresh) {
                free(d->live);
                d->live = fresh;
            }
        }
        struct timespec until = clock_deadline_in(every);
        if (!d->stop)
            pthread_cond_timedwait(&d->cv, &d->mu, &until);
    }
    pthread_mutex_unlock(&d->mu);
    return NULL;
}

/* A copy of the newest live part, or NULL when there is none yet. */
static char *live_copy(struct dashboard *d)
{
    pthread_mutex_lock(&d->mu);
    bool woke = clock_mono_ms() - d->asked_ms >= 60000; /* nobody looked for a minute */
    d->asked_ms = clock_mono_ms();
    char *copy = d->live ? xstrdup(d->live) : NULL;
    if (woke)
        pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->mu);
    return copy;
}

enum route { ROUTE_PAGE, ROUTE_LIVE, ROUTE_CSS, ROUTE_JS, ROUTE_NONE };

static enum route route_of(const char *url)
{
    static const char *const paths[] = {"/", "/live", "/dashboard.css", "/dashboard.js"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        if (strcmp(url, paths[i]) == 0)
            return (enum route)i;
    return ROUTE_NONE;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
    struct dashboard *d = cls;
    (void)version;
    (void)upload_data;
    /* A body is never wanted: take none, answer on the first call. */
    if (*upload_data_size) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    (void)req_cls;
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
        const char *const allow[] = {MHD_HTTP_HEADER_ALLOW, "GET, HEAD", NULL};
        return answer_text(d, c, MHD_HTTP_METHOD_NOT_ALLOWED,
                           _("Only GET and HEAD: the dashboard is read-only."), allow);
    }
    /* Nothing here takes a body: one announced is refused before a byte of
     * it is read (the connection is closed after the answer). */
    const char *length =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if ((length && strcmp(length, "0") != 0) ||
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING))
        return answer_text(d, c, MHD_HTTP_CONTENT_TOO_LARGE,
                           _("A request to the dashboard carries no body."), NULL);
    enum route rt = route_of(url);
    if (rt == ROUTE_NONE)
        return answer_text(d, c, MHD_HTTP_NOT_FOUND, _("Not found."), NULL);
    char cookie[160];
    int64_t retry = 0;
    enum login lg = check_login(d, c, cookie, sizeof cookie, &retry);
    if (lg == LOGIN_WAIT) {
        char secs[24];
        snprintf(secs, sizeof secs, "%lld", (long long)retry);
        const char *const h[] = {MHD_HTTP_HEADER_RETRY_AFTER, secs, NULL};
        return answer_text(d, c, MHD_HTTP_TOO_MANY_REQUESTS,
                           _("Too many wrong logins from this address: wait, then try again."), h);
    }
    if (lg != LOGIN_OK) {
        if (d->password_hash) {
            const char *const h[] = {MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                     "Basic realm=\"badgekiosk dashboard\", charset=\"UTF-8\"",
                                     NULL};
            return answer_text(d, c, MHD_HTTP_UNAUTHORIZED, _("Log in to see the dashboard."), h);
        }
        return answer_text(d, c, MHD_HTTP_UNAUTHORIZED,
                           _("Log in to see the dashboard: open the address badgectl serve "
                             "printed, with its token."),
                           NULL);
    }
    /* A token in the address: set the session and drop the token from the
     * address bar (and from any history) at once. */
    if (cookie[0] && MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token")) {
        const char *const h[] = {MHD_HTTP_HEADER_SET_COOKIE, cookie, MHD_HTTP_HEADER_LOCATION, url,
                                 NULL};
        return answer_text(d, c, MHD_HTTP_SEE_OTHER, _("Logged in."), h);
    }
    const char *const set[] = {MHD_HTTP_HEADER_SET_COOKIE, cookie, NULL};
    const char *const *extra = cookie[0] ? set : NULL;
    switch (rt) {
    case ROUTE_CSS:
        return answer(c, MHD_HTTP_OK, "text/css; charset=utf-8", dashpage_css, strlen(dashpage_css),
                      d->tls, extra);
    case ROUTE_JS:
        return answer(c, MHD_HTTP_OK, "text/javascript; charset=utf-8", dashpage_js,
                      strlen(dashpage_js), d->tls, extra);
    default:
        break;
    }
    char *live = live_copy(d);
    if (!live)
        return answer_text(d, c, MHD_HTTP_SERVICE_UNAVAILABLE,
                           _("The store cannot be read just now; the page tries again."), NULL);
    enum MHD_Result r;
    if (rt == ROUTE_LIVE) {
        r = answer(c, MHD_HTTP_OK, "text/html; charset=utf-8", live, strlen(live), d->tls, extra);
        free(live);
        return r;
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        free(live);
        return MHD_NO;
    }
    dashpage_write_page(f, d->cfg, live);
    fclose(f);
    free(live);
    r = answer(c, MHD_HTTP_OK, "text/html; charset=utf-8", buf, len, d->tls, extra);
    free(buf);
    return r;
}

/* ---- start and stop ---- */

bool dashboard_parse_listen(const char *listen, char *addr, size_t n, int *port, bool *v6)
{
    const char *colon;
    *v6 = listen[0] == '[';
    if (*v6) {
        const char *close = strchr(listen, ']');
        if (!close || close[1] != ':' || (size_t)(close - listen - 1) >= n)
            return false;
        memcpy(addr, listen + 1, (size_t)(close - listen - 1));
        addr[close - listen - 1] = '\0';
        colon = close + 1;
    } else {
        colon = strrchr(listen, ':');
        if (!colon || (size_t)(colon - listen) >= n)
            return false;
        memcpy(addr, listen, (size_t)(colon - listen));
        addr[colon - listen] = '\0';
    }
    char *end;
    errno = 0;
    long p = strtol(colon + 1, &end, 10);
    if (end == colon + 1 || *end || errno || p < 0 || p > 65535)
        return false;
    *port = (int)p;
    unsigned char probe[16];
    return inet_pton(*v6 ? AF_INET6 : AF_INET, addr, probe) == 1;
}

static enum bk_status read_pem(const char *path, char **out, struct bk_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return bk_err_set(err, BK_ERR_NOT_FOUND, path, 0, NULL,
                          _("the dashboard's TLS file cannot be read: %s"), i18n_strerror(errno));
    char *buf = xmalloc(65537);
    size_t len = fread(buf, 1, 65536, f);
    bool bad = ferror(f) || !feof(f) || len == 0;
    fclose(f);
    if (bad) {
        free(buf);
        return bk_err_set(err, BK_ERR_INVALID, path, 0, NULL,
                          _("the dashboard's TLS file is empty, larger than 64 KiB or unreadable"));
    }
    buf[len] = '\0';
    *out = buf;
    return BK_OK;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    struct dashboard *d = cls;
    if (!d->o.log)
        return;
    char *line = xvasprintf(fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    d->o.log(d->o.log_ctx, line);
    free(line);
}

enum bk_status dashboard_start(const struct config *cfg, struct store *s,
                               const struct dashboard_options *o, struct dashboard **out,
                               struct bk_err *err)
{
    *out = NULL;
    if (sodium_init() < 0)
        return bk_err_set(err, BK_ERR_IO, NULL, 0, NULL, _("libsodium cannot start"));
    char addr[64];
    int port;
    bool v6;
    if (!dashboard_parse_listen(o->listen, addr, sizeof addr, &port, &v6))
        return bk_err_set(err, BK_ERR_INVALID, NULL, 0, "listen",
                          _("'%s' is not an address and port to listen on: use ADDR:PORT, e.g. "
                            "127.0.0.1:8470, or [ADDR]:PORT for IPv6"),
                          o->listen);
    struct dashboard *d = xcalloc(1, sizeof *d);
    d->cfg = cfg;
    d->store = s;
    d->o = *o;
    pthread_mutex_init(&d->mu, NULL);
    pthread_cond_init(&d->cv, NULL);
    d->cache = dashpage_cache_new();
    if (!d->o.idle_seconds)
        d->o.idle_seconds = 10;
    if (o->password_hash && o->password_hash[0]) {
        if (strncmp(o->password_hash, crypto_pwhash_STRPREFIX, strlen(crypto_pwhash_STRPREFIX)) !=
            0) {
            dashboard_stop(d);
            return bk_err_set(err, BK_ERR_INVALID, NULL, 0, "password_hash",
                              _("[dashboard] password_hash is not a password hash: make one with "
                                "badgectl dashboard-password"));
        }
        d->password_hash = xstrdup(o->password_hash);
    } else {
        unsigned char raw[TOKEN_BYTES];
        randombytes_buf(raw, sizeof raw);
        sodium_bin2hex(d->token, sizeof d->token, raw, sizeof raw);
    }
    bool cert = o->certificate && o->certificate[0], key = o->key && o->key[0];
    enum bk_status st = BK_OK;
    if (cert != key)
        st = bk_err_set(err, BK_ERR_INVALID, NULL, 0, cert ? "key" : "certificate",
                        _("[dashboard] needs both certificate and key for TLS, or neither"));
    if (st == BK_OK && cert)
        st = read_pem(o->certificate, &d->cert_pem, err);
    if (st == BK_OK && key)
        st = read_pem(o->key, &d->key_pem, err);
    d->tls = cert && key;
    struct sockaddr_in sin = {0};
    struct sockaddr_in6 sin6 = {0};
    struct sockaddr *sa;
    if (v6) {
        sin6.sin6_family = AF_INET6;
        sin6.sin6_port = htons((uint16_t)port);
        inet_pton(AF_INET6, addr, &sin6.sin6_addr);
        sa = (struct sockaddr *)&sin6;
        d->loopback = IN6_IS_ADDR_LOOPBACK(&sin6.sin6_addr);
    } else {
        sin.sin_family = AF_INET;
        sin.sin_port = htons((uint16_t)port);
        inet_pton(AF_INET, addr, &sin.sin_addr);
        sa = (struct sockaddr *)&sin;
        d->loopback = (ntohl(sin.sin_addr.s_addr) >> 24) == 127;
    }
    snprintf(d->host, sizeof d->host, v6 ? "[%s]" : "%s", addr);
    /* The first live part before the first request, then the refresher
     * keeps it fresh. */
    if (st == BK_OK) {
        int64_t t0 = clock_mono_ms();
        d->live = live_compute(d);
        d->took_ms = clock_mono_ms() - t0;
        d->asked_ms = clock_mono_ms();
        if (pthread_create(&d->refresher, NULL, refresher_main, d) != 0)
            st = bk_err_set(err, BK_ERR_IO, NULL, 0, NULL,
                            _("the dashboard's refresher thread cannot start"));
        else
            d->refresher_running = true;
    }
    if (st == BK_OK) {
        unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG |
                         (v6 ? MHD_USE_IPv6 : 0) | (d->tls ? MHD_USE_TLS : 0);
        struct MHD_OptionItem tls_opts[] = {
            {MHD_OPTION_HTTPS_MEM_CERT, 0, d->cert_pem},
            {MHD_OPTION_HTTPS_MEM_KEY, 0, d->key_pem},
            {MHD_OPTION_END, 0, NULL},
        };
        d->daemon = MHD_start_daemon(
            flags, (uint16_t)port, NULL, NULL, on_request, d, MHD_OPTION_EXTERNAL_LOGGER, mhd_log,
            d, MHD_OPTION_SOCK_ADDR, sa, MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
            MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)MAX_PER_CLIENT,
            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)d->o.idle_seconds,
            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)MEMORY_PER_CONNECTION, MHD_OPTION_ARRAY,
            d->tls ? tls_opts : &tls_opts[2], MHD_OPTION_END);
        if (!d->daemon)
            st = bk_err_set(err, BK_ERR_IO, NULL, 0, "listen",
                            _("the dashboard cannot listen on %s (the port in use, or an address "
                              "this machine does not have)"),
                            o->listen);
    }
    if (st != BK_OK) {
        dashboard_stop(d);
        return st;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d->daemon, MHD_DAEMON_INFO_BIND_PORT);
    d->port = info && info->port ? info->port : port;
    *out = d;
    return BK_OK;
}

void dashboard_stop(struct dashboard *d)
{
    if (!d)
        return;
    if (d->daemon)
        MHD_stop_daemon(d->daemon);
    if (d->refresher_running) {
        pthread_mutex_lock(&d->mu);
        d->stop = true;
        pthread_cond_signal(&d->cv);
        pthread_mutex_unlock(&d->mu);
        pthread_join(d->refresher, NULL);
    }
    pthread_mutex_destroy(&d->mu);
    pthread_cond_destroy(&d->cv);
    free(d->password_hash);
    free(d->cert_pem);
    if (d->key_pem) {
        sodium_memzero(d->key_pem, strlen(d->key_pem));
        free(d->key_pem);
    }
    free(d->live);
    dashpage_cache_free(d->cache);
    sodium_memzero(d, sizeof *d);
    free(d);
}

const char *dashboard_url(const struct dashboard *d, char *buf, size_t n)
{
    snprintf(buf, n, "%s://%s:%d/%s%s", d->tls ? "https" : "http", d->host, d->port,
             d->password_hash ? "" : "?token=", d->password_hash ? "" : d->token);
    return buf;
}

bool dashboard_loopback(const struct dashboard *d)
{
    return d->loopback;
}

bool dashboard_tls(const struct dashboard *d)
{
    return d->tls;
}
