"""Deliveries of unusual shape for the leads refresh's bounds, and the real runs that ingest them.

- ``directory``: an invented business directory (name, street, city, phone; no ZIP code) or, with
  ``address=False``, a provider-API export (id, name, phone, e-mail; no address at all). Providers
  are invented from word lists with a fixed seed; one in ten is listed twice (another phone format,
  the name's suffix dropped), so the directory has duplicates of its own.
- ``with_mappings``: a mappings directory holding the project's mappings plus the directories'.
- ``ingest`` / ``refresh``: each delivery as its partition's real run of the source chain
  (``materialize`` on a Dagster instance), then ``warehouse/leads`` as a real run.
"""

from __future__ import annotations

import csv
import random
import shutil
from pathlib import Path

from dagster import materialize

from etl_assets.orchestration.assets.leads import build_leads_asset
from etl_assets.orchestration.definitions import build_chains
from etl_assets.sources import registry
from etl_assets_tests.conftest import PROJECT_ROOT, sample_file

SAMPLE_KEYS = {s: f"{s}/{sample_file(s).name}" for s in ("nevada", "oklahoma", "texas", "salesforce")}

WORDS = ["Sunny", "Little", "Bright", "Rainbow", "Tiny", "Happy", "Blue", "Maple", "Honey", "Golden", "Silver",
         "Wonder", "Busy", "Growing", "Treetop", "Cedar", "Willow", "Harbor", "Meadow", "Starlight"]
NOUNS = ["Acorns", "Horizons", "Steps", "Trails", "Sky", "Bees", "Minds", "Oaks", "Lanterns", "Sprouts", "Pebbles",
         "Owls", "Foxes", "Ducks", "Garden", "Bridges", "Rivers", "Hills", "Clouds", "Seeds"]
KINDS = ["Learning Center", "Child Care", "Academy", "Preschool", "Early Learning", "Kids Club"]
STREETS = ["Oak", "Pine", "Elm", "Birch", "Lake", "Hill", "River", "Park", "Main", "Mill", "Spring", "Church"]
SUFFIXES = ["St", "Ave", "Rd", "Blvd", "Ln", "Dr"]
CITIES = ["Riverton", "Lakewood", "Fairview", "Springdale", "Oakridge", "Millbrook", "Brookside", "Hillcrest"]

DIRECTORY_YAML = """\
source: {source}
description: An invented business directory ({what}) for the leads refresh's tests
deliveries:
  key_pattern: "{source}/*.csv"
  date: {{regex: '(\\d{{4}}-\\d{{2}}-\\d{{2}})', format: '%Y-%m-%d'}}
record_key: [provider_id]
identifiers:
  primary: [phone]
fields:
  - {{from: id, to: provider_id, required: true}}
  - {{from: name, to: [company, licensee_name, operator, company_std], transform: company_name}}
  - {{from: phone, to: phone, transform: phone_e164}}
{extra}"""
ADDRESS_FIELDS = """\
  - {from: street, to: address1, transform: street_address}
  - {from: city, to: city, transform: name_case}
  - {from: state, to: state, transform: state_code}
"""
EMAIL_FIELDS = """\
  - {from: email, to: email, transform: email}
"""


def directory(out: Path, source: str, rows: int, *, address: bool, seed: int = 21) -> Path:
    """Write ``rows`` records of an invented directory to ``out/<source>/2024-02-01 <source>.csv``."""
    rng = random.Random(seed)
    path = out / source / f"2024-02-01 {source}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    header = ["id", "name", "phone"] + (["street", "city", "state"] if address else ["email"])
    names = [f"{w} {n} {k}" for w in WORDS for n in NOUNS for k in KINDS]
    rng.shuffle(names)
    records, i = [], 0
    while len(records) < rows:
        name = names[i]
        digits = f"{rng.choice(['503', '541', '971'])}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"
        place = [f"{rng.randint(10, 9999)} {rng.choice(STREETS)} {rng.choice(SUFFIXES)}", rng.choice(CITIES), "OR"]
        email = [f"office{i}@{name.split()[0].lower()}{name.split()[1].lower()}.example"]
        rest = place if address else email
        records.append([f"{source[:2].upper()}{i:05d}", name, f"({digits[:3]}) {digits[3:6]}-{digits[6:]}", *rest])
        if i % 10 == 0 and len(records) < rows:  # the same provider listed twice
            short = name.rsplit(" ", 2)[0] if len(name.split()) > 3 else name
            records.append([f"{source[:2].upper()}{i:05d}b", short, f"{digits[:3]}.{digits[3:6]}.{digits[6:]}", *rest])
        i += 1
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(records)
    return path


def with_mappings(directory_: Path, sources: dict[str, bool]) -> Path:
    """The project's mappings plus one per directory (``sources``: name -> has an address)."""
    directory_.mkdir(parents=True, exist_ok=True)
    for yaml in (PROJECT_ROOT / "mappings").glob("*.yaml"):
        shutil.copy(yaml, directory_ / yaml.name)
    for source, address in sources.items():
        extra = ADDRESS_FIELDS if address else EMAIL_FIELDS
        what = "name, street, city, phone; no ZIP code" if address else "id, name, phone, e-mail; no address"
        (directory_ / f"{source}.yaml").write_text(DIRECTORY_YAML.format(source=source, what=what, extra=extra))
    registry.load_specs.cache_clear()
    registry.leads_schema.cache_clear()
    return directory_


def ingest(instance, resources, s3_client, bucket: str, files: dict[str, Path]) -> None:
    """Upload each delivery (S3 key -> file) and run its partition of its source's chain."""
    chains = {c.spec.source: c for c in build_chains()}
    for key, path in files.items():
        s3_client.upload_file(str(path), bucket, key)
        source = key.split("/", 1)[0]
        instance.add_dynamic_partitions(f"{source}_deliveries", [key])
        run = materialize(chains[source].definitions, partition_key=key, instance=instance, resources=resources)
        assert run.success, key


def refresh(instance, resources, run_config: dict | None = None):
    """A real run of ``warehouse/leads`` (every source's warehouse asset upstream)."""
    leads = build_leads_asset([c.warehouse_key for c in build_chains()])
    return materialize([leads], instance=instance, resources=resources, run_config=run_config)


def leads_metadata(run) -> dict:
    (event,) = [e for e in run.get_asset_materialization_events() if e.asset_key.path == ["warehouse", "leads"]]
    return {k: v.value for k, v in event.materialization.metadata.items()}


def samples() -> dict[str, Path]:
    return {key: sample_file(key.split("/", 1)[0]) for key in SAMPLE_KEYS.values()}
