/* token: what a QR code says, and whether to believe it.
 *
 * Signed mode: the payload is "BK1" "." KEYID "." ID "." SIG, all in the QR
 * alphanumeric alphabet (digits, A-Z and " $%*+-./:") so a version-7 QR at
 * error correction M holds it and keyboard-wedge scanners type it on any
 * keyboard layout. KEYID names the public key (keys can be rotated), ID is
 * the registration ID in base32 and SIG the Ed25519 signature over the event
 * id and the rest, so a code from another event or a retired key fails.
 * Plain mode: the registration system's own codes, the ID alone, optionally
 * behind a fixed prefix or as a URL query parameter. */
#ifndef BK_TOKEN_H
#define BK_TOKEN_H

#include <stdbool.h>
#include <stddef.h>

#include "event/config.h"
#include "util/err.h"

#define TOKEN_PAYLOAD_MAX 512 /* longer input is rejected before parsing */

/* Why the longest signable ID is 40 bytes. A version-7 QR at error
 * correction M has 124 data codewords, 992 bits. In alphanumeric mode that
 * is a 4-bit mode indicator, a 9-bit character count (versions 1-9), then
 * 11 bits per pair of characters and 6 for an odd last one:
 * (992 - 13) / 11 = 89 pairs, 0 bits left, so 178 characters. (154, a
 * figure sometimes quoted, is version 6-M.) The payload is "BK1." (4) +
 * KEYID (4) + "." (1) + ID in base32 + "." (1) + SIG, and SIG is 64 bytes in
 * base32 without padding, ceil(512 / 5) = 103 characters; that leaves
 * 178 - 113 = 65 characters for the ID. n bytes take ceil(8n / 5) base32
 * characters: 40 bytes take 64, 41 would take 66. token.c checks this
 * arithmetic at compile time, the unit tests check it against libqrencode.
 * Plain mode IDs are not bound by it (up to ATTENDEE_ID_MAX). */
#define TOKEN_QR_DATA_BITS (124 * 8) /* version 7, error correction M */
#define TOKEN_QR_CAPACITY                                                                          \
    ((TOKEN_QR_DATA_BITS - 13) / 11 * 2 + ((TOKEN_QR_DATA_BITS - 13) % 11 >= 6))
#define TOKEN_B32_LEN(nbytes) (((nbytes)*8 + 4) / 5)
#define TOKEN_KEYID_LEN 4
#define TOKEN_PAYLOAD_LEN(idbytes)                                                                 \
    (4 + TOKEN_KEYID_LEN + 1 + TOKEN_B32_LEN(idbytes) + 1 + TOKEN_B32_LEN(64))
#define TOKEN_ID_MAX 40 /* bytes of registration ID a signed payload can carry */

struct token_keys; /* the public keys accepted, and the secret key if present */

/* Loads every "*.pub" in dir (event.pub is the current key; older keys kept
 * beside it stay accepted; keys moved to dir/retired/ are not) and
 * event.key when present. Free with token_keys_free. */
enum bk_status token_keys_load(const char *dir, struct token_keys **out, struct bk_err *err);
void token_keys_free(struct token_keys *k);

/* True when the secret key (event.key) was loaded, so token_sign_new works. */
bool token_keys_can_sign(const struct token_keys *k);

/* The key id of the current key (event.pub, or the one event.key holds), or
 * "" when there is none. Lives as long as k. */
const char *token_keys_current_id(const struct token_keys *k);

/* How many public keys are accepted. */
size_t token_keys_count(const struct token_keys *k);

/* Writes a new key pair as dir/event.pub and dir/event.key (mode 0600),
 * creating dir (0700). BK_ERR_EXISTS when either file exists. With rotate,
 * an existing pair is first moved to dir/retired/KEYID.{pub,key}. The new
 * key id is written to keyid (at least 8 bytes) when not NULL. */
enum bk_status token_keygen(const char *dir, int rotate, char *keyid, struct bk_err *err);

/* The signed payload for id, newly allocated (the caller frees it). Needs
 * the secret key. id must be 1..TOKEN_ID_MAX bytes of printable UTF-8, else
 * BK_ERR_INVALID. */
enum bk_status token_sign_new(const struct token_keys *k, const char *event_id, const char *id,
                              char **payload, struct bk_err *err);

/* Why a payload was refused, for the log and the staff screen. */
enum token_reason {
    TOKEN_OK = 0,
    TOKEN_EMPTY,
    TOKEN_TOO_LONG,
    TOKEN_NOT_UTF8,
    TOKEN_BINARY,      /* control characters or NUL bytes */
    TOKEN_GARBLED,     /* not in the expected form */
    TOKEN_UNKNOWN_KEY, /* signed by a key we do not accept */
    TOKEN_BAD_SIGNATURE,
    TOKEN_REPLACED, /* a badge whose replacement was printed (set by checkin) */
    /* A badge serial that is none of the person's badges (set by checkin):
     * a made-up serial in front of a real code. */
    TOKEN_UNKNOWN_SERIAL,
    TOKEN_PREVIEW, /* the QR of a preview (TOKEN_PREVIEW_SERIAL): never a badge */
};

/* Stable English words for logs and JSON ("bad_signature"). */
const char *token_reason_code(enum token_reason r);
/* Translated sentence for people. */
const char *token_reason_text(enum token_reason r);

/* Reads a payload of len bytes (it need not be NUL-terminated and may hold
 * NUL bytes) by cfg's mode. Trailing CR, LF, tab and space (scanners add
 * them) are ignored; in signed mode lower case is read as upper case. On
 * TOKEN_OK the registration ID is copied, NUL-terminated, into id (size
 * idsize, give at least ATTENDEE_ID_MAX + 1; an ID that does not fit is
 * TOKEN_GARBLED). keys may be NULL in plain mode. */
enum token_reason token_verify(const struct config *cfg, const struct token_keys *keys,
                               const char *payload, size_t len, char *id, size_t idsize);

/* Badges.
 *
 * A printed badge's QR holds "BKB:" SERIAL ":" PAYLOAD: the person's payload
 * as mailed, behind the badge's serial, so session-room scanners read the
 * same code and a replaced badge can be told from the current one. The
 * serial is not signed (kiosks hold no secret key); it is random, so one
 * cannot guess the current serial from an old badge. */
#define TOKEN_BADGE_PREFIX "BKB:"
#define TOKEN_SERIAL_LEN 6

/* The serial of a preview's QR (badgectl badge --out, the kiosk's screen):
 * such a code is refused as TOKEN_PREVIEW, so a preview printed or
 * photographed checks nobody in. No badge is ever given it. */
#define TOKEN_PREVIEW_SERIAL "PREVUE"

/* A new random serial of TOKEN_SERIAL_LEN base32 characters, never
 * TOKEN_PREVIEW_SERIAL. */
void token_new_serial(char serial[TOKEN_SERIAL_LEN + 1]);

/* "BKB:SERIAL:PAYLOAD", newly allocated. */
char *token_badge_payload_new(const char *serial, const char *payload);

/* token_verify for a code that may be a badge's: on TOKEN_OK, serial (at
 * least TOKEN_SERIAL_LEN + 1 bytes) holds the badge serial, or "" when the
 * code was the mailed one. A preview's code is TOKEN_PREVIEW, whatever it
 * carries. Whether the serial is one of the person's badges is for checkin
 * to say (it needs the store). Signed and plain mode only: in export mode
 * the code names nobody until the store is asked (token_read_code), so this
 * refuses every code as TOKEN_GARBLED. */
enum token_reason token_verify_badge(const struct config *cfg, const struct token_keys *keys,
                                     const char *payload, size_t len, char *id, size_t idsize,
                                     char *serial);

/* Export mode ([qr] mode = export): the registration system's own code,
 * such as a pretix secret. Checks the payload as token_verify_badge does
 * (the size cap, control bytes, UTF-8, a badge's "BKB:SERIAL:" prefix, whose
 * serial goes to serial) and points *code at the code inside it, *code_len
 * bytes, exactly as scanned: only the CR and LF a scanner ends a code with
 * are dropped, nothing is folded. A code longer than a roster keeps
 * (ROSTER_CODE_MAX) is TOKEN_TOO_LONG. The code is a secret: callers look
 * it up (store_find_code) and never print or log it. */
enum token_reason token_read_code(const char *payload, size_t len, const char **code,
                                  size_t *code_len, char *serial);

#endif
