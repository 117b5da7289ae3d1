"""How long the skill talks: words in the launch, each main answer, and the reprompts, per locale.

Real envelopes through the real ``lambda_handler``, each request sent many times so
every phrasing is heard; a cell is "fewest-most" words (one number when all agree).
The limits the tests hold the skill to are printed beside each row.

    python -m tools.word_counts            # a Markdown table
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "lambda"))
os.environ.setdefault("BACK_SPASM_COACH_DB", os.path.join(tempfile.mkdtemp(prefix="bsc-words-"), "a.sqlite3"))

from back_spasm_coach import speech  # noqa: E402
from back_spasm_coach.content import SUPPORTED_LOCALES  # noqa: E402
from lambda_function import lambda_handler  # noqa: E402
from tools import envelopes  # noqa: E402

#: What is measured: row name -> (intent, or None for a launch; the limit the tests hold it to).
ROWS = {
    "launch": (None, 30),
    "overview": ("OverviewIntent", 50),
    "rest": ("RestIntent", 50),
    "heat and cold": ("HeatColdIntent", 50),
    "stretching": ("ExerciseAdviceIntent", 50),
    "pain relief": ("PainReliefIntent", 50),
    "posture": ("PostureIntent", 50),
    "professional help": ("ProfessionalHelpIntent", 50),
}
REPROMPT_LIMIT = 20


def words(ssml: str) -> int:
    return len(speech.to_text(ssml).split())


def _heard(intent, locale, tries):
    """(speech word counts, reprompt word counts) over ``tries`` requests."""
    said, reprompted = set(), set()
    for n in range(tries):
        random.seed(n)
        session = envelopes.Session()
        if intent is None:
            event = envelopes.launch(locale, session)
        else:
            event = envelopes.intent(intent, locale=locale, session=session)
        response = lambda_handler(event, None)["response"]
        said.add(words(response["outputSpeech"]["ssml"]))
        reprompt = ((response.get("reprompt") or {}).get("outputSpeech") or {}).get("ssml")
        if reprompt:
            reprompted.add(words(reprompt))
    return said, reprompted


def _span(counts) -> str:
    if not counts:
        return "-"
    low, high = min(counts), max(counts)
    return str(low) if low == high else "{}-{}".format(low, high)


def table(tries: int = 24) -> str:
    header = "| words | limit | " + " | ".join(SUPPORTED_LOCALES) + " |"
    lines = [header, "|" + "---|" * (len(SUPPORTED_LOCALES) + 2)]
    reprompts = {locale: set() for locale in SUPPORTED_LOCALES}
    for row, (intent, limit) in ROWS.items():
        cells = []
        for locale in SUPPORTED_LOCALES:
            said, reprompted = _heard(intent, locale, tries)
            reprompts[locale] |= reprompted
            cells.append(_span(said))
        lines.append("| {} | {} | {} |".format(row, limit, " | ".join(cells)))
    lines.append("| reprompts of these | {} | {} |".format(
        REPROMPT_LIMIT, " | ".join(_span(reprompts[locale]) for locale in SUPPORTED_LOCALES)))
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=24, help="requests per cell (phrasings are random)")
    args = parser.parse_args(argv)
    import logging
    logging.disable(logging.INFO)
    print(table(args.tries))
    return 0


if __name__ == "__main__":
    sys.exit(main())
