"""Turning a document into what the index stores, at ingest and on `trove reindex`.

Workers build and analyse the `IndexDoc` (the heavy part) so the single index writer only
stores token strings. `heal` finds a collection's documents the index lacks (a run
killed between recording a document and indexing it, or an analysis upgrade) and indexes
them from the stored text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from trove.search.fields import document_date, extension, text_fields, type_family
from trove.search.index import IndexDoc, SearchIndex, prepare
from trove.store.metadata import MetadataStore
from trove.store.records import Collection

BATCH = 200


def build_index_doc(sha256: str, *, text: str, mime: str | None,
                    metadata: Mapping[str, Any], language: Mapping[str, Any],
                    names: Iterable[str], paths: Iterable[str] = ()) -> IndexDoc:
    """The analysed index entry of one document."""
    names = [n for n in names if n]
    found = document_date(metadata)
    senders = metadata.get("from")
    doc = IndexDoc(
        sha256=sha256,
        fields={**text_fields(metadata, names), "text": text},
        type=type_family(mime),
        lang=str(language.get("code") or "") or None,
        ext=extension(names[0]) if names else None,
        date=found.isoformat() if found else None,
        senders=tuple(senders) if isinstance(senders, list) else (
            (senders,) if isinstance(senders, str) and senders else ()),
        paths=tuple(paths),
    )
    return prepare(doc)


def index_doc_from_store(store: MetadataStore, sha256: str) -> IndexDoc:
    document = store.get_document(sha256)
    occurrences = store.occurrences(sha256, limit=20)
    names = [o.chain[-1].rsplit("/", 1)[-1] for o in occurrences] or [document.name or ""]
    return build_index_doc(sha256, text=store.get_text(sha256), mime=document.mime,
                           metadata=document.metadata, language=document.language,
                           names=names, paths=[o.path for o in occurrences])


def heal(store: MetadataStore, index: SearchIndex, collection: Collection,
         force: bool = False) -> int:
    """Index every finished document of the collection the index lacks; return how many."""
    finished = [sha for sha in store.collection_documents(collection)
                if store.get_document(sha).state != "pending"]
    todo = finished if force else index.missing(finished)
    done = 0
    for start in range(0, len(todo), BATCH):
        batch = [index_doc_from_store(store, sha) for sha in todo[start:start + BATCH]]
        done += index.add(batch)
    return done
