/* i18n: translations and the language switch; see i18n.h. */
#include "util/i18n.h"

#include <libintl.h>
#include <stdlib.h>
#include <string.h>

/* GNU gettext's documented way to make it forget the translations it looked
 * up under the old LANGUAGE (setting the same locale again is a no-op in
 * glibc). */
extern int _nl_msg_cat_cntr;

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

const char *i18n_text(const char *msgid)
{
    LIBC_STATE_READ();
    return dgettext(BK_TEXTDOMAIN, msgid);
}

const char *i18n_ntext(const char *one, const char *many, unsigned long n)
{
    LIBC_STATE_READ();
    return dngettext(BK_TEXTDOMAIN, one, many, n);
}

const char *i18n_strerror(int errnum)
{
    LIBC_STATE_READ();
    return strerror(errnum);
}

void i18n_set_language(const char *catalogue)
{
    setenv("LANGUAGE", catalogue, 1);
    ++_nl_msg_cat_cntr;
    LIBC_STATE_WRITTEN();
}
