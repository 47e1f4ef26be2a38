"""Answering a check-in: validate everything server-side, store anonymously, thank.

One dispatch used by both paths: Action.Execute (an invoke answered with the replacement card)
and the Action.Submit fallback of old clients (a message whose card we then update).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from adoption.checkin import (
    AnswerValue,
    answers_from_json,
    answers_to_json,
    respondent_key,
    validate_answers,
)
from bot.runs import RunInfo
from bot.services import BotServices
from cards.base import Card
from cards.checkin import closed_card, notice_card, question_card, thanks_card
from cards.i18n import Locale
from store import checkins
from store.answers import Answer
from store.checkins import Recipient

log = logging.getLogger("uptake.bot.checkin")


@dataclass(frozen=True)
class Outcome:
    """The card to show, and whether an answer was stored (for the caller's logs and tests)."""

    card: Card
    stored: bool = False


def _run_id(data: Mapping[str, object]) -> int | None:
    raw = data.get("run")
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and raw.isdigit():
        return int(raw)
    return None


def _is_open(run: RunInfo, services: BotServices) -> bool:
    return run.open and services.clock() < run.closes_at


async def _load(
    services: BotServices, person: str, data: Mapping[str, object], locale: Locale
) -> tuple[RunInfo, Recipient] | Outcome:
    run_id = _run_id(data)
    run = await services.runs.get(run_id) if run_id is not None else None
    if run is None:
        return Outcome(notice_card("checkin.unknown_run", locale))
    recipient = await services.runs.recipient(run.id, person)
    if recipient is None:
        log.info("checkin.refused reason=not_recipient run=%s", run.id)
        return Outcome(notice_card("checkin.not_for_you", locale))
    if not _is_open(run, services):
        log.info("checkin.refused reason=closed run=%s", run.id)
        return Outcome(closed_card(run.template, (run.closed_at or run.closes_at).date(), locale))
    return run, recipient


async def answer(
    services: BotServices, person: str, data: Mapping[str, object], locale: Locale
) -> Outcome:
    """Check and store an answer; the returned card replaces the check-in in the chat."""
    loaded = await _load(services, person, data, locale)
    if isinstance(loaded, Outcome):
        return loaded
    run, recipient = loaded
    check = validate_answers(run.template, data)
    if not check.ok:
        log.info("checkin.invalid run=%s problems=%s", run.id, sorted(check.problems))
        return Outcome(
            question_card(
                run.template,
                run.id,
                run.closes_at.date(),
                locale,
                answers=check.answers,
                problems=check.problems,
            )
        )
    await services.answers.save(
        Answer(
            run_id=run.id,
            respondent_key=respondent_key(services.secret, run.id, person),
            department=recipient.department,
            answers=answers_to_json(check.answers),
            today=services.clock().date(),
        )
    )
    log.info("checkin.answered run=%s", run.id)
    return Outcome(thanks_card(run.template, run.id, check.answers, locale), stored=True)


async def edit(
    services: BotServices, person: str, data: Mapping[str, object], locale: Locale
) -> Outcome:
    """Show the form again, filled with the person's stored answers (found by their key)."""
    loaded = await _load(services, person, data, locale)
    if isinstance(loaded, Outcome):
        return loaded
    run, _ = loaded
    async with services.sessions() as session:
        stored = await checkins.find_response(
            session, run.id, respondent_key(services.secret, run.id, person)
        )
    answers: dict[str, AnswerValue] = answers_from_json(stored) if stored else {}
    return Outcome(
        question_card(run.template, run.id, run.closes_at.date(), locale, answers=answers)
    )
