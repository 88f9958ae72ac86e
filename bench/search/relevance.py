"""Relevance labels from the corpus's planted ground truth, and the scores: recall, nDCG@10.

A query is a `trove.search.ast` tree. Its labels are not written by hand: `grade` reads
the tree against what `corpus.document` planted in each document. A Term or Phrase must
name a planted needle (in any of the forms it may be written: Traditional characters,
Uyghur look-alike letters, Arabic presentation forms, any case), filters and date ranges
are checked against the metadata. Grades: 2 when a searched needle is in the title or
author, 1 when only in the body, 0 not relevant. Under And a document gets its weakest
text grade, under Or its strongest; filters only decide whether it counts.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence

from search.corpus import (
    NEEDLES,
    SyntheticDoc,
    presentation_forms,
    uyghur_variants,
)
from trove.search.ast import And, DateRange, Filter, MatchAll, Node, Not, Or, Phrase, Term

_TEXT_FIELDS = {"title": "title", "author": "author", "text": "text"}


def fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().replace("-", " ").split())


def _aliases() -> dict[str, str]:
    """Every written form of a needle word or key -> its canonical form."""
    out: dict[str, str] = {}
    for needle in NEEDLES:
        trad = dict(zip(needle.key, needle.traditional, strict=False)) \
            if needle.traditional else {}
        for canonical in {needle.key.lstrip("~"), *needle.words}:
            forms = {canonical, "".join(trad.get(c, c) for c in canonical),
                     uyghur_variants(canonical), presentation_forms(canonical)}
            for form in forms:
                out[fold(form)] = canonical
    return out


ALIASES = _aliases()


def canonical(text: str) -> str:
    """The needle word or phrase a query string names; KeyError if it names none."""
    return ALIASES[fold(text)]


def _needle_grade(doc: SyntheticDoc, keys: Iterable[str], field: str | None) -> int:
    wanted = _TEXT_FIELDS.get(field or "")
    best = 0
    for key in keys:
        best = max(best, doc.grade(key, wanted) if field else doc.grade(key))
    return best


def _term_keys(term: Term) -> list[str]:
    if term.prefix:
        prefix = fold(term.text)
        return [n.key for n in NEEDLES if any(w.startswith(prefix) for w in n.words)]
    word = canonical(term.text)
    return [n.key for n in NEEDLES if word in n.words or word == n.key]


def _phrase_keys(phrase: Phrase) -> list[str]:
    words = canonical(phrase.text).split()
    keys = []
    for n in NEEDLES:
        if n.key.startswith("~"):
            continue  # its words are never adjacent
        seq = n.key.split()
        if " ".join(words) in n.words or any(
                seq[i:i + len(words)] == words for i in range(len(seq))):
            keys.append(n.key)
    return keys


def _eval(node: Node, doc: SyntheticDoc) -> tuple[bool, int | None]:
    """(matches, text grade or None when the node only filters)."""
    if isinstance(node, Term | Phrase):
        keys = _term_keys(node) if isinstance(node, Term) else _phrase_keys(node)
        g = _needle_grade(doc, keys, node.field)
        return g > 0, g
    if isinstance(node, Filter):
        value = node.value.casefold()
        got = {"lang": doc.lang, "type": doc.type, "ext": doc.ext}.get(node.field)
        if node.field == "path":
            return doc.path.casefold().startswith(value), None
        if got is None:
            raise ValueError(f"no ground truth for filter {node.field}")
        return got.casefold() == value, None
    if isinstance(node, DateRange):
        return ((node.start is None or node.start <= doc.date)
                and (node.end is None or doc.date <= node.end)), None
    if isinstance(node, Not):
        return not _eval(node.item, doc)[0], None
    if isinstance(node, MatchAll):
        return True, None
    results = [_eval(item, doc) for item in node.items]
    if isinstance(node, And):
        grades = [g for _, g in results if g is not None]
        return all(m for m, _ in results), (min(grades) if grades else None)
    assert isinstance(node, Or)
    grades = [g for m, g in results if m and g is not None]
    return any(m for m, _ in results), (max(grades) if grades else None)


def grade(node: Node, doc: SyntheticDoc) -> int:
    matches, g = _eval(node, doc)
    return (g or 1) if matches else 0


def needle_keys(node: Node) -> set[str]:
    """The needles a query names: a document without any of them can skip `grade`."""
    if isinstance(node, Term):
        return set(_term_keys(node))
    if isinstance(node, Phrase):
        return set(_phrase_keys(node))
    if isinstance(node, And | Or):
        return set().union(*(needle_keys(i) for i in node.items))
    return set()


def qrels(queries: Mapping[str, Node], docs: Iterable[SyntheticDoc]
          ) -> dict[str, dict[int, int]]:
    """query id -> {doc id: grade > 0}, in one streaming pass over the corpus."""
    out: dict[str, dict[int, int]] = {qid: {} for qid in queries}
    # Every query names a needle, so only documents carrying one need a look.
    for doc in docs:
        if not doc.planted:
            continue
        for qid, node in queries.items():
            g = grade(node, doc)
            if g:
                out[qid][doc.id] = g
    return out


def recall(retrieved: Iterable[int], relevant: Mapping[int, int]) -> float:
    if not relevant:
        return 1.0
    found = set(retrieved)
    return sum(1 for d in relevant if d in found) / len(relevant)


def ndcg(ranked: Sequence[int], relevant: Mapping[int, int], k: int = 10) -> float:
    """Normalised discounted cumulative gain of the first k results (gain 2^grade - 1)."""
    def dcg(grades: Iterable[int]) -> float:
        return sum(float(2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(grades))

    ideal = dcg(sorted(relevant.values(), reverse=True)[:k])
    if ideal == 0:
        return 1.0
    return dcg(relevant.get(d, 0) for d in ranked[:k]) / ideal
