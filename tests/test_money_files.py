"""The money files kept next to the result cache, without a server: the jobs list survives a restart,
stays bounded, loses no entry when two processes' threads write at once, and shares the ledger's lock;
the ledger's dry-run check says what a reservation would."""
from __future__ import annotations

import json
import threading

import pytest

from pack_loader import load_pack_module

job_log = load_pack_module("money.job_log")
spend_ledger = load_pack_module("money.spend_ledger")


def test_the_jobs_list_survives_a_restart_and_keeps_only_the_newest(tmp_path):
    log = job_log.JobLog(tmp_path)
    ids = [log.start(model="flux-dev", estimate_usd=0.02) for _ in range(job_log.JOBS_KEPT + 7)]
    log.update(ids[-1], state=job_log.PAID, cost_usd=0.02, request_id="req-1")
    restarted = job_log.JobLog(tmp_path)  # a new process reads the same file
    jobs = restarted.recent(job_log.JOBS_KEPT + 100)
    assert len(jobs) == job_log.JOBS_KEPT
    assert [job["id"] for job in jobs] == list(reversed(ids[7:]))  # newest first, the oldest 7 dropped
    assert restarted.get(ids[-1])["state"] == job_log.PAID and restarted.get(ids[-1])["request_id"] == "req-1"
    assert restarted.get(ids[0]) is None and restarted.update(ids[0], state=job_log.PAID) is None
    assert sorted(path.name for path in tmp_path.iterdir()) == ["jobs.json", "spend-ledger.json.lock"]


def test_writers_at_once_lose_no_job(tmp_path):
    def write(thread: int) -> None:
        log = job_log.JobLog(tmp_path)  # each its own object, as two ComfyUI processes would have
        for index in range(25):
            job_id = log.start(model="flux-schnell", thread=thread, index=index)
            log.update(job_id, state=job_log.PAID)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    jobs = json.loads((tmp_path / "jobs.json").read_text())["jobs"]
    assert len(jobs) == 100 and {job["state"] for job in jobs} == {job_log.PAID}
    assert len({(job["thread"], job["index"]) for job in jobs}) == 100


def test_a_damaged_jobs_file_reads_as_empty_and_is_replaced_on_the_next_job(tmp_path):
    (tmp_path / "jobs.json").write_text("{not json")
    log = job_log.JobLog(tmp_path)
    assert log.recent(10) == []
    job_id = log.start(model="flux-pro")
    assert [job["id"] for job in log.recent(10)] == [job_id]


def test_the_dry_run_check_says_what_a_reservation_would_and_holds_nothing(tmp_path):
    ledger = spend_ledger.SpendLedger(tmp_path)
    ledger.reserve("other-process:prompt", 0.04, per_day_cap=0.05)
    with pytest.raises(spend_ledger.DayCapExceeded) as over:
        ledger.check(0.02, per_day_cap=0.05)
    assert (over.value.spent_today, over.value.in_flight) == (0.0, 0.04)
    ledger.check(0.01, per_day_cap=0.05)  # fits: no error
    reservations = json.loads((tmp_path / "spend-ledger.json").read_text())["reservations"]
    assert list(reservations) == ["other-process:prompt"]  # the checks held nothing
