"""The labelled query set: each query as a reporter types it (Trove's query syntax) and as
the `trove.search.ast` tree that syntax means; `relevance.qrels` labels them from the
corpus's ground truth.

Categories: exact (a planted word, must reach recall 1.0), phrase (must reach 1.0),
zh-word (a Chinese word inside unbroken text), traditional (a Traditional query for
Simplified text), variant (Uyghur typed with look-alike letters or presentation forms),
prefix, boolean, field, filter, date. Latency mixes reuse them, plus the background
words of `LATENCY_ONLY`, which are too common to label.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from search.corpus import presentation_forms, uyghur_variants
from trove.search.ast import And, DateRange, Filter, Node, Not, Or, Phrase, Term


@dataclass(frozen=True)
class Query:
    id: str
    lang: str  # zh, ug, en, mixed
    category: str
    text: str  # in Trove's query syntax
    node: Node


def _t(text: str, field: str | None = None, prefix: bool = False) -> Term:
    return Term(text, field, prefix)


def _p(text: str, field: str | None = None) -> Phrase:
    return Phrase(text, field)


def _d(start: str | None, end: str | None) -> DateRange:
    return DateRange(date.fromisoformat(start) if start else None,
                     date.fromisoformat(end) if end else None)


_ISK, _ALT, _KOK = "ئىسكەندەر", "ئالتۇنكۆل", "كۆكبۆرە"

_ROWS: tuple[tuple[str, str, str, Node], ...] = (
    # --- Chinese --------------------------------------------------------------------
    ("zh", "exact", "欧阳明澈", _t("欧阳明澈")),
    ("zh", "exact", "司马青岚", _t("司马青岚")),
    ("zh", "exact", "诸葛文渊", _t("诸葛文渊")),
    ("zh", "exact", "翡翠湾", _t("翡翠湾")),
    ("zh", "exact", "琥珀岭水库", _t("琥珀岭水库")),
    ("zh", "exact", "云盾专项行动", _t("云盾专项行动")),
    ("zh", "exact", "星河数据中心", _t("星河数据中心")),
    ("zh", "exact", "夜莺计划", _t("夜莺计划")),
    ("zh", "exact", "铁骑巡防队", _t("铁骑巡防队")),
    ("zh", "exact", "青鸾系统", _t("青鸾系统")),
    ("zh", "exact", "蓝鲸平台", _t("蓝鲸平台")),
    ("zh", "exact", "金穗工程", _t("金穗工程")),
    ("zh", "exact", "白鹭洲", _t("白鹭洲")),
    ("zh", "zh-word", "琥珀岭", _t("琥珀岭")),
    ("zh", "zh-word", "云盾", _t("云盾")),
    ("zh", "zh-word", "星河", _t("星河")),
    ("zh", "zh-word", "夜莺", _t("夜莺")),
    ("zh", "zh-word", "铁骑", _t("铁骑")),
    ("zh", "zh-word", "青鸾", _t("青鸾")),
    ("zh", "zh-word", "蓝鲸", _t("蓝鲸")),
    ("zh", "phrase", '"云盾专项行动"', _p("云盾专项行动")),
    ("zh", "phrase", '"星河数据中心"', _p("星河数据中心")),
    ("zh", "traditional", "歐陽明澈", _t("歐陽明澈")),
    ("zh", "traditional", "司馬青嵐", _t("司馬青嵐")),
    ("zh", "traditional", "雲盾專項行動", _t("雲盾專項行動")),
    ("zh", "traditional", "琥珀嶺", _t("琥珀嶺")),
    ("zh", "traditional", "夜鶯計劃", _t("夜鶯計劃")),
    ("zh", "traditional", "藍鯨平台", _t("藍鯨平台")),
    ("zh", "field", "title:欧阳明澈", _t("欧阳明澈", "title")),
    ("zh", "field", "author:欧阳明澈", _t("欧阳明澈", "author")),
    ("zh", "field", "author:司马青岚", _t("司马青岚", "author")),
    ("zh", "filter", "青鸾 lang:zh-Hant", And((_t("青鸾"), Filter("lang", "zh-Hant")))),
    ("zh", "filter", "翡翠湾 type:email", And((_t("翡翠湾"), Filter("type", "email")))),
    ("zh", "filter", "白鹭洲 ext:pdf", And((_t("白鹭洲"), Filter("ext", "pdf")))),
    ("zh", "filter", "白鹭洲 path:/leak/zh-hans/minutes/",
     And((_t("白鹭洲"), Filter("path", "/leak/zh-hans/minutes/")))),
    ("zh", "date", "云盾 date:2018-01-01..2018-12-31",
     And((_t("云盾"), _d("2018-01-01", "2018-12-31")))),
    ("zh", "boolean", "白鹭洲 -云盾", And((_t("白鹭洲"), Not(_t("云盾"))))),
    ("zh", "boolean", "欧阳明澈 OR 司马青岚", Or((_t("欧阳明澈"), _t("司马青岚")))),
    # --- Uyghur ---------------------------------------------------------------------
    ("ug", "exact", _ISK, _t(_ISK)),
    ("ug", "exact", "مۇنەۋۋەر", _t("مۇنەۋۋەر")),
    ("ug", "exact", _ALT, _t(_ALT)),
    ("ug", "exact", _KOK, _t(_KOK)),
    ("ug", "exact", "تۆمۈرتاغ", _t("تۆمۈرتاغ")),
    ("ug", "exact", "قاراتۇمشۇق", _t("قاراتۇمشۇق")),
    ("ug", "exact", "قالقان", _t("قالقان")),
    ("ug", "phrase", '"يېشىل قالقان ھەرىكىتى"', _p("يېشىل قالقان ھەرىكىتى")),
    ("ug", "variant", uyghur_variants(_ISK), _t(uyghur_variants(_ISK))),
    ("ug", "variant", uyghur_variants(_ALT), _t(uyghur_variants(_ALT))),
    ("ug", "variant", presentation_forms(_KOK), _t(presentation_forms(_KOK))),
    ("ug", "variant", presentation_forms(_ISK), _t(presentation_forms(_ISK))),
    ("ug", "field", "author:مۇنەۋۋەر", _t("مۇنەۋۋەر", "author")),
    ("ug", "date", f"{_ISK} date:..2018-12-31", And((_t(_ISK), _d(None, "2018-12-31")))),
    ("ug", "filter", "قاراتۇمشۇق ext:pdf", And((_t("قاراتۇمشۇق"), Filter("ext", "pdf")))),
    # --- English and mixed ------------------------------------------------------------
    ("en", "exact", "kestrelvane", _t("kestrelvane")),
    ("en", "exact", "KESTRELVANE", _t("KESTRELVANE")),
    ("en", "exact", "quillmark", _t("quillmark")),
    ("en", "exact", "marrowgate", _t("marrowgate")),
    ("en", "exact", "halcyon", _t("halcyon")),
    ("en", "phrase", '"amber lantern protocol"', _p("amber lantern protocol")),
    ("en", "phrase", '"Oswin Taggart"', _p("Oswin Taggart")),
    ("en", "phrase", '"NVS-KX-9931"', _p("NVS-KX-9931")),
    ("en", "boolean", "amber lantern", And((_t("amber"), _t("lantern")))),
    ("en", "boolean", "kestrelvane OR quillstone", Or((_t("kestrelvane"), _t("quillstone")))),
    ("en", "boolean", "halcyon -kestrelvane", And((_t("halcyon"), Not(_t("kestrelvane"))))),
    ("en", "prefix", "quill*", _t("quill", prefix=True)),
    ("en", "field", "title:kestrelvane", _t("kestrelvane", "title")),
    ("en", "field", 'author:"Oswin Taggart"', _p("Oswin Taggart", "author")),
    ("en", "date", "halcyon date:2019-01-01..2019-06-30",
     And((_t("halcyon"), _d("2019-01-01", "2019-06-30")))),
    ("en", "filter", "halcyon type:email", And((_t("halcyon"), Filter("type", "email")))),
    ("mixed", "filter", "halcyon lang:ug", And((_t("halcyon"), Filter("lang", "ug")))),
    ("mixed", "filter", "halcyon lang:zh-Hans", And((_t("halcyon"), Filter("lang", "zh-Hans")))),
    ("mixed", "boolean", "halcyon OR 云盾", Or((_t("halcyon"), _t("云盾")))),
    ("mixed", "boolean", f"{_ISK} OR kestrelvane", Or((_t(_ISK), _t("kestrelvane")))),
    ("mixed", "boolean", "marrowgate OR 诸葛文渊 OR تۆمۈرتاغ",
     Or((_t("marrowgate"), _t("诸葛文渊"), _t("تۆمۈرتاغ")))),
)

QUERIES: tuple[Query, ...] = tuple(
    Query(f"{lang}{i:02d}", lang, category, text, node)
    for i, (lang, category, text, node) in enumerate(_ROWS, 1))

# Background words: frequent, so they time large result sets; never labelled.
LATENCY_ONLY: tuple[tuple[str, Node], ...] = (
    ("工作", _t("工作")),
    ("人口", _t("人口")),
    ('"入户核查"', _p("入户核查")),
    ("ئۇچۇر", _t("ئۇچۇر")),
    ("camera", _t("camera")),
    ('"face-matching licences"', _p("face-matching licences")),
    ("bureau type:pdf", And((_t("bureau"), Filter("type", "pdf")))),
    ("工作 date:2019-01-01..2019-12-31", And((_t("工作"), _d("2019-01-01", "2019-12-31")))),
)
