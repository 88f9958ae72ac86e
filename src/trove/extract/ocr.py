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

Choosing the script: Tesseract's OSD (`--psm 0`) costs 0.5-1 s per A4 page, a third of
the OCR itself, so Trove probes instead. RapidOCR's text detector runs on a reduced copy
of the page (about 0.2 s) and its recogniser reads the widest few lines. Han or Latin
read with high confidence means RapidOCR carries on, reusing the detected boxes; low
confidence on lines that were clearly found means a script RapidOCR does not know, and
with Uyghur among the languages that is Arabic script, read by Tesseract. When the
allowed languages leave only one engine, no probe runs.

The probe and the line assembly use RapidOCR's stage objects (`text_det`, `text_cls`,
`text_rec`), pinned by version 1.4.4; that staging is written here because the library
only offers the all-in-one call, which would detect twice.
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
TRADITIONAL_SHARE = 0.2  # of Han characters outside GB2312 but in Big5
MAX_SIDE = 3500  # a 300 dpi A4 page; bigger images are downscaled before OCR
MIN_SIDE = 48  # smaller images are upscaled: both engines miss text under ~20 px high
RAPID_MAX_SIDE = 2000  # RapidOCR's own default for detection
PROBE_SIDE = 1000  # the probe's detector sees the page at most this big
PROBE_LINES = 4
# Lines at least this high on the probe's reduced copy are found as well as at full size
# (measured on 150 dpi scans: same boxes, same text), so the probe's boxes are reused.
PROBE_MIN_LINE_PX = 14
# Under this mean recognition score on the probe lines, RapidOCR is not reading a script
# it knows (Uyghur pages measured 0.5-0.65, Han and Latin pages above 0.9).
PROBE_MIN_SCORE = 0.8
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
    script: str | None  # "han", "latin", "arabic"; None when nothing was read


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


def tesseract_image(image: Image.Image, languages: str, *, psm: int = 3,
                    timeout: float = TESSERACT_TIMEOUT) -> tuple[str, float | None]:
    """Run Tesseract on `image`; the text and its mean word confidence (0..1)."""
    with tempfile.TemporaryDirectory(prefix="trove-ocr-") as tmp:
        source = Path(tmp) / "page.png"
        image.save(source, format="PNG", compress_level=1)
        dpi = image.info.get("dpi")
        command = [TESSERACT, str(source), str(Path(tmp) / "out"), "-l", languages,
                   "--psm", str(psm)]
        if dpi and 50 <= float(dpi[0]) <= 1200:
            command += ["--dpi", str(round(float(dpi[0])))]
        command += ["txt", "tsv"]
        # One OpenMP thread per process: the pipeline already runs pages side by side.
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        try:
            done = subprocess.run(command, capture_output=True, timeout=timeout, env=env,
                                  check=False)  # run() kills the child on a timeout
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
    """An RGB image of sensible size: EXIF orientation applied, alpha flattened."""
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
    elif image.mode != "RGB":
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


def _blank(pixels: np.ndarray) -> bool:
    grey = pixels.mean(axis=2) if pixels.ndim == 3 else pixels
    return bool(grey.size == 0 or float(np.percentile(grey, 99.5)
                                        - np.percentile(grey, 0.5)) < 24)


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


def _read(engine: Any, pixels: np.ndarray, boxes: list[np.ndarray]) -> list[tuple[str, float]]:
    crops = engine.get_crop_img_list(pixels, boxes)
    crops, _cls, _elapsed = engine.text_cls(crops)
    results, _elapsed = engine.text_rec(crops, False)
    return [(str(text), float(score)) for text, score, *_ in results]


def _box_width(box: np.ndarray) -> float:
    return float(np.linalg.norm(box[1] - box[0]))


def _script_of(readings: list[tuple[str, float]], allowed: set[Script]) -> Script:
    """The probe's verdict from RapidOCR's readings of a few lines."""
    chars = sum(len(text) for text, _ in readings)
    mean = (sum(score * len(text) for text, score in readings) / chars) if chars else 0.0
    if "arabic" in allowed and mean < PROBE_MIN_SCORE:
        return "arabic"
    han = sum(1 for text, _ in readings for c in text if _is_han(c))
    latin = sum(1 for text, _ in readings for c in text if c.isascii() and c.isalpha())
    if {"han", "hant"} & allowed and (han * 4 >= latin or "latin" not in allowed):
        traditional = sum(1 for text, _ in readings for c in text if _traditional(c))
        if "hant" in allowed and (traditional >= TRADITIONAL_SHARE * han or "han" not in allowed):
            return "hant"
        return "han" if "han" in allowed else "hant"
    return "latin" if "latin" in allowed else next(iter(sorted(allowed)))


@functools.cache
def _traditional(char: str) -> bool:
    """A character of Big5 that GB2312 lacks: written in traditional characters."""
    if not _is_han(char) or char.isascii():
        return False
    try:
        char.encode("gb2312")
        return False
    except UnicodeEncodeError:
        pass
    try:
        char.encode("big5")
        return True
    except UnicodeEncodeError:
        return False


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


def ocr_image(image: Image.Image, options: OcrOptions) -> OcrResult:
    """Read the text in `image` with the engine that reads its script best."""
    image = prepare(image)
    pixels = np.asarray(image)
    if _blank(pixels):
        return OcrResult("", "", None, None)
    allowed = allowed_scripts(options.languages)
    engines = {ENGINE_FOR_SCRIPT[s] for s in allowed}
    if engines == {"tesseract"} and len(allowed) == 1:
        return _by_tesseract(image, next(iter(allowed)), options)

    engine = rapid_engine()
    # RapidOCR expects BGR, as OpenCV reads files.
    bgr = np.ascontiguousarray(pixels[:, :, ::-1])
    if _line_shaped(image):
        crops, _cls, _elapsed = engine.text_cls([bgr])
        (reading, *_rest), _elapsed = engine.text_rec(crops, False)
        line, score = str(reading[0]).strip(), float(reading[1])
        if line and score >= PROBE_MIN_SCORE:
            script = _script_of([(line, score)], allowed)
            if ENGINE_FOR_SCRIPT[script] == "rapidocr" or len(engines) == 1:
                return OcrResult(line, "rapidocr", score, script)
            return _by_tesseract(image, script, options)
    probe_boxes, probe_scale = _detect(engine, bgr, PROBE_SIDE)
    if not probe_boxes:
        return OcrResult("", "", None, None)
    known: dict[int, tuple[str, float]] = {}
    if engines != {"rapidocr"}:
        widest = sorted(range(len(probe_boxes)), key=lambda i: _box_width(probe_boxes[i]),
                        reverse=True)[:PROBE_LINES]
        readings = _read(engine, bgr, [probe_boxes[i] for i in widest])
        known = dict(zip(widest, readings, strict=True))
        script = _script_of(readings, allowed)
        if ENGINE_FOR_SCRIPT[script] == "tesseract":
            return _by_tesseract(image, script, options)
    boxes = probe_boxes
    heights = [float(b[:, 1].max() - b[:, 1].min()) for b in probe_boxes]
    if float(np.median(heights)) * probe_scale < PROBE_MIN_LINE_PX:
        # Small print: the reduced copy may have merged or lost lines; detect again.
        boxes, _scale = _detect(engine, bgr, RAPID_MAX_SIDE)
        known = {}
    missing = [i for i in range(len(boxes)) if i not in known]
    known.update(zip(missing, _read(engine, bgr, [boxes[i] for i in missing]), strict=True))
    text, confidence = _assemble(boxes, [known[i] for i in range(len(boxes))])
    if not text:
        return OcrResult("", "rapidocr", None, None)
    script = _script_of([(text, confidence)], allowed - {"arabic"} or allowed)
    return OcrResult(text, "rapidocr", confidence, script)
