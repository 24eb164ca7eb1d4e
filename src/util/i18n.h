/* i18n: the one place user-facing text is marked for translation.
 *
 * Every string a person reads goes through _() (translated where it is used)
 * or N_() (marked where it is defined in a table, translated with _() where it
 * is shown). The text domain is "badgekiosk"; only the main programs bind it. */
#ifndef BK_I18N_H
#define BK_I18N_H

#include <libintl.h>

#define BK_TEXTDOMAIN "badgekiosk"
#define _(s) dgettext(BK_TEXTDOMAIN, s)
#define N_(s) (s)

#endif
