"""Born-digital PDF text: Trove's PDF extractor (OCR off) against poppler's pdftotext.

    python bench/bench_pdf.py

Files: the PDFs of ../shared/corpora (pdfminer-samples, pypdf-sample-files,
unstructured-example-docs) and a few multi-page Chinese PDFs generated with reportlab
and WenQuanYi Zen Hei. Each tool reads every file once per round, in the same run; the
best of three rounds is kept, to damp the noise of a shared machine.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from trove.extract.formats.pdf import PdfExtractor
from trove.extract.records import Context, OcrOptions

CORPORA = Path(os.environ.get("TROVE_TEST_CORPORA",
                              Path(__file__).resolve().parents[2] / "shared" / "corpora"))
FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
PARAGRAPH = ("各县（市）人民政府，地区各委、办、局：为切实加强流动人口服务管理，维护社会和谐稳定，"
             "经地区行政公署研究同意，现将有关事项通知如下。联系人：王建国，电话：0998-2817365。")


def chinese_pdfs(folder: Path) -> list[Path]:
    pdfmetrics.registerFont(TTFont("WQY", FONT, subfontIndex=0))
    paths = []
    for pages in (5, 20, 60):
        path = folder / f"chinese-{pages}.pdf"
        sheet = canvas.Canvas(str(path))
        for number in range(pages):
            sheet.setFont("WQY", 11)
            for row in range(40):
                start = (row * 7 + number) % 40
                sheet.drawString(50, 790 - 18 * row, PARAGRAPH[start:start + 38])
            sheet.showPage()
        sheet.save()
        paths.append(path)
    return paths


def corpus_pdfs() -> list[Path]:
    found = []
    for name in ("pdfminer-samples", "pypdf-sample-files", "unstructured-example-docs"):
        found += sorted((CORPORA / name).rglob("*.pdf"))
    return found


def trove_round(paths: list[Path], work: Path) -> tuple[float, int, int]:
    extractor = PdfExtractor()
    chars = failures = 0
    start = time.perf_counter()
    for index, path in enumerate(paths):
        workdir = work / f"w{index}"
        workdir.mkdir(exist_ok=True)
        ctx = Context(workdir=workdir, ocr=OcrOptions(enabled=False))
        try:
            chars += len(extractor.extract(path, ctx).full_text())
        except Exception:  # encrypted or damaged beyond reading: counted, not timed apart
            failures += 1
    return time.perf_counter() - start, chars, failures


def poppler_round(paths: list[Path]) -> tuple[float, int, int]:
    chars = failures = 0
    start = time.perf_counter()
    for path in paths:
        done = subprocess.run(["pdftotext", "-q", "-enc", "UTF-8", str(path), "-"],
                              capture_output=True, check=False)
        chars += len(done.stdout.decode("utf-8", "replace"))
        failures += done.returncode != 0
    return time.perf_counter() - start, chars, failures


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sets = {"corpora": corpus_pdfs(), "chinese (generated)": chinese_pdfs(work)}
        print(f"{'set':22} {'files':>5} {'pdftotext s':>11} {'Trove s':>8} {'ratio':>6} "
              f"{'chars p2t':>10} {'chars Trove':>11} {'fail p2t/Trove':>14}")
        total_p = total_t = 0.0
        for label, paths in sets.items():
            best_p = best_t = float("inf")
            for _ in range(3):
                p_time, p_chars, p_fail = poppler_round(paths)
                t_time, t_chars, t_fail = trove_round(paths, work)
                best_p, best_t = min(best_p, p_time), min(best_t, t_time)
            total_p += best_p
            total_t += best_t
            print(f"{label:22} {len(paths):>5} {best_p:>11.2f} {best_t:>8.2f} "
                  f"{best_t / best_p:>6.2f} {p_chars:>10} {t_chars:>11} "
                  f"{p_fail:>6}/{t_fail:<7}")
        print(f"{'all':22} {'':>5} {total_p:>11.2f} {total_t:>8.2f} {total_t / total_p:>6.2f}")


if __name__ == "__main__":
    main()
