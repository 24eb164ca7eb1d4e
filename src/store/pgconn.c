/* pgconn: a PostgreSQL connection with every wait bounded; see pgconn.h. */
#include "store/pgconn.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/clock.h"
#include "util/i18n.h"
#include "util/xalloc.h"

/* A failed attempt holds the connection down this long: an offline kiosk
 * then answers from its journal at once instead of waiting the bound again
 * at every call. */
#define PGCONN_HOLD_MS 5000

struct pgconn {
    PGconn *conn;
    char *url;
    bool require_tls;
    bool url_sets_tls;  /* the URL's sslmode is already require or stronger */
    bool url_sets_name; /* the URL names the application itself */
    int timeout_ms;
    char *app_name;
    char where[256];
    char user[128];
    int64_t hold_until; /* monotonic ms: no attempt before */
    int64_t down_since; /* wall ms, 0 when up or never tried */
    struct bk_err last; /* why the last attempt failed, repeated while held */
    char sqlstate[6];
    unsigned kept; /* bit i: statement i of pgconn_kept_send prepared on conn */
};

/* The first line of a libpq or server message, for quoting in ours. */
static void first_line(const char *msg, char *out, size_t n)
{
    const char *m = msg ? msg : "";
    if (strncmp(m, "FATAL:  ", 8) == 0 || strncmp(m, "ERROR:  ", 8) == 0)
        m += 8;
    size_t len = strcspn(m, "\n");
    snprintf(out, n, "%.*s", (int)len, m);
}

enum bk_status pgconn_new(const struct pgconn_options *o, struct pgconn **out, struct bk_err *err)
{
    *out = NULL;
    char *perr = NULL;
    PQconninfoOption *opts = PQconninfoParse(o->url ? o->url : "", &perr);
    if (!opts) {
        /* libpq's message may quote the URL, password and all: not shown. */
        PQfreemem(perr);
        return bk_err_set(err, BK_ERR_CONFIG, NULL, 0, "store.url",
                          _("the shared store's URL is not a PostgreSQL connection URI: write it "
                            "as postgresql://USER@HOST:PORT/DATABASE"));
    }
    const char *host = "", *port = "", *db = "", *user = "", *ssl = "";
    bool password = false, named = false;
    for (PQconninfoOption *p = opts; p->keyword; p++) {
        const char *v = p->val ? p->val : "";
        if (strcmp(p->keyword, "host") == 0 && !host[0])
            host = v;
        else if (strcmp(p->keyword, "hostaddr") == 0 && v[0] && !host[0])
            host = v;
        else if (strcmp(p->keyword, "port") == 0)
            port = v;
        else if (strcmp(p->keyword, "dbname") == 0)
            db = v;
        else if (strcmp(p->keyword, "user") == 0)
            user = v;
        else if (strcmp(p->keyword, "sslmode") == 0)
            ssl = v;
        else if (strcmp(p->keyword, "password") == 0 && v[0])
            password = true;
        else if (strcmp(p->keyword, "application_name") == 0 && v[0])
            named = true;
    }
    struct pgconn *c = xcalloc(1, sizeof *c);
    snprintf(c->where, sizeof c->where, "%s:%s/%s", host[0] ? host : _("local socket"),
             port[0] ? port : "5432", db[0] ? db : (user[0] ? user : "?"));
    snprintf(c->user, sizeof c->user, "%s", user);
    c->url_sets_tls = strcmp(ssl, "require") == 0 || strcmp(ssl, "verify-ca") == 0 ||
                      strcmp(ssl, "verify-full") == 0;
    c->url_sets_name = named;
    PQconninfoFree(opts);
    if (password) {
        enum bk_status st = bk_err_set(
            err, BK_ERR_CONFIG, NULL, 0, "store.url",
            _("the shared store's URL for %s holds a password: remove it from the URL and put it "
              "in ~/.pgpass of the user running badgekiosk (or PGPASSFILE, or a service file), "
              "where libpq finds it"),
            c->where);
        free(c);
        return st;
    }
    c->url = xstrdup(o->url);
    c->require_tls = o->require_tls;
    c->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 500;
    c->app_name = xstrdup(o->app_name ? o->app_name : "badgekiosk");
    *out = c;
    return BK_OK;
}

void pgconn_free(struct pgconn *c)
{
    if (!c)
        return;
    if (c->conn)
        PQfinish(c->conn);
    free(c->url);
    free(c->app_name);
    free(c);
}

const char *pgconn_where(const struct pgconn *c)
{
    return c->where;
}

const char *pgconn_user(const struct pgconn *c)
{
    return c->user;
}

bool pgconn_is_up(const struct pgconn *c)
{
    return c->conn != NULL;
}

int64_t pgconn_down_since(const struct pgconn *c)
{
    return c->conn ? 0 : c->down_since;
}

void pgconn_drop(struct pgconn *c, int hold_ms)
{
    if (c->conn) {
        PQfinish(c->conn);
        c->conn = NULL;
    }
    c->kept = 0; /* prepared statements die with their connection */
    if (!c->down_since)
        c->down_since = clock_wall_ms();
    c->hold_until = hold_ms > 0 ? clock_mono_ms() + hold_ms : 0;
}

void pgconn_retry_now(struct pgconn *c)
{
    c->hold_until = 0;
}

const char *pgconn_sqlstate(const struct pgconn *c)
{
    return c->sqlstate;
}

int pgconn_socket(const struct pgconn *c)
{
    return c->conn ? PQsocket(c->conn) : -1;
}

/* Waits for events on the connection's socket until deadline (monotonic):
 * 1 when ready, 0 at the deadline, -1 on an error. */
static int wait_socket(PGconn *conn, short events, int64_t deadline)
{
    int fd = PQsocket(conn);
    if (fd < 0)
        return -1;
    for (;;) {
        int64_t left = deadline - clock_mono_ms();
        if (left <= 0)
            return 0;
        struct pollfd p = {.fd = fd, .events = events};
        int n = poll(&p, 1, (int)left);
        if (n > 0)
            return 1;
        if (n == 0)
            return 0;
        if (errno != EINTR)
            return -1;
    }
}

/* Why a connection attempt failed, in words that name the server and say
 * what to do; the libpq message is quoted for the expert. */
static enum bk_status connect_error(struct pgconn *c, PGconn *conn, bool timed_out,
                                    struct bk_err *err)
{
    char said[512];
    first_line(conn ? PQerrorMessage(conn) : "", said, sizeof said);
    const char *user = c->user[0] ? c->user : _("(the login name)");
    if (timed_out)
        return bk_err_set(err, BK_ERR_OFFLINE, NULL, 0, NULL,
                          _("the shared store at %s did not answer within %d ms: check that the "
                            "server is running and that the network between here and there "
                            "works"),
                          c->where, c->timeout_ms);
    if (conn && PQconnectionNeedsPassword(conn))
        return bk_err_set(err, BK_ERR_CONFIG, NULL, 0, NULL,
                          _("the shared store at %s asks user %s for a password and none was "
                            "found: put it in ~/.pgpass of the user running badgekiosk (or "
                            "PGPASSFILE or PGPASSWORD), never in the configuration"),
                          c->where, user);
    if (strstr(said, "password authentication failed") || strstr(said, "authentication failed"))
        return bk_err_set(err, BK_ERR_CONFIG, NULL, 0, NULL,
                          _("the shared store at %s refused the password of user %s: correct it "
                            "in ~/.pgpass (or PGPASSFILE or PGPASSWORD) on this machine (%s)"),
                          c->where, user, said);
    if (strstr(said, "does not support SSL") || strstr(said, "SSL is not enabled"))
        return bk_err_set(err, BK_ERR_CONFIG, NULL, 0, NULL,
                          _("the shared store at %s does not offer TLS, and this machine "
                            "requires it ([store] require_tls or the URL's sslmode): turn on ssl "
                            "in the server's postgresql.conf (see the operator's guide)"),
                          c->where);
    if (strstr(said, "no encryption") || strstr(said, "hostssl"))
        return bk_err_set(err, BK_ERR_CONFIG, NULL, 0, NULL,
                          _("the shared store at %s accepts user %s only over TLS: set [store] "
                            "require_tls = yes, or add sslmode=require to the URL (%s)"),
                          c->where, user, said);
    if (strstr(said, "certificate") || strstr(said, "SSL"))
        return bk_err_set(err, BK_ERR_CONFIG, NULL, 0, NULL,
                          _("the TLS connection to the shared store at %s failed: check the "
                            "server's certificate and this machine's root certificate "
                            "(sslrootcert) (%s)"),
                          c->where, said);
    if (strstr(said, "does not exist") && strstr(said, "database"))
        return bk_err_set(err, BK_ERR_CONFIG, NULL, 0, NULL,
                          _("the shared store's database does not exist at %s: create it "
                            "(createdb), then run badgectl db init (%s)"),
                          c->where, said);
    if (strstr(said, "does not exist") && strstr(said, "role"))
        return bk_err_set(err, BK_ERR_CONFIG, NULL, 0, NULL,
                          _("the shared store at %s has no user %s: create the role, then give it "
                            "a kiosk's or a desk's rights with badgectl db grant (%s)"),
                          c->where, user, said);
    if (strstr(said, "pg_hba.conf") || strstr(said, "not permitted") ||
        strstr(said, "permission denied"))
        return bk_err_set(err, BK_ERR_CONFIG, NULL, 0, NULL,
                          _("the shared store at %s does not let user %s in from this machine: "
                            "allow it in the server's pg_hba.conf (%s)"),
                          c->where, user, said);
    return bk_err_set(err, BK_ERR_OFFLINE, NULL, 0, NULL,
                      _("the shared store at %s cannot be reached (%s): check that the server is "
                        "running and that the network between here and there works"),
                      c->where, said);
}

/* One attempt, bounded by the connection's timeout. */
static enum bk_status attempt(struct pgconn *c, struct bk_err *err)
{
    char tcp_timeout[24];
    /* The kernel gives up on unacknowledged data after this: a backstop
     * for waits that are not ours (TLS renegotiation, closing). */
    snprintf(tcp_timeout, sizeof tcp_timeout, "%d", c->timeout_ms * 4 + 1000);
    const char *keys[12], *vals[12];
    int n = 0;
    /* dbname first, expanded from the URL; what follows overrides it. */
    keys[n] = "dbname", vals[n++] = c->url;
    keys[n] = "keepalives", vals[n++] = "1";
    keys[n] = "keepalives_idle", vals[n++] = "5";
    keys[n] = "keepalives_interval", vals[n++] = "2";
    keys[n] = "keepalives_count", vals[n++] = "3";
    keys[n] = "tcp_user_timeout", vals[n++] = tcp_timeout;
    if (!c->url_sets_name)
        keys[n] = "application_name", vals[n++] = c->app_name;
    if (c->require_tls && !c->url_sets_tls)
        keys[n] = "sslmode", vals[n++] = "require";
    keys[n] = NULL, vals[n] = NULL;

    int64_t deadline = clock_mono_ms() + c->timeout_ms;
    PGconn *conn = PQconnectStartParams(keys, vals, 1);
    if (!conn)
        return bk_err_set(err, BK_ERR_STORE, NULL, 0, NULL,
                          _("the connection to the shared store at %s could not be started (out "
                            "of memory?)"),
                          c->where);
    PostgresPollingStatusType ps = PGRES_POLLING_WRITING;
    bool timed_out = false;
    while (PQstatus(conn) != CONNECTION_BAD && ps != PGRES_POLLING_OK &&
           ps != PGRES_POLLING_FAILED) {
        int w = wait_socket(conn, ps == PGRES_POLLING_READING ? POLLIN : POLLOUT, deadline);
        if (w == 0) {
            timed_out = true;
            break;
        }
        if (w < 0)
            break;
        ps = PQconnectPoll(conn);
    }
    if (!timed_out && PQstatus(conn) == CONNECTION_OK) {
        if (c->require_tls && !PQsslInUse(conn)) {
            PQfinish(conn);
            return bk_err_set(err, BK_ERR_CONFIG, NULL, 0, NULL,
                              _("the connection to the shared store at %s is not encrypted, and "
                                "this machine requires TLS: turn on ssl on the server"),
                              c->where);
        }
        if (PQsetnonblocking(conn, 1) != 0) {
            PQfinish(conn);
            return bk_err_set(err, BK_ERR_STORE, NULL, 0, NULL,
                              _("the connection to the shared store at %s failed"), c->where);
        }
        c->conn = conn;
        c->down_since = 0;
        return BK_OK;
    }
    enum bk_status st = connect_error(c, conn, timed_out, err);
    PQfinish(conn);
    return st;
}

enum bk_status pgconn_connect(struct pgconn *c, struct bk_err *err)
{
    if (c->conn) {
        if (PQstatus(c->conn) == CONNECTION_OK)
            return BK_OK;
        pgconn_drop(c, 0);
    }
    if (c->hold_until && clock_mono_ms() < c->hold_until) {
        if (err)
            *err = c->last;
        return c->last.status ? c->last.status : BK_ERR_OFFLINE;
    }
    struct bk_err e;
    bk_err_clear(&e);
    enum bk_status st = attempt(c, &e);
    if (st != BK_OK) {
        c->last = e;
        /* A refusal (password, TLS) will not go away by itself either:
         * hold it down the same, so a kiosk keeps answering. */
        pgconn_drop(c, PGCONN_HOLD_MS);
        if (err)
            *err = e;
    }
    return st;
}

/* The connection broke or stayed silent: drop it and say so. */
static enum bk_status lost(struct pgconn *c, bool timed_out, int timeout_ms, struct bk_err *err)
{
    char said[512];
    first_line(c->conn ? PQerrorMessage(c->conn) : "", said, sizeof said);
    pgconn_drop(c, PGCONN_HOLD_MS);
    enum bk_status st;
    if (timed_out)
        st = bk_err_set(&c->last, BK_ERR_OFFLINE, NULL, 0, NULL,
                        _("the shared store at %s did not answer within %d ms: check that the "
                          "server is running and that the network between here and there works"),
                        c->where, timeout_ms);
    else
        st = bk_err_set(&c->last, BK_ERR_OFFLINE, NULL, 0, NULL,
                        _("the connection to the shared store at %s was lost (%s): check that "
                          "the server is running and that the network between here and there "
                          "works"),
                        c->where, said);
    if (err)
        *err = c->last;
    return st;
}

/* A server error, by SQLSTATE. */
static enum bk_status server_error(struct pgconn *c, PGresult *r, struct bk_err *err)
{
    const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    snprintf(c->sqlstate, sizeof c->sqlstate, "%s", state ? state : "");
    char said[512];
    first_line(PQresultErrorMessage(r), said, sizeof said);
    const char *user = c->user[0] ? c->user : _("(the login name)");
    if (strncmp(c->sqlstate, "08", 2) == 0 || strncmp(c->sqlstate, "57P", 3) == 0)
        return lost(c, false, 0, err);
    if (strcmp(c->sqlstate, "42501") == 0)
        return bk_err_set(err, BK_ERR_INVALID, NULL, 0, NULL,
                          _("the shared store at %s refused user %s (%s): that role lacks the "
                            "right; a desk's rights are given with badgectl db grant desk ROLE"),
                          c->where, user, said);
    if (strcmp(c->sqlstate, "42P01") == 0 || strcmp(c->sqlstate, "42883") == 0)
        return bk_err_set(err, BK_ERR_STORE, NULL, 0, NULL,
                          _("the shared store at %s has no badgekiosk tables (%s): run badgectl "
                            "db init"),
                          c->where, said);
    if (strcmp(c->sqlstate, "53100") == 0)
        return bk_err_set(err, BK_ERR_FULL, NULL, 0, NULL,
                          _("the disk of the shared store at %s is full: free space on the "
                            "server, then try again (nothing was recorded)"),
                          c->where);
    return bk_err_set(err, BK_ERR_STORE, NULL, 0, NULL, _("the shared store at %s failed: %s"),
                      c->where, said);
}

/* Sends what libpq holds, then waits until the whole answer is in. */
static enum bk_status await_results(struct pgconn *c, int64_t deadline, int timeout_ms,
                                    PGresult **res, struct bk_err *err)
{
    int f;
    while ((f = PQflush(c->conn)) == 1) {
        int w = wait_socket(c->conn, POLLOUT | POLLIN, deadline);
        if (w <= 0)
            return lost(c, w == 0, timeout_ms, err);
        if (!PQconsumeInput(c->conn))
            return lost(c, false, timeout_ms, err);
    }
    if (f < 0)
        return lost(c, false, timeout_ms, err);
    PGresult *last = NULL;
    enum bk_status st = BK_OK;
    for (;;) {
        while (PQisBusy(c->conn)) {
            int w = wait_socket(c->conn, POLLIN, deadline);
            if (w <= 0 || !PQconsumeInput(c->conn)) {
                PQclear(last);
                return lost(c, w == 0, timeout_ms, err);
            }
        }
        PGresult *r = PQgetResult(c->conn);
        if (!r)
            break;
        ExecStatusType s = PQresultStatus(r);
        if (s == PGRES_COPY_IN) {
            /* The caller feeds the data: hand the state back. */
            PQclear(last);
            if (res)
                *res = r;
            else
                PQclear(r);
            return BK_OK;
        }
        if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK && st == BK_OK) {
            st = server_error(c, r, err);
            if (!c->conn) {
                PQclear(r);
                PQclear(last);
                return st;
            }
        }
        PQclear(last);
        last = r;
    }
    if (PQstatus(c->conn) != CONNECTION_OK) {
        PQclear(last);
        return lost(c, false, timeout_ms, err);
    }
    if (st == BK_OK && res)
        *res = last;
    else
        PQclear(last);
    return st;
}

enum bk_status pgconn_query(struct pgconn *c, const char *sql, int n, const char *const *values,
                            const int *lengths, const int *formats, int timeout_ms, PGresult **res,
                            struct bk_err *err)
{
    if (res)
        *res = NULL;
    struct pgconn_call call;
    enum bk_status st =
        pgconn_query_send(c, sql, n, values, lengths, formats, timeout_ms, &call, err);
    return st == BK_OK ? pgconn_query_wait(c, &call, res, err) : st;
}

/* A call's start: connected, its bound counted from now. */
static enum bk_status call_start(struct pgconn *c, int timeout_ms, struct pgconn_call *call,
                                 struct bk_err *err)
{
    c->sqlstate[0] = '\0';
    enum bk_status st = pgconn_connect(c, err);
    call->timeout_ms = timeout_ms > 0 ? timeout_ms : c->timeout_ms;
    call->deadline = clock_mono_ms() + call->timeout_ms;
    return st;
}

/* On its way now, without waiting: the caller may work meanwhile. What
 * the socket did not take goes in pgconn_query_wait. */
static enum bk_status call_sent(struct pgconn *c, int sent, const struct pgconn_call *call,
                                struct bk_err *err)
{
    if (!sent || PQflush(c->conn) < 0)
        return lost(c, false, call->timeout_ms, err);
    return BK_OK;
}

enum bk_status pgconn_query_send(struct pgconn *c, const char *sql, int n,
                                 const char *const *values, const int *lengths, const int *formats,
                                 int timeout_ms, struct pgconn_call *call, struct bk_err *err)
{
    enum bk_status st = call_start(c, timeout_ms, call, err);
    if (st != BK_OK)
        return st;
    return call_sent(c, PQsendQueryParams(c->conn, sql, n, NULL, values, lengths, formats, 0),
                     call, err);
}

enum bk_status pgconn_kept_send(struct pgconn *c, unsigned kept, const char *sql, int n,
                                const char *const *values, int timeout_ms,
                                struct pgconn_call *call, struct bk_err *err)
{
    enum bk_status st = call_start(c, timeout_ms, call, err);
    if (st != BK_OK)
        return st;
    char name[32];
    snprintf(name, sizeof name, "bk_kept_%u", kept);
    unsigned bit = 1u << kept;
    if (!(c->kept & bit)) {
        /* Its first use on this connection: prepared first, within the
         * call's own bound, so a silent server holds it no longer. */
        if (!PQsendPrepare(c->conn, name, sql, n, NULL))
            return lost(c, false, call->timeout_ms, err);
        st = await_results(c, call->deadline, call->timeout_ms, NULL, err);
        if (st != BK_OK)
            return st;
        c->kept |= bit;
    }
    return call_sent(c, PQsendQueryPrepared(c->conn, name, n, values, NULL, NULL, 0), call, err);
}

enum bk_status pgconn_query_wait(struct pgconn *c, struct pgconn_call *call, PGresult **res,
                                 struct bk_err *err)
{
    if (res)
        *res = NULL;
    if (!c->conn)
        return lost(c, false, call->timeout_ms, err);
    return await_results(c, call->deadline, call->timeout_ms, res, err);
}

enum bk_status pgconn_exec(struct pgconn *c, const char *sql, int timeout_ms, struct bk_err *err)
{
    c->sqlstate[0] = '\0';
    enum bk_status st = pgconn_connect(c, err);
    if (st != BK_OK)
        return st;
    if (timeout_ms <= 0)
        timeout_ms = c->timeout_ms;
    int64_t deadline = clock_mono_ms() + timeout_ms;
    if (!PQsendQuery(c->conn, sql))
        return lost(c, false, timeout_ms, err);
    return await_results(c, deadline, timeout_ms, NULL, err);
}

enum bk_status pgconn_copy_in(struct pgconn *c, const char *copy_sql, const char *data, size_t len,
                              int timeout_ms, struct bk_err *err)
{
    if (timeout_ms <= 0)
        timeout_ms = c->timeout_ms;
    PGresult *r = NULL;
    enum bk_status st = pgconn_query(c, copy_sql, 0, NULL, NULL, NULL, timeout_ms, &r, err);
    if (st != BK_OK)
        return st;
    bool copying = PQresultStatus(r) == PGRES_COPY_IN;
    PQclear(r);
    if (!copying)
        return bk_err_set(err, BK_ERR_STORE, NULL, 0, NULL,
                          _("the shared store at %s did not take the data"), c->where);
    int64_t deadline = clock_mono_ms() + timeout_ms;
    size_t off = 0;
    while (off < len) {
        size_t chunk = len - off > 65536 ? 65536 : len - off;
        int p = PQputCopyData(c->conn, data + off, (int)chunk);
        if (p < 0)
            return lost(c, false, timeout_ms, err);
        if (p == 0) {
            /* The send buffer is full: wait until the socket takes more. */
            int w = wait_socket(c->conn, POLLOUT, deadline);
            if (w <= 0)
                return lost(c, w == 0, timeout_ms, err);
            continue;
        }
        off += chunk;
        /* Each chunk that goes out is progress: the bound is per step. */
        if (PQflush(c->conn) == 0)
            deadline = clock_mono_ms() + timeout_ms;
    }
    int e;
    while ((e = PQputCopyEnd(c->conn, NULL)) == 0) {
        int w = wait_socket(c->conn, POLLOUT, deadline);
        if (w <= 0)
            return lost(c, w == 0, timeout_ms, err);
    }
    if (e < 0)
        return lost(c, false, timeout_ms, err);
    return await_results(c, clock_mono_ms() + timeout_ms, timeout_ms, NULL, err);
}

void pgconn_rollback(struct pgconn *c)
{
    if (c->conn && PQtransactionStatus(c->conn) != PQTRANS_IDLE)
        pgconn_exec(c, "ROLLBACK", 0, NULL);
}

int pgconn_notifications(struct pgconn *c)
{
    if (!c->conn)
        return -1;
    if (!PQconsumeInput(c->conn)) {
        lost(c, false, 0, NULL);
        return -1;
    }
    int n = 0;
    PGnotify *note;
    while ((note = PQnotifies(c->conn))) {
        n++;
        PQfreemem(note);
    }
    return n;
}

void pgconn_copy_field(char **buf, size_t *len, size_t *cap, const char *s, char end)
{
    size_t need = *len + (s ? 2 * strlen(s) : 2) + 2;
    if (need > *cap) {
        *cap = need > 2 * *cap ? need : 2 * *cap;
        *buf = xrealloc(*buf, *cap);
    }
    char *o = *buf + *len;
    if (!s) {
        *o++ = '\\';
        *o++ = 'N';
    } else {
        for (; *s; s++) {
            switch (*s) {
            case '\\':
                *o++ = '\\', *o++ = '\\';
                break;
            case '\t':
                *o++ = '\\', *o++ = 't';
                break;
            case '\n':
                *o++ = '\\', *o++ = 'n';
                break;
            case '\r':
                *o++ = '\\', *o++ = 'r';
                break;
            default:
                *o++ = *s;
            }
        }
    }
    *o++ = end;
    *len = (size_t)(o - *buf);
}
