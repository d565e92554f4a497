"""Prints the Swift glyph table of Sources/ImageIO/BitmapFont6x13.swift from the X11 misc-fixed
6x13 font (font-misc-misc, "Public domain font.  Share and enjoy.").

    apt-get download xfonts-base && dpkg-deb -x xfonts-base_*.deb x
    gunzip -c x/usr/share/fonts/X11/misc/6x13.pcf.gz > 6x13.pcf
    python tools/font_table.py 6x13.pcf > table.txt      # needs Pillow

One glyph per line: 13 rows of the printable ASCII characters 32...126, one byte per row, the
most significant of the low 6 bits the leftmost pixel.
"""
import sys
from PIL import PcfFontFile

font = PcfFontFile.PcfFontFile(open(sys.argv[1], "rb"))
for code in range(32, 127):
    _, _, _, image = font.glyph[code]
    assert image.size == (6, 13), (code, image.size)
    rows = []
    for y in range(13):
        bits = 0
        for x in range(6):
            if image.getpixel((x, y)):
                bits |= 1 << (5 - x)
        rows.append(bits)
    shown = chr(code) if code != 92 else "backslash"
    print("        " + ", ".join(f"0x{b:02X}" for b in rows) + f",  // {code} {shown}")
