/* country: ISO 3166 country codes shown as the country's name.
 *
 * Registration systems export a country as its ISO 3166-1 code (pretix's
 * "Country", Eventbrite's "Home Country"); badges, the staff screen and
 * reports show the name. The names and their translations are Debian's
 * iso-codes data (/usr/share/iso-codes/json/iso_3166-1.json, gettext domain
 * "iso_3166-1"), not a table of our own, so they follow ISO's list and
 * Debian's translators. */
#ifndef BK_COUNTRY_H
#define BK_COUNTRY_H

#define COUNTRY_ISO_CODES_JSON "/usr/share/iso-codes/json/iso_3166-1.json"

/* What to show for an export's country value: when value is an ISO 3166-1
 * alpha-2 or alpha-3 code ("DE", "deu"; trimmed, any case) the country's
 * common name in the language in use ("Germany", in German "Deutschland"),
 * else value itself ("Korea (Republic of)" stays as written). NULL gives "".
 * Without the iso-codes data every value is shown as it is. The name lives
 * as long as the process; value is returned as given. */
const char *country_display(const char *value);

#endif
