"""OCR benchmark: each engine's character accuracy and speed per script, and Trove's overhead.

    python bench/bench_ocr.py [--quick] [--repeat N]

Pages: generated A4 scans (render_scan, 150 dpi) of invented official notices in
simplified and traditional Chinese, Uyghur and English, plus the RapidOCR test images
with their expected text (../shared/corpora/rapidocr-testimages). Accuracy is
1 - CER after removing whitespace; for the test images, whose expected text is only a
part of the image, the CER is taken against the best-matching span of the output.

"Trove/raw" is the time of `ocr_image` over the time of a plain call of the engine it
chose, on the same pages in the same run: RapidOCR's all-in-one call with its default
settings, or the Tesseract command line Trove runs (same language, --psm 3, --dpi, one
OpenMP thread, the same uncompressed image file) printing text only. "hinted" is
`ocr_image` given the script decided on the document's first page, as a multi-page
PDF or TIFF is read. With --repeat N every timing is the fastest of N runs, which
steadies the ratios on a busy machine. Last, the probe's verdict and cost on the corpus
images that have no expected text (Uyghur screenshots, unstructured's scans).
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from trove.extract.ocr import (
    _blank,
    _probe_script,
    allowed_scripts,
    ocr_image,
    prepare,
    rapid_engine,
    tesseract_command,
    tesseract_env,
)
from trove.extract.records import OcrOptions
from trove.sample.scans import render_scan

CORPORA = Path(os.environ.get("TROVE_TEST_CORPORA",
                              Path(__file__).resolve().parents[2] / "shared" / "corpora"))

HANS = [
    "关于进一步做好流动人口服务管理工作的通知",
    "各县（市）人民政府，地区各委、办、局：",
    "为切实加强流动人口服务管理，维护社会和谐稳定，经地区行政公署研究同意，现将有关事项通知如下。",
    "一、各乡镇要在本月二十日前完成辖区内出租房屋和外来务工人员的登记工作，登记信息须当日录入系统。",
    "二、公安派出所要会同社区居委会开展入户走访，对重点人员做到底数清、情况明。",
    "三、对未按规定办理居住登记的，要及时督促补办，并将情况报县级主管部门备案。",
    "四、各单位要明确一名分管领导具体负责，工作中遇到的问题请及时与地区办公室联系。",
    "联系人：王建国，联系电话：0998-2817365。",
    "喀什地区行政公署办公室",
    "二〇一八年五月十日",
]
HANT = [
    "關於加強轄區治安巡查工作的通報",
    "各鄉鎮人民政府、各派出所：",
    "近期部分鄉鎮在治安巡查工作中存在登記不全、上報不及時等問題，現將有關情況通報如下。",
    "一、各派出所要嚴格落實二十四小時值班制度，值班人員不得擅離崗位。",
    "二、對檢查中發現的問題，責任單位須在七日內完成整改，並書面報告整改結果。",
    "三、縣局將不定期組織抽查，抽查結果納入年度考核。",
    "聯繫人：陳志明，電話：0903-5526481。",
    "和田縣公安局辦公室　二〇一九年九月三日",
]
UIG = [
    "نوپۇس ئۇچۇرلىرىنى تەكشۈرۈش خىزمىتىنى كۈچەيتىش توغرىسىدا ئۇقتۇرۇش",
    "ھەرقايسى يېزا-بازارلىق خەلق ھۆكۈمەتلىرىگە، ھەرقايسى ساقچىخانىلارغا:",
    "ۋىلايەتلىك مەمۇرىي مەھكىمىنىڭ قارارىغا ئاساسەن، تۆۋەندىكى ئىشلار ئۇقتۇرۇلىدۇ.",
    "بىرىنچى، ھەرقايسى يېزىلار بۇ ئاينىڭ ئاخىرىغىچە ئىجارە "
    "ئۆيلەرنى تىزىملاش خىزمىتىنى تاماملىشى كېرەك.",
    "ئىككىنچى، مەھەللە كومىتېتلىرى ئائىلىلەرنى زىيارەت قىلىپ، ئەھۋالنى ئېنىقلىشى لازىم.",
    "ئۈچىنچى، خىزمەتتە كۆرۈلگەن مەسىلىلەرنى ۋاقتىدا يۇقىرىغا مەلۇم قىلىش كېرەك.",
    "ئالاقىلاشقۇچى: ئابلىمىت تۇرسۇن، تېلېفون: 0998-2817365",
    "قەشقەر ۋىلايەتلىك مەمۇرىي مەھكىمە ئىشخانىسى",
]
ENG = [
    "NOTICE ON STRENGTHENING THE REGISTRATION OF RENTED HOUSING",
    "To the township governments and police stations of the county:",
    "In accordance with the decision of the prefectural "
    "administration, the following matters are notified.",
    "First, every township shall complete the registration of rented "
    "rooms and migrant workers by the end of this month.",
    "Second, community committees shall visit households and "
    "report any change of residence within three days.",
    "Third, problems found during the work shall be reported to the county office without delay.",
    "Contact: Wang Jianguo, telephone 0998-2817365.",
    "Kashgar Prefecture Administrative Office, 10 May 2018",
]

# (label, lines, script, tesseract language); two or three pages each, varied by seed.
PAGES = [
    ("chi_sim", HANS, "han", "chi_sim"), ("chi_sim", HANS[::-1], "han", "chi_sim"),
    ("chi_sim", HANS[2:] + HANS[:2], "han", "chi_sim"),
    ("chi_tra", HANT, "han", "chi_tra"), ("chi_tra", HANT[::-1], "han", "chi_tra"),
    ("uig", UIG, "arabic", "uig"), ("uig", UIG[::-1], "arabic", "uig"),
    ("uig", UIG[3:] + UIG[:3], "arabic", "uig"),
    ("eng", ENG, "latin", "eng"), ("eng", ENG[::-1], "latin", "eng"),
]


def squash(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def edit_distance(truth: str, text: str, *, span: bool = False) -> int:
    """Levenshtein distance; with `span`, to the best-matching substring of `text`."""
    previous = list(range(len(text) + 1)) if not span else [0] * (len(text) + 1)
    for i, a in enumerate(truth, start=1):
        current = [i] + [0] * len(text)
        for j, b in enumerate(text, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a != b))
        previous = current
    return min(previous) if span else previous[-1]


def accuracy(truth: str, text: str, *, span: bool = False) -> float:
    truth, text = squash(truth), squash(text)
    return max(0.0, 1 - edit_distance(truth, text, span=span) / max(1, len(truth)))


def raw_rapid(image: Image.Image) -> str:
    result, _ = rapid_engine()(np.asarray(image.convert("RGB"))[:, :, ::-1])
    return "\n".join(str(r[1]) for r in result or [])


def raw_tesseract(image: Image.Image, lang: str) -> str:
    """The plain Tesseract call with Trove's settings, on the same kind of file."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / ("page.pgm" if image.mode == "L" else "page.ppm")
        image.save(source, format="PPM")
        dpi = image.info.get("dpi")
        command = tesseract_command(source, Path("-"), lang,
                                    dpi=float(dpi[0]) if dpi else None)
        return subprocess.run(command, capture_output=True, text=True, env=tesseract_env(),
                              check=True).stdout


def timed(repeat: int, fn, *args):  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn(*args)
        best = min(best, time.perf_counter() - start)
    return out, best


def probe(image: Image.Image) -> tuple[str | None, float]:
    """The probe's verdict on `image` and its time, as `ocr_image` runs it."""
    start = time.perf_counter()
    page = prepare(image)
    grey = np.asarray(page if page.mode == "L" else page.convert("L"))
    allowed = allowed_scripts(OcrOptions().languages)
    script = None if _blank(grey) else _probe_script(rapid_engine(), grey, allowed)
    return script, time.perf_counter() - start


def main() -> None:
    quick = "--quick" in sys.argv
    repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 1
    options = OcrOptions()
    raw_rapid(Image.new("RGB", (200, 60), "white"))  # load the models outside the timing
    probe(render_scan(ENG[:2], script="latin", seed=0, width=600, height=200))
    acc: dict[tuple[str, str], list[float]] = defaultdict(list)
    secs: dict[tuple[str, str], list[float]] = defaultdict(list)
    trove_acc: dict[str, list[float]] = defaultdict(list)
    trove_time: dict[str, float] = defaultdict(float)
    hinted_time: dict[str, float] = defaultdict(float)
    raw_time: dict[str, float] = defaultdict(float)
    probe_time: dict[str, float] = defaultdict(float)
    chosen: dict[str, set[str]] = defaultdict(set)
    hints: dict[str, str | None] = {}
    pages = PAGES[::3] if quick else PAGES
    for seed, (label, lines, script, lang) in enumerate(pages):
        image = render_scan(lines, script=script, seed=seed)  # type: ignore[arg-type]
        image.info["dpi"] = (150, 150)
        truth = "".join(lines)
        runs: dict[str, Callable[[Image.Image], str]] = {
            "rapidocr": raw_rapid,
            f"tesseract:{lang}": functools.partial(raw_tesseract, lang=lang)}
        for engine, fn in runs.items():
            text, took = timed(repeat, fn, image)
            acc[(label, engine)].append(accuracy(truth, text))
            secs[(label, engine)].append(took)
        result, took = timed(repeat, ocr_image, image, options)
        trove_acc[label].append(accuracy(truth, result.text))
        trove_time[label] += took
        chosen[label].add(result.engine)
        # A document's first page is probed; later pages take its decision as the hint.
        hint = hints.setdefault(label, result.script)
        _hinted, hinted_took = timed(repeat, ocr_image, image, options, hint)
        hinted_time[label] += hinted_took if hint == result.script else took
        probe_time[label] += timed(repeat, probe, image)[0][1]
        raw_key = "rapidocr" if result.engine == "rapidocr" else f"tesseract:{lang}"
        raw_time[label] += secs[(label, raw_key)][-1]
        print(f"  page {seed + 1}: {label} -> {result.engine} "
              f"{trove_acc[label][-1]:.3f} in {took:.2f} s (raw {raw_time[label]:.2f} s "
              f"so far)", file=sys.stderr)

    print(f"\nGenerated scans: {len(pages)} A4 pages at 150 dpi; timings best of {repeat}\n")
    print(f"{'pages':8} {'engine':18} {'n':>2} {'accuracy':>9} {'s/page':>7}")
    for (label, engine), values in sorted(acc.items()):
        n = len(values)
        print(f"{label:8} {engine:18} {n:>2} {sum(values) / n:>9.3f} "
              f"{sum(secs[(label, engine)]) / n:>7.2f}")
    print(f"\n{'pages':8} {'Trove chose':20} {'accuracy':>9} {'probe ms':>9} {'Trove s':>8} "
          f"{'raw s':>7} {'Trove/raw':>9} {'hinted/raw':>10}")
    for label in sorted(trove_acc):
        n = len(trove_acc[label])
        print(f"{label:8} {','.join(sorted(chosen[label])):20} "
              f"{sum(trove_acc[label]) / n:>9.3f} {1000 * probe_time[label] / n:>9.0f} "
              f"{trove_time[label]:>8.2f} {raw_time[label]:>7.2f} "
              f"{trove_time[label] / raw_time[label]:>9.2f} "
              f"{hinted_time[label] / raw_time[label]:>10.2f}")
    total_t, total_r = sum(trove_time.values()), sum(raw_time.values())
    print(f"{'all':8} {'':20} {'':>9} {'':>9} {total_t:>8.2f} {total_r:>7.2f} "
          f"{total_t / total_r:>9.2f} {sum(hinted_time.values()) / total_r:>10.2f}")
    if quick:
        return

    folder = CORPORA / "rapidocr-testimages"
    if (folder / "expected.tsv").is_file():
        expected: dict[str, list[str]] = defaultdict(list)
        for row in (folder / "expected.tsv").read_text("utf-8").splitlines()[1:]:
            name, _, substring = row.partition("\t")
            expected[name].append(substring)
        print(f"\nrapidocr-testimages ({len(expected)} images; accuracy against the best span)")
        print(f"{'image':28} {'rapidocr':>9} {'tess':>6} {'Trove':>6}  Trove engine")
        for name, subs in sorted(expected.items()):
            image = Image.open(folder / name)
            image.load()
            lang = "uig" if "arabic" in name else "chi_sim+eng"
            rapid_text = raw_rapid(image)
            tess_text = raw_tesseract(image, lang)
            result = ocr_image(image, options)
            scores = [sum(accuracy(s, t, span=True) for s in subs) / len(subs)
                      for t in (rapid_text, tess_text, result.text)]
            print(f"{Path(name).name:28} {scores[0]:>9.3f} {scores[1]:>6.3f} "
                  f"{scores[2]:>6.3f}  {result.engine}")
    else:
        print("\nrapidocr-testimages absent: skipped")

    others = sorted(p for folder in ("uyghur-ocr-images", "unstructured-example-docs")
                    for p in (CORPORA / folder).rglob("*")
                    if p.suffix.lower() in {".png", ".jpg", ".jpeg", ".tif", ".tiff"})
    if others:
        print("\nProbe verdicts on corpus images without expected text")
        for path in others:
            with Image.open(path) as image:
                image.load()
                verdict, took = probe(image)
            print(f"  {path.parent.name}/{path.name:40} {verdict or '-':7} {1000 * took:5.0f} ms")


if __name__ == "__main__":
    main()
