/* preset: the registration systems' export headers; see preset.h.
 *
 * The header names are the systems' own, in English (the language their
 * exporters write when the organiser's account is in English). An export in
 * another language is mapped with [roster] lines: the import's message for a
 * missing header names the line to add. */
#include "event/preset.h"

#include <string.h>
#include <strings.h>

#include "util/i18n.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* pretix, CSV "Check-in list" (pretix/pretix,
 * src/pretix/plugins/checkinlists/exporters.py, CSVCheckinList.iterate_list):
 * one row per ticket (order position). "Order code" is shared by the tickets
 * of one order; "Secret" is what the ticket's QR code holds, written only
 * when "Include QR-code secret" is ticked; the name parts are "Attendee
 * name: <part>" when the event's name scheme has several parts; "Blocked" is
 * "Yes" for a blocked ticket and empty otherwise; "Valid from"/"Valid until"
 * are empty unless the ticket's validity was limited; "Country" is the
 * attendee's ISO 3166 code. Cancelled tickets are not in the list at all. */
static const struct preset_column pretix_columns[] = {
    {"id", "Order code", true, NULL},
    {"code", "Secret", true,
     N_("in pretix, export \"Check-in list\" with \"Include QR-code secret\" ticked")},
    {"name", "Attendee name", true, NULL},
    {"title", "Attendee name: Title", false, NULL},
    {"first_name", "Attendee name: Given name", false, NULL},
    {"last_name", "Attendee name: Family name", false, NULL},
    {"events", "Product", true, NULL},
    {"email", "E-mail", false, NULL},
    {"organization", "Company", false, NULL},
    {"status", "Blocked", false, NULL},
    {"valid_from", "Valid from", false, NULL},
    {"valid_until", "Valid until", false, NULL},
    {"country", "Country", false, NULL},
};

/* Indico, the registrations spreadsheet (indico/indico,
 * indico/modules/events/registration/util.py,
 * generate_spreadsheet_from_registrations: "ID" is the registration's
 * friendly id and "Name" first and last name, always; then the columns chosen
 * in the registrant list, titled as the form's fields, by default
 * PersonalDataType's "First Name", "Last Name", "Email Address",
 * "Affiliation", "Title", "Country" (models/items.py); and "Registration
 * state" with RegistrationState's titles (models/registrations.py)).
 * Its tickets' QR codes hold a check-in secret that the spreadsheet does not
 * carry, hence no_code. */
static const struct preset_column indico_columns[] = {
    {"id", "ID", true, NULL},
    {"name", "Name", true, NULL},
    {"title", "Title", false, NULL},
    {"first_name", "First Name", false, NULL},
    {"last_name", "Last Name", false, NULL},
    {"email", "Email Address", false, NULL},
    {"organization", "Affiliation", false, NULL},
    {"country", "Country", false, NULL},
    {"status", "Registration state", false, NULL},
};

/* Eventbrite, the "Attendee Summary" report: one row per attendee (ticket);
 * "Order #" is shared by an order's tickets, "Attendee #" is the ticket's own
 * number and "Barcode #" what its QR code holds (headers as in the report's
 * CSV, e.g. rherardi/eb2ez README.md; barcodes as in Eventbrite's attendee
 * API documentation; statuses from Eventbrite's "Glossary of order and
 * attendee statuses in event reports"). "Home Country" is an ISO code. */
static const struct preset_column eventbrite_columns[] = {
    {"id", "Order #", true, NULL},
    {"ticket", "Attendee #", false, NULL},
    {"code", "Barcode #", true,
     N_("in Eventbrite, download the Attendee Summary report with the \"Barcode #\" column "
        "included")},
    {"title", "Prefix", false, NULL},
    {"first_name", "First Name", true, NULL},
    {"last_name", "Last Name", true, NULL},
    {"email", "Email", false, NULL},
    {"events", "Ticket Type", true, NULL},
    {"status", "Attendee Status", false, NULL},
    {"organization", "Company", false, NULL},
    {"country", "Home Country", false, NULL},
};

static const struct preset presets[] = {
    {"pretix", pretix_columns, N(pretix_columns), "No", "Yes", NULL},
    /* Pending and unpaid registrations are not admitted: like withdrawn
     * ones they are sent to the registration desk. */
    {"indico", indico_columns, N(indico_columns), "Completed",
     "Withdrawn, Rejected, Pending, Awaiting payment",
     N_("Indico's registrations export has no column with the check-in secret its tickets' QR "
        "codes hold: set [roster] code to a column that holds it (Indico's check-in API gives it "
        "as checkin_secret), or mail badgekiosk's own codes with [qr] mode = signed")},
    {"eventbrite", eventbrite_columns, N(eventbrite_columns), "Attending, Checked In",
     "Not Attending, Deleted, Refunded, Cancelled, Transferred", NULL},
};

const struct preset *preset_by_name(const char *name)
{
    for (size_t i = 0; i < N(presets); i++)
        if (name && strcasecmp(name, presets[i].name) == 0)
            return &presets[i];
    return NULL;
}

const char *preset_names(void)
{
    return "pretix, indico, eventbrite";
}

const struct preset_column *preset_column(const struct preset *p, const char *key)
{
    for (size_t i = 0; p && i < p->n_columns; i++)
        if (strcmp(p->columns[i].key, key) == 0)
            return &p->columns[i];
    return NULL;
}
