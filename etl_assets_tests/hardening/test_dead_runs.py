"""Dead-run detection on a real instance: a run whose worker process is gone is marked failed, and a
retry that inherited its parent's host/PID tags (Dagster copies tags to retries) is never taken for
dead before its own worker starts. The whole path under the daemon (kill -9 of a run worker, the
retry landing the delivery) is ui/test_browser.py's slow test; this is the fast, exact part."""

from __future__ import annotations

import os
import subprocess
import sys

from dagster import DagsterRunStatus, instance_for_test
from dagster._core.test_utils import create_run_for_test
from dagster._core.utils import make_new_run_id

from etl_assets.orchestration import dead_runs


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_dead_worker_is_reaped_and_a_retry_with_its_inherited_tags_is_not():
    with instance_for_test() as instance:
        parent_id = make_new_run_id()
        parent_tags = {**dead_runs.process_tags(parent_id), dead_runs.PID_TAG: str(dead_pid())}
        parent = create_run_for_test(instance, run_id=parent_id, status=DagsterRunStatus.STARTING, tags=parent_tags)
        # what Dagster's run retries do: the parent's tags, plus the parent's id
        retry = create_run_for_test(
            instance, status=DagsterRunStatus.STARTING, tags={**parent_tags, "dagster/parent_run_id": parent_id}
        )
        alive = create_run_for_test(instance, status=DagsterRunStatus.STARTING)
        dead_runs.record_worker(instance, alive.run_id)  # this test's process: alive

        assert [d.run_id for d in dead_runs.find_dead_runs(instance)] == [parent.run_id]
        reaped = dead_runs.reap(instance, by="the test")
        assert [d.run_id for d in reaped] == [parent.run_id]
        assert instance.get_run_by_id(parent.run_id).status == DagsterRunStatus.FAILURE
        assert instance.get_run_by_id(retry.run_id).status == DagsterRunStatus.STARTING
        assert instance.get_run_by_id(alive.run_id).status == DagsterRunStatus.STARTING

        # the retry's own worker starts (here: this process) and tags it as its own
        dead_runs.record_worker(instance, retry.run_id)
        tags = instance.get_run_by_id(retry.run_id).tags
        assert (tags[dead_runs.PID_TAG], tags[dead_runs.PID_OF_RUN_TAG]) == (str(os.getpid()), retry.run_id)
        assert dead_runs.find_dead_runs(instance) == []
