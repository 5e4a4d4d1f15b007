"""``formula_candidates`` (transforms/columns.py) never misses a cell FORMULA_PATTERN matches.

The normalize stage runs the formula regex only on the candidates; on arbitrary text (hypothesis:
white space of every kind first, formula characters anywhere) the flagged cells are the same as
with the regex over every cell.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from etl_assets.records import STRING
from etl_assets.transforms.columns import _SPACE_CHARS, formula_candidates
from etl_assets.transforms.text import FORMULA_PATTERN

CELLS = st.one_of(
    st.none(),
    st.text(max_size=6),
    st.lists(st.sampled_from([*_SPACE_CHARS[:8], " ", "=", "@", "+", "-", "1", "a", "(", "|", "é"]), max_size=6).map("".join),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(CELLS, max_size=40))
def test_candidates_hold_every_match(cells):
    values = pd.Series(pd.array(cells, dtype=STRING))
    everywhere = np.flatnonzero(values.str.match(FORMULA_PATTERN).fillna(False).to_numpy(dtype=bool))
    maybe = formula_candidates(values)
    on_candidates = maybe[values.iloc[maybe].str.match(FORMULA_PATTERN).fillna(False).to_numpy(dtype=bool)]
    assert on_candidates.tolist() == everywhere.tolist()
