/* fuzz_token: libFuzzer target for the QR payload parser and verifier.
 *
 * Each input is what a camera or a keyboard-wedge scanner could hand the
 * kiosk: it goes through token_verify_badge in signed mode (with a fixed
 * test key, and a retired one kept where retired keys go) and in both plain
 * modes (a prefix, a URL parameter). Whatever the bytes, the answer is a
 * reason, and an accepted one yields a registration ID that is a
 * NUL-terminated string without control characters.
 *
 * The keys come from fixed seeds, so seeds signed with them stay valid in
 * fuzz/corpus/fuzz_token/: run with BK_FUZZ_WRITE_SEEDS=DIR to write a
 * fresh set (valid, badge, retired-key, forged, truncated...) and exit. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "event/attendee.h"
#include "event/config.h"
#include "core/token.h"
#include "util/xalloc.h"
#include "fuzz_util.h"

static struct config *signed_cfg, *prefix_cfg, *url_cfg;
static struct token_keys *keys;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Writes dir/NAME.pub and dir/NAME.key for the key pair of a fixed seed, in
 * the format token_keys_load reads. */
static void write_fixed_pair(const char *dir, const char *name, const char *seed_text)
{
    unsigned char seed[crypto_sign_SEEDBYTES] = {0};
    memcpy(seed, seed_text, strlen(seed_text) < sizeof seed ? strlen(seed_text) : sizeof seed);
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    crypto_sign_seed_keypair(pk, sk, seed);
    const struct {
        const char *ext, *label;
        const unsigned char *key;
        size_t len;
    } files[] = {{"pub", "badgekiosk-ed25519-public", pk, sizeof pk},
                 {"key", "badgekiosk-ed25519-secret", sk, sizeof sk}};
    for (size_t i = 0; i < 2; i++) {
        char b64[256], path[600];
        sodium_bin2base64(b64, sizeof b64, files[i].key, files[i].len,
                          sodium_base64_VARIANT_ORIGINAL);
        snprintf(path, sizeof path, "%s/%s.%s", dir, name, files[i].ext);
        FILE *f = fopen(path, "w");
        if (!f || fprintf(f, "%s %s\n", files[i].label, b64) < 0 || fclose(f) != 0) {
            perror(path);
            abort();
        }
    }
}

static struct token_keys *load_keys(const char *dir)
{
    struct token_keys *k;
    struct bk_err err = {0};
    if (token_keys_load(dir, &k, &err) != BK_OK) {
        fprintf(stderr, "fuzz_token: %s: %s\n", dir, err.msg);
        abort();
    }
    return k;
}

static struct config *load_config(void)
{
    struct config *c;
    struct bk_err err = {0};
    if (config_load(BK_FUZZ_SOURCE "/kiosk-config/fgmv2-shanghai.ini", &c, &err) != BK_OK) {
        fprintf(stderr, "fuzz_token: %s\n", err.msg);
        abort();
    }
    return c;
}

static void write_seed(const char *dir, const char *name, const char *bytes, size_t len)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    fuzz_write_file(path, (const uint8_t *)bytes, len);
}

static char *sign(const struct token_keys *k, const char *event, const char *id)
{
    char *p;
    if (token_sign_new(k, event, id, &p, NULL) != BK_OK)
        abort();
    return p;
}

/* The seed set: one of each kind of code the door meets. */
static void write_seeds(const char *out, const char *keydir, const char *retired_dir)
{
    mkdir(out, 0755);
    struct token_keys *old = load_keys(retired_dir);
    char *good = sign(keys, "fgmv2-shanghai", "FGMV-2023-00001");
    char *longest = sign(keys, "fgmv2-shanghai", "FGMV-2023-0000000000000000000000000001");
    char *retired = sign(old, "fgmv2-shanghai", "FGMV-2023-00001");
    char *foreign = sign(keys, "another-event", "FGMV-2023-00001");
    char *badge = token_badge_payload_new("ABCDEF", good);
    char *crlf = xasprintf("%s\r\n", good);
    char *forged = xstrdup(good);
    forged[strlen(forged) - 10] = forged[strlen(forged) - 10] == 'A' ? 'B' : 'A';
    char *lower = xstrdup(good);
    for (char *c = lower; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    write_seed(out, "signed-valid", good, strlen(good));
    write_seed(out, "signed-longest-id", longest, strlen(longest));
    write_seed(out, "signed-retired-key", retired, strlen(retired));
    write_seed(out, "signed-other-event", foreign, strlen(foreign));
    write_seed(out, "badge-valid", badge, strlen(badge));
    write_seed(out, "signed-crlf", crlf, strlen(crlf));
    write_seed(out, "signed-forged", forged, strlen(forged));
    write_seed(out, "signed-lowercase", lower, strlen(lower));
    write_seed(out, "signed-truncated", good, strlen(good) / 2);
    write_seed(out, "signed-nul", "BK1.\0\0\0", 7);
    write_seed(out, "plain-prefix", "FGMV:FGMV-2023-00042", 20);
    write_seed(out, "plain-url", "https://reg.example.org/c?x=1&rid=FGMV%2D2023%2D00042", 53);
    write_seed(out, "plain-id", "FGMV-2023-00042", 15);
    free(good), free(longest), free(retired), free(foreign), free(badge), free(crlf);
    free(forged), free(lower);
    token_keys_free(old);
    (void)keydir;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    if (sodium_init() < 0)
        abort();
    char *dir = fuzz_scratch_dir("token");
    char keydir[400], retired[400], old[400];
    snprintf(keydir, sizeof keydir, "%s/keys", dir);
    snprintf(retired, sizeof retired, "%s/keys/retired", dir);
    snprintf(old, sizeof old, "%s/old", dir);
    mkdir(keydir, 0700);
    mkdir(retired, 0700);
    mkdir(old, 0700);
    write_fixed_pair(keydir, "event", "badgekiosk fuzz: current key");
    /* A retired key sits in retired/ and must not be accepted; "old" holds
     * the same pair as the current one there, for signing seeds with it. */
    write_fixed_pair(retired, "RETD", "badgekiosk fuzz: retired key");
    write_fixed_pair(old, "event", "badgekiosk fuzz: retired key");
    keys = load_keys(keydir);

    signed_cfg = load_config();
    prefix_cfg = load_config();
    prefix_cfg->qr_mode = CONFIG_QR_PLAIN;
    free(prefix_cfg->plain_prefix);
    prefix_cfg->plain_prefix = xstrdup("FGMV:");
    url_cfg = load_config();
    url_cfg->qr_mode = CONFIG_QR_PLAIN;
    free(url_cfg->plain_url_param);
    url_cfg->plain_url_param = xstrdup("rid");

    const char *seeds = getenv("BK_FUZZ_WRITE_SEEDS");
    if (seeds) {
        write_seeds(seeds, keydir, old);
        exit(0);
    }
    return 0;
}

/* An accepted code must give an ID the rest of the kiosk can trust. */
static void check_accepted(enum token_reason why, const char *id, const char *serial)
{
    if (why != TOKEN_OK)
        return;
    size_t n = strnlen(id, ATTENDEE_ID_MAX + 1);
    if (n == 0 || n > ATTENDEE_ID_MAX)
        abort();
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)id[i] < 0x20 || id[i] == 0x7f)
            abort();
    if (strnlen(serial, TOKEN_SERIAL_LEN + 1) > TOKEN_SERIAL_LEN)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A copy of exactly size bytes on the heap, so ASan catches any read
     * one past the end: the payload is not NUL-terminated. */
    char *p = xmalloc(size ? size : 1);
    memcpy(p, data, size);
    const struct config *cfgs[] = {signed_cfg, prefix_cfg, url_cfg};
    for (size_t i = 0; i < 3; i++) {
        char id[ATTENDEE_ID_MAX + 1];
        char serial[TOKEN_SERIAL_LEN + 1];
        memset(id, 'x', sizeof id);
        memset(serial, 'x', sizeof serial);
        enum token_reason why =
            token_verify_badge(cfgs[i], i == 0 ? keys : NULL, p, size, id, sizeof id, serial);
        if (why == TOKEN_OK)
            check_accepted(why, id, serial);
        if (!token_reason_code(why) || !token_reason_text(why))
            abort();
    }
    free(p);
    return 0;
}
