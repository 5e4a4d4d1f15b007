"""Build a labelled entity-resolution benchmark from the real sample deliveries.

    python scripts/make_er_benchmark.py OUT_DIR [--seed 7] [--scaled N]

Writes ``OUT_DIR/er_benchmark.parquet`` and ``.csv``: normalized leads rows (the columns
``resolve_leads`` reads) plus ``_source``, ``_record_key`` and ``true_id`` (ground-truth cluster).

* Base providers: every Nevada, Oklahoma, Texas and Salesforce sample row (real data; the real
  shared-phone chains — EOS FITNESS, PRIMROSE, MUDDY PUDDLES — are distinct providers).
* Corrupted copies in synthetic sources (``crm_export``, ``partner_feed``, ``web_directory``): raw
  values are corrupted *before* normalization (phone formats, ST/STREET, L.L.C./LLC/INC, case,
  punctuation, ``LAST, FIRST``, typos, missing phone/zip/email/address) and then go through the
  same small normalizer as the real rows, so formatting noise is tested end to end.
* Look-alikes that must not match: a new provider with the same phone at another address (chain
  branch), and the same name in another city with another phone.

``--scaled N`` instead writes ``er_scaled_N.parquet``: N already-normalized records (~30% of them
corrupted duplicates) synthesised from the sample vocabulary, for the 1M benchmark.

The self-contained normalizer here (``load_sample_records``, ``normalize_frame``) stands in for the
project's transforms in tests and benchmarks; it is deliberately simple.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import re
import string
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import phonenumbers
import usaddress

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data" / "sample_bucket"

LEAD_COLUMNS = [
    "company", "company_std", "first_name", "last_name", "licensee_name", "operator", "title",
    "phone", "phone2", "email", "address1", "address2", "city", "state", "zip", "county",
    "address_std", "license_number", "license_type", "license_status", "provider_id",
    "facility_type",
]

# --------------------------------------------------------------------------- normalizer (stand-in)
_STREET = {
    "STREET": "ST", "AVENUE": "AVE", "AV": "AVE", "BOULEVARD": "BLVD", "DRIVE": "DR", "ROAD": "RD",
    "LANE": "LN", "PLACE": "PL", "COURT": "CT", "CIRCLE": "CIR", "PARKWAY": "PKWY", "HIGHWAY": "HWY",
    "TERRACE": "TER", "TRAIL": "TRL", "SUITE": "STE", "NORTH": "N", "SOUTH": "S", "EAST": "E",
    "WEST": "W", "FREEWAY": "FWY", "EXPRESSWAY": "EXPY", "SQUARE": "SQ", "CROSSING": "XING",
}
_LEGAL = {"LLC", "INC", "CORP", "CORPORATION", "INCORPORATED", "LTD", "CO", "PLLC", "LLP", "LP"}
_STATES = {
    "NEW YORK": "NY", "IOWA": "IA", "OKLAHOMA": "OK", "LOUISIANA": "LA", "INDIANA": "IN",
    "COLORADO": "CO", "OHIO": "OH", "MINNESOTA": "MN", "WEST VIRGINIA": "WV", "FLORIDA": "FL",
    "PENNSYLVANIA": "PA", "OREGON": "OR", "CALIFORNIA": "CA", "WISCONSIN": "WI", "KANSAS": "KS",
    "MARYLAND": "MD", "ARKANSAS": "AR", "TEXAS": "TX", "NEVADA": "NV",
}


def _clean(value) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = re.sub(r"\s+", " ", str(value)).strip()
    return text or None


def to_e164(value) -> str | None:
    text = _clean(value)
    if not text:
        return None
    try:
        number = phonenumbers.parse(text, "US")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def std_company(value) -> str | None:
    text = _clean(value)
    if not text:
        return None
    text = text.upper().replace("&", " AND ")
    text = re.sub(r"[.'’`]", "", text)
    text = re.sub(r"[^A-Z0-9 ]", " ", text)
    tokens = [t for t in text.split() if t not in _LEGAL]
    return " ".join(tokens) or None


def std_address(address1, zip5) -> str | None:
    text = _clean(address1)
    if not text:
        return None
    text = re.sub(r"[.,'#]", " ", text.upper())
    text = re.sub(r"[^A-Z0-9 /-]", " ", text)
    tokens = [_STREET.get(t, t) for t in text.split()]
    line = " ".join(tokens)
    return f"{line} {zip5}" if zip5 else line


def zip5(value) -> str | None:
    text = _clean(value)
    if not text:
        return None
    m = re.match(r"^(\d{5})(?:-?\d{4})?$", text)
    return m.group(1) if m else None


def split_full_address(text) -> tuple[str | None, str | None, str | None]:
    """'150 N. WILLOW ST MESQUITE, NV 89027' -> (street line, city, zip) with usaddress."""
    text = _clean(text)
    if not text:
        return None, None, None
    try:
        tagged, _ = usaddress.tag(text)
    except usaddress.RepeatedLabelError:
        return text, None, None
    street = " ".join(v for k, v in tagged.items() if k not in ("PlaceName", "StateName", "ZipCode"))
    return street or None, tagged.get("PlaceName"), tagged.get("ZipCode")


def normalize_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Raw-ish leads columns -> normalized ones (phone E.164, zip5, email lower, *_std)."""
    out = df.copy()
    for col in LEAD_COLUMNS:
        if col not in out:
            out[col] = None
    out["phone"] = [to_e164(v) for v in out["phone"]]
    out["phone2"] = [to_e164(v) for v in out["phone2"]]
    out["zip"] = [zip5(v) for v in out["zip"]]
    out["email"] = [(_clean(v) or "").lower() or None for v in out["email"]]
    for col in ("company", "first_name", "last_name", "licensee_name", "address1", "city", "state"):
        out[col] = [_clean(v) for v in out[col]]
    out["state"] = [_STATES.get(s.upper(), s.upper()) if s else None for s in out["state"]]
    out["company_std"] = [std_company(v) for v in out["company"]]
    out["address_std"] = [std_address(a, z) for a, z in zip(out["address1"], out["zip"])]
    return out


def _read(path: Path, encoding: str = "utf-8") -> list[dict]:
    text = path.read_bytes().decode(encoding)
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    return [dict(zip(header, r)) for r in rows[1:] if len(r) == len(header)]


def load_sample_records(sample_dir: Path = SAMPLES) -> pd.DataFrame:
    """The four sample deliveries as normalized leads rows with ``_source``/``_record_key``."""
    rows: list[dict] = []
    for r in _read(next((sample_dir / "nevada").glob("*.csv")), "cp1252"):
        street, city, z = split_full_address(r["Address"])
        rows.append({
            "_source": "nevada", "_record_key": r["Credential Number"], "company": r["Name"],
            "license_number": r["Credential Number"], "license_type": r["Credential Type"],
            "license_status": r["Status"], "address1": street, "city": city, "zip": z,
            "state": r["State"], "county": r["County"], "phone": r["Phone#"],
            "operator": r["Primary Contact Name"], "title": r["Primary Contact Role"],
        })
    for r in _read(next((sample_dir / "oklahoma").glob("*.csv"))):
        lic = r["Type License"].rsplit(" - ", 1)[-1].strip()
        caregiver = r["Primary Caregiver"].split("\n")[0].strip()
        rows.append({
            "_source": "oklahoma", "_record_key": lic, "license_number": lic,
            "license_type": r["Type License"].rsplit(" - ", 1)[0], "company": r["Company"],
            "operator": caregiver, "phone": r["Phone"], "email": r["Email"],
            "address1": r["Address1"], "address2": r["Address2"], "city": r["City"],
            "state": r["State"], "zip": r["Zip"],
        })
    for r in _read(next((sample_dir / "texas").glob("*.csv"))):
        rows.append({
            "_source": "texas", "_record_key": r["Operation #"], "provider_id": r["Operation #"],
            "company": r["Operation/Caregiver Name"], "address1": r["Address"], "city": r["City"],
            "state": r["State"], "zip": r["Zip"], "county": r["County"], "phone": r["Phone"],
            "facility_type": r["Type"], "license_status": r["Status"], "email": r["Email Address"],
        })
    for r in _read(next((sample_dir / "salesforce").glob("*.csv"))):
        rows.append({
            "_source": "salesforce", "_record_key": r["id"], "provider_id": r["id"],
            "company": r["company"], "first_name": r["first_name"], "last_name": r["last_name"],
            "title": r["title"], "address1": r["street"], "city": r["city"], "state": r["state"],
            "zip": r["postal_code"], "phone": r["phone"], "phone2": r["mobile_phone"],
            "email": r["email"],
        })
    df = pd.DataFrame(rows)
    df = normalize_frame(df)
    return df[["_source", "_record_key", *LEAD_COLUMNS]]


# --------------------------------------------------------------------------- corruptions
_ABBREV = {"ST": "STREET", "AVE": "AVENUE", "BLVD": "BOULEVARD", "DR": "DRIVE", "RD": "ROAD",
           "LN": "LANE", "PL": "PLACE", "CT": "COURT", "PKWY": "PARKWAY", "N": "NORTH", "S": "SOUTH",
           "E": "EAST", "W": "WEST", "CIR": "CIRCLE", "TER": "TERRACE"}
_ABBREV.update({v: k for k, v in list(_ABBREV.items())})
_SUFFIXES = ["LLC", "L.L.C.", ", LLC", "Inc.", "INC", ", Inc", "Corp", ""]


def typo(text: str, rng: random.Random) -> str:
    """One edit inside a word of 5+ letters (never the first letter)."""
    words = text.split(" ")
    idx = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not idx:
        return text
    i = rng.choice(idx)
    w = words[i]
    p = rng.randrange(1, len(w) - 1)
    op = rng.choice(["swap", "drop", "sub", "dup"])
    if op == "swap":
        w = w[:p] + w[p + 1] + w[p] + w[p + 2:]
    elif op == "drop":
        w = w[:p] + w[p + 1:]
    elif op == "sub":
        w = w[:p] + rng.choice(string.ascii_uppercase) + w[p + 1:]
    else:
        w = w[:p] + w[p] + w[p:]
    words[i] = w
    return " ".join(words)


def phone_format(e164: str | None, rng: random.Random) -> str | None:
    if not e164:
        return None
    d = e164[2:]
    return rng.choice([f"({d[:3]}) {d[3:6]}-{d[6:]}", f"{d[:3]}-{d[3:6]}-{d[6:]}", f"{d[:3]}.{d[3:6]}.{d[6:]}",
                       d, f"+1 {d[:3]} {d[3:6]} {d[6:]}", f"1-{d[:3]}-{d[3:6]}-{d[6:]}"])


def flip_abbrev(address: str, rng: random.Random) -> str:
    tokens = re.sub(r"[.,]", "", address).split()
    return " ".join(_ABBREV.get(t.upper(), t) if rng.random() < 0.7 else t for t in tokens)


def swap_person(name: str) -> str:
    if "," in name:
        last, first = name.split(",", 1)
        return f"{first.strip()} {last.strip()}"
    parts = name.split()
    return f"{parts[-1]}, {' '.join(parts[:-1])}" if len(parts) >= 2 else name


def fold_suffix(company: str, rng: random.Random) -> str:
    base = re.sub(r"[ ,]*\b(L\.?L\.?C\.?|INC\.?|CORP\.?)\s*$", "", company, flags=re.I).strip()
    return (base + " " + rng.choice(_SUFFIXES)).replace(" ,", ",").strip()


def corrupt(row: dict, rng: random.Random) -> dict:
    """A messy copy of one provider's raw fields (2-4 corruptions)."""
    r = dict(row)
    r["phone"] = phone_format(r.get("phone"), rng)
    ops = rng.sample(["typo", "abbrev", "suffix", "case", "punct", "swap", "drop_phone", "drop_zip",
                      "drop_email", "drop_address", "drop_name_typo2"], k=rng.randint(2, 4))
    if "drop_phone" in ops and "drop_address" in ops:
        ops.remove("drop_address")  # keep at least one strong identifier
    company = r.get("company") or ""
    if "typo" in ops and company:
        company = typo(company.upper(), rng) if rng.random() < 0.5 else typo(company, rng)
    if "suffix" in ops and company:
        company = fold_suffix(company, rng)
    if "swap" in ops and company and ("," in company or len(company.split()) == 2):
        company = swap_person(company)
    if "case" in ops and company:
        company = company.title() if company.isupper() else company.upper()
    if "punct" in ops and company:
        company = company.replace("'", "").replace("-", " ").replace(".", "") + rng.choice(["", ".", " -"])
    r["company"] = company or None
    if "abbrev" in ops and r.get("address1"):
        r["address1"] = flip_abbrev(r["address1"], rng)
    if "drop_name_typo2" in ops and r.get("address1") and r.get("phone"):
        r["address1"] = typo(r["address1"].upper(), rng)
    if "drop_phone" in ops:
        r["phone"] = None
    if "drop_zip" in ops:
        r["zip"] = None
    if "drop_email" in ops:
        r["email"] = None
    if "drop_address" in ops:
        r["address1"] = None
    return r


# --------------------------------------------------------------------------- benchmark
_RAW = ["company", "first_name", "last_name", "phone", "email", "address1", "city", "state", "zip"]
SYNTHETIC_SOURCES = ["crm_export", "partner_feed", "web_directory"]


def make_benchmark(base: pd.DataFrame, seed: int = 7, dup_rate: float = 0.8) -> pd.DataFrame:
    """Real rows + corrupted copies + look-alikes, normalized, with ``true_id``."""
    rng = random.Random(seed)
    base = base.copy()
    base["true_id"] = base["_source"] + ":" + base["_record_key"].astype(str)
    extra: list[dict] = []
    counters = {s: 0 for s in SYNTHETIC_SOURCES + ["lookalike"]}
    addresses = [(a, c, z) for a, c, z in zip(base["address1"], base["city"], base["zip"]) if a]
    registry = base[base["_source"] != "salesforce"]
    for _, row in registry.iterrows():
        raw = {c: row[c] for c in _RAW}
        raw["zip"] = row["zip"]
        if rng.random() < dup_rate:
            for source in rng.sample(SYNTHETIC_SOURCES, k=rng.choice([1, 1, 2])):
                counters[source] += 1
                extra.append({**corrupt(raw, rng), "_source": source,
                              "_record_key": f"{source[:2]}{counters[source]:05d}", "true_id": row["true_id"]})
        others = [t for t in addresses if t[0] != row["address1"] and t[2] != row["zip"]]
        if row["phone"] and rng.random() < 0.15:  # chain branch: same phone, another site
            a, c, z = rng.choice(others)
            counters["lookalike"] += 1
            extra.append({**raw, "company": f"{row['company']} - {c or 'WEST'} CAMPUS", "address1": a, "city": c,
                          "zip": z, "email": None, "_source": "partner_feed",
                          "_record_key": f"la{counters['lookalike']:05d}", "true_id": f"lookalike:{counters['lookalike']}"})
        if rng.random() < 0.1:  # same name, another city, another phone
            a, c, z = rng.choice([t for t in others if t[1] != row["city"]])
            counters["lookalike"] += 1
            fake_phone = f"+1{rng.choice(['405', '702', '214', '512'])}555{rng.randrange(10000):04d}"
            extra.append({**raw, "address1": a, "city": c, "zip": z, "phone": fake_phone, "email": None,
                          "_source": "web_directory", "_record_key": f"la{counters['lookalike']:05d}",
                          "true_id": f"lookalike:{counters['lookalike']}"})
    dups = normalize_frame(pd.DataFrame(extra))
    out = pd.concat([base, dups[base.columns]], ignore_index=True)
    return out.sample(frac=1.0, random_state=seed).reset_index(drop=True)


# --------------------------------------------------------------------------- scaled synthetic
def make_scaled(n: int, seed: int = 11, dup_share: float = 0.3, base: pd.DataFrame | None = None) -> pd.DataFrame:
    """``n`` normalized records, ``dup_share`` of them corrupted copies, vocabulary from the samples."""
    base = load_sample_records() if base is None else base
    rng = np.random.default_rng(seed)
    prng = random.Random(seed)
    n_dup = int(n * dup_share)
    n_ent = n - n_dup
    words = sorted({w for c in base["company_std"].dropna() for w in c.split() if len(w) > 2 and w.isalpha()})
    kinds = ["ACADEMY", "LEARNING CENTER", "DAYCARE", "CHILD CARE", "PRESCHOOL", "MONTESSORI", "KIDS CLUB", "SCHOOL"]
    streets = sorted({re.sub(r"^\d+\s+", "", a) for a in base["address1"].dropna() if re.match(r"^\d+\s", a)})
    streets = [s.upper() for s in streets]
    zips = sorted({z for z in base["zip"].dropna()})
    zip_city = dict(zip(base["zip"], base["city"]))
    w = np.array(words)
    name = (pd.Series(w[rng.integers(0, len(w), n_ent)]) + " " + pd.Series(w[rng.integers(0, len(w), n_ent)])
            + " " + pd.Series(np.array(kinds)[rng.integers(0, len(kinds), n_ent)]))
    street = pd.Series(np.array(streets)[rng.integers(0, len(streets), n_ent)])
    house = pd.Series(rng.integers(1, 30000, n_ent).astype(str))
    zip_choice = np.array(zips)[rng.integers(0, len(zips), n_ent)]
    # extra zip spread: perturb the last two digits so blocks stay realistic in size
    zip_arr = pd.Series([z[:3] + f"{(int(z[3:]) + k) % 100:02d}" for z, k in zip(zip_choice, rng.integers(0, 40, n_ent))])
    city = pd.Series([zip_city.get(z) for z in zip_choice])
    phones = pd.Series(["+1" + str(a) + str(b) for a, b in zip(rng.integers(201, 990, n_ent), rng.integers(2000000, 9999999, n_ent))])
    # chains: 2% of entities share a phone with the previous one (different site, branch name)
    chain = rng.random(n_ent) < 0.02
    chain[0] = False
    phones[chain] = phones.shift(1)[chain]
    name[chain] = name.shift(1)[chain].str.split().str[:2].str.join(" ") + " - " + city[chain].fillna("EAST") + " BRANCH"
    email = pd.Series([f"{a.split()[0].lower()}{i}@example.com" if r < 0.5 else None
                       for i, (a, r) in enumerate(zip(name, rng.random(n_ent)))])
    ent = pd.DataFrame({
        "company": name, "company_std": name, "address1": house + " " + street, "city": city, "zip": zip_arr,
        "phone": phones, "email": email, "state": "NV", "true_id": [f"E{i}" for i in range(n_ent)],
    })
    ent["address_std"] = ent["address1"] + " " + ent["zip"]
    ent["_source"] = np.array(["nevada", "oklahoma", "texas", "salesforce"])[rng.integers(0, 4, n_ent)]
    ent["_record_key"] = [f"k{i}" for i in range(n_ent)]
    # duplicates: corrupted copies of random entities, applied on normalized values
    pick = rng.integers(0, n_ent, n_dup)
    d = ent.iloc[pick].reset_index(drop=True).copy()
    r = rng.random((n_dup, 6))
    d.loc[r[:, 0] < 0.3, "company_std"] = [typo(c, prng) for c in d.loc[r[:, 0] < 0.3, "company_std"]]
    m = r[:, 1] < 0.3
    d.loc[m, "address_std"] = [flip_abbrev(a, prng) for a in d.loc[m, "address_std"]]
    d.loc[(r[:, 2] < 0.15), "phone"] = None
    d.loc[(r[:, 3] < 0.15) & d["phone"].notna(), "address_std"] = None
    d.loc[r[:, 4] < 0.2, "zip"] = None
    d.loc[r[:, 5] < 0.3, "email"] = None
    d["company"] = d["company_std"].str.title()
    d["_source"] = np.array(SYNTHETIC_SOURCES)[rng.integers(0, 3, n_dup)]
    d["_record_key"] = [f"d{i}" for i in range(n_dup)]
    out = pd.concat([ent, d], ignore_index=True)
    for col in LEAD_COLUMNS:
        if col not in out:
            out[col] = None
    return out[["_source", "_record_key", *LEAD_COLUMNS, "true_id"]]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--scaled", type=int, default=0, help="write N synthetic records instead")
    args = ap.parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    if args.scaled:
        df = make_scaled(args.scaled, seed=args.seed)
        path = args.out_dir / f"er_scaled_{args.scaled}.parquet"
        df.to_parquet(path, index=False)
    else:
        df = make_benchmark(load_sample_records(), seed=args.seed)
        path = args.out_dir / "er_benchmark.parquet"
        df.to_parquet(path, index=False)
        df.to_csv(args.out_dir / "er_benchmark.csv", index=False)
    print(f"wrote {path}: {len(df)} records, {df['true_id'].nunique()} true providers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
