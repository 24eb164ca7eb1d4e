/* qr-png: writes a QR code of the given text to a PNG file, with the same
 * libqrencode code badges use (src/badge/qrimage.c).
 *
 * Usage: qr-png TEXT OUT.png
 *
 * The tests draw the registration systems' codes (pretix secrets,
 * Eventbrite barcodes) with it and read them back through the real decoder
 * (badgectl scan), as a ticket's QR code reaches the kiosk's camera. */
#include <stdio.h>

#include "badge/qrimage.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: qr-png TEXT OUT.png\n");
        return 2;
    }
    struct bk_err err = {0};
    if (qrimage_write_png(argv[1], 6, 300, argv[2], NULL, &err) != BK_OK) {
        fprintf(stderr, "qr-png: %s\n", err.msg);
        return 3;
    }
    return 0;
}
