"""Search: the query language, text analysis for Chinese, Uyghur and Latin scripts, the
index behind an interface (SQLite FTS5 embedded), and the search service the CLI and the
web app call."""

from trove.search.index import SearchIndex
from trove.store.metadata import MetadataStore


def open_search_index(store: MetadataStore) -> SearchIndex:
    """The search index that lives with the given metadata store."""
    from trove.search.fts import FtsIndex
    from trove.store.sqlite import SqliteMetadataStore

    if isinstance(store, SqliteMetadataStore):
        return FtsIndex(store.db)
    raise NotImplementedError(f"no search index for {type(store).__name__}")


__all__ = ["SearchIndex", "open_search_index"]
