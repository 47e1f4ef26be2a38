"""Check-in results never show a group under k, not even by subtraction."""

from __future__ import annotations

from adoption.checkin import shipped_template
from adoption.results import Answered, QuestionResult, sentiment, summarise
from adoption.scopes import Scope

PULSE = shipped_template("pulse")


def _answers(
    department: str | None, n: int, confidence: int = 4, wave: str | None = None
) -> list[Answered]:
    answer = {"confidence": confidence, "blocker": "time"}
    return [Answered(department, answer, wave) for _ in range(n)]


def test_run_below_k_shows_nothing() -> None:
    results = summarise(PULSE, _answers("IT", 4), k=5)
    assert results.overall is None
    assert sentiment(results) is None


def test_department_below_k_is_hidden_and_its_complement_too() -> None:
    results = summarise(PULSE, _answers("IT", 6) + _answers("HR", 2), k=3)
    assert results.overall is not None and results.overall.respondents == 8
    assert results.departments == {}
    assert results.hidden_departments == 2


def test_visible_departments_when_the_hidden_ones_protect_each_other() -> None:
    answers = _answers("IT", 6, 5) + _answers("HR", 2) + _answers("Legal", 2) + _answers(None, 3)
    results = summarise(PULSE, answers, k=3)
    assert set(results.departments) == {"IT"}
    found = sentiment(results, Scope("department", "IT"))
    assert found is not None and found.confidence == 5 and found.top_blocker == "time"


def test_nothing_is_not_a_blocker() -> None:
    answers = [Answered("IT", {"confidence": 3, "blocker": "nothing"}) for _ in range(4)]
    answers.append(Answered("IT", {"confidence": 3, "blocker": "training"}))
    found = sentiment(summarise(PULSE, answers, k=3))
    assert found is not None and found.top_blocker == "training"


def test_a_wave_gets_sentiment_from_its_answers() -> None:
    answers = _answers("IT", 6, 5, "pilot") + _answers("HR", 4, 2, "everyone")
    results = summarise(PULSE, answers, k=3)
    pilot = sentiment(results, Scope("wave", "pilot"))
    assert pilot is not None and pilot.respondents == 6 and pilot.confidence == 5
    everyone = sentiment(results, Scope("wave", "everyone"))
    assert everyone is not None and everyone.confidence == 2


def test_a_small_wave_hides_its_partner_in_the_total() -> None:
    # pilot has k-1 answers: the other wave would give it away by subtraction, so both hide.
    answers = _answers("IT", 2, 5, "pilot") + _answers("HR", 8, 2, "everyone")
    results = summarise(PULSE, answers, k=3)
    assert sentiment(results) is not None
    assert sentiment(results, Scope("wave", "pilot")) is None
    assert sentiment(results, Scope("wave", "everyone")) is None


def _question(results_group: object, question_id: str) -> object:
    return next(q for q in results_group.questions if q.question_id == question_id)  # type: ignore[attr-defined]


def test_an_optional_question_answered_by_fewer_than_k_shows_nothing_of_it() -> None:
    # IT: 6 answer, all rate usefulness; HR: 3 answer, one of them rates usefulness (k = 3).
    answers = [Answered("IT", {"confidence": 4, "usefulness": 2}) for _ in range(6)]
    answers += [Answered("HR", {"confidence": 3}) for _ in range(2)]
    answers.append(Answered("HR", {"confidence": 3, "usefulness": 5}))
    results = summarise(PULSE, answers, k=3)
    hr = results.groups[Scope("department", "HR")]
    it = results.groups[Scope("department", "IT")]
    assert results.overall is not None
    # HR's one usefulness rating is withheld, and so is IT's: the total minus IT would give it.
    assert _question(hr, "usefulness") == QuestionResult("usefulness", 0)
    assert _question(it, "usefulness") == QuestionResult("usefulness", 0)
    overall = _question(results.overall, "usefulness")
    assert overall == QuestionResult("usefulness", 7, average=(6 * 2 + 5) / 7)
    # The question everyone answered is shown per department.
    assert _question(hr, "confidence") == QuestionResult("confidence", 3, average=3.0)
