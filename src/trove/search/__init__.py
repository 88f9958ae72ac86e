"""Search: the query language, text analysis for Chinese, Uyghur and Latin scripts, the
index behind an interface (SQLite FTS5 embedded), and the search service the CLI and the
web app call."""
