/* token: the QR payloads badgectl signs and the kiosk believes or refuses.
 *
 * Keys are Ed25519 (libsodium) in two one-line text files per key. A payload
 * is checked in the order a hostile or damaged scan is most cheaply refused:
 * size, emptiness, control bytes, UTF-8, shape, key, and the signature last.
 * Every refusal is a token_reason value; nothing here prints. */
#include "core/token.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "event/attendee.h"
#include "event/roster.h"
#include "util/dirlist.h"
#include "util/i18n.h"
#include "util/utf8.h"
#include "util/xalloc.h"

/* The documented limit in token.h must be the real one: the longest ID fits
 * the QR, one byte more does not. */
_Static_assert(TOKEN_PAYLOAD_LEN(TOKEN_ID_MAX) <= TOKEN_QR_CAPACITY, "TOKEN_ID_MAX too large");
_Static_assert(TOKEN_PAYLOAD_LEN(TOKEN_ID_MAX + 1) > TOKEN_QR_CAPACITY, "TOKEN_ID_MAX too small");
_Static_assert(TOKEN_PAYLOAD_LEN(TOKEN_ID_MAX) <= TOKEN_PAYLOAD_MAX, "payload cap too small");
_Static_assert(TOKEN_ID_MAX <= ATTENDEE_ID_MAX, "signed IDs must be attendee IDs");
/* A badge carries an export's code behind its serial: the longest code the
 * roster keeps must still fit a payload the kiosk reads. */
_Static_assert(ROSTER_CODE_MAX + sizeof TOKEN_BADGE_PREFIX - 1 + TOKEN_SERIAL_LEN + 1 <=
                   TOKEN_PAYLOAD_MAX,
               "a badge of the longest export code would be refused");

#define PUB_LABEL "badgekiosk-ed25519-public"
#define SEC_LABEL "badgekiosk-ed25519-secret"
#define PUB_NAME "event.pub"
#define SEC_NAME "event.key"
#define RETIRED_NAME "retired"
#define PAYLOAD_PREFIX "BK1."
#define SIG_B32_LEN TOKEN_B32_LEN(crypto_sign_BYTES)
/* A key file is one short line; anything much longer is not one of ours. */
#define KEYFILE_MAX 1024

struct token_pubkey {
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    char keyid[TOKEN_KEYID_LEN + 1];
};

struct token_keys {
    struct token_pubkey *pubs;
    size_t n_pubs;
    bool has_secret;
    unsigned char sk[crypto_sign_SECRETKEYBYTES];
    char current_id[TOKEN_KEYID_LEN + 1];
};

static const char B32_ALPHABET[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/* ---- base32 (RFC 4648 alphabet, no padding) ---- */

/* Writes TOKEN_B32_LEN(n) characters and a NUL to out. */
static void b32_encode(const unsigned char *in, size_t n, char *out)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        acc = (acc << 8) | in[i];
        bits += 8;
        while (bits >= 5) {
            out[o++] = B32_ALPHABET[(acc >> (bits - 5)) & 31];
            bits -= 5;
        }
    }
    if (bits > 0)
        out[o++] = B32_ALPHABET[(acc << (5 - bits)) & 31];
    out[o] = '\0';
}

static int b32_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= '2' && c <= '7')
        return c - '2' + 26;
    return -1;
}

/* Decodes len characters into out (capacity cap); returns the byte count or
 * -1. Strict: only lengths an encoder produces, and the unused low bits of
 * the last character must be zero, so each value has exactly one spelling
 * and a flipped final character cannot slip through as the same bytes. */
static long b32_decode(const char *in, size_t len, unsigned char *out, size_t cap)
{
    size_t nbytes = len * 5 / 8;
    if (TOKEN_B32_LEN(nbytes) != len || nbytes > cap)
        return -1;
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        int v = b32_value(in[i]);
        if (v < 0)
            return -1;
        acc = (acc << 5) | (uint32_t)v;
        bits += 5;
        if (bits >= 8) {
            out[o++] = (unsigned char)(acc >> (bits - 8));
            bits -= 8;
        }
    }
    if (bits > 0 && (acc & ((1u << bits) - 1)) != 0)
        return -1;
    return (long)o;
}

/* ---- text checks ---- */

/* C0 controls, DEL and NUL. */
static bool has_ascii_control(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x20 || s[i] == 0x7F)
            return true;
    return false;
}

/* C1 controls (U+0080..U+009F, encoded C2 80..C2 9F) in valid UTF-8. */
static bool has_c1_control(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++)
        if (s[i] == 0xC2 && s[i + 1] >= 0x80 && s[i + 1] <= 0x9F)
            return true;
    return false;
}

/* The reason an ID (from a payload or for signing) is unacceptable, or
 * TOKEN_OK: printable UTF-8 of 1..max bytes. */
static enum token_reason check_id(const unsigned char *s, size_t n, size_t max)
{
    if (n == 0 || n > max)
        return TOKEN_GARBLED;
    if (has_ascii_control(s, n))
        return TOKEN_BINARY;
    if (!utf8_valid((const char *)s, n))
        return TOKEN_NOT_UTF8;
    if (has_c1_control(s, n))
        return TOKEN_BINARY;
    return TOKEN_OK;
}

/* ---- keys ---- */

static void keyid_of(const unsigned char pk[crypto_sign_PUBLICKEYBYTES],
                     char out[TOKEN_KEYID_LEN + 1])
{
    unsigned char hash[crypto_generichash_BYTES];
    char b32[TOKEN_B32_LEN(crypto_generichash_BYTES) + 1];
    crypto_generichash(hash, sizeof hash, pk, crypto_sign_PUBLICKEYBYTES, NULL, 0);
    b32_encode(hash, sizeof hash, b32);
    memcpy(out, b32, TOKEN_KEYID_LEN);
    out[TOKEN_KEYID_LEN] = '\0';
}

/* libsodium must be initialised before use; sodium_init is idempotent and
 * thread-safe, so calling it at each entry point needs no global flag. */
static enum bk_status crypto_ready(struct bk_err *err)
{
    if (sodium_init() < 0)
        return bk_err_set(err, BK_ERR_INVALID, NULL, 0, NULL,
                          _("The cryptography library could not be initialised."));
    return BK_OK;
}

/* Reads the key file at path: one line "LABEL BASE64" whose base64 decodes
 * to exactly len bytes. */
static enum bk_status keyfile_read(const char *path, const char *label, unsigned char *key,
                                   size_t len, struct bk_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return bk_err_set(err, errno == ENOENT ? BK_ERR_NOT_FOUND : BK_ERR_IO, path, 0, NULL,
                          _("cannot open the key file: %s"), i18n_strerror(errno));
    char buf[KEYFILE_MAX + 2];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    bool read_error = ferror(f);
    fclose(f);
    if (read_error)
        return bk_err_set(err, BK_ERR_IO, path, 0, NULL, _("cannot read the key file."));
    buf[n] = '\0';
    if (n > KEYFILE_MAX || memchr(buf, '\0', n))
        goto malformed;
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
        buf[--n] = '\0';
    size_t ll = strlen(label);
    if (n <= ll + 1 || strncmp(buf, label, ll) != 0 || buf[ll] != ' ' || strchr(buf, '\n'))
        goto malformed;
    size_t got = 0;
    const char *end = NULL;
    if (sodium_base642bin(key, len, buf + ll + 1, n - ll - 1, NULL, &got, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        got != len || end != buf + n) {
        sodium_memzero(key, len);
        goto malformed;
    }
    sodium_memzero(buf, sizeof buf);
    return BK_OK;
malformed:
    sodium_memzero(buf, sizeof buf);
    return bk_err_set(err, BK_ERR_PARSE, path, 0, NULL,
                      _("not a badgekiosk key file (expected one line \"%s BASE64\")."), label);
}

/* Creates path exclusively with mode and writes "LABEL BASE64\n". Never
 * replaces an existing file: O_EXCL makes the check and the creation one
 * step, so two keygens cannot both win. */
static enum bk_status keyfile_write(const char *path, const char *label, const unsigned char *key,
                                    size_t len, mode_t mode, struct bk_err *err)
{
    size_t b64len = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    char *line = xmalloc(strlen(label) + 1 + b64len + 1);
    size_t ll = strlen(label);
    memcpy(line, label, ll);
    line[ll] = ' ';
    sodium_bin2base64(line + ll + 1, b64len, key, len, sodium_base64_VARIANT_ORIGINAL);
    size_t total = strlen(line);
    line[total++] = '\n';

    enum bk_status st = BK_OK;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) {
        st = bk_err_set(err, errno == EEXIST ? BK_ERR_EXISTS : BK_ERR_IO, path, 0, NULL,
                        _("cannot create the key file: %s"), i18n_strerror(errno));
        goto out;
    }
    size_t done = 0;
    while (done < total) {
        ssize_t w = write(fd, line + done, total - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    /* fsync so a power cut right after keygen does not leave an empty key
     * that badges were already printed with. */
    if (done < total || fsync(fd) != 0) {
        int e = errno;
        close(fd);
        unlink(path);
        st = bk_err_set(err, e == ENOSPC ? BK_ERR_FULL : BK_ERR_IO, path, 0, NULL,
                        _("cannot write the key file: %s"), i18n_strerror(e));
        goto out;
    }
    if (close(fd) != 0) {
        unlink(path);
        st = bk_err_set(err, BK_ERR_IO, path, 0, NULL, _("cannot write the key file: %s"),
                        i18n_strerror(errno));
    }
out:
    sodium_memzero(line, total);
    free(line);
    return st;
}

static void keys_add_pub(struct token_keys *k, const unsigned char *pk)
{
    for (size_t i = 0; i < k->n_pubs; i++)
        if (memcmp(k->pubs[i].pk, pk, crypto_sign_PUBLICKEYBYTES) == 0)
            return;
    k->pubs = xrealloc(k->pubs, (k->n_pubs + 1) * sizeof *k->pubs);
    struct token_pubkey *p = &k->pubs[k->n_pubs++];
    memcpy(p->pk, pk, crypto_sign_PUBLICKEYBYTES);
    keyid_of(pk, p->keyid);
}

static bool is_regular_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A public key file: event.pub, or an older key kept beside it. */
static bool is_pub_name(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcmp(name + n - 4, ".pub") == 0;
}

enum bk_status token_keys_load(const char *dir, struct token_keys **out, struct bk_err *err)
{
    *out = NULL;
    enum bk_status st = crypto_ready(err);
    if (st)
        return st;
    /* Sorted, so which key is tried first does not depend on the file
     * system's order. */
    size_t n_names = 0;
    char **names = dirlist_new(dir, is_pub_name, 0, &n_names);
    if (!names)
        return bk_err_set(err, errno == ENOENT ? BK_ERR_NOT_FOUND : BK_ERR_IO, dir, 0, NULL,
                          _("cannot open the keys folder: %s"), i18n_strerror(errno));

    struct token_keys *k = xcalloc(1, sizeof *k);
    for (size_t i = 0; i < n_names && st == BK_OK; i++) {
        char *path = xasprintf("%s/%s", dir, names[i]);
        if (is_regular_file(path)) {
            unsigned char pk[crypto_sign_PUBLICKEYBYTES];
            st = keyfile_read(path, PUB_LABEL, pk, sizeof pk, err);
            if (st == BK_OK) {
                keys_add_pub(k, pk);
                if (strcmp(names[i], PUB_NAME) == 0)
                    keyid_of(pk, k->current_id);
            }
        }
        free(path);
    }
    dirlist_free(names, n_names);

    if (st == BK_OK) {
        char *sec = xasprintf("%s/%s", dir, SEC_NAME);
        if (access(sec, F_OK) == 0) {
            st = keyfile_read(sec, SEC_LABEL, k->sk, sizeof k->sk, err);
            if (st == BK_OK) {
                /* The secret key holds its public key; it must be the
                 * current one, or we would print badges no kiosk accepts. */
                unsigned char pk[crypto_sign_PUBLICKEYBYTES];
                char id[TOKEN_KEYID_LEN + 1];
                crypto_sign_ed25519_sk_to_pk(pk, k->sk);
                keyid_of(pk, id);
                if (k->current_id[0] && strcmp(id, k->current_id) != 0) {
                    st = bk_err_set(err, BK_ERR_PARSE, sec, 0, NULL,
                                    _("the secret key does not belong to %s/%s."), dir, PUB_NAME);
                } else {
                    keys_add_pub(k, pk);
                    memcpy(k->current_id, id, sizeof id);
                    k->has_secret = true;
                }
            }
        }
        free(sec);
    }
    if (st == BK_OK && k->n_pubs == 0)
        st = bk_err_set(err, BK_ERR_NOT_FOUND, dir, 0, NULL,
                        _("no public keys (*.pub) in the keys folder; make one with "
                          "\"badgectl keygen\"."));
    if (st != BK_OK) {
        token_keys_free(k);
        return st;
    }
    *out = k;
    return BK_OK;
}

void token_keys_free(struct token_keys *k)
{
    if (!k)
        return;
    sodium_memzero(k->sk, sizeof k->sk);
    free(k->pubs);
    free(k);
}

bool token_keys_can_sign(const struct token_keys *k)
{
    return k && k->has_secret;
}

const char *token_keys_current_id(const struct token_keys *k)
{
    return k ? k->current_id : "";
}

size_t token_keys_count(const struct token_keys *k)
{
    return k ? k->n_pubs : 0;
}

/* Creates dir and its missing parents; the last one 0700 because it will
 * hold the secret key. */
static enum bk_status make_dirs(const char *dir, struct bk_err *err)
{
    if (!dir[0])
        return bk_err_set(err, BK_ERR_INVALID, NULL, 0, NULL, _("The keys folder is not set."));
    char *p = xstrdup(dir);
    enum bk_status st = BK_OK;
    for (char *s = p + 1;; s++) {
        bool last = *s == '\0';
        if (*s != '/' && !last)
            continue;
        char saved = *s;
        *s = '\0';
        if (mkdir(p, 0700) != 0 && errno != EEXIST) {
            st = bk_err_set(err, BK_ERR_IO, p, 0, NULL, _("cannot create the folder: %s"),
                            i18n_strerror(errno));
            break;
        }
        *s = saved;
        if (last)
            break;
    }
    free(p);
    if (st == BK_OK && !is_dir(dir))
        st = bk_err_set(err, BK_ERR_IO, dir, 0, NULL, _("not a folder."));
    return st;
}

/* Moves from to to without ever replacing to: link fails when to exists,
 * where rename would silently overwrite a retired key. */
static enum bk_status move_no_replace(const char *from, const char *to, struct bk_err *err)
{
    if (link(from, to) != 0)
        return bk_err_set(err, errno == EEXIST ? BK_ERR_EXISTS : BK_ERR_IO, to, 0, NULL,
                          _("cannot retire the old key here: %s"), i18n_strerror(errno));
    if (unlink(from) != 0)
        return bk_err_set(err, BK_ERR_IO, from, 0, NULL, _("cannot remove the old key: %s"),
                          i18n_strerror(errno));
    return BK_OK;
}

/* Moves the current pair to dir/retired/KEYID.{pub,key}. */
static enum bk_status retire_current(const char *dir, const char *pub, const char *sec,
                                     struct bk_err *err)
{
    bool have_pub = access(pub, F_OK) == 0, have_sec = access(sec, F_OK) == 0;
    if (!have_pub && !have_sec)
        return BK_OK;
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    enum bk_status st;
    if (have_pub) {
        st = keyfile_read(pub, PUB_LABEL, pk, sizeof pk, err);
    } else {
        unsigned char sk[crypto_sign_SECRETKEYBYTES];
        st = keyfile_read(sec, SEC_LABEL, sk, sizeof sk, err);
        if (st == BK_OK)
            crypto_sign_ed25519_sk_to_pk(pk, sk);
        sodium_memzero(sk, sizeof sk);
    }
    if (st)
        return st;
    char id[TOKEN_KEYID_LEN + 1];
    keyid_of(pk, id);
    char *retired = xasprintf("%s/%s", dir, RETIRED_NAME);
    char *to_pub = xasprintf("%s/%s.pub", retired, id);
    char *to_sec = xasprintf("%s/%s.key", retired, id);
    if (mkdir(retired, 0700) != 0 && errno != EEXIST)
        st = bk_err_set(err, BK_ERR_IO, retired, 0, NULL, _("cannot create the folder: %s"),
                        i18n_strerror(errno));
    if (st == BK_OK && have_sec)
        st = move_no_replace(sec, to_sec, err);
    if (st == BK_OK && have_pub)
        st = move_no_replace(pub, to_pub, err);
    free(retired);
    free(to_pub);
    free(to_sec);
    return st;
}

enum bk_status token_keygen(const char *dir, int rotate, char *keyid, struct bk_err *err)
{
    enum bk_status st = crypto_ready(err);
    if (st)
        return st;
    st = make_dirs(dir, err);
    if (st)
        return st;
    char *pub = xasprintf("%s/%s", dir, PUB_NAME);
    char *sec = xasprintf("%s/%s", dir, SEC_NAME);
    if (rotate) {
        st = retire_current(dir, pub, sec, err);
    } else {
        const char *existing = access(sec, F_OK) == 0 ? sec : access(pub, F_OK) == 0 ? pub : NULL;
        if (existing)
            st = bk_err_set(err, BK_ERR_EXISTS, existing, 0, NULL,
                            _("a key already exists; use --rotate to replace it (the old key "
                              "is retired), or remove it."));
    }
    if (st == BK_OK) {
        unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
        crypto_sign_keypair(pk, sk);
        /* The secret first: a pair with only event.pub written would let
         * kiosks accept a key nobody can sign with. */
        st = keyfile_write(sec, SEC_LABEL, sk, sizeof sk, 0600, err);
        sodium_memzero(sk, sizeof sk);
        if (st == BK_OK) {
            st = keyfile_write(pub, PUB_LABEL, pk, sizeof pk, 0644, err);
            if (st)
                unlink(sec);
        }
        if (st == BK_OK && keyid)
            keyid_of(pk, keyid);
    }
    free(pub);
    free(sec);
    return st;
}

/* ---- signing ---- */

/* The bytes signed: the event id binds the code to one event, so a badge
 * from another event using the same key does not verify here. */
static char *signed_message_new(const char *event_id, const char *body, size_t body_len,
                                size_t *len)
{
    size_t el = strlen(event_id);
    char *m = xmalloc(el + 1 + body_len + 1);
    memcpy(m, event_id, el);
    m[el] = '\n';
    memcpy(m + el + 1, body, body_len);
    m[el + 1 + body_len] = '\0';
    *len = el + 1 + body_len;
    return m;
}

enum bk_status token_sign_new(const struct token_keys *k, const char *event_id, const char *id,
                              char **payload, struct bk_err *err)
{
    *payload = NULL;
    if (!token_keys_can_sign(k))
        return bk_err_set(err, BK_ERR_INVALID, NULL, 0, NULL,
                          _("No secret key (event.key) is loaded, so codes cannot be signed "
                            "here."));
    size_t idlen = strlen(id);
    if (idlen > TOKEN_ID_MAX)
        return bk_err_set(err, BK_ERR_INVALID, NULL, 0, NULL,
                          _("The registration ID \"%s\" is %zu bytes long; a signed QR code "
                            "holds at most %d so that it fits a version-7 code."),
                          id, idlen, TOKEN_ID_MAX);
    if (check_id((const unsigned char *)id, idlen, TOKEN_ID_MAX) != TOKEN_OK)
        return bk_err_set(err, BK_ERR_INVALID, NULL, 0, NULL,
                          _("The registration ID is empty or not printable UTF-8 text."));
    enum bk_status st = crypto_ready(err);
    if (st)
        return st;

    char body[TOKEN_PAYLOAD_LEN(TOKEN_ID_MAX) + 1];
    int bl = snprintf(body, sizeof body, "%s%s.", PAYLOAD_PREFIX, k->current_id);
    b32_encode((const unsigned char *)id, idlen, body + bl);
    size_t body_len = strlen(body);

    size_t mlen;
    char *msg = signed_message_new(event_id ? event_id : "", body, body_len, &mlen);
    unsigned char sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, NULL, (const unsigned char *)msg, mlen, k->sk);
    free(msg);

    char sig32[SIG_B32_LEN + 1];
    b32_encode(sig, sizeof sig, sig32);
    *payload = xasprintf("%s.%s", body, sig32);
    return BK_OK;
}

/* ---- verifying ---- */

const char *token_reason_code(enum token_reason r)
{
    static const char *const codes[] = {
        [TOKEN_OK] = "ok",
        [TOKEN_EMPTY] = "empty",
        [TOKEN_TOO_LONG] = "too_long",
        [TOKEN_NOT_UTF8] = "not_utf8",
        [TOKEN_BINARY] = "binary",
        [TOKEN_GARBLED] = "garbled",
        [TOKEN_UNKNOWN_KEY] = "unknown_key",
        [TOKEN_BAD_SIGNATURE] = "bad_signature",
        [TOKEN_REPLACED] = "replaced",
        [TOKEN_UNKNOWN_SERIAL] = "unknown_serial",
        [TOKEN_PREVIEW] = "preview",
    };
    if ((unsigned)r < sizeof codes / sizeof codes[0] && codes[r])
        return codes[r];
    return "unknown";
}

const char *token_reason_text(enum token_reason r)
{
    static const char *const texts[] = {
        [TOKEN_OK] = N_("The code is valid."),
        [TOKEN_EMPTY] = N_("The scan was empty."),
        [TOKEN_TOO_LONG] = N_("The code is far too long to be a badge code."),
        [TOKEN_NOT_UTF8] = N_("The code is not readable text."),
        [TOKEN_BINARY] = N_("The code contains control characters; it is not a badge code."),
        [TOKEN_GARBLED] = N_("The code is not in the form of this event's badge codes."),
        [TOKEN_UNKNOWN_KEY] = N_("The code was signed with a key this event does not accept "
                                 "(another event, or a retired key)."),
        [TOKEN_BAD_SIGNATURE] = N_("The code's signature is wrong: it was altered or forged."),
        [TOKEN_REPLACED] = N_("This badge was replaced by a newer one and is no longer valid."),
        [TOKEN_UNKNOWN_SERIAL] = N_("This badge was never issued to this person (its serial is "
                                    "none of theirs): it was made up or copied."),
        [TOKEN_PREVIEW] = N_("This is the code of a badge preview, not of a badge: it checks "
                             "nobody in."),
    };
    if ((unsigned)r < sizeof texts / sizeof texts[0] && texts[r])
        return _(texts[r]);
    return _("The code was refused for an unknown reason.");
}

static enum token_reason copy_id(const unsigned char *s, size_t n, char *id, size_t idsize)
{
    if (n + 1 > idsize)
        return TOKEN_GARBLED;
    memcpy(id, s, n);
    id[n] = '\0';
    return TOKEN_OK;
}

static enum token_reason verify_signed(const char *event_id, const struct token_keys *keys,
                                       const char *raw, size_t len, char *id, size_t idsize)
{
    /* Keyboard-wedge scanners type what the keyboard state makes of the
     * key presses: with caps lock on, our upper-case code arrives in lower
     * case. Everything we emit is upper case, so folding loses nothing. */
    char p[TOKEN_PAYLOAD_MAX + 1];
    for (size_t i = 0; i < len; i++)
        p[i] = (raw[i] >= 'a' && raw[i] <= 'z') ? (char)(raw[i] - 'a' + 'A') : raw[i];
    p[len] = '\0';

    size_t pl = strlen(PAYLOAD_PREFIX);
    if (len < pl || memcmp(p, PAYLOAD_PREFIX, pl) != 0)
        return TOKEN_GARBLED;
    const char *kid = p + pl;
    const char *dot1 = memchr(kid, '.', len - pl);
    if (!dot1 || dot1 - kid != TOKEN_KEYID_LEN)
        return TOKEN_GARBLED;
    const char *idb = dot1 + 1;
    const char *dot2 = memchr(idb, '.', (size_t)(p + len - idb));
    if (!dot2)
        return TOKEN_GARBLED;
    const char *sigb = dot2 + 1;
    size_t idb_len = (size_t)(dot2 - idb), sig_len = (size_t)(p + len - sigb);
    for (size_t i = 0; i < TOKEN_KEYID_LEN; i++)
        if (b32_value(kid[i]) < 0)
            return TOKEN_GARBLED;

    unsigned char idbytes[TOKEN_ID_MAX];
    long idn = b32_decode(idb, idb_len, idbytes, sizeof idbytes);
    if (idn <= 0)
        return TOKEN_GARBLED;
    unsigned char sig[crypto_sign_BYTES];
    if (sig_len != SIG_B32_LEN || b32_decode(sigb, sig_len, sig, sizeof sig) != crypto_sign_BYTES)
        return TOKEN_GARBLED;

    if (!keys || sodium_init() < 0)
        return TOKEN_UNKNOWN_KEY;
    size_t mlen;
    char *msg = signed_message_new(event_id ? event_id : "", p, (size_t)(dot2 - p), &mlen);
    /* 20-bit key ids can collide; try every key with this id. */
    bool known = false, good = false;
    for (size_t i = 0; i < keys->n_pubs && !good; i++) {
        if (memcmp(keys->pubs[i].keyid, kid, TOKEN_KEYID_LEN) != 0)
            continue;
        known = true;
        good = crypto_sign_verify_detached(sig, (const unsigned char *)msg, mlen,
                                           keys->pubs[i].pk) == 0;
    }
    free(msg);
    if (!known)
        return TOKEN_UNKNOWN_KEY;
    if (!good)
        return TOKEN_BAD_SIGNATURE;
    /* After the signature, so an altered ID reads as tampering; we never
     * sign a non-printable ID, but a leaked key might. */
    enum token_reason r = check_id(idbytes, (size_t)idn, TOKEN_ID_MAX);
    return r != TOKEN_OK ? r : copy_id(idbytes, (size_t)idn, id, idsize);
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decodes s[0..n) into out (capacity cap); returns the length or -1
 * for a broken escape or overflow. '+' is a space, as HTML forms and most
 * registration systems' URL builders encode it. */
static long percent_decode(const char *s, size_t n, unsigned char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            if (i + 2 >= n)
                return -1;
            int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
            if (hi < 0 || lo < 0)
                return -1;
            c = (unsigned char)(hi * 16 + lo);
            i += 2;
        } else if (c == '+') {
            c = ' ';
        }
        if (o >= cap)
            return -1;
        out[o++] = c;
    }
    return (long)o;
}

static enum token_reason verify_plain(const struct config *cfg, const char *p, size_t len, char *id,
                                      size_t idsize)
{
    const char *param = cfg->plain_url_param ? cfg->plain_url_param : "";
    const char *prefix = cfg->plain_prefix ? cfg->plain_prefix : "";
    if (param[0]) {
        const char *q = memchr(p, '?', len);
        if (!q)
            return TOKEN_GARBLED;
        const char *end = memchr(q, '#', (size_t)(p + len - q));
        if (!end)
            end = p + len;
        size_t plen = strlen(param);
        /* Parameter names compared ignoring ASCII case: a caps-lock flip
         * must not turn a good badge into "garbled". */
        for (const char *s = q + 1; s < end;) {
            const char *amp = memchr(s, '&', (size_t)(end - s));
            const char *pair_end = amp ? amp : end;
            const char *eq = memchr(s, '=', (size_t)(pair_end - s));
            if (eq && (size_t)(eq - s) == plen && strncasecmp(s, param, plen) == 0) {
                unsigned char buf[ATTENDEE_ID_MAX];
                long n = percent_decode(eq + 1, (size_t)(pair_end - eq - 1), buf, sizeof buf);
                if (n < 0)
                    return TOKEN_GARBLED;
                enum token_reason r = check_id(buf, (size_t)n, ATTENDEE_ID_MAX);
                return r != TOKEN_OK ? r : copy_id(buf, (size_t)n, id, idsize);
            }
            s = pair_end + 1;
        }
        return TOKEN_GARBLED;
    }
    size_t plen = strlen(prefix);
    if (len < plen || strncasecmp(p, prefix, plen) != 0)
        return TOKEN_GARBLED;
    const unsigned char *rest = (const unsigned char *)p + plen;
    enum token_reason r = check_id(rest, len - plen, ATTENDEE_ID_MAX);
    return r != TOKEN_OK ? r : copy_id(rest, len - plen, id, idsize);
}

enum token_reason token_verify(const struct config *cfg, const struct token_keys *keys,
                               const char *payload, size_t len, char *id, size_t idsize)
{
    char serial[TOKEN_SERIAL_LEN + 1];
    return token_verify_badge(cfg, keys, payload, len, id, idsize, serial);
}

void token_new_serial(char serial[TOKEN_SERIAL_LEN + 1])
{
    unsigned char bytes[4];
    char b32[TOKEN_B32_LEN(4) + 1];
    (void)crypto_ready(NULL); /* randombytes_buf works even if it failed */
    do {
        randombytes_buf(bytes, sizeof bytes);
        b32_encode(bytes, sizeof bytes, b32);
        memcpy(serial, b32, TOKEN_SERIAL_LEN);
        serial[TOKEN_SERIAL_LEN] = '\0';
    } while (strcmp(serial, TOKEN_PREVIEW_SERIAL) == 0);
}

char *token_badge_payload_new(const char *serial, const char *payload)
{
    return xasprintf("%s%s:%s", TOKEN_BADGE_PREFIX, serial, payload);
}

/* Splits "BKB:SERIAL:rest" (any case: caps lock) into serial and rest;
 * false when p is not a badge code, and then serial is untouched: it is
 * built aside first, because a code such as "BKB:AB K2E:..." fails half-way
 * and must not leave "AB" behind as if it were a badge's serial (found by
 * fuzz/fuzz_token.c; fuzz/regressions/fuzz_token/ keeps the input). */
static bool split_badge(const char *p, size_t len, char *serial, const char **rest,
                        size_t *rest_len)
{
    const size_t pre = sizeof TOKEN_BADGE_PREFIX - 1;
    if (len < pre + TOKEN_SERIAL_LEN + 2 || strncasecmp(p, TOKEN_BADGE_PREFIX, pre) != 0 ||
        p[pre + TOKEN_SERIAL_LEN] != ':')
        return false;
    char found[TOKEN_SERIAL_LEN + 1];
    for (size_t i = 0; i < TOKEN_SERIAL_LEN; i++) {
        char c = (char)toupper((unsigned char)p[pre + i]);
        if (b32_value(c) < 0)
            return false;
        found[i] = c;
    }
    found[TOKEN_SERIAL_LEN] = '\0';
    memcpy(serial, found, sizeof found);
    *rest = p + pre + TOKEN_SERIAL_LEN + 1;
    *rest_len = len - pre - TOKEN_SERIAL_LEN - 1;
    return true;
}

/* What every mode checks first, cheapest refusal first: the size cap, the
 * scanner's line end (and, with trim_blanks, its space or tab), control
 * bytes, UTF-8, and a badge's "BKB:SERIAL:" prefix; the rest of the code in
 * *inner. */
static enum token_reason read_payload(const char *payload, size_t len, bool trim_blanks,
                                      const char **inner, size_t *inner_len, char *serial)
{
    serial[0] = '\0';
    if (len > TOKEN_PAYLOAD_MAX)
        return TOKEN_TOO_LONG;
    /* Scanners end a code with Enter (CR, LF or both), some with a space or
     * tab; that is the scanner's, not the code's. */
    while (len > 0 && (payload[len - 1] == '\r' || payload[len - 1] == '\n' ||
                       (trim_blanks && (payload[len - 1] == ' ' || payload[len - 1] == '\t'))))
        len--;
    if (len == 0)
        return TOKEN_EMPTY;
    const unsigned char *u = (const unsigned char *)payload;
    if (has_ascii_control(u, len))
        return TOKEN_BINARY;
    if (!utf8_valid(payload, len))
        return TOKEN_NOT_UTF8;
    *inner = payload;
    *inner_len = len;
    if (split_badge(payload, len, serial, inner, inner_len)) {
        /* A preview's code checks nobody in, whatever it carries. */
        if (strcmp(serial, TOKEN_PREVIEW_SERIAL) == 0) {
            serial[0] = '\0';
            return TOKEN_PREVIEW;
        }
        if (*inner_len == 0)
            return TOKEN_EMPTY;
    }
    return TOKEN_OK;
}

enum token_reason token_read_code(const char *payload, size_t len, const char **code,
                                  size_t *code_len, char *serial)
{
    *code = NULL;
    *code_len = 0;
    enum token_reason r = read_payload(payload, len, false, code, code_len, serial);
    if (r == TOKEN_OK && *code_len > ROSTER_CODE_MAX)
        r = TOKEN_TOO_LONG;
    if (r == TOKEN_OK && has_c1_control((const unsigned char *)*code, *code_len))
        r = TOKEN_BINARY;
    if (r != TOKEN_OK) {
        *code = NULL;
        *code_len = 0;
        serial[0] = '\0';
    }
    return r;
}

enum token_reason token_verify_badge(const struct config *cfg, const struct token_keys *keys,
                                     const char *payload, size_t len, char *id, size_t idsize,
                                     char *serial)
{
    if (idsize > 0)
        id[0] = '\0';
    const char *inner;
    size_t inner_len;
    enum token_reason r = read_payload(payload, len, true, &inner, &inner_len, serial);
    if (r != TOKEN_OK)
        return r;
    if (cfg->qr_mode == CONFIG_QR_PLAIN)
        return verify_plain(cfg, inner, inner_len, id, idsize);
    if (cfg->qr_mode == CONFIG_QR_EXPORT)
        return TOKEN_GARBLED;
    return verify_signed(cfg->event_id, keys, inner, inner_len, id, idsize);
}
