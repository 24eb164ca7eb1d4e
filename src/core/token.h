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

#include <stddef.h>

#include "config.h"
#include "err.h"

#define TOKEN_PAYLOAD_MAX 512 /* longer input is rejected before parsing */

struct token_keys; /* the public keys accepted, and the secret key if present */

/* Loads every "*.pub" in dir (event.pub is the current key; older keys kept
 * beside it stay accepted; keys moved to dir/retired/ are not) and
 * event.key when present. Free with token_keys_free. */
enum bk_status token_keys_load(const char *dir, struct token_keys **out, struct bk_err *err);
void token_keys_free(struct token_keys *k);

/* Writes a new key pair as dir/event.pub and dir/event.key (mode 0600),
 * creating dir (0700). BK_ERR_EXISTS when either file exists. With rotate,
 * an existing pair is first moved to dir/retired/KEYID.{pub,key}. The new
 * key id is written to keyid (at least 8 bytes) when not NULL. */
enum bk_status token_keygen(const char *dir, int rotate, char *keyid, struct bk_err *err);

/* The signed payload for id, newly allocated. Needs the secret key. */
enum bk_status token_sign_new(const struct token_keys *k, const char *event_id, const char *id,
                              char **payload, struct bk_err *err);

/* Why a payload was refused, for the log and the staff screen. */
enum token_reason {
    TOKEN_OK = 0,
    TOKEN_EMPTY,
    TOKEN_TOO_LONG,
    TOKEN_NOT_UTF8,
    TOKEN_BINARY,       /* control characters or NUL bytes */
    TOKEN_GARBLED,      /* not in the expected form */
    TOKEN_UNKNOWN_KEY,  /* signed by a key we do not accept */
    TOKEN_BAD_SIGNATURE,
};

/* Stable English words for logs and JSON ("bad_signature"). */
const char *token_reason_code(enum token_reason r);
/* Translated sentence for people. */
const char *token_reason_text(enum token_reason r);

/* Reads a payload of len bytes (it need not be NUL-terminated and may hold
 * NUL bytes) by cfg's mode. On TOKEN_OK the registration ID is copied into
 * id (size idsize). keys may be NULL in plain mode. */
enum token_reason token_verify(const struct config *cfg, const struct token_keys *keys,
                               const char *payload, size_t len, char *id, size_t idsize);

#endif
