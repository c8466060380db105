"""`recommend`: engine options judged by the real capability check, ranked, with retirement and az flags."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.shared import ROOT
from translator.diagnostics import Diagnostics
from translator.intents import load_intents
from translator.migration import recommend as rec

INTENTS = ROOT / "samples" / "intents"
FQDN = str(INTENTS / "fqdn-egress.yaml")
DEFAULT_DENY = str(INTENTS / "default-deny.yaml")


def run_json(*args: str) -> dict:
    result = run_cli("recommend", *args, "-o", "json")
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


def options(data: dict) -> dict[str, dict]:
    return {o["key"]: o for o in data["options"]}


def test_fqdn_egress_on_aks_recommends_cilium_with_acns_and_says_why_not_the_others() -> None:
    data = run_json("--platform", "aks", "-f", FQDN)
    assert data["recommended"] == "cilium-acns"
    opts = options(data)
    assert opts["cilium-acns"]["verdict"] == "exact"
    assert "--enable-acns" in opts["cilium-acns"]["az"]["create"]
    assert "--network-dataplane cilium" in opts["cilium-acns"]["az"]["update"]
    assert "--acns-advanced-networkpolicies FQDN" in opts["cilium-acns"]["az"]["update"]
    assert opts["cilium"]["verdict"] == "refused" and any("ACNS" in m for m in opts["cilium"]["refused"])
    for key in ("azure-npm-linux", "calico"):
        assert opts[key]["verdict"] == "refused"
        assert any("DNS name" in m for m in opts[key]["refused"]), opts[key]["refused"]
    assert data["options"][0]["key"] == "cilium-acns"


def test_text_output_names_the_choice_and_the_flags() -> None:
    result = run_cli("recommend", "--platform", "aks", "-f", FQDN)
    assert result.code == 0
    first = result.stdout.splitlines()[0]
    assert first.startswith("Recommended on AKS: Cilium with Advanced Container Networking Services")
    assert "az aks update" in result.stdout and "--enable-acns" in result.stdout
    assert "cannot:" in result.stdout


def test_windows_node_pools_rule_out_cilium_and_name_calico() -> None:
    data = run_json("--platform", "aks", "--windows-nodes", "-f", DEFAULT_DENY)
    opts = options(data)
    for key in ("cilium", "cilium-acns"):
        assert not opts[key]["available"]
        assert any("Windows" in n for n in opts[key]["notes"])
    assert data["recommended"] == "calico"
    assert "Calico" in data["windows_alternative"] and "Cilium" in data["windows_alternative"]
    text = run_cli("recommend", "--platform", "aks", "--windows-nodes", "-f", FQDN).stdout
    assert "Cilium does not support Windows node pools" in text and "Calico" in text


def test_exact_vanilla_policy_prefers_cilium_over_retiring_npm() -> None:
    data = run_json("--platform", "aks", "-f", DEFAULT_DENY)
    opts = options(data)
    assert data["recommended"] == "cilium"
    assert opts["azure-npm-linux"]["verdict"] == "exact" and not opts["azure-npm-linux"]["retired"]
    assert opts["azure-npm-linux"]["retires"] == "2028-09-30"
    assert opts["azure-npm-windows"]["retires"] == "2026-09-30"


def loaded(path: str) -> list:
    return load_intents([path], Diagnostics())


@pytest.mark.parametrize(("today", "retired"), [(date(2026, 9, 29), False), (date(2026, 11, 28), True)])
def test_windows_npm_retirement_depends_on_the_date(today: date, retired: bool) -> None:
    ranked = rec.recommend(loaded(DEFAULT_DENY), windows_nodes=True, today=today)
    npm = next(a for a in ranked if a.option.key == "azure-npm-windows")
    assert npm.retired is retired
    assert ("create" in npm.commands(False)) is not retired or not npm.option.create


def test_missing_backend_is_listed_as_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    real = rec.all_backends()
    monkeypatch.setattr(rec, "all_backends", lambda: {k: v for k, v in real.items() if k != "calico"})
    ranked = rec.recommend(loaded(DEFAULT_DENY))
    calico = next(a for a in ranked if a.option.key == "calico")
    assert calico.verdict == "unavailable" and not calico.available
    assert "not installed" in calico.notes[0]
    assert all(a.available for a in ranked[:ranked.index(calico)]), "unavailable options come after available ones"


def test_calico_kinds_need_self_managed_calico_on_aks() -> None:
    ranked = rec.recommend(loaded(str(INTENTS / "deny-rule.yaml")))
    calico = next(a for a in ranked if a.option.key == "calico")
    if calico.verdict == "refused":
        pytest.skip("the calico backend refuses this sample")
    assert any("self-managed" in n for n in calico.notes)


def test_without_a_platform_every_installed_engine_is_compared() -> None:
    data = run_json("-f", FQDN)
    assert {o["key"] for o in data["options"]} == set(rec.all_backends())
    assert data["platform"] == "any"


def test_bad_input_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: netpolx.io/v1alpha1\nkind: NetworkIntent\nmetadata: {name: x}\nspec: {}\n")
    result = run_cli("recommend", "--platform", "aks", "-f", str(bad))
    assert result.code == 2 and "bad.yaml" in result.stderr
