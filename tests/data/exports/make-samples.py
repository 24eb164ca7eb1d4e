#!/usr/bin/env python3
"""Writes the sample registration exports in this folder (synthetic people).

Each file is what the registration system's own exporter writes, header for
header; where the headers come from is cited above each writer below and in
src/event/preset.c. The files are committed; run this again only to change
them (it is deterministic).

  pretix-checkin-v1.csv        pretix "Check-in list", CSV (with commas)
  pretix-checkin-v2.csv        a newer export: one ticket cancelled, one order new;
                               CSV (with semicolons)
  pretix-checkin-v1-excel.txt  v1 re-saved by Excel as "Unicode Text" (UTF-16LE
                               with a BOM, tab-separated)
  pretix-checkin-de.csv        a German-language pretix export re-saved by Excel
                               as CSV: Windows-1252, semicolons
  eventbrite-attendees.csv     Eventbrite "Attendee Summary" report
  indico-registrations.csv     Indico registrations spreadsheet, CSV
"""
import base64
import csv
import io
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(20230704)

# pretix's random secrets: ticket_secret_length characters from this
# alphabet (src/pretix/base/secrets.py, RandomTicketSecretGenerator).
PRETIX_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def pretix_random(n=32):
    return "".join(rng.choice(PRETIX_ALPHABET) for _ in range(n))


def pretix_sig1(item):
    """A secret in pretix_sig1's shape (Sig1TicketSecretGenerator): version
    byte 0x01, payload and signature lengths, a protobuf-like payload and a
    64-byte Ed25519 signature, base64, reversed. Synthetic: nothing signs it,
    badgekiosk only looks it up."""
    seed = "".join(rng.choice(PRETIX_ALPHABET) for _ in range(9)).encode()
    payload = b"\x0a\x09" + seed + b"\x10" + bytes([item]) + b"\x18\x00\x20\x00"
    sig = bytes(rng.randrange(256) for _ in range(64))
    raw = b"\x01" + len(payload).to_bytes(2, "big") + len(sig).to_bytes(2, "big") + payload + sig
    return base64.b64encode(raw).decode()[::-1]


# ---- pretix: src/pretix/plugins/checkinlists/exporters.py, CSVCheckinList ----
# Name scheme "given_family" (two parts), no subevents, pending orders not
# included (no "Paid" column), "Include QR-code secret" ticked, no questions.
PRETIX_HEADER = [
    "Order code", "Attendee name", "Attendee name: Given name", "Attendee name: Family name",
    "Product", "Price", "Checked in", "Checked out", "Automatically checked in", "Secret",
    "E-mail", "Phone number", "Company", "Voucher code", "Order date", "Order time",
    "Requires special attention", "Comment", "Seat ID", "Seat name", "Seat zone", "Seat row",
    "Seat number", "Blocked", "Valid from", "Valid until", "Address", "ZIP code", "City",
    "Country", "State",
]

# order, given, family, product, price, secret kind, email, company, country,
# blocked, valid from, valid until
PRETIX_PEOPLE = [
    ("Q7RZA", "Ada", "Lovelace", "Full pass", "450.00", "sig1", "ada@example.org",
     "Analytical Engines Ltd", "GB", "", "", ""),
    ("K3M9X", "Shin-Gak", "Kang", "Full pass", "450.00", "sig1", "kang@example.org", "ETRI",
     "KR", "", "", ""),
    ("K3M9X", "蕴韬", "王", "Meeting ticket", "300.00", "sig1", "wang@example.org", "CAICT",
     "CN", "", "", ""),
    ("K3M9X", "Per", "Fröjdh", "Forum ticket", "150.00", "sig1", "per@example.org",
     "Ericsson", "SE", "", "", ""),
    ("B8NPD", "Amara", "Okafor", "Meeting ticket", "300.00", "short", "amara@example.org",
     "University of Lagos", "NG", "", "", ""),
    ("B8NPD", "Lucía", "Fernández", "Meeting ticket", "300.00", "short", "lucia@example.org",
     "Telefónica", "ES", "", "", ""),
    ("TT4WQ", "Jonas", "Weber", "Meeting ticket", "300.00", "random", "jonas@example.org",
     "Fraunhofer HHI", "DE", "Yes", "", ""),
    ("D2Y6H", "Fatima", "Al-Sayed", "Day pass", "120.00", "random", "fatima@example.org",
     "TDRA", "AE", "", "2023-07-05 00:00", "2023-07-05 23:59"),
    ("M5C3V", "Ingrid", "Nilsson", "Forum ticket", "150.00", "random", "ingrid@example.org",
     "Telenor", "NO", "", "", ""),
    ("P9WXL", "Lan", "Nguyễn Thị", "Meeting ticket", "300.00", "random", "lan@example.org",
     "VNPT", "VN", "", "", ""),
]
PRETIX_NEW = [
    ("N4K7T", "Kwame", "Mensah", "Full pass", "450.00", "random", "kwame@example.org",
     "Ghana Telecom University", "GH", "", "", ""),
]


def secret_of(kind, item):
    if kind == "sig1":
        return pretix_sig1(item)
    if kind == "short":  # an event with ticket_secret_length = 12
        return pretix_random(12)
    return pretix_random(32)


def pretix_rows(people, secrets):
    rows = []
    for n, p in enumerate(people):
        order, given, family, product, price, kind, email, company, country, blocked, vf, vu = p
        rows.append([
            order, f"{given} {family}", given, family, product, price, "", "", "No",
            secrets[(order, given)], email, "", company, "", "2023-05-%02d" % (2 + n), "10:1%d:00" % (n % 10),
            "No", "", "", "", "", "", "", blocked, vf, vu, "", "", "", country, "",
        ])
    return rows


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def csv_text(header, rows, **kwargs):
    out = io.StringIO()
    w = csv.writer(out, **kwargs)
    w.writerow(header)
    for r in rows:
        w.writerow(r)
    return out.getvalue()


def main():
    items = {"Full pass": 3, "Meeting ticket": 1, "Forum ticket": 2, "Day pass": 4}
    secrets = {}
    for p in PRETIX_PEOPLE + PRETIX_NEW:
        secrets[(p[0], p[1])] = secret_of(p[5], items[p[3]])

    v1 = pretix_rows(PRETIX_PEOPLE, secrets)
    # "CSV (with commas)": quoting=csv.QUOTE_NONNUMERIC, UTF-8, CRLF (pretix
    # src/pretix/base/exporter.py, ListExporter.render); every cell is a string.
    write("pretix-checkin-v1.csv",
          csv_text(PRETIX_HEADER, v1, quoting=csv.QUOTE_NONNUMERIC).encode("utf-8"))
    # Excel's "Unicode Text": UTF-16LE with a BOM, tab-separated, CRLF.
    write("pretix-checkin-v1-excel.txt",
          ("\ufeff" + csv_text(PRETIX_HEADER, v1, dialect="excel-tab")).encode("utf-16-le"))

    # A week later: Lucía's ticket was cancelled (pretix leaves it out of the
    # list), Kwame ordered. "CSV (with semicolons)": dialect excel, ";".
    v2_people = [p for p in PRETIX_PEOPLE if p[1] != "Lucía"] + PRETIX_NEW
    v2 = pretix_rows(v2_people, secrets)
    write("pretix-checkin-v2.csv",
          csv_text(PRETIX_HEADER, v2, dialect="excel", delimiter=";").encode("utf-8"))

    # The same list exported with the organiser's account in German and
    # re-saved by Excel as "CSV (Trennzeichen-getrennt)": Windows-1252 and
    # semicolons. The headers are German words for pretix's ones; only names
    # Windows-1252 can write are in it.
    de_header = [
        "Bestellnummer", "Name", "Name: Vorname", "Name: Nachname", "Produkt", "Preis",
        "Eingecheckt", "Ausgecheckt", "Automatisch eingecheckt", "Geheimnis", "E-Mail",
        "Telefonnummer", "Firma", "Gutscheincode", "Bestelldatum", "Bestellzeit",
        "Benötigt besondere Aufmerksamkeit", "Kommentar", "Sitzplatz-ID", "Sitzplatzname",
        "Sitzplatzbereich", "Sitzplatzreihe", "Sitzplatznummer", "Gesperrt", "Gültig ab",
        "Gültig bis", "Adresse", "PLZ", "Ort", "Land", "Bundesland",
    ]
    de_people = [p for p in PRETIX_PEOPLE if p[1] in ("Ada", "Per", "Amara", "Lucía", "Jonas", "Fatima")]
    de_rows = pretix_rows(de_people, secrets)
    for r in de_rows:
        r[8] = "Nein"
        r[16] = "Nein"
        r[23] = "Ja" if r[23] == "Yes" else ""
        for k in (24, 25):  # Django's German SHORT_DATETIME_FORMAT, d.m.Y H:i
            if r[k]:
                d, t = r[k].split(" ")
                y, m, dd = d.split("-")
                r[k] = f"{dd}.{m}.{y} {t}"
    write("pretix-checkin-de.csv",
          csv_text(de_header, de_rows, dialect="excel", delimiter=";").encode("windows-1252"))

    # ---- Eventbrite "Attendee Summary" report: the headers of a real report
    # (rherardi/eb2ez README.md) with Prefix and Barcode # included. One row
    # per attendee; an order's tickets share "Order #". Barcodes: the order
    # number, the attendee number and "001" (Eventbrite's attendee API docs).
    eb_header = [
        "Order #", "Order Date", "Prefix", "First Name", "Last Name", "Email", "Quantity",
        "Price Tier", "Ticket Type", "Attendee #", "Barcode #", "Group", "Order Type", "Currency",
        "Total Paid", "Fees Paid", "Eventbrite Fees", "Eventbrite Payment Processing",
        "Attendee Status", "Home Address 1", "Home Address 2", "Home City", "Home State",
        "Home Zip", "Home Country", "Job Title", "Company",
    ]
    eb_people = [
        ("7412958306", "Dr.", "Grace", "Hopper", "All Access", "Attending", "US", "Navy Lab"),
        ("7412958306", "", "Alan", "Turing", "Meeting Pass", "Attending", "GB", "NPL"),
        ("7413020917", "Ms.", "Chiamaka", "Eze", "Forum Pass", "Checked In", "NG", "MTN"),
        ("7413104482", "", "Mateus", "Souza", "Meeting Pass", "Refunded", "BR", "Anatel"),
        ("7413271155", "Prof.", "Yuki", "Tanaka", "All Access", "Attending", "JP", "NTT"),
        ("7413271155", "", "Hana", "Tanaka", "Meeting Pass", "Attending", "JP", "NTT"),
        ("7413271155", "", "Ren", "Tanaka", "Forum Pass", "Attending", "JP", "NTT"),
    ]
    eb_rows = []
    counts = {}
    for o, *_ in eb_people:
        counts[o] = counts.get(o, 0) + 1
    for n, (order, prefix, first, last, ttype, status, country, company) in enumerate(eb_people):
        attendee = str(10418215530 + 7 * n + rng.randrange(5))
        eb_rows.append([
            order, "5/%d/23 14:%02d" % (3 + n, 10 + n), prefix, first, last,
            f"{first.lower()}.{last.lower()}@example.org", counts[order], "", ttype, attendee,
            order + attendee + "001", "", "Free Order", "USD", "0", "0", "0", "0", status,
            "", "", "", "", "", country, "", company,
        ])
    write("eventbrite-attendees.csv",
          ("\ufeff" + csv_text(eb_header, eb_rows)).encode("utf-8"))

    # ---- Indico registrations spreadsheet (indico/modules/events/registration/
    # util.py, generate_spreadsheet_from_registrations; written by
    # indico/util/spreadsheets.py generate_csv: utf-8-sig, csv.writer): "ID",
    # "Name", the list's default columns "Title", "Email Address",
    # "Affiliation" (PersonalDataType titles) plus "Country", then
    # "Registration date", "Registration state", "Tags".
    ind_header = ["ID", "Name", "Title", "Email Address", "Affiliation", "Country",
                  "Registration date", "Registration state", "Tags"]
    ind_people = [
        ("1", "Shin-Gak Kang", "Dr", "ETRI", "Korea, Republic of", "Completed"),
        ("2", "Per Fröjdh", "Mr", "Ericsson", "Sweden", "Completed"),
        ("3", "Amara Okafor", "Ms", "University of Lagos", "Nigeria", "Withdrawn"),
        ("5", "Ingrid Nilsson", "", "Telenor", "Norway", "Pending"),
        ("8", "Lan Nguyễn Thị", "Ms", "VNPT", "Viet Nam", "Completed"),
    ]
    ind_rows = [[i, name, title, name.split()[0].lower() + "@example.org", aff, country,
                 "2023-05-1%s 09:3%s:00+02:00" % (i, i), state, ""]
                for i, name, title, aff, country, state in ind_people]
    write("indico-registrations.csv",
          ("\ufeff" + csv_text(ind_header, ind_rows)).encode("utf-8"))


main()
