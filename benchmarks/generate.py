"""Synthetic deliveries scaled up from the real sample rows in data/sample_bucket/<source>/.

Every output record is a copy of a sample record, picked by a seeded hash of its record number
(so the same arguments give the same bytes, and the same record number gives the same record in
every delivery), with the source's record key made unique:

* nevada   ``Credential Number`` ``1106-22``                       -> ``<n>-22``
* oklahoma ``Type License`` ``CHILD CARE FAMILY - K820055232``      -> ``CHILD CARE FAMILY - K<n:09d>``
* texas    ``Operation #`` ``1239246``                              -> ``<10_000_000 + n>``

where ``n`` runs from ``first_id`` upwards, so deliveries generated with disjoint ``first_id``
ranges have disjoint keys, and overlapping ranges repeat the same records (a registry's full
refresh: unchanged records stay byte-identical). ``revision`` > 0 changes about one record in ten
(another template for the same key), which the warehouse sees as updates. The header line is copied byte for byte and the file is written in the
sample's own encoding (Nevada: cp1252) with its CRLF line ends. Records that do not have the
header's width (the Oklahoma sample ends in a record cut off mid-field) are not used as templates:
the cut-off is an artefact of how the sample was taken, not a property of a record.

``templates`` = k uses only the sample's first k records: ``rows / k`` copies of each, the skewed
shape of a registry full of franchise sites or a bulk re-registration (one name, phone and address
on thousands of records).

Rows are streamed to the file; memory stays flat whatever ``rows`` is.
The sample files are only read, never modified.

    python -m benchmarks.generate --source texas --rows 1000000 --out /tmp/texas.csv
"""

from __future__ import annotations

import argparse
import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_BUCKET = PROJECT_ROOT / "data" / "sample_bucket"
SOURCES = ("nevada", "oklahoma", "texas")

KEY_COLUMNS = {"nevada": "Credential Number", "oklahoma": "Type License", "texas": "Operation #"}
_OK_TYPE_NUMBER = re.compile(r"^(?P<type>.*\S)(?P<sep>\s+[-–—]\s+)(?P<letters>[A-Za-z]*)(?P<digits>[^\s]*)$")


def _nevada_key(original: str, n: int) -> str:
    _, dash, suffix = original.partition("-")
    return f"{n}{dash}{suffix}"


def _oklahoma_key(original: str, n: int) -> str:
    match = _OK_TYPE_NUMBER.match(original)
    if not match:  # no "<type> - <number>" shape: keep the cell, append a number
        return f"{original} - K{n:09d}"
    letters = match.group("letters") or "K"
    return f"{match.group('type')}{match.group('sep')}{letters}{n:09d}"


def _texas_key(original: str, n: int) -> str:
    return str(10_000_000 + n)


KEY_MAKERS: dict[str, Callable[[str, int], str]] = {"nevada": _nevada_key, "oklahoma": _oklahoma_key, "texas": _texas_key}


@dataclass(frozen=True)
class Sample:
    source: str
    path: Path
    encoding: str
    header_line: bytes  # the header exactly as in the file, line end included
    header: list[str]
    records: list[list[str]]  # complete records (the header's width)
    key_index: int


@dataclass(frozen=True)
class Generated:
    path: Path
    source: str
    rows: int
    bytes: int
    encoding: str
    first_id: int


def sample_path(source: str) -> Path:
    (path,) = sorted((SAMPLE_BUCKET / source).glob("*.csv"))
    return path


def _encoding_of(data: bytes) -> str:
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        data.decode("cp1252")  # raises if neither: the sample would be unusable
        return "cp1252"


def load_sample(source: str) -> Sample:
    if source not in KEY_MAKERS:
        raise ValueError(f"no generator for source {source!r}; known: {sorted(KEY_MAKERS)}")
    path = sample_path(source)
    data = path.read_bytes()
    encoding = _encoding_of(data)
    rows = list(csv.reader(io.StringIO(data.decode(encoding), newline="")))
    header, body = rows[0], rows[1:]
    end = data.index(b"\n") + 1  # the header holds no quoted line breaks in any sample
    header_line = data[:end]
    records = [r for r in body if len(r) == len(header)]
    return Sample(
        source=source,
        path=path,
        encoding=encoding,
        header_line=header_line,
        header=header,
        records=records,
        key_index=header.index(KEY_COLUMNS[source]),
    )


_MASK = (1 << 64) - 1


def _mix(seed: int, n: int) -> int:
    """splitmix64 of (seed, n): a cheap, well-spread, deterministic hash."""
    z = (seed * 0x9E3779B97F4A7C15 + n * 0xBF58476D1CE4E5B9 + 0x94D049BB133111EB) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def synthetic_records(
    sample: Sample, rows: int, seed: int = 0, first_id: int = 1, revision: int = 0
) -> Iterator[list[str]]:
    """``rows`` records with unique record keys ``first_id`` .. ``first_id + rows - 1``."""
    make_key = KEY_MAKERS[sample.source]
    pool = sample.records
    size = len(pool)
    k = sample.key_index
    for n in range(first_id, first_id + rows):
        template = _mix(seed, n) % size
        if revision and _mix(seed + 7919 * revision, n) % 10 == 0:
            template = (template + 1 + _mix(seed + revision, n) % max(size - 1, 1)) % size
        record = list(pool[template])
        record[k] = make_key(record[k], n)
        yield record


def generate(source: str, rows: int, out: Path, seed: int = 0, first_id: int = 1, revision: int = 0,
             templates: int | None = None) -> Generated:
    """Write one synthetic delivery of ``rows`` records to ``out`` (streamed)."""
    sample = load_sample(source)
    if templates is not None:
        sample = replace(sample, records=sample.records[:templates])
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as raw:
        raw.write(sample.header_line)
        with io.TextIOWrapper(raw, encoding=sample.encoding, newline="", write_through=False) as text:
            writer = csv.writer(text, lineterminator="\r\n")
            writer.writerows(synthetic_records(sample, rows, seed=seed, first_id=first_id, revision=revision))
    return Generated(path=out, source=source, rows=rows, bytes=out.stat().st_size, encoding=sample.encoding, first_id=first_id)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", choices=SOURCES, default="texas")
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--first-id", type=int, default=1)
    parser.add_argument("--revision", type=int, default=0, help="> 0: about 1 record in 10 changes")
    parser.add_argument("--templates", type=int, help="only the sample's first N records (N copies-heavy blocks)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    g = generate(args.source, args.rows, args.out, seed=args.seed, first_id=args.first_id, revision=args.revision,
                 templates=args.templates)
    print(f"{g.path}: {g.rows} records, {g.bytes} bytes, {g.encoding}")


if __name__ == "__main__":
    main()
