"""Calico policies as people write them (issue 10): null rule sides, tier-prefixed names in the default tier,
orders as written, Pass-terminated policies in lint and explain, and NetworkPolicy CIDRs with host bits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.conftest import run_cli
from translator import codes
from translator.diagnostics import Diagnostics
from translator.load.decode import intents_from_documents
from translator.load.loaded import LoadedIntent
from translator.load.source import documents_from_text

THREAT_FEED = """\
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: security.block-feed
spec:
  tier: security
  order: 210
  selector: all()
  types:
  - Egress
  egress:
  - action: Deny
    destination:
      selector: threatfeed == "feodo"||threatfeed == "snort"
  - action: Pass
---
apiVersion: projectcalico.org/v3
kind: Tier
metadata:
  name: security
spec:
  order: 100
"""

NULL_SIDES = """\
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: security.null-sides
spec:
  tier: security
  order: 300
  selector: all()
  ingress:
  - action: Deny
    source:
      selector: zone == "untrusted"
  - action: Pass
    source:
    destination:
  types:
  - Ingress
"""

DEFAULT_TIER_NAME = """\
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: default.dmz
  namespace: storefront
spec:
  tier: default
  order: 1000
  selector: fw-zone == "dmz"
  ingress:
  - action: Allow
    source:
      nets: [18.0.0.0/16]
  types: [Ingress]
"""


def write(tmp_path: Path, text: str, name: str = "in.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def load(text: str) -> tuple[list[LoadedIntent], Diagnostics]:
    diags = Diagnostics()
    return intents_from_documents(documents_from_text(text, "t.yaml", diags), diags), diags


def test_null_source_and_destination_mean_any(tmp_path: Path) -> None:
    loaded, diags = load(NULL_SIDES)
    assert not diags.has_errors, [d.format() for d in diags]
    last = loaded[0].intent.spec.ingress[-1]
    assert last.peers is None and last.ports is None
    result = run_cli("translate", "--engine", "calico", "--verify", "-f", write(tmp_path, NULL_SIDES))
    assert result.code == 0, result.stderr


@pytest.mark.parametrize(("text", "name"), [(DEFAULT_TIER_NAME, "default.dmz"), (THREAT_FEED, "security.block-feed")])
def test_calico_to_calico_keeps_the_name(tmp_path: Path, text: str, name: str) -> None:
    result = run_cli("translate", "--engine", "calico", "--verify", "-f", write(tmp_path, text))
    assert result.code == 0, result.stderr
    names = [o["metadata"]["name"] for o in yaml.safe_load_all(result.stdout) if o and o["kind"] != "Tier"]
    assert names == [name]


def test_orders_print_as_written(tmp_path: Path) -> None:
    path = write(tmp_path, DEFAULT_TIER_NAME.replace("order: 1000", "order: 10000"))
    imported = run_cli("import", "-f", path)
    assert imported.code == 0, imported.stderr
    assert "order: 10000\n" in imported.stdout
    out = run_cli("translate", "--engine", "calico", "-f", path)
    assert "order: 10000\n" in out.stdout
    unknown = run_cli("translate", "--engine", "calico", "-f",
                      write(tmp_path, THREAT_FEED.split("---")[0], "feed.yaml"))
    assert "1e+06" not in unknown.stderr and "with order 1000000" in unknown.stderr, unknown.stderr


def test_threat_feed_reaches_cilium_as_a_non_isolating_deny(tmp_path: Path) -> None:
    result = run_cli("translate", "--engine", "cilium", "--verify", "-f", write(tmp_path, THREAT_FEED))
    assert result.code == 0, result.stderr
    [obj] = [o for o in yaml.safe_load_all(result.stdout) if o]
    assert obj["kind"] == "CiliumClusterwideNetworkPolicy"
    assert obj["spec"]["enableDefaultDeny"] == {"egress": False} and "egress" not in obj["spec"]
    [deny] = obj["spec"]["egressDeny"]  # `a == x || a == y` is one `In`
    assert deny["toEndpoints"][0]["matchExpressions"][0] == {"key": "k8s:threatfeed", "operator": "In",
                                                             "values": ["feodo", "snort"]}


def test_lint_and_explain_know_a_trailing_pass_isolates_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, THREAT_FEED)
    lint = run_cli("lint", "-f", path)
    assert codes.LINT_EGRESS_WITHOUT_DNS not in lint.stdout + lint.stderr, lint.stdout + lint.stderr
    assert "name resolution will time out" not in lint.stdout + lint.stderr
    explain = run_cli("explain", "-f", path)
    assert explain.code == 0, explain.stderr
    assert "isolated (default deny)" not in explain.stdout
    assert "Egress: not isolated: a catch-all Pass" in explain.stdout
    [policy] = json.loads(run_cli("explain", "-f", path, "-o", "json").stdout)
    assert [d["isolated"] for d in policy["directions"] if d["direction"] == "egress"] == [False]


def test_lint_still_warns_when_the_pass_is_not_catch_all(tmp_path: Path) -> None:
    text = THREAT_FEED.replace("  - action: Pass\n", "  - action: Pass\n    protocol: TCP\n")
    lint = run_cli("lint", "-f", write(tmp_path, text))
    assert codes.LINT_EGRESS_WITHOUT_DNS in lint.stdout + lint.stderr


def test_networkpolicy_cidr_with_host_bits_is_masked_with_a_warning(tmp_path: Path) -> None:
    text = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: a, namespace: x}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to:
    - ipBlock: {cidr: 20.0.0.0/2, except: [20.1.2.3/8]}
"""
    result = run_cli("translate", "--engine", "kubernetes", "--verify", "-f", write(tmp_path, text))
    assert result.code == 0, result.stderr
    block = yaml.safe_load(result.stdout)["spec"]["egress"][0]["to"][0]["ipBlock"]
    assert block == {"cidr": "0.0.0.0/2", "except": ["20.0.0.0/8"]}
    warnings = [line for line in result.stderr.splitlines() if " warning " in line and "host bits" in line]
    assert len(warnings) == 2 and ":9: " in warnings[0] and "ipBlock.cidr" in warnings[0]


OR_SUBJECT = """\
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: a, namespace: x}
spec:
  order: 10
  selector: app == "a" || (tier == "web" && !has(legacy))
  types: [Ingress]
  ingress:
  - action: Deny
    source:
      selector: bad == "yes"
  - action: Allow
    source:
      selector: app == "a" || app == "b"
"""


@pytest.mark.parametrize("engine", ["calico", "cilium", "kubernetes"])
def test_or_in_the_policy_selector_splits_into_intents_with_the_same_rules(tmp_path: Path, engine: str) -> None:
    result = run_cli("translate", "--engine", engine, "--verify", "-f", write(tmp_path, OR_SUBJECT))
    assert result.code == 0, result.stderr
    names = [o["metadata"]["name"] for o in yaml.safe_load_all(result.stdout) if o]
    assert names == ["a", "a-or-2"]
    assert "'||' in its selector: imported as 2 intents" in result.stderr


NARROWING = """\
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: db, namespace: x}
spec:
  order: 10
  selector: role == "db"
  types: [Ingress]
  ingress:
  - action: Allow
    protocol: TCP
    source:
      selector: app == "api"
    destination:
      selector: tier == "primary"
      ports: [5432]
  - action: Allow
    source:
      selector: app == "admin"
"""


@pytest.mark.parametrize("engine", ["calico", "cilium", "kubernetes"])
def test_an_ingress_destination_selector_narrows_the_subject(tmp_path: Path, engine: str) -> None:
    result = run_cli("translate", "--engine", engine, "--verify", "-f", write(tmp_path, NARROWING))
    assert result.code == 0, result.stderr
    objects = [o for o in yaml.safe_load_all(result.stdout) if o]
    assert [o["metadata"]["name"] for o in objects] == ["db", "db-or-2"]
    assert [len(o["spec"]["ingress"]) for o in objects] == [2, 1]
    assert "rules that apply to only some of its pods" in result.stderr


def test_an_egress_source_service_account_is_refused_at_the_rule_when_the_rest_cannot_be_named() -> None:
    text = NARROWING.replace("types: [Ingress]", "types: [Egress]").replace("  ingress:\n", "  egress:\n") \
        .replace('    destination:\n      selector: tier == "primary"\n      ports: [5432]\n', "")
    text = text.replace('    source:\n      selector: app == "api"\n',
                        "    source:\n      serviceAccounts: {names: [backup]}\n    destination:\n"
                        "      ports: [5432]\n")
    _, diags = load(text)
    [error] = diags.errors
    assert error.location.field_path == "spec.egress[0]" and "service accounts by exclusion" in error.message


def test_same_key_alternatives_are_one_in_term() -> None:
    text = OR_SUBJECT.replace('app == "a" || (tier == "web" && !has(legacy))', "name == 'a' || name == 'b'")
    loaded, diags = load(text)
    assert not diags.has_errors and len(loaded) == 1
    [req] = loaded[0].intent.spec.subject.pods.requirements()
    assert (req.key, req.operator.value, req.values) == ("name", "In", ("a", "b"))
