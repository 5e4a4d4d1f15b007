from datetime import datetime, timedelta, timezone

from etl_assets.ingest.discovery import LOOKBACK, Cursor, discover
from etl_assets.ingest.s3 import S3Object
from etl_assets.sources.registry import load_specs

T0 = datetime(2023, 7, 7, 12, 0, tzinfo=timezone.utc)
SPECS = load_specs()


def obj(key, etag="e1", at=T0):
    return S3Object(last_modified=at, key=key, etag=etag, size=1)


def test_objects_sharing_a_timestamp_are_all_found_in_key_order():
    objects = [obj(f"texas/{i:02d}-07-2023 Texas.csv") for i in range(5, 0, -1)]
    found = discover(objects, SPECS, Cursor())
    assert [d.key for d in found.deliveries] == sorted(o.key for o in objects)
    late = obj("texas/06-07-2023 Texas.csv")  # lands later with the same timestamp
    again = discover([*objects, late], SPECS, found.cursor)
    assert [d.key for d in again.deliveries] == [late.key]


def test_changed_etag_is_new_same_etag_is_not():
    first = discover([obj("nevada/a.csv")], SPECS, Cursor())
    same = discover([obj("nevada/a.csv")], SPECS, first.cursor)
    changed = discover([obj("nevada/a.csv", etag="e2", at=T0 + timedelta(seconds=1))], SPECS, first.cursor)
    assert not same.deliveries
    assert [(d.key, d.etag) for d in changed.deliveries] == [("nevada/a.csv", "e2")]


def test_unknown_invalid_and_deleted_keys_do_not_break_discovery():
    first = discover([obj("nevada/a.csv"), obj("misc/readme.txt"), obj("texas/bad...csv")], SPECS, Cursor())
    assert first.unknown_keys == ["misc/readme.txt"]
    assert "texas/bad...csv" in first.rejected
    gone = discover([], SPECS, first.cursor)  # every object deleted
    assert not gone.deliveries and gone.cursor.watermark == first.cursor.watermark


def test_cursor_stays_small_and_round_trips():
    old = [obj(f"texas/{i}.csv", at=T0 - LOOKBACK * 3) for i in range(100)]
    found = discover([*old, obj("texas/new.csv")], SPECS, Cursor())
    assert len(found.deliveries) == 101
    assert list(found.cursor.seen) == ["texas/new.csv"]  # only the window is remembered
    assert Cursor.loads(found.cursor.dumps()) == found.cursor
