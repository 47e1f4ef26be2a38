"""Sample privacy cards for cards.gallery: "my data" (a full record and an empty one), the
"forget me" confirmation and its outcome, what a forgotten person gets, and the audit."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from adoption.language import Locale
from adoption.rights import MessageRecord, MyData, PersonRecord, RetentionPolicy, UsageDay
from cards import privacy as pc
from cards.base import Card

AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
POLICY = RetentionPolicy()


def _data() -> MyData:
    person = PersonRecord(
        "0b7c3e2a-1111-4c4c-9a9a-000000000001",
        "an.peeters@contoso.be",
        "An Peeters",
        "Verkoop",
        "pilot",
        "nl-BE",
        "Europe/Brussels",
        AT - timedelta(days=40),
        AT - timedelta(days=40),
        None,
        None,
        None,
        None,
    )
    messages = (
        MessageRecord("checkin", "sent", AT - timedelta(days=30), AT - timedelta(days=30)),
        MessageRecord("checkin.reminder", "sent", AT - timedelta(days=27), AT - timedelta(days=27)),
        MessageRecord("checkin", "sent", AT - timedelta(days=2), AT - timedelta(days=2)),
        MessageRecord("tip", "pending", AT, None),
    )
    days = tuple(
        UsageDay(date(2026, 11, 21) - timedelta(days=7 * n), ("teams", "exchange", "onedrive"))
        for n in range(6)
    )
    return MyData(
        person, {"conversation": {}}, ("Verkoop",), None, True, messages, days, 2, 0, 0, 0, 0
    )


def _empty() -> MyData:
    return MyData(None, None, (), None, False, (), (), 0, 0, 0, 0, 0)


def samples(locale: Locale) -> dict[str, Card]:
    audit = [
        pc.AuditLine(AT - timedelta(hours=n), who, question, outcome)
        for n, (who, question, outcome) in enumerate(
            [
                ("Carla Smith", "status verkoop", "answered"),
                ("Carla Smith", "ambassadors add <person> it", "answered"),
                ("Bruno Lambert", "trend teams 90d", "answered"),
                ("Eva Janssens", "status", "refused"),
                ("Carla Smith", "status …", "not_found"),
            ]
        )
    ]
    counts = [("Carla Smith", 14), ("Bruno Lambert", 5), ("Eva Janssens", 1)]
    return {
        "my-data": pc.my_data_card(_data(), locale, 5, POLICY),
        "my-data-empty": pc.my_data_card(_empty(), locale, 5, POLICY),
        "forget-confirm": pc.forget_card(_data(), locale),
        "forgotten": pc.forgotten_card(locale),
        "forgotten-notice": pc.forgotten_notice_card(locale),
        "audit": pc.audit_card(audit, counts, locale, days=30, months=13),
    }
