"""Print every gallery card as JSON (for scripts/render-cards.mjs): [{name, locale, card}]."""

from __future__ import annotations

import json
import sys

from cards.gallery import samples


def main() -> None:
    payload = [{"name": s.name, "locale": s.locale, "card": s.card} for s in samples()]
    json.dump(payload, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
