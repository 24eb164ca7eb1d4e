/* store_pg: the shared store on a PostgreSQL server; see store_pg.h.
 *
 * Every statement goes through pgconn, so every wait is bounded. Hashes
 * travel as bytea in hex ('\x...'), numbers as decimal text: one text
 * protocol for everything, read back with strtoll. Results are read whole
 * before callbacks run, so a callback may use the store again. */
#include "store/store_pg.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/importplan.h"
#include "util/clock.h"
#include "util/i18n.h"
#include "util/xalloc.h"

#define PG_SCHEMA_VERSION 4

/* Bulk statements (an import of 100,000 people, a whole log for a report)
 * may take longer than one check-in's bound; they are the desk's, never
 * the door's. */
#define PG_BULK_MS 60000

struct pg_store {
    struct pgconn *c;
    char *kiosk;
    char *epoch;  /* the chain of events appended without a journal */
    char store_id[64];
    bool listening;
};

/* ---- the schema ----
 *
 * migrations[v] takes the schema from version v - 1 to v; db init applies
 * those above the version found, in one transaction. A later version
 * (correction requests, PIN lockouts, kiosk heartbeats) is one more entry. */
static const char *const migration_1 =
    "CREATE TABLE bk_meta (key text PRIMARY KEY, value text NOT NULL);"
    "INSERT INTO bk_meta VALUES ('store_id', md5(random()::text || clock_timestamp()::text));"
    "CREATE FUNCTION bk_now_ms() RETURNS bigint LANGUAGE sql VOLATILE"
    " AS $$ SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint $$;"
    "CREATE TABLE attendee ("
    " id text COLLATE \"C\" PRIMARY KEY,"
    " title text NOT NULL DEFAULT '', first_name text NOT NULL DEFAULT '',"
    " last_name text NOT NULL DEFAULT '', badge_name text NOT NULL DEFAULT '',"
    " organization text NOT NULL DEFAULT '', country text NOT NULL DEFAULT '',"
    " category text NOT NULL DEFAULT '', events text NOT NULL DEFAULT '',"
    " email text NOT NULL DEFAULT '', language text NOT NULL DEFAULT '',"
    " valid_from text NOT NULL DEFAULT '', valid_until text NOT NULL DEFAULT '',"
    " status text NOT NULL CHECK (status IN ('confirmed', 'withdrawn')),"
    /* store_code_hash of the ticket's code ([qr] mode = export), NULL
     * without one: the code itself is never a key (store.h says why). */
    " code_hash bytea UNIQUE,"
    " updated_at bigint NOT NULL);"
    "CREATE TABLE token (attendee text COLLATE \"C\" PRIMARY KEY REFERENCES attendee(id),"
    " payload text NOT NULL);"
    /* Every change to the list or the tokens moves the version and tells
     * the kiosks (LISTEN bk_roster): they pull the list again. */
    "CREATE SEQUENCE bk_roster_version;"
    "CREATE FUNCTION bk_roster_changed() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER"
    " SET search_path = pg_catalog, public AS $$ BEGIN"
    " PERFORM nextval('public.bk_roster_version'); PERFORM pg_notify('bk_roster', '');"
    " RETURN NULL; END $$;"
    "CREATE TRIGGER attendee_changed AFTER INSERT OR UPDATE ON attendee"
    " FOR EACH STATEMENT EXECUTE FUNCTION bk_roster_changed();"
    "CREATE TRIGGER token_changed AFTER INSERT OR UPDATE ON token"
    " FOR EACH STATEMENT EXECUTE FUNCTION bk_roster_changed();"
    /* The event log: one chain per journal (epoch), its seq and hashes made
     * on the kiosk. received_ms is the server's clock beside the kiosk's. */
    "CREATE TABLE scan_event ("
    " id bigserial PRIMARY KEY,"
    " source text NOT NULL, epoch text NOT NULL, seq bigint NOT NULL,"
    " at_ms bigint NOT NULL, received_ms bigint NOT NULL DEFAULT bk_now_ms(),"
    " kiosk text NOT NULL, method text NOT NULL, outcome text NOT NULL,"
    " attendee text COLLATE \"C\", day integer, detail text,"
    " prev_hash bytea NOT NULL, hash bytea NOT NULL,"
    " offline boolean NOT NULL DEFAULT false, duplicate boolean NOT NULL DEFAULT false,"
    " UNIQUE (epoch, seq));"
    /* One counted check-in per person and day, whatever any writer does. */
    "CREATE UNIQUE INDEX scan_event_one_checkin_a_day ON scan_event (attendee, day)"
    " WHERE outcome = 'checked_in' AND NOT duplicate;"
    "CREATE INDEX scan_event_by_attendee_day ON scan_event (attendee, day);"
    /* A key sent again with other content: kept here, never dropped. */
    "CREATE TABLE scan_conflict ("
    " id bigserial PRIMARY KEY, received_ms bigint NOT NULL DEFAULT bk_now_ms(),"
    " source text NOT NULL, epoch text NOT NULL, seq bigint NOT NULL,"
    " at_ms bigint NOT NULL, kiosk text NOT NULL, method text NOT NULL, outcome text NOT NULL,"
    " attendee text, day integer, detail text, prev_hash bytea NOT NULL, hash bytea NOT NULL,"
    " offline boolean NOT NULL);"
    /* Badge rows: ids chosen by the machine that made them (random), made
     * is the server's order, changed a change number the kiosks pull by. */
    "CREATE SEQUENCE badge_order;"
    "CREATE SEQUENCE badge_change;"
    "CREATE TABLE badge_print ("
    " id bigint PRIMARY KEY,"
    " made bigint NOT NULL DEFAULT nextval('badge_order'),"
    " changed bigint NOT NULL DEFAULT 0,"
    " attendee text COLLATE \"C\" NOT NULL REFERENCES attendee(id),"
    " at_ms bigint NOT NULL, kiosk text NOT NULL, serial text NOT NULL UNIQUE, reason text,"
    " status text NOT NULL CHECK (status IN ('pending', 'submitted', 'printed', 'cancelled')),"
    " printer text, job integer NOT NULL DEFAULT 0, detail text, updated_ms bigint NOT NULL);"
    "CREATE INDEX badge_print_by_attendee ON badge_print (attendee, made);"
    "CREATE INDEX badge_print_by_change ON badge_print (changed);"
    "CREATE FUNCTION bk_badge_changed() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER"
    " SET search_path = pg_catalog, public AS $$ BEGIN"
    " NEW.changed := nextval('public.badge_change'); RETURN NEW; END $$;"
    "CREATE TRIGGER badge_print_changed BEFORE INSERT OR UPDATE ON badge_print"
    " FOR EACH ROW EXECUTE FUNCTION bk_badge_changed();"
    "CREATE FUNCTION bk_badge_notify() RETURNS trigger LANGUAGE plpgsql"
    " AS $$ BEGIN PERFORM pg_notify('bk_badge', ''); RETURN NULL; END $$;"
    "CREATE TRIGGER badge_print_notify AFTER INSERT OR UPDATE ON badge_print"
    " FOR EACH STATEMENT EXECUTE FUNCTION bk_badge_notify();"
    "CREATE TABLE badge_conflict ("
    " id bigserial PRIMARY KEY, received_ms bigint NOT NULL DEFAULT bk_now_ms(),"
    " badge bigint NOT NULL, expect text, status text NOT NULL, printer text, job integer,"
    " detail text, at_ms bigint NOT NULL);"
    /* One event, under its key, in one statement: a replay of a key the
     * server holds is answered from it; the same key with other content is
     * set aside; a check-in the server decides is checked_in unless the
     * person is in that day already; a check-in decided on a kiosk while
     * apart is kept as a duplicate when someone else counted them first.
     * SECURITY INVOKER: the caller's grants apply to every row it writes. */
    "CREATE FUNCTION bk_append(p_source text, p_epoch text, p_seq bigint, p_at_ms bigint,"
    " p_kiosk text, p_method text, p_attendee text, p_day integer, p_detail text,"
    " p_prev bytea, p_outcome text, p_hash bytea, p_alt_hash bytea, p_offline boolean,"
    " OUT r_status text, OUT r_outcome text, OUT r_first_at bigint)"
    " LANGUAGE plpgsql AS $$"
    " DECLARE ex scan_event%ROWTYPE; n integer; dup boolean := false;"
    " BEGIN"
    "  SELECT * INTO ex FROM scan_event WHERE epoch = p_epoch AND seq = p_seq;"
    "  IF NOT FOUND THEN"
    "   INSERT INTO scan_event (source, epoch, seq, at_ms, kiosk, method, outcome, attendee,"
    "    day, detail, prev_hash, hash, offline)"
    "   VALUES (p_source, p_epoch, p_seq, p_at_ms, p_kiosk, p_method, p_outcome, p_attendee,"
    "    p_day, p_detail, p_prev, p_hash, p_offline) ON CONFLICT DO NOTHING;"
    "   GET DIAGNOSTICS n = ROW_COUNT;"
    "   IF n = 1 THEN"
    "    r_status := 'stored'; r_outcome := p_outcome;"
    "    IF p_outcome = 'checked_in' THEN r_first_at := p_at_ms; END IF;"
    "    RETURN;"
    "   END IF;"
    "   SELECT * INTO ex FROM scan_event WHERE epoch = p_epoch AND seq = p_seq;"
    "   IF NOT FOUND THEN"
    /*   not the key, so the one check-in a day: the person is in already */
    "    IF p_outcome <> 'checked_in' THEN"
    "     RAISE EXCEPTION 'bk_append: event % of % neither stored nor found', p_seq, p_epoch;"
    "    END IF;"
    "    SELECT at_ms INTO r_first_at FROM scan_event WHERE attendee = p_attendee"
    "     AND day = p_day AND outcome = 'checked_in' AND NOT duplicate;"
    "    IF p_alt_hash IS NOT NULL THEN"
    "     INSERT INTO scan_event (source, epoch, seq, at_ms, kiosk, method, outcome, attendee,"
    "      day, detail, prev_hash, hash, offline)"
    "     VALUES (p_source, p_epoch, p_seq, p_at_ms, p_kiosk, p_method, 'already_checked_in',"
    "      p_attendee, p_day, p_detail, p_prev, p_alt_hash, p_offline) ON CONFLICT DO NOTHING;"
    "    ELSE"
    "     INSERT INTO scan_event (source, epoch, seq, at_ms, kiosk, method, outcome, attendee,"
    "      day, detail, prev_hash, hash, offline, duplicate)"
    "     VALUES (p_source, p_epoch, p_seq, p_at_ms, p_kiosk, p_method, p_outcome,"
    "      p_attendee, p_day, p_detail, p_prev, p_hash, p_offline, true)"
    "     ON CONFLICT DO NOTHING;"
    "     dup := true;"
    "    END IF;"
    "    GET DIAGNOSTICS n = ROW_COUNT;"
    "    IF n = 1 THEN"
    "     r_status := CASE WHEN dup THEN 'duplicate' ELSE 'stored' END;"
    "     r_outcome := CASE WHEN dup THEN p_outcome ELSE 'already_checked_in' END;"
    "     RETURN;"
    "    END IF;"
    "    SELECT * INTO ex FROM scan_event WHERE epoch = p_epoch AND seq = p_seq;"
    "   END IF;"
    "  END IF;"
    "  IF ex.source = p_source AND ex.at_ms = p_at_ms AND ex.kiosk = p_kiosk"
    "   AND ex.method = p_method AND ex.attendee IS NOT DISTINCT FROM p_attendee"
    "   AND ex.day IS NOT DISTINCT FROM p_day AND ex.detail IS NOT DISTINCT FROM p_detail"
    "   AND ex.prev_hash = p_prev"
    "   AND ((ex.outcome = p_outcome AND ex.hash = p_hash)"
    "    OR (p_alt_hash IS NOT NULL AND ex.outcome = 'already_checked_in'"
    "     AND ex.hash = p_alt_hash)) THEN"
    "   r_status := CASE WHEN ex.duplicate THEN 'duplicate' ELSE 'same' END;"
    "   r_outcome := ex.outcome;"
    "   SELECT at_ms INTO r_first_at FROM scan_event WHERE attendee = ex.attendee"
    "    AND day = ex.day AND outcome = 'checked_in' AND NOT duplicate;"
    "   RETURN;"
    "  END IF;"
    "  INSERT INTO scan_conflict (source, epoch, seq, at_ms, kiosk, method, outcome, attendee,"
    "   day, detail, prev_hash, hash, offline)"
    "  VALUES (p_source, p_epoch, p_seq, p_at_ms, p_kiosk, p_method, p_outcome, p_attendee,"
    "   p_day, p_detail, p_prev, p_hash, p_offline);"
    "  r_status := 'conflict'; r_outcome := ex.outcome;"
    " END $$;"
    "REVOKE ALL ON FUNCTION bk_append FROM PUBLIC;"
    "REVOKE ALL ON FUNCTION bk_now_ms FROM PUBLIC;"
    "REVOKE ALL ON FUNCTION bk_roster_changed FROM PUBLIC;"
    "REVOKE ALL ON FUNCTION bk_badge_changed FROM PUBLIC;"
    "REVOKE ALL ON FUNCTION bk_badge_notify FROM PUBLIC;";

/* Version 2: a check-in and the badge it owes in one call, so a kiosk's
 * online check-in is one round trip and one commit on the server (it was
 * two: the event, then the row), and the "has this person a badge already"
 * question is asked where every machine's rows are, in the same
 * transaction, not of the kiosk's journal (which may not have pulled a row
 * another machine made a moment ago). p_badge is the row's id, chosen on
 * the kiosk and kept with its intent: sent again after a crash, the row it
 * made is found by its id and answered, never made twice. r_badge_made is
 * the row's place in the server's order, NULL when none is owed (not a
 * first check-in, or the person has a row printed, pending or submitted). */
static const char *const migration_2 =
    /* Nothing reads the log by (attendee, day) but for the counted check-in,
     * which the unique partial index answers: one index less to write at
     * every event. */
    "DROP INDEX IF EXISTS scan_event_by_attendee_day;"
    "CREATE FUNCTION bk_append_owed(p_source text, p_epoch text, p_seq bigint, p_at_ms bigint,"
    " p_kiosk text, p_method text, p_attendee text, p_day integer, p_detail text,"
    " p_prev bytea, p_outcome text, p_hash bytea, p_alt_hash bytea, p_offline boolean,"
    " p_badge bigint, p_serial text,"
    " OUT r_status text, OUT r_outcome text, OUT r_first_at bigint, OUT r_badge_made bigint)"
    " LANGUAGE plpgsql AS $$"
    " BEGIN"
    "  SELECT a.r_status, a.r_outcome, a.r_first_at INTO r_status, r_outcome, r_first_at"
    "   FROM bk_append(p_source, p_epoch, p_seq, p_at_ms, p_kiosk, p_method, p_attendee, p_day,"
    "    p_detail, p_prev, p_outcome, p_hash, p_alt_hash, p_offline) a;"
    "  IF r_outcome = 'checked_in' AND r_status IN ('stored', 'same') THEN"
    "   PERFORM pg_advisory_xact_lock(hashtextextended('bk_badge ' || p_attendee, 0));"
    "   SELECT made INTO r_badge_made FROM badge_print WHERE id = p_badge"
    "    AND serial = p_serial AND attendee = p_attendee;"
    "   IF NOT FOUND AND NOT EXISTS (SELECT 1 FROM badge_print WHERE attendee = p_attendee"
    "    AND status <> 'cancelled') THEN"
    "    INSERT INTO badge_print (id, attendee, at_ms, kiosk, serial, status, updated_ms)"
    "     VALUES (p_badge, p_attendee, p_at_ms, p_kiosk, p_serial, 'pending', p_at_ms)"
    "     RETURNING made INTO r_badge_made;"
    "   END IF;"
    "  END IF;"
    " END $$;"
    "REVOKE ALL ON FUNCTION bk_append_owed FROM PUBLIC;"
    /* A person's first badge row (no reason) made on a machine cut off,
     * arriving when another machine's row for them is on the server: one
     * of the two is retired, so a person never has two badges waiting to
     * print. Ours, when it never went to a printer (p_sent false): it
     * arrives cancelled; else the other, when it is still pending. Both
     * rows are kept. Under a lock per person, taken by bk_append_owed too,
     * so two machines' rows are decided one after the other. A row sent
     * before (its id there) is answered as it is. r_status is the status
     * the row has on the server. */
    "CREATE FUNCTION bk_badge_put_first(p_id bigint, p_attendee text, p_at_ms bigint,"
    " p_kiosk text, p_serial text, p_reason text, p_status text, p_printer text, p_job integer,"
    " p_detail text, p_updated_ms bigint, p_sent boolean, p_retired text,"
    " OUT r_made bigint, OUT r_status text, OUT r_serial text, OUT r_attendee text)"
    " LANGUAGE plpgsql AS $$"
    " DECLARE o_id bigint; o_status text;"
    " BEGIN"
    "  PERFORM pg_advisory_xact_lock(hashtextextended('bk_badge ' || p_attendee, 0));"
    "  SELECT made, status, serial, attendee INTO r_made, r_status, r_serial, r_attendee"
    "   FROM badge_print WHERE id = p_id;"
    "  IF FOUND THEN RETURN; END IF;"
    "  SELECT id, status INTO o_id, o_status FROM badge_print WHERE attendee = p_attendee"
    "   AND status <> 'cancelled' ORDER BY made LIMIT 1;"
    "  IF FOUND AND NOT p_sent AND p_status = 'pending' THEN"
    "   p_status := 'cancelled'; p_detail := p_retired; p_updated_ms := bk_now_ms();"
    "  ELSIF FOUND AND o_status = 'pending' THEN"
    "   UPDATE badge_print SET status = 'cancelled', detail = p_retired,"
    "    updated_ms = bk_now_ms() WHERE id = o_id AND status = 'pending';"
    "  END IF;"
    "  INSERT INTO badge_print (id, attendee, at_ms, kiosk, serial, reason, status, printer,"
    "   job, detail, updated_ms)"
    "   VALUES (p_id, p_attendee, p_at_ms, p_kiosk, p_serial, p_reason, p_status, p_printer,"
    "    p_job, p_detail, p_updated_ms)"
    "   RETURNING made, status, serial, attendee INTO r_made, r_status, r_serial, r_attendee;"
    " END $$;"
    "REVOKE ALL ON FUNCTION bk_badge_put_first FROM PUBLIC;";

/* Version 3: each kiosk's newest heartbeat, for the dashboard. writer is
 * the role that made the row: row security lets a role change only the rows
 * it made, so a kiosk's role can keep its own heartbeat but not write
 * another kiosk's (the owner, who runs db init, is not bound by it). */
static const char *const migration_3 =
    "CREATE TABLE kiosk_heartbeat ("
    " kiosk text COLLATE \"C\" PRIMARY KEY,"
    " writer name NOT NULL DEFAULT current_user,"
    " at_ms bigint NOT NULL, received_ms bigint NOT NULL DEFAULT bk_now_ms(),"
    " waiting bigint NOT NULL, last_scan_ms bigint NOT NULL,"
    " printer_state text NOT NULL, printer_reasons text NOT NULL,"
    " badges_pending bigint NOT NULL, camera text NOT NULL, corrections bigint NOT NULL,"
    " correction_ids text NOT NULL DEFAULT '');"
    "ALTER TABLE kiosk_heartbeat ENABLE ROW LEVEL SECURITY;"
    "CREATE POLICY heartbeat_read ON kiosk_heartbeat FOR SELECT USING (true);"
    "CREATE POLICY heartbeat_add ON kiosk_heartbeat FOR INSERT"
    " WITH CHECK (writer = current_user);"
    "CREATE POLICY heartbeat_own ON kiosk_heartbeat FOR UPDATE"
    " USING (writer = current_user) WITH CHECK (writer = current_user);";

/* Version 4: a kiosk's first check-in, the statement at the door, in
 * fewer steps. A key arrives new far more often than again, so the event
 * is inserted first (one index probe, not a look-up and then the insert),
 * in one function rather than two nested, and a badge row owed by an
 * event stored just now cannot be on the server yet (the two are written
 * in one transaction), so it is not looked up by its id. Everything else
 * (a key sent again, another machine's check-in first, a conflict) goes
 * the way version 2 answered it. CREATE OR REPLACE keeps the grants. */
static const char *const migration_4 =
    "CREATE OR REPLACE FUNCTION bk_append_owed(p_source text, p_epoch text, p_seq bigint,"
    " p_at_ms bigint, p_kiosk text, p_method text, p_attendee text, p_day integer,"
    " p_detail text, p_prev bytea, p_outcome text, p_hash bytea, p_alt_hash bytea,"
    " p_offline boolean, p_badge bigint, p_serial text,"
    " OUT r_status text, OUT r_outcome text, OUT r_first_at bigint, OUT r_badge_made bigint)"
    " LANGUAGE plpgsql AS $$"
    " DECLARE fresh boolean;"
    " BEGIN"
    "  INSERT INTO scan_event (source, epoch, seq, at_ms, kiosk, method, outcome, attendee,"
    "   day, detail, prev_hash, hash, offline)"
    "  VALUES (p_source, p_epoch, p_seq, p_at_ms, p_kiosk, p_method, p_outcome, p_attendee,"
    "   p_day, p_detail, p_prev, p_hash, p_offline) ON CONFLICT DO NOTHING;"
    "  fresh := FOUND;"
    "  IF fresh THEN"
    "   r_status := 'stored'; r_outcome := p_outcome;"
    "   IF p_outcome = 'checked_in' THEN r_first_at := p_at_ms; END IF;"
    "  ELSE"
    "   SELECT a.r_status, a.r_outcome, a.r_first_at INTO r_status, r_outcome, r_first_at"
    "    FROM bk_append(p_source, p_epoch, p_seq, p_at_ms, p_kiosk, p_method, p_attendee,"
    "     p_day, p_detail, p_prev, p_outcome, p_hash, p_alt_hash, p_offline) a;"
    "  END IF;"
    "  IF r_outcome = 'checked_in' AND r_status IN ('stored', 'same') THEN"
    "   PERFORM pg_advisory_xact_lock(hashtextextended('bk_badge ' || p_attendee, 0));"
    "   IF NOT fresh THEN"
    "    SELECT made INTO r_badge_made FROM badge_print WHERE id = p_badge"
    "     AND serial = p_serial AND attendee = p_attendee;"
    "    IF FOUND THEN RETURN; END IF;"
    "   END IF;"
    "   IF NOT EXISTS (SELECT 1 FROM badge_print WHERE attendee = p_attendee"
    "    AND status <> 'cancelled') THEN"
    "    INSERT INTO badge_print (id, attendee, at_ms, kiosk, serial, status, updated_ms)"
    "     VALUES (p_badge, p_attendee, p_at_ms, p_kiosk, p_serial, 'pending', p_at_ms)"
    "     RETURNING made INTO r_badge_made;"
    "   END IF;"
    "  END IF;"
    " END $$;";

static const char *const migrations[PG_SCHEMA_VERSION + 1] = {
    [1] = migration_1,
    [2] = migration_2,
    [3] = migration_3,
    [4] = migration_4,
};

/* What each role may do, object by object: db grant revokes everything on
 * these first, then grants its column. Nobody but the owner may UPDATE,
 * DELETE or TRUNCATE the event log; a kiosk may change only a badge row's
 * progress (its status, printer, job, problem and time), never who it is
 * for or its serial, and nothing of the attendee list. */
static const struct pg_grant {
    const char *object;
    const char *kiosk, *desk;
} pg_grants[] = {
    {"TABLE bk_meta", "SELECT", "SELECT"},
    {"TABLE attendee", "SELECT", "SELECT, INSERT, UPDATE"},
    {"TABLE token", "SELECT", "SELECT, INSERT, UPDATE"},
    {"SEQUENCE bk_roster_version", "SELECT", "SELECT"},
    {"TABLE scan_event", "SELECT, INSERT", "SELECT, INSERT"},
    {"SEQUENCE scan_event_id_seq", "USAGE", "USAGE"},
    {"TABLE scan_conflict", "SELECT, INSERT", "SELECT, INSERT"},
    {"SEQUENCE scan_conflict_id_seq", "USAGE", "USAGE"},
    {"TABLE badge_print", "SELECT, INSERT, UPDATE (status, printer, job, detail, updated_ms)",
     "SELECT, INSERT, UPDATE (status, printer, job, detail, updated_ms)"},
    {"SEQUENCE badge_order", "USAGE", "USAGE"},
    {"TABLE badge_conflict", "SELECT, INSERT", "SELECT, INSERT"},
    {"SEQUENCE badge_conflict_id_seq", "USAGE", "USAGE"},
    {"FUNCTION bk_append(text, text, bigint, bigint, text, text, text, integer, text, bytea, "
     "text, bytea, bytea, boolean)",
     "EXECUTE", "EXECUTE"},
    {"FUNCTION bk_append_owed(text, text, bigint, bigint, text, text, text, integer, text, "
     "bytea, text, bytea, bytea, boolean, bigint, text)",
     "EXECUTE", "EXECUTE"},
    {"FUNCTION bk_badge_put_first(bigint, text, bigint, text, text, text, text, text, integer, "
     "text, bigint, boolean, text)",
     "EXECUTE", "EXECUTE"},
    {"FUNCTION bk_now_ms()", "EXECUTE", "EXECUTE"},
    {"TABLE kiosk_heartbeat",
     "SELECT, INSERT (kiosk, at_ms, waiting, last_scan_ms, printer_state, printer_reasons, "
     "badges_pending, camera, corrections, correction_ids), UPDATE (at_ms, received_ms, waiting, "
     "last_scan_ms, printer_state, printer_reasons, badges_pending, camera, corrections, "
     "correction_ids)",
     "SELECT, INSERT (kiosk, at_ms, waiting, last_scan_ms, printer_state, printer_reasons, "
     "badges_pending, camera, corrections, correction_ids), UPDATE (at_ms, received_ms, waiting, "
     "last_scan_ms, printer_state, printer_reasons, badges_pending, camera, corrections, "
     "correction_ids)"},
};

/* ---- parameters and values ---- */

#define MAX_PARAMS 16

struct params {
    const char *v[MAX_PARAMS];
    char buf[MAX_PARAMS][72];
    int n;
};

static void p_text(struct params *p, const char *s)
{
    p->v[p->n++] = s;
}

static void p_int(struct params *p, int64_t x)
{
    snprintf(p->buf[p->n], sizeof p->buf[p->n], "%lld", (long long)x);
    p->v[p->n] = p->buf[p->n];
    p->n++;
}

/* A hash as bytea's hex input; NULL for SQL NULL. */
static void p_hash(struct params *p, const unsigned char *h)
{
    if (!h) {
        p->v[p->n++] = NULL;
        return;
    }
    char *o = p->buf[p->n];
    memcpy(o, "\\x", 2);
    sodium_bin2hex(o + 2, sizeof p->buf[p->n] - 2, h, STORE_HASH_BYTES);
    p->v[p->n] = o;
    p->n++;
}

static void p_day(struct params *p, const struct store_scan *s)
{
    if (s->has_day)
        p_int(p, s->day);
    else
        p_text(p, NULL);
}

static int64_t v_int(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static const char *v_text(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

static bool v_bool(const PGresult *r, int row, int col)
{
    return !PQgetisnull(r, row, col) && PQgetvalue(r, row, col)[0] == 't';
}

/* bytea's hex output into out (up to cap bytes); its length. */
static size_t v_bytes(const PGresult *r, int row, int col, unsigned char *out, size_t cap)
{
    const char *t = PQgetvalue(r, row, col);
    if (strncmp(t, "\\x", 2) != 0)
        return 0;
    size_t len = 0;
    if (sodium_hex2bin(out, cap, t + 2, strlen(t + 2), NULL, &len, NULL) != 0)
        return 0;
    return len;
}

static enum bk_status query(struct pg_store *g, const char *sql, const struct params *p,
                            PGresult **res, struct bk_err *err)
{
    return pgconn_query(g->c, sql, p ? p->n : 0, p ? p->v : NULL, NULL, NULL, 0, res, err);
}

static enum bk_status bulk(struct pg_store *g, const char *sql, const struct params *p,
                           PGresult **res, struct bk_err *err)
{
    return pgconn_query(g->c, sql, p ? p->n : 0, p ? p->v : NULL, NULL, NULL, PG_BULK_MS, res,
                        err);
}

/* A transaction's end: COMMIT, or ROLLBACK after a failure (st). */
static enum bk_status finish_tx(struct pg_store *g, enum bk_status st, struct bk_err *err)
{
    if (st == BK_OK)
        return pgconn_exec(g->c, "COMMIT", 0, err);
    pgconn_rollback(g->c);
    return st;
}

/* ---- open, and the schema's version ---- */

static enum bk_status pg_conn_new(const struct store_options *o, struct pgconn **out,
                                  struct bk_err *err)
{
    char app[96];
    snprintf(app, sizeof app, "badgekiosk %s", o->kiosk && o->kiosk[0] ? o->kiosk : "");
    struct pgconn_options po = {.url = o->url,
                                .require_tls = o->require_tls,
                                .timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 500,
                                .app_name = app};
    return pgconn_new(&po, out, err);
}

/* The version db init wrote: 0 when there is no schema at all. */
static enum bk_status schema_version(struct pgconn *c, int *version, struct bk_err *err)
{
    PGresult *r = NULL;
    *version = 0;
    enum bk_status st = pgconn_query(c, "SELECT to_regclass('bk_meta') IS NOT NULL", 0, NULL, NULL,
                                     NULL, 0, &r, err);
    if (st != BK_OK)
        return st;
    bool have = v_bool(r, 0, 0);
    PQclear(r);
    if (!have)
        return BK_OK;
    st = pgconn_query(c, "SELECT value FROM bk_meta WHERE key = 'schema_version'", 0, NULL, NULL,
                      NULL, 0, &r, err);
    if (st != BK_OK)
        return st;
    *version = PQntuples(r) ? (int)strtol(PQgetvalue(r, 0, 0), NULL, 10) : 0;
    PQclear(r);
    return BK_OK;
}

static void pg_close(void *impl)
{
    struct pg_store *g = impl;
    if (!g)
        return;
    pgconn_free(g->c);
    free(g->kiosk);
    free(g->epoch);
    free(g);
}

static enum bk_status pg_open(const struct store_options *o, void **impl, struct bk_err *err)
{
    *impl = NULL;
    struct pg_store *g = xcalloc(1, sizeof *g);
    enum bk_status st = pg_conn_new(o, &g->c, err);
    if (st != BK_OK) {
        free(g);
        return st;
    }
    g->kiosk = xstrdup(o->kiosk && o->kiosk[0] ? o->kiosk : "kiosk");
    g->epoch = xasprintf("direct:%s", g->kiosk);
    int version = 0;
    st = schema_version(g->c, &version, err);
    if (st == BK_OK && version == 0)
        st = bk_err_set(err, BK_ERR_STORE, NULL, 0, NULL,
                        _("the shared store at %s has no badgekiosk schema yet: run badgectl db "
                          "init there once (as the database's owner)"),
                        pgconn_where(g->c));
    else if (st == BK_OK && version < PG_SCHEMA_VERSION)
        st = bk_err_set(err, BK_ERR_STORE, NULL, 0, NULL,
                        _("the shared store at %s has schema version %d and this badgekiosk "
                          "needs %d: run badgectl db init to upgrade it"),
                        pgconn_where(g->c), version, PG_SCHEMA_VERSION);
    else if (st == BK_OK && version > PG_SCHEMA_VERSION)
        st = bk_err_set(err, BK_ERR_STORE, NULL, 0, NULL,
                        _("the shared store at %s was made by a newer badgekiosk (schema "
                          "version %d; this one knows up to %d): install the newer badgekiosk"),
                        pgconn_where(g->c), version, PG_SCHEMA_VERSION);
    PGresult *r = NULL;
    if (st == BK_OK)
        st = query(g, "SELECT value FROM bk_meta WHERE key = 'store_id'", NULL, &r, err);
    if (st == BK_OK && PQntuples(r) == 1)
        snprintf(g->store_id, sizeof g->store_id, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    if (st != BK_OK) {
        pg_close(g);
        return st;
    }
    *impl = g;
    return BK_OK;
}

struct pgconn *store_pg_conn(void *impl)
{
    return ((struct pg_store *)impl)->c;
}

const char *store_pg_store_id(void *impl)
{
    return ((struct pg_store *)impl)->store_id;
}

/* ---- attendees ---- */

/* In importplan's order: the text fields, the status, the code hash. */
#define PG_ATTENDEE_COLUMNS                                                                        \
    "id, title, first_name, last_name, badge_name, organization, country, category, events, "      \
    "email, language, valid_from, valid_until, status, code_hash"
#define PG_COL_STATUS IMPORTPLAN_TEXT_FIELDS
#define PG_COL_CODE_HASH (IMPORTPLAN_TEXT_FIELDS + 1)

/* Row i of r (PG_ATTENDEE_COLUMNS from column 0) as a borrowed attendee. */
static void row_attendee(const PGresult *r, int i, struct attendee *a)
{
    char **f[IMPORTPLAN_TEXT_FIELDS] = {
        &a->id,      &a->title,    &a->first_name, &a->last_name, &a->badge_name,
        &a->organization, &a->country, &a->category, &a->events, &a->email,
        &a->language, &a->valid_from, &a->valid_until};
    for (int k = 0; k < IMPORTPLAN_TEXT_FIELDS; k++)
        *f[k] = PQgetvalue(r, i, k);
    a->status = strcmp(PQgetvalue(r, i, PG_COL_STATUS), "withdrawn") == 0 ? ATTENDEE_WITHDRAWN
                                                                         : ATTENDEE_CONFIRMED;
}

/* Row i's code hash into out; false when it has none. */
static bool row_code_hash(const PGresult *r, int i, unsigned char out[STORE_HASH_BYTES])
{
    return !PQgetisnull(r, i, PG_COL_CODE_HASH) &&
           v_bytes(r, i, PG_COL_CODE_HASH, out, STORE_HASH_BYTES) == STORE_HASH_BYTES;
}

/* One attendee as a line of COPY data: the columns, then updated_at. hash
 * NULL writes SQL NULL (the import keeps the hash the row had). */
static void copy_attendee(char **buf, size_t *len, size_t *cap, const struct attendee *a,
                          const unsigned char *hash, int64_t now_ms)
{
    const char *f[IMPORTPLAN_TEXT_FIELDS];
    importplan_fields(a, f);
    for (int k = 0; k < IMPORTPLAN_TEXT_FIELDS; k++)
        pgconn_copy_field(buf, len, cap, f[k], '\t');
    pgconn_copy_field(buf, len, cap, importplan_status_code(a->status), '\t');
    if (hash) {
        /* bytea's hex input, escaped once more by COPY's text format. */
        char hex[4 + 2 * STORE_HASH_BYTES + 1] = "\\x";
        sodium_bin2hex(hex + 2, sizeof hex - 2, hash, STORE_HASH_BYTES);
        pgconn_copy_field(buf, len, cap, hex, '\t');
    } else {
        pgconn_copy_field(buf, len, cap, NULL, '\t');
    }
    char ms[24];
    snprintf(ms, sizeof ms, "%lld", (long long)now_ms);
    pgconn_copy_field(buf, len, cap, ms, '\n');
}

/* Writes the tokens in data (COPY lines: attendee, payload) over those
 * held, inside the caller's transaction. */
static enum bk_status put_tokens(struct pg_store *g, const char *data, size_t len,
                                 struct bk_err *err)
{
    enum bk_status st = pgconn_exec(
        g->c, "CREATE TEMP TABLE bk_tokens (attendee text COLLATE \"C\", payload text) ON COMMIT DROP",
        0, err);
    if (st == BK_OK)
        st = pgconn_copy_in(g->c, "COPY bk_tokens FROM STDIN", data, len, PG_BULK_MS, err);
    if (st == BK_OK)
        st = pgconn_exec(g->c,
                         "INSERT INTO token SELECT attendee, payload FROM bk_tokens"
                         " ON CONFLICT (attendee) DO UPDATE SET payload = EXCLUDED.payload",
                         PG_BULK_MS, err);
    return st;
}

static enum bk_status pg_import(void *impl, const struct roster *ros,
                                const struct store_import_options *opt, int64_t now_ms,
                                struct store_import_summary *summary, struct bk_err *err)
{
    struct pg_store *g = impl;
    struct import_plan plan;
    import_plan_start(&plan, ros);
    PGresult *r = NULL;
    char *data = NULL;
    size_t len = 0, cap = 0;
    /* The lock keeps two desks' imports from planning against the same
     * table; kiosks reading it are not held up. */
    enum bk_status st = pgconn_exec(g->c, "BEGIN", 0, err);
    if (st == BK_OK)
        st = pgconn_exec(g->c, "LOCK TABLE attendee IN SHARE ROW EXCLUSIVE MODE", PG_BULK_MS, err);
    if (st == BK_OK)
        st = bulk(g, "SELECT " PG_ATTENDEE_COLUMNS " FROM attendee ORDER BY id", NULL, &r, err);
    if (st == BK_OK) {
        for (int i = 0; i < PQntuples(r); i++) {
            struct attendee a;
            row_attendee(r, i, &a);
            unsigned char h[STORE_HASH_BYTES];
            import_plan_row(&plan, &a, row_code_hash(r, i, h) ? h : NULL);
        }
        import_plan_end(&plan);
    }
    PQclear(r);
    /* A dry run, or an import the withdrawal guard stops, writes nothing
     * and ends in a rollback. */
    bool apply = st == BK_OK && store_import_may_apply(opt, &plan.sum);
    size_t changes = 0;
    /* A ticket's code is what its badge carries (store_get_token). */
    char *tokens = NULL;
    size_t tlen = 0, tcap = 0, n_tokens = 0;
    for (size_t j = 0; apply && st == BK_OK && j < plan.n; j++) {
        if (plan.action[j] == IMPORT_KEEP)
            continue;
        copy_attendee(&data, &len, &cap, plan.sorted[j], import_plan_hash(&plan, j), now_ms);
        changes++;
        const char *code = import_plan_code(&plan, j);
        if (code) {
            pgconn_copy_field(&tokens, &tlen, &tcap, plan.sorted[j]->id, '\t');
            pgconn_copy_field(&tokens, &tlen, &tcap, code, '\n');
            n_tokens++;
        }
    }
    if (st == BK_OK && changes) {
        st = pgconn_exec(g->c,
                         "CREATE TEMP TABLE bk_import (LIKE attendee INCLUDING DEFAULTS)"
                         " ON COMMIT DROP",
                         0, err);
        if (st == BK_OK)
            st = pgconn_copy_in(g->c,
                                "COPY bk_import (" PG_ATTENDEE_COLUMNS ", updated_at) FROM STDIN",
                                data, len, PG_BULK_MS, err);
        if (st == BK_OK)
            st = pgconn_exec(
                g->c,
                "INSERT INTO attendee SELECT * FROM bk_import ORDER BY id"
                " ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title,"
                " first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name,"
                " badge_name = EXCLUDED.badge_name, organization = EXCLUDED.organization,"
                " country = EXCLUDED.country, category = EXCLUDED.category,"
                " events = EXCLUDED.events, email = EXCLUDED.email, language = EXCLUDED.language,"
                " valid_from = EXCLUDED.valid_from, valid_until = EXCLUDED.valid_until,"
                " status = EXCLUDED.status,"
                " code_hash = coalesce(EXCLUDED.code_hash, attendee.code_hash),"
                " updated_at = EXCLUDED.updated_at",
                PG_BULK_MS, err);
    }
    if (st == BK_OK && n_tokens)
        st = put_tokens(g, tokens, tlen, err);
    free(tokens);
    if (apply && st == BK_OK && plan.n_withdraw) {
        len = 0;
        for (size_t i = 0; i < plan.n_withdraw; i++)
            pgconn_copy_field(&data, &len, &cap, plan.withdraw[i], '\n');
        struct params p = {.n = 0};
        p_int(&p, now_ms);
        st = pgconn_exec(g->c, "CREATE TEMP TABLE bk_withdraw (id text COLLATE \"C\") ON COMMIT DROP",
                         0, err);
        if (st == BK_OK)
            st = pgconn_copy_in(g->c, "COPY bk_withdraw (id) FROM STDIN", data, len, PG_BULK_MS,
                                err);
        if (st == BK_OK)
            st = bulk(g,
                      "UPDATE attendee SET status = 'withdrawn', updated_at = $1"
                      " WHERE id IN (SELECT id FROM bk_withdraw)",
                      &p, NULL, err);
    }
    free(data);
    if (st == BK_OK && !apply) {
        pgconn_rollback(g->c);
    } else {
        st = finish_tx(g, st, err);
    }
    if (st == BK_OK) {
        plan.sum.applied = apply;
        *summary = plan.sum;
        import_plan_report_withdrawn(&plan, opt);
    }
    import_plan_free(&plan);
    return st;
}

static enum bk_status pg_get_attendee(void *impl, const char *id, struct attendee *a,
                                      struct bk_err *err)
{
    struct pg_store *g = impl;
    struct params p = {.n = 0};
    p_text(&p, id);
    PGresult *r = NULL;
    enum bk_status st =
        query(g, "SELECT " PG_ATTENDEE_COLUMNS " FROM attendee WHERE id = $1", &p, &r, err);
    if (st != BK_OK)
        return st;
    if (PQntuples(r) == 0)
        st = bk_err_set(err, BK_ERR_NOT_FOUND, NULL, 0, "id", _("nobody with ID %s is registered"),
                        id);
    else {
        struct attendee borrowed;
        row_attendee(r, 0, &borrowed);
        attendee_copy(a, &borrowed);
    }
    PQclear(r);
    return st;
}

static enum bk_status pg_foreach_attendee(void *impl, int (*fn)(void *ctx, const struct attendee *a),
                                          void *ctx, struct bk_err *err)
{
    struct pg_store *g = impl;
    PGresult *r = NULL;
    enum bk_status st =
        bulk(g, "SELECT " PG_ATTENDEE_COLUMNS " FROM attendee ORDER BY id", NULL, &r, err);
    if (st != BK_OK)
        return st;
    for (int i = 0; i < PQntuples(r); i++) {
        struct attendee a;
        row_attendee(r, i, &a);
        if (fn(ctx, &a))
            break;
    }
    PQclear(r);
    return BK_OK;
}

static enum bk_status count(struct pg_store *g, const char *sql, size_t *n, struct bk_err *err)
{
    PGresult *r = NULL;
    enum bk_status st = bulk(g, sql, NULL, &r, err);
    if (st == BK_OK)
        *n = (size_t)v_int(r, 0, 0);
    PQclear(r);
    return st;
}

static enum bk_status pg_count_attendees(void *impl, size_t *n, struct bk_err *err)
{
    return count(impl, "SELECT count(*) FROM attendee", n, err);
}

static enum bk_status pg_count_scans(void *impl, size_t *n, struct bk_err *err)
{
    return count(impl, "SELECT count(*) FROM scan_event", n, err);
}

/* ---- events ---- */

static void keyed_params(struct params *p, const struct pg_keyed_event *ev)
{
    const struct store_scan *s = ev->scan;
    p_text(p, ev->source);
    p_text(p, ev->epoch);
    p_int(p, ev->seq);
    p_int(p, s->at_ms);
    p_text(p, s->kiosk);
    p_text(p, s->method);
    p_text(p, s->attendee);
    p_day(p, s);
    p_text(p, s->detail);
    p_hash(p, ev->prev_hash);
    p_text(p, ev->outcome);
    p_hash(p, ev->hash);
    p_hash(p, ev->alt_hash);
    p_text(p, ev->offline ? "true" : "false");
    if (ev->owed_serial) {
        p_int(p, ev->owed_id);
        p_text(p, ev->owed_serial);
    }
}

#define APPEND_SQL                                                                                 \
    "SELECT r_status, r_outcome, r_first_at FROM bk_append($1, $2, $3, $4, $5, $6, $7, $8, $9,"   \
    " $10, $11, $12, $13, $14)"
#define APPEND_OWED_SQL                                                                            \
    "SELECT r_status, r_outcome, r_first_at, r_badge_made FROM bk_append_owed($1, $2, $3, $4,"    \
    " $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"

/* pgconn_kept_send's names for this engine's kept statements. */
enum { KEPT_APPEND, KEPT_APPEND_OWED };

static void read_append(const PGresult *r, struct pg_append_result *res)
{
    const char *s = PQgetvalue(r, 0, 0);
    res->status = strcmp(s, "stored") == 0      ? PG_APPEND_STORED
                  : strcmp(s, "same") == 0      ? PG_APPEND_SAME
                  : strcmp(s, "duplicate") == 0 ? PG_APPEND_DUPLICATE
                                                : PG_APPEND_CONFLICT;
    res->already = strcmp(PQgetvalue(r, 0, 1), "already_checked_in") == 0;
    res->first_at_ms = v_int(r, 0, 2);
    res->owed_made = PQnfields(r) > 3 ? v_int(r, 0, 3) : 0;
}

enum bk_status store_pg_append_keyed(void *impl, const struct pg_keyed_event *ev,
                                     struct pg_append_result *res, int timeout_ms,
                                     struct bk_err *err)
{
    struct pgconn_call call;
    enum bk_status st = store_pg_append_send(impl, ev, timeout_ms, &call, err);
    return st == BK_OK ? store_pg_append_wait(impl, &call, res, err) : st;
}

enum bk_status store_pg_append_send(void *impl, const struct pg_keyed_event *ev, int timeout_ms,
                                    struct pgconn_call *call, struct bk_err *err)
{
    struct pg_store *g = impl;
    struct params p = {.n = 0};
    keyed_params(&p, ev);
    /* Kept prepared: a check-in's statement, the same at every scan. */
    return ev->owed_serial
               ? pgconn_kept_send(g->c, KEPT_APPEND_OWED, APPEND_OWED_SQL, p.n, p.v, timeout_ms,
                                  call, err)
               : pgconn_kept_send(g->c, KEPT_APPEND, APPEND_SQL, p.n, p.v, timeout_ms, call, err);
}

enum bk_status store_pg_append_wait(void *impl, struct pgconn_call *call,
                                    struct pg_append_result *res, struct bk_err *err)
{
    struct pg_store *g = impl;
    PGresult *r = NULL;
    enum bk_status st = pgconn_query_wait(g->c, call, &r, err);
    if (st == BK_OK)
        read_append(r, res);
    PQclear(r);
    return st;
}

enum bk_status store_pg_append_batch(void *impl, const struct pg_keyed_event *evs, size_t n,
                                     struct pg_append_result *res, struct bk_err *err)
{
    struct pg_store *g = impl;
    enum bk_status st = pgconn_exec(g->c, "BEGIN", 0, err);
    for (size_t i = 0; st == BK_OK && i < n; i++)
        st = store_pg_append_keyed(g, &evs[i], &res[i], 0, err);
    return finish_tx(g, st, err);
}

/* The last record of this engine's own chain (no journal), under a lock
 * held to the end of the transaction, so two desks with one name append
 * one after the other. */
static enum bk_status direct_tail(struct pg_store *g, int64_t *seq, unsigned char prev[],
                                  struct bk_err *err)
{
    struct params p = {.n = 0};
    p_text(&p, g->epoch);
    enum bk_status st =
        query(g, "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", &p, NULL, err);
    PGresult *r = NULL;
    if (st == BK_OK)
        st = query(g, "SELECT seq, hash FROM scan_event WHERE epoch = $1 ORDER BY seq DESC LIMIT 1",
                   &p, &r, err);
    *seq = 0;
    memset(prev, 0, STORE_HASH_BYTES);
    if (st == BK_OK && PQntuples(r) == 1) {
        *seq = v_int(r, 0, 0);
        if (v_bytes(r, 0, 1, prev, STORE_HASH_BYTES) != STORE_HASH_BYTES)
            st = bk_err_set(err, BK_ERR_STORE, NULL, 0, NULL,
                            _("the last event of %s on the shared store at %s is damaged, so no "
                              "more can follow it: see badgectl verify"),
                            g->kiosk, pgconn_where(g->c));
    }
    PQclear(r);
    return st;
}

/* Is (epoch, seq) on the server with this hash? For a COMMIT whose answer
 * was lost: asked again on a new connection, never guessed. */
static enum bk_status committed(struct pg_store *g, int64_t seq, const unsigned char *hash,
                                const unsigned char *alt_hash, bool *yes,
                                struct pg_append_result *res, struct bk_err *err)
{
    struct params p = {.n = 0};
    p_text(&p, g->epoch);
    p_int(&p, seq);
    PGresult *r = NULL;
    pgconn_retry_now(g->c);
    enum bk_status st =
        query(g,
              "SELECT e.hash, (SELECT c.at_ms FROM scan_event c WHERE c.attendee = e.attendee"
              " AND c.day = e.day AND c.outcome = 'checked_in' AND NOT c.duplicate)"
              " FROM scan_event e WHERE e.epoch = $1 AND e.seq = $2",
              &p, &r, err);
    *yes = false;
    unsigned char h[STORE_HASH_BYTES];
    if (st == BK_OK && PQntuples(r) == 1 && v_bytes(r, 0, 0, h, sizeof h) == sizeof h) {
        res->already = alt_hash && memcmp(h, alt_hash, sizeof h) == 0;
        *yes = res->already || memcmp(h, hash, sizeof h) == 0;
        res->first_at_ms = v_int(r, 0, 1);
    }
    PQclear(r);
    return st;
}

/* In pg_append's transaction: the badge a first check-in owes, when the
 * person has no badge row printed, pending or submitted; *id is the row
 * added, or 0. A serial already used is BK_ERR_EXISTS. */
static enum bk_status add_owed_badge(struct pg_store *g, const struct store_scan *scan,
                                     const char *serial, int64_t *id, struct bk_err *err)
{
    *id = 0;
    struct params p = {.n = 0};
    int64_t bid = store_pg_badge_id_new();
    p_int(&p, bid);
    p_text(&p, scan->attendee);
    p_int(&p, scan->at_ms);
    p_text(&p, scan->kiosk);
    p_text(&p, serial);
    p_text(&p, store_badge_status_code(STORE_BADGE_PENDING));
    PGresult *r = NULL;
    /* One statement: the check and the insert see the same rows. */
    enum bk_status st =
        query(g,
              "WITH live AS (SELECT 1 FROM badge_print WHERE attendee = $2"
              " AND status <> 'cancelled'),"
              " ins AS (INSERT INTO badge_print (id, attendee, at_ms, kiosk, serial, status,"
              " updated_ms) SELECT $1, $2, $3, $4, $5, $6, $3 WHERE NOT EXISTS (SELECT 1 FROM live)"
              " ON CONFLICT DO NOTHING RETURNING id)"
              " SELECT (SELECT count(*) FROM ins), EXISTS (SELECT 1 FROM live)",
              &p, &r, err);
    if (st == BK_OK) {
        bool added = v_int(r, 0, 0) == 1, had = v_bool(r, 0, 1);
        if (added)
            *id = bid;
        else if (!had)
            st = bk_err_set(err, BK_ERR_EXISTS, NULL, 0, NULL,
                            _("badge serial %s is taken: nothing was recorded"), serial);
    }
    PQclear(r);
    return st;
}

static enum bk_status pg_append(void *impl, struct store_append *a, struct bk_err *err)
{
    struct pg_store *g = impl;
    const struct store_scan *scan = a->scan;
    bool check_first = a->check_first;
    int64_t last = 0;
    unsigned char prev[STORE_HASH_BYTES], hash[STORE_HASH_BYTES], alt[STORE_HASH_BYTES];
    a->owed_id = 0;
    enum bk_status st = pgconn_exec(g->c, "BEGIN", 0, err);
    if (st == BK_OK)
        st = direct_tail(g, &last, prev, err);
    const char *outcome = check_first ? "checked_in" : scan->outcome;
    store_scan_hash(scan, last + 1, outcome, prev, hash);
    if (check_first)
        store_scan_hash(scan, last + 1, "already_checked_in", prev, alt);
    struct pg_keyed_event ev = {.source = g->kiosk,
                                .epoch = g->epoch,
                                .seq = last + 1,
                                .scan = scan,
                                .outcome = outcome,
                                .prev_hash = prev,
                                .hash = hash,
                                .alt_hash = check_first ? alt : NULL};
    struct pg_append_result res = {0};
    if (st == BK_OK)
        st = store_pg_append_keyed(g, &ev, &res, 0, err);
    /* The badge this check-in owes, in the same server transaction: it
     * cannot be lost between the check-in and the printer. */
    int64_t owed_id = 0;
    if (st == BK_OK && check_first && a->owed_serial && !res.already)
        st = add_owed_badge(g, scan, a->owed_serial, &owed_id, err);
    if (st != BK_OK) {
        pgconn_rollback(g->c);
        return st;
    }
    st = pgconn_exec(g->c, "COMMIT", 0, err);
    if (st == BK_ERR_OFFLINE) {
        /* The COMMIT went out and its answer did not come back: it may have
         * happened. Only the server can say, so ask it once. */
        bool yes = false;
        struct bk_err again;
        if (committed(g, last + 1, hash, check_first ? alt : NULL, &yes, &res, &again) == BK_OK &&
            yes) {
            bk_err_clear(err);
            st = BK_OK;
        }
    }
    if (st != BK_OK)
        return st;
    a->already = res.already;
    a->first_at_ms = res.already ? res.first_at_ms : scan->at_ms;
    a->owed_id = owed_id;
    a->seq = last + 1;
    memcpy(a->hash, res.already ? alt : hash, STORE_HASH_BYTES);
    return BK_OK;
}

/* Row i of a scan_event query with SCAN_COLUMNS, to fn. */
#define SCAN_COLUMNS                                                                               \
    "seq, at_ms, kiosk, method, outcome, attendee, day, detail, prev_hash, hash, epoch, source,"  \
    " received_ms, offline, duplicate"

static int scan_row(const PGresult *r, int i, int (*fn)(void *ctx, const struct store_event *ev),
                    void *ctx)
{
    unsigned char prev[64], hash[64];
    struct store_event ev = {
        .seq = v_int(r, i, 0),
        .at_ms = v_int(r, i, 1),
        .kiosk = PQgetvalue(r, i, 2),
        .method = PQgetvalue(r, i, 3),
        .outcome = PQgetvalue(r, i, 4),
        .attendee = v_text(r, i, 5),
        .has_day = !PQgetisnull(r, i, 6),
        .day = (bk_day)v_int(r, i, 6),
        .detail = v_text(r, i, 7),
        .prev_hash = prev,
        .hash = hash,
        .chain = PQgetvalue(r, i, 10),
        .source = PQgetvalue(r, i, 11),
        .received_ms = v_int(r, i, 12),
        .offline = v_bool(r, i, 13),
        .duplicate = v_bool(r, i, 14),
    };
    ev.prev_hash_len = v_bytes(r, i, 8, prev, sizeof prev);
    ev.hash_len = v_bytes(r, i, 9, hash, sizeof hash);
    return fn(ctx, &ev);
}

static enum bk_status pg_foreach_scan(void *impl, int (*fn)(void *ctx, const struct store_event *ev),
                                      void *ctx, struct bk_err *err)
{
    struct pg_store *g = impl;
    PGresult *r = NULL;
    /* Chain after chain, each in its own order: what verify walks. */
    enum bk_status st =
        bulk(g, "SELECT " SCAN_COLUMNS " FROM scan_event ORDER BY epoch, seq", NULL, &r, err);
    if (st != BK_OK)
        return st;
    for (int i = 0; i < PQntuples(r); i++)
        if (scan_row(r, i, fn, ctx))
            break;
    PQclear(r);
    return BK_OK;
}

enum bk_status store_pg_foreach_in_chain(void *impl, const char *epoch, int64_t after,
                                         int (*fn)(void *ctx, const struct store_event *ev),
                                         void *ctx, struct bk_err *err)
{
    struct pg_store *g = impl;
    struct params p = {.n = 0};
    p_text(&p, epoch);
    p_int(&p, after);
    PGresult *r = NULL;
    enum bk_status st = bulk(g,
                             "SELECT " SCAN_COLUMNS " FROM scan_event WHERE epoch = $1"
                             " AND seq > $2 ORDER BY seq",
                             &p, &r, err);
    if (st != BK_OK)
        return st;
    for (int i = 0; i < PQntuples(r); i++)
        if (scan_row(r, i, fn, ctx))
            break;
    PQclear(r);
    return BK_OK;
}

static enum bk_status pg_foreach_attendance(void *impl,
                                            int (*fn)(void *ctx, const char *attendee, bk_day day,
                                                      int64_t first_at_ms),
                                            void *ctx, struct bk_err *err)
{
    struct pg_store *g = impl;
    PGresult *r = NULL;
    /* A person admitted at two kiosks while apart has a duplicate check-in
     * too: counted once, at the earlier scan. */
    enum bk_status st = bulk(g,
                             "SELECT attendee, day, min(at_ms) AS first FROM scan_event"
                             " WHERE outcome = 'checked_in' GROUP BY attendee, day"
                             " ORDER BY day, first, attendee",
                             NULL, &r, err);
    if (st != BK_OK)
        return st;
    for (int i = 0; i < PQntuples(r); i++)
        if (fn(ctx, PQgetvalue(r, i, 0), (bk_day)v_int(r, i, 1), v_int(r, i, 2)))
            break;
    PQclear(r);
    return BK_OK;
}

enum bk_status store_pg_pull_checkins(void *impl, int64_t since,
                                      int (*fn)(void *ctx, int64_t id, const char *attendee,
                                                bk_day day, int64_t at_ms),
                                      void *ctx, struct bk_err *err)
{
    struct pg_store *g = impl;
    struct params p = {.n = 0};
    p_int(&p, since);
    PGresult *r = NULL;
    enum bk_status st = bulk(g,
                             "SELECT id, attendee, day, at_ms FROM scan_event WHERE id > $1"
                             " AND outcome = 'checked_in' AND NOT duplicate ORDER BY id",
                             &p, &r, err);
    if (st != BK_OK)
        return st;
    for (int i = 0; i < PQntuples(r); i++)
        if (fn(ctx, v_int(r, i, 0), PQgetvalue(r, i, 1), (bk_day)v_int(r, i, 2), v_int(r, i, 3)))
            break;
    PQclear(r);
    return BK_OK;
}

/* ---- badges ---- */

#define BADGE_COLUMNS                                                                              \
    "id, attendee, at_ms, kiosk, serial, reason, status, printer, job, detail, updated_ms, made,"  \
    " changed"

/* Row i as a borrowed badge; false when its status has no code. */
static bool row_badge(const PGresult *r, int i, struct store_badge *b)
{
    *b = (struct store_badge){
        .id = v_int(r, i, 0),
        .attendee = PQgetvalue(r, i, 1),
        .at_ms = v_int(r, i, 2),
        .kiosk = PQgetvalue(r, i, 3),
        .serial = PQgetvalue(r, i, 4),
        .reason = v_text(r, i, 5),
        .printer = v_text(r, i, 7),
        .job = (int)v_int(r, i, 8),
        .detail = v_text(r, i, 9),
        .updated_ms = v_int(r, i, 10),
    };
    return store_badge_status_from_code(PQgetvalue(r, i, 6), &b->status);
}

static enum bk_status pg_badge_printed(void *impl, const char *id, bool *printed,
                                       struct bk_err *err)
{
    struct pg_store *g = impl;
    struct params p = {.n = 0};
    p_text(&p, id);
    PGresult *r = NULL;
    enum bk_status st = query(g,
                              "SELECT EXISTS (SELECT 1 FROM badge_print WHERE attendee = $1"
                              " AND status = 'printed')",
                              &p, &r, err);
    if (st == BK_OK)
        *printed = v_bool(r, 0, 0);
    PQclear(r);
    return st;
}

/* A random positive 62-bit id: badge rows are made on many machines, some
 * of them offline, so no counter can number them; made keeps their order. */
int64_t store_pg_badge_id_new(void)
{
    uint64_t v;
    randombytes_buf(&v, sizeof v);
    return (int64_t)(v >> 2) | 1;
}

/* A badge row's columns as $1..$11: id, attendee, at_ms, kiosk, serial,
 * reason, status, printer, job, detail, updated_ms. */
static void badge_params(struct params *p, const struct store_badge *b)
{
    p_int(p, b->id);
    p_text(p, b->attendee);
    p_int(p, b->at_ms);
    p_text(p, b->kiosk);
    p_text(p, b->serial);
    p_text(p, b->reason);
    p_text(p, store_badge_status_code(b->status));
    p_text(p, b->printer);
    p_int(p, b->job);
    p_text(p, b->detail);
    p_int(p, b->updated_ms);
}

enum bk_status store_pg_badge_put(void *impl, const struct store_badge *b, bool *conflict,
                                  int64_t *made, struct bk_err *err)
{
    struct pg_store *g = impl;
    struct params p = {.n = 0};
    badge_params(&p, b);
    PGresult *r = NULL;
    enum bk_status st = query(g,
                              "INSERT INTO badge_print (id, attendee, at_ms, kiosk, serial, reason,"
                              " status, printer, job, detail, updated_ms)"
                              " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
                              " ON CONFLICT (id) DO NOTHING RETURNING made",
                              &p, &r, err);
    *conflict = false;
    if (made)
        *made = 0;
    if (st == BK_OK && PQntuples(r) == 1 && made)
        *made = v_int(r, 0, 0);
    if (st == BK_OK && PQntuples(r) == 0) {
        /* The id was there: an earlier send of this row, or another row. */
        PQclear(r);
        r = NULL;
        struct params q = {.n = 0};
        p_int(&q, b->id);
        st = query(g, "SELECT serial, attendee, made FROM badge_print WHERE id = $1", &q, &r,
                   err);
        *conflict = st == BK_OK && (PQntuples(r) != 1 || strcmp(PQgetvalue(r, 0, 0), b->serial) ||
                                    strcmp(PQgetvalue(r, 0, 1), b->attendee));
        if (st == BK_OK && !*conflict && made)
            *made = v_int(r, 0, 2);
    }
    PQclear(r);
    return st;
}

enum bk_status store_pg_badge_put_first(void *impl, const struct store_badge *b, bool sent,
                                        bool *conflict, enum store_badge_status *now,
                                        struct bk_err *err)
{
    struct pg_store *g = impl;
    struct params p = {.n = 0};
    badge_params(&p, b);
    p_text(&p, sent ? "true" : "false");
    p_text(&p, _(STORE_PG_RETIRED_FIRST));
    PGresult *r = NULL;
    enum bk_status st = query(g,
                              "SELECT r_made, r_status, r_serial, r_attendee FROM"
                              " bk_badge_put_first($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,"
                              " $12, $13)",
                              &p, &r, err);
    *conflict = false;
    *now = b->status;
    if (st == BK_OK) {
        *conflict = strcmp(PQgetvalue(r, 0, 2), b->serial) != 0 ||
                    strcmp(PQgetvalue(r, 0, 3), b->attendee) != 0;
        store_badge_status_from_code(PQgetvalue(r, 0, 1), now);
    }
    PQclear(r);
    return st;
}

static enum bk_status pg_badge_add(void *impl, const char *attendee, const char *serial,
                                   const char *reason, const char *kiosk, int64_t at_ms,
                                   int64_t *id, struct bk_err *err)
{
    struct store_badge b = {.id = store_pg_badge_id_new(),
                            .attendee = attendee,
                            .at_ms = at_ms,
                            .kiosk = kiosk,
                            .serial = serial,
                            .reason = reason,
                            .status = STORE_BADGE_PENDING,
                            .updated_ms = at_ms};
    bool conflict = false;
    enum bk_status st = store_pg_badge_put(impl, &b, &conflict, NULL, err);
    if (st == BK_OK && conflict)
        st = bk_err_set(err, BK_ERR_STORE, NULL, 0, NULL,
                        _("badge id %lld is taken on the shared store: try again"),
                        (long long)b.id);
    if (st == BK_OK && id)
        *id = b.id;
    return st;
}

static void update_params(struct params *p, int64_t id, enum store_badge_status expect,
                          enum store_badge_status status, const char *printer, int job,
                          const char *detail, int64_t at_ms)
{
    p_int(p, id);
    p_text(p, store_badge_status_code(status));
    p_text(p, printer);
    p_int(p, job);
    p_text(p, detail);
    p_int(p, at_ms);
    p_text(p, expect == STORE_BADGE_ANY ? NULL : store_badge_status_code(expect));
}

#define BADGE_UPDATE_SQL                                                                           \
    "UPDATE badge_print SET status = $2, printer = coalesce($3, printer),"                         \
    " job = CASE WHEN $4::integer = 0 THEN job ELSE $4::integer END,"                              \
    " detail = CASE WHEN $2 = 'printed' THEN $5::text ELSE coalesce($5, detail) END,"            \
    " updated_ms = $6"                                                                             \
    " WHERE id = $1 AND ($7::text IS NULL OR status = $7)"

static enum bk_status pg_badge_update(void *impl, int64_t id, enum store_badge_status expect,
                                      enum store_badge_status status, const char *printer, int job,
                                      const char *detail, int64_t at_ms, struct bk_err *err)
{
    struct pg_store *g = impl;
    struct params p = {.n = 0};
    update_params(&p, id, expect, status, printer, job, detail, at_ms);
    PGresult *r = NULL;
    enum bk_status st = query(g, BADGE_UPDATE_SQL, &p, &r, err);
    if (st == BK_OK && atoi(PQcmdTuples(r)) == 0)
        st = bk_err_set(err, BK_ERR_BUSY, NULL, 0, NULL,
                        _("badge %lld is no longer %s: another kiosk or the desk is handling "
                          "it"),
                        (long long)id,
                        expect == STORE_BADGE_ANY ? "there" : store_badge_status_code(expect));
    PQclear(r);
    return st;
}

enum bk_status store_pg_badge_replay(void *impl, int64_t id, enum store_badge_status expect,
                                     enum store_badge_status status, const char *printer, int job,
                                     const char *detail, int64_t at_ms, bool *conflict,
                                     struct bk_err *err)
{
    struct pg_store *g = impl;
    struct params p = {.n = 0};
    update_params(&p, id, expect, status, printer, job, detail, at_ms);
    PGresult *r = NULL;
    *conflict = false;
    enum bk_status st = query(g, BADGE_UPDATE_SQL, &p, &r, err);
    if (st != BK_OK || atoi(PQcmdTuples(r)) == 1) {
        PQclear(r);
        return st;
    }
    PQclear(r);
    r = NULL;
    /* Not applied: either an earlier send of this very change got through
     * (the row holds it), or the row moved on elsewhere: set aside. */
    struct params q = {.n = 0};
    p_int(&q, id);
    p_text(&q, store_badge_status_code(status));
    p_int(&q, at_ms);
    st = query(g, "SELECT 1 FROM badge_print WHERE id = $1 AND status = $2 AND updated_ms = $3", &q,
               &r, err);
    if (st == BK_OK && PQntuples(r) == 0) {
        *conflict = true;
        PQclear(r);
        r = NULL;
        st = query(g,
                   "INSERT INTO badge_conflict (badge, status, printer, job, detail, at_ms, expect)"
                   " VALUES ($1, $2, $3, $4, $5, $6, $7)",
                   &p, NULL, err);
    }
    PQclear(r);
    return st;
}

static enum bk_status walk_badges(struct pg_store *g, const char *sql, const struct params *p,
                                  int (*fn)(void *ctx, const struct store_badge *b), void *ctx,
                                  struct bk_err *err)
{
    PGresult *r = NULL;
    enum bk_status st = bulk(g, sql, p, &r, err);
    if (st != BK_OK)
        return st;
    for (int i = 0; i < PQntuples(r) && st == BK_OK; i++) {
        struct store_badge b;
        if (!row_badge(r, i, &b))
            st = bk_err_set(err, BK_ERR_STORE, NULL, 0, NULL,
                            _("badge %lld has the unknown status '%s': the store was changed by "
                              "another program"),
                            (long long)v_int(r, i, 0), PQgetvalue(r, i, 6));
        else if (fn(ctx, &b))
            break;
    }
    PQclear(r);
    return st;
}

static enum bk_status pg_foreach_badge(void *impl, const char *attendee,
                                       int (*fn)(void *ctx, const struct store_badge *b), void *ctx,
                                       struct bk_err *err)
{
    struct params p = {.n = 0};
    p_text(&p, attendee);
    return walk_badges(impl,
                       "SELECT " BADGE_COLUMNS " FROM badge_print"
                       " WHERE $1::text IS NULL OR attendee = $1 ORDER BY made",
                       &p, fn, ctx, err);
}

enum bk_status store_pg_pull_badges(void *impl, int64_t since,
                                    int (*fn)(void *ctx, const struct store_badge *b, int64_t made,
                                              int64_t changed),
                                    void *ctx, struct bk_err *err)
{
    struct pg_store *g = impl;
    struct params p = {.n = 0};
    p_int(&p, since);
    PGresult *r = NULL;
    enum bk_status st = bulk(
        g, "SELECT " BADGE_COLUMNS " FROM badge_print WHERE changed > $1 ORDER BY changed", &p, &r,
        err);
    if (st != BK_OK)
        return st;
    for (int i = 0; i < PQntuples(r); i++) {
        struct store_badge b;
        if (row_badge(r, i, &b) && fn(ctx, &b, v_int(r, i, 11), v_int(r, i, 12)))
            break;
    }
    PQclear(r);
    return BK_OK;
}

enum bk_status store_pg_count_conflicts(void *impl, size_t *n, struct bk_err *err)
{
    return count(impl,
                 "SELECT (SELECT count(*) FROM scan_conflict) + (SELECT count(*) FROM "
                 "badge_conflict)",
                 n, err);
}

/* ---- heartbeats ---- */

static enum bk_status pg_put_heartbeat(void *impl, const struct store_heartbeat *hb,
                                       struct bk_err *err)
{
    struct pg_store *g = impl;
    struct params p = {.n = 0};
    p_text(&p, hb->kiosk);
    p_int(&p, hb->at_ms);
    p_int(&p, hb->waiting);
    p_int(&p, hb->last_scan_ms);
    p_text(&p, hb->printer_state);
    p_text(&p, hb->printer_reasons);
    p_int(&p, hb->badges_pending);
    p_text(&p, hb->camera);
    p_int(&p, hb->corrections);
    p_text(&p, hb->correction_ids);
    PGresult *r = NULL;
    /* received_ms is the server's clock: "offline since" must not depend on
     * the kiosk's. */
    enum bk_status st = query(
        g,
        "INSERT INTO kiosk_heartbeat (kiosk, at_ms, waiting, last_scan_ms, printer_state,"
        " printer_reasons, badges_pending, camera, corrections, correction_ids)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        " ON CONFLICT (kiosk) DO UPDATE SET at_ms = EXCLUDED.at_ms, received_ms = bk_now_ms(),"
        " waiting = EXCLUDED.waiting, last_scan_ms = EXCLUDED.last_scan_ms,"
        " printer_state = EXCLUDED.printer_state, printer_reasons = EXCLUDED.printer_reasons,"
        " badges_pending = EXCLUDED.badges_pending, camera = EXCLUDED.camera,"
        " corrections = EXCLUDED.corrections, correction_ids = EXCLUDED.correction_ids",
        &p, &r, err);
    PQclear(r);
    return st;
}

static enum bk_status pg_foreach_heartbeat(void *impl,
                                           int (*fn)(void *ctx, const struct store_heartbeat *hb),
                                           void *ctx, struct bk_err *err)
{
    struct pg_store *g = impl;
    PGresult *r = NULL;
    enum bk_status st = query(g,
                              "SELECT kiosk, at_ms, received_ms, bk_now_ms() - received_ms, waiting,"
                              " last_scan_ms, printer_state, printer_reasons, badges_pending,"
                              " camera, corrections, correction_ids FROM kiosk_heartbeat"
                              " ORDER BY kiosk",
                              NULL, &r, err);
    if (st != BK_OK)
        return st;
    for (int i = 0; i < PQntuples(r); i++) {
        struct store_heartbeat hb = {
            .kiosk = PQgetvalue(r, i, 0),
            .at_ms = v_int(r, i, 1),
            .received_ms = v_int(r, i, 2),
            .age_ms = v_int(r, i, 3),
            .waiting = v_int(r, i, 4),
            .last_scan_ms = v_int(r, i, 5),
            .printer_state = PQgetvalue(r, i, 6),
            .printer_reasons = PQgetvalue(r, i, 7),
            .badges_pending = v_int(r, i, 8),
            .camera = PQgetvalue(r, i, 9),
            .corrections = v_int(r, i, 10),
            .correction_ids = PQgetvalue(r, i, 11),
        };
        if (fn(ctx, &hb))
            break;
    }
    PQclear(r);
    return BK_OK;
}

/* ---- tokens and the roster's version ---- */

static enum bk_status pg_set_tokens(void *impl, size_t n, const char *const *attendees,
                                    const char *const *payloads, struct bk_err *err)
{
    struct pg_store *g = impl;
    char *data = NULL;
    size_t len = 0, cap = 0;
    for (size_t i = 0; i < n; i++) {
        pgconn_copy_field(&data, &len, &cap, attendees[i], '\t');
        pgconn_copy_field(&data, &len, &cap, payloads[i], '\n');
    }
    enum bk_status st = pgconn_exec(g->c, "BEGIN", 0, err);
    if (st == BK_OK)
        st = put_tokens(g, data, len, err);
    free(data);
    return finish_tx(g, st, err);
}

static enum bk_status pg_get_token(void *impl, const char *attendee, char **payload,
                                   struct bk_err *err)
{
    struct pg_store *g = impl;
    struct params p = {.n = 0};
    p_text(&p, attendee);
    PGresult *r = NULL;
    enum bk_status st = query(g, "SELECT payload FROM token WHERE attendee = $1", &p, &r, err);
    if (st == BK_OK && PQntuples(r) == 1)
        *payload = xstrdup(PQgetvalue(r, 0, 0));
    else if (st == BK_OK)
        st = bk_err_set(err, BK_ERR_NOT_FOUND, NULL, 0, "id",
                        _("no QR code was issued for %s: run badgectl issue (or token) on the "
                          "organiser's machine"),
                        attendee);
    PQclear(r);
    return st;
}

enum bk_status store_pg_roster_version(void *impl, int64_t *version, int64_t *skew_ms,
                                       struct bk_err *err)
{
    struct pg_store *g = impl;
    PGresult *r = NULL;
    /* last_value with is_called: 0 before the first change. The server's
     * clock comes with it, read between our two readings of ours. */
    int64_t before = clock_wall_ms();
    enum bk_status st = query(g,
                              "SELECT CASE WHEN is_called THEN last_value ELSE 0 END, bk_now_ms()"
                              " FROM bk_roster_version",
                              NULL, &r, err);
    int64_t after = clock_wall_ms();
    if (st == BK_OK)
        *version = v_int(r, 0, 0);
    if (st == BK_OK && skew_ms)
        *skew_ms = v_int(r, 0, 1) - (before + (after - before) / 2);
    PQclear(r);
    return st;
}

enum bk_status store_pg_pull_roster(void *impl, int64_t *version, struct attendee **people,
                                    unsigned char (**hashes)[STORE_HASH_BYTES],
                                    unsigned char **has_hash, size_t *n, char ***token_ids,
                                    char ***tokens, size_t *n_tokens, struct bk_err *err)
{
    struct pg_store *g = impl;
    *people = NULL;
    *hashes = NULL;
    *has_hash = NULL;
    *n = *n_tokens = 0;
    *token_ids = *tokens = NULL;
    PGresult *r = NULL, *t = NULL;
    /* One snapshot for the version, the list and the tokens. */
    enum bk_status st =
        pgconn_exec(g->c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, err);
    if (st == BK_OK)
        st = store_pg_roster_version(g, version, NULL, err);
    if (st == BK_OK)
        st = bulk(g, "SELECT " PG_ATTENDEE_COLUMNS " FROM attendee ORDER BY id", NULL, &r, err);
    if (st == BK_OK)
        st = bulk(g, "SELECT attendee, payload FROM token ORDER BY attendee", NULL, &t, err);
    st = finish_tx(g, st, err);
    if (st == BK_OK) {
        *n = (size_t)PQntuples(r);
        *people = xcalloc(*n ? *n : 1, sizeof **people);
        *hashes = xcalloc(*n ? *n : 1, sizeof **hashes);
        *has_hash = xcalloc(*n ? *n : 1, 1);
        for (size_t i = 0; i < *n; i++) {
            struct attendee a;
            row_attendee(r, (int)i, &a);
            attendee_copy(&(*people)[i], &a);
            (*has_hash)[i] = row_code_hash(r, (int)i, (*hashes)[i]);
        }
        *n_tokens = (size_t)PQntuples(t);
        *token_ids = xcalloc(*n_tokens ? *n_tokens : 1, sizeof **token_ids);
        *tokens = xcalloc(*n_tokens ? *n_tokens : 1, sizeof **tokens);
        for (size_t i = 0; i < *n_tokens; i++) {
            (*token_ids)[i] = xstrdup(PQgetvalue(t, (int)i, 0));
            (*tokens)[i] = xstrdup(PQgetvalue(t, (int)i, 1));
        }
    }
    PQclear(r);
    PQclear(t);
    return st;
}

/* ---- ticket codes ([qr] mode = export) ---- */

static enum bk_status pg_find_code(void *impl, const unsigned char hash[STORE_HASH_BYTES],
                                   char **id, struct bk_err *err)
{
    struct pg_store *g = impl;
    struct params p = {.n = 0};
    p_hash(&p, hash);
    PGresult *r = NULL;
    /* An equality lookup on the unique index: hashes compared, never the
     * code itself (store.h). */
    enum bk_status st = query(g, "SELECT id FROM attendee WHERE code_hash = $1", &p, &r, err);
    if (st == BK_OK && PQntuples(r) == 1)
        *id = xstrdup(PQgetvalue(r, 0, 0));
    else if (st == BK_OK)
        st = bk_err_set(err, BK_ERR_NOT_FOUND, NULL, 0, NULL,
                        _("no ticket in the attendee list has this code"));
    PQclear(r);
    return st;
}

static enum bk_status pg_foreach_code(void *impl,
                                      int (*fn)(void *ctx, const char *id,
                                                const unsigned char *hash),
                                      void *ctx, struct bk_err *err)
{
    struct pg_store *g = impl;
    PGresult *r = NULL;
    enum bk_status st = bulk(g, "SELECT " PG_ATTENDEE_COLUMNS " FROM attendee ORDER BY id", NULL,
                             &r, err);
    for (int i = 0; st == BK_OK && i < PQntuples(r); i++) {
        unsigned char h[STORE_HASH_BYTES];
        if (fn(ctx, PQgetvalue(r, i, 0), row_code_hash(r, i, h) ? h : NULL))
            break;
    }
    PQclear(r);
    return st;
}

/* ---- notifications ---- */

enum bk_status store_pg_listen(void *impl, struct bk_err *err)
{
    struct pg_store *g = impl;
    enum bk_status st = pgconn_exec(g->c, "LISTEN bk_roster; LISTEN bk_badge", 0, err);
    g->listening = st == BK_OK;
    return st;
}

bool store_pg_announced(void *impl)
{
    struct pg_store *g = impl;
    if (!g->listening)
        return false;
    int n = pgconn_notifications(g->c);
    if (n < 0) {
        g->listening = false;
        return true;
    }
    return n > 0;
}

/* ---- badgectl db ---- */

enum bk_status store_pg_init(const struct store_options *o, int *from, int *to,
                             struct bk_err *err)
{
    struct pgconn *c = NULL;
    enum bk_status st = pg_conn_new(o, &c, err);
    if (st != BK_OK)
        return st;
    int version = 0;
    /* One init at a time, whoever runs it: the lock is the database's. */
    st = pgconn_exec(c, "BEGIN", 0, err);
    if (st == BK_OK)
        st = pgconn_exec(c, "SELECT pg_advisory_xact_lock(7461626174)", PG_BULK_MS, err);
    if (st == BK_OK)
        st = schema_version(c, &version, err);
    if (st == BK_OK && version > PG_SCHEMA_VERSION)
        st = bk_err_set(err, BK_ERR_STORE, NULL, 0, NULL,
                        _("the shared store at %s was made by a newer badgekiosk (schema "
                          "version %d; this one knows up to %d): install the newer badgekiosk"),
                        pgconn_where(c), version, PG_SCHEMA_VERSION);
    for (int v = version + 1; st == BK_OK && v <= PG_SCHEMA_VERSION; v++)
        st = pgconn_exec(c, migrations[v], PG_BULK_MS, err);
    if (st == BK_OK && version < PG_SCHEMA_VERSION) {
        char set[160];
        snprintf(set, sizeof set,
                 "INSERT INTO bk_meta VALUES ('schema_version', '%d') ON CONFLICT (key)"
                 " DO UPDATE SET value = EXCLUDED.value",
                 PG_SCHEMA_VERSION);
        st = pgconn_exec(c, set, 0, err);
    }
    if (st == BK_OK)
        st = pgconn_exec(c, "COMMIT", PG_BULK_MS, err);
    else
        pgconn_rollback(c);
    if (st == BK_ERR_INVALID)
        st = bk_err_set(err, BK_ERR_INVALID, NULL, 0, NULL,
                        _("the schema of the shared store at %s can only be made by the "
                          "database's owner (or a role that may create in it): %s"),
                        pgconn_where(c), err ? err->msg : "");
    pgconn_free(c);
    if (st == BK_OK) {
        if (from)
            *from = version;
        if (to)
            *to = PG_SCHEMA_VERSION;
    }
    return st;
}

enum bk_status store_pg_grant(const struct store_options *o, enum store_role kind,
                              const char *role, struct bk_err *err)
{
    struct pgconn *c = NULL;
    enum bk_status st = pg_conn_new(o, &c, err);
    if (st != BK_OK)
        return st;
    int version = 0;
    st = schema_version(c, &version, err);
    if (st == BK_OK && version != PG_SCHEMA_VERSION)
        st = bk_err_set(err, BK_ERR_STORE, NULL, 0, NULL,
                        _("the shared store at %s has no badgekiosk schema of this version: run "
                          "badgectl db init first"),
                        pgconn_where(c));
    PGresult *r = NULL;
    struct params p = {.n = 0};
    p_text(&p, role);
    if (st == BK_OK)
        st = pgconn_query(c, "SELECT quote_ident($1), EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)",
                          p.n, p.v, NULL, NULL, 0, &r, err);
    char *quoted = NULL;
    if (st == BK_OK && !v_bool(r, 0, 1))
        st = bk_err_set(err, BK_ERR_NOT_FOUND, NULL, 0, NULL,
                        _("the shared store at %s has no role %s: create it first (CREATE ROLE "
                          "%s LOGIN), then grant it"),
                        pgconn_where(c), role, role);
    else if (st == BK_OK)
        quoted = xstrdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    if (st == BK_OK)
        st = pgconn_exec(c, "BEGIN", 0, err);
    for (size_t i = 0; st == BK_OK && i < sizeof pg_grants / sizeof pg_grants[0]; i++) {
        const struct pg_grant *g = &pg_grants[i];
        char *sql = xasprintf("REVOKE ALL ON %s FROM %s; GRANT %s ON %s TO %s", g->object, quoted,
                              kind == STORE_ROLE_DESK ? g->desk : g->kiosk, g->object, quoted);
        st = pgconn_exec(c, sql, 0, err);
        free(sql);
    }
    if (st == BK_OK) {
        char *sql = xasprintf("GRANT USAGE ON SCHEMA public TO %s", quoted);
        st = pgconn_exec(c, sql, 0, err);
        free(sql);
    }
    if (st == BK_OK)
        st = pgconn_exec(c, "COMMIT", 0, err);
    else
        pgconn_rollback(c);
    free(quoted);
    pgconn_free(c);
    return st;
}

/* Without a journal nothing waits: the state is the server's. */
static enum bk_status pg_sync_status(void *impl, struct store_sync_status *st, struct bk_err *err)
{
    struct pg_store *g = impl;
    (void)err;
    st->shared = true;
    snprintf(st->kiosk, sizeof st->kiosk, "%s", g->kiosk);
    snprintf(st->server, sizeof st->server, "%s", pgconn_where(g->c));
    st->offline_since_ms = pgconn_down_since(g->c);
    return BK_OK;
}

static enum bk_status pg_sync(void *impl, struct store_sync_status *st, struct bk_err *err)
{
    struct pg_store *g = impl;
    pgconn_retry_now(g->c);
    enum bk_status s = pgconn_connect(g->c, err);
    if (s == BK_OK)
        s = store_pg_count_conflicts(g, &st->conflicts, err);
    pg_sync_status(g, st, NULL);
    return s;
}

static void *pg_server(void *impl, struct bk_err *err)
{
    struct pg_store *g = impl;
    return pgconn_connect(g->c, err) == BK_OK ? g : NULL;
}

const struct store_backend store_pg_backend = {
    .name = "postgresql",
    .open = pg_open,
    .close = pg_close,
    .import = pg_import,
    .get_attendee = pg_get_attendee,
    .append = pg_append,
    .badge_printed = pg_badge_printed,
    .foreach_scan = pg_foreach_scan,
    .foreach_attendee = pg_foreach_attendee,
    .foreach_attendance = pg_foreach_attendance,
    .count_attendees = pg_count_attendees,
    .count_scans = pg_count_scans,
    .badge_add = pg_badge_add,
    .badge_update = pg_badge_update,
    .foreach_badge = pg_foreach_badge,
    .set_tokens = pg_set_tokens,
    .get_token = pg_get_token,
    .find_code = pg_find_code,
    .foreach_code = pg_foreach_code,
    .put_heartbeat = pg_put_heartbeat,
    .foreach_heartbeat = pg_foreach_heartbeat,
    .sync_status = pg_sync_status,
    .sync = pg_sync,
    .server = pg_server,
};
