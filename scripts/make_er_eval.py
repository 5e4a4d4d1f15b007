"""A labelled entity-resolution evaluation set written from registry shapes, not from the resolver's rules.

    python scripts/make_er_eval.py OUT_DIR [--seed 13] [--cases 120]

Writes ``OUT_DIR/er_eval.parquet``: normalized leads rows (the columns ``resolve_leads`` reads, made
by the benchmark's stand-in normalizer) plus ``true_id`` (ground-truth provider), ``er_class``,
``er_case`` and ``split`` (``train`` / ``test``, by case). Every case is a small world of one
variation class; each holds both records that are one provider and records that are not:

* ``city``: a copy without zip whose city is spelled another way ("OKC", a neighbourhood, the
  metro's main city); a different provider with the same street in another city.
* ``name``: a copy whose name moved its article, gained a parenthesized qualifier, lost a prefix
  or suffix ("... Early Learning Academy"), was abbreviated (CDC) or lost its possessive; a different
  provider sharing the name's core in another zip.
* ``street``: a copy missing the house number, with another street abbreviation ("blv."), an
  ordinal word for a digit, a direction spelled out or dropped.
* ``colocated``: two or three programs of one building (one phone, one address, unrelated names,
  separate licenses in one registry) and a directory copy of one of them.
* ``chain``: three sites of one brand sharing a phone at different addresses, directory copies of two.
* ``background``: the four real sample deliveries (all distinct providers) and synthetic singletons.

The variations were written from how registries and directories spell things (the samples, the
issue's failure classes), before and independently of the resolver's normalization; the truth is
the generator's, so the grading does not depend on any rule being graded.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import pandas as pd

from scripts.make_er_benchmark import LEAD_COLUMNS, load_sample_records, normalize_frame

# metro: (state, main city, zips, spellings of the city without zip: abbreviations and neighbourhoods)
METROS = [
    ("OK", "Oklahoma City", ["73102", "73107", "73112", "73120"], ["OKC", "Okla City", "Oklahoma Cty", "Bethany"]),
    ("NV", "Las Vegas", ["89101", "89104", "89117", "89146"], ["North Las Vegas", "Henderson", "LV", "Spring Valley"]),
    ("TX", "Houston", ["77002", "77039", "77055", "77084"], ["Spring", "Humble", "HOU", "Houston Heights"]),
    ("TX", "San Antonio", ["78201", "78209", "78228", "78250"], ["Alamo Heights", "SA", "San Antonio City", "Leon Valley"]),
    ("OK", "Tulsa", ["74104", "74105", "74127", "74133"], ["Broken Arrow", "Tulsa City", "Jenks", "TUL"]),
]
AREA = {"OK": ["405", "918", "580"], "NV": ["702", "725", "775"], "TX": ["713", "210", "832", "281"]}
ADJ = ["Little", "Bright", "Happy", "Sunny", "Tiny", "Golden", "Busy", "Rainbow", "Precious", "Wonder", "Kind",
       "Blue", "Giggles", "Cedar", "Maple", "Willow", "Acorn", "Hope", "Joy", "Noah's", "Grace", "Harmony"]
NOUN = ["Lambs", "Steps", "Sprouts", "Hands", "Hearts", "Minds", "Stars", "Explorers", "Bees", "Cubs", "Owls",
        "Seeds", "Treasures", "Angels", "Footprints", "Beginnings", "Blossoms", "Pals", "Scholars", "Wings"]
KIND = ["Learning Center", "Child Care", "Daycare", "Preschool", "Academy", "Early Learning Academy",
        "Child Development Center", "Montessori School", "Kids Club", "Playhouse"]
HOSTS = ["First Baptist Church", "St. Mark's Episcopal", "Hillcrest Elementary", "YMCA Northside", "Grace Methodist",
         "Lincoln Middle School", "Temple Beth Shalom", "Westside Community Center"]
PROGRAMS = ["Mother's Day Out", "Pre-K Program", "After School Care", "Head Start", "Infant Room", "Summer Camp",
            "Before & After Care", "Early Childhood Program"]
STREETS = ["Mohawk", "Willow", "Gloger", "Maple", "Lakeview", "Cimarron", "Sahara", "Pioneer", "Meridian",
           "Britton", "Harvey", "Memorial", "Rampart", "Bandera", "Wurzbach", "Yale", "Sheridan", "Peoria"]
TYPES = [("Street", "St", "St."), ("Avenue", "Ave", "Av."), ("Boulevard", "Blvd", "blv."), ("Drive", "Dr", "Dr."),
         ("Road", "Rd", "Rd."), ("Lane", "Ln", "Ln."), ("Parkway", "Pkwy", "Pkwy.")]
ORDINALS = [("First", "1st"), ("Second", "2nd"), ("Third", "3rd"), ("Fourth", "4th"), ("Fifth", "5th"),
            ("Tenth", "10th"), ("Twelfth", "12th"), ("Twenty-Third", "23rd")]
DIRS = [("N", "North"), ("S", "South"), ("E", "East"), ("W", "West"), ("NW", "Northwest")]
DROP_PHONE = 0.25  # share of city / name / street copies without a phone
SOURCES = ("state_registry", "county_registry", "directory")  # registries carry licenses; the directory no


class World:
    """Seeded draws of synthetic providers (names, addresses, phones), never repeating a phone or name."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.used: set[str] = set()
        self.n = 0

    def unique(self, draw) -> str:
        for _ in range(1000):
            value = draw()
            if value not in self.used:
                self.used.add(value)
                return value
        raise RuntimeError("vocabulary exhausted")

    def phone(self, state: str) -> str:
        r = self.rng
        return self.unique(lambda: f"({r.choice(AREA[state])}) {r.randrange(201, 989)}-{r.randrange(1000, 9999)}")

    def name(self, avoid: frozenset[str] = frozenset()) -> str:
        """A new provider name; none of its two distinctive words in ``avoid``."""
        r = self.rng
        adj = [a for a in ADJ if a not in avoid]
        noun = [n for n in NOUN if n not in avoid]
        return self.unique(lambda: f"{r.choice(adj)} {r.choice(noun)} {r.choice(KIND)}")

    def street(self) -> dict:
        r = self.rng
        house = str(r.randrange(100, 19999))
        d = r.choice(DIRS) if r.random() < 0.4 else None
        if r.random() < 0.3:
            word, digit = r.choice(ORDINALS)
            name = {"word": word, "digit": digit}
        else:
            name = {"word": r.choice(STREETS), "digit": None}
        return {"house": house, "dir": d, "name": name, "type": r.choice(TYPES)}

    def key(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}{self.n:06d}"


def render_street(s: dict, *, digits=True, dir_long=False, type_form=1, house=True, drop_dir=False) -> str:
    name = s["name"]["digit"] if (digits and s["name"]["digit"]) else s["name"]["word"]
    parts = [s["house"]] if house else []
    if s["dir"] and not drop_dir:
        parts.append(s["dir"][1] if dir_long else s["dir"][0])
    parts += [name, s["type"][type_form]]
    return " ".join(parts)


def name_variant(name: str, rng: random.Random, city: str) -> str:
    """Another registry's spelling of the same provider's name."""
    words = name.split()
    kind_suffix = next((k for k in sorted(KIND, key=len, reverse=True) if name.endswith(k)), None)
    options = [
        lambda: f"{name}, The" if not name.startswith("The ") else name[4:] + ", The",
        lambda: f"{name} ({rng.choice(['Main Campus', 'North', 'Site 2', 'Infant Center', city])})",
        lambda: name.replace("'s", "s").replace("s ", "'s ", 1) if "'s" in name else name.replace(words[0], words[0] + "'s", 1),
        lambda: f"The {name}",
        lambda: name.replace("Child Development Center", "CDC") if "Child Development Center" in name
        else f"{name[: -len(kind_suffix)].strip()}" if kind_suffix else name.upper(),
        lambda: f"{name[: -len(kind_suffix)].strip()} {rng.choice(['Early Learning Academy', 'Academy', 'Learning Center'])}"
        if kind_suffix else name + " Inc",
        lambda: f"Child Development Center of {' '.join(words[:2])}" if kind_suffix == "Child Development Center"
        else name + ", LLC",
    ]
    return rng.choice(options)()


def record(w: World, source: str, true_id: str, name: str, street: str | None, metro, *, zip_: str | None,
           city: str | None, phone: str | None, license_: bool = True, email: str | None = None) -> dict:
    registry = source != "directory"
    return {
        "_source": source, "_record_key": w.key(source[:2].upper()), "company": name, "address1": street,
        "city": city, "state": metro[0], "zip": zip_, "phone": phone, "email": email,
        "license_number": w.key("LIC") if (registry and license_) else None, "true_id": true_id,
    }


def case_rows(w: World, cls: str, case: str) -> list[dict]:
    """One case of class ``cls``: its records, each with the provider it truly belongs to."""
    r = w.rng
    metro = r.choice(METROS)
    state, main_city, zips, spellings = metro
    zip_ = r.choice(zips)
    a, b = r.sample(SOURCES[:2], 2)
    src_copy = r.choice([b, "directory"])
    name, phone, s = w.name(), w.phone(state), w.street()
    rows = [record(w, a, f"{case}:p", name, render_street(s), metro, zip_=zip_, city=main_city, phone=phone)]
    copy_phone = None if r.random() < DROP_PHONE else phone  # directories often list no phone
    if cls == "city":
        rows.append(record(w, src_copy, f"{case}:p", name.upper() if r.random() < 0.5 else name,
                           render_street(s, type_form=r.choice([0, 1, 2])), metro, zip_=None,
                           city=r.choice(spellings), phone=copy_phone))
        other = r.choice([m for m in METROS if m[1] != main_city])  # same street text, another provider elsewhere
        rows.append(record(w, src_copy, f"{case}:o", w.name(), render_street(s), other, zip_=None, city=other[1],
                           phone=w.phone(other[0])))
    elif cls == "name":
        rows.append(record(w, src_copy, f"{case}:p", name_variant(name, r, main_city),
                           render_street(s, type_form=r.choice([0, 1])), metro, zip_=r.choice([zip_, None]),
                           city=main_city, phone=copy_phone))
        core = " ".join(name.split()[:2])  # a different provider sharing the name's core, another site
        rows.append(record(w, b, f"{case}:o", f"{core} {r.choice(KIND)}", render_street(w.street()), metro,
                           zip_=r.choice([z for z in zips if z != zip_]), city=main_city, phone=w.phone(state)))
    elif cls == "street":
        variant = r.choice([dict(house=False), dict(type_form=2), dict(digits=False, type_form=0),
                            dict(dir_long=True), dict(drop_dir=True, type_form=0), dict(digits=False, house=False)])
        rows.append(record(w, src_copy, f"{case}:p", name, render_street(s, **variant), metro,
                           zip_=r.choice([zip_, None]), city=main_city, phone=copy_phone))
    elif cls == "colocated":
        host = r.choice(HOSTS)
        programs = r.sample(PROGRAMS, r.choice([2, 3]))
        rows[0]["company"] = f"{host} {programs[0]}"
        taken = lambda: frozenset(t for x in rows for t in x["company"].split())  # noqa: E731
        for i, prog in enumerate(programs[1:], start=1):
            rows.append(record(w, a, f"{case}:q{i}", f"{w.name(taken())}" if r.random() < 0.5 else f"{prog}",
                               render_street(s), metro, zip_=zip_, city=main_city, phone=phone))
        rows.append(record(w, "directory", f"{case}:p", rows[0]["company"].upper(), render_street(s, type_form=0),
                           metro, zip_=zip_, city=main_city, phone=phone))
        if r.random() < 0.5:  # a program only the directory lists, same switchboard and building
            rows.append(record(w, "directory", f"{case}:d", w.name(taken()), render_street(s), metro, zip_=zip_,
                               city=main_city, phone=phone))
    elif cls == "chain":
        brand = " ".join(name.split()[:2]) + " " + r.choice(KIND)
        rows[0]["company"] = brand
        for i in range(1, 3):
            site, z = w.street(), r.choice(zips)
            label = brand if r.random() < 0.5 else f"{brand} - {r.choice(['North', 'South', 'Westside', 'Downtown'])}"
            rows.append(record(w, a, f"{case}:s{i}", label, render_street(site), metro, zip_=z, city=main_city,
                               phone=phone))
        for row in rows[:2]:
            rows.append({**row, "_source": "directory", "_record_key": w.key("DI"), "license_number": None,
                         "company": row["company"].upper(), "zip": r.choice([row["zip"], None])})
    return rows


CLASSES = ("city", "name", "street", "colocated", "chain")


def make_eval(seed: int = 13, cases: int = 120, singletons: int = 600) -> pd.DataFrame:
    w = World(seed)
    rows: list[dict] = []
    for cls in CLASSES:
        for i in range(cases):
            case = f"{cls}{i:03d}"
            split = "train" if w.rng.random() < 0.5 else "test"
            rows += [{**x, "er_class": cls, "er_case": case, "split": split} for x in case_rows(w, cls, case)]
    for i in range(singletons):
        metro = w.rng.choice(METROS)
        rows.append({**record(w, w.rng.choice(SOURCES), f"bg{i}", w.name(), render_street(w.street()), metro,
                              zip_=w.rng.choice(metro[2] + [None]), city=metro[1], phone=w.phone(metro[0])),
                     "er_class": "background", "er_case": f"bg{i}", "split": "train" if i % 2 else "test"})
    synthetic = normalize_frame(pd.DataFrame(rows))
    real = load_sample_records()
    real = real.assign(true_id="real:" + real["_source"] + ":" + real["_record_key"].astype(str),
                       er_class="background", er_case=lambda d: d["true_id"],
                       split=["train" if i % 2 else "test" for i in range(len(real))])
    cols = ["_source", "_record_key", *LEAD_COLUMNS, "true_id", "er_class", "er_case", "split"]
    out = pd.concat([synthetic[cols], real[cols]], ignore_index=True)
    return out.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--cases", type=int, default=120, help="cases per variation class")
    args = ap.parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    df = make_eval(args.seed, args.cases)
    path = args.out_dir / "er_eval.parquet"
    df.to_parquet(path, index=False)
    print(f"wrote {path}: {len(df)} records, {df['true_id'].nunique()} true providers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
