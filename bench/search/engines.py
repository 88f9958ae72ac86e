"""The candidate engines for Trove's search, fed the same analysed tokens, and the grep
baseline.

Both engines index the exact token stream of `trove.search.analysis.tokens` (Han bigrams,
normalised words), joined by spaces, and split it again only at spaces (FTS5's
unicode61 with every category but separators as token characters; tantivy's
`whitespace` tokenizer), so neither engine does any analysis of its own and a
difference in results is a difference in the engines. Queries are `trove.search.ast`
trees, translated here the plain way each engine's documentation suggests: text into
FTS5's MATCH syntax or tantivy Query objects, metadata into SQL or term/range queries.

    Fts5Engine     stdlib sqlite3; a contentless FTS5 table next to a `docs` table of
                   metadata in ONE database file, as Trove's store would hold them
    TantivyEngine  tantivy-py; its own index directory, metadata as raw/fast fields
    Ripgrep        `rg` over the extracted text, one line per document in shard files
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trove.search import analysis
from trove.search.ast import And, DateRange, Filter, MatchAll, Node, Not, Or, Phrase, Term

TEXT_COLUMNS = ("title", "author", "sender", "recipients", "text")
# ast field name -> column; `subject` is the title of a mail.
FIELD_COLUMN = {"title": "title", "subject": "title", "author": "author", "from": "sender",
                "to": "recipients", "text": "text"}
WEIGHTS = {"title": 4.0, "author": 3.0, "sender": 2.0, "recipients": 2.0, "text": 1.0}
FACETS = ("lang", "type")
# Every Unicode category but separators (Z*) and controls is a token character: the
# tokens arrive analysed, FTS5 must only split them at the spaces.
TOKENIZER = "unicode61 remove_diacritics 0 categories 'L* N* M* P* S* Co'"


@dataclass(frozen=True, slots=True)
class Analysed:
    """One document as the engines receive it: token strings and metadata."""

    id: int
    lang: str
    type: str
    ext: str
    path: str
    date: int  # days since 1970-01-01
    fields: tuple[str, ...]  # TEXT_COLUMNS, tokens joined by spaces

    def line(self) -> str:
        return "\t".join((str(self.id), self.lang, self.type, self.ext, self.path,
                          str(self.date), *self.fields)) + "\n"

    @classmethod
    def parse(cls, line: str) -> Analysed:
        parts = line.rstrip("\n").split("\t")
        return cls(int(parts[0]), parts[1], parts[2], parts[3], parts[4], int(parts[5]),
                   tuple(parts[6:]))


EPOCH = dt.date(1970, 1, 1)


def analyse(doc_id: int, lang: str, type_: str, ext: str, path: str, when: dt.date,
            texts: Sequence[str]) -> Analysed:
    fields = tuple(" ".join(t.text for t in analysis.tokens(s)) for s in texts)
    return Analysed(doc_id, lang, type_, ext, path, (when - EPOCH).days, fields)


def query_tokens(text: str) -> list[str]:
    return analysis.query_tokens(text)


class Unsupported(Exception):
    """The engine (or grep) cannot express this query."""


# --- SQLite FTS5 --------------------------------------------------------------------------

def _quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _fts_text(node: Term | Phrase) -> str | None:
    tokens = query_tokens(node.text)
    if not tokens:
        return None
    if isinstance(node, Term) and (node.prefix or (len(tokens) == 1 and len(tokens[0]) == 1
                                                    and analysis.is_han(tokens[0]))):
        expr = " + ".join(_quote(t) for t in tokens[:-1])
        expr = (expr + " + " if expr else "") + _quote(tokens[-1]) + "*"
    elif isinstance(node, Phrase) and node.slop:
        expr = f"NEAR({' '.join(_quote(t) for t in tokens)}, {node.slop})"
    else:
        expr = " + ".join(_quote(t) for t in tokens)
    if node.field:
        column = FIELD_COLUMN.get(node.field)
        if column is None:
            return None
        return f"{{{column}}} : ({expr})"
    return f"({expr})"


def _is_text(node: Node) -> bool:
    if isinstance(node, Term | Phrase):
        return True
    if isinstance(node, And):
        return any(_is_text(i) and not isinstance(i, Not) for i in node.items) and all(
            _is_text(i.item if isinstance(i, Not) else i) for i in node.items)
    if isinstance(node, Or):
        return all(_is_text(i) for i in node.items)
    return False


def fts_match(node: Node) -> str:
    """A text-only tree as an FTS5 MATCH expression."""
    if isinstance(node, Term | Phrase):
        return _fts_text(node) or '""'
    if isinstance(node, Or):
        return "(" + " OR ".join(fts_match(i) for i in node.items) + ")"
    assert isinstance(node, And)
    pos = [fts_match(i) for i in node.items if not isinstance(i, Not)]
    neg = [fts_match(i.item) for i in node.items if isinstance(i, Not)]
    return "(" + " AND ".join(pos) + "".join(f" NOT {n}" for n in neg) + ")"


def _sql(node: Node, params: list[Any]) -> str:
    """A predicate on `d` (the docs row) for any tree."""
    if _is_text(node):
        params.append(fts_match(node))
        return "d.id IN (SELECT rowid FROM fts WHERE fts MATCH ?)"
    if isinstance(node, Filter):
        if node.field == "path":  # a prefix, as a range the index on path can use
            params += [node.value, node.value + "\U0010ffff"]
            return "d.path >= ? AND d.path < ?"
        if node.field not in ("lang", "type", "ext"):
            raise Unsupported(node.field)
        params.append(node.value)
        return f"d.{node.field} = ?"
    if isinstance(node, DateRange):
        parts = []
        if node.start:
            parts.append("d.date >= ?")
            params.append((node.start - EPOCH).days)
        if node.end:
            parts.append("d.date <= ?")
            params.append((node.end - EPOCH).days)
        return " AND ".join(parts) or "1"
    if isinstance(node, Not):
        return f"NOT ({_sql(node.item, params)})"
    if isinstance(node, MatchAll):
        return "1"
    assert isinstance(node, And | Or)  # a Term or Phrase is text, handled above
    joiner = " AND " if isinstance(node, And) else " OR "
    return "(" + joiner.join(_sql(i, params) for i in node.items) + ")"


def fts_plan(node: Node) -> tuple[str | None, str, list[Any]]:
    """(MATCH expression or None, SQL predicate on d, its parameters): the text of a
    top-level And goes to one MATCH, its filters to SQL."""
    if _is_text(node):
        return fts_match(node), "1", []
    params: list[Any] = []
    if isinstance(node, And):
        text = [i for i in node.items if _is_text(i)
                or (isinstance(i, Not) and _is_text(i.item))]
        rest = [i for i in node.items if i not in text]
        if any(not isinstance(i, Not) for i in text):
            where = " AND ".join(_sql(i, params) for i in rest) or "1"
            return fts_match(And(tuple(text)) if len(text) > 1 else text[0]), where, params
    return None, _sql(node, params), params


class Fts5Engine:
    name = "fts5"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA cache_size=-262144")
        self.db.execute("PRAGMA mmap_size=1073741824")
        self.weights = ", ".join(str(WEIGHTS[c]) for c in TEXT_COLUMNS)

    def create(self) -> None:
        self.db.executescript(f"""
            CREATE TABLE IF NOT EXISTS docs(id INTEGER PRIMARY KEY, lang TEXT, type TEXT,
                ext TEXT, path TEXT, date INTEGER);
            CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5({", ".join(TEXT_COLUMNS)},
                content='', tokenize="{TOKENIZER}");
        """)

    def add(self, docs: Iterable[Analysed], batch: int = 5000) -> int:
        """Insert in transactions of `batch` documents, metadata and text together."""
        n = 0
        rows: list[Analysed] = []
        for doc in docs:
            rows.append(doc)
            if len(rows) >= batch:
                n += self._insert(rows)
                rows = []
        return n + self._insert(rows)

    def _insert(self, rows: list[Analysed]) -> int:
        self.db.execute("BEGIN")
        self.db.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?)",
                            [(r.id, r.lang, r.type, r.ext, r.path, r.date) for r in rows])
        self.db.executemany(f"INSERT INTO fts(rowid, {', '.join(TEXT_COLUMNS)}) "
                            f"VALUES (?, ?, ?, ?, ?, ?)", [(r.id, *r.fields) for r in rows])
        self.db.execute("COMMIT")
        return len(rows)

    def finish(self) -> None:
        self.db.executescript("""
            CREATE INDEX IF NOT EXISTS docs_lang ON docs(lang, date);
            CREATE INDEX IF NOT EXISTS docs_type ON docs(type, date);
            CREATE INDEX IF NOT EXISTS docs_date ON docs(date);
            CREATE INDEX IF NOT EXISTS docs_path ON docs(path);
        """)

    def optimize(self) -> None:
        self.db.execute("INSERT INTO fts(fts) VALUES ('optimize')")
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def sizes(self) -> dict[str, int]:
        """Bytes of the full-text index and of the metadata table with its indexes."""
        rows = self.db.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall()
        fts = sum(s for n, s in rows if n.startswith("fts"))
        return {"index": fts, "metadata": sum(s for _, s in rows) - fts}

    def _query(self, node: Node, select: str, tail: str) -> list[tuple[Any, ...]]:
        match, where, params = fts_plan(node)
        if match is None:
            sql = f"SELECT {select} FROM docs d WHERE {where} {tail}"
            return self.db.execute(sql, params).fetchall()
        # CROSS JOIN keeps fts the outer loop: otherwise SQLite may walk an index on
        # docs and run the MATCH once per row (600 ms instead of 3 on `halcyon lang:x`).
        sql = (f"SELECT {select} FROM fts CROSS JOIN docs d ON d.id = fts.rowid "
               f"WHERE fts MATCH ? AND {where} {tail}")
        return self.db.execute(sql, [match, *params]).fetchall()

    def top(self, node: Node, k: int = 10) -> tuple[list[int], int]:
        """The k best ids and the total number of hits, as a results page shows them."""
        match, where, _ = fts_plan(node)
        order = f"ORDER BY bm25(fts, {self.weights})" if match else "ORDER BY d.date DESC"
        ids = [r[0] for r in self._query(node, "d.id", f"{order} LIMIT {k}")]
        if match is not None and where == "1":  # no join needed to count
            total = self.db.execute("SELECT count(*) FROM fts WHERE fts MATCH ?",
                                    (match,)).fetchone()[0]
        else:
            total = self._query(node, "count(*)", "")[0][0]
        return ids, total

    def all_ids(self, node: Node) -> list[int]:
        return [r[0] for r in self._query(node, "d.id", "")]

    def facets(self, node: Node) -> dict[str, dict[str, int]]:
        return {f: dict(self._query(node, f"d.{f}, count(*)", f"GROUP BY d.{f}"))
                for f in FACETS}

    def close(self) -> None:
        self.db.close()


# --- tantivy --------------------------------------------------------------------------------

class TantivyEngine:
    name = "tantivy"

    def __init__(self, path: Path) -> None:
        import tantivy

        self.tv = tantivy
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        builder = tantivy.SchemaBuilder()
        builder.add_integer_field("id", stored=True, indexed=True, fast=True)
        for column in TEXT_COLUMNS:
            builder.add_text_field(column, tokenizer_name="whitespace", index_option="position")
        for column in ("lang", "type", "ext"):
            builder.add_text_field(column, tokenizer_name="raw", fast=True)
        builder.add_text_field("path", tokenizer_name="raw")
        builder.add_date_field("date", indexed=True, fast=True)
        self.schema = builder.build()
        self.index = tantivy.Index(self.schema, path=str(path))
        self._searcher: Any = None

    def add(self, docs: Iterable[Analysed], heap: int = 512_000_000, threads: int = 2) -> int:
        writer = self.index.writer(heap, threads)
        n = 0
        for doc in docs:
            writer.add_document(self.tv.Document(
                id=doc.id, lang=doc.lang, type=doc.type, ext=doc.ext, path=doc.path,
                date=dt.datetime.combine(EPOCH + dt.timedelta(days=doc.date), dt.time()),
                **dict(zip(TEXT_COLUMNS, doc.fields, strict=True))))
            n += 1
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        return n

    def size(self) -> int:
        return sum(f.stat().st_size for f in self.path.rglob("*") if f.is_file())

    @property
    def searcher(self) -> Any:
        if self._searcher is None:
            self._searcher = self.index.searcher()
        return self._searcher

    def _text(self, node: Term | Phrase, column: str) -> Any:
        q = self.tv.Query
        tokens: list[str | tuple[int, str]] = list(query_tokens(node.text))
        if not tokens:
            return q.empty_query()
        prefix = isinstance(node, Term) and (node.prefix or (
            len(tokens) == 1 and isinstance(tokens[0], str) and len(tokens[0]) == 1
            and analysis.is_han(tokens[0])))
        if prefix:
            return q.phrase_prefix_query(self.schema, column, tokens)
        if len(tokens) == 1:
            return q.term_query(self.schema, column, str(tokens[0]))
        slop = node.slop if isinstance(node, Phrase) else 0
        return q.phrase_query(self.schema, column, tokens, slop)

    def query(self, node: Node) -> Any:
        q, occur = self.tv.Query, self.tv.Occur
        if isinstance(node, Term | Phrase):
            if node.field:
                column = FIELD_COLUMN.get(node.field)
                return self._text(node, column) if column else q.empty_query()
            return q.boolean_query([(occur.Should, q.boost_query(self._text(node, c), WEIGHTS[c])
                                     if WEIGHTS[c] != 1.0 else self._text(node, c))
                                    for c in TEXT_COLUMNS])
        if isinstance(node, Filter):
            if node.field == "path":
                return q.regex_query(self.schema, "path", re.escape(node.value) + ".*")
            if node.field not in ("lang", "type", "ext"):
                raise Unsupported(node.field)
            return q.term_query(self.schema, node.field, node.value)
        if isinstance(node, DateRange):
            def when(d: dt.date | None) -> dt.datetime | None:
                return dt.datetime.combine(d, dt.time()) if d else None
            return q.range_query(self.schema, "date", self.tv.FieldType.Date,
                                 when(node.start), when(node.end))
        if isinstance(node, MatchAll):
            return q.all_query()
        if isinstance(node, Not):
            return q.boolean_query([(occur.Must, q.all_query()),
                                    (occur.MustNot, self.query(node.item))])
        if isinstance(node, And):
            # Filters must match but do not score, as in FTS5's SQL conditions.
            return q.boolean_query([
                (occur.MustNot, self.query(i.item)) if isinstance(i, Not)
                else (occur.Must, self.query(i) if _is_text(i) else
                      q.const_score_query(self.query(i), 0.0))
                for i in node.items])
        assert isinstance(node, Or)
        return q.boolean_query([(occur.Should, self.query(i)) for i in node.items])

    def top(self, node: Node, k: int = 10) -> tuple[list[int], int]:
        searcher = self.searcher
        result = searcher.search(self.query(node), k, count=True)
        return [searcher.doc(a)["id"][0] for _, a in result.hits], result.count

    def all_ids(self, node: Node) -> list[int]:
        searcher = self.searcher
        total = searcher.search(self.query(node), 1, count=True).count
        if not total:
            return []
        hits = searcher.search(self.query(node), total).hits
        return [searcher.doc(a)["id"][0] for _, a in hits]

    def facets(self, node: Node) -> dict[str, dict[str, int]]:
        spec = {f: {"terms": {"field": f, "size": 50}} for f in FACETS}
        got = self.searcher.aggregate(self.query(node), spec)
        return {f: {b["key"]: b["doc_count"] for b in got[f]["buckets"]} for f in FACETS}

    def close(self) -> None:
        self._searcher = None


# --- ripgrep ---------------------------------------------------------------------------------

def grep_line(doc_id: int, texts: Sequence[str]) -> str:
    """A document as one line of a shard file: its id, then its fields, newlines removed."""
    return f"{doc_id}\t" + " | ".join(" ".join(t.split()) for t in texts) + "\n"


def grep_pattern(node: Node) -> str:
    """The fixed string grep would search for: a bare word or phrase, as typed."""
    if isinstance(node, Term | Phrase) and node.field is None and not (
            isinstance(node, Term) and (node.prefix or node.fuzzy)):
        return node.text
    raise Unsupported("grep takes one word or phrase")


class Ripgrep:
    name = "ripgrep"

    def __init__(self, folder: Path, threads: int = 2) -> None:
        self.folder = folder
        self.threads = threads

    def ids(self, node: Node) -> list[int]:
        """Ids of the documents whose line holds the pattern (case-insensitive)."""
        # Only the start of each matching line is printed: its id.
        out = subprocess.run(
            ["rg", "--no-filename", "--no-line-number", "-F", "-i", "-M", "12",
             "--max-columns-preview", "-j", str(self.threads), "--no-ignore", "--no-messages",
             "-e", grep_pattern(node), "--", str(self.folder)],
            capture_output=True, check=False)
        return sorted({int(line.split(b"\t", 1)[0]) for line in out.stdout.splitlines()
                       if line.split(b"\t", 1)[0].isdigit()})

    def count(self, node: Node) -> int:
        """Matching documents, the cheapest thing rg can report."""
        out = subprocess.run(["rg", "-c", "-F", "-i", "-j", str(self.threads), "--no-ignore",
                              "--no-messages", "-e", grep_pattern(node), "--",
                              str(self.folder)], capture_output=True, check=False)
        return sum(int(line.rsplit(b":", 1)[1]) for line in out.stdout.splitlines() if line)



# --- Trove's own index layer ------------------------------------------------------------------

class TroveFtsEngine:
    """trove.search.fts.FtsIndex (Trove's FTS5 schema and query translation) in a database
    of its own, fed the same token shards; the jieba `words` and English `stems` streams
    stay empty, so its ranking lacks the word bonus. Without the metadata store there is
    no text to highlight, so hits carry no spans."""

    name = "trove-fts"

    def __init__(self, path: Path) -> None:
        from trove.search import fts

        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA cache_size=-262144")
        self.db.execute("PRAGMA mmap_size=1073741824")
        self.db.execute("BEGIN")
        fts.create_schema(self.db)
        # The store's table that says which documents a collection holds.
        self.db.execute("CREATE TABLE collection_documents (collection_id INTEGER NOT NULL, "
                        "sha256 TEXT NOT NULL, PRIMARY KEY (collection_id, sha256)) "
                        "WITHOUT ROWID")
        self.db.execute("COMMIT")
        self.index = fts.FtsIndex(self.db)

    def add(self, docs: Iterable[Analysed], batch: int = 5000) -> int:
        from trove.search.index import IndexDoc

        names = ("title", "author", "from", "to", "text")
        n = 0
        rows: list[IndexDoc] = []
        for doc in docs:
            sha = f"{doc.id:064x}"
            tokens = dict(zip(names, doc.fields, strict=True))
            rows.append(IndexDoc(sha, tokens={**tokens, "words": "", "stems": ""},
                                 type=doc.type, lang=doc.lang, ext=doc.ext,
                                 date=(EPOCH + dt.timedelta(days=doc.date)).isoformat(),
                                 paths=(doc.path,)))
            if len(rows) >= batch:
                n += self._insert(rows)
                rows = []
        return n + self._insert(rows)

    def _insert(self, rows: list[Any]) -> int:
        self.db.execute("BEGIN IMMEDIATE")
        count = int(self.index.add(rows))
        self.db.executemany("INSERT INTO collection_documents VALUES (1, ?)",
                            [(r.sha256,) for r in rows])
        self.db.execute("COMMIT")
        return count

    def optimize(self) -> None:
        self.index.optimize()
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def sizes(self) -> dict[str, int]:
        rows = self.db.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall()
        fts = sum(s for n, s in rows if n.startswith("search_fts"))
        return {"index": fts, "metadata": sum(s for _, s in rows) - fts}

    def top(self, node: Node, k: int = 10) -> tuple[list[int], int]:
        result = self.index.search(node, collection_id=1, limit=k)
        return [int(h.sha256, 16) for h in result.hits], int(result.total)

    def all_ids(self, node: Node) -> list[int]:
        total = self.index.count(node, collection_id=1)
        found: list[int] = []
        while len(found) < total:
            page = self.index.search(node, collection_id=1, limit=10_000, offset=len(found))
            if not page.hits:
                break
            found += [int(h.sha256, 16) for h in page.hits]
        return found

    def facets(self, node: Node) -> dict[str, dict[str, int]]:
        result = self.index.search(node, collection_id=1, limit=10, facets=FACETS)
        return {name: {f.value: f.count for f in values}
                for name, values in result.facets.items()}

    def close(self) -> None:
        self.db.close()
