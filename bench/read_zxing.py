#!/usr/bin/python3
"""ZXing-cpp (Debian's python3-zxing-cpp) on the frames beside ours, for the
benchmark only: badgekiosk never links it.

Usage: read_zxing.py DIR  -- DIR as written by gen-frames (index.tsv, NNNN.png,
NNNN.txt) or any folder of NAME.png/.jpg beside NAME.txt. Prints one line per
image: "NAME<TAB>1" when one of the codes ZXing-cpp read has exactly the text
of NAME.txt, else "NAME<TAB>0". ZXing-cpp's default options (try harder,
rotate, downscale) are its best effort, as in its own benchmarks."""
import os
import sys

import zxingcpp
from PIL import Image


def main():
    folder = sys.argv[1]
    names = sorted(n for n in os.listdir(folder)
                   if n.lower().endswith((".png", ".jpg", ".jpeg")))
    for name in names:
        stem = name.rsplit(".", 1)[0]
        txt = os.path.join(folder, stem + ".txt")
        if not os.path.exists(txt):
            continue
        with open(txt, "rb") as f:
            want = f.read().decode("utf-8", "replace")
        ok = 0
        try:
            img = Image.open(os.path.join(folder, name)).convert("L")
            for r in zxingcpp.read_barcodes(img, formats=zxingcpp.BarcodeFormat.QRCode):
                if r.text == want:
                    ok = 1
        except Exception as e:  # an unreadable image counts as not read
            print("read_zxing: %s: %s" % (name, e), file=sys.stderr)
        print("%s\t%d" % (stem, ok))


if __name__ == "__main__":
    main()
