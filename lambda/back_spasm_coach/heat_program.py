"""The hands-free heat and cold program: a plan of phases run as Alexa timers.

Pure logic, no Flask or Lambda: it reads what the person asked for, makes a
plan (heat, cold, or alternating; lengths kept within safe bounds; the whole
program within the Timers API's two hours and ten timers), turns the plan
into ``TimerRequest`` bodies (one ANNOUNCE timer per phase, all created up
front, each ending at its phase boundary), and reads the running timers back
into "how much is left, and what comes next".

Calls to the Timers API go through the service client the handler passes in
(``TimerManagementServiceClient``); failures come back as ``ProgramError``
with a ``reason`` the handler turns into words (content ``heat_program.errors.*``).
Nothing here speaks: lines come from content, addressed by key.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field, replace
from functools import partial
from typing import List, Optional

from ask_sdk_model.services import ServiceException
from ask_sdk_model.services.timer_management import (
    AnnounceOperation, CreationBehavior, DisplayExperience, NotificationConfig, TextToAnnounce,
    TimerRequest, TriggeringBehavior, Visibility)

from . import alexa_api, speech

log = logging.getLogger(__name__)

KINDS = ("heat", "cold", "alternate")
DEFAULT_SECONDS = 15 * 60
MIN_SECONDS = 5 * 60
MAX_SECONDS = 20 * 60
MAX_PROGRAM_SECONDS = 2 * 60 * 60   # Timers API: no timer ends more than two hours after creation
MAX_TIMERS = 10                     # Timers API: ten at a time, the person's own included
DEFAULT_ROUNDS = {"heat": 1, "cold": 1, "alternate": 2}
#: Time allowed for creating a whole program (or any other step), and then for cleaning up
#: after a failure: together at most 3 seconds, well inside Alexa's 8-second reply budget,
#: even when the API hangs (each call also has the client's own connect and read time-outs).
CREATE_BUDGET = 2.4
CLEANUP_BUDGET = 0.6

# Attribute names (persistent attributes hold preferences and timer ids, never health).
PROGRAM = "heat_program"                # the running program: phases with their timer ids
LENGTHS = "heat_program_lengths"        # the person's chosen length per kind, in seconds
PENDING = "heat_program_pending"        # the plan waiting for the timers permission

TOKEN_PREFIX = "heat_program:"


# ------------------------------------------------------------------ reading the request
_DURATION = re.compile(r"^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?"
                       r"(?:(\d+(?:\.\d+)?)S)?)?$")


def parse_duration(text) -> Optional[int]:
    """Seconds in a spoken ISO-8601 duration from AMAZON.DURATION ("PT20M"); None when unusable."""
    if not isinstance(text, str):
        return None
    text = text.strip().upper()
    match = _DURATION.match(text)
    if not match or text in ("P", "PT") or text.endswith("T"):
        return None
    days, hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    total = int(round(days * 86400 + hours * 3600 + minutes * 60 + seconds))
    return total if total > 0 else None


def iso_duration(seconds: float) -> str:
    """Whole seconds as an ISO-8601 duration: 900 -> "PT15M", 570 -> "PT9M30S"."""
    seconds = max(1, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return "PT" + "".join("{}{}".format(n, unit) for n, unit in
                          ((hours, "H"), (minutes, "M"), (secs, "S")) if n)


def parse_kind(resolved_id: Optional[str], spoken: Optional[str]) -> Optional[str]:
    """heat | cold | alternate from the slot's resolution, else from the words heard."""
    if resolved_id in KINDS:
        return resolved_id
    words = (spoken or "").lower()
    if not words:
        return None
    hot = any(w in words for w in ("heat", "hot", "warm"))
    cold = any(w in words for w in ("cold", "ice", "icy", "frozen", "cool"))
    if "alternat" in words or (hot and cold):
        return "alternate"
    if cold:
        return "cold"
    if hot:
        return "heat"
    return None


def parse_rounds(value) -> Optional[int]:
    try:
        rounds = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return rounds if rounds > 0 else None


# ------------------------------------------------------------------ the plan
@dataclass
class Note:
    """One line of explanation for a change the plan made to what was asked."""
    key: str
    values: dict = field(default_factory=dict)


@dataclass
class Phase:
    kind: str       # heat | cold | rest
    seconds: int


@dataclass
class Plan:
    kind: str
    seconds: int
    rounds: int
    chosen: bool = False                  # the person said a length (remember it)
    notes: List[Note] = field(default_factory=list)

    def phases(self) -> List[Phase]:
        return phases_for(self.kind, self.seconds, self.rounds)

    def total_seconds(self) -> int:
        return sum(p.seconds for p in self.phases())

    def to_dict(self) -> dict:
        return {"kind": self.kind, "seconds": self.seconds, "rounds": self.rounds,
                "chosen": self.chosen}

    @classmethod
    def from_dict(cls, data) -> Optional["Plan"]:
        """A plan stored earlier (session, persistent attributes or a token); None when unusable."""
        if not isinstance(data, dict) or data.get("kind") not in KINDS:
            return None
        try:
            seconds, rounds = int(data["seconds"]), int(data["rounds"])
        except (KeyError, TypeError, ValueError):
            return None
        seconds = min(max(seconds, MIN_SECONDS), MAX_SECONDS)
        rounds = min(max(rounds, 1), max_rounds(data["kind"], seconds))
        return cls(data["kind"], seconds, rounds, bool(data.get("chosen")))

    def token(self) -> str:
        """The plan in a Connections token, so it comes back with Alexa's answer."""
        return "{}{}:{}:{}:{}".format(TOKEN_PREFIX, self.kind, self.seconds, self.rounds,
                                      int(self.chosen))

    @classmethod
    def from_token(cls, token) -> Optional["Plan"]:
        if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX):
            return None
        parts = token[len(TOKEN_PREFIX):].split(":")
        if len(parts) != 4:
            return None
        return cls.from_dict({"kind": parts[0], "seconds": parts[1], "rounds": parts[2],
                              "chosen": parts[3] == "1"})


def phases_for(kind: str, seconds: int, rounds: int) -> List[Phase]:
    """Alternate: heat then cold, per round. Heat or cold alone: sessions with equal rests between."""
    if kind == "alternate":
        return [Phase(k, seconds) for _ in range(rounds) for k in ("heat", "cold")]
    phases = []
    for n in range(rounds):
        if n:
            phases.append(Phase("rest", seconds))
        phases.append(Phase(kind, seconds))
    return phases


def max_rounds(kind: str, seconds: int) -> int:
    """The most rounds that fit in two hours and ten timers."""
    rounds = 1
    while True:
        phases = phases_for(kind, seconds, rounds + 1)
        if len(phases) > MAX_TIMERS or sum(p.seconds for p in phases) > MAX_PROGRAM_SECONDS:
            return rounds
        rounds += 1


def clamp_length(seconds: Optional[int]):
    """(seconds, note) with a length kept between five and twenty minutes."""
    if seconds > MAX_SECONDS:
        return MAX_SECONDS, Note("heat_program.notes.capped", {"asked": speech.spoken_duration(seconds)})
    if seconds < MIN_SECONDS:
        return MIN_SECONDS, Note("heat_program.notes.raised", {"asked": speech.spoken_duration(seconds)})
    return seconds, None


def make_plan(kind: Optional[str], length_value=None, rounds=None,
              remembered: Optional[dict] = None) -> Plan:
    """The plan for what was asked: kind, a spoken length (ISO-8601) and a number of rounds."""
    kind = kind if kind in KINDS else "heat"  # heat has the best evidence: the default
    notes: List[Note] = []
    chosen = False
    seconds = None
    if length_value not in (None, "", "?"):
        seconds = parse_duration(length_value)
        if seconds is None:
            notes.append(Note("heat_program.notes.unclear_length"))
        else:
            chosen = True
    if seconds is None:
        stored = (remembered or {}).get(kind)
        seconds = stored if isinstance(stored, int) and MIN_SECONDS <= stored <= MAX_SECONDS \
            else DEFAULT_SECONDS
    seconds, note = clamp_length(seconds)
    if note:
        notes.append(note)
    wanted = parse_rounds(rounds) or DEFAULT_ROUNDS[kind]
    most = max_rounds(kind, seconds)
    if wanted > most:
        notes.append(Note("heat_program.notes.rounds_capped", {"rounds": speech.number_words(most)}))
        wanted = most
    return Plan(kind, seconds, wanted, chosen, notes)


def fit_to_free_timers(phases: List[Phase], free: int):
    """(phases, note): the program cut to the timers left free; never ending on a rest."""
    if len(phases) <= free:
        return phases, None
    kept = phases[:max(free, 0)]
    while kept and kept[-1].kind == "rest":
        kept.pop()
    return kept, Note("heat_program.notes.trimmed", {"count": speech.number_words(len(kept))})


# ------------------------------------------------------------------ words for a plan
def plan_values(plan: Plan) -> dict:
    phases = plan.phases()
    return {"length": speech.spoken_duration(plan.seconds),
            "rounds": speech.number_words(plan.rounds),
            "sessions": speech.number_words(sum(1 for p in phases if p.kind != "rest")),
            "total": speech.spoken_duration(sum(p.seconds for p in phases))}


def plan_key(plan: Plan) -> str:
    return "heat_program.plan.{}_{}".format(plan.kind, "once" if plan.rounds == 1 else "rounds")


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def announcement(content, phases: List[Phase], index: int) -> str:
    """Plain text Alexa announces when phase ``index`` ends (the last one ends with the advice)."""
    phase = phases[index]
    done = speech.spoken_duration(phase.seconds)
    if index + 1 < len(phases):
        following = phases[index + 1]
        return content.text("heat_program.switch.{}_to_{}".format(phase.kind, following.kind),
                            Done=_cap(done), done=done,
                            next=speech.spoken_duration(following.seconds))
    return " ".join([content.text("heat_program.finish." + phase.kind, Done=_cap(done), done=done),
                     content.text("heat_program.final")])


def labels(content, phases: List[Phase], taken=()) -> List[str]:
    """A unique, readable label per timer ("Heat 1 of 4"), avoiding labels already in use."""
    taken = set(t for t in taken if t)
    out = []
    for number, phase in enumerate(phases, 1):
        base = content.text("heat_program.label", Kind=_cap(content.text("heat_program.kind_names."
                                                                          + phase.kind)),
                            number=number, total=len(phases))
        label, n = base, 1
        while label in taken:
            n += 1
            label = "{} ({})".format(base, n)
        taken.add(label)
        out.append(label)
    return out


def timer_request(seconds: float, label: str, text: str, locale: str) -> TimerRequest:
    """One ANNOUNCE timer: shown on screen when created, with a chime, then the text."""
    return TimerRequest(
        duration=iso_duration(seconds),
        timer_label=label,
        creation_behavior=CreationBehavior(
            display_experience=DisplayExperience(visibility=Visibility.VISIBLE)),
        triggering_behavior=TriggeringBehavior(
            operation=AnnounceOperation(text_to_announce=[TextToAnnounce(locale=locale, text=text)]),
            notification_config=NotificationConfig(play_audible=True)))


# ------------------------------------------------------------------ API failures
class ProgramError(Exception):
    """A Timers API call failed; ``reason`` picks the words, the rest goes to the log."""

    def __init__(self, reason: str, status: Optional[int] = None, detail: str = "",
                 created: int = 0, cleaned: bool = True, left: Optional[dict] = None):
        super().__init__("{} (status {}): {}".format(reason, status, detail))
        self.reason = reason
        self.status = status
        self.detail = detail
        self.created = created        # timers created before the failure
        self.cleaned = cleaned        # and whether they were all cancelled again
        self.left = left              # the part of a program left running (cleaned is False)


def _error_code(body) -> str:
    code = getattr(body, "code", None)
    if code is None and isinstance(body, str):
        match = re.search(r'"code"\s*:\s*"([^"]+)"', body)
        code = match.group(1) if match else None
    return str(code or "")


def classify(exc: ServiceException) -> str:
    """What a failed call means for the person."""
    if alexa_api.is_timeout(exc):
        return "timeout"
    status = getattr(exc, "status_code", None)
    body = getattr(exc, "body", None)
    if status == 401:
        return "permission"
    if status == 400:
        text = (_error_code(body) + " " + str(getattr(body, "message", body) or "")).lower()
        return "too_many" if ("max" in text or "limit" in text or "ten" in text) else "bad_request"
    return {403: "forbidden", 404: "not_found", 429: "busy"}.get(status, "unavailable")


def program_error(exc: ServiceException, **kwargs) -> ProgramError:
    body = getattr(exc, "body", None)
    detail = "{} {}".format(_error_code(body), getattr(body, "message", body) or exc)
    error = ProgramError(classify(exc), getattr(exc, "status_code", None), detail.strip(), **kwargs)
    log.warning("Timers API failed: %s", error)
    return error


# ------------------------------------------------------------------ running a program
def _status(timer) -> str:
    status = getattr(timer, "status", None)
    return str(getattr(status, "value", status) or "")


def program_timer_ids(program) -> List[str]:
    if not isinstance(program, dict):
        return []
    return [p.get("timer_id") for p in program.get("phases", []) if isinstance(p, dict)
            and p.get("timer_id")]


def start(service, plan: Plan, content, locale: str, previous: Optional[dict] = None):
    """Create the program's timers; returns (program, notes). Raises ProgramError.

    Two round trips: the person's timers are listed (they count towards the ten; a
    previous program of ours is replaced, its timers cancelled all at once), then every
    timer of the program is created at once, each ending at its phase boundary. All
    within CREATE_BUDGET; when any call fails, or the budget runs out, whatever was
    made is cancelled again.
    """
    made: List[tuple] = []
    notes: List[Note] = []
    try:
        with alexa_api.time_budget(CREATE_BUDGET):
            existing = service.get_timers().timers or []
            replaced = set(program_timer_ids(previous))
            _raise_first(alexa_api.all_at_once([partial(_delete_quietly, service, timer.id)
                                                for timer in existing if timer.id in replaced]))
            others = [t for t in existing if t.id not in replaced]
            phases, note = fit_to_free_timers(plan.phases(), MAX_TIMERS - len(others))
            if note is not None:
                notes.append(note)
            if not phases:
                raise ProgramError("too_many", 400, "{} timers already set".format(len(others)))
            names = labels(content, phases, [getattr(t, "timer_label", None) for t in others])
            requests, boundary = [], 0
            for index, phase in enumerate(phases):
                boundary += phase.seconds
                requests.append(timer_request(boundary, names[index], announcement(content, phases, index),
                                              locale))
            outcomes = alexa_api.all_at_once([partial(service.create_timer, r) for r in requests])
            made = [(phase, outcome.id, name) for phase, outcome, name in zip(phases, outcomes, names)
                    if not isinstance(outcome, Exception)]
            _raise_first(outcomes)
    except ServiceException as exc:
        cleaned = _cleanup(service, made)
        raise program_error(exc, created=len(made), cleaned=cleaned,
                            left=None if cleaned else _program(plan, locale, made)) from exc
    except Exception:  # a fault of ours: leave nothing running that nobody knows of
        _cleanup(service, made)
        raise
    program = _program(plan, locale, made)
    log.info("heat program started: %d timers, %d s", len(made), sum(p.seconds for p, _, _ in made))
    return program, notes


def _raise_first(outcomes: list) -> None:
    """Raise the first exception among calls made all at once (see alexa_api.all_at_once)."""
    for outcome in outcomes:
        if isinstance(outcome, Exception):
            raise outcome


def _program(plan: Plan, locale: str, made: List[tuple]) -> dict:
    """What is remembered of a running program: its phases and their timers ((phase, id, label) each)."""
    return {"kind": plan.kind, "locale": locale,
            "phases": [{"kind": p.kind, "seconds": p.seconds, "timer_id": timer_id, "label": name}
                       for p, timer_id, name in made]}


def _delete_quietly(service, timer_id: str) -> None:
    try:
        service.delete_timer(timer_id)
    except ServiceException as exc:
        if exc.status_code != 404:
            raise


def _cleanup(service, made: list) -> bool:
    """Cancel a half-created program; True when nothing of it is left running."""
    if not made:
        return True
    try:
        with alexa_api.time_budget(CLEANUP_BUDGET):
            # All of this skill's timers: also catches one a timed-out call may have made.
            service.delete_timers()
        log.info("cleaned up %d timers of a half-created program", len(made))
        return True
    except ServiceException as exc:
        log.error("could not clean up %d timers: status %s %s", len(made),
                  exc.status_code, exc)
        return False


@dataclass
class Progress:
    index: int
    kind: str
    remaining: float
    paused: bool
    next: Optional[Phase]
    running_ids: List[str]
    paused_ids: List[str]


def _remaining(timer, now: dt.datetime) -> float:
    if _status(timer) == "PAUSED":
        return float(parse_duration(getattr(timer, "remaining_time_when_paused", None)) or 0)
    trigger = getattr(timer, "trigger_time", None)
    if trigger is None:
        return 0.0
    if trigger.tzinfo is None:
        trigger = trigger.replace(tzinfo=dt.timezone.utc)
    return max(0.0, (trigger - now).total_seconds())


def progress(program: dict, timers, now: Optional[dt.datetime] = None) -> Optional[Progress]:
    """Where a stored program is, from the live timers; None when it has finished."""
    now = now or dt.datetime.now(dt.timezone.utc)
    by_id = {t.id: t for t in timers or []}
    phases = [p for p in (program or {}).get("phases", []) if isinstance(p, dict)]
    live = [(i, by_id[p.get("timer_id")]) for i, p in enumerate(phases)
            if p.get("timer_id") in by_id and _status(by_id[p.get("timer_id")]) in ("ON", "PAUSED")]
    if not live:
        return None
    index, timer = live[0]
    phase = phases[index]
    following = phases[index + 1] if index + 1 < len(phases) else None
    return Progress(
        index=index, kind=phase.get("kind", "heat"),
        remaining=min(_remaining(timer, now), float(phase.get("seconds") or 0) or float("inf")),
        paused=_status(timer) == "PAUSED",
        next=Phase(following["kind"], int(following["seconds"])) if following else None,
        running_ids=[t.id for _, t in live if _status(t) == "ON"],
        paused_ids=[t.id for _, t in live if _status(t) == "PAUSED"])


def read_progress(service, program: dict) -> Optional[Progress]:
    """The live state of a stored program. Raises ProgramError."""
    try:
        with alexa_api.time_budget(CREATE_BUDGET):
            return progress(program, service.get_timers().timers)
    except ServiceException as exc:
        raise program_error(exc) from exc


def pause(service, program: dict):
    """Pause every running timer of the program, all at once (they move on together when resumed).

    Returns (before, after) progress; after is None when the program has finished."""
    return _each(service, program, "running_ids", service.pause_timer)


def resume(service, program: dict):
    """Resume every paused timer of the program, all at once; returns (before, after) progress."""
    return _each(service, program, "paused_ids", service.resume_timer)


def _each(service, program, which: str, call):
    """Two round trips: list the timers, then ``call`` each of ``which`` at once. What
    follows is known without asking again: the same phase and time left, paused or not."""
    try:
        with alexa_api.time_budget(CREATE_BUDGET):
            before = progress(program, service.get_timers().timers)
            if before is None or not getattr(before, which):
                return before, before
            _raise_first(alexa_api.all_at_once([partial(call, timer_id) for timer_id in getattr(before, which)]))
    except ServiceException as exc:
        raise program_error(exc) from exc
    live = before.running_ids + before.paused_ids
    pausing = which == "running_ids"
    return before, replace(before, paused=pausing, running_ids=[] if pausing else live,
                           paused_ids=live if pausing else [])


def cancel(service) -> int:
    """Cancel all of this skill's timers (the program's, and any a failed start left behind).

    Returns how many there were."""
    try:
        with alexa_api.time_budget(CREATE_BUDGET):
            count = len(service.get_timers().timers or [])
            if count:
                service.delete_timers()
            return count
    except ServiceException as exc:
        raise program_error(exc) from exc


def progress_values(content, state: Progress) -> dict:
    left = speech.spoken_duration(state.remaining)
    values = {"left": left, "Left": _cap(left),
              "kind": content.text("heat_program.kind_names." + state.kind)}
    if state.next is not None:
        values.update(next=speech.spoken_duration(state.next.seconds),
                      next_kind=content.text("heat_program.kind_names." + state.next.kind))
    return values
