/* pgconn: one connection to the shared store's PostgreSQL server, every wait
 * on it bounded.
 *
 * Private to src/store/. libpq has a connect timeout in whole seconds and no
 * query timeout at all, and a black-holed link (a pulled cable, a stalled
 * server, dropped packets) makes a blocking call wait for minutes. Here
 * every exchange is non-blocking and waits in poll() against a deadline:
 * connecting (PQconnectStartParams and PQconnectPoll, TLS included) and
 * each query (PQsendQueryParams, then the socket until the result is in).
 * When the deadline passes the connection is dropped, not cancelled
 * (PQcancel opens a second connection, which can hang on the same dead
 * link), and the call returns BK_ERR_OFFLINE. A statement that was sent may
 * then have been carried out or not: callers only ever retry what is
 * idempotent.
 *
 * After a failure the connection is held down for a while (no attempt
 * before pgconn_retry_now or the hold's end), so a kiosk that is offline
 * does not wait the whole bound again at every call.
 *
 * Passwords come only from libpq's own means (~/.pgpass, PGPASSFILE,
 * PGPASSWORD, a service file): a URL holding one is refused, and messages
 * name the server as host:port/database, never the URL. */
#ifndef BK_PGCONN_H
#define BK_PGCONN_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct pgconn_options {
    const char *url;      /* a libpq URI or key=value string */
    bool require_tls;     /* at least sslmode=require, and checked once connected */
    int timeout_ms;       /* the bound for connecting and for each exchange */
    const char *app_name; /* shown in pg_stat_activity; NULL for "badgekiosk" */
};

struct pgconn;

/* Checks the URL (a password in it is refused with BK_ERR_CONFIG) and keeps
 * the options; it does not connect. Free with pgconn_free (NULL is fine). */
enum bk_status pgconn_new(const struct pgconn_options *o, struct pgconn **out, struct bk_err *err);
void pgconn_free(struct pgconn *c);

/* "host:port/database" (or "local socket/database"), for messages; owned by c. */
const char *pgconn_where(const struct pgconn *c);

/* The user libpq connects as ("" when it takes the login name). */
const char *pgconn_user(const struct pgconn *c);

/* Connects unless connected: BK_OK, BK_ERR_OFFLINE (not reachable in time,
 * or held down after a recent failure), BK_ERR_CONFIG (refused: password,
 * TLS, no such database or role) or BK_ERR_STORE, each with a message that
 * names the server and says what to do. */
enum bk_status pgconn_connect(struct pgconn *c, struct bk_err *err);

bool pgconn_is_up(const struct pgconn *c);

/* Closes the connection and holds it down for hold_ms (0: no hold). */
void pgconn_drop(struct pgconn *c, int hold_ms);

/* Ends a hold, so the next call tries at once. */
void pgconn_retry_now(struct pgconn *c);

/* Wall-clock ms since when the server has been unreachable; 0 when it is
 * up or was never tried. */
int64_t pgconn_down_since(const struct pgconn *c);

/* Runs one statement with n text parameters (values may be NULL for SQL
 * NULL; lengths and formats as PQsendQueryParams, NULL for text), waiting
 * at most timeout_ms (0: the connection's bound) for the whole answer.
 * Connects first when needed. On success *res (when res is not NULL) is the
 * result, which the caller PQclear()s. A server error is BK_ERR_STORE (or
 * BK_ERR_FULL for a full disk, BK_ERR_INVALID for a refused permission)
 * with the SQLSTATE kept for pgconn_sqlstate; a lost or silent connection
 * is BK_ERR_OFFLINE and the connection is dropped. */
enum bk_status pgconn_query(struct pgconn *c, const char *sql, int n, const char *const *values,
                            const int *lengths, const int *formats, int timeout_ms, PGresult **res,
                            struct bk_err *err);

/* pgconn_query in two halves, so the caller can work while the server
 * does: _send connects when needed and sends the statement without
 * waiting for it; _wait waits for its answer, within the same bound
 * counted from the send. Between the two, nothing else may use c. */
struct pgconn_call {
    int64_t deadline; /* monotonic ms */
    int timeout_ms;
};
enum bk_status pgconn_query_send(struct pgconn *c, const char *sql, int n,
                                 const char *const *values, const int *lengths, const int *formats,
                                 int timeout_ms, struct pgconn_call *call, struct bk_err *err);
enum bk_status pgconn_query_wait(struct pgconn *c, struct pgconn_call *call, PGresult **res,
                                 struct bk_err *err);

/* pgconn_query_send of a statement run again and again (a check-in's),
 * prepared on the server once per connection and then only bound and
 * run, so the server does not parse and plan it at every call. kept
 * (below PGCONN_KEPT_MAX) names it: one kept per sql, chosen by the
 * caller. Its first use on a connection (a new one after a reconnect
 * too) costs one round trip more, within the same bound. Parameters are
 * text. Answered by pgconn_query_wait. */
#define PGCONN_KEPT_MAX 8
enum bk_status pgconn_kept_send(struct pgconn *c, unsigned kept, const char *sql, int n,
                                const char *const *values, int timeout_ms,
                                struct pgconn_call *call, struct bk_err *err);

/* Statements without parameters or results (several, separated by ';'). */
enum bk_status pgconn_exec(struct pgconn *c, const char *sql, int timeout_ms, struct bk_err *err);

/* COPY ... FROM STDIN with data (COPY's text format), bounded like a query
 * for each step. */
enum bk_status pgconn_copy_in(struct pgconn *c, const char *copy_sql, const char *data, size_t len,
                              int timeout_ms, struct bk_err *err);

/* Ends a transaction that failed half-way: ROLLBACK when still connected. */
void pgconn_rollback(struct pgconn *c);

/* The SQLSTATE of the last server error ("" when none). */
const char *pgconn_sqlstate(const struct pgconn *c);

/* The socket to wait on for notifications, or -1 when down. */
int pgconn_socket(const struct pgconn *c);

/* Reads what the server sent without waiting and returns how many
 * notifications arrived (on channels LISTENed earlier); -1 when the
 * connection broke (it is then dropped). */
int pgconn_notifications(struct pgconn *c);

/* Appends s to *buf as a field of COPY's text format (backslash escapes;
 * NULL as \N), then end ('\t' before the next field, '\n' after a row's
 * last). *buf grows with xrealloc; *len and *cap track it. */
void pgconn_copy_field(char **buf, size_t *len, size_t *cap, const char *s, char end);

#endif
