"""Questions in chat: facilitators ask how adoption stands; everyone may ask for help and
for their ambassador.

Parse (adoption.questions) → authorise → read precomputed aggregates (store) → decide
(adoption) → render (cards) → send, and audit. Nothing here computes a funnel: the stored
ones are already suppressed, and check-in results go through adoption.results.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from adoption.checkin import SHIPPED_TEMPLATES, TemplateError, parse_template, shipped_template
from adoption.funnel import NO_WAVE, UNKNOWN_DEPARTMENT, FunnelCounts, Subject
from adoption.language import LOCALES, Locale
from adoption.questions import (
    DEFAULT_PERIOD,
    PERIODS,
    Command,
    Question,
    Unknown,
    closest,
    fold,
    parse,
    split_period,
    split_run,
)
from adoption.results import RunResults, Sentiment, sentiment, summarise
from adoption.scenarios import catalogue
from adoption.scrub import name_tokens
from adoption.signals import WORKLOADS
from adoption.views import StatusView
from bot.access import AuditLog, FacilitatorAccess
from bot.services import BotServices
from cards import conversation as conv
from cards import facilitator as fc
from cards.base import Card
from cards.i18n import t
from cards.lifecycle import help_card
from store import facilitation, people, usage
from store.facilitation import AuditRecord

log = logging.getLogger("uptake.bot.facilitator")

RESULTS_TTL_SECONDS: Final = 60.0
# Usage aggregates change once a day (the sync); a status read is reused for half a minute.
STATUS_TTL_SECONDS: Final = 30.0
NAMES_TTL_SECONDS: Final = 300.0
_WAVE_WORDS: Final = frozenset({"wave", "golf", "vague", "waves", "golven", "vagues"})
_TEMPLATE_ALIASES: Final = {
    "pulse": ["pols", "polscheck", "pulscheck", "pouls"],
    "baseline": ["nulmeting", "etat des lieux", "état des lieux"],
}


@dataclass
class Facilitation:
    """Who may ask, where questions are audited, and short-lived caches of derived results."""

    access: FacilitatorAccess
    audit: AuditLog
    _results: dict[int, tuple[float, int, RunResults]] = field(default_factory=dict)
    _names: tuple[float, frozenset[str]] | None = None
    _status: dict[tuple[str | None, str | None], tuple[float, StatusInputs]] = field(
        default_factory=dict
    )
    # The rendered card per scope, language and k, valid while its inputs are the cached ones.
    _status_cards: dict[tuple[str | None, str | None, Locale, int], tuple[StatusInputs, Card]] = (
        field(default_factory=dict)
    )

    def status_card(
        self, department: str | None, wave: str | None, inputs: StatusInputs, locale: Locale, k: int
    ) -> Card:
        """Build once per cached inputs: most facilitators ask the same `status` in a day."""
        key = (department, wave, locale, k)
        cached = self._status_cards.get(key)
        if cached is not None and cached[0] is inputs:
            return cached[1]
        card = fc.status_card(
            inputs.view,
            locale,
            k,
            sentiment=inputs.sentiment,
            sentiment_source=inputs.source,
            departments=inputs.departments,
        )
        self._status_cards[key] = (inputs, card)
        return card

    async def status_inputs(
        self, session: AsyncSession, department: str | None, wave: str | None, k: int
    ) -> StatusInputs | None:
        """What a status card shows, read at most every STATUS_TTL_SECONDS per scope."""
        now = time.monotonic()
        cached = self._status.get((department, wave))
        if cached is not None and cached[0] > now:
            return cached[1]
        found = await _read_status(session, self, department, wave, k)
        if found is not None:
            self._status[(department, wave)] = (now + STATUS_TTL_SECONDS, found)
        return found

    async def run_results(
        self, session: AsyncSession, run: facilitation.RunSummary, k: int
    ) -> RunResults | None:
        """A run's results, recomputed at most once a minute (answers keep arriving)."""
        cached = self._results.get(run.id)
        now = time.monotonic()
        if cached is not None and cached[0] > now and cached[1] == k:
            return cached[2]
        try:
            template = parse_template(run.template_source, f"run {run.id}")
        except TemplateError:
            log.warning("facilitator.bad_run_template run=%s", run.id)
            return None
        names = await self.known_names(session) if _has_text(template) else frozenset()
        answers = await facilitation.run_answers(session, run.id)
        results = summarise(template, answers, k, names)
        self._results[run.id] = (now + RESULTS_TTL_SECONDS, k, results)
        return results

    async def known_names(self, session: AsyncSession) -> frozenset[str]:
        now = time.monotonic()
        if self._names is None or self._names[0] <= now:
            self._names = (
                now + NAMES_TTL_SECONDS,
                name_tokens(await facilitation.display_names(session)),
            )
        return self._names[1]


def _has_text(template: object) -> bool:
    return any(q.kind.value == "text" for q in getattr(template, "questions", ()))


@dataclass(frozen=True)
class Answer:
    card: Card
    outcome: str


@dataclass(frozen=True)
class Asked:
    """What the dispatcher needs from the turn, without the SDK."""

    person_id: str | None
    text: str | None
    locale: Locale


async def respond(asked: Asked, services: BotServices) -> Card:
    """Answer one chat message: the card to send back (also used by the benchmark)."""
    facil = services.facilitation
    locale = asked.locale
    parsed = parse(asked.text)
    who = asked.person_id
    if isinstance(parsed, Question) and parsed.command is Command.MY_AMBASSADOR:
        return await _my_ambassador(services, who, locale)
    allowed = who is not None and facil is not None and await facil.access.allows(who)
    if isinstance(parsed, Question) and parsed.command is Command.HELP:
        if allowed:
            return conv.facilitator_help_card(locale, services.min_group_size)
        return help_card(locale)
    if isinstance(parsed, Unknown):
        if not allowed:
            return help_card(locale)
        answer = Answer(conv.unknown_card(parsed.suggestion, locale), "unknown")
        question = "?"
    elif not allowed:
        answer = Answer(conv.refused_card(locale), "refused")
        question = parsed.canonical
    else:
        answer = await _answer(parsed, services, facil, locale)
        question = parsed.canonical
    log.info("question.asked command=%s outcome=%s", question.split(" ", 1)[0], answer.outcome)
    if facil is not None and who is not None:
        facil.audit.record(AuditRecord(services.clock(), who, question, answer.outcome))
    return answer.card


async def _answer(
    question: Question, services: BotServices, facil: Facilitation | None, locale: Locale
) -> Answer:
    assert facil is not None
    k = services.min_group_size
    async with services.sessions() as session:
        if question.command is Command.STATUS:
            return await _status(session, question.argument, facil, locale, k)
        if question.command is Command.SCENARIO:
            return await _scenario(session, question.argument, locale, k)
        if question.command is Command.TREND:
            return await _trend(session, question.argument, locale)
        if question.command is Command.CHECKIN:
            return await _checkin(session, question.argument, facil, locale, k)
        if question.command is Command.AMBASSADORS:
            return await _ambassadors(session, question.argument, locale)
        return await _waves(session, locale, k)


def _no_data(locale: Locale) -> Answer:
    body = t(locale, "facilitator.no_data_body")
    return Answer(fc.notice(locale, "facilitator.no_data_title", body), "no_data")


async def _status(
    session: AsyncSession, argument: str, facil: Facilitation, locale: Locale, k: int
) -> Answer:
    department = wave = None
    if argument:
        keys = await facilitation.scope_keys(session)
        words = argument.split()
        wave_only = len(words) > 1 and fold(words[0]) in _WAVE_WORDS
        name = " ".join(words[1:]) if wave_only else argument
        aliases: dict[str, list[str]] = {}
        if not wave_only:
            aliases.update(
                {f"d:{d}": [d] for d in keys.get("department", []) if d != UNKNOWN_DEPARTMENT}
            )
        aliases.update({f"w:{w}": [w] for w in keys.get("wave", []) if w != NO_WAVE})
        match = closest(name, aliases)
        if match.key is None:
            if not keys.get("department") and not keys.get("wave"):
                return _no_data(locale)
            suggestion = match.suggestion[2:] if match.suggestion else None
            known = [k_[2:] for k_ in aliases]
            card = conv.not_found_card(locale, "what_scope", name, suggestion, known)
            return Answer(card, "not_found")
        kind, key = match.key.split(":", 1)
        department, wave = (key, None) if kind == "d" else (None, key)
    inputs = await facil.status_inputs(session, department, wave, k)
    if inputs is None:
        return _no_data(locale)
    card = facil.status_card(department, wave, inputs, locale, k)
    return Answer(card, "hidden" if inputs.view.hidden else "answered")


@dataclass(frozen=True)
class StatusInputs:
    view: StatusView
    sentiment: Sentiment | None
    source: tuple[int, date] | None
    departments: tuple[tuple[str, FunnelCounts | None], ...]


async def _read_status(
    session: AsyncSession, facil: Facilitation, department: str | None, wave: str | None, k: int
) -> StatusInputs | None:
    view = await usage.latest_status(session, department=department, wave=wave)
    if view is None:
        return None
    run = await facilitation.latest_run(session, "pulse")
    found = source = None
    if run is not None and wave is None:
        results = await facil.run_results(session, run, max(k, run.min_group_size))
        if results is not None:
            found = sentiment(results, department)
            source = (run.id, run.opened_at.date()) if found is not None else None
    breakdown: list[tuple[str, FunnelCounts | None]] = []
    if view.scope.kind == "tenant" and not view.tenant_level_only:
        teams = Subject("workload", "teams")
        figures = await facilitation.scope_figures(session, "department", [teams])
        if teams in figures:
            breakdown = [
                (name, counts)
                for name, counts in figures[teams].lines
                if name != UNKNOWN_DEPARTMENT
            ]
    return StatusInputs(view, found, source, tuple(breakdown))


async def _scenario(session: AsyncSession, argument: str, locale: Locale, k: int) -> Answer:
    scenarios = catalogue()
    if not argument:
        example = f"{conv.command_word(Command.SCENARIO, locale)} {scenarios[0].title(locale)}"
        return Answer(conv.missing_argument_card(locale, "what_scenario", example), "invalid")
    aliases = {s.key: [s.title(loc) for loc in LOCALES] for s in scenarios}
    match = closest(argument, aliases)
    if match.key is None:
        by_key = {s.key: s.title(locale) for s in scenarios}
        suggestion = by_key.get(match.suggestion or "")
        card = conv.not_found_card(
            locale, "what_scenario", argument, suggestion, list(by_key.values())
        )
        return Answer(card, "not_found")
    item = next(s for s in scenarios if s.key == match.key)
    view = await usage.latest_status(session)
    if view is None:
        return _no_data(locale)
    subject = Subject("scenario", item.key)
    figures = await facilitation.scope_figures(session, "department", [subject])
    lines = [
        (n, c)
        for n, c in (figures[subject].lines if subject in figures else ())
        if n != UNKNOWN_DEPARTMENT
    ]
    return Answer(fc.scenario_card(item, view, locale, k, lines), "answered")


def _subject_aliases() -> dict[str, list[str]]:
    aliases: dict[str, list[str]] = {
        f"workload:{w.value}": [t(loc, f"facilitator.workload_{w.value}") for loc in LOCALES]
        for w in WORKLOADS
    }
    aliases.update({"workload:exchange": ["exchange", "outlook", "mail", "e-mail", "courriel"]})
    for s in catalogue():
        aliases[f"scenario:{s.key}"] = [s.title(loc) for loc in LOCALES]
    return aliases


async def _trend(session: AsyncSession, argument: str, locale: Locale) -> Answer:
    name, days = split_period(argument)
    days = days or DEFAULT_PERIOD
    if days not in PERIODS:
        text = t(locale, "facilitator.bad_period", days=days)
        return Answer(fc.notice(locale, "facilitator.unknown_title", text), "invalid")
    if not name:
        example = f"{conv.command_word(Command.TREND, locale)} Teams 90d"
        return Answer(conv.missing_argument_card(locale, "what_subject", example), "invalid")
    match = closest(name, _subject_aliases())
    if match.key is None:
        suggestion = None
        if match.suggestion:
            kind, key = match.suggestion.split(":", 1)
            suggestion = fc.subject_title(Subject(kind, key), locale)  # type: ignore[arg-type]
        card = conv.not_found_card(locale, "what_subject", name, suggestion)
        return Answer(card, "not_found")
    kind, key = match.key.split(":", 1)
    subject = Subject(kind, key)  # type: ignore[arg-type]
    points = await usage.trend(session, key, days)
    if not points:
        return _no_data(locale)
    return Answer(fc.trend_card(subject, days, points, locale), "answered")


async def _checkin(
    session: AsyncSession, argument: str, facil: Facilitation, locale: Locale, k: int
) -> Answer:
    name, run_id = split_run(argument)
    key = "pulse"
    if name:
        aliases = {
            key_: [shipped_template(key_).title(loc) for loc in LOCALES]
            + _TEMPLATE_ALIASES.get(key_, [])
            for key_ in SHIPPED_TEMPLATES
        }
        match = closest(name, aliases)
        if match.key is None:
            card = conv.not_found_card(
                locale, "what_template", name, match.suggestion, list(SHIPPED_TEMPLATES)
            )
            return Answer(card, "not_found")
        key = match.key
    run = (
        await facilitation.run_by_id(session, run_id)
        if run_id
        else await facilitation.latest_run(session, key)
    )
    if run is None or run.template_key != key:
        text = (
            t(locale, "facilitator.checkin_unknown_run", run=run_id)
            if run_id
            else t(locale, "facilitator.checkin_no_run", template=key)
        )
        return Answer(fc.notice(locale, "facilitator.unknown_title", text), "not_found")
    results = await facil.run_results(session, run, max(k, run.min_group_size))
    if results is None:
        return _no_data(locale)
    template = parse_template(run.template_source, f"run {run.id}")
    card = conv.checkin_results_card(
        template, run.id, run.opened_at.date(), run.closes_at.date(), results, locale
    )
    return Answer(card, "answered" if results.overall is not None else "hidden")


async def _departments(session: AsyncSession) -> list[str]:
    keys = await facilitation.scope_keys(session)
    known = set(await people.known_departments(session)) | set(keys.get("department", []))
    return sorted(known - {UNKNOWN_DEPARTMENT})


async def _ambassadors(session: AsyncSession, argument: str, locale: Locale) -> Answer:
    departments = await _departments(session)
    entries = await facilitation.ambassadors(session)
    if argument:
        match = closest(argument, {d: [d] for d in departments})
        if match.key is None:
            card = conv.not_found_card(
                locale, "what_department", argument, match.suggestion, departments
            )
            return Answer(card, "not_found")
        entries = [e for e in entries if match.key in e.departments]
        departments = [match.key]
    covered = {d for e in entries for d in e.departments}
    unknown = t(locale, "facilitator.unknown_person")
    rows = [(e.display_name or unknown, e.departments, e.since.date()) for e in entries]
    uncovered = [d for d in departments if d not in covered]
    return Answer(conv.ambassadors_card(rows, uncovered, locale), "answered")


async def _waves(session: AsyncSession, locale: Locale, k: int) -> Answer:
    subjects = [Subject("workload", w.value) for w in WORKLOADS]
    figures = await facilitation.scope_figures(session, "wave", subjects)
    if not figures:
        return _no_data(locale)
    report_date = next(iter(figures.values())).report_date
    waves: dict[str, list[tuple[Subject, FunnelCounts | None]]] = {}
    for subject, found in figures.items():
        for wave, counts in found.lines:
            if wave != NO_WAVE:
                waves.setdefault(wave, []).append((subject, counts))
    ordered = sorted(waves.items())
    return Answer(fc.waves_card(report_date, ordered, locale, k), "answered")


async def _my_ambassador(services: BotServices, who: str | None, locale: Locale) -> Card:
    if who is None:
        return conv.my_ambassador_card(None, [], locale)
    async with services.sessions() as session:
        department = await facilitation.person_department(session, who)
        entries = await facilitation.ambassadors(session) if department else []
    names = [e.display_name for e in entries if department in e.departments and e.display_name]
    log.info("ambassador.asked found=%s", bool(names))
    return conv.my_ambassador_card(department, names, locale)
