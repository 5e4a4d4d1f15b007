"""Generate three synthetic registries without a license number, for onboarding tests.

    .venv/bin/python scripts/make_registries.py [OUT_DIR]   (default: .local/registries)

Invented providers (fixed seed; no real list is copied) in the three shapes real public lists
come in when they lack a license number:

- ``lakeshore``: a state directory **without a header row**: name, type, street, city, state, ZIP,
  phone; family homes' streets withheld as ``N/A`` (a few phones ``-``);
- ``kidfinder``: a provider-search **API export**: an opaque id (``pv_3f9a1c0e``), name, phone,
  e-mail, owner; **no address** at all;
- ``pinecounty``: a county list with a header: program, type, street, city, ZIP, phone; **blank
  streets** for family homes and **whole rows repeated**.

Most providers appear in all three (names cased and suffixed differently, phones formatted
differently); the Riverside school district's pre-K programs are distinct sites sharing one
district phone. ``make_registries(out_dir)`` writes the files and returns, per registry, its path
and S3 key plus which provider each record is (``people``: record number → provider id), so a
test can check that one provider is one lead (``etl_assets_tests/onboarding/test_registries.py``).
"""

from __future__ import annotations

import csv
import io
import random
import sys
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SEED = 16
STATE = "OR"
CITIES = [("Lakeshore", "97034"), ("Pine Ridge", "97045"), ("Millbrook", "97062"), ("Cedar Falls", "97070")]
AREA = ("503", "971")
CENTER_WORDS = ["Sunny Days", "Little Acorns", "Bright Horizons", "Rainbow Kids", "Tiny Steps", "Happy Trails",
                "Blue Sky", "Maple Tree", "Honeybee", "Stepping Stones", "Wonder Years", "Kinder Garden",
                "Lighthouse", "Busy Bees", "Growing Minds", "Treetop", "Silver Lake", "Golden Oak", "Cornerstone",
                "First Light"]  # fmt: skip
CENTER_KINDS = ["Learning Center", "Child Care Center", "Academy", "Preschool", "Early Learning"]
FIRST = ["Maria", "Linda", "Aisha", "Kim", "Rosa", "Janet", "Ngoc", "Fatima", "Olga", "Brenda", "Carmen", "Dana",
         "Hana", "Irene", "Joy", "Leticia"]  # fmt: skip
LAST = ["Lopez", "Nguyen", "Okafor", "Svensson", "Haddad", "Kowalski", "Tanaka", "Reyes", "Murphy", "Castillo",
        "Dubois", "Petrov", "Ibrahim", "Larsen", "Moreau", "Quinn"]  # fmt: skip
STREETS = ["Main St", "Oak Ave", "Lakeview Dr", "Cedar Ln", "Pioneer Blvd", "River Rd", "Elm St", "Hillcrest Way",
           "Willow Ct", "Bridge St"]  # fmt: skip
SCHOOLS = ["Lincoln", "Washington", "Jefferson", "Roosevelt"]
DISTRICT_PHONE = "5036410100"


@dataclass
class Provider:
    pid: str
    name: str
    kind: str  # center | family | school
    street: str
    city: str
    zip: str
    phone: str  # 10 digits
    email: str
    owner: str


@dataclass
class Registry:
    source: str
    path: Path
    key: str
    people: dict[int, str]  # 1-based record number -> provider id


def _phone(rng: random.Random, used: set[str]) -> str:
    while True:
        p = f"{rng.choice(AREA)}{rng.randint(2, 9)}{rng.randint(0, 9)}{rng.randint(2, 9)}{rng.randint(1000, 9999)}"
        if p not in used and p[3:6] != "555":
            used.add(p)
            return p


def providers(seed: int = SEED) -> list[Provider]:
    rng = random.Random(seed)
    used: set[str] = {DISTRICT_PHONE}
    out: list[Provider] = []
    for i, word in enumerate(CENTER_WORDS):
        city, zip_ = CITIES[i % len(CITIES)]
        name = f"{word} {CENTER_KINDS[i % len(CENTER_KINDS)]}"
        slug = word.lower().replace(" ", "")
        out.append(Provider(f"C{i:02d}", name, "center", f"{100 + 37 * i} {STREETS[i % len(STREETS)]}", city, zip_,
                            _phone(rng, used), f"info@{slug}.org", f"{FIRST[i % 16]} {LAST[(i * 5) % 16]}"))
    for i in range(16):
        first, last = FIRST[i], LAST[(i * 3 + 1) % 16]
        city, zip_ = CITIES[(i + 1) % len(CITIES)]
        out.append(Provider(f"F{i:02d}", f"{first} {last} Family Child Care", "family",
                            f"{20 + 11 * i} {STREETS[(i + 3) % len(STREETS)]}", city, zip_, _phone(rng, used),
                            f"{first.lower()}.{last.lower()}@mail.com", f"{first} {last}"))
    for i, school in enumerate(SCHOOLS):
        city, zip_ = CITIES[i % 2]
        out.append(Provider(f"S{i}", f"{school} Elementary Pre-K", "school", f"{400 + 50 * i} {STREETS[i]}", city,
                            zip_, DISTRICT_PHONE, "prek@riversidesd.org", "Riverside School District"))
    return out


def _fmt_phone(p: str, style: int) -> str:
    return (f"({p[:3]}) {p[3:6]}-{p[6:]}", f"{p[:3]}-{p[3:6]}-{p[6:]}", f"{p[:3]}.{p[3:6]}.{p[6:]}")[style]


TYPES = {"center": "CHILD CARE CENTER", "family": "FAMILY CHILD CARE HOME", "school": "SCHOOL-AGE PRE-K PROGRAM"}


def lakeshore(ps: list[Provider], rng: random.Random) -> tuple[list[list[str]], list[str]]:
    """Headerless directory; every provider but two centers; family streets 'N/A', two phones '-'."""
    chosen = [p for p in ps if p.pid not in ("C18", "C19")]
    rows, who = [], []
    for n, p in enumerate(chosen):
        street = "N/A" if p.kind == "family" else p.street.upper()
        phone = "-" if p.pid in ("C16", "C17") else _fmt_phone(p.phone, 0)
        rows.append([p.name.upper(), TYPES[p.kind], street, p.city.upper(), STATE, p.zip, phone])
        who.append(p.pid)
    return rows, who


def kidfinder(ps: list[Provider], rng: random.Random) -> tuple[list[list[str]], list[str]]:
    """API export with an opaque id; no address."""
    rows, who = [], []
    for p in ps:
        if p.pid in ("C17",):
            continue
        opaque = f"pv_{rng.getrandbits(32):08x}"
        rows.append([opaque, p.name, _fmt_phone(p.phone, 1), p.email, p.owner])
        who.append(p.pid)
    return rows, who


def pinecounty(ps: list[Provider], rng: random.Random) -> tuple[list[list[str]], list[str]]:
    """County list: blank streets for family homes; six whole rows repeated."""
    base, who = [], []
    for p in ps:
        if p.pid in ("C15",):
            continue
        name = f"{p.name}, LLC" if p.kind == "center" and int(p.pid[1:]) % 3 == 0 else p.name
        street = "" if p.kind == "family" else p.street
        base.append([name, TYPES[p.kind].title(), street, p.city, p.zip, _fmt_phone(p.phone, 2)])
        who.append(p.pid)
    rows, people = list(base), list(who)
    for i in rng.sample(range(len(base)), 6):
        rows.append(list(base[i]))
        people.append(who[i])
    order = list(range(len(rows)))
    rng.shuffle(order)
    return [rows[i] for i in order], [people[i] for i in order]


LAYOUTS = {
    "lakeshore": (lakeshore, None, "2024-03-01 Lakeshore Child Care Directory.csv"),
    "kidfinder": (kidfinder, ["provider_uid", "display_name", "contact_phone", "contact_email", "owner_name"],
                  "2024-03-01 kidfinder export.csv"),
    "pinecounty": (pinecounty, ["Program", "Type", "Street", "City", "Zip", "Phone"], "2024-03-01 Pine County list.csv"),
}  # fmt: skip


def _csv(rows: list[list[str]], header: list[str] | None) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if header:
        writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def make_registries(out_dir: Path) -> dict[str, Registry]:
    ps = providers()
    out = {}
    for source, (build, header, name) in LAYOUTS.items():
        rows, who = build(ps, random.Random(f"{SEED}-{source}"))
        path = Path(out_dir) / source / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_csv(rows, header))
        out[source] = Registry(source, path, f"{source}/{name}", {i: pid for i, pid in enumerate(who, start=1)})
    return out


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else PROJECT_ROOT / ".local" / "registries"
    for r in make_registries(out).values():
        print(f"{r.source}: {len(r.people)} records -> {r.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
