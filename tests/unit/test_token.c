/* Tests for token: key files, signing, and every way a scanned payload can be
 * hostile or damaged. Each test makes its own keys folder under /tmp. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "event/attendee.h"
#include "core/token.h"
#include "event/roster.h"
#include "testutil.h"

#define EVENT_ID "FGMV2-SHA"

struct fixture {
    char *dir;
    char *keys_dir; /* dir/keys */
    struct token_keys *keys;
    struct config cfg;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->dir = tu_tempdir_new("token");
    f->keys_dir = tu_path_new(f->dir, "keys");
    f->cfg.event_id = EVENT_ID;
    f->cfg.qr_mode = CONFIG_QR_SIGNED;
    f->cfg.plain_prefix = "";
    f->cfg.plain_url_param = "";
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    token_keys_free(f->keys);
    tu_tempdir_free(f->dir);
    free(f->keys_dir);
    free(f);
    return 0;
}

/* keygen into f->keys_dir and load the keys. */
static void make_keys(struct fixture *f)
{
    struct bk_err err = {0};
    assert_int_equal(token_keygen(f->keys_dir, 0, NULL, &err), BK_OK);
    assert_int_equal(token_keys_load(f->keys_dir, &f->keys, &err), BK_OK);
}

static char *sign(struct fixture *f, const char *id)
{
    struct bk_err err = {0};
    char *payload = NULL;
    assert_int_equal(token_sign_new(f->keys, EVENT_ID, id, &payload, &err), BK_OK);
    return payload;
}

static enum token_reason verify_str(struct fixture *f, const char *payload, char *id)
{
    return token_verify(&f->cfg, f->keys, payload, strlen(payload), id, ATTENDEE_ID_MAX + 1);
}

static void test_keygen_secret_key_is_mode_0600_in_0700_folder(void **state)
{
    struct fixture *f = *state;
    char keyid[8] = "";
    struct bk_err err = {0};
    assert_int_equal(token_keygen(f->keys_dir, 0, keyid, &err), BK_OK);
    assert_int_equal(strlen(keyid), TOKEN_KEYID_LEN);

    char path[160];
    struct stat st;
    snprintf(path, sizeof path, "%s/event.key", f->keys_dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(stat(f->keys_dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);

    snprintf(path, sizeof path, "%s/event.pub", f->keys_dir);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    char line[256] = "";
    assert_non_null(fgets(line, sizeof line, fp));
    fclose(fp);
    assert_memory_equal(line, "badgekiosk-ed25519-public ", 26);

    assert_int_equal(token_keys_load(f->keys_dir, &f->keys, &err), BK_OK);
    assert_true(token_keys_can_sign(f->keys));
    assert_string_equal(token_keys_current_id(f->keys), keyid);
}

static void test_keygen_refuses_to_overwrite(void **state)
{
    struct fixture *f = *state;
    struct bk_err err = {0};
    assert_int_equal(token_keygen(f->keys_dir, 0, NULL, &err), BK_OK);
    assert_int_equal(token_keygen(f->keys_dir, 0, NULL, &err), BK_ERR_EXISTS);
    assert_non_null(strstr(err.msg, "--rotate"));
    assert_non_null(strstr(err.file, f->keys_dir));
}

static void test_malformed_key_file_is_parse_error_naming_it(void **state)
{
    struct fixture *f = *state;
    make_keys(f);
    char path[160];
    snprintf(path, sizeof path, "%s/extra.pub", f->keys_dir);
    tu_write_text(path, "badgekiosk-ed25519-public not!base64\n");
    struct token_keys *k = NULL;
    struct bk_err err = {0};
    assert_int_equal(token_keys_load(f->keys_dir, &k, &err), BK_ERR_PARSE);
    assert_null(k);
    assert_string_equal(err.file, path);
}

static void test_public_key_alone_verifies_but_cannot_sign(void **state)
{
    struct fixture *f = *state;
    make_keys(f);
    char *payload = sign(f, "R-1001");
    char path[160];
    snprintf(path, sizeof path, "%s/event.key", f->keys_dir);
    assert_int_equal(unlink(path), 0);

    struct token_keys *k = NULL;
    struct bk_err err = {0};
    assert_int_equal(token_keys_load(f->keys_dir, &k, &err), BK_OK);
    assert_false(token_keys_can_sign(k));
    char *p2 = NULL;
    assert_int_equal(token_sign_new(k, EVENT_ID, "R-1", &p2, &err), BK_ERR_INVALID);
    assert_null(p2);
    char id[ATTENDEE_ID_MAX + 1];
    assert_int_equal(token_verify(&f->cfg, k, payload, strlen(payload), id, sizeof id), TOKEN_OK);
    token_keys_free(k);
    free(payload);
}

static void test_sign_verify_round_trip(void **state)
{
    struct fixture *f = *state;
    make_keys(f);
    const char *ids[] = {"R-1001", "a", "FGMV2-SHA-000123", "王蕴韬"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        char *payload = sign(f, ids[i]);
        assert_memory_equal(payload, "BK1.", 4);
        for (const char *c = payload; *c; c++)
            assert_non_null(strchr("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:", *c));
        char id[ATTENDEE_ID_MAX + 1];
        assert_int_equal(verify_str(f, payload, id), TOKEN_OK);
        assert_string_equal(id, ids[i]);
        free(payload);
    }
}

static void test_scanner_line_ending_is_ignored(void **state)
{
    struct fixture *f = *state;
    make_keys(f);
    char *payload = sign(f, "R-1001");
    char *typed = malloc(strlen(payload) + 4);
    sprintf(typed, "%s\r\n ", payload);
    char id[ATTENDEE_ID_MAX + 1];
    assert_int_equal(verify_str(f, typed, id), TOKEN_OK);
    assert_string_equal(id, "R-1001");
    free(typed);
    free(payload);
}

static void test_lowercase_from_caps_lock_is_accepted(void **state)
{
    struct fixture *f = *state;
    make_keys(f);
    char *payload = sign(f, "R-1001");
    for (char *c = payload; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    char id[ATTENDEE_ID_MAX + 1];
    assert_int_equal(verify_str(f, payload, id), TOKEN_OK);
    assert_string_equal(id, "R-1001");
    free(payload);
}

/* Hostile payloads, each made from a good one. */
enum mangle {
    FLIP_SIG_CHAR,
    FLIP_ID_CHAR,
    TRUNCATE,
    DROP_LAST_FIELD,
    OVERLONG,
    NUL_INSIDE,
    CONTROL_INSIDE,
    BAD_UTF8,
    OVERLONG_UTF8,
    EMPTY,
    ONLY_WHITESPACE,
    WRONG_VERSION,
    NOT_OURS,
    EXTRA_FIELD,
};

static const struct hostile_case {
    const char *name;
    enum mangle how;
    enum token_reason want;
} hostile_cases[] = {
    {"forged signature (one character flipped)", FLIP_SIG_CHAR, TOKEN_BAD_SIGNATURE},
    {"altered ID", FLIP_ID_CHAR, TOKEN_BAD_SIGNATURE},
    {"truncated", TRUNCATE, TOKEN_GARBLED},
    {"signature missing", DROP_LAST_FIELD, TOKEN_GARBLED},
    {"overlong", OVERLONG, TOKEN_TOO_LONG},
    {"NUL byte inside", NUL_INSIDE, TOKEN_BINARY},
    {"control character inside", CONTROL_INSIDE, TOKEN_BINARY},
    {"invalid UTF-8", BAD_UTF8, TOKEN_NOT_UTF8},
    {"overlong UTF-8 encoding", OVERLONG_UTF8, TOKEN_NOT_UTF8},
    {"empty", EMPTY, TOKEN_EMPTY},
    {"only whitespace", ONLY_WHITESPACE, TOKEN_EMPTY},
    {"wrong version prefix", WRONG_VERSION, TOKEN_GARBLED},
    {"someone else's QR code", NOT_OURS, TOKEN_GARBLED},
    {"extra field", EXTRA_FIELD, TOKEN_GARBLED},
};

static void flip(char *c)
{
    *c = *c == 'A' ? 'B' : 'A';
}

static void test_hostile_payloads_are_refused_with_their_reason(void **state)
{
    struct fixture *f = *state;
    make_keys(f);
    char *good = sign(f, "R-1001");
    size_t glen = strlen(good);
    for (size_t i = 0; i < sizeof hostile_cases / sizeof hostile_cases[0]; i++) {
        const struct hostile_case *c = &hostile_cases[i];
        char buf[TOKEN_PAYLOAD_MAX + 64];
        memcpy(buf, good, glen + 1);
        size_t len = glen;
        char *idpart = strchr(buf + 4, '.') + 1;
        switch (c->how) {
        case FLIP_SIG_CHAR:
            flip(&buf[len - 20]);
            break;
        case FLIP_ID_CHAR:
            flip(&idpart[0]);
            break;
        case TRUNCATE:
            len -= 7;
            break;
        case DROP_LAST_FIELD:
            len = (size_t)(strrchr(buf, '.') - buf);
            break;
        case OVERLONG:
            memset(buf + len, 'A', sizeof buf - len);
            len = TOKEN_PAYLOAD_MAX + 1;
            break;
        case NUL_INSIDE:
            buf[10] = '\0';
            break;
        case CONTROL_INSIDE:
            buf[10] = '\x1b';
            break;
        case BAD_UTF8:
            buf[10] = (char)0xFF;
            break;
        case OVERLONG_UTF8:
            buf[10] = (char)0xC0;
            buf[11] = (char)0xAE;
            break;
        case EMPTY:
            len = 0;
            break;
        case ONLY_WHITESPACE:
            strcpy(buf, " \r\n");
            len = 3;
            break;
        case WRONG_VERSION:
            buf[2] = '2';
            break;
        case NOT_OURS:
            strcpy(buf, "https://example.org/whatever");
            len = strlen(buf);
            break;
        case EXTRA_FIELD:
            strcpy(buf + len, ".AAAA");
            len += 5;
            break;
        }
        char id[ATTENDEE_ID_MAX + 1] = "x";
        enum token_reason got = token_verify(&f->cfg, f->keys, buf, len, id, sizeof id);
        if (got != c->want)
            fail_msg("%s: got %s, want %s", c->name, token_reason_code(got),
                     token_reason_code(c->want));
        assert_string_equal(id, "");
    }
    free(good);
}

static void test_code_of_another_event_is_refused(void **state)
{
    struct fixture *f = *state;
    make_keys(f);
    struct bk_err err = {0};
    char *payload = NULL;
    assert_int_equal(token_sign_new(f->keys, "OTHER-EVENT", "R-1001", &payload, &err), BK_OK);
    char id[ATTENDEE_ID_MAX + 1];
    assert_int_equal(verify_str(f, payload, id), TOKEN_BAD_SIGNATURE);
    free(payload);
}

static void test_key_from_another_keygen_is_unknown(void **state)
{
    struct fixture *f = *state;
    make_keys(f);
    char other[128];
    snprintf(other, sizeof other, "%s/other", f->dir);
    struct bk_err err = {0};
    struct token_keys *ok = NULL;
    assert_int_equal(token_keygen(other, 0, NULL, &err), BK_OK);
    assert_int_equal(token_keys_load(other, &ok, &err), BK_OK);
    /* Astronomically unlikely, but 20-bit ids can collide. */
    if (strcmp(token_keys_current_id(ok), token_keys_current_id(f->keys)) == 0)
        skip();
    char *payload = NULL;
    assert_int_equal(token_sign_new(ok, EVENT_ID, "R-1001", &payload, &err), BK_OK);
    char id[ATTENDEE_ID_MAX + 1];
    assert_int_equal(verify_str(f, payload, id), TOKEN_UNKNOWN_KEY);
    free(payload);
    token_keys_free(ok);
}

static void test_rotation_retires_old_key_and_new_one_works(void **state)
{
    struct fixture *f = *state;
    make_keys(f);
    char old_id[8];
    snprintf(old_id, sizeof old_id, "%s", token_keys_current_id(f->keys));
    char *old_payload = sign(f, "R-1001");
    token_keys_free(f->keys);
    f->keys = NULL;

    struct bk_err err = {0};
    char new_id[8] = "";
    assert_int_equal(token_keygen(f->keys_dir, 1, new_id, &err), BK_OK);
    char path[200];
    struct stat st;
    snprintf(path, sizeof path, "%s/retired/%s.pub", f->keys_dir, old_id);
    assert_int_equal(stat(path, &st), 0);
    snprintf(path, sizeof path, "%s/retired/%s.key", f->keys_dir, old_id);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    assert_int_equal(token_keys_load(f->keys_dir, &f->keys, &err), BK_OK);
    assert_string_equal(token_keys_current_id(f->keys), new_id);
    assert_int_equal(token_keys_count(f->keys), 1);
    char id[ATTENDEE_ID_MAX + 1];
    if (strcmp(old_id, new_id) != 0)
        assert_int_equal(verify_str(f, old_payload, id), TOKEN_UNKNOWN_KEY);
    else
        assert_int_equal(verify_str(f, old_payload, id), TOKEN_BAD_SIGNATURE);
    char *new_payload = sign(f, "R-1001");
    assert_int_equal(verify_str(f, new_payload, id), TOKEN_OK);
    free(old_payload);
    free(new_payload);
}

static void test_sign_refuses_id_that_would_not_fit_version_7(void **state)
{
    struct fixture *f = *state;
    make_keys(f);
    char id[TOKEN_ID_MAX + 2];
    memset(id, '7', sizeof id - 1);
    id[sizeof id - 1] = '\0';
    struct bk_err err = {0};
    char *payload = NULL;
    assert_int_equal(token_sign_new(f->keys, EVENT_ID, id, &payload, &err), BK_ERR_INVALID);
    assert_null(payload);
    char max[16];
    snprintf(max, sizeof max, "%d", TOKEN_ID_MAX);
    assert_non_null(strstr(err.msg, max));
}

static void test_sign_refuses_empty_or_control_id(void **state)
{
    struct fixture *f = *state;
    make_keys(f);
    struct bk_err err = {0};
    char *payload = NULL;
    assert_int_equal(token_sign_new(f->keys, EVENT_ID, "", &payload, &err), BK_ERR_INVALID);
    assert_int_equal(token_sign_new(f->keys, EVENT_ID, "A\tB", &payload, &err), BK_ERR_INVALID);
    assert_null(payload);
}

static void test_max_length_id_fits_version_7_m(void **state)
{
    struct fixture *f = *state;
    make_keys(f);
    char id[TOKEN_ID_MAX + 1];
    /* Bytes that base32 would spread evenly; length is what matters. */
    memset(id, 'Z', TOKEN_ID_MAX);
    id[TOKEN_ID_MAX] = '\0';
    char *payload = sign(f, id);
    assert_int_equal(strlen(payload), TOKEN_PAYLOAD_LEN(TOKEN_ID_MAX));
    assert_int_equal(TOKEN_QR_CAPACITY, 178);
    assert_true(strlen(payload) <= TOKEN_QR_CAPACITY);
    QRcode *qr = QRcode_encodeString(payload, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    assert_non_null(qr);
    assert_true(qr->version <= 7);
    QRcode_free(qr);
    char out[ATTENDEE_ID_MAX + 1];
    assert_int_equal(verify_str(f, payload, out), TOKEN_OK);
    assert_string_equal(out, id);
    free(payload);
}

/* The capacity token.h computes agrees with libqrencode's own tables. */
static void test_qr_capacity_is_libqrencodes_version_7_m(void **state)
{
    (void)state;
    char text[TOKEN_QR_CAPACITY + 2];
    memset(text, 'A', sizeof text - 1);
    text[TOKEN_QR_CAPACITY] = '\0';
    QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    assert_non_null(qr);
    assert_int_equal(qr->version, 7);
    QRcode_free(qr);
    text[TOKEN_QR_CAPACITY] = 'A';
    text[TOKEN_QR_CAPACITY + 1] = '\0';
    qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    assert_non_null(qr);
    assert_int_equal(qr->version, 8);
    QRcode_free(qr);
}

static void test_plain_mode_whole_payload_is_the_id(void **state)
{
    struct fixture *f = *state;
    f->cfg.qr_mode = CONFIG_QR_PLAIN;
    char id[ATTENDEE_ID_MAX + 1];
    assert_int_equal(verify_str(f, "REG-4711\r\n", id), TOKEN_OK);
    assert_string_equal(id, "REG-4711");
    char longid[ATTENDEE_ID_MAX + 2];
    memset(longid, 'x', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    assert_int_equal(verify_str(f, longid, id), TOKEN_GARBLED);
}

static void test_plain_mode_prefix_is_stripped(void **state)
{
    struct fixture *f = *state;
    f->cfg.qr_mode = CONFIG_QR_PLAIN;
    f->cfg.plain_prefix = "ITU:";
    char id[ATTENDEE_ID_MAX + 1];
    assert_int_equal(verify_str(f, "ITU:4711", id), TOKEN_OK);
    assert_string_equal(id, "4711");
    assert_int_equal(verify_str(f, "XYZ:4711", id), TOKEN_GARBLED);
    assert_int_equal(verify_str(f, "ITU:", id), TOKEN_GARBLED);
}

static void test_plain_mode_url_parameter_is_percent_decoded(void **state)
{
    struct fixture *f = *state;
    f->cfg.qr_mode = CONFIG_QR_PLAIN;
    f->cfg.plain_url_param = "id";
    char id[ATTENDEE_ID_MAX + 1];
    assert_int_equal(verify_str(f, "https://reg.example.org/c?ev=fg&id=R%2D10%2001&x=1", id),
                     TOKEN_OK);
    assert_string_equal(id, "R-10 01");
    assert_int_equal(verify_str(f, "https://reg.example.org/c?id=%E7%8E%8B#top", id), TOKEN_OK);
    assert_string_equal(id, "王");
    /* A parameter whose name merely ends in "id" is not it. */
    assert_int_equal(verify_str(f, "https://x.org/?uid=9&id=7", id), TOKEN_OK);
    assert_string_equal(id, "7");
}

static void test_plain_mode_url_without_the_parameter_is_garbled(void **state)
{
    struct fixture *f = *state;
    f->cfg.qr_mode = CONFIG_QR_PLAIN;
    f->cfg.plain_url_param = "id";
    char id[ATTENDEE_ID_MAX + 1];
    assert_int_equal(verify_str(f, "https://reg.example.org/c?ev=fg", id), TOKEN_GARBLED);
    assert_int_equal(verify_str(f, "https://reg.example.org/c", id), TOKEN_GARBLED);
    assert_int_equal(verify_str(f, "https://x.org/?id=", id), TOKEN_GARBLED);
    assert_int_equal(verify_str(f, "https://x.org/?id=%4", id), TOKEN_GARBLED);
    assert_int_equal(verify_str(f, "https://x.org/?id=%G1", id), TOKEN_GARBLED);
    assert_int_equal(verify_str(f, "https://x.org/?id=a%00b", id), TOKEN_BINARY);
    assert_int_equal(verify_str(f, "https://x.org/?id=%FF", id), TOKEN_NOT_UTF8);
}

/* Random bytes and single-byte mutations of a good code: never a crash or
 * sanitizer report, and a mutated code is only accepted when the change was
 * a case flip (which the scanner rule allows). */
static void test_random_and_mutated_payloads_never_crash(void **state)
{
    struct fixture *f = *state;
    make_keys(f);
    char *good = sign(f, "R-1001");
    size_t glen = strlen(good);
    srand(12345);
    char buf[TOKEN_PAYLOAD_MAX + 100];
    char id[ATTENDEE_ID_MAX + 1];
    for (int i = 0; i < 3000; i++) {
        size_t len = (size_t)rand() % sizeof buf;
        for (size_t k = 0; k < len; k++)
            buf[k] = (char)(rand() & 0xFF);
        enum token_reason r = token_verify(&f->cfg, f->keys, buf, len, id, sizeof id);
        assert_int_not_equal(r, TOKEN_OK);
    }
    for (int i = 0; i < 3000; i++) {
        memcpy(buf, good, glen);
        size_t pos = (size_t)rand() % glen;
        char was = buf[pos];
        buf[pos] = (char)(rand() & 0xFF);
        enum token_reason r = token_verify(&f->cfg, f->keys, buf, glen, id, sizeof id);
        bool same = buf[pos] == was || (was >= 'A' && was <= 'Z' && buf[pos] == was + 32);
        if (r == TOKEN_OK)
            assert_true(same);
    }
    free(good);
}

static void test_reason_codes_are_stable_words(void **state)
{
    (void)state;
    const char *want[] = {"ok",     "empty",   "too_long",    "not_utf8",
                          "binary", "garbled", "unknown_key", "bad_signature"};
    for (int r = TOKEN_OK; r <= TOKEN_BAD_SIGNATURE; r++) {
        assert_string_equal(token_reason_code((enum token_reason)r), want[r]);
        assert_true(strlen(token_reason_text((enum token_reason)r)) > 0);
    }
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)


/* Export mode: the scanned text is the code, exactly, less the scanner's
 * line end; a badge's prefix is taken off and its serial reported. */
static void test_export_code_is_read_exactly(void **state)
{
    (void)state;
    static char overlong[ROSTER_CODE_MAX + 2];
    memset(overlong, 'z', sizeof overlong - 1);
    static const struct {
        const char *in;
        size_t len; /* 0: strlen */
        enum token_reason want;
        const char *code, *serial;
    } cases[] = {
        {"k3m9xq2hvn8wtpa4", 0, TOKEN_OK, "k3m9xq2hvn8wtpa4", ""},
        {"k3m9xq2hvn8wtpa4\r\n", 0, TOKEN_OK, "k3m9xq2hvn8wtpa4", ""},
        {"k3m9xq2hvn8wtpa4\n", 0, TOKEN_OK, "k3m9xq2hvn8wtpa4", ""},
        {"=sq+JcCC/Yft==", 0, TOKEN_OK, "=sq+JcCC/Yft==", ""},  /* kept as it is: no folding */
        {"Mixed Case Code ", 0, TOKEN_OK, "Mixed Case Code ", ""}, /* only CR/LF are the scanner's */
        {"BKB:ABCDEF:k3m9x", 0, TOKEN_OK, "k3m9x", "ABCDEF"},
        {"bkb:abcdef:k3m9x\r", 0, TOKEN_OK, "k3m9x", "ABCDEF"},
        {"BKB:AB K2E:k3m9x", 0, TOKEN_OK, "BKB:AB K2E:k3m9x", ""}, /* not a badge's prefix */
        {"王-票-2023", 0, TOKEN_OK, "王-票-2023", ""},
        {"", 0, TOKEN_EMPTY, NULL, ""},
        {"\r\n", 0, TOKEN_EMPTY, NULL, ""},
        {"ab\tcd", 0, TOKEN_BINARY, NULL, ""},
        {"ab\0cd", 5, TOKEN_BINARY, NULL, ""},
        {"ab\xC2\x85" "cd", 0, TOKEN_BINARY, NULL, ""},
        {"ab\xFF", 0, TOKEN_NOT_UTF8, NULL, ""},
        {overlong, 0, TOKEN_TOO_LONG, NULL, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *code = (const char *)1;
        size_t code_len = 99;
        char serial[TOKEN_SERIAL_LEN + 1] = "XXXXXX";
        size_t len = cases[i].len ? cases[i].len : strlen(cases[i].in);
        enum token_reason r = token_read_code(cases[i].in, len, &code, &code_len, serial);
        bool ok = r == cases[i].want && strcmp(serial, cases[i].serial) == 0 &&
                  (cases[i].code ? code && code_len == strlen(cases[i].code) &&
                                       memcmp(code, cases[i].code, code_len) == 0
                                 : code == NULL && code_len == 0);
        if (!ok)
            fail_msg("case %zu: reason %s, serial '%s', code '%.*s'", i, token_reason_code(r),
                     serial, code ? (int)code_len : 0, code ? code : "");
    }
}

/* token_verify_badge does not pretend to know whom an export code names. */
static void test_export_mode_code_is_not_an_id(void **state)
{
    struct fixture *f = *state;
    f->cfg.qr_mode = CONFIG_QR_EXPORT;
    char id[ATTENDEE_ID_MAX + 1];
    assert_int_equal(verify_str(f, "k3m9xq2hvn8wtpa4", id), TOKEN_GARBLED);
    assert_string_equal(id, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_keygen_secret_key_is_mode_0600_in_0700_folder),
        T(test_keygen_refuses_to_overwrite),
        T(test_malformed_key_file_is_parse_error_naming_it),
        T(test_public_key_alone_verifies_but_cannot_sign),
        T(test_sign_verify_round_trip),
        T(test_scanner_line_ending_is_ignored),
        T(test_lowercase_from_caps_lock_is_accepted),
        T(test_hostile_payloads_are_refused_with_their_reason),
        T(test_code_of_another_event_is_refused),
        T(test_key_from_another_keygen_is_unknown),
        T(test_rotation_retires_old_key_and_new_one_works),
        T(test_sign_refuses_id_that_would_not_fit_version_7),
        T(test_sign_refuses_empty_or_control_id),
        T(test_max_length_id_fits_version_7_m),
        T(test_qr_capacity_is_libqrencodes_version_7_m),
        T(test_plain_mode_whole_payload_is_the_id),
        T(test_plain_mode_prefix_is_stripped),
        T(test_plain_mode_url_parameter_is_percent_decoded),
        T(test_plain_mode_url_without_the_parameter_is_garbled),
        T(test_export_code_is_read_exactly),
        T(test_export_mode_code_is_not_an_id),
        T(test_random_and_mutated_payloads_never_crash),
        T(test_reason_codes_are_stable_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
