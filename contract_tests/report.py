"""Reading the results: one line per clause, then each failure as a timeline."""

from __future__ import annotations

from mock_server.journal import JournalEntry

from .clauses import ADVISORY, CLAUSES
from .runner import ClauseResult, RunResult
from .timeline import Timeline, TokenInfo

__all__ = ["clause_lines", "failure_text", "headline", "timeline_lines"]

WIDTH = max(len(cid) for cid in [*CLAUSES, ADVISORY])


def headline(run: RunResult) -> str:
    """What ran, how long, how to replay."""
    return (
        f"vista-contract: {run.mode} client {run.label!r}: {run.scenarios} scenarios in {run.duration:.1f} s "
        f"(seed {run.seed}; leeway {run.params.leeway_min:g}-{run.params.leeway_max:g} s, "
        f"backoff {run.params.backoff_min:g} s)"
    )


def clause_lines(run: RunResult) -> list[str]:
    """``token-reuse         FAILED  a new token while ...``"""
    lines = []
    for cid, result in run.results.items():
        status = {"failed": "FAILED", "passed": "passed", "skipped": "skipped", "warning": "warning"}[result.status]
        reason = f"  {result.reason}" if result.reason else ""
        lines.append(f"  {cid:<{WIDTH}}  {status:<7}{reason}")
    return lines


def _entry_line(
    timeline: Timeline, issued: dict[str, TokenInfo], entry: JournalEntry, marked: int | None, clause: str
) -> str:
    cause = f" [{entry.cause}]" if entry.cause else ""
    if entry.kind == "token":
        text = f"token request → {entry.status}{cause}"
        if entry.status == 200 and entry.jti:
            text += f", issued {entry.jti[:8]} (exp {timeline.relative(entry.exp or 0)})"
    else:
        token = issued.get(entry.jti or "")
        if token is not None:
            left = token.exp - entry.time
            with_token = (
                f" with {token.jti[:8]} ({left:.0f} s left)"
                if left > 0
                else f" with {token.jti[:8]} (expired {-left:.0f} s ago)"
            )
        elif entry.jti:
            with_token = f" with {entry.jti[:8]} (not issued to this client)"
        else:
            with_token = " without a usable bearer token"
        text = f"{entry.method} {entry.path}{with_token} → {entry.status}{cause}"
    if marked is not None and entry.seq == marked:
        text += f"   ◀ {clause}"
    return text


def timeline_lines(
    timeline: Timeline, *, marked_seq: int | None = None, marked_step: int | None = None, clause: str = ""
) -> list[str]:
    """The scenario, step by step, with the requests each step caused (mock clock)."""
    issued = timeline.issued  # once: it is derived from the whole journal
    lines = [f"scenario: {timeline.scenario.describe()}"]
    for record in timeline.steps:
        outcome = ""
        if record.results:
            statuses = [r.describe() for r in record.results]
            outcome = " → " + (statuses[0] if len(statuses) == 1 else ", ".join(sorted(set(statuses))))
        note = f" ({record.note})" if record.note else ""
        skew = f" [mock clock {record.offset:+g} s]" if record.offset else ""
        pointer = "   ◀ " + clause if marked_step == record.index and marked_seq is None else ""
        lines.append(
            f"  {record.index + 1:>2}. {timeline.relative(record.started):>10}  "
            f"{record.step.describe()}{outcome}{note}{skew}{pointer}"
        )
        for entry in record.entries:
            lines.append(f"{'':18}{_entry_line(timeline, issued, entry, marked_seq, clause)}")
    lines.append(f"replay: {timeline.scenario!r}")
    return lines


def failure_text(result: ClauseResult, run: RunResult) -> str:
    """The details of one failed clause."""
    assert result.finding is not None
    finding = result.finding
    clause = CLAUSES[result.clause]
    lines = [
        f"{result.clause}: {clause.title}",
        f"expected: {clause.expected(run.params)}",
        f"seen:     step {finding.violation.step + 1}: {finding.violation.seen}",
        f"found by: {finding.origin}; replay the run with --seed {run.seed}",
        *timeline_lines(
            finding.timeline, marked_seq=finding.violation.seq, marked_step=finding.violation.step, clause=result.clause
        ),
    ]
    return "\n".join(lines)
