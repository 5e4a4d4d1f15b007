"""How many records of a delivery carry no address (withheld, blank or a placeholder).

Why it is counted: family child-care homes often have their street withheld for privacy. Such
records land (an address is not required unless the mapping says so) and are linked by name +
phone instead, but a user should see how many there are: ``check-mapping`` prints the share and
the ``<source>/normalized`` asset records it (``records_without_address``).
"""

from __future__ import annotations

import pandas as pd

ADDRESS_COLUMNS = ("address1", "address_std")


def without_address(rows: pd.DataFrame) -> int:
    """Records with neither a street line nor a standardized address (all of them when unmapped)."""
    present = [c for c in ADDRESS_COLUMNS if c in rows.columns]
    if not present:
        return len(rows)
    return int(rows[present].isna().all(axis=1).sum())
