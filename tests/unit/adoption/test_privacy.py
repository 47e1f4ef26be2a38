"""Minimum group size with complementary suppression: nothing hidden can be derived."""

from __future__ import annotations

from adoption.privacy import Partition, suppressed_groups


def derivable(
    sizes: dict[str, int], relations: list[Partition[str]], hidden: frozenset[str]
) -> set[str]:
    """Hidden groups recoverable as total minus visible parts (one step, any relation)."""
    found: set[str] = set()
    for relation in relations:
        if relation.total in hidden:
            continue
        missing = [p for p in relation.parts if p in hidden and sizes[p] > 0]
        if len(missing) == 1:
            found.add(missing[0])
    return found


def test_group_below_k_is_hidden() -> None:
    sizes = {"T": 30, "A": 4, "B": 10, "C": 16}
    assert "A" in suppressed_groups(sizes, [], 5)


def test_single_hidden_part_hides_the_next_smallest_too() -> None:
    sizes = {"T": 30, "A": 4, "B": 10, "C": 16}
    hidden = suppressed_groups(sizes, [Partition("T", ("A", "B", "C"))], 5)
    assert hidden == {"A", "B"}


def test_two_tiny_hidden_parts_need_k_together() -> None:
    sizes = {"T": 40, "A": 1, "B": 2, "C": 7, "D": 30}
    hidden = suppressed_groups(sizes, [Partition("T", ("A", "B", "C", "D"))], 5)
    assert {"A", "B", "C"} <= hidden
    assert sum(sizes[g] for g in hidden if g != "T") >= 5


def test_hierarchy_protects_every_total() -> None:
    # tenant = waves W1 + W2; W1 = A + B; W2 = C + D; tenant = A + B + C + D
    sizes = {"T": 60, "W1": 24, "W2": 36, "A": 3, "B": 21, "C": 18, "D": 18}
    relations = [
        Partition("T", ("W1", "W2")),
        Partition("T", ("A", "B", "C", "D")),
        Partition("W1", ("A", "B")),
        Partition("W2", ("C", "D")),
    ]
    hidden = suppressed_groups(sizes, relations, 5)
    assert "A" in hidden
    assert not derivable(sizes, relations, hidden)


def test_no_hidden_group_is_derivable_in_random_trees() -> None:
    import random

    rng = random.Random(5)
    for _ in range(200):
        parts = {f"D{i}": rng.randint(1, 12) for i in range(rng.randint(2, 6))}
        waves = {"W1": list(parts)[: len(parts) // 2], "W2": list(parts)[len(parts) // 2 :]}
        sizes = dict(parts)
        for wave, members in waves.items():
            sizes[wave] = sum(parts[m] for m in members)
        sizes["T"] = sum(parts.values())
        relations = [Partition("T", tuple(parts)), Partition("T", ("W1", "W2"))]
        relations += [Partition(w, tuple(m)) for w, m in waves.items() if m]
        hidden = suppressed_groups(sizes, relations, 5)
        assert all(g in hidden for g, n in sizes.items() if n < 5)
        assert not derivable(sizes, relations, hidden)
        for relation in relations:
            if relation.total not in hidden:
                secret = [p for p in relation.parts if p in hidden]
                assert (
                    not secret
                    or sum(sizes[p] for p in secret) >= 5
                    or all(q in hidden for q in relation.parts)
                )
