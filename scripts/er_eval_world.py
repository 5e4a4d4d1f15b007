"""Synthetic providers of the evaluation set: the vocabulary, seeded draws, and one record's columns.

Shared by the variation classes (``scripts/make_er_eval.py``, ``scripts/er_eval_sites.py``); every
draw goes through one ``World`` so that a seed gives one set and no phone or name repeats.
"""

from __future__ import annotations

import random

# metro: (state, main city, zips, spellings of the city without zip: abbreviations and neighbourhoods)
METROS = [
    ("OK", "Oklahoma City", ["73102", "73107", "73112", "73120"], ["OKC", "Okla City", "Oklahoma Cty", "Bethany"]),
    ("NV", "Las Vegas", ["89101", "89104", "89117", "89146"], ["North Las Vegas", "Henderson", "LV", "Spring Valley"]),
    ("TX", "Houston", ["77002", "77039", "77055", "77084"], ["Spring", "Humble", "HOU", "Houston Heights"]),
    ("TX", "San Antonio", ["78201", "78209", "78228", "78250"], ["Alamo Heights", "SA", "San Antonio City", "Leon Valley"]),
    ("OK", "Tulsa", ["74104", "74105", "74127", "74133"], ["Broken Arrow", "Tulsa City", "Jenks", "TUL"]),
]
AREA = {"OK": ["405", "918", "580"], "NV": ["702", "725", "775"], "TX": ["713", "210", "832", "281"],
        "NY": ["718", "347", "929"]}  # NY: the one-site classes' city registry only
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


def record(w: World, source: str, true_id: str, name: str, street: str | None, metro, *, zip_: str | None,
           city: str | None, phone: str | None, license_: bool = True, email: str | None = None) -> dict:
    registry = source != "directory"
    return {
        "_source": source, "_record_key": w.key(source[:2].upper()), "company": name, "address1": street,
        "city": city, "state": metro[0], "zip": zip_, "phone": phone, "email": email,
        "license_number": w.key("LIC") if (registry and license_) else None, "true_id": true_id,
    }
