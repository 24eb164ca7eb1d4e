#!/usr/bin/env python3
"""labeldecode: what a label printer driver wrote, back into pixels.

    labeldecode.py FORMAT DRIVER-OUTPUT OUT.png [--height N] [--dpi N] [--upright OCR.png]

FORMAT is zpl (Zebra ZPL, CUPS's rastertolabel: one ~DG graphic), epl2
(Zebra EPL2 page mode: GW lines), dymo (DYMO LabelWriter: ESC D width,
SYN lines, ESC f feeds) or ptouch (Brother QL raster, Debian's
printer-driver-ptouch: g/G/Z lines). OUT.png is 8-bit grey, 0 where the
printer burns a dot and 255 elsewhere, with --dpi in its pHYs. Prints
"WIDTH HEIGHT ISOLATED CHECKER EDGE" on stdout: the size in dots; the
share of black dots with no black neighbour among their eight (the loose
dots of a dithered grey); the share of 2x2 blocks that are a checkerboard
(black on one diagonal only) among those with ink; and, above the band,
the share of black dots touching white on a side (solid strokes have an
inside, dithered ones are nearly all edge).
--upright: also the label turned to read (portrait labels carry the badge
turned a quarter) and doubled, for OCR, and beside it OCR-band.png: the
solid black band along the bottom in negative, since tesseract does not
find white words in a black band on a page but reads them black on white. --height: the page height in dots for formats
that do not say it (EPL2 skips blank lines at the end). Written for the
tests from the drivers' own output and source; only what they write is read.
"""
import re
import struct
import sys
import zlib


def fail(msg):
    sys.exit("labeldecode: " + msg)


def bits_to_row(data, width):
    """Bytes of 1-bit pixels, most significant bit first, 1 = dot."""
    row = bytearray(width)
    for x in range(width):
        byte = data[x >> 3] if (x >> 3) < len(data) else 0
        row[x] = 0 if byte & (0x80 >> (x & 7)) else 255
    return row


def zpl(data, _height):
    m = re.search(rb"~DG[^,]*,(\d+),(\d+),", data)
    if not m:
        fail("no ~DG graphic")
    total, per_row = int(m.group(1)), int(m.group(2))
    body = data[m.end():]
    end = body.find(b"^")
    body = body[:end] if end >= 0 else body
    rows, cur, prev, count = [], [], None, 0
    hexdigits = b"0123456789ABCDEF"

    def finish(fill):
        nonlocal cur, prev
        if fill is not None:
            cur.extend([fill] * (2 * per_row - len(cur)))
        if len(cur) != 2 * per_row:
            fail("a ZPL row of %d hex digits, not %d" % (len(cur), 2 * per_row))
        prev = cur
        rows.append(bytes(int(chr(cur[i]) + chr(cur[i + 1]), 16) for i in range(0, len(cur), 2)))
        cur = []

    for c in body:
        if c in b"\r\n":
            continue
        if ord("G") <= c <= ord("Y"):
            count += c - ord("G") + 1
        elif ord("g") <= c <= ord("z"):
            count += (c - ord("g") + 1) * 20
        elif c in hexdigits:
            cur.extend([c] * (count or 1))
            count = 0
            if len(cur) == 2 * per_row:
                finish(None)
        elif c == ord(","):
            finish(ord("0"))
        elif c == ord("!"):
            finish(ord("F"))
        elif c == ord(":"):
            if prev is None:
                fail("':' before any row")
            cur = list(prev)
            finish(None)
        else:
            fail("unexpected byte %r in the ZPL graphic" % chr(c))
    if len(rows) * per_row != total:
        fail("%d rows of %d bytes, the header says %d bytes" % (len(rows), per_row, total))
    m = re.search(rb"\^PW(\d+)", data)
    width = int(m.group(1)) if m else per_row * 8
    return [bits_to_row(r, width) for r in rows]


def epl2(data, height):
    m = re.search(rb"\nq(\d+)\n", data)
    if not m:
        fail("no q (label width)")
    width = int(m.group(1))
    lines = {}
    pos = 0
    pattern = re.compile(rb"GW(\d+),(\d+),(\d+),(\d+)\n")
    while True:
        m = pattern.search(data, pos)
        if not m:
            break
        x, y, nbytes, nrows = (int(v) for v in m.groups())
        if x != 0 or nrows != 1:
            fail("a GW graphic that is not one row at x 0")
        raw = data[m.end():m.end() + nbytes]
        # EPL2 burns 0 bits: the driver inverts its raster.
        lines[y] = bytes(~b & 0xFF for b in raw)
        pos = m.end() + nbytes
    if not lines:
        fail("no GW lines")
    height = max(height or 0, max(lines) + 1)
    blank = bytes(width // 8 + 1)
    return [bits_to_row(lines.get(y, blank), width) for y in range(height)]


def dymo(data, _height):
    i = 0
    per_row = None
    length = None
    rows = []
    while i < len(data):
        c = data[i]
        if c == 0x1B:
            cmd = data[i + 1:i + 2]
            if cmd == b"L":
                length = data[i + 2] << 8 | data[i + 3]
                i += 4
            elif cmd == b"D":
                per_row = data[i + 2]
                i += 3
            elif cmd == b"f":
                rows.extend([bytes(per_row)] * data[i + 3])
                i += 4
            elif cmd in (b"q",):
                i += 3
            elif cmd == b"E":
                break
            else:  # ESC ESC padding, ESC @, darkness ESC c..h
                i += 2
        elif c == 0x16:
            if per_row is None:
                fail("a line before ESC D")
            rows.append(data[i + 1:i + 1 + per_row])
            i += 1 + per_row
        else:
            fail("unexpected byte 0x%02x at %d" % (c, i))
    if per_row is None:
        fail("no ESC D (bytes per line)")
    # Blank lines at the end are not sent: the label's length says how many.
    while length and len(rows) < length:
        rows.append(bytes(per_row))
    return [bits_to_row(r, per_row * 8) for r in rows]


def unpackbits(src, size):
    out = bytearray()
    i = 0
    while i < len(src) and len(out) < size:
        n = src[i]
        i += 1
        if n < 128:
            out += src[i:i + n + 1]
            i += n + 1
        elif n > 128:
            out += bytes([src[i]]) * (257 - n)
            i += 1
    return bytes(out[:size]).ljust(size, b"\0")


def ptouch(data, _height):
    i = 0
    rows = []
    per_row = 90  # QL series: 720 pins
    while i < len(data):
        c = data[i]
        if c == 0:
            i += 1
        elif c == 0x1B:
            cmd = data[i + 1:i + 2]
            if cmd == b"@":
                i += 2
            elif cmd == b"i":
                sub = data[i + 2:i + 3]
                sizes = {b"z": 13, b"d": 5, b"K": 4, b"M": 4, b"A": 4, b"a": 4, b"S": 3, b"R": 4,
                         b"U": 3, b"k": 3, b"c": 3}
                if sub not in sizes:
                    fail("unknown ESC i %r" % sub)
                i += sizes[sub]
            else:
                fail("unknown ESC %r" % cmd)
        elif c == ord("M"):
            i += 2
        elif c == ord("g"):
            n = data[i + 2]
            rows.append(data[i + 3:i + 3 + n].ljust(per_row, b"\0"))
            i += 3 + n
        elif c == ord("G"):
            n = data[i + 1] | data[i + 2] << 8
            rows.append(unpackbits(data[i + 3:i + 3 + n], per_row))
            i += 3 + n
        elif c == ord("Z"):
            rows.append(bytes(per_row))
            i += 1
        elif c in (0x0C, 0x1A):
            i += 1
            if c == 0x1A:
                break
        else:
            fail("unexpected byte 0x%02x at %d" % (c, i))
    # The head's first pin is at the label's right edge as it comes out:
    # mirror each line to see the label as a person does.
    return [bits_to_row(r, per_row * 8)[::-1] for r in rows]


def write_png(path, rows, dpi):
    width, height = len(rows[0]), len(rows)
    raw = b"".join(b"\0" + bytes(r) for r in rows)

    def chunk(tag, body):
        return (struct.pack(">I", len(body)) + tag + body +
                struct.pack(">I", zlib.crc32(tag + body) & 0xFFFFFFFF))

    ppm = round(dpi / 0.0254)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)))
        f.write(chunk(b"pHYs", struct.pack(">IIB", ppm, ppm, 1)))
        f.write(chunk(b"IDAT", zlib.compress(raw, 6)))
        f.write(chunk(b"IEND", b""))


def stats(rows):
    h, w = len(rows), len(rows[0])
    black = alone = inked = checker = 0
    for y in range(h):
        row = rows[y]
        for x in range(w):
            if row[x] >= 128:
                continue
            black += 1
            neighbour = False
            for dy in (-1, 0, 1):
                yy = y + dy
                if 0 <= yy < h:
                    r = rows[yy]
                    for dx in (-1, 0, 1):
                        if (dx or dy) and 0 <= x + dx < w and r[x + dx] < 128:
                            neighbour = True
                            break
                if neighbour:
                    break
            alone += not neighbour
    for y in range(0, h - 1):
        a, b = rows[y], rows[y + 1]
        for x in range(0, w - 1):
            q = (a[x] < 128, a[x + 1] < 128, b[x] < 128, b[x + 1] < 128)
            if any(q):
                inked += 1
                if q in ((True, False, False, True), (False, True, True, False)):
                    checker += 1
    return alone / max(black, 1), checker / max(inked, 1)


def edge_share(rows):
    """Of the black dots above the band, the share touching white on a side:
    about a third for solid strokes, nearly all for dithered ones."""
    h, w = len(rows), len(rows[0])
    dark = [sum(1 for v in r if v < 128) > 0.6 * w for r in rows]
    black = edge = 0
    for y in range(1, h - 1):
        if dark[y]:
            continue
        a, r, b = rows[y - 1], rows[y], rows[y + 1]
        for x in range(1, w - 1):
            if r[x] < 128:
                black += 1
                if r[x - 1] >= 128 or r[x + 1] >= 128 or a[x] >= 128 or b[x] >= 128:
                    edge += 1
    return edge / max(black, 1)


def upright_only(rows):
    if len(rows) > len(rows[0]):  # portrait: the badge lies turned; turn it back (clockwise)
        h = len(rows)
        rows = [bytes(rows[h - 1 - y][x] for y in range(h)) for x in range(len(rows[0]))]
    return rows


def upright(rows):
    rows = upright_only(rows)
    out = []
    for r in rows:
        big = bytes(v for v in r for _ in (0, 1))
        out += [big, big]
    return out


def band(rows):
    """The mostly-black rows nearest the bottom, in negative, with a margin."""
    w = len(rows[0])
    dark = [sum(1 for v in r if v < 128) > 0.6 * w for r in rows]
    end = len(rows)
    while end > 0 and not dark[end - 1]:
        end -= 1
    start = end
    while start > 0 and dark[start - 1]:
        start -= 1
    if start == end:
        return [bytes([255]) * w]
    margin = [bytes([255]) * w] * 20
    return margin + [bytes(255 - v for v in r) for r in rows[start:end]] + margin


def main(argv):
    args = argv[1:]
    opts = {"--height": 0, "--dpi": 203, "--upright": ""}
    for k in list(opts):
        if k in args:
            j = args.index(k)
            opts[k] = args[j + 1] if k == "--upright" else int(args[j + 1])
            del args[j:j + 2]
    if len(args) != 3 or args[0] not in ("zpl", "epl2", "dymo", "ptouch"):
        fail("usage: labeldecode.py zpl|epl2|dymo|ptouch FILE OUT.png [--height N] [--dpi N] "
             "[--upright OCR.png]")
    with open(args[1], "rb") as f:
        data = f.read()
    rows = {"zpl": zpl, "epl2": epl2, "dymo": dymo, "ptouch": ptouch}[args[0]](data, opts["--height"])
    if not rows:
        fail("no rows")
    write_png(args[2], rows, opts["--dpi"])
    if opts["--upright"]:
        up = upright(rows)
        write_png(opts["--upright"], up, opts["--dpi"] * 2)
        write_png(opts["--upright"][:-4] + "-band.png", band(up), opts["--dpi"] * 2)
    isolated, checker = stats(rows)
    edge = edge_share(upright_only(rows))
    print("%d %d %.5f %.5f %.3f" % (len(rows[0]), len(rows), isolated, checker, edge))


if __name__ == "__main__":
    main(sys.argv)
