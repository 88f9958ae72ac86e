"""Render lines of text as a scanned A4 page: grey paper, slight skew, sensor noise.

Used by the sample-leak generator, the OCR tests and the OCR benchmark. Output is
deterministic per seed. Fonts come from Debian packages (fonts-wqy-zenhei for Han,
fonts-noto-core for Arabic script, fonts-dejavu-core for Latin); Arabic-script shaping
needs Pillow built with libraqm.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Literal

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

Script = Literal["han", "arabic", "latin"]

FONT_CANDIDATES: dict[str, tuple[str, ...]] = {
    "han": ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
            "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    "arabic": ("/usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf",
               "/usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf"),
    "latin": ("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
              "/usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf",
              "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
}
# Body text of about 12 pt at 150 dpi; Naskh needs more height for its ascenders.
FONT_PX: dict[str, int] = {"han": 28, "arabic": 30, "latin": 26}
PAPER_GREY = 232
INK_GREY = 28


def font_path(script: Script) -> Path:
    """The font file used for `script`; raises FileNotFoundError naming the package."""
    for candidate in FONT_CANDIDATES[script]:
        path = Path(candidate)
        if path.is_file():
            return path
    package = {"han": "fonts-wqy-zenhei", "arabic": "fonts-noto-core",
               "latin": "fonts-dejavu-core"}[script]
    raise FileNotFoundError(f"no {script} font found; install the Debian package {package}")


@cache
def _font(script: Script, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path(script)), size)


def _wrap(line: str, script: Script, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Break one line so that it fits `width` pixels: Han anywhere, others at spaces."""
    if not line or font.getlength(line) <= width:
        return [line]
    units = list(line) if script == "han" else line.split(" ")
    joiner = "" if script == "han" else " "
    out: list[str] = []
    current = ""
    for unit in units:
        candidate = f"{current}{joiner}{unit}" if current else unit
        if current and font.getlength(candidate) > width:
            out.append(current)
            current = unit
        else:
            current = candidate
    if current:
        out.append(current)
    return out


def render_scan(lines: Sequence[str], *, script: Script, seed: int, width: int = 1240,
                height: int = 1754, rotate_max: float = 1.5,
                noise: float = 0.03) -> Image.Image:
    """Lines of text rendered like a page scanned at 150 dpi (A4 by default), mode "L".

    Lines longer than the text block are wrapped; lines that do not fit on the page are
    dropped. Arabic-script lines are right-aligned. `noise` is the strength of the
    grain (a fraction of full scale) and, a tenth as often, of dust specks.
    """
    rng = random.Random(seed)
    size = max(10, round(FONT_PX[script] * width / 1240))
    font = _font(script, size)
    margin_x, margin_y = round(width * 0.1), round(height * 0.08)
    block = width - 2 * margin_x
    step = round(size * (1.9 if script == "arabic" else 1.6))

    page = Image.new("L", (width, height), PAPER_GREY)
    draw = ImageDraw.Draw(page)
    y = margin_y
    for line in lines:
        for part in _wrap(line, script, font, block):
            if y + step > height - margin_y:
                break
            ink = INK_GREY + rng.randint(-10, 10)
            if script == "arabic":
                draw.text((width - margin_x, y), part, font=font, fill=ink, anchor="ra",
                          direction="rtl")
            else:
                draw.text((margin_x + rng.randint(0, 3), y), part, font=font, fill=ink,
                          anchor="la")
            y += step

    angle = rng.uniform(-rotate_max, rotate_max)
    page = page.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=PAPER_GREY)
    page = page.filter(ImageFilter.GaussianBlur(0.6))

    grain = np.random.default_rng(seed)
    pixels = np.asarray(page, dtype=np.float32)
    pixels += grain.normal(0.0, noise * 255.0, pixels.shape).astype(np.float32)
    specks = grain.random(pixels.shape) < noise / 10.0
    pixels[specks] = grain.uniform(0, 120, int(specks.sum())).astype(np.float32)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
