#!/usr/bin/env python3
# render.py: turn a terminal capture with ANSI attributes (tmux capture-pane
# -e -p) into a PNG, one fixed cell per column, the way a terminal shows it:
# SGR bold, dim, italic, underline, reverse, the 16 colours, the 256-colour
# palette and 24-bit colour; the light box-drawing characters drawn as lines
# so frames join without gaps; everything else with DejaVu Sans Mono.
#
# usage: render.py CAPTURE COLS ROWS OUT.png
# Needs python3-pil and fonts-dejavu-core (Debian package names).
import re
import sys
import unicodedata

from PIL import Image, ImageDraw, ImageFont

FONT_DIR = "/usr/share/fonts/truetype/dejavu/"
SIZE = 15
PAD = 10
BG = (0x1d, 0x1f, 0x21)
FG = (0xd0, 0xd0, 0xd0)
# xterm's default 16 colours, slightly softened (a terminal theme)
BASE16 = [
    (0x1d, 0x1f, 0x21), (0xcc, 0x44, 0x44), (0x5f, 0xb3, 0x4f),
    (0xd7, 0xa6, 0x3a), (0x4f, 0x8c, 0xd9), (0xb2, 0x6c, 0xc9),
    (0x3f, 0xb3, 0xb3), (0xc5, 0xc8, 0xc6), (0x66, 0x66, 0x66),
    (0xff, 0x66, 0x66), (0x8c, 0xe1, 0x6e), (0xf0, 0xc6, 0x74),
    (0x81, 0xa2, 0xff), (0xd0, 0x9b, 0xe8), (0x70, 0xe0, 0xe0),
    (0xff, 0xff, 0xff),
]


def palette(n):
    """The colour of entry n of the xterm 256-colour palette."""
    if n < 16:
        return BASE16[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    v = 8 + (n - 232) * 10
    return (v, v, v)


class Attr:
    def __init__(self):
        self.reset()

    def reset(self):
        self.fg = None
        self.bg = None
        self.bold = self.dim = self.italic = False
        self.under = self.reverse = False

    def copy(self):
        a = Attr()
        a.__dict__.update(self.__dict__)
        return a

    def sgr(self, params):
        p = [int(x) if x else 0 for x in params.split(";")] if params else [0]
        i = 0
        while i < len(p):
            c = p[i]
            if c == 0:
                self.reset()
            elif c == 1:
                self.bold = True
            elif c == 2:
                self.dim = True
            elif c == 3:
                self.italic = True
            elif c == 4:
                self.under = True
            elif c == 7:
                self.reverse = True
            elif c == 22:
                self.bold = self.dim = False
            elif c == 23:
                self.italic = False
            elif c == 24:
                self.under = False
            elif c == 27:
                self.reverse = False
            elif 30 <= c <= 37:
                self.fg = BASE16[c - 30]
            elif 90 <= c <= 97:
                self.fg = BASE16[c - 90 + 8]
            elif 40 <= c <= 47:
                self.bg = BASE16[c - 40]
            elif 100 <= c <= 107:
                self.bg = BASE16[c - 100 + 8]
            elif c == 39:
                self.fg = None
            elif c == 49:
                self.bg = None
            elif c in (38, 48) and i + 1 < len(p):
                if p[i + 1] == 5 and i + 2 < len(p):
                    col = palette(p[i + 2])
                    i += 2
                elif p[i + 1] == 2 and i + 4 < len(p):
                    col = tuple(p[i + 2:i + 5])
                    i += 4
                else:
                    col = None
                if c == 38:
                    self.fg = col
                else:
                    self.bg = col
            i += 1


def parse(text, cols, rows):
    """The grid of (char, Attr) cells; None marks a wide char's second cell."""
    grid = [[(" ", Attr()) for _ in range(cols)] for _ in range(rows)]
    attr = Attr()
    lines = text.split("\n")
    for y, line in enumerate(lines[:rows]):
        x = 0
        for m in re.finditer(r"\x1b\[([0-9;]*)m|\x1b[^\[]|(.)", line):
            if m.group(2) is None:
                if m.group(0).endswith("m"):
                    attr.sgr(m.group(1))
                continue
            ch = m.group(2)
            w = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
            if x + w > cols:
                break
            grid[y][x] = (ch, attr.copy())
            if w == 2:
                grid[y][x + 1] = (None, attr.copy())
            x += w
        # the rest of the line keeps the background in force
        for xx in range(x, cols):
            grid[y][xx] = (" ", attr.copy())
    return grid


# light box drawing: (left, right, up, down) arms
BOX = {
    "─": (1, 1, 0, 0), "│": (0, 0, 1, 1), "┌": (0, 1, 0, 1),
    "┐": (1, 0, 0, 1), "└": (0, 1, 1, 0), "┘": (1, 0, 1, 0),
    "├": (0, 1, 1, 1), "┤": (1, 0, 1, 1), "┬": (1, 1, 0, 1),
    "┴": (1, 1, 1, 0), "┼": (1, 1, 1, 1),
}


def render(grid, out):
    regular = ImageFont.truetype(FONT_DIR + "DejaVuSansMono.ttf", SIZE)
    bold = ImageFont.truetype(FONT_DIR + "DejaVuSansMono-Bold.ttf", SIZE)
    italic = ImageFont.truetype(FONT_DIR + "DejaVuSansMono-Oblique.ttf", SIZE)
    cw = round(regular.getlength("M"))
    asc, desc = regular.getmetrics()
    ch_h = asc + desc + 3
    rows, cols = len(grid), len(grid[0])
    img = Image.new("RGB", (cols * cw + 2 * PAD, rows * ch_h + 2 * PAD), BG)
    d = ImageDraw.Draw(img)
    for y, row in enumerate(grid):
        for x, (ch, a) in enumerate(row):
            if ch is None:
                continue
            w = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
            fg = a.fg or FG
            bg = a.bg or BG
            if a.bold and a.fg in BASE16[:8]:
                fg = BASE16[BASE16.index(a.fg) + 8]
            if a.reverse:
                fg, bg = bg, fg
            if a.dim:
                fg = tuple((c + b) // 2 for c, b in zip(fg, bg))
            x0, y0 = PAD + x * cw, PAD + y * ch_h
            d.rectangle([x0, y0, x0 + w * cw - 1, y0 + ch_h - 1], fill=bg)
            if ch in BOX:
                left, right, up, down = BOX[ch]
                cx, cy = x0 + cw // 2, y0 + ch_h // 2
                lw = 2 if a.bold else 1
                if left:
                    d.rectangle([x0, cy, cx, cy + lw - 1], fill=fg)
                if right:
                    d.rectangle([cx, cy, x0 + cw - 1, cy + lw - 1], fill=fg)
                if up:
                    d.rectangle([cx, y0, cx + lw - 1, cy], fill=fg)
                if down:
                    d.rectangle([cx, cy, cx + lw - 1, y0 + ch_h - 1], fill=fg)
            elif ch != " ":
                font = bold if a.bold else italic if a.italic else regular
                d.text((x0, y0 + 1), ch, font=font, fill=fg)
            if a.under:
                d.line([x0, y0 + asc + 2, x0 + w * cw - 1, y0 + asc + 2],
                       fill=fg)
    img.save(out, optimize=True)


def main():
    if len(sys.argv) != 5:
        sys.exit("usage: render.py CAPTURE COLS ROWS OUT.png")
    with open(sys.argv[1], encoding="utf-8") as f:
        text = f.read()
    render(parse(text, int(sys.argv[2]), int(sys.argv[3])), sys.argv[4])


if __name__ == "__main__":
    main()
