"""``etl-assets review serve``: the review console under uvicorn, on 127.0.0.1 unless told otherwise.

A thread writes the decisions that waited for the DuckDB file (``outbox.py``) every few seconds.
"""

from __future__ import annotations

import logging
import threading

from etl_assets import settings

FLUSH_EVERY_SECONDS = 3.0
log = logging.getLogger(__name__)


def flush_forever(outbox, stop: threading.Event) -> None:
    while not stop.wait(FLUSH_EVERY_SECONDS):
        try:
            if outbox.pending():
                outbox.flush()
        except Exception:  # noqa: BLE001 - the next round tries again; say why meanwhile
            log.exception("review outbox: flush failed")


def serve(host: str = "127.0.0.1", port: int | None = None) -> int:
    import uvicorn

    from etl_assets.console.app import create_app
    from etl_assets.console.security import writable

    port = port or settings.review_port()
    app = create_app(allowed_hosts=sorted({"127.0.0.1", "localhost", host}))
    stop = threading.Event()
    threading.Thread(target=flush_forever, args=(app.state.outbox, stop), daemon=True, name="review-outbox").start()
    mode = "decisions need the review token" if writable() else "read-only: ETL_REVIEW_TOKEN is not set"
    print(f"review console: http://{host}:{port} ({mode}; warehouse {app.state.store.describe()})", flush=True)
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)
    finally:
        stop.set()
    return 0
