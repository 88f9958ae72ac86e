"""The SQLite FTS5 index, over a real metadata store in tmp_path."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

from trove.errors import TroveError
from trove.search.analysis import normalize, tokens
from trove.search.ast import (
    And,
    DateRange,
    Filter,
    MatchAll,
    Node,
    Not,
    Or,
    Phrase,
    Term,
)
from trove.search.fts import FtsIndex, create_schema
from trove.search.index import IndexDoc, SearchError, prepare
from trove.store.records import Collection, DocumentResult, MemberRecord, RootFile
from trove.store.sqlite import SqliteMetadataStore


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Cache:
    """A collection in a real store, with the search tables beside it."""

    store: SqliteMetadataStore
    collection: Collection
    index: FtsIndex
    names: dict[str, str] = field(default_factory=dict)  # label -> sha256

    def put(self, label: str, text: str, *, parent: str | None = None,
            collection: Collection | None = None, fields: dict[str, str] | None = None,
            **filters: object) -> str:
        digest = sha(label + text)
        into = collection or self.collection
        if parent is None:
            self.store.record_root(into, RootFile(f"{label}.bin", digest, len(text), 0))
        self.store.record_result(into, DocumentResult(
            digest, len(text), "text/plain", "text", "done", None, text, (), {}, {}, 0.0), 0)
        self.index.add([IndexDoc(digest, {"text": text, "name": label, **(fields or {})},
                                 **filters)])  # type: ignore[arg-type]
        self.names[label] = digest
        return digest

    def contain(self, parent: str, children: list[str]) -> None:
        digest = self.names[parent]
        self.store.record_result(self.collection, DocumentResult(
            digest, 1, "application/zip", "zip", "done", None, "", (), {}, {}, 0.0,
            tuple(MemberRecord(i, child, self.names[child], 1)
                  for i, child in enumerate(children))), 0)

    def find(self, node: Node, **options: object) -> list[str]:
        result = self.index.search(node, collection_id=self.collection.id, limit=1000,
                                   **options)  # type: ignore[arg-type]
        labels = {v: k for k, v in self.names.items()}
        assert result.total == len(result.hits)
        return [labels.get(h.sha256, h.sha256) for h in result.hits]

    def labels(self, node: Node, **options: object) -> set[str]:
        return set(self.find(node, **options))


def open_cache(path: Path) -> Cache:
    store = SqliteMetadataStore(path)
    store.db.execute("BEGIN")
    create_schema(store.db)
    store.db.execute("COMMIT")
    return Cache(store, store.ensure_collection("leak"), FtsIndex(store.db))


@pytest.fixture
def cache(tmp_path: Path) -> Cache:
    c = open_cache(tmp_path / "trove.db")
    c.put("notice", "各单位：现就开展教育转化工作的有关事项通知如下。",
          fields={"title": "关于开展教育转化工作的通知"}, type="pdf", lang="zh",
          ext="pdf", date="2017-03-01T09:00:00+08:00", tags=("Urgent",))
    c.put("search", "我們搜尋了所有檔案，沒有發現問題。", type="word", lang="zh",
          date="2018-06-15")
    c.put("uyghur", "ﺋﯘﻳﻐﯘﺭ ﺋﺎﭘﺘﻮﻧﻮﻡ ﺭﺍﻳﻮﻧﻰ ھۆكۈمىتى", type="pdf", lang="ug",
          date="2017-12-31")
    c.put("mail", "The camp director signed the transfer order. Contact ZHU@example.com",
          fields={"from": "Zhu Hailun <zhu@example.com>", "subject": "Transfer order"},
          type="email", lang="en", date="2019-01-01", senders=("zhu@example.com",))
    c.put("training", "Training and running schedule for the detention facility staff.",
          type="pdf", lang="en", paths=("reports/2018/training.pdf",))
    c.put("runs", "He runs the facility every day.", type="text", lang="en",
          date="2016-05-05")
    c.put("archive", "", type="archive", ext="zip")
    c.put("inner-zh", "内部文件：教育转化人员名单", parent="archive", type="word", lang="zh")
    c.put("inner-en", "internal list of names", parent="archive", type="text", lang="en")
    c.contain("archive", ["inner-zh", "inner-en"])
    other = c.store.ensure_collection("other leak")
    c.put("elsewhere", "教育转化 camp director", collection=other)
    return c


def test_chinese_traditional_uyghur_and_full_width(cache: Cache) -> None:
    assert cache.labels(Term("教育转化")) == {"notice", "inner-zh"}
    assert cache.labels(Term("搜寻")) == cache.labels(Term("搜尋")) == {"search"}
    assert cache.labels(Term("ئۇيغۇر")) == {"uyghur"}  # indexed from presentation forms
    assert cache.labels(Term("ھۆكۈمىتى")) == {"uyghur"}
    assert cache.labels(Term("ＺＨＵ")) == {"mail"}
    assert cache.labels(Term("教育转换")) == set()


def test_boolean_combinations(cache: Cache) -> None:
    assert cache.labels(And((Term("camp"), Term("director")))) == {"mail"}
    assert cache.labels(Or((Term("camp"), Term("搜寻")))) == {"mail", "search"}
    assert cache.labels(And((Term("教育转化"), Not(Term("名单"))))) == {"notice"}
    assert cache.labels(And((Term("facility"), Not(Term("running"))))) == {"runs"}
    everything = cache.labels(MatchAll())
    assert "elsewhere" not in everything and len(everything) == 9
    assert cache.labels(Not(Term("教育转化"))) == everything - {"notice", "inner-zh"}
    assert cache.labels(Or((Term("camp"), Filter("lang", "ug")))) == {"mail", "uyghur"}
    assert cache.labels(And((Or((Term("教育"), Term("names"))), Not(Filter("type", "pdf"))))
                        ) == {"inner-zh", "inner-en"}
    assert cache.labels(And((Term("zzzz"), Term("camp")))) == set()
    assert cache.labels(Or((Term("!!!"), Term("camp")))) == {"mail"}


def test_phrases_and_proximity(cache: Cache) -> None:
    assert cache.labels(Phrase("director signed")) == {"mail"}
    assert cache.labels(Phrase("signed director")) == set()
    assert cache.labels(Phrase("camp order")) == set()
    assert cache.labels(Phrase("camp order", slop=5)) == {"mail"}
    assert cache.labels(Phrase("camp order", slop=2)) == set()
    assert cache.labels(Phrase("开展 教育")) == {"notice"}  # a space inside Chinese
    assert cache.labels(Phrase("zhu@example.com")) == {"mail"}


def test_prefixes_latin_and_chinese(cache: Cache) -> None:
    assert cache.labels(Term("detent", prefix=True)) == {"training"}
    assert cache.labels(Term("detent")) == set()
    assert cache.labels(Term("教")) == {"notice", "inner-zh"}  # 教 only starts bigrams
    assert cache.labels(Term("知")) == {"notice"}  # 知 only ends a run: its unigram
    assert cache.labels(Term("教育转", prefix=True)) == {"notice", "inner-zh"}


def test_fuzzy_latin_terms(cache: Cache) -> None:
    assert cache.labels(Term("dirctor")) == set()
    assert cache.labels(Term("dirctor", fuzzy=1)) == {"mail"}
    assert cache.labels(Term("facilty", fuzzy=2)) == {"training", "runs"}
    assert cache.labels(Term("camq", fuzzy=1, field="title")) == set()


def test_fields(cache: Cache) -> None:
    assert cache.labels(Term("通知", field="title")) == {"notice"}
    assert cache.labels(Term("zhu", field="from")) == {"mail"}
    assert cache.labels(Term("zhu", field="title")) == set()
    assert cache.labels(Phrase("transfer order", field="subject")) == {"mail"}
    assert cache.labels(Term("inner", field="name", prefix=True)) == {"inner-zh", "inner-en"}
    with pytest.raises(SearchError):
        cache.find(Term("x", field="bogus"))


def test_filters_and_dates(cache: Cache) -> None:
    assert cache.labels(Filter("type", "PDF")) == {"notice", "uyghur", "training"}
    assert cache.labels(Filter("lang", "ug")) == {"uyghur"}
    assert cache.labels(Filter("tag", "urgent")) == {"notice"}
    assert cache.labels(Filter("ext", ".zip")) == {"archive"}
    assert cache.labels(Filter("path", "reports/2018/")) == {"training"}
    assert cache.labels(Filter("sha256", cache.names["mail"][:8].upper())) == {"mail"}
    assert cache.labels(And((Term("facility"), Filter("type", "pdf")))) == {"training"}
    year_2017 = DateRange(date(2017, 1, 1), date(2017, 12, 31))
    assert cache.labels(year_2017) == {"notice", "uyghur"}
    assert cache.labels(DateRange(None, date(2017, 3, 1))) == {"notice", "runs"}
    assert cache.labels(DateRange(date(2018, 1, 1), None)) == {"search", "mail"}
    assert cache.labels(And((year_2017, Not(Filter("lang", "zh"))))) == {"uyghur"}


def test_facets_over_the_whole_match_set(cache: Cache) -> None:
    result = cache.index.search(MatchAll(), collection_id=cache.collection.id, limit=1,
                                facets=("type", "lang", "year", "from", "tag", "ext"))
    assert result.total == 9 and len(result.hits) == 1
    facets = {name: {f.value: f.count for f in found} for name, found in result.facets.items()}
    assert facets["type"] == {"pdf": 3, "word": 2, "text": 2, "email": 1, "archive": 1}
    assert facets["lang"] == {"zh": 3, "en": 4, "ug": 1}
    assert facets["year"] == {"2016": 1, "2017": 2, "2018": 1, "2019": 1}
    assert facets["from"] == {"zhu@example.com": 1}
    assert facets["tag"] == {"Urgent": 1}
    assert facets["ext"] == {"pdf": 1, "zip": 1}
    narrowed = cache.index.search(Term("教育转化"), collection_id=cache.collection.id,
                                  facets=("type",))
    assert {f.value: f.count for f in narrowed.facets["type"]} == {"pdf": 1, "word": 1}
    with pytest.raises(SearchError):
        cache.index.search(MatchAll(), collection_id=cache.collection.id, facets=("size",))


def test_sort_and_pagination(cache: Cache) -> None:
    dated = cache.find(MatchAll(), sort="date")
    assert dated[:5] == ["runs", "notice", "uyghur", "search", "mail"]
    assert cache.find(MatchAll(), sort="-date")[:5] == dated[:5][::-1]
    pages = [cache.index.search(MatchAll(), collection_id=cache.collection.id, sort="date",
                                limit=4, offset=offset) for offset in (0, 4, 8)]
    assert [p.total for p in pages] == [9, 9, 9]
    assert [h.sha256 for p in pages for h in p.hits] == [cache.names[x] for x in dated]
    assert cache.index.count(Term("facility"), collection_id=cache.collection.id) == 2


def test_within_a_container(cache: Cache) -> None:
    archive = cache.names["archive"]
    assert cache.labels(MatchAll(), within=archive) == {"inner-zh", "inner-en"}
    assert cache.labels(Term("教育转化"), within=archive) == {"inner-zh"}
    assert cache.labels(Term("camp"), within=archive) == set()


def test_ranking_title_words_and_stems(cache: Cache) -> None:
    # The title holds the term too: the notice ranks first.
    assert cache.find(Term("教育转化"))[0] == "notice"
    # A true word (化工) ranks above the same bigram straddling two words (转化|工作).
    cache.put("plant", "昨天化工厂发生事故，工作人员撤离。")
    cache.put("straddle", "昨天开展转化工作，工作人员已撤离。")
    ranked = cache.find(Term("化工"))
    assert set(ranked) == {"plant", "straddle", "notice"}
    assert ranked.index("plant") < ranked.index("straddle")
    # Stemming finds "running" for "runs", and the exact word ranks first.
    assert cache.labels(Term("runs")) == {"runs"}
    assert cache.find(Term("runs"), stemming=True) == ["runs", "training"]


def test_hits_carry_spans_in_the_original_text(cache: Cache) -> None:
    result = cache.index.search(Or((Term("教育转化"), Term("ZHU"))),
                                collection_id=cache.collection.id)
    texts = {h.sha256: cache.store.get_text(h.sha256) for h in result.hits}
    marked = {cache.find(Filter("sha256", h.sha256))[0]: [texts[h.sha256][a:b] for a, b in h.spans]
              for h in result.hits}
    assert marked == {"notice": ["教育转化"], "inner-zh": ["教育转化"], "mail": ["ZHU"]}


def test_replace_remove_and_heal(cache: Cache) -> None:
    digest = cache.names["mail"]
    assert cache.index.indexed([digest, "0" * 64]) == {digest}
    assert cache.index.missing(["0" * 64, digest]) == ["0" * 64]
    cache.index.add([prepare(IndexDoc(digest, {"text": "a rewritten message"}))])
    assert cache.labels(Term("camp")) == set()
    assert cache.labels(Term("rewritten")) == {"mail"}
    assert cache.index.remove([digest, "0" * 64]) == 1
    assert cache.labels(Term("rewritten")) == set()
    assert cache.index.missing([digest]) == [digest]
    assert 0 < cache.index.dead_ratio() < 1
    cache.index.optimize()
    assert cache.labels(Term("教育转化")) == {"notice", "inner-zh"}


HOSTILE = [
    '"', '""', '"a" OR "b"', "NEAR(", "NEAR(a b, 1)", "*", "a*", "^a", "a:b", "{title}:x",
    "'; DROP TABLE search_docs; --", "1) OR (1=1", "\x00", "a\x00b", "\ud800", "-", "AND",
    "OR NOT", "(", ")", "title:", "教育\" OR \"x", "教*", "a" * 5000, "教" * 3000,
    "\u200b", "﻿", "%", "_", "\\", "x' OR '1'='1",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_query_text_stays_quoted(cache: Cache, text: str) -> None:
    nodes: list[Node] = [
        Term(text), Term(text, prefix=True), Term(text, fuzzy=2), Term(text, field="title"),
        Phrase(text), Phrase(text, slop=3), Filter("type", text), Filter("path", text),
        Filter("tag", text), Filter("sha256", text),
        And((Term(text), Not(Phrase(text)))), Or((Term(text), Filter("lang", text))),
    ]
    for node in nodes:
        try:
            found = cache.labels(node)
        except TroveError:
            continue
        # Nothing in the text can widen a search beyond its own tokens.
        assert "elsewhere" not in found
        if not isinstance(node, Or) and text not in ("a*", "教*"):
            assert len(found) <= 2, (node, found)
    with pytest.raises(TroveError):
        cache.find(Filter("bogus", "x"))
    assert cache.store.db.execute("SELECT count(*) FROM search_docs").fetchone()[0] == 10


# Recall against a brute-force scan ------------------------------------------------------

CHINESE = "教育转化工作人员名单开展有关事项通知如下单位党委书记签发文件新疆自治区检查學習會議"
UYGHUR = ["ئۇيغۇر", "ئاپتونوم", "رايونى", "ھۆكۈمىتى", "مەكتەپ", "ئوقۇغۇچى", "ﺋﯘﻳﻐﯘﺭ"]
ENGLISH = ["camp", "order", "transfer", "director", "list", "names", "school", "police"]


def generated(rng: random.Random, n: int) -> list[str]:
    docs = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(2, 6)):
            kind = rng.random()
            if kind < 0.5:
                parts.append("".join(rng.choice(CHINESE) for _ in range(rng.randint(3, 20)))
                             + rng.choice("，。；"))
            elif kind < 0.75:
                parts.append(" ".join(rng.choice(UYGHUR) for _ in range(rng.randint(1, 5))))
            else:
                parts.append(" ".join(rng.choice(ENGLISH) for _ in range(rng.randint(1, 5))))
            parts.append(rng.choice([" ", "\n\n", ". "]))
        docs.append("".join(parts))
    return docs


def test_recall_of_exact_terms_and_phrases(tmp_path: Path) -> None:
    rng = random.Random(7)
    cache = open_cache(tmp_path / "recall.db")
    texts = {cache.put(f"doc{i}", text): text for i, text in enumerate(generated(rng, 300))}
    normal = {digest: normalize(text) for digest, text in texts.items()}
    streams = {digest: " " + " ".join(t.text for t in tokens(text)) + " "
               for digest, text in texts.items()}
    queries: list[tuple[Node, set[str]]] = []
    for _ in range(120):
        text = rng.choice(list(texts.values()))
        if rng.random() < 0.6:  # a Chinese substring: every occurrence must be found
            runs = [r for r in normalize(text).replace("\n", "").split()
                    if any("\u4e00" <= c <= "\u9fff" for c in r)] or ["检查"]
            run = "".join(c for c in rng.choice(runs) if "\u4e00" <= c <= "\u9fff")
            start = rng.randrange(len(run))
            query = run[start:start + rng.randint(1, 6)]
            truth = {d for d, n in normal.items() if query in "".join(
                c if "\u4e00" <= c <= "\u9fff" else "|" for c in n.replace(" ", ""))}
            queries.append((Term(query), truth))
        else:  # a word or a phrase of words
            words = [t.text for t in tokens(text)
                     if not "\u4e00" <= t.text[0] <= "\u9fff"] or ["camp"]
            start = rng.randrange(len(words))
            chosen = words[start:start + rng.randint(1, 3)]
            truth = {d for d, s in streams.items() if f" {' '.join(chosen)} " in s}
            queries.append((Phrase(" ".join(chosen)), truth))
    assert sum(len(truth) > 1 for _, truth in queries) > 30  # queries shared by documents
    for node, truth in queries:
        got = {h.sha256 for h in cache.index.search(
            node, collection_id=cache.collection.id, limit=1000).hits}
        assert got == truth, node
