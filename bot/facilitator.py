"""Facilitators ask how adoption stands: status, scenario, check-in results, trend,
ambassadors and waves.

Parse (adoption.questions, done by the router) → read precomputed aggregates (store, through
FacilitatorReads) → decide (adoption) → render (cards). Nothing here computes a funnel: the
stored ones are already suppressed, and check-in results go through adoption.results. The
router gates every command here to facilitators and audits each question.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adoption.checkin import SHIPPED_TEMPLATES, parse_template, shipped_template
from adoption.funnel import FunnelCounts, Subject
from adoption.language import LOCALES, Locale
from adoption.questions import (
    DEFAULT_PERIOD,
    PERIODS,
    Command,
    Question,
    closest,
    fold,
    split_period,
    split_run,
)
from adoption.scenarios import catalogue
from adoption.scopes import TENANT, Scope
from adoption.signals import WORKLOADS
from adoption.waves import WaveName
from bot.access import FacilitatorAccess
from bot.dispatch import Reply, Router, Turn
from bot.facilitator_ambassadors import Registry
from bot.facilitator_audit import AuditLog
from bot.facilitator_campaigns import Campaigns
from bot.facilitator_digest import DIGEST_KIND, Digest
from bot.facilitator_reads import FacilitatorReads
from bot.sender import Renderers
from cards import campaigns as cc
from cards import conversation as conv
from cards import facilitator as fc
from cards.i18n import t
from store import checkins, usage, waves

if TYPE_CHECKING:
    from bot.facilitator_licences import LicenceAnswers

_WAVE_WORDS: Final = frozenset({"wave", "golf", "vague", "waves", "golven", "vagues"})
_ALL_WAVES: Final = frozenset({"waves", "golven", "vagues"})
_TEMPLATE_ALIASES: Final = {
    "pulse": ["pols", "polscheck", "pulscheck", "pouls"],
    "baseline": ["nulmeting", "etat des lieux", "état des lieux"],
}


@dataclass(frozen=True)
class ScopeAnswer:
    """A resolved scope, or the reply that explains why there is none."""

    scope: Scope | None
    reply: Reply | None = None
    asked: str = ""


def wave_word(locale: Locale) -> str:
    return t(locale, "facilitator.wave_word")


def wave_label(wave: WaveName, locale: Locale) -> str:
    return wave.label(wave_word(locale))


def _no_data(locale: Locale) -> Reply:
    body = t(locale, "facilitator.no_data_body")
    return Reply(fc.notice(locale, "facilitator.no_data_title", body), "no_data")


class Facilitation:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        reads: FacilitatorReads,
        min_group_size: int,
    ) -> None:
        self._sessions = sessions
        self._reads = reads
        self._k = min_group_size

    # --- scopes ---------------------------------------------------------------------------

    async def resolve_scope(
        self, session: AsyncSession, argument: str, locale: Locale
    ) -> ScopeAnswer:
        """A department or wave named the way people type it ('Verkoop', 'wave 1', 'golf
        pilot', 'pilot'); TENANT when nothing is named."""
        if not argument:
            return ScopeAnswer(TENANT)
        view = await usage.latest_status(session)
        if view is None:
            return ScopeAnswer(None, _no_data(locale))
        if view.tenant_level_only:
            # Names are concealed: there are no groups to look for, only the organisation.
            return ScopeAnswer(TENANT, asked=argument)
        keys = await usage.scope_keys(session)
        named = await waves.wave_names(session)
        words = argument.split()
        wave_only = len(words) > 1 and fold(words[0]) in _WAVE_WORDS
        name = " ".join(words[1:]) if wave_only else argument
        aliases: dict[str, list[str]] = {}
        labels: dict[str, str] = {}
        if not wave_only:
            for department in keys.get("department", []):
                if Scope("department", department).shown:
                    aliases[f"d:{department}"] = [department]
                    labels[f"d:{department}"] = department
        for key in keys.get("wave", []):
            if Scope("wave", key).shown:
                wave = named.get(key, WaveName(key))
                aliases[f"w:{key}"] = [
                    *wave.aliases,
                    *(
                        f"{t(loc, 'facilitator.wave_word')} {a}"
                        for loc in LOCALES
                        for a in wave.aliases
                    ),
                ]
                labels[f"w:{key}"] = wave_label(wave, locale)
        match = closest(name, aliases)
        if match.key is None:
            suggestion = labels.get(match.suggestion or "")
            card = conv.not_found_card(
                locale, "what_scope", name, suggestion, list(labels.values())
            )
            return ScopeAnswer(None, Reply(card, "not_found"))
        kind, key = match.key.split(":", 1)
        return ScopeAnswer(Scope("department" if kind == "d" else "wave", key))

    # --- commands -------------------------------------------------------------------------

    async def status(self, turn: Turn, question: Question) -> Reply:
        if fold(question.argument.strip()) in _ALL_WAVES:
            # "status waves": the waves side by side.
            return await self.waves(turn, question)
        async with self._sessions() as session:
            found = await self.resolve_scope(session, question.argument, turn.locale)
            if found.scope is None:
                return found.reply or _no_data(turn.locale)
            inputs = await self._reads.status_inputs(session, found.scope, self._k)
        if inputs is None:
            return _no_data(turn.locale)
        card = self._reads.status_card(found.scope, inputs, turn.locale, self._k)
        if found.asked:
            card = fc.with_concealed_scope_note(card, found.asked, turn.locale)
        return Reply(card, "hidden" if inputs.view.hidden else "answered")

    async def scenario(self, turn: Turn, question: Question) -> Reply:
        locale, argument = turn.locale, question.argument
        scenarios = catalogue()
        if not argument:
            example = f"{conv.command_word(Command.SCENARIO, locale)} {scenarios[0].title(locale)}"
            return Reply(conv.missing_argument_card(locale, "what_scenario", example), "invalid")
        aliases = {s.key: [s.title(loc) for loc in LOCALES] for s in scenarios}
        match = closest(argument, aliases)
        if match.key is None:
            by_key = {s.key: s.title(locale) for s in scenarios}
            card = conv.not_found_card(
                locale,
                "what_scenario",
                argument,
                by_key.get(match.suggestion or ""),
                list(by_key.values()),
            )
            return Reply(card, "not_found")
        item = next(s for s in scenarios if s.key == match.key)
        async with self._sessions() as session:
            view = await usage.latest_status(session)
            if view is None:
                return _no_data(locale)
            subject = Subject("scenario", item.key)
            figures = await usage.scope_figures(session, "department", [subject])
        lines = [
            (name, counts)
            for name, counts in (figures[subject].lines if subject in figures else ())
            if Scope("department", name).shown
        ]
        return Reply(fc.scenario_card(item, view, locale, self._k, lines), "answered")

    async def trend(self, turn: Turn, question: Question) -> Reply:
        locale = turn.locale
        name, days = split_period(question.argument)
        days = days or DEFAULT_PERIOD
        if days not in PERIODS:
            text = t(locale, "facilitator.bad_period", days=days)
            return Reply(fc.notice(locale, "facilitator.unknown_title", text), "invalid")
        if not name:
            example = f"{conv.command_word(Command.TREND, locale)} Teams 90d"
            return Reply(conv.missing_argument_card(locale, "what_subject", example), "invalid")
        match = closest(name, _subject_aliases())
        if match.key is None:
            suggestion = None
            if match.suggestion:
                kind, key = match.suggestion.split(":", 1)
                suggestion = fc.subject_title(Subject(kind, key), locale)  # type: ignore[arg-type]
            return Reply(conv.not_found_card(locale, "what_subject", name, suggestion), "not_found")
        kind, key = match.key.split(":", 1)
        subject = Subject(kind, key)  # type: ignore[arg-type]
        async with self._sessions() as session:
            points = await usage.trend(session, key, days)
        if not points:
            return _no_data(locale)
        return Reply(fc.trend_card(subject, days, points, locale), "answered")

    async def checkin(self, turn: Turn, question: Question) -> Reply:
        locale = turn.locale
        name, run_id = split_run(question.argument)
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
                return Reply(card, "not_found")
            key = match.key
        async with self._sessions() as session:
            run = (
                await checkins.run_by_id(session, run_id)
                if run_id
                else await checkins.latest_run(session, key)
            )
            if run is None or run.template_key != key:
                text = (
                    t(locale, "facilitator.checkin_unknown_run", run=run_id)
                    if run_id
                    else t(locale, "facilitator.checkin_no_run", template=key)
                )
                return Reply(fc.notice(locale, "facilitator.unknown_title", text), "not_found")
            results = await self._reads.run_results(session, run, self._k)
        if results is None:
            return _no_data(locale)
        template = parse_template(run.template_source, f"run {run.id}")
        card = conv.checkin_results_card(
            template, run.id, run.opened_at.date(), run.closes_at.date(), results, locale
        )
        return Reply(card, "answered" if results.overall is not None else "hidden")

    async def waves(self, turn: Turn, question: Question) -> Reply:
        subjects = [Subject("workload", w.value) for w in WORKLOADS]
        async with self._sessions() as session:
            figures = await usage.scope_figures(session, "wave", subjects)
            named = await waves.wave_names(session)
        if not figures:
            return _no_data(turn.locale)
        report_date = next(iter(figures.values())).report_date
        by_wave: dict[str, list[tuple[Subject, FunnelCounts | None]]] = {}
        for subject, found in figures.items():
            for wave, counts in found.lines:
                if Scope("wave", wave).shown:
                    by_wave.setdefault(wave, []).append((subject, counts))
        order = {key: w.position for key, w in named.items()}
        ordered = [
            (_capitalised(wave_label(named.get(key, WaveName(key)), turn.locale)), lines)
            for key, lines in sorted(
                by_wave.items(), key=lambda item: (order.get(item[0], 999), item[0])
            )
        ]
        return Reply(fc.waves_card(report_date, ordered, turn.locale, self._k), "answered")


def _capitalised(label: str) -> str:
    return label[:1].upper() + label[1:]


def _subject_aliases() -> dict[str, list[str]]:
    aliases: dict[str, list[str]] = {
        f"workload:{w.value}": [t(loc, f"facilitator.workload_{w.value}") for loc in LOCALES]
        for w in WORKLOADS
    }
    aliases.update({"workload:exchange": ["exchange", "outlook", "mail", "e-mail", "courriel"]})
    for s in catalogue():
        aliases[f"scenario:{s.key}"] = [s.title(loc) for loc in LOCALES]
    return aliases


def register(
    router: Router,
    facilitation: Facilitation,
    campaigns: Campaigns,
    registry: Registry,
    digest: Digest,
    renderers: Renderers,
    access: FacilitatorAccess,
    min_group_size: int,
    audit_log: AuditLog,
    licences: LicenceAnswers,
) -> None:
    router.audience("facilitator", access.allows)
    router.help("facilitator", lambda locale: conv.facilitator_help_card(locale, min_group_size))
    router.command(Command.CAMPAIGN, "facilitator", campaigns.command)
    router.command(Command.TIPS, "facilitator", digest.tips)
    router.command(Command.AUDIT, "facilitator", audit_log.show)
    renderers.register(DIGEST_KIND, digest.render)
    for verb, on_verb in (
        (cc.NEW_VERB, campaigns.new),
        (cc.CREATE_VERB, campaigns.create),
        (cc.STATUS_VERB, campaigns.status),
        (cc.PAUSE_VERB, campaigns.pause),
        (cc.RESUME_VERB, campaigns.resume),
        (cc.CLOSE_VERB, campaigns.close),
    ):
        router.verb(verb, on_verb, "facilitator")
    for command, handler in (
        (Command.STATUS, facilitation.status),
        (Command.SCENARIO, facilitation.scenario),
        (Command.TREND, facilitation.trend),
        (Command.CHECKIN, facilitation.checkin),
        (Command.AMBASSADORS, registry.command),
        (Command.WAVES, facilitation.waves),
        (Command.LICENCES, licences.licences),
        (Command.COPILOT, licences.copilot),
    ):
        router.command(command, "facilitator", handler)
