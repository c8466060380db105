"""The committed intent schema is current, and user YAML errors carry the file, line and field."""

from __future__ import annotations

import json

from tests.conftest import run_cli
from tests.shared import ROOT
from translator.intents import intent_schema, schema_text


def test_committed_schema_is_current() -> None:
    committed = (ROOT / "schemas" / "intent.schema.json").read_text(encoding="utf-8")
    assert committed == schema_text(), "schemas/intent.schema.json is stale: run `make schema`"


def test_schema_command_prints_it() -> None:
    result = run_cli("schema")
    assert result.code == 0
    assert json.loads(result.stdout) == intent_schema()


def test_schema_describes_the_model() -> None:
    schema = intent_schema()
    assert schema["$schema"].endswith("2020-12/schema")
    spec = schema["$defs"]["IntentSpec"]["properties"]
    assert {"subject", "isolate", "ingress", "egress", "allowDNS", "order", "tier", "scope"} <= set(spec)
    assert schema["$defs"]["Peer"]["additionalProperties"] is False


def test_samples_carry_the_editor_modeline() -> None:
    for sample in (ROOT / "samples" / "intents").glob("*.yaml"):
        first = sample.read_text(encoding="utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=../../schemas/intent.schema.json", sample.name
