"""`make ingest`: a headless cycle that runs the jobs as the daemon's run worker would."""
