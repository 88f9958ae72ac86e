"""OCR of one page image, with the engine chosen per script by measurement.

Two engines, both offline:

- RapidOCR (rapidocr-onnxruntime, PP-OCRv4 Chinese/English models shipped inside the
  wheel), loaded lazily once per process. Best measured on simplified Chinese (0.99
  character accuracy against Tesseract's 0.97, see bench/bench_ocr.py); it cannot read
  Arabic script at all, and on English it drops the spaces between words.
- Tesseract 5 (Debian), run as a subprocess with a timeout and one thread, for Arabic
  script (Uyghur, 0.94), traditional Chinese (0.96) and Latin script (0.99, spaces kept).

Traditional Chinese is read better by Tesseract's chi_tra (0.96 against RapidOCR's 0.90
on the benchmark's pages), so the probe also tells traditional from simplified.

Choosing the script has to cost little next to a Tesseract page (about 0.5 s for an A4
page at 150 dpi). Tesseract's OSD (`--psm 0`) costs 0.5-1 s and RapidOCR's text
detector 0.15-0.3 s, so the probe uses neither. OpenCV finds the widest text lines on a
copy of the page reduced to 800 px (ink thresholded, letters joined along the line,
about 5 ms); RapidOCR's recogniser, on one thread, reads a short stretch of one or two of
them (25-30 ms each): the probe adds 30-60 ms to a page, 1.09-1.12x a plain Tesseract call.
Han or Latin read with high confidence decides; low confidence on a clear text
line means a script RapidOCR does not know, and with Uyghur among the languages that is
Arabic script. Traditional against simplified Han is told by counting characters that
only one of Big5 and GB2312 has. Only when no line is found (photos, vertical text,
tiny images) does the probe fall back to RapidOCR's detector. When the allowed languages
leave only one engine, or the caller passes the script decided on an earlier page of
the same document, no probe runs.

The line finder is written here because no library offers script identification of a
page image short of a full detector; the probe and the line assembly use RapidOCR's
stage objects (`text_det`, `text_cls`, `text_rec`), pinned by version 1.4.4, because the
library only offers the all-in-one call, which would detect twice.
"""

from __future__ import annotations

import functools
import os
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from PIL import Image, ImageOps

from trove.errors import ExtractionError, LimitExceeded
from trove.extract.records import OcrOptions

__all__ = ["OcrError", "OcrResult", "ocr_image"]

# "hant" is Han written in traditional characters: Tesseract's chi_tra reads it better.
Script = Literal["han", "hant", "latin", "arabic"]
SCRIPTS: tuple[Script, ...] = ("han", "hant", "latin", "arabic")

# Tesseract language names → the script they are written in.
LANGUAGE_SCRIPTS: dict[str, Script] = {
    "chi_sim": "han", "chi_tra": "hant", "chi_sim_vert": "han", "chi_tra_vert": "hant",
    "jpn": "han", "kor": "han",
    "uig": "arabic", "ara": "arabic", "fas": "arabic", "urd": "arabic",
    "eng": "latin", "fra": "latin", "deu": "latin", "spa": "latin", "tur": "latin",
    "uzb": "latin",
}
# Which engine reads each script best, from bench/bench_ocr.py on this hardware.
# Latin goes to Tesseract: RapidOCR drops word spaces ("OFTHEREGIONAL") and is slower.
ENGINE_FOR_SCRIPT: dict[Script, str] = {"han": "rapidocr", "hant": "tesseract",
                                        "latin": "tesseract", "arabic": "tesseract"}
MAX_SIDE = 3500  # a 300 dpi A4 page; bigger images are downscaled before OCR
MIN_SIDE = 48  # smaller images are upscaled: both engines miss text under ~20 px high
RAPID_MAX_SIDE = 2000  # RapidOCR's own default for detection
PROBE_SIDE = 1000  # the fallback probe's detector sees the page at most this big
PROBE_LINES = 4
# Lines at least this high on the probe's reduced copy are found as well as at full size
# (measured on 150 dpi scans: same boxes, same text), so the probe's boxes are reused.
PROBE_MIN_LINE_PX = 14
# Under this mean recognition score on the probe lines, RapidOCR is not reading a script
# it knows (Uyghur lines measured 0.5-0.65, Han and Latin lines above 0.85).
PROBE_MIN_SCORE = 0.8
# The line finder: its working copy of the page, the gap it closes between letters and
# words (about a Han character on a 150 dpi page), and the shape of a text line there.
FIND_SIDE = 800
FIND_GAP = 9
FIND_MIN_HEIGHT = 5
FIND_MIN_RATIO = 4
FIND_CANDIDATES = 4
FIND_READS = 2  # lines read at most before the probe decides
# A crop of a line this many times its height: about 6 Han characters or 12 Latin ones,
# enough to decide; RapidOCR's recogniser costs in proportion to the width (~25 ms).
CROP_RATIO = 7
CROP_MARGIN = 1.3  # the crop's height over the line's
# Traditional against simplified Han: characters only Big5 has ("traditional markers")
# against characters only GB2312 has. The probe stops at this many traditional markers
# (with as many simplified ones at most), or at this many simplified markers and no
# traditional one; otherwise it reads another line.
HAN_VARIANT_MARGIN = 3
HAN_SIMPLIFIED_SURE = 4
# A page read on a document's earlier decision with less confidence than this is probed:
# the document may change language (a Chinese cover on a Uyghur report).
HINT_MIN_CONFIDENCE = 0.6
LINE_MAX_HEIGHT = 100  # px: shorter, wide images are read as one line without detection
RAPID_TEXT_SCORE = 0.5  # RapidOCR's own default for dropping a line
TESSERACT_TIMEOUT = 180.0  # seconds per page
TESSERACT = os.environ.get("TROVE_TESSERACT", "tesseract")


class OcrError(ExtractionError):
    """An OCR engine failed on an image."""


@dataclass(frozen=True)
class OcrResult:
    """The text read from one image and how it was read."""

    text: str
    engine: str  # "rapidocr", "tesseract:<langs>", or "" when the image was blank
    confidence: float | None  # 0..1, mean over the recognised text
    # "han", "hant", "latin", "arabic": what the page was read as; None when nothing
    # was read. Pass it back as `hint` for the next page of the same document.
    script: str | None


# --------------------------------------------------------------------------- engines

_rapid_lock = threading.Lock()
_rapid_engine: Any = None


def rapid_engine() -> Any:
    """The process's one RapidOCR engine; the models ship with the wheel, nothing is fetched."""
    global _rapid_engine
    with _rapid_lock:
        if _rapid_engine is None:
            from rapidocr_onnxruntime import RapidOCR

            _rapid_engine = RapidOCR()
        return _rapid_engine


_probe_lock = threading.Lock()
_probe_recogniser: Any = None


def probe_recogniser() -> Any:
    """RapidOCR's recogniser on one thread, for the probe's one or two short crops: with
    the machine busy (pages OCR'd side by side) two threads on a small input wait on
    each other, 70 ms a crop against 36 ms on one thread."""
    global _probe_recogniser
    with _probe_lock:
        if _probe_recogniser is None:
            from rapidocr_onnxruntime.main import (
                DEFAULT_CFG_PATH,
                TextRecognizer,
                read_yaml,
                update_model_path,
            )

            config = update_model_path(read_yaml(DEFAULT_CFG_PATH))["Rec"]
            _probe_recogniser = TextRecognizer({**config, "intra_op_num_threads": 1,
                                                "inter_op_num_threads": 1})
        return _probe_recogniser


def tesseract_command(source: Path, output: Path, languages: str, *, psm: int = 3,
                      dpi: float | None = None) -> list[str]:
    """The Tesseract command line Trove runs; the benchmark times the same one."""
    command = [TESSERACT, str(source), str(output), "-l", languages, "--psm", str(psm)]
    if dpi and 50 <= dpi <= 1200:
        command += ["--dpi", str(round(dpi))]
    return command


def tesseract_env() -> dict[str, str]:
    # One OpenMP thread per process: the pipeline already runs pages side by side.
    return {**os.environ, "OMP_THREAD_LIMIT": "1"}


def tesseract_image(image: Image.Image, languages: str, *, psm: int = 3,
                    timeout: float = TESSERACT_TIMEOUT) -> tuple[str, float | None]:
    """Run Tesseract on `image`; the text and its mean word confidence (0..1)."""
    with tempfile.TemporaryDirectory(prefix="trove-ocr-") as tmp:
        # Uncompressed PGM/PPM: writing a PNG of an A4 page costs 0.1-0.4 s, a fifth
        # of Tesseract's own time, and Tesseract reads grey as well as colour.
        if image.mode not in ("L", "RGB"):
            image = image.convert("RGB")
        source = Path(tmp) / ("page.pgm" if image.mode == "L" else "page.ppm")
        image.save(source, format="PPM")
        dpi = image.info.get("dpi")
        command = tesseract_command(source, Path(tmp) / "out", languages, psm=psm,
                                    dpi=float(dpi[0]) if dpi else None)
        command += ["txt", "tsv"]
        try:
            done = subprocess.run(command, capture_output=True, timeout=timeout,
                                  env=tesseract_env(), check=False)  # kills on timeout
        except subprocess.TimeoutExpired as exc:
            raise LimitExceeded(f"OCR: tesseract took longer than {timeout:.0f} s") from exc
        except OSError as exc:
            raise OcrError(f"OCR: cannot run tesseract: {exc}") from exc
        if done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise OcrError(f"OCR: tesseract failed: {message[-1] if message else '?'}")
        text = (Path(tmp) / "out.txt").read_text("utf-8", "replace")
        confidences = []
        for row in (Path(tmp) / "out.tsv").read_text("utf-8", "replace").splitlines()[1:]:
            cells = row.split("\t")
            if len(cells) == 12 and cells[11].strip():
                try:
                    confidences.append(float(cells[10]))
                except ValueError:
                    continue
    confidence = sum(confidences) / len(confidences) / 100 if confidences else None
    return _tidy(text), confidence


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\f", "").splitlines()]
    return "\n".join(lines).strip()


# --------------------------------------------------------------------------- images

def prepare(image: Image.Image) -> Image.Image:
    """A grey ("L") or RGB image of sensible size: EXIF orientation applied, alpha
    flattened. Grey stays grey: a third of the bytes to hand to Tesseract."""
    image = ImageOps.exif_transpose(image) or image
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P"
                                               and "transparency" in image.info):
        rgba = image.convert("RGBA")
        alpha = np.asarray(rgba.getchannel("A"))
        opaque = np.asarray(rgba.convert("L"))[alpha > 127]
        # Light text on a transparent background vanishes on white paper: use dark paper.
        paper = (0, 0, 0) if opaque.size and float(opaque.mean()) > 160 else (255, 255, 255)
        flat = Image.new("RGB", rgba.size, paper)
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    elif image.mode in ("1", "I", "I;16", "F"):
        image = image.convert("L")
    elif image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    longest, shortest = max(image.size), min(image.size)
    if longest > MAX_SIDE:
        scale = MAX_SIDE / longest
    elif shortest < MIN_SIDE:
        scale = min(MIN_SIDE / max(shortest, 1), MAX_SIDE / longest)
    else:
        scale = 1.0
    if scale != 1.0:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        info = dict(image.info)
        image = image.resize(size, Image.Resampling.LANCZOS)
        if "dpi" in info:
            image.info["dpi"] = tuple(float(d) * scale for d in info["dpi"])
    return image


def _blank(grey: np.ndarray) -> bool:
    # Every fourth pixel each way: the full page's percentiles cost 80 ms.
    sample = grey[::4, ::4] if min(grey.shape[:2]) >= 64 else grey
    return bool(sample.size == 0 or float(np.percentile(sample, 99.5)
                                          - np.percentile(sample, 0.5)) < 24)


# --------------------------------------------------------------------------- rapidocr stages

def _detect(engine: Any, pixels: np.ndarray,
            max_side: int) -> tuple[list[np.ndarray], float]:
    """Text-line boxes in `pixels` coordinates, detected on a copy at most `max_side` big,
    and that copy's scale."""
    import cv2

    height, width = pixels.shape[:2]
    scale = 1.0
    if max(height, width) > max_side:
        scale = max_side / max(height, width)
        small = cv2.resize(pixels, (round(width * scale), round(height * scale)),
                           interpolation=cv2.INTER_AREA)
    else:
        small = pixels
    boxes, _elapsed = engine.text_det(small)
    if boxes is None or len(boxes) == 0:
        return [], scale
    ordered = engine.sorted_boxes(boxes)
    return [np.asarray(box, dtype=np.float32) / scale for box in ordered], scale


def _read(engine: Any, pixels: np.ndarray, boxes: list[np.ndarray],
          recogniser: Any = None) -> list[tuple[str, float]]:
    """RapidOCR's reading of the lines in `boxes`; `pixels` is BGR or grey."""
    crops = engine.get_crop_img_list(pixels, boxes)
    if pixels.ndim == 2:  # crop first: a BGR copy of a whole page costs 4 ms
        crops = [np.ascontiguousarray(np.repeat(c[:, :, None], 3, axis=2)) for c in crops]
    crops, _cls, _elapsed = engine.text_cls(crops)
    results, _elapsed = (recogniser or engine.text_rec)(crops, False)
    return [(str(text), float(score)) for text, score, *_ in results]


def _box_width(box: np.ndarray) -> float:
    return float(np.linalg.norm(box[1] - box[0]))


# --------------------------------------------------------------------------- the probe

def find_lines(grey: np.ndarray) -> list[np.ndarray]:
    """Quadrilaterals (top-left, top-right, bottom-right, bottom-left, in `grey`'s
    coordinates) around the middle of the widest horizontal text lines, widest first.

    No model: the ink is thresholded (Otsu) on a reduced copy, letters are joined along
    the line by a horizontal closing, and the joined blobs shaped like a line of text
    are kept; a rotated rectangle follows a skewed scan.
    """
    import cv2

    height, width = grey.shape
    scale = min(1.0, FIND_SIDE / max(height, width))
    small = grey if scale == 1.0 else cv2.resize(
        grey, (max(1, round(width * scale)), max(1, round(height * scale))),
        interpolation=cv2.INTER_AREA)
    _threshold, ink = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    if cv2.countNonZero(ink) * 2 > ink.size:  # light text on dark paper
        ink = cv2.bitwise_not(ink)
    joined = cv2.morphologyEx(ink, cv2.MORPH_CLOSE,
                              cv2.getStructuringElement(cv2.MORPH_RECT, (FIND_GAP, 1)))
    count, labels, stats, _centres = cv2.connectedComponentsWithStats(joined, connectivity=8)
    candidates: list[tuple[int, int]] = []
    for label in range(1, count):
        x, y, w, h = (int(v) for v in stats[label][:4])
        if h < FIND_MIN_HEIGHT or w < FIND_MIN_RATIO * h:
            continue
        density = cv2.countNonZero(ink[y:y + h, x:x + w]) / (w * h)
        if not 0.05 <= density <= 0.6:  # solid bars (redactions, rules) and specks
            continue
        candidates.append((w, label))
    quads = []
    for _w, label in sorted(candidates, reverse=True)[:FIND_CANDIDATES]:
        x, y, w, h = (int(v) for v in stats[label][:4])
        rows, cols = np.nonzero(labels[y:y + h, x:x + w] == label)
        points = np.column_stack([cols + x, rows + y]).astype(np.float32)
        (cx, cy), (long, short), angle = cv2.minAreaRect(points)
        if long < short:
            long, short, angle = short, long, angle - 90
        if short < FIND_MIN_HEIGHT - 1:
            continue
        short = short * CROP_MARGIN + 2  # RapidOCR's recogniser wants a margin round text
        long = min(long + 2, CROP_RATIO * short)
        corners = cv2.boxPoints(((cx, cy), (long, short), angle)) / scale
        sums, diffs = corners.sum(axis=1), corners[:, 0] - corners[:, 1]
        quads.append(np.array([corners[np.argmin(sums)], corners[np.argmax(diffs)],
                               corners[np.argmax(sums)], corners[np.argmin(diffs)]],
                              dtype=np.float32))
    return quads


def _probe_script(engine: Any, grey: np.ndarray, allowed: set[Script]) -> Script | None:
    """The script of the page from RapidOCR's reading of one or two found lines; None
    when no line could be found or read."""
    readings: list[tuple[str, float]] = []
    for quad in find_lines(grey):
        (text, score), = _read(engine, grey, [quad], probe_recogniser())
        if len("".join(text.split())) < 3:  # not text, or too little to judge
            continue
        readings.append((text, score))
        script, decisive = _script_of(readings, allowed)
        if decisive or len(readings) >= FIND_READS:
            return script
    return _script_of(readings, allowed)[0] if readings else None


def _script_of(readings: list[tuple[str, float]],
               allowed: set[Script]) -> tuple[Script, bool]:
    """The verdict from RapidOCR's readings of a few lines, and whether more lines could
    change it."""
    chars = sum(len(text) for text, _ in readings)
    mean = (sum(score * len(text) for text, score in readings) / chars) if chars else 0.0
    if "arabic" in allowed and mean < PROBE_MIN_SCORE:
        return "arabic", True
    han = sum(1 for text, _ in readings for c in text if _is_han(c))
    latin = sum(1 for text, _ in readings for c in text if c.isascii() and c.isalpha())
    if {"han", "hant"} & allowed and (han * 4 >= latin or "latin" not in allowed):
        if {"han", "hant"} <= allowed:
            # RapidOCR reads some traditional characters as their simplified forms
            # (責 as 责) but hardly ever the reverse: a few traditional ones decide.
            variants = [_han_variant(c) for text, _ in readings for c in text]
            traditional, simplified = variants.count("hant"), variants.count("han")
            if traditional >= 2 and 2 * traditional >= simplified:
                return "hant", traditional >= HAN_VARIANT_MARGIN and traditional >= simplified
            return "han", traditional == 0 and simplified >= HAN_SIMPLIFIED_SURE
        return ("han" if "han" in allowed else "hant"), True
    return ("latin" if "latin" in allowed else sorted(allowed)[0]), True


@functools.cache
def _han_variant(char: str) -> Script | None:
    """"hant" for a character of Big5 that GB2312 lacks, "han" for the reverse (forms
    like 们, 实, 书 that only simplified writing uses), None for shared or other."""
    if not _is_han(char) or char.isascii():
        return None
    in_gb = in_big5 = True
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        in_gb = False
    try:
        char.encode("big5")
    except UnicodeEncodeError:
        in_big5 = False
    if in_gb == in_big5:
        return None
    return "han" if in_gb else "hant"


def _is_han(char: str) -> bool:
    code = ord(char)
    return (0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0x20000 <= code <= 0x3FFFF
            or 0x3000 <= code <= 0x303F or 0xFF00 <= code <= 0xFFEF)


def _assemble(boxes: list[np.ndarray], readings: list[tuple[str, float]]) -> tuple[str, float]:
    """Join kept readings into lines: boxes whose vertical centres align share a line."""
    lines: list[list[tuple[float, str]]] = []
    last_centre, last_height = -1e9, 0.0
    total, weight = 0.0, 0
    for box, (text, score) in zip(boxes, readings, strict=True):
        if score < RAPID_TEXT_SCORE or not text.strip():
            continue
        centre = float(box[:, 1].mean())
        height = float(box[:, 1].max() - box[:, 1].min())
        if lines and abs(centre - last_centre) < 0.5 * max(height, last_height):
            lines[-1].append((float(box[:, 0].min()), text))
        else:
            lines.append([(float(box[:, 0].min()), text)])
        last_centre, last_height = centre, height
        total += score * len(text)
        weight += len(text)
    text = "\n".join(" ".join(t for _, t in sorted(line)) for line in lines)
    return text, (total / weight if weight else 0.0)


# --------------------------------------------------------------------------- entry point

def allowed_scripts(languages: tuple[str, ...]) -> set[Script]:
    scripts = {LANGUAGE_SCRIPTS[lang] for lang in languages if lang in LANGUAGE_SCRIPTS}
    return scripts or {"han", "latin"}


def _tesseract_languages(script: Script, languages: tuple[str, ...]) -> str:
    chosen = [lang for lang in languages if LANGUAGE_SCRIPTS.get(lang) == script]
    return "+".join(chosen) or {"han": "chi_sim", "hant": "chi_tra", "latin": "eng",
                                "arabic": "uig"}[script]


def _line_shaped(image: Image.Image) -> bool:
    """One line of text, as cropped by a layout tool: detection would only hurt."""
    return image.height <= LINE_MAX_HEIGHT and image.width >= 2 * image.height


def _by_tesseract(image: Image.Image, script: Script, options: OcrOptions) -> OcrResult:
    langs = _tesseract_languages(script, options.languages)
    text, confidence = tesseract_image(image, langs, psm=7 if _line_shaped(image) else 3)
    return OcrResult(text, f"tesseract:{langs}", confidence, script if text else None)


def _by_rapid(engine: Any, bgr: np.ndarray, allowed: set[Script],
              probe: tuple[list[np.ndarray], float] | None = None,
              known: dict[int, tuple[str, float]] | None = None) -> OcrResult:
    """RapidOCR on the whole page, reusing the probe's boxes and readings if it had any."""
    boxes, scale = probe or _detect(engine, bgr, PROBE_SIDE)
    known = dict(known or {})
    heights = [float(b[:, 1].max() - b[:, 1].min()) for b in boxes]
    if not boxes or float(np.median(heights)) * scale < PROBE_MIN_LINE_PX:
        # Small print: the reduced copy may have merged or lost lines; detect again.
        boxes, _scale = _detect(engine, bgr, RAPID_MAX_SIDE)
        known = {}
    missing = [i for i in range(len(boxes)) if i not in known]
    if missing:
        known.update(zip(missing, _read(engine, bgr, [boxes[i] for i in missing]),
                         strict=True))
    text, confidence = _assemble(boxes, [known[i] for i in range(len(boxes))])
    if not text:
        return OcrResult("", "rapidocr", None, None)
    script, _decisive = _script_of([(text, confidence)], allowed - {"arabic"} or allowed)
    return OcrResult(text, "rapidocr", confidence, script)


def _bgr(image: Image.Image) -> np.ndarray:
    """The page as RapidOCR expects it: BGR, as OpenCV reads files."""
    pixels = np.asarray(image)
    if pixels.ndim == 2:
        return np.ascontiguousarray(np.repeat(pixels[:, :, None], 3, axis=2))
    return np.ascontiguousarray(pixels[:, :, ::-1])


def ocr_image(image: Image.Image, options: OcrOptions, hint: str | None = None) -> OcrResult:
    """Read the text in `image` with the engine that reads its script best.

    `hint` is the `script` of an earlier page's result in the same document: the page
    is read as that script without probing, unless the reading comes out weak.
    """
    image = prepare(image)
    grey = np.asarray(image if image.mode == "L" else image.convert("L"))
    if _blank(grey):
        return OcrResult("", "", None, None)
    allowed = allowed_scripts(options.languages)
    engines = {ENGINE_FOR_SCRIPT[s] for s in allowed}
    if engines == {"tesseract"} and len(allowed) == 1:
        return _by_tesseract(image, next(iter(allowed)), options)

    engine = rapid_engine()
    if hint in SCRIPTS and hint in allowed:
        hinted: Script = hint
        result = _read_as(engine, image, hinted, allowed, options)
        if result.text and (result.confidence or 0.0) >= HINT_MIN_CONFIDENCE:
            return result
        script = _probe_script(engine, grey, allowed)
        if script is None or script == hinted:
            return result
        return _read_as(engine, image, script, allowed, options)
    if _line_shaped(image):
        crops, _cls, _elapsed = engine.text_cls([_bgr(image)])
        (reading, *_rest), _elapsed = engine.text_rec(crops, False)
        line, score = str(reading[0]).strip(), float(reading[1])
        if line and score >= PROBE_MIN_SCORE:
            script, _decisive = _script_of([(line, score)], allowed)
            if ENGINE_FOR_SCRIPT[script] == "rapidocr" or len(engines) == 1:
                return OcrResult(line, "rapidocr", score, script)
            return _by_tesseract(image, script, options)
    if engines == {"rapidocr"}:
        return _by_rapid(engine, _bgr(image), allowed)
    script = _probe_script(engine, grey, allowed)
    if script is not None:
        return _read_as(engine, image, script, allowed, options)
    # No line the finder could use (a photo, vertical text): RapidOCR's detector probes.
    bgr = _bgr(image)
    probe = _detect(engine, bgr, PROBE_SIDE)
    boxes = probe[0]
    if not boxes:
        return OcrResult("", "", None, None)
    widest = sorted(range(len(boxes)), key=lambda i: _box_width(boxes[i]),
                    reverse=True)[:PROBE_LINES]
    readings = _read(engine, bgr, [boxes[i] for i in widest])
    script, _decisive = _script_of(readings, allowed)
    if ENGINE_FOR_SCRIPT[script] == "tesseract":
        return _by_tesseract(image, script, options)
    return _by_rapid(engine, bgr, allowed, probe, dict(zip(widest, readings, strict=True)))


def _read_as(engine: Any, image: Image.Image, script: Script, allowed: set[Script],
             options: OcrOptions) -> OcrResult:
    if ENGINE_FOR_SCRIPT[script] == "rapidocr":
        return _by_rapid(engine, _bgr(image), allowed)
    return _by_tesseract(image, script, options)
