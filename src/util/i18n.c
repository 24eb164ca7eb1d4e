/* i18n: translations and the language switch; see i18n.h. */
#include "util/i18n.h"

#include <ctype.h>
#include <libintl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

/* GNU gettext's documented way to make it forget the translations it looked
 * up under the old LANGUAGE (setting the same locale again is a no-op in
 * glibc). */
extern int _nl_msg_cat_cntr;

/* One lock for switching and translating. The other way out, the worker
 * getting its strings from the UI thread, does not reach far enough: most of
 * the worker's words are error messages translated where the error happens,
 * deep in the store, the renderer and the printer code. The lock is global
 * because what it guards is: the environment and gettext's state belong to
 * the process. A plain mutex, not a read-write lock: translations take well
 * under a microsecond and the second thread seldom translates, so there is
 * nothing for readers to share.
 *
 * What no lock of ours covers is the C library reading other variables
 * (TZ, TMPDIR) on another thread during a switch. LANGUAGE is therefore set
 * once before any thread starts: glibc then replaces its entry with one
 * pointer store and never frees the old string, so the environment's array
 * never moves under a reader. */
static pthread_mutex_t language_lock = PTHREAD_MUTEX_INITIALIZER;

/* ThreadSanitizer sees no access inside the C library, where the state a
 * switch writes and a translation reads lives (the environment, gettext's
 * counter), so on its own it would pass a translation racing a switch. In a
 * TSan build this variable stands for that state: written where it is
 * written, read where it is read. */
#if defined(__SANITIZE_THREAD__)
#define I18N_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define I18N_TSAN 1
#endif
#endif
#ifdef I18N_TSAN
static unsigned libc_language_state;
#define LIBC_STATE_WRITTEN() (libc_language_state++)
#define LIBC_STATE_READ() ((void)*(volatile unsigned *)&libc_language_state)
#else
#define LIBC_STATE_WRITTEN() ((void)0)
#define LIBC_STATE_READ() ((void)0)
#endif

/* The texts returned outlive the lock: gettext's live in catalogues it never
 * unloads, strerror's in static or thread-local storage. */
const char *i18n_text(const char *msgid)
{
    pthread_mutex_lock(&language_lock);
    LIBC_STATE_READ();
    const char *s = dgettext(BK_TEXTDOMAIN, msgid);
    pthread_mutex_unlock(&language_lock);
    return s;
}

const char *i18n_ctext(const char *ctx, const char *msgid)
{
    /* gettext keys a message in a context as "ctx\004msgid" and hands the
     * key back when it has no translation; the key is ours, so answer with
     * msgid then. */
    char *key = xasprintf("%s\004%s", ctx, msgid);
    pthread_mutex_lock(&language_lock);
    LIBC_STATE_READ();
    const char *s = dgettext(BK_TEXTDOMAIN, key);
    pthread_mutex_unlock(&language_lock);
    if (s == key)
        s = msgid;
    free(key);
    return s;
}

char *i18n_language_tag(char *buf, size_t n)
{
    snprintf(buf, n, "en");
    /* gettext("") is the catalogue's header, where msgfmt keeps Language:. */
    const char *header = i18n_text("");
    const char *at = header ? strstr(header, "Language: ") : NULL;
    if (!at)
        return buf;
    at += strlen("Language: ");
    size_t len = 0;
    char tag[16];
    while (len < sizeof tag - 1 && (isalnum((unsigned char)at[len]) || at[len] == '_' ||
                                    at[len] == '-'))
        tag[len] = at[len] == '_' ? '-' : at[len], len++;
    tag[len] = '\0';
    if (len >= 2)
        snprintf(buf, n, "%s", tag);
    return buf;
}

const char *i18n_domain_text(const char *domain, const char *msgid)
{
    pthread_mutex_lock(&language_lock);
    LIBC_STATE_READ();
    const char *s = dgettext(domain, msgid);
    pthread_mutex_unlock(&language_lock);
    return s;
}

const char *i18n_ntext(const char *one, const char *many, unsigned long n)
{
    pthread_mutex_lock(&language_lock);
    LIBC_STATE_READ();
    const char *s = dngettext(BK_TEXTDOMAIN, one, many, n);
    pthread_mutex_unlock(&language_lock);
    return s;
}

const char *i18n_strerror(int errnum)
{
    pthread_mutex_lock(&language_lock);
    LIBC_STATE_READ();
    const char *s = strerror(errnum);
    pthread_mutex_unlock(&language_lock);
    return s;
}

void i18n_set_language(const char *catalogue)
{
    pthread_mutex_lock(&language_lock);
    setenv("LANGUAGE", catalogue, 1);
    ++_nl_msg_cat_cntr;
    LIBC_STATE_WRITTEN();
    pthread_mutex_unlock(&language_lock);
}
