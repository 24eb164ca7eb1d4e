/* i18n: the one place user-facing text is translated, and where the kiosk
 * switches language.
 *
 * Every string a person reads goes through _() (translated where it is used)
 * or N_() (marked where it is defined in a table, translated with _() where it
 * is shown); P_() chooses the plural form for a count. The text domain is
 * "badgekiosk"; only the main programs bind it. The format_arg attributes
 * keep the compiler checking a translated format against its arguments.
 *
 * The kiosk switches language while it runs, and its print worker thread
 * translates at the same time: its own messages, and the error messages the
 * store, the renderer and the printer code write where an error happens.
 * Switching changes process-wide state in the C library (the LANGUAGE
 * variable, gettext's catalogue counter) that every translation reads, and
 * setenv is not safe against a getenv on another thread. So every function
 * here takes one lock: a switch waits for the translations in flight, and a
 * translation never sees half a switch (i18n.c says why a lock). */
#ifndef BK_I18N_H
#define BK_I18N_H

#include <stddef.h>

#define BK_TEXTDOMAIN "badgekiosk"
#define _(s) i18n_text(s)
#define N_(s) (s)
#define P_(one, many, n) i18n_ntext(one, many, (unsigned long)(n))
/* msgid in a context: the same English word translated apart ("July" on a
 * badge stays English, "July" in a date at the kiosk does not). NC_ marks
 * one in a table; C_ translates it where it is shown, with the same context. */
#define C_(ctx, s) i18n_ctext(ctx, s)
#define NC_(ctx, s) (s)

/* The translation of msgid in the language in use, or msgid itself. The
 * text lives as long as the process (gettext keeps catalogues loaded). */
const char *i18n_text(const char *msgid) __attribute__((format_arg(1)));

/* The translation of msgid in context ctx (gettext's msgctxt), or msgid
 * itself. Lives as long as the process. */
const char *i18n_ctext(const char *ctx, const char *msgid) __attribute__((format_arg(2)));

/* The translation of msgid in another package's text domain (Debian's
 * "iso_3166-1" country names), in the language in use; msgid itself when it
 * has none. Lives as long as the process. */
const char *i18n_domain_text(const char *domain, const char *msgid) __attribute__((format_arg(2)));

/* The translation of one (n == 1 in English) or many, as the language in
 * use forms plurals for n. Lives as long as the process. */
const char *i18n_ntext(const char *one, const char *many, unsigned long n)
    __attribute__((format_arg(1), format_arg(2)));

/* strerror(errnum) in the language in use: the C library translates its
 * messages with gettext too. Lives until the next strerror call on this
 * thread (the C library's rule). badgectl, which has one thread and never
 * switches language, may call strerror itself. */
const char *i18n_strerror(int errnum);

/* Switches every translation to catalogue, a gettext language name ("fr",
 * "zh_CN"; struct flow_language's catalogue). The process must not be in
 * the "C" locale (GNU gettext ignores LANGUAGE there). Call it once before
 * starting any thread, so LANGUAGE exists in the environment from then on. */
void i18n_set_language(const char *catalogue);

/* The language the translations in use are in, as a BCP 47 tag for an HTML
 * lang attribute ("fr", "zh-CN"), from the catalogue's own "Language:"
 * header; "en" when no catalogue is in use (the msgids are English). Into
 * buf (n bytes, at least 16); returns buf. */
char *i18n_language_tag(char *buf, size_t n);

#endif
