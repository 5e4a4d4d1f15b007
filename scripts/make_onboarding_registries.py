"""Generate five synthetic registries in the shapes that real public lists come in, for onboarding tests.

    .venv/bin/python scripts/make_onboarding_registries.py [OUT_DIR]   (default: .local/onboarding_registries)

Invented providers (fixed seed; no real list is copied), one registry per shape that made a real
onboarding fall short:

- ``trailbrook``: a state licensing roster whose export ends **every line with a trailing
  delimiter** (14 fields under 13 names); ages ``6 WKS To 13 YRS``; hours ``0600 To 1800`` and days
  ``MTWTHF`` in two columns; ``Currently_Accepts_Subsidy`` Y/N; ``Facility Status``,
  ``FacilityTypeDescription``;
- ``harborcity``: a city's permits with the **street split** over ``Street Number``, ``Street Name``,
  ``Additional Address``, ``Floor``, ``Apartment``; a ``Borough`` where a city is expected (no state
  column); ``Permit Holder`` (the operator); ages ``2 YEARS - 5 YEARS``;
- ``maplestate``: home-based programs with every name **wrapped in backslashes**
  (``\\Sunny Days Home Daycare\\``); ``ApplicantName``, ``ProviderStatus``; named age groups with
  counts ``Infant (7); Toddler (10); Two's (5)``; hours ``06:30 AM - 06:00 PM`` with days
  ``Mo Tu We Th Fr``; ``AcceptsSubsidy`` Yes/No;
- ``pinewood``: provider profiles whose **header and records both end with a trailing delimiter**;
  hours and days in one column (``M-F 7:00am-6:00pm; Sat 8am-12pm``); ages ``18 months - 5 years``;
- ``dunmore``: a **headerless** directory (name, facility type, street, city, state, ZIP, phone)
  whose type column (four values) is more business-worded than the names: it must not become the
  name.

``make_onboarding_registries(out_dir)`` writes the files and returns, per registry, its path, S3
key, record count and ``holds``: per leads column, the record numbers whose file row holds a value
for it (what ``source_current`` should fill).
"""

from __future__ import annotations

import csv
import io
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SEED = 23
WORDS = ["Sunny Days", "Little Acorns", "Bright Path", "Rainbow", "Tiny Steps", "Happy Trails", "Blue Sky", "Maple Tree",
         "Honeybee", "Stepping Stones", "Wonder Years", "Kinder Garden", "Lighthouse", "Busy Bees", "Growing Minds",
         "Treetop", "Silver Lake", "Golden Oak", "Cornerstone", "First Light", "Little Sprouts", "Puddle Jumpers",
         "Red Barn", "Willow Creek", "Sea Star", "Moonbeam", "Evergreen", "Kite Hill", "Open Arms", "Star Bright"]  # fmt: skip
KINDS = ["Learning Center", "Child Care Center", "Academy", "Preschool", "Early Learning", "Kids Club", "Daycare",
         "Nursery School"]  # fmt: skip
FIRST = ["Maria", "Linda", "Aisha", "Kim", "Rosa", "Janet", "Ngoc", "Fatima", "Olga", "Brenda", "Carmen", "Dana",
         "Hana", "Irene", "Joy", "Leticia", "Mei", "Nadia", "Priya", "Sofia"]  # fmt: skip
LAST = ["Lopez", "Nguyen", "Okafor", "Svensson", "Haddad", "Kowalski", "Tanaka", "Reyes", "Murphy", "Castillo",
        "Dubois", "Petrov", "Ibrahim", "Larsen", "Moreau", "Quinn", "Bauer", "Costa", "Ferreira", "Novak"]  # fmt: skip
STREETS = ["Main St", "Oak Ave", "Lakeview Dr", "Cedar Ln", "Pioneer Blvd", "River Rd", "Elm St", "Hillcrest Way",
           "Willow Ct", "Bridge St", "Park Ave", "Union St"]  # fmt: skip


@dataclass
class Registry:
    source: str
    path: Path
    key: str
    records: int
    holds: dict[str, set[int]] = field(default_factory=dict)  # leads column -> record numbers holding it


class _Names:
    """Distinct invented business names, and phones never repeated (555 exchanges avoided)."""

    def __init__(self, rng: random.Random, areas: tuple[str, ...]):
        self.rng, self.areas = rng, areas
        combos = [f"{w} {k}" for w in WORDS for k in KINDS]
        rng.shuffle(combos)
        self._names = iter(combos)
        self._phones: set[str] = set()

    def business(self) -> str:
        return next(self._names)

    def person(self) -> tuple[str, str]:
        return self.rng.choice(FIRST), self.rng.choice(LAST)

    def phone(self) -> str:
        while True:
            p = f"{self.rng.choice(self.areas)}{self.rng.randint(2, 9)}{self.rng.randint(0, 9)}{self.rng.randint(2, 9)}" \
                f"{self.rng.randint(1000, 9999)}"
            if p not in self._phones and p[3:6] != "555":
                self._phones.add(p)
                return p


def _dashed(p: str) -> str:
    return f"{p[:3]}-{p[3:6]}-{p[6:]}"


def _parens(p: str) -> str:
    return f"({p[:3]}) {p[3:6]}-{p[6:]}"


def _street(rng: random.Random) -> str:
    return f"{rng.randint(10, 9999)} {rng.choice(STREETS)}"


def trailbrook(rng: random.Random) -> tuple[list[str], list[list[str]], set[str]]:
    names = _Names(rng, ("303", "720"))
    header = ["License Number", "Facility Name", "FacilityTypeDescription", "Facility Status", "Address", "City",
              "State", "Zip", "Phone", "Capacity", "Ages Served", "Hours", "Days", "Currently_Accepts_Subsidy"]
    cities = [("Denver", "80203"), ("Aurora", "80010"), ("Boulder", "80302"), ("Golden", "80401")]
    rows = []
    for i in range(160):
        city, zip_ = rng.choice(cities)
        weeks, years = rng.choice([6, 8, 12]), rng.choice([5, 12, 13])
        rows.append([f"CO-{410000 + 7 * i}", names.business(), rng.choice(["Child Care Center", "Family Child Care Home",
                     "School Age Program"]), rng.choice(["Active", "Active", "Probation", "Pending Renewal"]),
                     _street(rng), city, "CO", zip_, _dashed(names.phone()), str(rng.randint(6, 150)),
                     f"{weeks} WKS To {years} YRS", rng.choice(["0600 To 1800", "0630 To 1730", "0700 To 1900"]),
                     rng.choice(["MTWTHF", "MTWTHF", "MTWTHFS"]), rng.choice("YN")])  # fmt: skip
    holds = {"license_number", "company", "facility_type", "license_status", "address1", "city", "state", "zip",
             "phone", "capacity", "ages_served", "min_age", "max_age", "schedule", "accepts_financial_aid"}
    return header, rows, holds


def harborcity(rng: random.Random) -> tuple[list[str], list[list[str]], set[str]]:
    names = _Names(rng, ("718", "347", "212"))
    header = ["Permit Number", "Center Name", "Permit Holder", "Site Type", "Permit Status", "Street Number",
              "Street Name", "Additional Address", "Floor", "Apartment", "Borough", "ZIP Code", "Phone", "Age Range"]
    boroughs = [("MANHATTAN", "10025"), ("BROOKLYN", "11215"), ("QUEENS", "11372"), ("BRONX", "10458"),
                ("STATEN ISLAND", "10301")]  # fmt: skip
    streets = ["W 97th St", "Atlantic Ave", "Roosevelt Ave", "Grand Concourse", "Victory Blvd", "Broadway", "E 14th St"]
    rows = []
    for i in range(140):
        borough, zip_ = rng.choice(boroughs)
        floor = rng.choice(["", "", "2", "3", "1"])
        apartment = rng.choice(["", "", "", "1A", "3B"])
        holder = f"{rng.choice(WORDS)} {rng.choice(['Community Services Inc', 'Family Corp', 'Learning LLC'])}"
        rows.append([f"PR-{20500 + 3 * i}", names.business(), holder, rng.choice(["Group Day Care", "School Based"]),
                     rng.choice(["Permitted", "Permitted", "Expired-In Renewal"]), str(rng.randint(1, 2400)),
                     rng.choice(streets), rng.choice(["", "", "", "Building B", "Rear Entrance"]), floor, apartment,
                     borough, zip_, _parens(names.phone()), f"{rng.choice([2, 3])} YEARS - {rng.choice([5, 6])} YEARS"])  # fmt: skip
    holds = {"license_number", "company", "operator", "facility_type", "license_status", "address1", "address2",
             "city", "state", "zip", "phone", "ages_served", "min_age", "max_age"}
    return header, rows, holds


def maplestate(rng: random.Random) -> tuple[list[str], list[list[str]], set[str]]:
    names = _Names(rng, ("612", "651"))
    header = ["ProviderID", "ProviderName", "ApplicantName", "ProviderStatus", "ProviderType", "Address1", "City",
              "State", "ZipCode", "PhoneNumber", "Email", "AgeGroups", "OperatingHours", "OperatingDays",
              "AcceptsSubsidy"]
    cities = [("Saint Paul", "55102"), ("Minneapolis", "55401"), ("Duluth", "55802"), ("Rochester", "55901")]
    rows = []
    for i in range(150):
        first, last = names.person()
        city, zip_ = rng.choice(cities)
        groups = "; ".join(f"{g} ({rng.randint(1, 8)})" for g in rng.sample(["Infant", "Toddler", "Two's",
                                                                              "Preschool", "School Age"], 3))
        name = names.business().replace("Center", "Home")
        rows.append([f"{900100 + 13 * i}", f"\\{name}\\", f"\\{first} {last}\\", rng.choice(["Licensed", "Licensed",
                     "Conditional"]), rng.choice(["Family Child Care", "Group Family Child Care"]), _street(rng), city,
                     "MN", zip_, _dashed(names.phone()), f"{first.lower()}.{last.lower()}{i}@example.org", groups,
                     rng.choice(["06:30 AM - 06:00 PM", "07:00 AM - 05:30 PM"]),
                     rng.choice(["Mo Tu We Th Fr", "Mo Tu We Th Fr Sa"]), rng.choice(["Yes", "No"])])  # fmt: skip
    holds = {"provider_id", "company", "operator", "license_status", "facility_type", "address1", "city", "state",
             "zip", "phone", "email", "ages_served", "min_age", "max_age", "schedule", "accepts_financial_aid"}
    return header, rows, holds


def pinewood(rng: random.Random) -> tuple[list[str], list[list[str]], set[str]]:
    names = _Names(rng, ("206", "253"))
    header = ["Lic #", "Program Name", "Program Type", "License Status", "Street Address", "City", "County", "State",
              "Zip", "Telephone", "Website", "Schedule", "Ages", "Subsidy"]
    cities = [("Seattle", "King", "98101"), ("Tacoma", "Pierce", "98402"), ("Everett", "Snohomish", "98201")]
    rows = []
    for i in range(130):
        city, county, zip_ = rng.choice(cities)
        name = names.business()
        slug = name.lower().replace(" ", "")
        rows.append([f"PW{3000 + 11 * i}", name, rng.choice(["Center", "Family Home"]), rng.choice(["Open", "Open",
                     "Closed - Temporary"]), _street(rng), city, county, "WA", zip_, _parens(names.phone()),
                     f"www.{slug}.com", rng.choice(["M-F 7:00am-6:00pm", "M-F 6:30am-6:00pm; Sat 8am-12pm"]),
                     f"{rng.choice([6, 12, 18])} months - {rng.choice([5, 12])} years", rng.choice("YN")])  # fmt: skip
    holds = {"license_number", "company", "facility_type", "license_status", "address1", "city", "county", "state",
             "zip", "phone", "website_address", "schedule", "ages_served", "min_age", "max_age",
             "accepts_financial_aid"}
    return header, rows, holds


def dunmore(rng: random.Random) -> tuple[None, list[list[str]], set[str]]:
    names = _Names(rng, ("215", "267"))
    cities = [("Philadelphia", "19103"), ("Dunmore", "18512"), ("Scranton", "18503"), ("Allentown", "18101")]
    kinds = ["Child Care Center", "Family Child Care Home", "Group Child Care Home", "School Age Child Care Center"]
    rows = []
    shared = [names.phone() for _ in range(10)]  # a chain's sites sharing one phone each: distinct providers
    for i in range(300):
        city, zip_ = cities[i % 10 % 4] if i < 40 else rng.choice(cities)  # a chain's sites: one city per phone
        first, last = names.person()
        name = f"{first} {last}" if i % 3 == 0 else names.business() if i % 3 == 1 else f"{rng.choice(WORDS)} #{i}"
        phone = shared[i % 10] if i < 40 else names.phone()
        rows.append([name, rng.choice(kinds), _street(rng), city, "PA", zip_, _dashed(phone)])
    return None, rows, {"company", "facility_type", "address1", "city", "state", "zip", "phone"}


LAYOUTS = {
    "trailbrook": (trailbrook, "2024-05-01 Trailbrook licensing roster.csv", "records"),
    "harborcity": (harborcity, "2024-05-01 Harbor City permits.csv", None),
    "maplestate": (maplestate, "2024-05-01 Maple State home programs.csv", None),
    "pinewood": (pinewood, "2024-05-01 Pinewood provider profiles.csv", "both"),
    "dunmore": (dunmore, "2024-05-01 Dunmore directory.csv", None),
}


def _csv(header: list[str] | None, rows: list[list[str]], trailing: str | None) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if header:
        writer.writerow([*header, ""] if trailing == "both" else header)
    writer.writerows([*r, ""] if trailing else r for r in rows)
    return out.getvalue().encode("utf-8")


def _holds(header: list[str] | None, rows: list[list[str]], columns: set[str]) -> dict[str, set[int]]:
    """Per leads column, the records holding it: all, but a split unit only where a floor or apartment is given."""
    every = set(range(1, len(rows) + 1))
    out = {c: set(every) for c in columns}
    if header and "address2" in columns:
        floor, apartment = header.index("Floor"), header.index("Apartment")
        out["address2"] = {n for n, r in enumerate(rows, start=1) if r[floor] or r[apartment]}
    return out


def make_onboarding_registries(out_dir: Path) -> dict[str, Registry]:
    out = {}
    for source, (build, name, trailing) in LAYOUTS.items():
        header, rows, columns = build(random.Random(f"{SEED}-{source}"))
        path = Path(out_dir) / source / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_csv(header, rows, trailing))
        out[source] = Registry(source, path, f"{source}/{name}", len(rows), _holds(header, rows, columns))
    return out


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else PROJECT_ROOT / ".local" / "onboarding_registries"
    for r in make_onboarding_registries(out).values():
        print(f"{r.source}: {r.records} records, {len(r.holds)} leads columns held -> {r.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
