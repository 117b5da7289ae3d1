"""The Echo Show view passes Amazon's own validator: apl-suggester's StaticAplTemplateValidator
(npm, installed on first use) checks the RenderDocument directive exactly as the skill sends it,
document and data sources, for every stretch in every locale. Without node the test skips."""
import copy
import json

import pytest

from back_spasm_coach import routine
from back_spasm_coach.content import SUPPORTED_LOCALES
from lambda_function import lambda_handler
from tools import envelopes, node_packages

SCREEN = envelopes.Device(screen=True, api_endpoint="https://127.0.0.1:9")


def sent_directive(stretch_id: str, locale: str) -> dict:
    """The RenderDocument directive of "do the <stretch>", as it leaves lambda_handler (as JSON)."""
    slot = envelopes.slot("stretch", stretch_id, resolved_id=stretch_id, authority="STRETCH_NAME")
    session = envelopes.Session()
    out = lambda_handler(envelopes.intent("StartStretchesIntent", {"stretch": slot}, locale=locale,
                                          device=SCREEN, session=session), None)
    if "directives" not in out["response"]:  # strengthening asks first whether the spasm has settled
        session.absorb(out)
        out = lambda_handler(envelopes.intent("AMAZON.YesIntent", locale=locale, device=SCREEN, session=session), None)
    (directive,) = [d for d in out["response"]["directives"] if d["type"] == "Alexa.Presentation.APL.RenderDocument"]
    return json.loads(json.dumps(directive))


@pytest.fixture(scope="module")
def validator():
    from tools import apl_validator

    try:
        node_packages.require("apl-suggester")
    except node_packages.Unavailable as why:
        pytest.skip("APL validation needs apl-suggester from npm: {}".format(why))
    return apl_validator


def test_every_stretch_view_as_sent_passes_amazons_validator(validator):
    sent = [sent_directive(stretch_id, locale) for locale in SUPPORTED_LOCALES for stretch_id in routine.stretches()]
    findings = validator.validate_all(sent)
    assert findings == [[]] * len(sent), [f for f in findings if f]


def test_the_validator_would_catch_a_broken_view(validator):
    """The check above means something: a wrong type in the document or the data source is found."""
    good = sent_directive(next(iter(routine.stretches())), "en-US")
    bad_document = copy.deepcopy(good)
    bad_document["document"]["mainTemplate"]["items"][0]["items"][0]["color"] = {"red": 1}
    bad_data = copy.deepcopy(good)
    bad_data["datasources"] = {"stretch": 5}
    findings = validator.validate_all([bad_document, bad_data])
    assert any(f["path"].endswith("/items/0/items/0/color") for f in findings[0]), findings[0]
    assert findings[1], findings[1]


def test_the_document_is_built_once_and_only_the_data_changes():
    first = lambda_handler(envelopes.intent("StartStretchesIntent", device=SCREEN), None)
    other = sent_directive("cat_cow" if "cat_cow" in routine.stretches() else list(routine.stretches())[-1], "en-GB")
    (directive,) = first["response"]["directives"]
    assert directive["document"] is lambda_handler(envelopes.intent("StartStretchesIntent", device=SCREEN),
                                                   None)["response"]["directives"][0]["document"]
    assert directive["document"] == other["document"]
    assert directive["datasources"] != other["datasources"]
