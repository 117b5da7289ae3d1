"""``make package``: what you upload, built under build/ (never committed).

1. ``build/back-spasm-coach-lambda.zip``: the ``lambda/`` code plus its runtime packages
   (``lambda/requirements.txt``, installed with ``pip --target`` as wheels for the Lambda
   runtime: CPython 3.11, manylinux x86_64). No web service, no tests, no tools, no
   ``__pycache__``; entries sorted with fixed dates so the same sources give the same zip.
   Upload it as a Lambda function's code; handler ``lambda_function.lambda_handler``.
2. ``build/ask/``: an ASK CLI project, ``ask-resources.json`` + ``skill-package/skill.json`` +
   ``skill-package/interactionModels/custom/<locale>.json`` + ``lambda/`` (sources), built from
   ``skill.json`` and ``interaction-model/``. ``cd build/ask && ask deploy`` deploys the skill
   and, with the Lambda deployer, the code; or zip ``skill-package/`` for the console's import.

    python -m tools.package [--endpoint https://host/ | arn:aws:lambda:...] [--deps installed] [--check]

``--endpoint`` writes that endpoint into the manifest (an https URL is a self-hosted web
service: ``sslCertificateType`` Trusted, and the ASK project then deploys metadata only).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
LAMBDA_SRC = os.path.join(ROOT, "lambda")
ZIP_NAME = "back-spasm-coach-lambda.zip"
FIXED_DATE = (1980, 1, 1, 0, 0, 0)
LAMBDA_RUNTIME = "python3.11"
#: What must never ship in the Lambda bundle (web service, test and build tools).
FORBIDDEN_TOP_LEVEL = {"flask", "flask_ask_sdk", "ask_sdk_webservice_support", "werkzeug", "gunicorn",
                       "cryptography", "pytest", "_pytest", "hypothesis", "webservice", "tests", "tools",
                       "pip", "setuptools", "ask_smapi_model"}
#: Packages every AWS Lambda Python runtime (and Alexa-hosted) already provides: the
#: DynamoDB adapter needs boto3 there, but shipping it would multiply the zip's size.
PROVIDED_BY_LAMBDA = {"boto3", "botocore", "s3transfer", "jmespath"}
SKIP_NAMES = {"__pycache__", ".pytest_cache", ".mypy_cache"}
SKIP_SUFFIXES = (".pyc", ".pyo")


def _skip(name: str) -> bool:
    return name in SKIP_NAMES or name.endswith(SKIP_SUFFIXES)


def copy_tree(source: str, target: str) -> None:
    shutil.copytree(source, target, ignore=lambda _dir, names: [n for n in names if _skip(n)])


def install_runtime_packages(target: str, requirements: str, native: bool = False) -> None:
    """pip install --target: wheels for Lambda's Python 3.11 on x86_64 (or this machine's)."""
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
               "--no-compile", "--target", target, "-r", requirements]
    if not native:
        command += ["--only-binary=:all:", "--implementation", "cp", "--python-version", "3.11",
                    "--platform", "manylinux2014_x86_64"]
    subprocess.run(command, check=True)
    # console scripts are of no use in a Lambda bundle
    shutil.rmtree(os.path.join(target, "bin"), ignore_errors=True)
    for name in os.listdir(target):
        if name.split("-")[0].lower() in PROVIDED_BY_LAMBDA:
            shutil.rmtree(os.path.join(target, name), ignore_errors=True)


def installed_closure(requirements: str) -> list:
    """The installed distributions that ``requirements`` needs, dependencies included."""
    from importlib import metadata

    from packaging.requirements import Requirement

    wanted = []
    with open(requirements, encoding="utf-8") as handle:
        for line in handle:
            line = line.split("#", 1)[0].strip()
            if line and not line.startswith("-"):
                wanted.append(Requirement(line))
    seen: dict[str, metadata.Distribution] = {}
    while wanted:
        requirement = wanted.pop()
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        key = requirement.name.lower().replace("_", "-")
        if key in seen:
            continue
        seen[key] = metadata.distribution(requirement.name)
        wanted.extend(Requirement(r) for r in (seen[key].requires or []))
    return sorted(seen.values(), key=lambda d: d.metadata["Name"].lower())


def copy_installed_packages(target: str, requirements: str) -> None:
    """Offline: copy the runtime closure from this environment (what pip installed here)."""
    for distribution in installed_closure(requirements):
        if distribution.metadata["Name"].lower() in PROVIDED_BY_LAMBDA:
            continue
        for file in distribution.files or []:
            relative = str(file)
            if relative.startswith("..") or any(_skip(part) for part in relative.split("/")):
                continue
            destination = os.path.join(target, relative)
            os.makedirs(os.path.dirname(destination), exist_ok=True)
            shutil.copyfile(file.locate(), destination)


def smoke_test_zip(zip_path: str, workdir: str) -> dict:
    """Unzip into a bare venv (no pip, nothing installed) and answer a LaunchRequest.

    Returns the response envelope; raises if the bundle cannot import or answer, or if
    a web/test package is importable from it.
    """
    import venv

    venv.EnvBuilder(with_pip=False, clear=True).create(os.path.join(workdir, "venv"))
    python = os.path.join(workdir, "venv", "bin", "python")
    unpacked = os.path.join(workdir, "bundle")
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(unpacked)
    sys.path.insert(0, ROOT)
    try:
        from tools import envelopes
    finally:
        sys.path.remove(ROOT)
    script = (
        "import importlib.util, json, sys\n"
        "leaks = [m for m in ('flask', 'cryptography', 'pytest', 'webservice', 'tools')"
        " if importlib.util.find_spec(m)]\n"
        "assert not leaks, leaks\n"
        "from lambda_function import lambda_handler\n"
        "print(json.dumps(lambda_handler(json.load(sys.stdin), None)))\n")
    env = {"PYTHONPATH": unpacked, "PATH": "/usr/bin:/bin", "HOME": workdir,
           "BACK_SPASM_COACH_DB": os.path.join(workdir, "attributes.sqlite3"), "LANG": "C.UTF-8"}
    result = subprocess.run([python, "-c", script], input=json.dumps(envelopes.launch()), env=env,
                            cwd=workdir, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise RuntimeError("the bundle failed in a clean venv:\n" + result.stderr[-3000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


def write_zip(source_dir: str, zip_path: str, keep_bytecode: bool = False) -> list[str]:
    """A deterministic zip of ``source_dir`` (sorted, fixed dates, 644/755)."""
    def skip(name):
        return not (keep_bytecode and (name == "__pycache__" or name.endswith(".pyc"))) and _skip(name)

    names = []
    for directory, dirs, files in os.walk(source_dir):
        dirs[:] = sorted(d for d in dirs if not skip(d))
        for name in sorted(files):
            if not skip(name):
                names.append(os.path.relpath(os.path.join(directory, name), source_dir))
    names.sort()
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name in names:
            path = os.path.join(source_dir, name)
            info = zipfile.ZipInfo(name.replace(os.sep, "/"), date_time=FIXED_DATE)
            mode = 0o755 if os.stat(path).st_mode & stat.S_IXUSR else 0o644
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            with open(path, "rb") as handle:
                archive.writestr(info, handle.read())
    return names


def check_bundle(names: list[str]) -> None:
    top = {name.split("/")[0] for name in names}
    bad = sorted(top & FORBIDDEN_TOP_LEVEL)
    if bad:
        raise SystemExit("refusing to package web/test/build packages into the Lambda bundle: {}".format(bad))
    if "lambda_function.py" not in top:
        raise SystemExit("lambda_function.py is missing from the bundle")


def build_lambda_zip(build: str = BUILD, deps: str = "pip") -> str:
    """deps: "pip" (Lambda wheels from the index), "native" (this machine's), "installed"
    (offline: copied from this environment), "none" (code only)."""
    staging = os.path.join(build, "lambda")
    shutil.rmtree(staging, ignore_errors=True)
    copy_tree(LAMBDA_SRC, staging)
    requirements = os.path.join(LAMBDA_SRC, "requirements.txt")
    if deps in ("pip", "native"):
        install_runtime_packages(staging, requirements, native=deps == "native")
    elif deps == "installed":
        copy_installed_packages(staging, requirements)
    elif deps != "none":
        raise ValueError(deps)
    compile_bytecode(staging)
    zip_path = os.path.join(build, ZIP_NAME)
    names = write_zip(staging, zip_path, keep_bytecode=True)
    check_bundle(names)
    return zip_path


def compile_bytecode(staging: str) -> bool:
    """Ship bytecode for Lambda's Python, so a cold start need not compile every module.

    Lambda cannot write __pycache__ into the bundle, so without it every cold start
    compiles from source (measured: 249 ms against 69 ms with it). Hash-based
    bytecode (unchecked) keeps the zip's fixed dates from invalidating it. Only done
    when this Python is the runtime's, since other versions' bytecode is unused.
    """
    if "python{}.{}".format(*sys.version_info[:2]) != LAMBDA_RUNTIME:
        print("note: not Python {}; the zip carries no bytecode".format(LAMBDA_RUNTIME[6:]))
        return False
    # Paths recorded as Lambda will see them (/var/task), and a fresh interpreter
    # with a fixed hash seed, so the same sources give the same bytes.
    env = dict(os.environ, PYTHONHASHSEED="0")
    subprocess.run([sys.executable, "-m", "compileall", "-q", "-q", "-j", "1",
                    "-s", staging, "-p", "/var/task",
                    "--invalidation-mode", "unchecked-hash", staging], check=True, env=env)
    return True


def manifest(endpoint: str | None = None) -> dict:
    with open(os.path.join(ROOT, "skill.json"), encoding="utf-8") as handle:
        skill = json.load(handle)
    if endpoint:
        custom = skill["manifest"].setdefault("apis", {}).setdefault("custom", {})
        if endpoint.startswith("https://"):
            custom["endpoint"] = {"uri": endpoint, "sslCertificateType": "Trusted"}
        elif endpoint.startswith("arn:aws:lambda:"):
            custom["endpoint"] = {"uri": endpoint}
        else:
            raise SystemExit("--endpoint must be an https:// URL or a Lambda ARN")
    return skill


def locales() -> list[str]:
    folder = os.path.join(ROOT, "interaction-model")
    return sorted(name[:-5] for name in os.listdir(folder)
                  if name.endswith(".json") and os.path.isfile(os.path.join(folder, name)))


def ask_resources(self_hosted: bool) -> dict:
    profile = {"skillMetadata": {"src": "./skill-package"}}
    if not self_hosted:
        profile["code"] = {"default": {"src": "./lambda"}}
        profile["skillInfrastructure"] = {
            "type": "@ask-cli/lambda-deployer",
            "userConfig": {"runtime": LAMBDA_RUNTIME, "handler": "lambda_function.lambda_handler",
                           "awsRegion": "us-east-1"},
        }
    return {"askcliResourcesVersion": "2020-03-31", "profiles": {"default": profile}}


def _write_json(path: str, data: dict) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, ensure_ascii=False)
        handle.write("\n")


def build_ask_project(build: str = BUILD, endpoint: str | None = None) -> str:
    project = os.path.join(build, "ask")
    shutil.rmtree(project, ignore_errors=True)
    skill = manifest(endpoint)
    declared = set(skill["manifest"]["publishingInformation"]["locales"])
    models = locales()
    missing = sorted(declared - set(models))
    if missing:
        raise SystemExit("skill.json declares locales without an interaction model: {}".format(missing))
    _write_json(os.path.join(project, "skill-package", "skill.json"), skill)
    for locale in models:
        with open(os.path.join(ROOT, "interaction-model", locale + ".json"), encoding="utf-8") as handle:
            model = json.load(handle)
        if "interactionModel" not in model:
            raise SystemExit("interaction-model/{}.json has no interactionModel".format(locale))
        _write_json(os.path.join(project, "skill-package", "interactionModels", "custom", locale + ".json"), model)
    self_hosted = bool(endpoint and endpoint.startswith("https://"))
    _write_json(os.path.join(project, "ask-resources.json"), ask_resources(self_hosted))
    if not self_hosted:
        copy_tree(LAMBDA_SRC, os.path.join(project, "lambda"))
    return project


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Build the Lambda zip and the ASK CLI project under build/.")
    parser.add_argument("--endpoint", help="https URL (self-hosted) or Lambda ARN to write into the manifest")
    parser.add_argument("--build", default=BUILD, help="output folder (default build/)")
    parser.add_argument("--deps", choices=["pip", "native", "installed", "none"], default="pip",
                        help="pip: Lambda's python3.11/x86_64 wheels from the index (default); native: this "
                             "machine's; installed: copy from this environment (offline); none: code only")
    parser.add_argument("--check", action="store_true",
                        help="then run the zip in a bare venv and answer a LaunchRequest")
    args = parser.parse_args(argv)
    os.makedirs(args.build, exist_ok=True)
    zip_path = build_lambda_zip(args.build, deps=args.deps)
    project = build_ask_project(args.build, args.endpoint)
    size = os.path.getsize(zip_path)
    print("Lambda bundle: {} ({:.0f} KiB)".format(os.path.relpath(zip_path, ROOT), size / 1024))
    print("ASK CLI project: {} (cd there; ask deploy)".format(os.path.relpath(project, ROOT)))
    if args.check:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="bsc-zip-") as workdir:
            response = smoke_test_zip(zip_path, workdir)
        print("clean-venv check: answered", response["response"]["outputSpeech"]["type"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
