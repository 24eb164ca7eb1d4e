/* server: the organisers' live dashboard over HTTP(S), with libmicrohttpd.
 *
 * Read-only and off unless started (badgectl serve). It serves four things
 * from memory, never a file from disk: the page (/), its live part (/live,
 * fetched again by the page every few seconds), its style sheet and script.
 * Any other path is 404, any method but GET and HEAD is 405, and a request
 * that announces a body is 413 before a byte of it is read.
 *
 * Every request needs a login: with [dashboard] password_hash set, HTTP
 * Basic authentication against that libsodium (Argon2id) hash; without one,
 * a long random token made at start, given once in the URL the caller
 * prints. A good login gets a session cookie (HttpOnly, SameSite=Strict,
 * Secure over TLS), so the hash is checked once, not at every poll. Wrong
 * logins are slowed per client address: after each one the address must
 * wait twice as long as before (1 s, 2 s, 4 s ... up to a minute) before
 * another is even checked, and is answered 429 meanwhile; and at most a
 * few passwords a second are checked for all addresses together.
 *
 * Bounds, so a slow or hostile client cannot starve it: a request's headers
 * fit in 16 KiB, at most 64 connections (8 per client address), a
 * connection idle for [dashboard] idle_seconds is closed; one internal
 * thread answers all of them without ever waiting on a client. Every answer
 * carries a strict Content-Security-Policy (only the page's own script and
 * style), nosniff, no referrer, no framing and no caching.
 *
 * The store is used only on a refresher thread of the dashboard's own,
 * which computes the live part again every second (or three times as long
 * as one computation takes, on a very large store) while someone has looked
 * in the last minute; a request only copies the newest one, so no request
 * waits on the store and however many browsers poll, the store is read once
 * a second. */
#ifndef BK_DASHBOARD_SERVER_H
#define BK_DASHBOARD_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event/config.h"
#include "store/store.h"
#include "util/err.h"

struct dashboard;

struct dashboard_options {
    const char *listen;        /* "ADDR:PORT" or "[ADDR6]:PORT"; PORT 0: any free one */
    const char *password_hash; /* crypto_pwhash_str's; NULL or "": a token instead */
    const char *certificate;   /* PEM files; both set: TLS; NULL or "": plain HTTP */
    const char *key;
    int idle_seconds;        /* a connection idle this long is closed; 0: 10 */
    int64_t clock_offset_ms; /* added to the clock: "today" as of another time (--now) */
    /* Called on the server's thread with a line to log (a refused login,
     * the store failing); may be NULL. */
    void (*log)(void *ctx, const char *line);
    void *log_ctx;
};

/* Starts serving. cfg and s must outlive the dashboard; s is used only on
 * the dashboard's refresher thread from now on (computed once here first). A listen address that
 * does not parse, a port in use, or a certificate or key that cannot be read fail here. */
enum bk_status dashboard_start(const struct config *cfg, struct store *s,
                               const struct dashboard_options *o, struct dashboard **out,
                               struct bk_err *err);

/* Stops serving and frees; NULL is fine. */
void dashboard_stop(struct dashboard *d);

/* The URL to open (with ?token=... when no password is set), into buf. */
const char *dashboard_url(const struct dashboard *d, char *buf, size_t n);

/* It listens on a loopback address only. */
bool dashboard_loopback(const struct dashboard *d);
/* It speaks TLS. */
bool dashboard_tls(const struct dashboard *d);

/* Parses "ADDR:PORT" (IPv4) or "[ADDR6]:PORT" into addr (at least 64
 * bytes) and port; false when it is not one. */
bool dashboard_parse_listen(const char *listen, char *addr, size_t n, int *port, bool *v6);

#endif
