"""Privacy rights decided without I/O: retention cut-offs, tombstones, the audit's form."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from adoption.endpoints import FILE_UPLOAD_HOSTS, ServiceUrls
from adoption.rights import (
    RetentionPolicy,
    audit_form,
    cutoffs,
    date_ranges,
    months_before,
    tombstone,
    tombstone_key,
)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2027, 12, 15), 13, date(2026, 11, 15)),
        (date(2027, 3, 31), 1, date(2027, 2, 28)),
        (date(2028, 3, 31), 1, date(2028, 2, 29)),
        (date(2027, 1, 10), 1, date(2026, 12, 10)),
    ],
)
def test_months_before_clamps_to_the_months_end(day: date, months: int, expected: date) -> None:
    assert months_before(day, months) == expected


def test_cutoffs_follow_each_horizon() -> None:
    now = datetime(2027, 12, 15, 3, 47, tzinfo=UTC)
    cut = cutoffs(now, RetentionPolicy(usage_months=13, audit_months=6, message_days=90))
    assert cut.usage_before == date(2026, 11, 15)
    assert cut.audit_before == datetime(2027, 6, 15, tzinfo=UTC)
    assert cut.messages_before == datetime(2027, 9, 16, 3, 47, tzinfo=UTC)


def test_a_tombstone_is_keyed_and_never_the_id() -> None:
    key = tombstone_key(b"s" * 40)
    token = tombstone(key, "0B7C3E2A-1111-4C4C-9A9A-000000000001")
    assert token == tombstone(key, "0b7c3e2a-1111-4c4c-9a9a-000000000001")
    assert "0b7c3e2a" not in token
    assert token != tombstone(tombstone_key(b"t" * 40), "0b7c3e2a-1111-4c4c-9a9a-000000000001")


@pytest.mark.parametrize(
    ("question", "outcome", "expected"),
    [
        ("status Verkoop", "answered", "status verkoop"),
        ("status the weather is awful today honestly", "not_found", "status …"),
        ("ambassadors add Lotte@Contoso.be IT", "answered", "ambassadors add <person> it"),
        (
            "ambassadors add 0b7c3e2a-1111-4c4c-9a9a-000000000001 HR",
            "answered",
            "ambassadors add <person> hr",
        ),
        ("trend Teams 90d", "answered", "trend teams 90d"),
        ("status some free text", "refused", "status …"),
        ("?", "unknown", "?"),
        ("campaign.create", "answered", "campaign create"),
    ],
)
def test_the_audit_keeps_commands_and_names_never_free_text(
    question: str, outcome: str, expected: str
) -> None:
    assert audit_form(question, outcome) == expected
    assert audit_form(expected, outcome) == expected  # normalising twice changes nothing


def test_consecutive_days_read_as_ranges() -> None:
    days = [date(2026, 11, d) for d in (1, 2, 3, 7, 9, 10)]
    assert date_ranges(days) == [
        (date(2026, 11, 1), date(2026, 11, 3)),
        (date(2026, 11, 7), date(2026, 11, 7)),
        (date(2026, 11, 9), date(2026, 11, 10)),
    ]


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://contoso-my.sharepoint.com/personal/alice/_api/upload?x=1", True),
        ("http://contoso-my.sharepoint.com/personal/alice/upload", False),
        ("https://contoso-my.sharepoint.com.evil.example/upload", False),
        ("https://evilsharepoint.com/upload", False),
        ("https://user:pw@contoso-my.sharepoint.com/upload", False),
        ("http://127.0.0.1:9/upload", False),
    ],
)
def test_uploads_go_to_sharepoint_over_https_only(url: str, allowed: bool) -> None:
    assert (ServiceUrls(FILE_UPLOAD_HOSTS).problem(url) is None) is allowed


def test_local_mode_uploads_to_loopback_only() -> None:
    local = ServiceUrls(FILE_UPLOAD_HOSTS, local=True)
    assert local.problem("http://127.0.0.1:9/upload") is None
    assert local.problem("https://contoso-my.sharepoint.com/upload") is not None
