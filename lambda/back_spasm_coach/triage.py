"""A person's own words -> the most serious red flag in them, or the topic they ask about.

Pure and deterministic: no SDK, no I/O, no model you cannot read. The skill
hands it the raw words of any slot (an ``AMAZON.SearchQuery`` phrase, or a
custom-slot value Alexa could not resolve) and it answers with a ``Reading``.

Red flags come from ../shared/reference/care-evidence.md section 5.6 (NHS
999/111 lists, the cauda equina cards, Mayo Clinic). Each sign is a handful of
patterns over a small vocabulary of word classes, so a reviewer can check
every rule against its source. Three rules keep it safe:

- every sign is looked for in every request, and the most serious wins;
- a sign is dropped only when a negation sits right before it ("no fever",
  "I don't have any numbness") or inside it ("my legs aren't numb");
- when in doubt, it flags: a false alarm costs a sentence, a miss costs more.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import safety


class _Pattern:
    """A regular expression compiled when first used, not at import: most requests carry no
    free words, and compiling every sign and topic would add tens of milliseconds to a cold start."""

    __slots__ = ("source", "_compiled")

    def __init__(self, source: str):
        self.source, self._compiled = source, None

    def __getattr__(self, name):  # search, finditer, sub, fullmatch, ...
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = re.compile(self.source)  # a race compiles twice, harmlessly
        return getattr(compiled, name)

# --- words ----------------------------------------------------------------------

_SPELLINGS = [  # typed or transcribed forms -> one spelling the patterns use
    (r"\b(can ?not|cant|can t|carnt)\b", "can't"), (r"\bcouldnt\b", "couldn't"),
    (r"\bdont\b", "don't"), (r"\bdoesnt\b", "doesn't"), (r"\bdidnt\b", "didn't"),
    (r"\bwont\b", "won't"), (r"\bisnt\b", "isn't"), (r"\barent\b", "aren't"),
    (r"\bhavent\b", "haven't"), (r"\bhasnt\b", "hasn't"), (r"\bwasnt\b", "wasn't"),
    (r"\bim\b", "i'm"), (r"\bive\b", "i've"), (r"\bits\b", "it's"), (r"\bthats\b", "that's"),
    (r"\bwhats\b", "what's"), (r"\btheres\b", "there's"), (r"\bshouldnt\b", "shouldn't"),
    (r"\b(\w+) n't\b", r"\1n't"), (r"\bdo not\b", "don't"), (r"\bdoes not\b", "doesn't"),
    (r"\bdid not\b", "didn't"), (r"\bis not\b", "isn't"), (r"\bare not\b", "aren't"),
    (r"\bhave not\b", "haven't"), (r"\bhas not\b", "hasn't"), (r"\bwill not\b", "won't"),
    (r"\bi am\b", "i'm"), (r"\bi have\b", "i have"), (r"\bgonna\b", "going to"),
    (r"\ba and e\b|\ba ?& ?e\b|\ba n e\b", "a and e"), (r"\bphysio therap\w*", "physiotherapy"),
    (r"\b(long|much)'s\b", r"\1 is"), (r"\bcheck ?ins?\b|\bcheckins?\b", "check in"), (r"\brear ?ended\b", "rear ended"),
]
_SPELLINGS = [(_Pattern(pattern), replacement) for pattern, replacement in _SPELLINGS]


def normalise(text: str) -> str:
    """Lower case, one spelling per word, punctuation as clause breaks (" , ")."""
    text = (text or "").lower().replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    text = re.sub(r"[.;:!?()\[\]]+|\s-\s|,", " , ", text)
    text = re.sub(r"[^a-z0-9', ]+", " ", text)
    text = re.sub(r"(?<![a-z])'|'(?![a-z])", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    for pattern, replacement in _SPELLINGS:
        text = pattern.sub(replacement, text)
    return text


#: Word classes the patterns are built from ({NUMB}, {SADDLE} ...). Each is a
#: regular-expression alternation; read them as "any of these words".
WORDS = {
    "NUMB": r"numb\w*|no feeling|lost (?:all |the |some )?(?:feeling|sensation)|los(?:s|ing) (?:of )?(?:feeling|sensation)"
            r"|(?:can't|couldn't|cannot|don't|doesn't) (?:i |really |properly |quite |even |fully )?feel|hard to feel|barely feel"
            r"|no sensation|less feeling|reduced (?:feeling|sensation)"
            r"|tingl\w*|pins and needles|prickl\w*|(?:gone|went|go|going|feels?|feeling) (?:all )?(?:dead|funny|weird|strange|fuzzy|different)"
            r"|par(?:a)?esthesi\w*|saddle an(?:a)?esthesi\w*"
            r"|dead|electric shocks?",
    "SADDLE": r"groin|genital\w*|privates?|private (?:parts|area|bits|region)|down there|down below|downstairs|nether\w*"
              r"|toilet seat|(?:the|my) seat|when i sit on|sitting on the (?:toilet|loo)"
              r"|bum|bums|butt|butts|buttock\w*|backside|bottom(?! of)(?! to heel)|back passage|anus|rectum|crotch"
              r"|inner thighs?|insides? of (?:my|the) thighs?|between (?:my|the|your) legs|saddle|perine\w*|vagina\w*|vulva|penis|willy|testicle\w*"
              r"|scrotum|balls|sit ?bones|when i wipe|wiping|toilet paper|front bottom|pelvic floor",
    "PEE": r"pee|peed|peeing|wee|weed|weeing|wees|urinat\w*|urine|urinary|pass(?:ing|ed)? (?:water|urine)|bladder|piss\w*"
           r"|waterworks|(?:go|going|went|been) to the (?:toilet|loo|bathroom|restroom|lavatory)|stream|dribbl\w*|wee wee|tinkle"
           r"|needs? (?:the|a) (?:toilet|loo|bathroom|wee|pee)|bladder is full|make it to the (?:toilet|loo|bathroom|restroom)",
    "POO": r"poo|poos|pooed|pooing|poop\w*|bowels?|bowel movements?|motions|bowel motions?|number two|faec\w*|fec(?:es|al)"
           r"|soiled|soiling|incontinen\w*|back passage",
    "TROUBLE": r"can't|couldn't|unable to|not able to|trouble|difficult\w*|hard(?:er)? to|struggl\w*|problems?|issues?"
               r"|no control|lost control|losing control|lose control|loss of control|control|can't hold|can't stop"
               r"|leak\w*|dribbl\w*|don't know when|didn't know|can't tell|didn't notice|without (?:noticing|knowing|realising|realizing)"
               r"|not (?:peed|weed|been|gone|passed)|haven't (?:peed|weed|been|gone|passed)|won't come|nothing (?:comes|came|happens)"
               r"|not (?:to )?be able to|not being able to|couldn't hold|could not hold|(?:not|isn't|is not) coming|won't come out"
               r"|didn't make it|did not make it"
               r"|stopped|retention|retain\w*|blocked|weak|slow|numb\w*|strange|weird|different|changed?|accident\w*|wet"
               r"|nothing happen\w*|nothing (?:came|comes|would come|will come) out|won't come out|wouldn't (?:come|go)"
               r"|couldn't go|can't go|(?:isn't|aren't|not|stopped) working|able to feel when|feel when (?:i|you) need"
               r"|not noticing|without noticing|didn't realise|didn't realize|without realising|without realizing",
    "LEGS": r"(?:both|two) (?:of )?(?:my |your |the )?(?:legs|feet|thighs|knees|calves|sides|ankles)|(?:my|your|the|his|her) legs"
            r"|legs|feet|left and right|right and left|either (?:leg|foot)|each (?:leg|foot)|either of my (?:legs|feet)|lower limbs",
    "BOTHLEGS": r"(?:both|two) (?:of )?(?:my |your |the )?(?:legs|thighs|calves)|(?:my|your|the|his|her) legs|legs|either leg|each leg",
    "LEG": r"(?:one|my|the|a|left|right|your|his|her) (?:leg|thigh|calf|foot)|leg|thigh|calf|sciatica|sciatic",
    "WEAK": r"weak\w*|giv\w* (?:way|out)|gave (?:way|out)|given (?:way|out)|buckl\w*|collaps\w*|jelly|wobbl\w*|heavy"
            r"|useless|won't (?:hold|work|move|support|go)|can't (?:walk|stand|move|lift|support|hold)|not working"
            r"|stopped working|floppy|drag\w*|don't (?:work|hold|move|support)|doesn't (?:work|hold|move)|folding|paralys\w*|paralyz\w*"
            r"|(?:went|gone|go|going) (?:out )?from under me|(?:just|suddenly) (?:went|gone|go)"
            r"|(?:no|not|lost|losing|loss of) (?:any |the |my )?(?:strength|power)",
    "ACHE": r"pain\w*|hurt\w*|ach\w*|sore|shoot\w*|burn\w*|stab\w*|throb\w*|sciatica|cramp\w*|spasm\w*",
    "SEX": r"erect\w*|get it up|keep it up|hard ?on|impoten\w*|ejaculat\w*|orgasm\w*|climax|sex\w*|libido"
           r"|intercourse|make love|love life",
    "CHEST": r"chest",
    "FALLEN": r"fell|fall|falls|fallen|falling|slip|slipped|slipping|tripped|trip(?:ped)? (?:over|up|on)"
              r"|car crash|crash(?:ed)? (?:my|the|a|into|off)|(?:in|had) a crash|car accident|road accident|traffic accident"
              r"|bike accident|accident|collision|rear ended|hit by|got hit|was hit|been hit|knocked (?:down|over|off)"
              r"|landed (?:flat )?(?:on|hard|badly|awkwardly)|thrown (?:off|from)|threw me|came off|come off|run over|whiplash|tackle\w*"
              r"|came down on (?:me|my back|my)|fell on (?:me|my back)|rear ?ended|rearended"
              r"|came down (?:\w+ ){0,4}(?:on|onto) (?:my|his|her|their|the) back|landed (?:\w+ ){0,3}(?:on|onto) (?:my|his|her|their) back"
              r"|off (?:a|the|his|her|my) (?:trampoline|ladder|roof|horse|bike|wall|chair|table|stairs|skateboard|scooter)"
              r"|blow to|hit my back|banged my back|went flying|took a tumble|tumbled",
    "FEVER": r"fever\w*|feverish|temperature|temp|chills|shiver\w*|shak(?:y|ing) (?:all over|with cold)|night sweats|sweats"
             r"|sweat\w* (?:at night|in the night|all night|through the night|buckets)|burning up|rigou?rs|flu like|flu ish|flu"
             r"|(?:feel|feeling|felt|i'm|i am|gone|going|been|getting|get|all) (?:all |really |so )?hot and cold"
             r"|hot and cold (?:sweats|shivers|spells|flushes)|clammy",
    "LUMP": r"lump\w*|swelling|swollen|swell\w*|bump|growth|(?:change|changed|changing|different) (?:in )?(?:the )?shape"
            r"|deform\w*|sticking out|poking out|bulg\w*|hump|out of shape|misshapen",
}

def _words(pattern: str) -> str:
    """A pattern with its {CLASS} references replaced by the word classes above."""
    return re.sub(r"\{([A-Z]+)\}", lambda m: r"\b(?:" + WORDS[m.group(1)] + r")\b", pattern)


def _near(a: str, b: str, gap: int = 6) -> str:
    """``a`` and ``b`` within ``gap`` words of each other, in either order."""
    between = r"(?:'s)?(?:\s+\S+){0,%d}\s+" % gap
    return r"(?:{a}{g}{b}|{b}{g}{a})".format(a="{" + a + "}", b="{" + b + "}", g=between)


# --- red flags --------------------------------------------------------------------

#: Symptom id (safety's tier table) -> the patterns that mean it. Every pattern
#: is searched anywhere in what was said. Sources: care-evidence.md section 5.6.
SIGNS = {
    # EMERGENCY: numbness or tingling around the genitals, buttocks or back passage.
    "saddle_numbness": [_near("NUMB", "SADDLE", 5), r"\bsaddle\b"],
    # EMERGENCY: difficulty peeing, loss of bladder or bowel control, not knowing when the bladder is full.
    "bladder_bowel": [
        _near("TROUBLE", "PEE", 5), _near("TROUBLE", "POO", 5),
        r"\b(?:wet|wetting|peed|pissed|weed|pooed|pooped|soiled|messed) (?:myself|the bed|my (?:pants|trousers|knickers|underwear|bed))\b",
        r"\b(?:incontinen\w*|accident in my (?:pants|trousers))\b",
        r"\b(?:isn't|aren't|not|stopped) working (?:right |properly )?(?:down (?:there|below)|downstairs)\b",
        r"\b(?:keep|keeps) (?:dribbling|leaking)\b|\bdribbl\w* (?:urine|pee|wee)\b|\bleak\w* (?:\w+ ){0,3}(?:urine|pee|wee)\b",
        r"\bnothing (?:came|comes|would come|will come) out\b|\bwet myself\b",
        r"\b(?:didn't|did not|couldn't|could not|can't) (?:\w+ )?make it to the (?:toilet|loo|bathroom|restroom)\b",
        r"\b(?:haven't|have not|hasn't|has not|didn't|did not|can't|cannot|couldn't) (?:\w+ ){0,3}(?:peed|weed|urinated|passed (?:water|urine)|been for a (?:wee|pee))\b",
        r"\b(?:bladder|bowel)s?\b(?!\s+(?:is|are|feel|feels)\s+(?:fine|ok|okay|normal))",
    ],
    # EMERGENCY: pain, tingling, weakness or numbness in both legs.
    "both_legs": [_near("LEGS", "NUMB", 5), _near("LEGS", "WEAK", 5), _near("BOTHLEGS", "ACHE", 4),
                  r"\bcan't (?:feel|move|lift|control) (?:my |both )?(?:legs|feet)\b"],
    # EMERGENCY: new sexual dysfunction or loss of genital sensation.
    "sexual_dysfunction": [_near("SEX", "TROUBLE", 5), _near("SEX", "NUMB", 5),
                           r"\b(?:can't|couldn't|unable to|trouble|problems?) (?:\w+ ){0,3}(?:finish|perform|climax|come) (?:\w+ ){0,2}in bed\b",
                           r"\bfeel (?:\w+ ){0,2}(?:touch|anything) (?:\w+ ){0,2}down (?:there|below|stairs)\b",
                           r"\b(?:can't|couldn't|unable to|trouble|problems?) (?:\w+ ){0,3}perform\b"],
    # EMERGENCY: chest pain (may not be from the back at all).
    "chest_pain": [_near("ACHE", "CHEST", 4),
                   r"\b(?:pain\w*|hurt\w*|ach\w*|sore|tight\w*|pressure)\b(?:\s+\S+){0,10}\s+(?:in|into|to|through|across|round) (?:my |the )?chest\b",
                   r"\b(?:tight\w*|heavy|heaviness|crushing|squeezing|pressure|pressing|weight) (?:\w+ ){0,2}(?:in |on )?(?:my |the )?chest\b",
                   r"\bchest (?:is |feels )?(?:tight|heavy)\b", r"\bheart attack\b",
                   r"\b(?:can't|struggling to|hard to|trouble) (?:catch my )?breath\w*\b", r"\bshort of breath\b",
                   r"\bbreathless\w*\b"],
    # EMERGENCY: back pain that began with a serious fall, accident or blow.
    "fall_injury": [r"{FALLEN}"],
    # URGENT: a high temperature or fever.
    "fever": [r"{FEVER}"],
    # URGENT: weight loss with no explanation.
    "weight_loss": [r"\blos(?:t|ing|e) (?:\w+ ){0,3}(?:weight|pounds|kilos|kgs?|lbs|stone)\b", r"\bweight loss\b",
                    r"\bweight (?:is )?(?:dropping|dropped|falling off|coming off)\b",
                    r"\bdropped (?:\w+ ){0,3}(?:weight|pounds|kilos|kgs?|lbs|stone|dress sizes?|sizes?)\b",
                    r"\bclothes (?:are )?(?:hanging|loose)\b"],
    # URGENT: pain worse at night, or not eased by rest.
    "night_pain": [r"\b(?:worse|worst|bad|badder|terrible|awful|unbearable|agony) (?:\w+ ){0,2}(?:at|in the|during the) night\b",
                   r"\bat night (?:\w+ ){0,3}(?:worse|wakes?|awake|can't sleep)\b",
                   r"\b(?:wakes?|waking|woken) me (?:up )?(?:at night|every night|in the night|all night)\b",
                   r"\b(?:wake|waking|woke|woken) (?:up )?(?:\w+ ){0,3}(?:at|in the|during the) night\b(?:\s+\S+){0,4}\s+(?:pain|hurt\w*|ache|agony|back)",
                   r"\bpain (?:\w+ ){0,2}(?:at|in the|during the) night\b",
                   r"\b(?:even|still) (?:when|while|if) (?:i'm |i am |i )?(?:\w+ ){0,2}(?:rest\w*|lying|lie|laying|still|in bed|sleeping|asleep|sitting still)\b",
                   r"\b(?:hurts?|pain\w*|agony|aches?) (?:\w+ ){0,3}even (?:when|while|if|lying|resting|at rest)\b",
                   r"\bkeeps? me (?:up|awake) (?:at night|all night|every night)\b", r"\bnight pain\b",
                   r"\b(?:even )?(?:when|while|if) (?:i'm |i )?(?:rest|resting|lying still|lie still|still)\b(?:\s+\S+){0,3}\s+(?:hurts?|pain|worse|doesn't|won't|still)",
                   r"\brest(?:ing)? (?:doesn't|isn't|won't|does not|is not|hasn't|never) (?:help|ease|work|make)\w*",
                   r"\b(?:doesn't|won't|never) (?:ease|let up|go away|stop)\b(?:\s+\S+){0,3}\s+(?:even|rest|resting|lying)",
                   r"\b(?:all day and all night|day and night)\b"],
    # SOON: severe pain that keeps getting worse, or that nothing eases.
    "worsening": [r"\b(?:getting|gets|got|growing|keeps? getting|going) (?:\w+ ){0,2}worse\b", r"\bworse and worse\b",
                  r"\bworse (?:every|each) day\b|\bworse by the day\b",
                  r"\bnothing (?:\w+ ){0,2}(?:helps|is helping|helped|works|is working|worked|eases it|touches it)\b",
                  r"\b(?:constant|nonstop|non stop|unrelenting|relentless|unbearable|excruciating|agonising|agonizing|worst pain)\b",
                  r"\b(?:doesn't|won't|isn't|never|hasn't|not) (?:\w+ ){0,1}(?:ease|easing|eased|lets? up|letting up|improve|improving|improved)\b",
                  r"\b(?:doesn't|isn't|not|won't) help(?:ing)? (?:at all|one bit|a bit)\b"],
    # URGENT: pain between the shoulder blades (NHS 111 list).
    "upper_back": [r"\b(?:between|under) (?:my |the |your )?shoulder ?blades?\b", r"\b(?:upper|middle|mid) (?:of (?:my|the) )?back (?:pain|hurts?|ache)"],
    # URGENT: pain worse when coughing, sneezing or straining (NHS 111 list).
    "cough_sneeze": [r"\b(?:worse|hurts?|pain\w*|agony|sharp|shoots?|shooting|stabbing|kills?) (?:\w+ ){0,4}(?:when|if|whenever|as) i (?:cough|sneeze|strain|poo|laugh)\w*",
                     r"\b(?:cough\w*|sneez\w*|strain\w*) (?:\w+ ){0,3}(?:makes? it|is|are) (?:\w+ )?(?:worse|agony|unbearable)"],
    # URGENT: a history of cancer (NICE CG75: new back pain after cancer within 24 hours).
    "cancer_history": [r"\b(?:had|have|history of|survivor|treated for|after|recovering from|in remission from|diagnosed with) (?:\w+ ){0,2}cancer\b",
                       r"\bcancer (?:before|in the past|survivor|history|patient)\b"],
    # URGENT: a new lump, swelling or change in the shape of the back.
    "lump_swelling": [r"{LUMP}", r"\bshape (?:of (?:my|the) )?(?:back|spine) (?:has |is |looks )?(?:changed|different|odd|wrong)\b", r"\b(?:spine|back) (?:\w+ ){0,2}(?:looks?|is|has gone|gone|seems) (?:\w+ ){0,1}(?:crooked|bent|twisted|wonky|deformed|curved|a different shape)\b"],
    # SOON: pain, numbness or weakness down one leg (sciatica).
    "one_leg": [_near("LEG", "ACHE", 5), _near("LEG", "NUMB", 5), _near("LEG", "WEAK", 4),
                r"\bdown (?:to |into |through |the back of )?(?:my |the |one |a |his |her )?(?:left |right )?(?:leg|thigh|calf|foot|ankle|knee|toes)\b",
                r"\bsciatic\w*\b",
                r"\b(?:leg|thigh|calf|foot)\b(?:\s+\S+){0,6}\s+on (?:one|the (?:left|right)) side\b",
                r"\bon (?:one|the (?:left|right)) side\b(?:\s+\S+){0,6}\s+(?:leg|thigh|calf|foot)\b"],
}

#: Words that mean a sign is not what it looks like (checked before the sign).
NOT_SIGNS = {
    "fall_injury": r"\b(?:fell|fall(?:en|ing)?|falls) (?:back )?asleep\b|\bslipp?ed (?:a |my )?dis[ck]s?\b|\bslipped dis[ck]\b"
                   r"|\bfall(?:ing|s)? apart\b|\b(?:last|this|next) fall\b|\bin the fall\b|\bsince (?:the )?fall\b(?! (?:i|on|off|down))"
                   r"|\b(?:scared|afraid|worried|frightened) (?:of|i'll|i will|i might|that i'll) (?:fall|falling|slip\w*)\b|\bwithout (?:falling|slipping)\b"
                   r"|\bdon't (?:want to )?(?:fall|slip)\b|\bfall (?:prevention|risk)\b|\bslippers\b"
                   r"|\baccident(?:ally|s)?\b(?=(?:\s+\S+){0,4}\s+(?:wet|pee|wee|pants|trousers|myself|bed|toilet|loo)\b)"
                   r"|\b(?:wet|peed|weed|pooed|soiled|toilet|loo|bladder|bowel)\w*(?:\s+\S+){0,3}\s+accident\w*\b|\bhad an accident in\b"
                   r"|\blanded (?:a|the) job\b|\bcame off (?:the )?(?:pill|tablets|medication|meds)\b"
                   r"|\b(?:fell|fall|fallen|falling) (?:pregnant|ill|sick|behind|out with|for|in love|short)\b|\bthrown (?:out )?my back(?: out)?\b|\bthrew my back(?: out)?\b"
                   r"|\bput my back out\b|\bslip(?:ped)? (?:into|out of|on) (?:a |my |the )?(?:bath|shoes|clothes|dressing gown)\b"
                   r"|\bback (?:has )?slipped\b|\bcome off (?:it|them)\b|\bif i fall\b"
                   r"|\b(?:will|might|could|would|may) i (?:fall|slip|trip)\b|\bi'll (?:fall|slip|trip)\b"
                   r"|\b(?:worried|scared|afraid|frightened|nervous) (?:\w+ ){0,3}(?:fall|slip|trip)\w*\b",
    "fever": r"\b(?:temperature|temp) (?:of|on|for) (?:the|my|a|your) (?:heat|pad|pack|bath|water|bottle|shower|ice|heating)\w*\b"
             r"|\bwhat temp\w*\b|\bhow (?:hot|warm)\b|\b(?:heat|pad|pack|bath|water|bottle|shower|room|body) temp\w*\b"
             r"|\bhot and cold (?:packs?|therapy|compress\w*|water|treatment)\b|\b(?:use|using|try|alternate|alternating|switch\w*|between|do) (?:\w+ )?hot and cold\b"
             r"|\bflu (?:jab|shot|vaccine)\b|\bsweating (?:it )?out\b|\bcold (?:and|or) flu (?:tablets|medicine)\b"
             r"|\bhad (?:a )?(?:fever|temperature)\b(?=(?:\s+\S+){0,6}\s+(?:ago|last (?:week|month|year)|gone|over|better now)\b)"
             r"|\b(?:kid|kids|child|children|son|daughter|baby|toddler|boy|girl)(?:'s)? (?:\w+ ){0,2}(?:has|had|got|with|running) (?:a )?(?:high )?(?:fever|temp\w*)\b",
    "lump_swelling": r"\bbulg\w* dis[ck]s?\b|\bdis[ck]s? (?:is |are )?bulg\w*\b|\b(?:ankles?|feet|fingers|hands) (?:are |is )?swollen\b"
                     r"|\bswollen (?:ankles?|feet|fingers|hands)\b|\bbump into\b|\bbaby bump\b",
    "unplaced": r"\bskin\b(?:\s+\S+){0,4}\s+numb\w*|\bnumb\w*(?:\s+\S+){0,4}\s+(?:from|under|with) the (?:ice|cold|pack|peas)\b",
    "one_leg": r"\bleg (?:raises?|lifts?|stretch\w*|exercises?)\b|\bstretch\w* (?:my )?(?:leg|hamstring)\b"
               r"|\bknee to chest\b|\bhip (?:flexor|stretch)\b",
    "both_legs": r"\blegs? (?:raises?|lifts?|stretch\w*|exercises?|up)\b|\bon my feet\b|\b(?:put|with) my (?:feet|legs) up\b|\bfeet up\b"
                 r"|\bget (?:back )?on my feet\b|\bback on my feet\b|\bfeet flat\b|\bshoulder width\b|\bbend (?:my |your |both )?(?:legs|knees)\b"
                 r"|\b(?:pillow|cushion) (?:between|under) (?:my |your )?(?:legs|knees)\b|\bstretch\w* (?:my |your )?legs\b",
    "bladder_bowel": r"\bpelvic floor exercis\w*\b|\bloo roll\b|\bcontrol the pain\b|\bpain control\b"
                     r"|\bbladder (?:is |feels )?(?:fine|ok|okay|normal)\b|\bbowels? (?:are |is |feel )?(?:fine|ok|okay|normal)\b"
                     r"|\bno (?:bladder|bowel|toilet|pee|wee) (?:problems?|issues?|trouble)\b",
    "chest_pain": r"\bknee to chest\b|\bknees to (?:my )?chest\b|\bchest (?:stretch\w*|opener)\b|\b(?:knees?|legs?|thighs?) (?:\w+ ){0,3}to (?:my|your|the) chest\b"
                  r"|\bchest (?:is|feels|'s) (?:fine|ok|okay|normal|alright|all right)\b",
    "saddle_numbness": r"\bbum to heels?\b|\bbottom to heels?\b|\bbutt to heels?\b|\bon my (?:bum|bottom|backside|butt)\b"
                       r"|\bsit bones? (?:stretch|exercise)\b",
    "sexual_dysfunction": r"\b(?:can|is it ok to|should i|when can i) (?:have |still have )?sex\b(?!.*\b(?:can't|problem|trouble|numb)\b)",
    "weight_loss": r"\b(?:trying|want|need|needs|wanting|should|supposed) to lose (?:some |a bit of )?weight\b|\bdiet\w*\b"
                   r"|\blos(?:t|ing) (?:\w+ ){0,4}(?:weight|pounds|kilos|stone) (?:\w+ ){0,3}(?:at|from|with|through|by) (?:the )?(?:gym|running|exercise|training)\b"
                   r"|\b(?:on purpose|intentionally|years? ago|last year)\b(?=.*\b(?:weight|pounds|kilos)\b)",
    "night_pain": r"\b(?:rest|resting) (?:or|and) (?:keep )?mov\w*\b|\bshould i rest\b|\bbed rest\b",
}

NEGATIONS = (r"\b(?:no|not|never|without|don't|doesn't|didn't|haven't|hasn't|hadn't|isn't|aren't|wasn't|weren't"
             r"|none|nor|neither|nothing|nothing's|nothing like|free of)\b")
_NEGATION = _Pattern(NEGATIONS)
#: Where a denial stops reaching: a clause break, or a new subject ("no, I can't pee").
_BREAK = _Pattern(r"\s,\s|\b(?:but|though|although|however|except|apart from|and now|now)\b")
_SUBJECT = _Pattern(r"\b(?:i|i'm|i've|i'd|i'll|my|me|it|it's|they|he|she|we|you|there|there's|this)\b")

_SIGN_PATTERNS = {symptom: [_Pattern(_words(p)) for p in patterns] for symptom, patterns in SIGNS.items()}
_NOT_SIGN_PATTERNS = {symptom: _Pattern(_words(p)) for symptom, p in NOT_SIGNS.items()}

#: Words inside a matched sign that are part of the sign itself, not a denial of it
#: ("can't pee", "haven't peed", "no feeling", "legs don't work").
_PART_OF_SIGN = _Pattern(
    r"\b(?:no (?:feeling|sensation|control)|not (?:to )?be able to|not being able to|not able to"
    r"|not (?:peed|weed|been|gone|passed|working|coming)|isn't coming|don't know what|(?:didn't|did not) (?:catch|hear|get|make it)"
    r"|(?:haven't|hasn't|didn't|can't|couldn't) (?:\w+ ){0,3}(?:peed|weed|urinated|passed)"
    r"|(?:no|not|lost|losing|loss of) (?:any |the |my )?(?:strength|power)"
    r"|(?:don't|doesn't) (?:really |properly |quite |even |fully )?feel|(?:isn't|aren't|not) working"
    r"|(?:doesn't|won't|isn't|never|hasn't|not) (?:\w+ )?(?:ease|easing|eased|lets? up|letting up|improve|improving|improved)"
    r"|(?:doesn't|isn't|not|won't) help(?:ing)? (?:at all|one bit|a bit)"
    r"|nothing (?:\w+ ){0,2}(?:helps|is helping|helped|works|is working|worked|eases it)"
    r"|haven't (?:peed|weed|been|gone|passed)|won't (?:come|hold|work|move|support|go|ease|let up|stop|go away|get better)"
    r"|(?:don't|doesn't) (?:work|hold|move|support|ease|let up|go away|stop|help|get better|improve)"
    r"|don't know when|didn't (?:know|notice)|nothing (?:comes|came|happens|happened|would come)|isn't (?:help\w*|work\w*|getting better)"
    r"|never (?:stops|eases|goes away))\b")


def _denied(text: str, start: int, end: int, reach: int = 3) -> bool:
    """True when the sign at text[start:end] is denied.

    Denied: a negation inside it ("legs aren't numb"), or one of the ``reach``
    words before it with no new subject in between ("no fever", "I don't have
    any numbness"); a sign listed after "or" shares the denial before the list
    ("no accident or a fall"). Not denied: "no, I can't pee", "I don't know why
    but I wet myself", "no fever or anything, both legs are numb".
    """
    if _NEGATION.search(_PART_OF_SIGN.sub(" ", text[start:end])):
        return True
    sign = text[start:end]
    if _SUBJECT.match(sign):
        return False  # "no my legs are numb": the sign starts a sentence of its own
    before = text[:start]
    cut = max((m.end() for m in _BREAK.finditer(before)), default=0)
    words = before[cut:].split()
    if re.search(r"\b(?:or|nor)(?: (?:a|an|any|the))?$", " ".join(words[-2:])):
        reach *= 2  # the sign is one of a denied list
    window = words[-reach:]
    for i, word in enumerate(window):
        if _NEGATION.fullmatch(word) or " ".join(window[i:i + 2]) in ("nothing like", "free of"):
            rest = " ".join(window[i + 1:])
            if not _SUBJECT.search(rest):
                return True
    return False


def _strip(text: str, symptom: str) -> str:
    """The text with the look-alikes of a sign blanked out ("fell asleep", "knee to chest")."""
    pattern = _NOT_SIGN_PATTERNS.get(symptom)
    return pattern.sub(lambda m: " " * len(m.group()), text) if pattern else text


def signs_in(text: str) -> list:
    """Every red-flag symptom id the words mention and do not deny, in SIGNS order."""
    words = normalise(text)
    found = []
    for symptom, patterns in _SIGN_PATTERNS.items():
        checked = _strip(words, symptom)
        for pattern in patterns:
            if any(not _denied(checked, m.start(), m.end()) for m in pattern.finditer(checked)):
                found.append(symptom)
                break
    return found


_WORRY = _Pattern(_words(r"{NUMB}") + r"|\b(?:weak\w*|giv\w* (?:way|out)|gave (?:way|out)|buckl\w*|collaps\w*|jelly"
                    r"|paralys\w*|paralyz\w*)\b")

#: A question about a sign rather than a report of one ("what if my legs go numb", "is a
#: fever a warning sign"): it is answered with every warning sign, emergency first.
_ASKING_ABOUT_SIGNS = _Pattern(
    r"^(?:what )?if\b|^(?:what )?(?:should|would|do) i do (?:if|when)\b|^(?:what )?happens (?:if|when)\b"
    r"|\b(?:a |the )?(?:warning|danger|red flag) signs?\b|\bsymptoms? (?:\w+ ){0,3}(?:look out|watch|worry|should|mean)\b"
    r"|^(?:is it )?(?:bad|serious|dangerous|normal|an emergency) (?:if|when|that)\b|\bshould i (?:worry|be worried) (?:if|about)\b"
    r"|\b(?:serious|dangerous|an emergency|worrying|a (?:warning|danger) sign|something to worry about)$")


def asks_about_signs(text: str) -> bool:
    return bool(_ASKING_ABOUT_SIGNS.search(normalise(text)))


def unplaced_worry(text: str) -> bool:
    """Numbness or weakness we could not place ("it's gone numb", "I feel weak"): the person
    should hear every warning sign rather than a guess."""
    words = _strip(normalise(text), "unplaced")
    return any(not _denied(words, m.start(), m.end()) for m in _WORRY.finditer(words))


def red_flag(text: str):
    """The most serious red flag in the words, as a ``safety.RedFlag``, or None."""
    symptom = safety.most_serious(signs_in(text))
    return safety.RedFlag(symptom, safety.tier_of(symptom)) if symptom else None


# --- topics -------------------------------------------------------------------------

#: What a question is about: topic -> [(weight, pattern)]. A topic is the name of
#: the intent that answers it. A topic scores the weight of its strongest pattern
#: found (and not denied: "no fever, what helps" is not about fever); the highest
#: score wins, and on a tie the topic listed first. The higher the weight, the
#: more surely the words mean that topic and no other.
TOPICS = {
    # Running a heat program.
    "TimeLeftIntent": [
        (4, r"(?:how )?(?:much|long|many minutes)(?: \w+){0,4} (?:left|remaining|to go)|time (?:left|remaining)|minutes (?:left|to go)"
            r"|(?:how long|how much longer|long) (?:until|till|before|to)|(?:nearly|almost) (?:done|there|finished|time)|swap over|change over"
            r"|minutes? (?:until|till|before)|long (?:have i got|do i have|is there)|how long (?:now|on the)"
            r"|(?:do|should|can) i (?:switch|swap|change over|change|take (?:it|the \w+ ?\w*) off)|time to (?:switch|swap|change|take)"
            r"|when (?:do|should|can) i (?:switch|swap|stop|take)|how much longer|(?:are we|am i) done"),
    ],
    "CancelProgramIntent": [
        (5, r"(?:cancel|stop|end|turn off|switch off|kill|clear|delete|get rid of|scrap|abort|don't need|done with|finished with)"
            r"(?: the| my| all| all the| this| that)?(?: \w+){0,3} (?:timers?|program\w*|sessions?|countdown|therapy|thing)"
            r"|(?:cancel|stop|end|turn off|switch off|kill) (?:the |my )?(?:heat|ice|cold|heating|hot and cold|heat and cold)\b"
            r"|(?:took|taken) (?:the |my )?(?:heat|ice|pack|pad|peas|bottle)\w* off"),
    ],
    "AMAZON.PauseIntent": [
        (5, r"\bpause|freeze|hold on|hang on|on hold|wait a (?:minute|moment|sec\w*)|give me a (?:minute|moment|sec\w*)"
            r"|one (?:moment|sec\w*)|stop the (?:clock|timers?|countdown) for"),
    ],
    "AMAZON.ResumeIntent": [
        (5, r"^resume$|unpause|un pause|resume (?:the |my )?(?:timers?|program|session|heat|ice|clock|countdown)"
            r"|(?:timers?|it|program|clock) (?:back )?up again|back on again"
            r"|(?:start|put|turn|pick) (?:it|the \w+|them) (?:\w+ )?(?:back on|back up|up again|again)"
            r"|(?:continue|carry on with|keep going with) (?:the |my )?(?:timers?|heat|ice|program|session|clock)"),
    ],
    # Reminders.
    "CancelReminderIntent": [
        (11, r"(?:stop|cancel|delete|remove|turn off|switch off|don't (?:need|want)|no more|get rid of|scrap|end)"
            r"(?: \w+){0,4} remind\w*|stop reminding"),
    ],
    "CheckInReminderIntent": [
        (10, r"(?:check in|check on|follow up|remind|reminder|ask me|nudge|ping)(?: \w+){0,8} (?:two|2|to|couple of|couple|few|fourteen|14) weeks"
            r"|fortnight|two week check in|check in (?:with|on) me|check in reminder"),
        (3, r"(?:in|after) (?:a )?(?:couple(?: of)?|two|2|few|fourteen) weeks"),
    ],
    "StretchReminderIntent": [
        (9, r"(?:remind|reminder|nudge|nag|prompt|alert)(?! me (?:what|which|how|where|of what))(?: \w+){0,9} (?:stretch\w*|exercises?|routine)"
            r"|(?:stretch\w*|exercises?) (?:\w+ ){0,5}(?:remind|nudge|nag|prompt)\w*|(?:daily|every day|each day|every morning|every evening) remind\w*"
            r"|forget\w* (?:\w+ ){0,3}(?:stretch\w*|exercises)"),
    ],
    # Finding one's way through a stretch routine.
    "AMAZON.StartOverIntent": [
        (4, r"start (?:over|again|from (?:the )?(?:beginning|start|top|scratch))|from the (?:beginning|top|start)|from scratch"
            r"|begin again|^restart$|restart (?:the |my )?(?:routine|stretches|stretching)|(?:back|go back) to the (?:first|beginning|start)"
            r"|first (?:stretch|one) again|all over again|again from the (?:first|start|beginning|top)|from the first (?:stretch|one)"),
    ],
    "AMAZON.RepeatIntent": [
        (4, r"repeat|say (?:that|it) again|(?:that|it) again please|again please|once more|one more time|(?:didn't|did not) (?:catch|hear|get) (?:that|it|you|what)"
            r"|what did you say|pardon|come again|missed (?:that|it|what)|(?:read|say) (?:that|it) (?:one more time|once more)"),
    ],
    "SlowerIntent": [
        (4, r"slow (?:down|it down|it)|slower|too (?:fast|quick\w*)|more slowly|not so (?:fast|quick)|(?:more|longer) time (?:between|to)"
            r"|longer (?:pause|hold)s?|(?:give me|i need) (?:more|a bit more|longer) time|take it slow"),
    ],
    "WhichStretchIntent": [
        (4, r"(?:which|what) (?:stretch|exercise|one)(?: \w+){0,2} (?:is (?:this|that)|am i (?:on|doing)|are we (?:on|doing))"
            r"|name of (?:this|that|the) (?:stretch|exercise)|how many (?:more )?(?:stretches|exercises)|this (?:one|stretch|exercise) (?:is )?called"
            r"|what (?:this|that) (?:one|stretch|exercise) is|(?:where|how far) (?:are we|am i)(?: up to| at| in)?|(?:are we|am i) up to|what am i (?:doing|on)"
            r"|which (?:one|stretch) (?:is this|are we on|am i on)|(?:one|stretch|exercise) is this"),
    ],
    "AMAZON.PreviousIntent": [
        (4, r"previous|back (?:one|a stretch|a bit|to the (?:last|previous|other|one before))|back one|the one before|(?:stretch|one) before (?:this|that)"
            r"|last stretch again|do the last one again"),
    ],
    "AMAZON.NextIntent": [
        (4, r"next (?:one|stretch|exercise|please|bit)|^next$|\bnext\b$|move on|skip (?:this one|that one|ahead|this stretch)|another (?:one|stretch)"
            r"|done with (?:this|that) one|finished (?:this|that) one|what's next|on to the next|onto the next|give me another|me another"),
        (3, r"\banother\b|\bnext\b|skip (?:it|this|that)"),
    ],
    # Starting things.
    "ContinueStretchesIntent": [
        (5, r"(?:continue|carry on|resume|pick up|keep going|finish|get back to)(?: \w+){0,3} (?:stretch\w*|routine|exercises)"
            r"|where (?:i|we) (?:left off|stopped|got to)|from last time|left off|get up to|got up to|where we stopped"
            r"|^continue (?:the |my )?(?:stretch\w*|routine|exercises)|finish (?:them|it|the rest|off)|last time"
            r"|^continue (?:i|we) (?:left|stopped|got|finished|were)"),  # "pick up where we stopped": Alexa keeps "we stopped"
    ],
    "StartHeatProgramIntent": [
        (4, r"timers?|countdown|time (?:me|it|this|my|the|a|an)\b|start (?:counting|timing|the clock)|count(?:ing)? (?:down|for me)"
            r"|(?:start|set|begin|run|do|set up|put on) (?:\w+ ){0,3}(?:session|program\w*|cycles?|rounds?|therapy|treatment)"
            r"|(?:heat|ice|cold|hot|peas|pack|pad)\w* (?:\w+ ){0,3}(?:for|of) (?:\w+ ){1,3}minutes?|minutes? (?:of )?(?:heat|ice|cold)"
            r"|(?:tell|remind) me when to (?:switch|take|change|swap)|alternat\w* (?:heat|hot|ice|cold)"
            r"|(?:is|are) on (?:my back|now)\b|(?:start|begin|do) (?:the |some )?(?:heat|ice|cold|hot and cold|heat and ice)\b"
            r"|(?:let's|lets) do (?:the |some )?(?:heat|ice|hot and cold|cold)|^start (?:the |my |a |some )?(?:heat|ice|cold|hot)"),
    ],
    "StrengthenIntent": [
        (4, r"strengthen\w*|strengthening|(?:back|core|muscles?) stronger|stronger (?:back|core|muscles)|make (?:it|me|my back|them) stronger|core (?:exercises?|work|muscles?|routine|workout)"
            r"|build (?:up )?(?:muscle|my back|my core)"),
        (2, r"\bcore\b|\babs\b|abdominal\w*|plank\w*|stop (?:it|this) (?:happening|coming back)"),
    ],
    "StartStretchesIntent": [
        (5, r"exercises (?:to|for|that) (?:loosen|help|ease|stretch)|(?:talk|walk|guide|take) me through"),
        (4, r"(?:read|guide|show|teach|give|take|walk|talk|lead|do|start|begin|try|coach)(?: \w+){0,3} (?:stretch\w*|exercises)"
            r"|knees? to (?:my |your )?chest|hug (?:my |your )?knees?|knee roll\w*|pelvic tilt\w*|bottom to heels?|bum to heels?"
            r"|child'?s pose|cat cow|cat camel|stretch(?:ing)? routine|(?:bottom|bum|butt) (?:\w+ ){0,2}(?:on|to|onto) (?:your |my )?heels|^(?:me |us )?(?:a |some |the |my )?(?:gentle |back |easy )?stretch(?:es)?\b"),
        (3, r"(?:what|which|any|good|best|some|a few|gentle|easy|simple|recommend\w*|the|my|a) (?:\w+ )?stretch(?:es)?\b"
            r"|(?:want|need|like|let's|lets)(?: \w+){0,3} stretch\w*|loosen (?:up|it|my back)|exercises (?:to|for|that)|\bstretches\b"),
    ],
    # Questions.
    "WarningSignsIntent": [
        (5, r"(?:ring|call|phone|dial|go to|need) (?:\w+ ){0,2}(?:999|911|000|112|108|nine nine nine|nine one one|triple zero|triple nine|nine hundred and (?:ninety nine|eleven)"
            r"|one hundred and (?:twelve|eight)"
            r"|an ambulance|a and e|casualty|the er|emergency room|emergency department|hospital)"
            r"|signs? (?:\w+ ){0,3}(?:mean|should|tell)|symptoms? (?:\w+ ){0,3}(?:should|make|mean)"),
        (4, r"warning signs?|danger signs?|red flags?|signs? (?:of|that|to)(?: \w+){0,3} (?:serious|emergency|wrong|worry|watch|look)"
            r"|(?:when|what)(?: \w+){0,4} (?:an emergency|serious|worry|worried|ambulance|999|911|000|112|nine nine nine|nine one one|triple zero"
            r"|a and e|casualty|the er|emergency room|emergency department|hospital)|symptoms? (?:\w+ ){0,3}(?:look out|watch|worry|serious|mean)"
            r"|nerve problem|something (?:serious|worse|more serious)|not just a (?:muscle|spasm)|cauda equina"),
        (2, r"danger\w*|emergenc\w*|serious|worr\w*|concern\w*|ambulance|life threatening|symptoms|scared|frightened"),
    ],
    "ProfessionalHelpIntent": [
        (5, r"(?:see|call|ring|phone|visit|go to|book|need|get|talk to|speak to|ask)(?: \w+){0,2} (?:doctors?|doc|gp|physio\w*|physical therap\w*"
            r"|chiropract\w*|osteo\w*|specialist|professional|nurse|someone|somebody|anyone)|medical (?:help|advice|attention)"
            r"|(?:get|have) (?:it |this |my back )?(?:checked|looked at|seen to|seen)|(?:not|isn't|hasn't|no) (?:getting )?better"
            r"|(?:long|when) (?:\w+ ){0,4}(?:wait|before)|(?:two|2|three|a few|several|couple of) weeks|(?:seeing|see) someone"
            r"|looked at|what point"),
        (3, r"doctors?|\bdoc\b|\bgp\b|physio\w*|physical therap\w*|chiropract\w*|chiro|osteo\w*|specialist|clinic|appointment|surgery"
            r"|professional|nurse|urgent care|walk in|mri|x ray|xray|scan|massage|therapist|acupunctur\w*|referral|injection"),
    ],
    "PainReliefIntent": [
        (4, r"pain ?killers?|pain relie\w*|ibuprofen|advil|motrin|nurofen|brufen|paracetamol|acetaminophen|tylenol|panadol|aspirin"
            r"|naproxen|aleve|diclofenac|voltaren|voltarol|codeine|co codamol|muscle relax\w*|anti inflammator\w*|nsaids?"
            r"|tiger balm|diazepam|valium|opioids?|tramadol|morphine|dolo|combiflam|crocin|robaxacet|robaxin|bengay|moov|volini"
            r"|deep heat|deep freeze|biofreeze|icy hot|lidocaine|calpol|solpadeine|excedrin|meloxicam|celebrex|cyclobenzaprine|flexeril"),
        (3, r"medic\w*|\bmeds\b|pills?|tablets?|capsules?|drugs?|relaxants?|cream|gel|spray|ointment|balm|rub|patch\w*|pharmacist|chemist"
            r"|pharmacy|prescription|dose|dosage|(?:take|have) something|something stronger|over the counter|thinners"
            r"|(?:what|anything|something) (?:\w+ )?(?:can|could|should) i take|take for"),
    ],
    "HeatColdIntent": [
        (4, r"heat or (?:ice|cold)|(?:ice|cold) or heat|hot or cold|cold or hot|heating pads?|heat pads?|heat packs?|hot water bottles?"
            r"|ice packs?|cold packs?|wheat bags?|frozen peas|electric blankets?|hot baths?|warm baths?|hot showers?|heat wraps?|heat patch\w*"),
        (3, r"heat\w*|\bhot\b|warm\w*|\bice\b|icing|iced|\bcold\b|frozen|peas|bath|baths|shower|sauna|jacuzzi|hot tub|compress\w*"
            r"|thermacare|cool\w*|cryo\w*|microwave"),
    ],
    "PostureIntent": [
        (4, r"how (?:should|do|can) i (?:be )?(?:sit|sleep|lie|lay|stand|lift|bend|drive|carry|get up|get out of bed|get comfortable)\w*|posture"
            r"|mattress|pillow|ergonom\w*|sleeping position|office chair|lumbar (?:support|cushion|roll)|back (?:support|brace)"
            r"|(?:best|good|right|comfortable|safest) (?:way|position) to (?:sit|sleep|lie|lay|stand|lift|bend|carry|drive|get up|pick)"
            r"|position (?:to|for) (?:sleep|sit|lie)|get comfortable|comfy"),
        (3, r"\bsit(?!\s?ups?)\w*|\bsat\b|seat\w*|chair|desk|stand\w*|sleep\w*|lying|laying|position\w*|lift\w*|bend\w*|carry\w*"
            r"|driv\w*|\bcar\b|slouch\w*|pick (?:\w+ )?up|computer|laptop|hunch\w*|shoes|heels|get (?:up|out of bed|dressed)|\bbed\b"
            r"|\blie\b|\blay\b|\bsex\b|intercourse"),
        (1, r"sneez\w*|cough\w*"),
    ],
    "RestIntent": [
        (4, r"stay in bed|bed rest|keep moving|rest or|or rest|(?:take|have) (?:time|the day|a day|days|a week) off|sick (?:day|note|leave)"
            r"|(?:go|going|get) (?:back )?to work|(?:stay|keep|be) active|(?:lie|lying|lay|laying|stay|staying)(?: \w+){0,3} (?:couch|sofa|bed|floor) all"
            r"|all (?:day|weekend) in bed|off work|work (?:today|tomorrow|with)|(?:should|can) i (?:still )?work|lie down|lay down|lying down"
            r"|school run|rest up|(?:sit|sitting|lie|lying|lay|laying) around|doing nothing"
            r"|(?:ok|okay|alright|fine|safe|good) to (?:walk|move|keep moving|go out)|walk (?:about|around)"),
        (3, r"\brest(?:ing|ed|s|ful)?\b|walk\w*|\bwork\b|\bworking\b|\bjob\b|office|time off|day off|school|take it easy"
            r"|housework|chores|\bmov\w*|activ\w*"),
    ],
    "ExerciseAdviceIntent": [
        (4, r"\bgym\b|yoga|pilates|(?<!school )\brun\b|running|jog\w*|swim\w*|sports?|golf\w*|football|footy|soccer|tennis|hockey"
            r"|workouts?|work out|training|weights|cycl\w*|\bbike\b|hiking|danc\w*|cricket|rugby|netball|\bski(?:ing|er|s)?\b|riding"
            r"|sit ups|squats|crunches|deadlifts?|basketball|badminton|squash|climbing|martial arts|boxing|exercis\w*"),
        (3, r"stretching|physical activity"),
        (2, r"\bstretch\b"),
    ],
    "AMAZON.HelpIntent": [
        (4, r"^help$|(?:can|do|should) (?:i|you) (?:say|ask)\b|what can (?:i ask|you do)|how does (?:this|it) work|^(?:my )?options$|instructions"
            r"|commands|don't know what to (?:say|ask)|(?:i'm |m )?lost help|^lost\b|what are you"),
    ],
    "AMAZON.StopIntent": [
        (4, r"\b(?:bye|goodbye|good bye|exit|quit)\b|^(?:stop|enough|thanks|thank you|cheers)\b|i'm done|me done|that's all|that's it"
            r"|shut up|leave me alone|go away|no more|^(?:stop|end|finish|cancel|quit)\b(?!(?: \w+){0,4} (?:timers?|program\w*|sessions?|heat|ice|cold|clock|countdown|reminders?))"),
    ],
    "OverviewIntent": [
        (4, r"what (?:can|should|do|could) i do|what now|what helps|what are my options"
            r"|(?:put|putting|threw|throwing|thrown|done|did|doing) my back (?:out|in)"
            r"|(?:back|back's|it|it's)(?: is| has)? (?:just |now |gone |)(?:gone|went|go|seized|locked|spasmed) (?:out|up|into spasm)?\b"
            r"|back's (?:just |now )?(?:gone|seized|locked)"
            r"|(?:fix|ease|help|stop|treat|relieve) (?:this|the|my|a) (?:\w+ )?(?:spasm|back)|twang|something (?:went|gone|popped|snapped|pinged)"),
        (2, r"spasm\w*|back pain|back ?ache|back hurts?|bad back|sore back|stiff back|back (?:is|has|'s) (?:gone|killing|sore|hurting|locked|seized|stiff|bad)"
            r"|what (?:can|should|do|could) i do|what (?:helps|works|fixes|now)|relie\w*|\bease|easing|get rid|\bfix\w*|cure|tips|advice|remed\w*"
            r"|feel better|lumbago|crook back|done my back|put my back out|threw my back out|thrown my back out|pulled|twinge|twang|locked|seized"
            r"|knotted|knots|muscle catch|what are my options|self care|care for|\bhelp\b|treat\w*|how (?:do|can) i (?:stop|ease|fix|handle|deal)"),
    ],
}
_TOPIC_PATTERNS = {topic: [(weight, _Pattern(r"\b(?:" + p + r")\b")) for weight, p in rules]
                   for topic, rules in TOPICS.items()}

#: Slot values a topic can carry from the same words.
_KIND = [("alternate", r"\b(?:alternat\w*|both|contrast|heat and (?:ice|cold)|hot and cold|ice and heat|cold and heat|switch\w*)\b"),
         ("cold", r"\b(?:ice|icing|iced|icy|cold|frozen|peas|cool\w*)\b"),
         ("heat", r"\b(?:heat\w*|hot|warm\w*|wheat bag|hot water bottle)\b")]
_STRETCH = [("knee_to_chest", r"\bknees? (?:to|into) (?:my |your )?chest\b|\bknee hugs?\b"),
            ("knee_rolls", r"\bknee (?:roll|rock|twist)\w*\b"),
            ("pelvic_tilt", r"\bpelvi\w* (?:tilt|rock)\w*\b"),
            ("bottom_to_heels", r"\b(?:bottom|bum|butt) to heels?\b|\bchild'?s pose\b"),
            ("cat_cow", r"\bcat (?:and )?(?:cow|camel|curls?)\b")]
_KIND = [(value, _Pattern(p)) for value, p in _KIND]
_STRETCH = [(value, _Pattern(p)) for value, p in _STRETCH]


def topic_of(text: str):
    """(topic, slot values) the words ask about, or (None, {})."""
    words = normalise(text)
    best, best_score = None, 0
    for topic, rules in _TOPIC_PATTERNS.items():
        score = max((weight for weight, pattern in rules
                     if any(not _denied(words, m.start(), m.end(), reach=2) for m in pattern.finditer(words))),
                    default=0)
        if score > best_score:
            best, best_score = topic, score
    return (best, _slots_for(best, words)) if best else (None, {})


_HOURS = {w: n for n, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve".split())}
_MINUTES = {"o'clock": 0, "oclock": 0, "fifteen": 15, "thirty": 30, "forty five": 45, "quarter past": 15}
_CLOCK = _Pattern(r"\b(?:at|for) (?P<hour>\d{1,2}|" + "|".join(sorted(_HOURS, key=len, reverse=True)) + r")"
                    r"(?::(?P<mm>\d{2})| (?P<minute>o'clock|fifteen|thirty|forty five))?"
                    r"(?: ?(?P<ampm>am|pm|a m|p m)| in the (?P<part>morning|afternoon|evening)| at night)?\b")
_HALF_PAST = _Pattern(r"\b(?:at )?half (?:past )?(?P<hour>\d{1,2}|" + "|".join(_HOURS) + r")\b")
_DAY_PART = _Pattern(r"\b(?:every|each|in the|at) (?P<part>morning|afternoon|evening|night|bedtime)s?\b")


def _reminder_time(words: str) -> dict:
    """The time of day a reminder was asked for, as Alexa fills AMAZON.TIME ("07:30") or a DAY_PART id."""
    match = _CLOCK.search(words) or _HALF_PAST.search(words)
    part = _DAY_PART.search(words)
    if match is None:
        return {"part": "night" if part.group("part") == "bedtime" else part.group("part")} if part else {}
    hour = match.group("hour")
    hour = int(hour) if hour.isdigit() else _HOURS[hour]
    groups = match.groupdict()
    minute = 30 if match.re is _HALF_PAST else int(groups["mm"]) if groups.get("mm") else \
        _MINUTES.get(groups.get("minute") or "", 0)
    said_part = groups.get("part") or (part.group("part") if part else None)
    if (groups.get("ampm") or "").startswith("p") or said_part in ("afternoon", "evening", "night") or \
            " at night" in match.group(0):
        hour = hour + 12 if hour < 12 else hour
    if hour > 23 or minute > 59:
        return {}
    return {"time": "{:02d}:{:02d}".format(hour, minute)}


def _slots_for(topic: str, words: str) -> dict:
    if topic == "StretchReminderIntent":
        return _reminder_time(words)
    table = {"StartHeatProgramIntent": ("kind", _KIND), "StartStretchesIntent": ("stretch", _STRETCH)}.get(topic)
    if table is None:
        return {}
    name, values = table
    for value, pattern in values:
        if pattern.search(words):
            return {name: value}
    return {}


# --- one reading ----------------------------------------------------------------------

@dataclass(frozen=True)
class Reading:
    """What a person's words say: a red flag (most serious first), else a topic."""
    red_flag: object = None   # safety.RedFlag or None
    topic: str | None = None  # the intent that answers it
    slots: dict = field(default_factory=dict)


def read(text: str) -> Reading:
    flag = red_flag(text)
    if flag is not None:
        return Reading(red_flag=flag)
    topic, slots = topic_of(text)
    return Reading(topic=topic, slots=slots)
