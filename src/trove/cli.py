"""The `trove` command: a thin layer over the Python API.

Users see clear messages, never a traceback: Trove's own errors are printed as they are,
anything unexpected is written to the log file in the data home and summarised.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from trove import __version__
from trove.config import Settings
from trove.errors import TroveError
from trove.search import open_search_index
from trove.store import open_metadata_store
from trove.store.metadata import MetadataStore

F = TypeVar("F", bound=Callable[..., Any])
PROBLEMS_SHOWN = 40
TEXT_SHOWN = 4000


def _settings(**overrides: Any) -> Settings:
    return Settings.from_env(**overrides)


def _log_unexpected(exc: BaseException) -> Path | None:
    try:
        home = Settings.from_env().home
        log_dir = Path(home) / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        log_file = log_dir / "trove.log"
        with log_file.open("a", encoding="utf-8") as handle:
            handle.write(f"\n== {datetime.now(UTC).isoformat()} {' '.join(sys.argv)}\n")
            handle.write("".join(traceback.format_exception(exc)))
        return log_file
    except Exception:
        return None


def friendly(fn: F) -> F:
    """Turn every failure into a one-line message and an exit code."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except TroveError as exc:
            click.echo(f"trove: {exc}", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            click.echo("trove: interrupted. Run the same command again to resume.", err=True)
            sys.exit(130)
        except click.exceptions.Exit:
            raise
        except (click.ClickException, click.Abort):
            raise
        except Exception as exc:
            where = _log_unexpected(exc)
            detail = f"; details are in {where}" if where else ""
            click.echo(f"trove: unexpected error ({type(exc).__name__}){detail}", err=True)
            sys.exit(70)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="trove")
def main() -> None:
    """Trove: ingest, search and verify leaked document caches.

    Settings come from TROVE_* environment variables (see README.md); the data home is
    TROVE_HOME.
    """
    logging.basicConfig(level=logging.WARNING, format="trove: %(message)s")


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--collection", "-c", required=True, help="Collection (investigation) name.")
@click.option("--workers", "-w", type=click.IntRange(1, 256), default=None,
              help="Worker processes (default: TROVE_WORKERS, or the number of cores).")
@click.option("--password", "-p", "passwords", multiple=True,
              help="A password to try on encrypted files; repeat for several.")
@click.option("--retry-failed", is_flag=True, help="Extract files that failed before again.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary.")
@click.option("--json", "as_json", is_flag=True, help="Print the final status as JSON.")
@friendly
def ingest(paths: tuple[Path, ...], collection: str, workers: int | None,
           passwords: tuple[str, ...], retry_failed: bool, quiet: bool, as_json: bool) -> None:
    """Ingest files and folders into a collection.

    Every original is kept byte for byte in the evidence store; archives, mailboxes and
    attachments are opened recursively. Safe to interrupt and to run again: finished
    work is skipped.
    """
    from trove.ingest import IngestOptions
    from trove.ingest import ingest as run_ingest
    from trove.ingest.pipeline import Progress
    from trove.ingest.progress_bar import IngestProgress
    from trove.ingest.walk import count

    missing = [str(p) for p in paths if not p.exists() and not p.is_symlink()]
    if missing:
        raise TroveError(f"no such file or folder: {', '.join(missing)}")
    settings = _settings()
    console = Console(stderr=True)
    show_bar = not quiet and not as_json and console.is_terminal
    counters = Progress()
    counters.files_total, counters.bytes_total = count(list(paths))
    options = IngestOptions(collection=collection, workers=workers, passwords=passwords,
                            retry_failed=retry_failed)
    with open_metadata_store(settings) as store, IngestProgress(console, show_bar) as bar:
        report = run_ingest(list(paths), options, settings, store, on_progress=bar.update,
                            progress=counters, index=open_search_index(store))
        bar.update(counters, force=True)
        status = store.status(store.get_collection(collection))
    if as_json:
        click.echo(json.dumps(status, ensure_ascii=False, indent=2))
    elif not quiet:
        click.echo(f"Ingested {report.files_seen:,} files from disk in {report.seconds:.1f} s "
                   f"({report.documents_extracted:,} documents extracted in this run).")
        _print_status(status)


@main.command()
@click.option("--collection", "-c", required=True, help="Collection name.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.option("--all", "show_all", is_flag=True, help="List every problem, not the first 40.")
@friendly
def status(collection: str, as_json: bool, show_all: bool) -> None:
    """Every file of a collection by state, and the problems (everything not extracted)."""
    with open_metadata_store(_settings()) as store:
        result = store.status(store.get_collection(collection))
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        _print_status(result, limit=None if show_all else PROBLEMS_SHOWN)


def _print_status(result: dict[str, Any], limit: int | None = PROBLEMS_SHOWN) -> None:
    click.echo(f"Collection  {result['collection']}")
    click.echo(f"Files       {result['files']:,} ({result['documents']:,} distinct contents)")
    for state, number in result["states"].items():
        click.echo(f"  {state:<12}{number:>10,}")
    problems = result["problems"]
    if problems:
        click.echo(f"Problems ({len(problems):,}):")
        for problem in problems[:limit]:
            reason = f": {problem['reason']}" if problem["reason"] else ""
            click.echo(f"  {problem['state']:<12}{problem['path']}{reason}")
        if limit is not None and len(problems) > limit:
            click.echo(f"  … and {len(problems) - limit:,} more (use --all or --json)")


def document_report(store: MetadataStore, sha_or_prefix: str) -> dict[str, Any]:
    """Everything known about one document, as `trove show --json` prints it."""
    sha = store.resolve(sha_or_prefix)
    doc = store.get_document(sha)
    text = store.get_text(sha)
    return {
        "sha256": doc.sha256,
        "state": doc.state,
        "reason": doc.reason,
        "mime": doc.mime,
        "size": doc.size,
        "extractor": doc.extractor,
        "language": doc.language,
        "metadata": doc.metadata,
        "provenance": [{"collection": o.collection, "path": o.path, "chain": list(o.chain),
                        "containers": list(o.parents)} for o in store.occurrences(sha)],
        "children": [{"position": m.position, "name": m.name, "sha256": m.sha256,
                      "size": m.size, "state": m.state or _child_state(store, m.sha256),
                      "reason": m.reason} for m in store.get_members(sha)],
        "pages": [{"number": p.number, "start": p.start, "end": p.end, "ocr": p.ocr,
                   "ocr_engine": p.ocr_engine, "confidence": p.confidence, "error": p.error}
                  for p in store.get_pages(sha)],
        "text": text,
    }


def _child_state(store: MetadataStore, sha: str | None) -> str | None:
    if sha is None:
        return None
    try:
        return store.get_document(sha).state
    except TroveError:
        return None


@main.command()
@click.argument("doc")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.option("--full", is_flag=True, help="Print the whole text, not the first 4,000 "
              "characters.")
@friendly
def show(doc: str, as_json: bool, full: bool) -> None:
    """Metadata, text, provenance and children of one document (SHA-256 or a prefix)."""
    with open_metadata_store(_settings()) as store:
        report = document_report(store, doc)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    click.echo(f"SHA-256    {report['sha256']}")
    reason = f" ({report['reason']})" if report["reason"] else ""
    click.echo(f"State      {report['state']}{reason}")
    click.echo(f"Type       {report['mime']}  [{report['extractor'] or 'no extractor'}]")
    click.echo(f"Size       {report['size'] or 0:,} bytes")
    language = report["language"]
    if language:
        click.echo(f"Language   {language.get('code', '?')} "
                   f"({language.get('script', '?')})")
    click.echo("Found at")
    for occurrence in report["provenance"]:
        click.echo(f"  [{occurrence['collection']}] {occurrence['path']}")
    if report["metadata"]:
        click.echo("Metadata")
        for key, value in sorted(report["metadata"].items()):
            shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            click.echo(f"  {key}: {shown[:300]}")
    if report["children"]:
        click.echo(f"Children ({len(report['children'])})")
        for child in report["children"]:
            sha = (child["sha256"] or "-")[:12]
            click.echo(f"  {child['position'] + 1:>4}. {sha:<12} {child['state'] or '':<11} "
                       f"{child['name']}")
    text = report["text"]
    pages = f", {len(report['pages'])} pages" if report["pages"] else ""
    click.echo(f"Text ({len(text):,} characters{pages})")
    click.echo(text if full else text[:TEXT_SHOWN] + ("\n…" if len(text) > TEXT_SHOWN else ""))


def _syntax_epilog() -> str:
    from trove.search.query import SYNTAX_HELP

    # \b keeps click from rewrapping each paragraph of the aligned reference.
    return "\n\n".join("\b\n" + block for block in SYNTAX_HELP.strip().split("\n\n"))


def _searcher(store: MetadataStore) -> Any:
    from trove.search.service import Searcher

    return Searcher(store, open_search_index(store))


@main.command(epilog=_syntax_epilog())
@click.argument("query", nargs=-1)
@click.option("--collection", "-c", required=True, help="Collection name.")
@click.option("--limit", "-n", type=click.IntRange(1, 1000), default=20, show_default=True,
              help="Hits per page.")
@click.option("--offset", type=click.IntRange(0), default=0, help="Hits to skip (paging).")
@click.option("--sort", type=click.Choice(["relevance", "date", "-date"]),
              default="relevance", show_default=True, help="Order of the hits.")
@click.option("--within", metavar="DOC", default=None,
              help="Search only inside this container (an archive, a mailbox): SHA-256 "
                   "or prefix.")
@click.option("--stem", is_flag=True, help="Also match other forms of English words "
              "(reports → report); exact matches still rank first.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@friendly
def search(query: tuple[str, ...], collection: str, limit: int, offset: int, sort: str,
           within: str | None, stem: bool, as_json: bool) -> None:
    """Search a collection. The query syntax is below; an empty query lists everything."""
    with open_metadata_store(_settings()) as store:
        response = _searcher(store).search(
            collection, " ".join(query), limit=limit, offset=offset, sort=sort,
            within=within, stemming=stem)
    if as_json:
        click.echo(json.dumps(response.as_json(), ensure_ascii=False, indent=2))
        return
    shown = f"{offset + 1}-{offset + len(response.hits)}" if response.hits else "0"
    click.echo(f"{response.total:,} documents match; showing {shown}.")
    color = sys.stdout.isatty()
    for number, hit in enumerate(response.hits, start=offset + 1):
        click.echo(f"\n{number:>3}. {hit.title}  [{hit.sha256[:12]}]  {hit.date or ''}")
        click.echo(f"     {hit.path}")
        if hit.snippet:
            click.echo("     " + _highlight(hit.snippet, hit.highlights, color))
    for name, values in response.facets.items():
        if values:
            listed = ", ".join(f"{v['value']} ({v['count']})" for v in values[:8])
            click.echo(f"\n{name}: {listed}" if name == "type" else f"{name}: {listed}")


def _highlight(snippet: str, spans: Any, color: bool) -> str:
    out, last = [], 0
    for start, end in spans:
        out.append(snippet[last:start])
        piece = snippet[start:end]
        out.append(click.style(piece, bold=True, fg="yellow") if color else f"[{piece}]")
        last = end
    out.append(snippet[last:])
    return "".join(out)


@main.command(name="batch-search")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--collection", "-c", required=True, help="Collection name.")
@click.option("--csv", "csv_out", type=click.Path(path_type=Path, dir_okay=False),
              default=None, help="Also write every term's matching documents to this CSV.")
@click.option("--per-term", type=click.IntRange(1, 1000), default=20, show_default=True,
              help="Documents listed per term.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@friendly
def batch_search(file: Path, collection: str, csv_out: Path | None, per_term: int,
                 as_json: bool) -> None:
    """Search a list of terms or names (one per line in a .txt, or the first column of a
    .csv whose optional second column holds a full query) and count the documents each
    matches."""
    from trove.search.service import batch_csv, read_terms
    from trove.search.service import batch_search as run_batch

    terms = read_terms(file)
    with open_metadata_store(_settings()) as store:
        rows = run_batch(_searcher(store), collection, terms, per_term=per_term)
    if csv_out is not None:
        csv_out.write_text(batch_csv(rows), encoding="utf-8-sig")
    if as_json:
        click.echo(json.dumps([{"term": r.term, "query": r.query, "documents": r.total,
                                "error": r.error,
                                "hits": [{"sha256": h.sha256, "path": h.path,
                                          "title": h.title} for h in r.documents]}
                               for r in rows], ensure_ascii=False, indent=2))
        return
    width = max((len(r.term) for r in rows), default=4)
    click.echo(f"{'term':<{width}}  documents")
    for row in rows:
        shown = f"error: {row.error}" if row.error else f"{row.total:,}"
        click.echo(f"{row.term:<{width}}  {shown}")
    if csv_out is not None:
        click.echo(f"Wrote {csv_out}")


@main.command()
@click.option("--collection", "-c", default=None,
              help="Collection to re-index (default: every collection).")
@friendly
def reindex(collection: str | None) -> None:
    """Rebuild the search index from the stored text and metadata."""
    from trove.search.indexing import heal

    with open_metadata_store(_settings()) as store:
        index = open_search_index(store)
        collections = ([store.get_collection(collection)] if collection
                       else store.list_collections())
        for item in collections:
            done = heal(store, index, item, force=True)
            click.echo(f"Re-indexed {done:,} documents of {item.name}.")


@main.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--files", "-n", type=click.IntRange(1, 10_000_000), default=None,
              help="Top-level files to generate (default: the base set of every format).")
@click.option("--seed", type=int, default=0, help="Seed; the same seed gives the same bytes.")
@friendly
def sample(directory: Path, files: int | None, seed: int) -> None:
    """Generate the sample leak: a multilingual cache with every supported format.

    The manifest of what each file holds is written beside the folder, as
    DIRECTORY.manifest.json.
    """
    from trove.sample.generator import generate

    manifest = generate(directory, files=files, seed=seed)
    count = len(getattr(manifest, "entries", []) or [])
    click.echo(f"Wrote the sample leak to {directory} ({count} files); manifest: "
               f"{directory.with_name(directory.name + '.manifest.json')}")


if __name__ == "__main__":
    main()
