"""Check-in results for facilitators: averages, choice counts and texts, never below k.

A run's results are shown only when at least k people answered. Per department and per wave,
the rule of adoption.privacy applies over the same relations as usage funnels (the run's
total is the sum of its departments and of its waves; a wave the sum of its departments):
groups under k are hidden, and so many more that a hidden one cannot be found by subtracting
the visible ones from a total. Answers without a department or wave count in the totals but
are never shown as a group of their own. Free texts appear only when the (whole) run reaches
k, scrubbed of names, e-mails and phone numbers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from adoption.checkin import QuestionKind, Template
from adoption.scopes import TENANT, Scope, leaf, suppressed_scopes
from adoption.scrub import scrub

MAX_TEXTS: Final = 5
# A blocker answer that says nothing blocks: never "the most named blocker".
NOT_A_BLOCKER: Final = frozenset({"nothing"})


@dataclass(frozen=True, slots=True)
class QuestionResult:
    """One question's outcome: `average` for ratings, `counts` for choices, `texts` for text."""

    question_id: str
    answered: int
    average: float | None = None
    counts: tuple[tuple[str, int], ...] = ()
    texts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class GroupResult:
    """The results of one group (the whole run or one department)."""

    respondents: int
    questions: tuple[QuestionResult, ...]

    def question(self, question_id: str) -> QuestionResult | None:
        return next((q for q in self.questions if q.question_id == question_id), None)


@dataclass(frozen=True, slots=True)
class RunResults:
    """`overall` is None when fewer than k answered; `groups` holds the departments and waves
    that may be shown; `hidden_departments` counts the departments with answers not shown."""

    respondents: int
    k: int
    overall: GroupResult | None
    groups: Mapping[Scope, GroupResult]
    hidden_departments: int

    def for_scope(self, scope: Scope = TENANT) -> GroupResult | None:
        """The results of one department or wave (TENANT: the whole run), when shown."""
        if scope == TENANT:
            return self.overall
        return self.groups.get(scope)

    @property
    def departments(self) -> dict[str, GroupResult]:
        return {s.key: g for s, g in self.groups.items() if s.kind == "department"}


@dataclass(frozen=True, slots=True)
class Answered:
    """One stored response: its department and answers as JSON."""

    department: str | None
    answers: Mapping[str, object]
    wave: str | None = None


def _group(
    template: Template,
    rows: Sequence[Answered],
    *,
    with_texts: bool,
    known_names: frozenset[str],
    withheld: frozenset[str] = frozenset(),
) -> GroupResult:
    results: list[QuestionResult] = []
    for question in template.questions:
        if question.id in withheld:
            # Too few answered this (optional) question here: nothing of it is shown.
            results.append(QuestionResult(question.id, 0))
            continue
        values = [r.answers.get(question.id) for r in rows if question.id in r.answers]
        if question.kind is QuestionKind.RATING:
            ratings = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
            average = sum(ratings) / len(ratings) if ratings else None
            results.append(QuestionResult(question.id, len(ratings), average=average))
        elif question.kind in (QuestionKind.SINGLE, QuestionKind.MULTI):
            counter: Counter[str] = Counter()
            for value in values:
                chosen = value if isinstance(value, list) else [value]
                counter.update(c for c in chosen if isinstance(c, str) and question.option(c))
            ordered = tuple(sorted(counter.items(), key=lambda item: (-item[1], item[0])))
            results.append(QuestionResult(question.id, len(values), counts=ordered))
        else:
            texts = [v for v in values if isinstance(v, str) and v.strip()]
            shown = tuple(scrub(v, known_names) for v in texts[:MAX_TEXTS]) if with_texts else ()
            results.append(QuestionResult(question.id, len(texts), texts=shown))
    return GroupResult(len(rows), tuple(results))


def summarise(
    template: Template,
    responses: Iterable[Answered],
    k: int,
    known_names: frozenset[str] = frozenset(),
) -> RunResults:
    """Aggregate a run's responses with the minimum group size `k` (see module docstring)."""
    rows = list(responses)
    members: dict[Scope, list[Answered]] = {}
    cells: Counter[tuple[str, str]] = Counter()
    for row in rows:
        department, wave = cell = leaf(row.department, row.wave)
        cells[cell] += 1
        members.setdefault(Scope("department", department), []).append(row)
        members.setdefault(Scope("wave", wave), []).append(row)
    hidden = suppressed_scopes(cells, k)
    departments = [s for s in members if s.kind == "department" and s.shown]
    if len(rows) < k or TENANT in hidden:
        return RunResults(len(rows), k, None, {}, len(departments))
    # An optional question answered by fewer people than the group holds is a smaller group
    # of its own: suppressed by the same rule, per question.
    answered_cells: dict[str, Counter[tuple[str, str]]] = {}
    for row in rows:
        for question_id in row.answers:
            answered_cells.setdefault(question_id, Counter())[leaf(row.department, row.wave)] += 1
    hidden_by_question = {
        question.id: suppressed_scopes(answered_cells.get(question.id, Counter()), k)
        for question in template.questions
    }

    def withheld(scope: Scope) -> frozenset[str]:
        return frozenset(q for q, scopes in hidden_by_question.items() if scope in scopes)

    overall = _group(
        template, rows, with_texts=True, known_names=known_names, withheld=withheld(TENANT)
    )
    visible = {
        scope: _group(
            template, group, with_texts=False, known_names=known_names, withheld=withheld(scope)
        )
        for scope, group in sorted(members.items())
        if scope not in hidden and scope.shown
    }
    hidden_count = sum(1 for s in departments if s not in visible)
    return RunResults(len(rows), k, overall, visible, hidden_count)


@dataclass(frozen=True, slots=True)
class Sentiment:
    """What a status card shows next to the funnel, from the latest pulse."""

    respondents: int
    confidence: float | None
    top_blocker: str | None


def sentiment(results: RunResults, scope: Scope = TENANT) -> Sentiment | None:
    """Average confidence and the most named blocker of a group; None when hidden."""
    group = results.for_scope(scope)
    if group is None:
        return None
    confidence = group.question("confidence")
    blocker = group.question("blocker")
    top = None
    if blocker is not None:
        named = [(option, n) for option, n in blocker.counts if option not in NOT_A_BLOCKER]
        top = named[0][0] if named else None
    return Sentiment(group.respondents, confidence.average if confidence is not None else None, top)
