"""Check-in results never show a group under k, not even by subtraction."""

from __future__ import annotations

from adoption.checkin import shipped_template
from adoption.results import Answered, sentiment, summarise

PULSE = shipped_template("pulse")


def _answers(department: str | None, n: int, confidence: int = 4) -> list[Answered]:
    return [Answered(department, {"confidence": confidence, "blocker": "time"}) for _ in range(n)]


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
    found = sentiment(results, "IT")
    assert found is not None and found.confidence == 5 and found.top_blocker == "time"


def test_nothing_is_not_a_blocker() -> None:
    answers = [Answered("IT", {"confidence": 3, "blocker": "nothing"}) for _ in range(4)]
    answers.append(Answered("IT", {"confidence": 3, "blocker": "training"}))
    found = sentiment(summarise(PULSE, answers, k=3))
    assert found is not None and found.top_blocker == "training"
