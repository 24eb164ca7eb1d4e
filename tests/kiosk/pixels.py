#!/usr/bin/env python3
"""pixels.py PNG X Y W H RING: how many pixels in the ring around the box
(X, Y, W, H) -- from 3 to RING pixels outside it -- differ from the colour
most of that ring has (the background). Reads the kiosk's snapshots (8-bit
RGB, not interlaced) with zlib alone, so no imaging package is needed."""
import struct
import sys
import zlib
from collections import Counter


def read_png(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        n, tag = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if tag == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and ctype == 2 and interlace == 0, "not 8-bit RGB"
        elif tag == b"IDAT":
            idat += body
        pos += 12 + n
    raw, stride, bpp = zlib.decompress(idat), width * 3, 3
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return width, height, rows


def main(argv):
    path, x, y, w, h, ring = argv[1], *map(int, argv[2:7])
    width, height, rows = read_png(path)
    ring_px = []
    for py in range(max(0, y - ring), min(height, y + h + ring)):
        for px in range(max(0, x - ring), min(width, x + w + ring)):
            inside = x - 3 <= px < x + w + 3 and y - 3 <= py < y + h + 3
            if not inside:
                ring_px.append(bytes(rows[py][3 * px:3 * px + 3]))
    bg, _ = Counter(ring_px).most_common(1)[0]
    print(sum(1 for p in ring_px if p != bg))


if __name__ == "__main__":
    main(sys.argv)
