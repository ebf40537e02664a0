"""IdleWork: jobs wait for the loop's idle moments, run in order, and none is lost."""

from __future__ import annotations

import asyncio
import functools

import pytest

from agreement_llm.idle import IdleWork


def _jobs_while_busy(backlog: int, jobs: int) -> list[str]:
    """What ran, in order: `jobs` jobs added while something else on the loop stays ready for
    50 turns in a row."""
    log: list[str] = []

    async def busy() -> None:
        for _ in range(50):
            await asyncio.sleep(0)
        log.append("busy done")

    async def main() -> None:
        work = IdleWork(backlog=backlog)
        runner = asyncio.ensure_future(work.run())
        other = asyncio.ensure_future(busy())
        await asyncio.sleep(0)
        for i in range(jobs):
            work.add(functools.partial(log.append, f"job {i}"))
        await other
        work.close()
        await runner

    asyncio.run(main())
    return log


def test_a_job_waits_while_anything_else_is_ready() -> None:
    assert _jobs_while_busy(backlog=10, jobs=1) == ["busy done", "job 0"]


def test_jobs_beyond_the_backlog_run_though_the_loop_is_busy() -> None:
    assert _jobs_while_busy(backlog=2, jobs=4) == ["job 0", "job 1", "busy done", "job 2", "job 3"]


def test_closing_runs_what_is_left_in_order_and_run_returns() -> None:
    log: list[int] = []

    async def main() -> None:
        work = IdleWork(backlog=100)
        runner = asyncio.ensure_future(work.run())
        for i in range(5):
            work.add(functools.partial(log.append, i))
        work.close()
        await runner
        assert len(work) == 0

    asyncio.run(main())
    assert log == [0, 1, 2, 3, 4]


def test_a_job_that_raises_ends_run_and_drain_runs_the_rest() -> None:
    log: list[str] = []

    def fail() -> None:
        raise ValueError("job 0 failed")

    async def main() -> IdleWork:
        work = IdleWork(backlog=100)
        work.add(fail)
        work.add(lambda: log.append("job 1"))
        work.close()
        with pytest.raises(ValueError, match="job 0 failed"):
            await work.run()
        return work

    work = asyncio.run(main())
    assert log == []
    assert len(work) == 1
    work.drain()
    assert log == ["job 1"]


def test_drain_runs_every_job_and_then_raises_the_first_failure() -> None:
    log: list[str] = []
    work = IdleWork(backlog=1)

    def fail(n: int) -> None:
        log.append(f"fail {n}")
        raise RuntimeError(f"job {n} failed")

    work.add(lambda: fail(0))
    work.add(lambda: log.append("job 1"))
    work.add(lambda: fail(2))
    with pytest.raises(RuntimeError, match="job 0 failed"):
        work.drain()
    assert log == ["fail 0", "job 1", "fail 2"]
    assert len(work) == 0


def test_asyncio_loops_still_show_their_ready_callbacks() -> None:
    # without them (a private attribute) jobs would run one per turn, not in idle moments
    from agreement_llm.idle import _ready_callbacks

    loop = asyncio.new_event_loop()
    try:
        loop.call_soon(print)
        assert len(_ready_callbacks(loop)) == 1
    finally:
        loop.close()
    assert len(_ready_callbacks(object())) == 0  # type: ignore[arg-type]
