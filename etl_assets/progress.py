"""Records done by the running stage, counted as the stage works.

Stages call :func:`advance` as batches of records are done (the reader per chunk, normalize per
batch, dedup and load once). It only adds to a counter, so stages stay pure and cost nothing when
nobody watches; `make ingest`'s progress line (etl_assets.runner.progress) reads it.
"""

from __future__ import annotations

_done = 0


def advance(records: int) -> None:
    """``records`` more records done by the running stage (a single writer: the run's thread)."""
    global _done
    _done += records


def records_done() -> int:
    return _done


def reset() -> None:
    global _done
    _done = 0
