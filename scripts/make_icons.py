"""Draw the app's icons (static/img/icon-*.png) from the favicon's shapes: the red rounded
square and the yellow star of static/img/favicon.svg. Pure Python (zlib), so the project
needs no image library; run again only if the favicon changes:

    python scripts/make_icons.py
"""

import struct
import zlib
from pathlib import Path

STATIC = Path(__file__).resolve().parents[1] / "static" / "img"
RED, YELLOW, WHITE = (0xB3, 0x26, 0x1E), (0xFF, 0xCD, 0x00), (0xFF, 0xFF, 0xFF)
# The favicon's star, on its 32-unit grid.
STAR = [
    (16, 5),
    (18.6, 12.6),
    (26, 12.6),
    (20, 17.1),
    (22.3, 24.7),
    (16, 20.1),
    (9.7, 24.7),
    (12, 17.1),
    (6, 12.6),
    (13.4, 12.6),
]


def inside(x, y, polygon):
    hit = False
    for (x1, y1), (x2, y2) in zip(polygon, polygon[1:] + polygon[:1]):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            hit = not hit
    return hit


def colour(u, v, *, maskable):
    """The colour at (u, v) on the 32-unit grid."""
    if maskable:  # a full square, the star shrunk into the safe circle
        su, sv = 16 + (u - 16) / 0.7, 16 + (v - 16) / 0.7
        return YELLOW if inside(su, sv, STAR) else RED
    r = 6
    cu, cv = min(max(u, r), 32 - r), min(max(v, r), 32 - r)
    if (u - cu) ** 2 + (v - cv) ** 2 > r * r:
        return None
    return YELLOW if inside(u, v, STAR) else RED


def png(size, *, maskable=False):
    rows = []
    samples = ((0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75))
    for y in range(size):
        row = bytearray([0])
        for x in range(size):
            rgba = [0, 0, 0, 0]
            for dx, dy in samples:
                c = colour((x + dx) * 32 / size, (y + dy) * 32 / size, maskable=maskable)
                if c is not None:
                    for i in range(3):
                        rgba[i] += c[i]
                    rgba[3] += 255
            alpha = rgba[3] // 4
            if alpha:
                n = rgba[3] // 255
                row += bytes([rgba[0] // n, rgba[1] // n, rgba[2] // n, alpha])
            else:
                row += bytes(WHITE) + b"\0"
        rows.append(bytes(row))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


if __name__ == "__main__":
    (STATIC / "icon-192.png").write_bytes(png(192))
    (STATIC / "icon-512.png").write_bytes(png(512))
    (STATIC / "icon-maskable-512.png").write_bytes(png(512, maskable=True))
