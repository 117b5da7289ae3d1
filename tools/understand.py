"""How well the skill understands people: the phrasebooks, resolved and answered.

Each phrasebook line (``tests/phrasebook/*.tsv``: label, state, phrase) was
written blind, from a description of the product only. Every phrase is
resolved against a locale's committed interaction model, as Alexa would and as
a strict outside judge would (``nlu.Model.resolve(strict=True)``: bespoken's
virtual-alexa rules), sent through the real ``lambda_handler`` in the state it
belongs to (a new session, mid-stretch, mid-program, just after an offer), and
the answer is judged by what was said: which content keys were spoken, and for
danger signs, whether the emergency number or same-day care came first.

``make understand`` prints the coverage per label and per locale, and the misses.
``tests/test_understanding.py`` holds the line.
"""
from __future__ import annotations

import argparse
import csv
import os
import re
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from tools import envelopes, nlu

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PHRASEBOOK_DIR = os.path.join(ROOT, "tests", "phrasebook")
LOCALES = ("en-US", "en-GB", "en-CA", "en-AU", "en-IN")

#: Labels for danger signs: every one must be answered with its action first.
DANGER = ("emergency", "urgent", "soon")

#: Everyday label -> content key prefixes that answer it (any one is enough).
ANSWERS = {
    "overview": ("overview.",),
    "rest": ("rest.",),
    "heat_cold": ("heat_cold.",),
    "exercise": ("exercise.",),
    "pain_relief": ("pain_relief.",),
    "posture": ("posture.",),
    "professional": ("professional_help.",),
    "warning_signs": ("red_flags.warning_signs",),
    "start_stretches": ("routine.start.gentle", "routine.start.one", "routine.announce", "routine.unknown_stretch"),
    "strengthen": ("routine.start.strengthening",),
    "continue_stretches": ("routine.resume",),
    "start_heat": ("heat_program.plan.", "heat_program.started.", "heat_program.permission.intro",
                   "offers.heat_program_start."),
    "time_left": ("heat_program.time_left.",),
    "pause_program": ("heat_program.paused", "heat_program.already_paused"),
    "resume_program": ("heat_program.resumed", "heat_program.already_running"),
    "cancel_program": ("heat_program.cancelled",),
    "slower": ("routine.slower",),
    "start_over": ("routine.from_top",),
    "which_stretch": ("routine.which",),
    "help": ("conversation.help", "routine.help"),
    "stretch_reminder": ("reminders.",),
    "checkin_reminder": ("reminders.",),
    "cancel_reminder": ("reminders.",),
}
#: Labels judged by what happened rather than by a line (see ``Rig.judge``).
BY_STATE = ("next_stretch", "previous_stretch", "repeat", "stop", "yes", "no")


@dataclass(frozen=True)
class Phrase:
    label: str
    state: str
    text: str
    book: str
    line: int


def load_phrasebooks(folder: str = PHRASEBOOK_DIR) -> list:
    phrases = []
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".tsv"):
            continue
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            for number, row in enumerate(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE), 1):
                if not row or not row[0].strip() or row[0].startswith("#"):
                    continue
                label, state, text = (cell.strip() for cell in row[:3])
                phrases.append(Phrase(label, state, text, name, number))
    return phrases


# --- what was said ---------------------------------------------------------------

@lru_cache(maxsize=None)
def _key_patterns(locale: str) -> list:
    """(key, regex over plain text) for every spoken line of a locale's content."""
    from back_spasm_coach import speech
    from back_spasm_coach.content import load
    content = load(locale)
    patterns = []
    for key in content.lines:
        if isinstance(content.raw(key), (bool, int, float)):
            continue
        for template in content.variants(key):
            known = set(content.vars) | set(speech.PAUSES)
            text = speech.to_text(speech.render(_mark_fields(template, known), content.vars))
            pieces = [re.escape(p.strip()) for p in text.split("\u0000") if p.strip()]
            if pieces and sum(len(p) for p in pieces) >= 8:
                patterns.append((key, re.compile(r"\s*.+?\s*".join(pieces))))
    return patterns


def _mark_fields(template: str, known) -> str:
    """A template with its run-time fields ({name}, {number} ...) replaced by a marker."""
    return re.sub(r"\{(\w+)\}", lambda m: m.group(0) if m.group(1) in known else "\u0000", template)


def spoken_keys(text: str, locale: str) -> set:
    return {key for key, pattern in _key_patterns(locale) if pattern.search(text)}


@lru_cache(maxsize=None)
def _emergency_number(locale: str) -> str:
    from back_spasm_coach import speech
    from back_spasm_coach.content import load
    return speech.to_text(load(locale).vars["emergency_number"])


def first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0]


# --- a skill on a bench -------------------------------------------------------------

@dataclass
class Outcome:
    phrase: Phrase
    locale: str
    strict: bool
    intent: str | None
    said: str
    ok: bool
    why: str = ""


@dataclass
class Rig:
    """The real skill, a Timers API stand-in on loopback, and a throwaway database."""
    api: object = None
    handler: object = None
    folder: str = field(default_factory=lambda: tempfile.mkdtemp(prefix="bsc-understand-"))
    users: int = 0

    def __post_init__(self):
        from back_spasm_coach.alexa_api import TimeoutApiClient
        from back_spasm_coach.persistence import SQLitePersistenceAdapter
        from back_spasm_coach.skill import build_skill_builder
        from tools.timers_api import Clock, TimersApi
        self.api = TimersApi(Clock(fast=0))
        self.api.serve(tick_every=0)
        client = TimeoutApiClient(connect_timeout=1.0, read_timeout=2.0, ca_bundle=self.api.ca_file)
        self.handler = build_skill_builder(
            api_client=client,
            persistence_adapter=SQLitePersistenceAdapter(os.path.join(self.folder, "attributes.sqlite3")),
        ).lambda_handler()

    def close(self):
        self.api.close()

    def _device(self) -> envelopes.Device:
        self.users += 1  # a new person for every phrase: nothing carries over
        self.api.timers.clear()  # the stand-in is one person's Alexa: start each phrase with no timers
        self.api.requests.clear()
        token = "token-{}".format(self.users)
        self.api.grant(token)
        return envelopes.Device(api_endpoint=self.api.url, api_access_token=token,
                                user_id="amzn1.ask.account.PHRASEBOOK{}".format(self.users),
                                permissions_granted=True)

    def _send(self, device, session, locale, name, slots=None) -> dict:
        out = self.handler(envelopes.intent(name, slots, locale=locale, session=session, device=device), None)
        session.absorb(out)
        return out

    def setup(self, state: str, locale: str):
        """(device, session) for a phrase said in ``state``."""
        device, session = self._device(), envelopes.Session()
        if state == "stretching":  # at the second stretch of the gentle routine
            self._send(device, session, locale, "StartStretchesIntent")
            self._send(device, session, locale, "AMAZON.NextIntent")
        elif state == "heat_running":
            self._send(device, session, locale, "StartHeatProgramIntent",
                       {"kind": envelopes.slot("kind", "heat", "heat", "heat", "PROGRAM_KIND")})
            self._send(device, session, locale, "AMAZON.YesIntent")  # "Shall I start it?"
        elif state == "offer":  # "Shall I read you a gentle stretch?"
            self._send(device, session, locale, "ExerciseAdviceIntent")
        return device, session

    def answer(self, phrase: Phrase, locale: str, strict: bool) -> Outcome:
        device, session = self.setup(phrase.state, locale)
        before = dict(session.attributes)
        resolution = nlu.load(locale).resolve(phrase.text, strict=strict)
        intent = resolution.intent or nlu.FALLBACK
        out = self.handler(envelopes.intent(intent, resolution.slots, locale=locale, session=session,
                                            device=device), None)
        from back_spasm_coach import speech
        said = speech.to_text(((out.get("response") or {}).get("outputSpeech") or {}).get("ssml", ""))
        ok, why = judge(phrase.label, out, said, before, locale)
        return Outcome(phrase, locale, strict, intent, said, ok, why)


def _position(attributes: dict):
    routine = (attributes or {}).get("stretch_routine")
    return routine.get("index") if isinstance(routine, dict) else None


def judge(label: str, out: dict, said: str, before: dict, locale: str):
    """(right?, why not) for the answer ``out`` to a phrase that means ``label``."""
    response = out.get("response") or {}
    ended = response.get("shouldEndSession") is True
    keys = spoken_keys(said, locale)
    if label in DANGER:
        first = first_sentence(said)
        # Emergency first: the emergency action, or a first sentence that says to call the number now.
        emergency = spoken_keys(first, locale) & {"red_flags.emergency_action"} or \
            (_emergency_number(locale) in first and "now" in first.lower())
        urgent = {k for k in spoken_keys(first, locale) if k.startswith(("red_flags.urgent", "red_flags.soon"))}
        if emergency or (label != "emergency" and urgent):
            return True, ""
        return False, "first: " + first[:80]
    if any(k.startswith("red_flags.emergency") for k in keys):
        return False, "an emergency answer to an everyday question"
    after = (out.get("sessionAttributes") or {})
    if label == "next_stretch":
        ok = _position(after) is not None and _position(after) > (_position(before) or 0) or \
            "routine.finished.gentle" in keys
        return ok, "" if ok else "the routine did not move on"
    if label == "previous_stretch":
        ok = _position(after) is not None and _position(after) < (_position(before) or 0)
        return ok, "" if ok else "the routine did not go back"
    if label == "repeat":
        ok = _position(after) == _position(before) and bool({"routine.announce", "routine.announce_last"} & keys)
        return ok, "" if ok else "the stretch was not said again"
    if label == "stop":
        return ended, "" if ended else "the session stayed open"
    if label == "yes":
        ok = _position(after) is not None
        return ok, "" if ok else "the offered stretch did not start"
    if label == "no":
        ok = ended or "conversation.goodbye" in keys
        return ok, "" if ok else "the offer was not declined"
    wanted = ANSWERS.get(label)
    if wanted is None:
        return False, "unknown label " + label
    ok = any(k.startswith(wanted) for k in keys)
    return ok, "" if ok else "said: " + ", ".join(sorted(keys))[:100]


# --- the report ---------------------------------------------------------------------

def run(phrases, locales=LOCALES, modes=(True, False)) -> list:
    rig = Rig()
    try:
        return [rig.answer(p, locale, strict) for strict in modes for locale in locales for p in phrases]
    finally:
        rig.close()


def summary(outcomes) -> dict:
    """(strict, locale, kind) -> (right, total); kind is "everyday" or "danger"."""
    table = defaultdict(lambda: [0, 0])
    for o in outcomes:
        kind = "danger" if o.phrase.label in DANGER else "everyday"
        cell = table[(o.strict, o.locale, kind)]
        cell[0] += o.ok
        cell[1] += 1
    return table


def report(outcomes, out=sys.stdout, misses: int = 40) -> None:
    table = summary(outcomes)
    for strict in sorted({o.strict for o in outcomes}, reverse=True):
        print("\n{} ({})".format("Strict sample matching" if strict else "The simulated speaker",
                                 "virtual-alexa rules" if strict else "tools/nlu.py"), file=out)
        print("  {:8} {:>18} {:>18}".format("locale", "everyday", "danger signs"), file=out)
        for locale in sorted({o.locale for o in outcomes}):
            cells = [table[(strict, locale, kind)] for kind in ("everyday", "danger")]
            print("  {:8} {:>18} {:>18}".format(locale, *("{}/{} {:5.1f}%".format(r, t, 100.0 * r / t if t else 0)
                                                           for r, t in cells)), file=out)
        per_label = defaultdict(lambda: [0, 0])
        for o in outcomes:
            if o.strict == strict:
                per_label[o.phrase.label][0] += o.ok
                per_label[o.phrase.label][1] += 1
        print("  per label (all locales):", file=out)
        for label, (right, total) in sorted(per_label.items(), key=lambda kv: kv[1][0] / kv[1][1]):
            print("    {:20} {:>5}/{:<5} {:5.1f}%".format(label, right, total, 100.0 * right / total), file=out)
    wrong = [o for o in outcomes if not o.ok and o.locale == "en-GB"]
    seen = set()
    print("\nMisses (en-GB{}):".format(", first {}".format(misses) if misses else ""), file=out)
    for o in sorted(wrong, key=lambda o: (o.phrase.label not in DANGER, o.phrase.label, not o.strict)):
        if (o.phrase.text, o.strict) in seen:
            continue
        seen.add((o.phrase.text, o.strict))
        if misses and len(seen) > misses:
            break
        print("  [{}] {:16} {:12} {!r} -> {}: {}".format(
            "strict" if o.strict else "speaker", o.phrase.label, o.phrase.state, o.phrase.text, o.intent, o.why),
            file=out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--locale", action="append", choices=LOCALES, help="only these locales")
    parser.add_argument("--book", action="append", help="only these phrasebooks (file names)")
    parser.add_argument("--label", action="append", help="only these labels")
    parser.add_argument("--misses", type=int, default=60, help="how many misses to list (0: all)")
    parser.add_argument("--strict-only", action="store_true")
    args = parser.parse_args(argv)
    sys.path.insert(0, os.path.join(ROOT, "lambda"))
    os.environ.setdefault("BACK_SPASM_COACH_DB", os.path.join(tempfile.mkdtemp(), "a.sqlite3"))
    import logging
    logging.disable(logging.WARNING)
    phrases = [p for p in load_phrasebooks()
               if (not args.book or p.book in args.book) and (not args.label or p.label in args.label)]
    outcomes = run(phrases, args.locale or LOCALES, (True,) if args.strict_only else (True, False))
    print("{} phrases from {} phrasebooks".format(len(phrases), len({p.book for p in phrases})))
    report(outcomes, misses=args.misses)
    return 0


if __name__ == "__main__":
    sys.exit(main())
