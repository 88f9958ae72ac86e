"""The search benchmark's synthetic corpus and its labelled queries: deterministic, varied,
and labelled from what was really written into the documents."""

from __future__ import annotations

import random
import statistics
import sys
from collections import Counter
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from search.corpus import (
    NEEDLE_BY_KEY,
    NEEDLES,
    SyntheticDoc,
    _surface,
    document,
    generate,
    presentation_forms,
    uyghur_variants,
)
from search.queries import QUERIES
from search.relevance import canonical, grade, ndcg, needle_keys, qrels, recall
from trove.search.ast import And, Filter, Term


@pytest.fixture(scope="module")
def docs() -> list[SyntheticDoc]:
    return list(generate(2500, seed=11))


def _forms(key: str) -> set[str]:
    needle = NEEDLE_BY_KEY[key]
    text = key.lstrip("~")
    return {text, text.title(), text.upper(), needle.traditional or text,
            uyghur_variants(text), presentation_forms(text), *needle.forms}


def _field(doc: SyntheticDoc, field: str) -> str:
    return {"title": doc.title, "author": doc.author, "text": doc.text}[field]


def test_the_corpus_is_the_same_on_every_run_and_differs_by_seed() -> None:
    assert list(generate(40, seed=5)) == list(generate(40, seed=5))
    assert document(5, 17) == list(generate(17, seed=5))[-1]
    assert list(generate(30, seed=5, start=20)) == list(generate(30, seed=5))[20:]
    assert [d.text for d in generate(20, seed=5)] != [d.text for d in generate(20, seed=6)]


def test_documents_differ_and_mix_languages_and_sizes(docs: list[SyntheticDoc]) -> None:
    assert len({d.text for d in docs}) == len(docs)
    assert len({d.title for d in docs}) > len(docs) * 0.4  # notices share title templates
    langs = Counter(d.lang for d in docs)
    assert langs["zh-Hans"] > langs["en"] > langs["ug"] > langs["zh-Hant"] > 100
    sizes = sorted(d.size for d in docs)
    assert 500 < statistics.median(sizes) < 5000
    assert sizes[len(sizes) * 9 // 10] < 5000 < sizes[-1]  # a long tail
    assert {d.type for d in docs} >= {"pdf", "word", "spreadsheet", "email"}
    assert all(d.path.endswith("." + d.ext) for d in docs)


def test_planted_needles_are_really_in_the_text(docs: list[SyntheticDoc]) -> None:
    planted = [(d, key, field) for d in docs for key, field in d.planted]
    assert len(planted) > 50
    for doc, key, field in planted:
        if key.startswith("~"):  # scrambled words: all present, never as the phrase
            assert all(w in doc.text for w in NEEDLE_BY_KEY[key].words)
            continue
        assert any(form in _field(doc, field) for form in _forms(key)), (doc.id, key, field)
    kinds = Counter(field for _, _, field in planted)
    assert kinds["title"] and kinds["author"] and kinds["text"]


def test_needles_never_occur_by_chance(docs: list[SyntheticDoc]) -> None:
    """A document holding a needle's text without the label would make recall lie."""
    for doc in docs:
        keys = {k for k, _ in doc.planted}
        everything = "\n".join((doc.title, doc.author, doc.text))
        for needle in NEEDLES:
            if needle.key.startswith("~") or needle.key in keys:
                continue
            assert not any(f in everything for f in _forms(needle.key)), (doc.id, needle.key)


def test_uyghur_needles_are_written_in_every_form() -> None:
    key = "ئىسكەندەر"
    rng = random.Random(3)
    written = Counter(_surface(NEEDLE_BY_KEY[key], "ug", rng) for _ in range(300))
    assert set(written) == {key, uyghur_variants(key), presentation_forms(key)}
    assert written[key] > 150


def test_the_query_set_covers_each_language_and_kind() -> None:
    langs = Counter(q.lang for q in QUERIES)
    assert len(QUERIES) >= 60 and langs["zh"] >= 25 and langs["ug"] >= 10
    assert len({q.id for q in QUERIES}) == len(QUERIES)
    assert {q.category for q in QUERIES} >= {"exact", "phrase", "zh-word", "traditional",
                                             "variant", "prefix", "boolean", "field",
                                             "filter", "date"}
    for q in QUERIES:
        assert needle_keys(q.node), q.id  # every query is labelled from planted truth


def test_query_texts_parse_to_their_trees() -> None:
    query = pytest.importorskip("trove.search.query")
    for q in QUERIES:
        assert query.parse(q.text) == q.node, q.id


def test_labels_follow_the_ground_truth(docs: list[SyntheticDoc]) -> None:
    labels = qrels({q.id: q.node for q in QUERIES}, docs)
    assert sum(1 for v in labels.values() if v) > 30
    by_text = {q.text: q.id for q in QUERIES}
    # A traditional query finds what its simplified form finds.
    assert labels[by_text["歐陽明澈"]] == labels[by_text["欧阳明澈"]]
    # The phrase is a subset of the two words anywhere.
    assert set(labels[by_text['"amber lantern protocol"']]) <= set(
        labels[by_text["amber lantern"]])
    # Title matches outrank body matches.
    doc = next(d for d in docs if ("halcyon", "title") in d.planted)
    assert grade(Term("halcyon"), doc) == 2
    assert grade(And((Term("halcyon"), Filter("lang", doc.lang))), doc) == 2
    assert canonical("ﺋﯩﺴﻚەﻧﺪەﺭ") == "ئىسكەندەر"


def test_recall_and_ndcg() -> None:
    assert recall([1, 2, 3], {1: 1, 4: 2}) == 0.5
    assert ndcg([4, 1], {1: 1, 4: 2}) == 1.0
    assert ndcg([1, 4], {1: 1, 4: 2}) < 1.0
    assert ndcg([9], {1: 1}) == 0.0
