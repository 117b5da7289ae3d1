"""Amazon's own APL validator (apl-suggester's StaticAplTemplateValidator, npm), from Python.

``validate_all(directives)`` runs it in node on what the skill sends in
RenderDocument directives (document and data sources) and returns the findings
for each (``[]`` when clean), each with the JSON path, the message and the level. apl-suggester is installed on first
use (tools/node_packages.py); without node ``Unavailable`` says why.
"""
from __future__ import annotations

import json
import subprocess

from tools import node_packages

_VALIDATE = """
const {StaticAplTemplateValidator} = require(process.argv[1]);
let input = "";
process.stdin.on("data", chunk => input += chunk);
process.stdin.on("end", async () => {
  const results = [];
  for (const {document, datasources} of JSON.parse(input)) {
    const validator = new StaticAplTemplateValidator();
    const findings = [...await validator.validate(document)];
    if (datasources) findings.push(...await validator.validateDataSources(datasources));
    results.push(findings);
  }
  console.log(JSON.stringify(results));
});
"""


def validate_all(directives: list, timeout: float = 120.0) -> list:
    """Findings for each RenderDocument directive (a dict with ``document`` and ``datasources``),
    all in one run of node."""
    package = node_packages.require("apl-suggester")
    batch = [{"document": d["document"], "datasources": d.get("datasources")} for d in directives]
    out = subprocess.run([node_packages.node(), "-e", _VALIDATE, package], input=json.dumps(batch),
                         capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError("apl-suggester failed: " + out.stderr[-500:])
    return json.loads(out.stdout.strip().splitlines()[-1])

