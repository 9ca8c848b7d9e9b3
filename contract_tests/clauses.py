"""The contract's clauses: one check function each, registered under a stable id.

Each check reads a ``Timeline`` (what the mock journalled while a scenario ran against a fresh client)
and returns the violations it finds, each saying what was seen and at which step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from mock_server.journal import JournalEntry
from mock_server.oauth import TOKEN_FIELDS

from .timeline import NON_AUTH_ERRORS, ContractParams, StepRecord, Timeline, TokenInfo, is_token_401, sent_after_answer

__all__ = ["ADVISORY", "CLAUSES", "Clause", "Violation", "classify_token_requests", "correlation_advice"]

BUDGET_COUNT, BUDGET_WINDOW = 25, 900.0  # the live budget every scenario's client gets


@dataclass(frozen=True)
class Violation:
    """One breach of a clause: where (step index, journal sequence number) and what was seen."""

    clause: str
    step: int
    seen: str
    seq: int | None = None


@dataclass(frozen=True)
class Clause:
    """A rule of the contract."""

    id: str
    title: str
    expected: Callable[[ContractParams], str]
    check: Callable[[Timeline, ContractParams], list[Violation]]
    exercised: Callable[[Timeline], bool]
    needs_bursts: bool = False
    depends_on: tuple[str, ...] = ()  # judged only if these hold (e.g. single flight means nothing without a cache)


CLAUSES: dict[str, Clause] = {}


def clause(
    id: str,
    title: str,
    expected: Callable[[ContractParams], str],
    exercised: Callable[[Timeline], bool],
    *,
    needs_bursts: bool = False,
    depends_on: tuple[str, ...] = (),
) -> Callable[
    [Callable[[Timeline, ContractParams], list[Violation]]], Callable[[Timeline, ContractParams], list[Violation]]
]:
    """Register a check under ``id``."""

    def register(
        check: Callable[[Timeline, ContractParams], list[Violation]],
    ) -> Callable[[Timeline, ContractParams], list[Violation]]:
        CLAUSES[id] = Clause(id, title, expected, check, exercised, needs_bursts, depends_on)
        return check

    return register


def _short(jti: str | None) -> str:
    return (jti or "?")[:8]


def _client_time(record: StepRecord, entry: JournalEntry) -> float:
    return entry.time - record.offset


def _is_failure_to_back_off_from(entry: JournalEntry) -> bool:
    return (entry.status == 400 and entry.cause == "budget_exhausted") or entry.status == 429 or entry.status >= 500


# -- the shared reading of token requests -------------------------------------------------------------

Verdict = Literal["first", "due", "forced", "in_burst", "after_error", "premature"]


@dataclass(frozen=True)
class TokenRequestReading:
    """Why a token request happened, as far as the journal tells."""

    record: StepRecord
    entry: JournalEntry
    verdict: Verdict
    current: TokenInfo | None  # the token the client held (the last one issued to it)
    remaining: float | None  # seconds that token had left, by the client's clock


def classify_token_requests(timeline: Timeline, params: ContractParams) -> list[TokenRequestReading]:
    """Each token request: cold start, due (close enough to expiry), forced by a 401, inside a burst,
    after a non-auth API error, or premature.

    "After" the last successful fetch means later in the journal, or anywhere in the same burst:
    simultaneous callers act on answers in an order the journal cannot see.
    """
    issued = timeline.issued
    readings: list[TokenRequestReading] = []
    current: TokenInfo | None = None  # the token the client last presented (or was last issued)
    last_fetch: tuple[int, int, bool] | None = None  # step, seq, in a burst
    unauthorized: list[tuple[int, int]] = []  # (step, seq) of 401s
    other_errors: list[tuple[int, int]] = []  # (step, seq) of 403, 404, 429, 5xx

    def since_fetch(events: list[tuple[int, int]]) -> bool:
        if last_fetch is None:
            return bool(events)
        step, seq, burst = last_fetch
        return any(s > seq or (burst and st == step) for st, s in events)

    for record, entry in timeline.entries():
        if entry.kind == "api":
            if entry.status == 401:
                unauthorized.append((record.index, entry.seq))
            elif entry.status in NON_AUTH_ERRORS or entry.status >= 500:
                other_errors.append((record.index, entry.seq))
            if entry.jti in issued:
                current = issued[entry.jti]
            continue
        remaining = None
        if record.is_burst:
            verdict: Verdict = "in_burst"
        elif current is None:
            verdict = "first"
        elif since_fetch(unauthorized):
            verdict = "forced"
        else:
            remaining = current.exp - _client_time(record, entry)
            limit = max(params.leeway_max, current.lifetime / 2) + params.slack
            if remaining <= limit:
                verdict = "due"
            elif since_fetch(other_errors):
                verdict = "after_error"
            else:
                verdict = "premature"
        readings.append(TokenRequestReading(record, entry, verdict, current, remaining))
        if entry.status == 200 and entry.jti in issued:
            current = issued[entry.jti]
            last_fetch = (record.index, entry.seq, record.is_burst)
    return readings


# -- the clauses ------------------------------------------------------------------------------------------


@clause(
    "token-request",
    "each token request is a POST of JSON with exactly the five fields right, and no Bearer header",
    lambda p: (
        "every token request is a POST of application/json to /oauth/token with exactly client_id, client_secret, "
        "grant_type (client_credentials), audience (https://partner.vista.co/) and tenant_code, all right, "
        "and no Authorization: Bearer header"
    ),
    lambda t: bool(t.token_requests()),
)
def token_request(timeline: Timeline, params: ContractParams) -> list[Violation]:
    violations = []
    for record, entry in timeline.token_requests():
        details = entry.details
        problems = []
        if (entry.method, entry.path) != ("POST", "/oauth/token"):
            problems.append(f"{entry.method} {entry.path} instead of POST /oauth/token")
        if "format" not in details:
            problems.append(f"a body the mock could not read ({entry.cause})")
        else:
            if details["format"] != "json":
                problems.append(f"a {details['format']} body instead of JSON")
            fields = set(details.get("fields", []))
            missing = sorted(set(TOKEN_FIELDS) - fields)
            extra = sorted(fields - set(TOKEN_FIELDS))
            if missing:
                problems.append(f"missing field(s) {', '.join(missing)}")
            if extra:
                problems.append(f"extra field(s) {', '.join(extra)}")
            wrong = {k: v for k, v in details.get("field_checks", {}).items() if v not in ("ok", "missing")}
            problems += [f"{name} {verdict}" for name, verdict in sorted(wrong.items())]
        if details.get("authorization_scheme") == "bearer":
            problems.append("an Authorization: Bearer header")
        if problems:
            violations.append(
                Violation("token-request", record.index, "token request with " + "; ".join(problems), entry.seq)
            )
    return violations


@clause(
    "api-headers",
    "every API request carries the three headers right, retries included",
    lambda p: (
        "every API request, retries included, carries exactly one Vista-Api-Key with the configured key, one "
        "Authorization: Bearer <a token the mock issued to this client>, and one Vista-Api-Tenant with the "
        "tenant code on standard APIs"
    ),
    lambda t: bool(t.api_requests()),
)
def api_headers(timeline: Timeline, params: ContractParams) -> list[Violation]:
    issued = timeline.issued
    violations = []
    for record, entry in timeline.api_requests():
        auth = entry.details.get("auth", {})
        problems = []
        if auth.get("api_key") != "ok":
            problems.append(f"Vista-Api-Key {auth.get('api_key')}")
        elif auth.get("api_key_client") != timeline.client_id:
            problems.append("a Vista-Api-Key that is not this client's")
        if auth.get("authorization") != "bearer":
            problems.append(f"Authorization {auth.get('authorization')}")
        elif entry.jti not in issued:
            problems.append("a bearer token the mock did not issue to this client")
        tenant, value = auth.get("tenant"), auth.get("tenant_value")
        if auth.get("custom_api"):
            if tenant not in ("ok", "not_required") or (tenant == "ok" and value != timeline.tenant_code):
                problems.append(f"Vista-Api-Tenant {tenant if tenant != 'ok' else repr(value)} on a custom API")
        elif tenant != "ok":
            problems.append(f"Vista-Api-Tenant {tenant}")
        elif value != timeline.tenant_code:
            problems.append(f"Vista-Api-Tenant {value!r}, not the tenant code")
        if problems:
            what = "a retry" if record.is_call and _is_retry(record, entry) else "an API request"
            violations.append(
                Violation("api-headers", record.index, f"{what} to {entry.path} with " + "; ".join(problems), entry.seq)
            )
    return violations


def _is_retry(record: StepRecord, entry: JournalEntry) -> bool:
    calls = [e for e in record.entries if e.kind == "api"]
    return len(calls) > 1 and calls.index(entry) > 0


@clause(
    "token-reuse",
    "tokens are cached and reused",
    lambda p: (
        f"exactly one token request on a cold start; no new token while the cached one has more than "
        f"max(leeway-max {p.leeway_max:g} s, half its lifetime) left, unless a 401 forced it"
    ),
    lambda t: bool(t.api_requests()),
)
def token_reuse(timeline: Timeline, params: ContractParams) -> list[Violation]:
    return [
        Violation(
            "token-reuse",
            r.record.index,
            f"a new token while token {_short(r.current.jti if r.current else None)} still had "
            f"{r.remaining:.0f} s of its {r.current.lifetime if r.current else 0} s left",
            r.entry.seq,
        )
        for r in classify_token_requests(timeline, params)
        if r.verdict == "premature"
    ]


@clause(
    "refresh-leeway",
    "tokens are refreshed with leeway before they expire",
    lambda p: (
        f"never present a token with less than min(leeway-min {p.leeway_min:g} s, half its lifetime) left by the "
        f"mock's clock ({p.slack:g} s allowed for transit and whole-second exp), unless a refresh of it failed; and "
        f"with the clocks skewed by up to {p.leeway_min / 2:g} s either way, never present a token the mock "
        f"considers expired"
    ),
    lambda t: any(e.jti in t.issued for _, e in t.api_requests()),
)
def refresh_leeway(timeline: Timeline, params: ContractParams) -> list[Violation]:
    issued = timeline.issued
    violations = []
    current: TokenInfo | None = None
    refresh_failed: set[str] = set()
    for record, entry in timeline.entries():
        if entry.kind == "token":
            if entry.status == 200 and entry.jti in issued:
                current = issued[entry.jti]
            elif current is not None:
                refresh_failed.add(current.jti)
            continue
        token = issued.get(entry.jti or "")
        if token is None:
            continue
        remaining = token.exp - entry.time
        if record.offset != 0:
            if remaining <= 0:
                violations.append(
                    Violation(
                        "refresh-leeway",
                        record.index,
                        f"presented token {_short(token.jti)} {-remaining:.0f} s after it expired by the mock's clock "
                        f"(clocks skewed by {record.offset:+g} s)",
                        entry.seq,
                    )
                )
            continue
        threshold = min(params.leeway_min, token.lifetime / 2) - params.slack
        if remaining < threshold and not (remaining > 0 and token.jti in refresh_failed):
            state = f"{remaining:.0f} s left" if remaining > 0 else f"expired {-remaining:.0f} s before"
            violations.append(
                Violation(
                    "refresh-leeway",
                    record.index,
                    f"presented token {_short(token.jti)} with {state} "
                    f"(at least {threshold + params.slack:g} s expected)",
                    entry.seq,
                )
            )
    return violations


@clause(
    "retry-after-401",
    "after a 401 the token is dropped; one new token and one retry at most",
    lambda p: (
        "after a 401 for a token (revoked, rotated key, rejected), never present that token again; per call at "
        "most one new token and one retry after a 401; no loops"
    ),
    lambda t: any(is_token_401(e) for _, e in t.api_requests()),
)
def retry_after_401(timeline: Timeline, params: ContractParams) -> list[Violation]:
    violations = []
    condemned: dict[str, int] = {}  # jti -> step of its first token-401
    for record in timeline.steps:
        # Simultaneous calls are all in flight before any 401 returns: each may present the token once.
        allowance = len(record.results) if record.is_burst else 1
        presented: dict[str, int] = {}
        for entry in record.entries:
            if entry.kind != "api" or not entry.jti:
                continue
            presented[entry.jti] = presented.get(entry.jti, 0) + 1
            step = condemned.get(entry.jti)
            if step is not None and (step < record.index or presented[entry.jti] > allowance):
                violations.append(
                    Violation(
                        "retry-after-401",
                        record.index,
                        f"presented token {_short(entry.jti)} again after a 401 for it (step {step + 1})",
                        entry.seq,
                    )
                )
            if is_token_401(entry):
                condemned.setdefault(entry.jti, record.index)
    for record in timeline.steps:
        first = next((i for i, e in enumerate(record.entries) if e.kind == "api" and e.status == 401), None)
        if first is None:
            continue
        if record.is_burst:  # answers interleave: judge the step as a whole, one retry and one fetch per call
            calls = len(record.results)
            requests = sum(1 for e in record.entries if e.kind == "api")
            fetches = sum(1 for e in record.entries if e.kind == "token")
            too_many = requests > 2 * calls or fetches > 2 * calls
            seen = f"{requests} API request(s) and {fetches} token request(s) for {calls} simultaneous calls"
        else:
            after = record.entries[first + 1 :]
            retries = sum(1 for e in after if e.kind == "api")
            fetches = sum(1 for e in after if e.kind == "token")
            too_many = retries > 1 or fetches > 1
            seen = f"after a 401, {retries} more API request(s) and {fetches} token request(s) in one call"
        if too_many:
            violations.append(Violation("retry-after-401", record.index, seen, record.entries[-1].seq))
    return violations


@clause(
    "token-budget",
    "stays inside the token budget and backs off after failures",
    lambda p: (
        f'at most {BUDGET_COUNT} token requests in any {BUDGET_WINDOW:g} s; after the "exhausted" 400, a 429 or a '
        f"5xx from the identity service, no token request for at least {p.backoff_min:g} s or the Retry-After given"
    ),
    lambda t: any(_is_failure_to_back_off_from(e) for _, e in t.token_requests()),
)
def token_budget(timeline: Timeline, params: ContractParams) -> list[Violation]:
    violations = []
    requests = timeline.token_requests()
    times = [entry.time for _, entry in requests]
    for i, (record, entry) in enumerate(requests):
        in_window = [t for t in times[: i + 1] if t > entry.time - BUDGET_WINDOW]
        if len(in_window) > BUDGET_COUNT:
            violations.append(
                Violation(
                    "token-budget",
                    record.index,
                    f"token request number {len(in_window)} within {BUDGET_WINDOW:g} s",
                    entry.seq,
                )
            )
            break
    for index, (record, failed) in enumerate(requests):
        if not _is_failure_to_back_off_from(failed):
            continue
        # The next request sent after this answer came back, in a later step: among the callers of one
        # burst, the journal cannot tell when a caller decided to fetch, only when its request arrived.
        later = next(
            (
                (r, e)
                for r, e in requests[index + 1 :]
                if sent_after_answer(e, failed) and not (r is record and r.is_burst)
            ),
            None,
        )
        if later is None:
            continue
        next_record, retry = later
        wait = max(params.backoff_min, float(failed.details.get("retry_after", 0)))
        waited = _client_time(next_record, retry) - _client_time(record, failed)
        if waited < wait - params.slack:
            violations.append(
                Violation(
                    "token-budget",
                    next_record.index,
                    f"asked for a token {waited:.0f} s after a {failed.status}"
                    f"{' (exhausted)' if failed.cause == 'budget_exhausted' else ''}; {wait:g} s expected",
                    retry.seq,
                )
            )
    return violations


@clause(
    "single-flight",
    "simultaneous calls share one token request",
    lambda p: "N simultaneous calls on a cold or expiring cache cause at most one token request",
    lambda t: any(r.is_burst for r in t.steps),
    needs_bursts=True,
    depends_on=("token-reuse",),
)
def single_flight(timeline: Timeline, params: ContractParams) -> list[Violation]:
    violations = []
    issued = timeline.issued
    for record in timeline.steps:
        if not record.is_burst:
            continue
        fetches = sorted(
            (e for e in record.entries if e.kind == "token"), key=lambda e: float(e.details.get("arrived", e.seq))
        )
        fresh = {e.jti for e in fetches if e.status == 200 and e.jti}
        refused = [e for e in record.entries if e.kind == "api" and e.status == 401 and e.jti in fresh]
        extra = 0
        for index, fetch in enumerate(fetches[1:], start=1):
            earlier = fetches[:index]
            if not all(sent_after_answer(fetch, e) for e in earlier):
                extra += 1  # fetched while another fetch was in flight: nothing shared
                continue
            # Sent after the others were answered: not a sharing problem if it follows a failed fetch
            # (backing off: token-budget) or a refusal of a token fetched here (retry-after-401) ...
            if any(_is_failure_to_back_off_from(e) for e in earlier) or any(
                sent_after_answer(fetch, r) for r in refused
            ):
                continue
            # ... nor if the token it replaces was due for a refresh anyway (token-reuse's bound).
            last = next((issued[e.jti] for e in reversed(earlier) if e.status == 200 and e.jti in issued), None)
            if last is not None:
                remaining = last.exp - _client_time(record, fetch)
                if remaining > max(params.leeway_max, last.lifetime / 2) + params.slack:
                    extra += 1
        if extra:
            violations.append(
                Violation(
                    "single-flight",
                    record.index,
                    f"{len(fetches)} token requests during {len(record.results)} simultaneous calls",
                    fetches[1].seq,
                )
            )
    return violations


@clause(
    "only-auth-refresh",
    "only a 401 makes the client refresh early",
    lambda p: "a 403, 404, 429 or 5xx from the API causes no token request",
    lambda t: any(e.status in NON_AUTH_ERRORS or e.status >= 500 for _, e in t.api_requests()),
    depends_on=("token-reuse",),
)
def only_auth_refresh(timeline: Timeline, params: ContractParams) -> list[Violation]:
    violations = []
    for reading in classify_token_requests(timeline, params):
        if reading.verdict == "after_error":
            violations.append(
                Violation(
                    "only-auth-refresh",
                    reading.record.index,
                    "a new token after an API error, while token "
                    f"{_short(reading.current.jti if reading.current else None)} "
                    f"still had {reading.remaining:.0f} s left",
                    reading.entry.seq,
                )
            )
    for record in timeline.steps:
        if not record.is_call:
            continue
        error = next(
            (e for e in record.entries if e.kind == "api" and (e.status in NON_AUTH_ERRORS or e.status >= 500)), None
        )
        if error is None:
            continue
        later = record.entries[record.entries.index(error) + 1 :]
        fetch = next((e for e in later if e.kind == "token"), None)
        if fetch is not None:
            violations.append(
                Violation(
                    "only-auth-refresh",
                    record.index,
                    f"a token request right after a {error.status} from the API",
                    fetch.seq,
                )
            )
    return violations


@clause(
    "secret-hygiene",
    "credentials stay where they belong",
    lambda p: "the client secret and tokens never appear in a URL; the client secret is never sent to the API",
    lambda t: any(True for _ in t.entries()),
)
def secret_hygiene(timeline: Timeline, params: ContractParams) -> list[Violation]:
    labels = {
        "client_secret_in_url": "the client secret in the URL",
        "token_in_url": "a token in the URL",
        "client_secret_sent_to_api": "the client secret sent to the API",
    }
    return [
        Violation(
            "secret-hygiene",
            record.index,
            f"{entry.method} {entry.path}: " + ", ".join(labels.get(leak, leak) for leak in entry.details["leaks"]),
            entry.seq,
        )
        for record, entry in timeline.entries()
        if entry.details.get("leaks")
    ]


# -- advisory -----------------------------------------------------------------------------------------------

ADVISORY = "correlation-id"


def correlation_advice(timeline: Timeline) -> tuple[int, int]:
    """(API requests without a CorrelationId header, API requests in all) in one scenario."""
    requests = timeline.api_requests()
    return sum("correlationid" not in entry.headers for _, entry in requests), len(requests)
