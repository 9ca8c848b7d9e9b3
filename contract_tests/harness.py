"""Running a scenario: a fresh client against the mock, in virtual time (in-process) or real time."""

from __future__ import annotations

import itertools
import secrets
import time
from types import TracebackType
from typing import Any

import time_machine

from mock_server.config import ClientConfig, TokenLimit, load_settings
from mock_server.environment import ClientEnvironment
from mock_server.testing import VistaMock

from .adapters import ClientAdapter, ClientSession
from .scenario import (
    ApiFault,
    Burst,
    Call,
    ExhaustBudget,
    IdentityFault,
    Revoke,
    RotateKeys,
    Scenario,
    Skew,
    Step,
    Wait,
)
from .timeline import ContractParams, StepRecord, Timeline

__all__ = ["VIRTUAL_START", "Harness"]

VIRTUAL_START = 1_893_456_000.0  # 2030-01-01T00:00:00Z: every in-process scenario starts here
TENANT = "contract-tenant"
LIVE_BUDGET = TokenLimit(25, 900)


class Harness:
    """Owns the mock; runs each scenario against a new client with new credentials (so a cold cache)."""

    def __init__(self, adapter: ClientAdapter, params: ContractParams) -> None:
        self.adapter = adapter
        self.params = params
        self.virtual = adapter.mode == "in-process"
        # Time jumps days at a time in virtual mode: idle connections must not time out on the server.
        self.mock = VistaMock.start(load_settings(), channel_timeout=10**10)
        self._run_id = secrets.token_hex(3)
        self._numbers = itertools.count(1)
        self.scenarios_run = 0
        self.burst_unsupported: str | None = None  # why the client cannot make simultaneous calls
        self.first_error: str | None = None  # the first call the client could not make, for the report

    def close(self) -> None:
        """Stop the mock."""
        self.mock.close()

    def __enter__(self) -> Harness:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def new_client(self, lifetime: int) -> ClientConfig:
        """Fresh credentials, registered with the mock."""
        number = next(self._numbers)
        client = ClientConfig(
            client_id=f"contract-{self._run_id}-{number}",
            client_secret=secrets.token_urlsafe(18),
            tenant_code=TENANT,
            api_key=f"key-{secrets.token_urlsafe(12)}",
            token_lifetime=lifetime,
            token_limit=LIVE_BUDGET,
        )
        self.mock.state.register_client(client)
        return client

    def environment(self, client: ClientConfig) -> ClientEnvironment:
        return ClientEnvironment.for_client(self.mock.url, client)

    def run(self, scenario: Scenario) -> Timeline:
        """Run ``scenario`` against a new client and return what happened."""
        self.scenarios_run += 1
        if not self.virtual:
            return self._run(scenario, None)
        with time_machine.travel(VIRTUAL_START, tick=False) as traveller:
            return self._run(scenario, traveller)

    def _run(self, scenario: Scenario, traveller: Any) -> Timeline:
        mock = self.mock
        mock.reset()
        client = self.new_client(scenario.lifetime)
        if scenario.budget_left is not None:
            mock.set_budget(scenario.budget_left, client.client_id)
        timeline = Timeline(
            scenario,
            client.client_id,
            client.tenant_code,
            mock.settings.custom_api_prefix,
            start=mock.clock.now(),
            mode=self.adapter.mode,
        )
        try:
            return self._play(scenario, client, timeline, traveller)
        finally:
            # The mock forgets the client: its checks scale with the clients it knows, over a long run too.
            mock.state.unregister_client(client.client_id)

    def _play(self, scenario: Scenario, client: ClientConfig, timeline: Timeline, traveller: Any) -> Timeline:
        mock = self.mock
        session = self.adapter.start(self.environment(client))
        offset, last_seq = 0.0, 0
        try:
            for index, step in enumerate(scenario.steps):
                if not getattr(session, "alive", True):
                    timeline.note = f"the client process exited at step {index}; the rest of the scenario was skipped"
                    break
                record = StepRecord(index, step, mock.clock.now(), offset)
                offset = self._do(
                    step,
                    record=record,
                    session=session,
                    client=client,
                    timeline=timeline,
                    traveller=traveller,
                    offset=offset,
                )
                record.entries = [e for e in mock.journal.entries(after=last_seq) if e.kind in ("token", "api")]
                if record.entries:
                    last_seq = record.entries[-1].seq
                if self.first_error is None:
                    self.first_error = next((r.error for r in record.results if r.error), None)
                timeline.steps.append(record)
        finally:
            session.close()
        return timeline

    def _do(
        self,
        step: Step,
        *,
        record: StepRecord,
        session: ClientSession,
        client: ClientConfig,
        timeline: Timeline,
        traveller: Any,
        offset: float,
    ) -> float:
        mock = self.mock
        if isinstance(step, Call):
            record.results = [session.call(*step.request(mock.settings.custom_api_prefix))]
        elif isinstance(step, Burst):
            outcome = session.burst("GET", "/api/v1/sites", None, step.n)
            if isinstance(outcome, str):
                record.note = f"the client cannot make simultaneous calls: {outcome}"
                self.burst_unsupported = outcome
            else:
                record.results = outcome
        elif isinstance(step, Wait):
            if traveller is not None:
                traveller.shift(step.seconds)
            else:
                time.sleep(step.seconds)  # real time: the client's clock cannot be moved
        elif isinstance(step, Skew):
            mock.clock.advance(step.seconds - offset)
            return step.seconds
        elif isinstance(step, Revoke):
            presented = [e.jti for _, e in timeline.api_requests() if e.jti] or list(timeline.issued)
            if presented:
                mock.revoke(jti=presented[-1])
                record.note = f"revoked {presented[-1][:8]}"
            else:
                record.note = "nothing to revoke yet"
        elif isinstance(step, RotateKeys):
            mock.rotate_keys()
        elif isinstance(step, IdentityFault):
            spec: dict[str, Any] = {"target": "token", "status": step.status, "count": step.count}
            if step.retry_after is not None:
                spec["retry_after"] = step.retry_after
            mock.add_fault(client_id=client.client_id, **spec)
        elif isinstance(step, ExhaustBudget):
            mock.set_budget(0, client.client_id)
        elif isinstance(step, ApiFault):
            mock.add_fault(target="api", status=step.status, count=step.count, client_id=client.client_id)
        return offset
