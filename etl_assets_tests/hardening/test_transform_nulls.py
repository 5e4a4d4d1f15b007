"""Missing cells (short records, missing optional columns) reach transforms as None, never NaN.

Found by the bad-delivery corpus (ragged_rows.csv): the factorized apply_transform passed NaN for a
None cell and the ``text`` transform crashed the whole delivery."""

from __future__ import annotations

import pandas as pd

from etl_assets.transforms import apply_transform, get_transform


def test_missing_cells_reach_single_input_transforms_as_none():
    column = pd.Series(pd.array(["  a  b ", None, "a b"], dtype="string[pyarrow]"))
    out = apply_transform(get_transform("text"), [column], {})
    # mostly distinct text takes the whole-column (Arrow) path, whose missing value is <NA>: missing
    # either way, never the text "None" / "nan"
    assert [None if pd.isna(v) else v for v in out.columns["value"].tolist()] == ["a b", None, "a b"]
    everything_missing = pd.Series(None, index=range(3), dtype=object)
    out = apply_transform(get_transform("text"), [everything_missing], {})
    assert out.columns["value"].tolist() == [None, None, None]
    assert out.errors.isna().all()
