"""Derive later deliveries of the sample registries with known changes, for history tests.

    python scripts/derive_deliveries.py OUT_DIR [--bucket data/sample_bucket] [--seed 20230707] [--no-originals]

For each source (Nevada: key ``Credential Number``, cp1252; Texas: key ``Operation #``, utf-8) it
reads the real sample ``<source>/07-07-2023 ....csv`` (never modified) and writes two later full
refreshes next to it in OUT_DIR, with the same header, encoding, CRLF line breaks and no final
line break as the original:

* ``08-07-2023 ...``: records removed, records added (copies of real records with a new key, a
  new name and a new phone), one status changed, one address changed, one contact changed, one
  company renamed, one new phone;
* ``09-07-2023 ...``: a record removed on 08-07 returns unchanged (revive), one record added on
  08-07 is removed again, the renamed company gets its old name back, one more status change, one
  more record added.

Only mapped columns are changed (mappings/<source>.yaml), always to values that stay different
after normalization, and only "clean" records are touched (well-formed key, name and phone), so
the expected counts hold for the normalized records. The originals are copied byte-for-byte into
OUT_DIR too (unless ``--no-originals``), so OUT_DIR is a complete bucket.

``expected_counts.json`` lists every delivery in order with its ``delivery_key`` (path relative to
OUT_DIR, as the S3 key), ``delivery_date``, record count, the exact counts
(inserted/updated/deleted/revived/unchanged, computed by comparing full rows with the previous
delivery, independently of the history code) and the source record keys of each change type.
Deterministic: the same seed gives the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

ORIGINAL_DATE = "07-07-2023"
LATER_DATES = ("08-07-2023", "09-07-2023")


@dataclass(frozen=True)
class SourceConfig:
    source: str
    file_name: str  # the file name without the leading date
    encoding: str
    key: str
    name: str
    phone: str
    status: str
    address: str
    contact: str | None
    key_pattern: str
    new_key: str  # format for new keys, {n} = a counter


SOURCES = (
    SourceConfig(
        source="nevada",
        file_name="Nevada Dept of Public _ Behavioral Health.csv",
        encoding="cp1252",
        key="Credential Number",
        name="Name",
        phone="Phone#",
        status="Status",
        address="Address",
        contact="Primary Contact Name",
        key_pattern=r"^\d+-\d{2}$",
        new_key="{n}-23",
    ),
    SourceConfig(
        source="texas",
        file_name="Texas DHHS.csv",
        encoding="utf-8",
        key="Operation #",
        name="Operation/Caregiver Name",
        phone="Phone",
        status="Status",
        address="Address",
        contact="Email Address",  # Texas has no contact name; the e-mail is the contact field
        key_pattern=r"^\d+$",
        new_key="{n}",
    ),
)

PHONE = re.compile(r"^([2-9]\d{2})-[2-9]\d{2}-\d{4}$")
COUNT_NAMES = ("inserted", "updated", "deleted", "revived", "unchanged")


def read_csv(path: Path, encoding: str) -> tuple[list[str], list[list[str]]]:
    text = path.read_bytes().decode(encoding)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return rows[0], rows[1:]


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str) -> None:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows([header, *rows])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue().removesuffix("\r\n").encode(encoding))


def _new_phone(rng: random.Random, old: str, taken: set[str]) -> str:
    area = PHONE.match(old).group(1)
    while True:
        phone = f"{area}-{rng.randint(200, 999)}-{rng.randint(0, 9999):04d}"
        if phone not in taken:
            taken.add(phone)
            return phone


def _new_status(current: str, statuses: list[str]) -> str:
    others = [s for s in statuses if s.strip() and s.strip().lower() != current.strip().lower()]
    return others[0] if others else ("Closed" if current.strip().lower() != "closed" else "Active")


def _moved(address: str) -> str:
    """The same street, two house numbers further (or a number prefixed when there is none)."""
    match = re.match(r"\s*(\d+)", address)
    if match is None:
        return "1 " + address.lstrip()
    return address[: match.start(1)] + str(int(match.group(1)) + 2) + address[match.end(1) :]


class Deriver:
    def __init__(self, cfg: SourceConfig, header: list[str], rows: list[list[str]], seed: int):
        self.cfg = cfg
        self.header = header
        self.col = {name: header.index(name) for name in header if name}
        self.rng = random.Random(f"{seed}:{cfg.source}")
        self.original = {r[self.col[cfg.key]]: r for r in rows}
        self.order = [r[self.col[cfg.key]] for r in rows]
        self.statuses = sorted({r[self.col[cfg.status]] for r in rows})
        self.taken_phones = {r[self.col[cfg.phone]] for r in rows}
        numbers = [int(re.match(r"\d+", k).group()) for k in self.order if re.match(r"\d+", k)]
        self.next_number = max(numbers) + 1001

    def clean(self, row: list[str]) -> bool:
        c, cfg = self.col, self.cfg
        return bool(
            re.match(cfg.key_pattern, row[c[cfg.key]])
            and row[c[cfg.name]].strip()
            and PHONE.match(row[c[cfg.phone]])
            and row[c[cfg.address]].strip()
        )

    def new_record(self, template: list[str], label: str) -> list[str]:
        c, cfg = self.col, self.cfg
        row = list(template)
        n, self.next_number = self.next_number, self.next_number + 1
        row[c[cfg.key]] = cfg.new_key.format(n=n)
        row[c[cfg.name]] = f"{label} EARLY LEARNING CENTER {n}"
        row[c[cfg.phone]] = _new_phone(self.rng, template[c[cfg.phone]], self.taken_phones)
        return row

    def derive(self) -> list[tuple[str, dict[str, list[str]]]]:
        """Returns [(date, {key: row})] for the later deliveries (rows in delivery order)."""
        c, cfg = self.col, self.cfg
        candidates = [k for k in self.order if self.clean(self.original[k])]
        self.rng.shuffle(candidates)
        pick = iter(candidates)
        removed2 = [next(pick) for _ in range(3)]
        status2, address2, contact2, renamed2, phone2 = (next(pick) for _ in range(5))
        status3 = next(pick)

        d2 = {k: list(self.original[k]) for k in self.order if k not in removed2}
        d2[status2][c[cfg.status]] = _new_status(d2[status2][c[cfg.status]], self.statuses)
        d2[address2][c[cfg.address]] = _moved(d2[address2][c[cfg.address]])
        if cfg.contact is not None:
            old = d2[contact2][c[cfg.contact]]
            d2[contact2][c[cfg.contact]] = "JORDAN RIVERA" if cfg.source != "texas" else f"director{self.rng.randint(100, 999)}@example.org"
            assert d2[contact2][c[cfg.contact]] != old
        d2[renamed2][c[cfg.name]] = d2[renamed2][c[cfg.name]].rstrip() + " LEARNING ACADEMY"
        d2[phone2][c[cfg.phone]] = _new_phone(self.rng, d2[phone2][c[cfg.phone]], self.taken_phones)
        added2 = [self.new_record(self.original[next(pick)], "SUNRISE"), self.new_record(self.original[next(pick)], "BLUE SKY")]
        for row in added2:
            d2[row[c[cfg.key]]] = row

        d3 = {k: list(v) for k, v in d2.items()}
        revived = removed2[0]
        d3[revived] = list(self.original[revived])
        del d3[added2[0][c[cfg.key]]]  # added on 08-07, removed on 09-07
        d3[renamed2][c[cfg.name]] = self.original[renamed2][c[cfg.name]]  # old name back
        d3[status3][c[cfg.status]] = _new_status(d3[status3][c[cfg.status]], self.statuses)
        added3 = self.new_record(self.original[next(pick)], "LITTLE STARS")
        d3[added3[c[cfg.key]]] = added3
        # keep file order: original order, then new records in the order they were added
        position = {k: i for i, k in enumerate(self.order)}
        ordered = lambda d: dict(sorted(d.items(), key=lambda kv: position.get(kv[0], len(position) + list(d).index(kv[0]))))  # noqa: E731
        return [(LATER_DATES[0], ordered(d2)), (LATER_DATES[1], ordered(d3))]


def diff_counts(previous_live: dict[str, list[str]], ever_seen: set[str], current: dict[str, list[str]]) -> tuple[dict, dict]:
    """Exact change counts of `current` vs the live records before it (a plain Python model)."""
    keys = {name: [] for name in ("inserted", "updated", "deleted", "revived", "unchanged")}
    for k, row in current.items():
        if k in previous_live:
            keys["updated" if row != previous_live[k] else "unchanged"].append(k)
        elif k in ever_seen:
            keys["revived"].append(k)
        else:
            keys["inserted"].append(k)
    keys["deleted"] = [k for k in previous_live if k not in current]
    return {name: len(v) for name, v in keys.items()}, {name: sorted(v) for name, v in keys.items() if name != "unchanged"}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--bucket", type=Path, default=Path(__file__).resolve().parents[1] / "data" / "sample_bucket")
    parser.add_argument("--seed", type=int, default=20230707)
    parser.add_argument("--no-originals", action="store_true", help="do not copy the 07-07-2023 originals")
    args = parser.parse_args(argv)

    deliveries = []
    for cfg in SOURCES:
        original_name = f"{ORIGINAL_DATE} {cfg.file_name}"
        original_path = args.bucket / cfg.source / original_name
        header, rows = read_csv(original_path, cfg.encoding)
        deriver = Deriver(cfg, header, rows, args.seed)
        if not args.no_originals:
            (args.out_dir / cfg.source).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(original_path, args.out_dir / cfg.source / original_name)
        live: dict[str, list[str]] = {}
        seen: set[str] = set()
        sequence = [(ORIGINAL_DATE, dict(deriver.original), original_name, True)]
        sequence += [(day, d, f"{day} {cfg.file_name}", False) for day, d in deriver.derive()]
        for day, records, name, is_original in sequence:
            if not is_original:
                write_csv(args.out_dir / cfg.source / name, header, list(records.values()), cfg.encoding)
            counts, changed = diff_counts(live, seen, records)
            month, dom, year = day.split("-")
            deliveries.append(
                {
                    "source": cfg.source,
                    "delivery_key": f"{cfg.source}/{name}",
                    "delivery_date": f"{year}-{month}-{dom}",
                    "original": is_original,
                    "encoding": cfg.encoding,
                    "record_key_column": cfg.key,
                    "records": len(records),
                    "counts": counts,
                    "record_keys": changed if not is_original else {},
                }
            )
            live = records
            seen |= set(records)
    result = {"seed": args.seed, "deliveries": deliveries}
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / "expected_counts.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    for d in main()["deliveries"]:
        print(d["delivery_key"], d["counts"])
