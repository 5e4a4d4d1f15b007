"""The evaluation set's "one provider at one site" classes (see ``scripts/make_er_eval.py``).

Written from how registries list sites, licenses and house numbers, before any rule about them:

* ``dual_license``: one registry lists one provider twice at one address (a center license and a
  family-home license; the name plain or with ``(DUAL LICENSE)``), maybe a directory copy: one lead.
  Some cases add the same brand's other site in that registry (another house number): another lead.
* ``age_permits``: a city registry's center permits, one per age group (0-2, 2-5, sometimes school
  age) at one address with one phone and (near) one name, maybe re-listed by a second scrape: one
  lead. Some cases add the brand's other center (its own permits, another site): another lead.
* ``house_token``: two or three sites of one chain on one street whose house numbers differ only
  after the first digits (Queens ``100-03`` / ``100-05``, ``12A`` / ``12B``, ``12 A`` / ``12 B``,
  ``12-A``, ``1/2``, ranges ``1400-1410`` / ``1400-1420``), each with its own phone or all on the
  chain's phone: distinct leads; a site in both sources (a second scrape or a directory), written
  with the same token: linked. Some sites are in one source only (a permit added or lapsed).
* ``no_address``: an API export (name, phone, email, owner; no address) against a directory of the
  same providers (name, street, city, zip, phone): same name and phone linked; one provider only
  in each, the same name elsewhere on another phone, and one phone under an unrelated name stay apart.
* ``apartments``: home providers (people) in different apartments of one building, the unit in
  ``address1`` or ``address2``, different names and phones (some on a building phone, some sharing
  a surname), and directory copies of some: each person one lead.
* ``district``: a school district's schools at different sites on the district office's phone, one
  registry with a license each, directory copies (some without an address): one lead per school.
* ``repunct``: two scrapes of one city registry (same permit number), the name re-punctuated
  (``#3, INC.`` / ``3 INC``, ``CHILDREN'S`` / ``CHILDRENS``, ``PRE-SCHOOL`` / ``PRESCHOOL``,
  ``A.B.C.`` / ``ABC``): linked. Some cases add the brand's numbered sibling (``#4``) at another site.
"""

from __future__ import annotations

import re

from scripts.er_eval_world import ADJ, KIND, METROS, NOUN, SOURCES, World, record, render_street

# a city registry that writes Queens-style house numbers (synthetic zips and streets of its shape)
QUEENS = ("NY", "Queens", ["11354", "11355", "11368", "11372", "11373", "11377"],
          ["Flushing", "Corona", "Jackson Heights", "Elmhurst", "Woodside"])
_AVE, _ST, _RD, _BLVD = ("Avenue", "Ave", "Av."), ("Street", "St", "St."), ("Road", "Rd", "Rd."), ("Boulevard", "Blvd", "blv.")
QUEENS_STREETS = [("39", _AVE), ("37", _RD), ("41", _AVE), ("108", _ST), ("Roosevelt", _AVE), ("Junction", _BLVD),
                  ("Northern", _BLVD), ("Queens", _BLVD), ("Kissena", _BLVD), ("Corona", _AVE), ("Main", _ST)]
SCRAPES = ("city_scrape_1", "city_scrape_2")  # two scrapes of one city registry: same permit numbers
FIRST = ["Maria", "Rosa", "Ana", "Linda", "Keisha", "Tamika", "Jennifer", "Patricia", "Yolanda", "Fatima", "Mei",
         "Guadalupe", "Brenda", "Angela", "Sonia", "Latoya", "Carmen", "Nadia", "Shirley", "Veronica", "Olga", "Dana"]
LAST = ["Garcia", "Johnson", "Nguyen", "Hernandez", "Williams", "Okafor", "Martinez", "Brown", "Lopez", "Davis",
        "Ramirez", "Thompson", "Chen", "Robinson", "Flores", "Walker", "Rivera", "Patel", "Moore", "Jackson"]
HEROES = ["Lincoln", "Washington", "Jefferson", "Roosevelt", "Kennedy", "Wilson", "Carver", "Madison", "Franklin",
          "Parks", "Truman", "Hamilton", "Edison", "Douglass"]
PUNCTUATED = ["Children's", "Kids'", "Pre-School", "Day-Care", "A.B.C.", "St. Mark's", "1-2-3", "Y.E.S."]
UNIT = ["Apt {}", "Apt. {}", "#{}", "Unit {}"]
MAIL = ["gmail.com", "yahoo.com", "outlook.com"]
# more name words than the first classes draw from (theirs stay as they were), so that the larger
# one-site classes do not run out of unused names
MORE_ADJ = ["Sunshine", "Tender", "Smart", "Brilliant", "Jubilee", "Lighthouse", "Kingdom", "Evergreen",
            "Sparkle", "Cherub", "Eagle", "Pearl", "Lotus", "Ivy", "Summit", "Heritage"]
MORE_NOUN = ["Sparrows", "Buddies", "Learners", "Lions", "Dreamers", "Giggles", "Rockets", "Tots", "Kidz", "Ducklings"]


def site_name(w: World) -> str:
    """A new provider name (adjective, noun, kind); never one drawn before."""
    r = w.rng
    return w.unique(lambda: f"{r.choice(ADJ + MORE_ADJ)} {r.choice(NOUN + MORE_NOUN)} {r.choice(KIND)}")


def _upper(name: str, rng) -> str:
    return name.upper() if rng.random() < 0.6 else name


def _at(w: World, source: str, true_id: str, name: str, street: str | None, metro, zip_, phone, **extra) -> dict:
    """A record at a site in the metro's main city, with extra columns (license_type, address2 ...)."""
    license_number = extra.pop("license_number", None)
    row = record(w, source, true_id, name, street, metro, zip_=zip_, city=metro[1] if street else None,
                 phone=phone, license_=source not in ("directory", "api_export"))
    if license_number:
        row["license_number"] = license_number
    return {**row, **extra}


def dual_license(w: World, case: str) -> list[dict]:
    r = w.rng
    metro = r.choice(METROS)
    zip_, reg = r.choice(metro[2]), r.choice(SOURCES[:2])
    name, phone, s = site_name(w), w.phone(metro[0]), w.street()
    tag = r.choice([(True, True), (True, False), (False, False)])
    rows = []
    for kind, tagged in zip(("CENTER", "FAMILY CARE"), tag if r.random() < 0.5 else tag[::-1]):
        listed = f"{name.upper()} (DUAL LICENSE)" if tagged else name.upper()
        own = w.phone(metro[0]) if kind == "FAMILY CARE" and r.random() < 0.2 else phone  # the home's own line
        rows.append(_at(w, reg, f"{case}:p", listed, render_street(s), metro, zip_, own, license_type=kind))
    if r.random() < 0.5:
        rows.append(_at(w, "directory", f"{case}:p", name, render_street(s, type_form=0), metro, zip_,
                        None if r.random() < 0.25 else phone))
    if r.random() < 0.5:  # the brand's other site in the same registry: another lead
        other = {**s, "house": str(int(s["house"]) + r.choice([2, 4, 10, 100]))} if r.random() < 0.5 else w.street()
        rows.append(_at(w, reg, f"{case}:o", name.upper(), render_street(other), metro, r.choice(metro[2]),
                        phone if r.random() < 0.3 else w.phone(metro[0]), license_type="CENTER"))
    return rows


AGE_GROUPS = ["GROUP DAY CARE (0-2 YEARS)", "GROUP DAY CARE (2-5 YEARS)", "SCHOOL AGE CHILD CARE (5-12 YEARS)"]


def _near(name: str, rng) -> str:
    return rng.choice([name, name, name, f"{name}, INC.", f"{name} LLC", f"THE {name}"])


def age_permits(w: World, case: str) -> list[dict]:
    r = w.rng
    metro = QUEENS if r.random() < 0.5 else r.choice(METROS)
    brand = site_name(w).upper()
    rows = []
    for who in ("p", "o") if r.random() < 0.4 else ("p",):
        zip_, phone, s = r.choice(metro[2]), w.phone(metro[0]), _queens_street(w) if metro is QUEENS else w.street()
        street = render_street(s, type_form=0)
        groups = AGE_GROUPS[:3] if r.random() < 0.2 else AGE_GROUPS[:2]
        permits = [(g, w.key("PRM")) for g in groups]
        rescrape = r.random() < 0.4
        for group, permit in permits:
            listed = _near(brand, r)
            rows.append(_at(w, SCRAPES[0], f"{case}:{who}", listed, street, metro, zip_, phone,
                            license_type=group, license_number=permit))
            if rescrape:
                rows.append(_at(w, SCRAPES[1], f"{case}:{who}", listed, street, metro, zip_, phone,
                                license_type=group, license_number=permit))
        if r.random() < 0.3:
            rows.append(_at(w, "directory", f"{case}:{who}", brand.title(), street, metro, zip_, phone))
    return rows


def _queens_street(w: World) -> dict:
    """A street dict whose house is Queens-style (``100-03``) and whose name is a Queens street."""
    r = w.rng
    name, type_ = r.choice(QUEENS_STREETS)
    return {"house": f"{r.randrange(30, 250)}-{r.randrange(1, 60):02d}", "dir": None,
            "name": {"word": name, "digit": None}, "type": type_}


def _house_tokens(r, style: str, k: int) -> list[str]:
    h = r.randrange(100, 9999)
    if style == "queens":
        p = r.randrange(30, 250)
        return [f"{p}-{s:02d}" for s in sorted(r.sample(range(1, 60), k))]
    if style == "letter":
        return [f"{h}{x}" for x in "ABC"[:k]]
    if style == "letter_space":
        return [f"{h} {x}" for x in "ABC"[:k]]
    if style == "hyphen_letter":
        return [f"{h}-{x}" for x in "ABC"[:k]]
    if style == "half":
        return [str(h), f"{h} 1/2", str(h + 2)][:k]
    return [f"{h}-{h + 10 * j}" for j in range(1, k + 1)]  # ranges sharing their first number


def house_token(w: World, case: str) -> list[dict]:
    r = w.rng
    style = r.choice(["queens", "queens", "queens", "letter", "letter_space", "hyphen_letter", "half", "range"])
    metro = QUEENS if style == "queens" else r.choice(METROS)
    k = r.choice([2, 3])
    tokens = _house_tokens(r, style, k)
    if style == "queens":
        rest, reg, copy_src = render_street(_queens_street(w), house=False).upper(), SCRAPES[0], SCRAPES[1]
    else:
        rest = render_street(w.street(), house=False)
        reg, copy_src = r.choice(SOURCES[:2]), r.choice([*SOURCES[:2], "directory"])
    copy_src = copy_src if copy_src != reg else "directory"
    brand = " ".join(site_name(w).split()[:2]) + " " + r.choice(KIND)
    chain_phone = w.phone(metro[0]) if r.random() < 0.3 else None
    zip_ = r.choice(metro[2])
    rows = []
    for i, token in enumerate(tokens):
        phone = chain_phone or w.phone(metro[0])
        street, true_id = f"{token} {rest}", f"{case}:s{i}"
        site = _at(w, reg, true_id, _upper(brand, r), street, metro, zip_, phone, license_type="CENTER")
        # in both sources (written with the same token), or in one only (a permit added or lapsed between them)
        where = r.choices(["both", "first", "second"], [0.6, 0.2, 0.2])[0]
        if where != "second":
            rows.append(site)
        if where != "first":
            permit = site["license_number"] if copy_src in SCRAPES else None
            rows.append(_at(w, copy_src, true_id, _upper(brand, r), street, metro, r.choice([zip_, zip_, None]),
                            None if r.random() < 0.2 else phone, license_number=permit))
    return rows


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())[:18]


def no_address(w: World, case: str) -> list[dict]:
    r = w.rng
    metro = r.choice(METROS)
    state = metro[0]
    rows = []

    def api(true_id, name, phone, owner):
        first, last = owner
        row = _at(w, "api_export", true_id, name, None, metro, None, phone, first_name=first, last_name=last,
                  email=w.unique(lambda: f"{_slug(name)}{r.randrange(1, 999)}@{r.choice(MAIL)}"))  # one mailbox each
        return {**row, "state": state if r.random() < 0.5 else None}

    def directory(true_id, name, phone):
        return _at(w, "directory", true_id, name, render_street(w.street()), metro, r.choice(metro[2]), phone)

    def provider():
        """(name as the export writes it, as the directory does, owner): a center, or a home under its owner."""
        owner = (r.choice(FIRST), r.choice(LAST))
        if r.random() < 0.4:
            listed = _person(*owner, r)
            return listed, _upper(listed, r), owner
        name = site_name(w)
        return r.choice([name, name, name.upper(), f"{name}, LLC", f"{name} Inc.", f"The {name}"]), _upper(name, r), owner

    for i in range(6):  # in both: same name (as each source spells it) and same phone
        export_name, directory_name, owner = provider()
        phone = w.phone(state)
        rows += [api(f"{case}:p{i}", export_name, phone, owner), directory(f"{case}:p{i}", directory_name, phone)]
    export_name, directory_name, owner = provider()
    rows.append(api(f"{case}:a", export_name, w.phone(state), owner))  # only in the API export
    rows.append(directory(f"{case}:d", provider()[1], w.phone(state)))  # only in the directory
    export_name, directory_name, owner = provider()  # one name, two providers on two phones
    rows += [api(f"{case}:n1", export_name, w.phone(state), owner), directory(f"{case}:n2", directory_name, w.phone(state))]
    shared = w.phone(state)  # one phone (an owner's cell) under two unrelated names
    export_name, _, owner = provider()
    rows += [api(f"{case}:u1", export_name, shared, owner), directory(f"{case}:u2", provider()[1], shared)]
    return rows


def _person(first: str, last: str, rng) -> str:
    """The name a registry lists a home provider under."""
    return rng.choice([f"{last}, {first}", f"{first} {last}", f"{first} {last} Family Child Care",
                       f"{first}'s Home Daycare", f"{last.upper()}, {first.upper()}"])


def apartments(w: World, case: str) -> list[dict]:
    r = w.rng
    metro = r.choice(METROS)
    zip_, s, reg = r.choice(metro[2]), w.street(), r.choice(SOURCES[:2])
    building_phone = w.phone(metro[0]) if r.random() < 0.25 else None
    floors = r.sample(range(1, 12), 4)
    family = r.choice(LAST) if r.random() < 0.3 else None  # two of them share a surname (relatives)
    rows = []
    for i, first in enumerate(r.sample(FIRST, r.choice([3, 4]))):
        unit = r.choice(UNIT).format(f"{floors[i]}{r.choice('ABCD')}" if r.random() < 0.5 else f"{floors[i]}0{i + 1}")
        last = family if family and i < 2 else r.choice(LAST)
        listed = _person(first, last, r)
        phone = building_phone if building_phone and i < 2 else w.phone(metro[0])
        in_line = r.random() < 0.5
        street = render_street(s) + (f" {unit}" if in_line else "")
        rows.append(_at(w, reg, f"{case}:h{i}", listed, street, metro, zip_, phone, license_type="FAMILY CARE",
                        address2=None if in_line else unit))
        if r.random() < 0.4:  # a directory copy: the person's name in another order, maybe no unit
            copy_name = listed if "'s Home" in listed else f"{first} {last}"
            rows.append(_at(w, "directory", f"{case}:h{i}", copy_name, street if r.random() < 0.7
                            else render_street(s), metro, zip_, None if r.random() < 0.25 else phone))
    return rows


def district(w: World, case: str) -> list[dict]:
    r = w.rng
    metro = r.choice(METROS)
    town = site_name(w).split()[0].replace("'s", "")
    district_name = r.choice([f"{town} ISD", f"{town} Public Schools", f"{town} Unified School District"])
    phone, reg = w.phone(metro[0]), r.choice(SOURCES[:2])
    form = r.choice(["{d} - {h} Elementary Pre-K", "{h} Elementary ({d})", "{h} Elementary School Pre-K Program"])
    rows = []
    for i, hero in enumerate(r.sample(HEROES, r.choice([3, 4]))):
        name, street, zip_ = form.format(d=district_name, h=hero), render_street(w.street()), r.choice(metro[2])
        rows.append(_at(w, reg, f"{case}:k{i}", name.upper(), street, metro, zip_, phone, license_type="CENTER"))
        if r.random() < 0.5:
            no_site = r.random() < 0.2  # the directory lists the school by name and district phone only
            rows.append(_at(w, "directory", f"{case}:k{i}", name, None if no_site else street, metro,
                            None if no_site else zip_, phone))
    return rows


def _punctuated_name(w: World, r) -> str:
    adj, noun, kind = site_name(w).split(" ", 2)
    word = r.choice(PUNCTUATED)
    name = r.choice([f"{word} {noun} {kind}", f"{adj} {noun} {word} Center", f"{adj} & {noun} {kind}"])
    return name + r.choice(["", "", f" #{r.randrange(2, 9)}, INC.", ", INC.", " L.L.C."])


def repunctuate(name: str, rng) -> str:
    """The same name as another scrape writes it: punctuation dropped or spaced, ``&`` spelled out."""
    ops = [lambda t: re.sub(r"[#,.']", "", t), lambda t: t.replace("-", ""), lambda t: t.replace("'", ""),
           lambda t: t.replace(".", " ").replace("  ", " ").strip(), lambda t: t.replace("&", "AND"),
           lambda t: t.replace("#", "NO. "), lambda t: re.sub(r"[^A-Za-z0-9 ]", "", t).replace("  ", " ")]
    out = name
    for op in rng.sample(ops, rng.choice([1, 2])):
        out = op(out)
    return out if out != name else re.sub(r"[^A-Za-z0-9 ]", "", name)


def repunct(w: World, case: str) -> list[dict]:
    """Four permits in both scrapes (most names as they were, some re-punctuated), maybe a numbered sibling."""
    r = w.rng
    metro = QUEENS if r.random() < 0.6 else r.choice(METROS)
    rows = []
    for i in range(4):
        name = _punctuated_name(w, r).upper()
        later = repunctuate(name, r) if r.random() < 0.6 else name
        sites = [(f"{case}:p{i}", name, later)]
        if i == 0 and "#" in name and r.random() < 0.4:  # the brand's numbered sibling at another site
            sibling = re.sub(r"#\d", f"#{r.randrange(10, 20)}", name)
            sites.append((f"{case}:o", sibling, repunctuate(sibling, r)))
        for true_id, first_name, later_name in sites:
            s = _queens_street(w) if metro is QUEENS else w.street()
            zip_, phone = r.choice(metro[2]), w.phone(metro[0])
            first = _at(w, SCRAPES[0], true_id, first_name, render_street(s, type_form=0), metro, zip_, phone,
                        license_type=r.choice(AGE_GROUPS[:2]))
            later_phone = r.choices([phone, None, w.phone(metro[0])], [0.8, 0.1, 0.1])[0]
            rows += [first, _at(w, SCRAPES[1], true_id, later_name, render_street(s, type_form=r.choice([0, 0, 1])),
                                metro, zip_, later_phone, license_type=first["license_type"],
                                license_number=first["license_number"])]
    return rows


# class: (its cases, the world it is resolved in: see make_er_eval.WORLDS)
SITE_CLASSES = {"dual_license": (dual_license, "registries"), "apartments": (apartments, "registries"),
                "district": (district, "registries"), "age_permits": (age_permits, "city"),
                "house_token": (house_token, "city"), "repunct": (repunct, "city"), "no_address": (no_address, "api")}
