/* locate: where in a frame a QR code probably is, found cheaply, so the
 * expensive work (scaling up, sharpening, local thresholds, zbar) is spent
 * on that region only.
 *
 * A QR code is a patch dense with edges in both directions; a room, a face
 * or a wall is mostly smooth, with edges along one direction at a time. The
 * frame is cut into 8x8-pixel blocks at full resolution (so a code with 1.5
 * pixels per module is seen, which a halved frame would have lost) and each
 * block scored by the weaker of its horizontal and vertical edge energies.
 * Blocks well above the frame's own floor (its median, which carries the
 * sensor's noise) are joined into regions; each region's size and how often
 * its pixels cross from dark to light give the module size, from which the
 * decoder picks the scale that gives zbar about 3.5 pixels per module.
 *
 * Nothing here knows any test set: it sees a grey frame, nothing else. */
#ifndef BK_SCAN_LOCATE_H
#define BK_SCAN_LOCATE_H

#include "scan/filter.h"

/* A place a code probably is: a rectangle in frame pixels (a margin for the
 * quiet zone included, clipped to the frame) and an estimate of its module
 * size in pixels (0 when the estimate failed). */
struct scan_region {
    int x, y, w, h;
    double module;
    double score; /* edge energy summed over the region: larger is likelier */
};

/* Up to max regions of frame, likeliest first; returns how many. Costs a few
 * milliseconds on a 1920x1080 frame. */
int scan_locate(const struct scan_plane *frame, struct scan_region *out, int max);

#endif
