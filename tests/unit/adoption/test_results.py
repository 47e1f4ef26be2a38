"""Check-in results never show a group under k, not even by subtraction."""

from __future__ import annotations

from adoption.checkin import shipped_template
from adoption.results import Answered, sentiment, summarise
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
