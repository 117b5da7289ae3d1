"""make package: a Lambda zip that works on its own, and an ASK CLI project built from the sources.

The test builds offline (runtime packages copied from this environment, the same closure
pip installs for ``make package``) and runs the zip in a bare venv with nothing else.
"""
from __future__ import annotations

import json
import os
import zipfile

import pytest

from tools import package

ROOT = package.ROOT


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    build = tmp_path_factory.mktemp("build")
    zip_path = package.build_lambda_zip(str(build), deps="installed")
    return build, zip_path


def test_the_lambda_zip_answers_a_request_in_a_bare_venv_from_nothing_but_the_zip(built, tmp_path):
    _, zip_path = built
    response = package.smoke_test_zip(zip_path, str(tmp_path))
    assert "Back Spasm Coach" in response["response"]["outputSpeech"]["ssml"]


def test_the_zip_holds_the_skill_and_its_runtime_packages_only(built):
    _, zip_path = built
    names = zipfile.ZipFile(zip_path).namelist()
    top = {name.split("/")[0] for name in names}
    assert {"lambda_function.py", "back_spasm_coach", "ask_sdk_core", "ask_sdk_model"} <= top
    assert not top & package.FORBIDDEN_TOP_LEVEL
    bytecode = [n for n in names if n.endswith(".pyc")]
    assert bytecode and all(n.split("/")[-2:-1] == ["__pycache__"] and ".cpython-311." in n
                            for n in bytecode)
    assert "back_spasm_coach/__pycache__/skill.cpython-311.pyc" in names
    assert "back_spasm_coach/content/en/overview.json" in names


def test_the_zip_is_the_same_for_the_same_sources(built, tmp_path):
    _, zip_path = built
    again = package.build_lambda_zip(str(tmp_path), deps="installed")
    with open(zip_path, "rb") as first, open(again, "rb") as second:
        assert first.read() == second.read()


def test_a_web_package_in_the_bundle_is_refused():
    with pytest.raises(SystemExit, match="flask"):
        package.check_bundle(["lambda_function.py", "flask/__init__.py"])


def read_json(*parts):
    with open(os.path.join(*parts), encoding="utf-8") as handle:
        return json.load(handle)


def test_the_ask_project_is_the_manifest_and_every_interaction_model(tmp_path):
    project = package.build_ask_project(str(tmp_path))
    assert read_json(project, "skill-package", "skill.json") == read_json(ROOT, "skill.json")
    locales = read_json(ROOT, "skill.json")["manifest"]["publishingInformation"]["locales"]
    for locale in locales:
        built_model = read_json(project, "skill-package", "interactionModels", "custom", locale + ".json")
        assert built_model == read_json(ROOT, "interaction-model", locale + ".json")
    resources = read_json(project, "ask-resources.json")
    profile = resources["profiles"]["default"]
    assert profile["skillMetadata"]["src"] == "./skill-package"
    assert profile["skillInfrastructure"]["userConfig"]["handler"] == "lambda_function.lambda_handler"
    assert os.path.isfile(os.path.join(project, profile["code"]["default"]["src"], "lambda_function.py"))


def test_a_self_hosted_endpoint_goes_into_the_manifest_and_no_code_is_deployed(tmp_path):
    project = package.build_ask_project(str(tmp_path), endpoint="https://skill.example.org/")
    endpoint = read_json(project, "skill-package", "skill.json")["manifest"]["apis"]["custom"]["endpoint"]
    assert endpoint == {"uri": "https://skill.example.org/", "sslCertificateType": "Trusted"}
    assert set(read_json(project, "ask-resources.json")["profiles"]["default"]) == {"skillMetadata"}
    with pytest.raises(SystemExit):
        package.build_ask_project(str(tmp_path), endpoint="http://insecure.example.org/")
