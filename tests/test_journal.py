"""The journal: bounded, thread-safe, filterable; and the redactor that keeps secrets out."""

from __future__ import annotations

import threading

import pytest

from mock_server.journal import InMemoryJournal, JournalEntry, Redactor


def entry(kind: str = "token", client_id: str | None = "c", time: float = 0.0) -> JournalEntry:
    return JournalEntry(
        seq=0, time=time, method="POST", path="/oauth/token", kind=kind, status=200, client_id=client_id
    )


def test_ring_keeps_the_newest_and_counts_what_fell_off() -> None:
    journal = InMemoryJournal(maxlen=5)
    for i in range(8):
        journal.record(entry(time=i))
    assert [e.seq for e in journal.entries()] == [4, 5, 6, 7, 8]
    assert journal.dropped == 3
    journal.clear()
    assert journal.entries() == [] and journal.dropped == 0
    assert journal.record(entry()).seq == 9  # sequence numbers never repeat


def test_default_size_is_10000() -> None:
    assert InMemoryJournal().maxlen == 10_000
    with pytest.raises(ValueError):
        InMemoryJournal(0)


def test_filters() -> None:
    journal = InMemoryJournal()
    journal.record(entry("token", "a", 10))
    journal.record(entry("api", "a", 20))
    journal.record(entry("token", "b", 30))
    assert [e.seq for e in journal.entries(kind="token")] == [1, 3]
    assert [e.seq for e in journal.entries(client_id="a")] == [1, 2]
    assert [e.seq for e in journal.entries(since=20)] == [2, 3]
    assert [e.seq for e in journal.entries(after=2)] == [3]
    assert [e.seq for e in journal.entries(kind="token", client_id="b", since=5)] == [3]


def test_concurrent_records_are_all_kept_with_unique_sequence_numbers() -> None:
    journal = InMemoryJournal(maxlen=100_000)
    barrier = threading.Barrier(8)

    def write() -> None:
        barrier.wait()
        for _ in range(2000):
            journal.record(entry())

    threads = [threading.Thread(target=write) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(e.seq for e in journal.entries()) == list(range(1, 16_001))


def test_redactor_replaces_secrets_and_anything_shaped_like_a_jwt() -> None:
    redact = Redactor(["mock-secret", "mock-secret-long", "", "mock-api-key"])
    jwt_like = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
    text = f"/api/v1/x?k=mock-api-key&s=mock-secret-long&t={jwt_like} and mock-secret"
    assert redact(text) == "/api/v1/x?k=[REDACTED]&s=[REDACTED]&t=[JWT] and [REDACTED]"
