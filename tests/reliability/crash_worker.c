/* crash_worker: a check-in process for the crash test (crash.c), killed
 * with SIGKILL at random moments.
 *
 * It starts like a kiosk (configuration, keys, store), then reads one scan
 * per line on standard input, "NOW_MS PAYLOAD", runs checkin_process and
 * only after it returned BK_OK writes "ACK ID DAY OUTCOME" to standard
 * output with a single write(2), unbuffered: an ACK the parent reads is a
 * check-in the kiosk would have shown as done. A store error is written as
 * "ERR STATUS MESSAGE" and the worker carries on, as a kiosk would.
 *
 *   crash-worker DB KEYS */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/checkin.h"
#include "relutil.h"

static void say(const char *line)
{
    size_t len = strlen(line), done = 0;
    while (done < len) {
        ssize_t w = write(STDOUT_FILENO, line + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            exit(3); /* the parent is gone */
        done += (size_t)w;
    }
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: crash-worker DB KEYS\n");
        return 2;
    }
    struct config *cfg = rel_config(argv[1], argv[2]);
    struct bk_err err = {0};
    struct token_keys *keys;
    if (token_keys_load(cfg->keys_dir, &keys, &err) != BK_OK)
        rel_die("keys: %s", err.msg);
    struct store *s;
    if (store_open(cfg->database, &s, &err) != BK_OK) {
        /* Opening after a kill must always work: say so plainly. */
        char line[1200];
        snprintf(line, sizeof line, "ERR %d %s\n", (int)err.status, err.msg);
        say(line);
        return 1;
    }
    struct checkin_context ctx = {cfg, keys, s, "crash-worker"};
    char buf[1024];
    while (fgets(buf, sizeof buf, stdin)) {
        char *payload = strchr(buf, ' ');
        if (!payload)
            continue;
        *payload++ = '\0';
        payload[strcspn(payload, "\n")] = '\0';
        int64_t now = strtoll(buf, NULL, 10);
        struct checkin_result res;
        bk_err_clear(&err);
        char line[1200];
        if (checkin_process(&ctx, payload, strlen(payload), CHECKIN_SCANNER, now, &res, &err) ==
            BK_OK)
            snprintf(line, sizeof line, "ACK %s %ld %s\n", res.attendee_id, (long)res.day,
                     checkin_outcome_code(res.outcome));
        else
            snprintf(line, sizeof line, "ERR %d %s\n", (int)err.status, err.msg);
        checkin_result_clear(&res);
        say(line);
    }
    store_close(s);
    token_keys_free(keys);
    config_free(cfg);
    return 0;
}
