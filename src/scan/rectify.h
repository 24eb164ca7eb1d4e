/* rectify: a QR code seen at an angle, redrawn square from its own
 * landmarks, so zbar need not cope with the perspective.
 *
 * zbar reads a small code tilted far away from the camera, but a large
 * code (version 20 and up, a hundred modules and more across) tilted by
 * only ten degrees defeats it: its sampling grid drifts across the code.
 * Here the code's grid is found from what every QR code carries:
 *   - the three finder patterns (runs of dark, light, dark, light, dark in
 *     the ratio 1:1:3:1:1 along rows, confirmed down the column, across
 *     again through the centre found and along a diagonal), the likeliest
 *     triple being the one at a right angle with legs of equal length;
 *   - the timing patterns (row and column 6 alternate dark and light
 *     between the finders), whose edges are counted to give the code's
 *     size exactly (the finders' distance over their module size gives it
 *     only roughly) and, being a hundred points or more of known module,
 *     give the perspective: a homography is fitted to them and the finders;
 *   - the alignment patterns (versions 2 and up), each looked for near
 *     where that homography puts it and added to the fit, which holds the
 *     grid to a fraction of a module over the whole code. Without timing
 *     (a blurred or broken one) the bottom-right alignment pattern alone,
 *     looked for further and further from where the finders' parallelogram
 *     puts it, gives the fourth point.
 * The same patterns with colours swapped are looked for when none are
 * found (a light code on a dark ground). The code is then redrawn module
 * by module in black and white: zbar reads that cleanly and quickly.
 *
 * Nothing here knows zbar or any test set: it sees a grey image. */
#ifndef BK_SCAN_RECTIFY_H
#define BK_SCAN_RECTIFY_H

#include <stdbool.h>

#include "scan/filter.h"

/* Where a code's modules lie in an image: h maps a point in module units
 * (the code's top-left corner at 0,0, a module 1 wide, so a module's centre
 * is at i + 0.5) to image coordinates (a pixel's centre is at x + 0.5), by
 * x = (h0 u + h1 v + h2) / (h6 u + h7 v + h8), y likewise with h3..h5. */
struct scan_grid {
    double h[9];
    int dim;            /* modules across: 21, 25, ... 177 */
    bool perspective;   /* more than three points (timing, alignment) gave h */
    bool light_on_dark; /* the code's dark modules are the image's light ones */
};

/* Looks for a QR code's grid in img, a grey image (typically a likely code
 * region) at about module pixels per module (0: unknown; 3 to 6 suits it
 * best). True with *out set when three finder patterns forming a code were
 * found; false when not. Costs a local threshold of img and a scan of
 * every other row: a few milliseconds for a region of 0.8 megapixels. */
bool scan_grid_find(const struct scan_plane *img, double module, struct scan_grid *out);

/* The code under g redrawn square from src, in black and white: each
 * module's grey is the mean of a few samples over its middle (away from
 * the edges a blur smears), judged dark against the mean of the modules
 * around it (uneven light, glare), and drawn as a px x px block; quiet
 * modules of white around it ((dim + 2 quiet) * px pixels across). Points
 * outside src count as white. */
struct scan_plane scan_grid_draw(const struct scan_plane *src, const struct scan_grid *g, int px,
                                 int quiet);

#endif
