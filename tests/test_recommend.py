"""`recommend`: engine options judged by the real capability check, ranked, with retirement and az flags."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.shared import ROOT
from translator.diagnostics import Diagnostics
from translator.load.decode import load_intents
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
    assert first.startswith("Recommended on AKS for the policy: Azure CNI powered by Cilium with ACNS (exact)")
    assert "az aks update" in result.stdout and "--enable-acns" in result.stdout
    assert "paid add-on, needed for these policies' FQDN or L7 rules" in result.stdout
    assert "Azure CNI powered by Cilium: cannot enforce them" in result.stdout


def test_windows_node_pools_rule_out_cilium_and_name_calico() -> None:
    data = run_json("--platform", "aks", "--windows-nodes", "-f", DEFAULT_DENY)
    opts = options(data)
    for key in ("cilium", "cilium-acns"):
        assert not opts[key]["available"]
        assert any("Windows" in n for n in opts[key]["blockers"])
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


def test_platform_options_come_from_the_installed_backends(monkeypatch: pytest.MonkeyPatch) -> None:
    real = rec.all_backends()
    assert [o.key for o in rec.platform_options("aks")] == ["cilium", "cilium-acns", "calico", "azure-npm-linux",
                                                           "azure-npm-windows", "cluster-network-policy"]
    monkeypatch.setattr(rec, "all_backends", lambda: {k: v for k, v in real.items() if k != "calico"})
    ranked = rec.recommend(loaded(DEFAULT_DENY))
    assert "calico" not in [a.option.key for a in ranked], "a backend that is not installed offers no option"
    assert [a.option.key for a in ranked if a.verdict == "unavailable"] == []


def test_an_option_whose_backend_is_missing_is_listed_as_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    options = rec.platform_options("aks")
    real = rec.all_backends()
    monkeypatch.setattr(rec, "all_backends", lambda: {k: v for k, v in real.items() if k != "calico"})
    ranked = rec.recommend(loaded(DEFAULT_DENY), options=options)
    calico = next(a for a in ranked if a.option.key == "calico")
    assert calico.verdict == "unavailable" and not calico.available
    assert "not installed" in calico.blockers[0]
    assert all(a.available for a in ranked[:ranked.index(calico)]), "unavailable options come after available ones"


def test_calico_kinds_need_self_managed_calico_on_aks() -> None:
    ranked = rec.recommend(loaded(str(INTENTS / "deny-rule.yaml")))
    calico = next(a for a in ranked if a.option.key == "calico")
    if calico.verdict == "refused":
        pytest.skip("the calico backend refuses this sample")
    assert any("self-managed" in n for n in calico.factors)


def test_without_a_platform_every_installed_engine_is_compared() -> None:
    data = run_json("-f", FQDN)
    assert {o["key"] for o in data["options"]} == set(rec.all_backends())
    assert data["platform"] == "any"


def test_bad_input_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: netpolx.io/v1alpha1\nkind: NetworkIntent\nmetadata: {name: x}\nspec: {}\n")
    result = run_cli("recommend", "--platform", "aks", "-f", str(bad))
    assert result.code == 2 and "bad.yaml" in result.stderr


NPM = ROOT / "samples" / "migration" / "npm-cluster"
SCREEN = 24


def test_npm_sample_on_aks_puts_cilium_first_and_names_the_edits_that_make_it_exact() -> None:
    result = run_cli("recommend", "--platform", "aks", "-f", str(NPM / "policies.yaml"))
    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) <= SCREEN and max(len(x) for x in lines) <= 200, "one screen"
    assert lines[0] == "Recommended on AKS for the 7 policies: Azure CNI powered by Cilium (exact after " \
        "pre-migration edits)"
    assert "shop/frontend-from-anywhere: the named port becomes its number" in result.stdout
    assert "shop/backend-from-frontend: selector peers next to the ipBlock" in result.stdout
    assert "give --cluster" in result.stdout
    others = result.stdout.split("Other options:")[1]
    assert "Azure NPM (Linux): exact; support ends 2028-09-30" in others
    assert "Calico: exact; self-managed" in others
    assert "paid add-on these policies do not need" in others


def test_with_the_cluster_the_edits_are_computed_and_the_move_verified() -> None:
    data = run_json("--platform", "aks", "--from", "azure-npm", "-f", str(NPM / "policies.yaml"),
                    "--cluster", str(NPM / "cluster.yaml"))
    assert data["recommended"] == "cilium"
    cilium = options(data)["cilium"]
    assert cilium["verdict"] == "exact-after-edits"
    assert cilium["verified"].startswith("equivalent on your cluster")
    fixes = {c["pre_migration_fix"] for c in cilium["changes"]}
    assert "named port 'http' -> 8080" in fixes
    assert "selector peers next to ipBlock 10.244.1.0/24 for the pods it matches" in fixes
    assert all(c["fix_computed"] for c in cilium["changes"])
    # the same migration writes exactly these edits
    text = run_cli("recommend", "--platform", "aks", "--from", "azure-npm", "-f", str(NPM / "policies.yaml"),
                   "--cluster", str(NPM / "cluster.yaml")).stdout
    assert "netpolx migrate writes them to pre-migration/" in text and "verified: equivalent" in text


def test_a_change_no_edit_removes_leaves_cilium_changed(tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text("""apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to: [{ipBlock: {cidr: 10.244.0.0/16, except: [10.244.1.0/24]}}]
    ports: [{port: web}]
""")
    data = run_json("--platform", "aks", "-f", str(policy), "--cluster", str(NPM / "cluster.yaml"))
    cilium = options(data)["cilium"]
    assert cilium["verdict"] == "changed"
    remaining = [c for c in cilium["changes"] if not c["pre_migration_fix"]]
    assert [c["feature"] for c in remaining] == ["named-port"], "a named port next to an ipBlock stays a name"
    assert data["recommended"] == "cilium", "managed and supported still beats a self-managed exact engine"


def test_scale_limits_rule_out_npm() -> None:
    data = run_json("--platform", "aks", "--nodes", "400", "-f", DEFAULT_DENY)
    npm = options(data)["azure-npm-linux"]
    assert not npm["available"] and "at most 250 nodes (the cluster has 400)" in npm["blockers"]
    data = run_json("--platform", "aks", "--pods", "25000", "-f", DEFAULT_DENY)
    assert not options(data)["azure-npm-linux"]["available"]


def test_managed_calico_on_a_new_cluster_and_self_managed_on_an_existing_one() -> None:
    existing = options(run_json("--platform", "aks", "-f", DEFAULT_DENY))["calico"]
    new = options(run_json("--platform", "aks", "--new-cluster", "-f", DEFAULT_DENY))["calico"]
    assert not existing["managed"] and new["managed"]
    assert any("managed by AKS on a new cluster" in f for f in new["factors"])


def test_verbose_and_markdown_say_each_reason_once() -> None:
    text = run_cli("recommend", "--platform", "aks", "-v", "-f", str(NPM / "policies.yaml")).stdout
    paragraph = "0.0.0.0/0 can hold in-cluster addresses"
    assert text.count(paragraph) == 1, "shared notes, not one copy per option"
    assert "Ranked by, in order:" in text and "Notes:" in text
    md = run_cli("recommend", "--platform", "aks", "-o", "markdown", "-f", str(NPM / "policies.yaml")).stdout
    assert md.startswith("# Network policy engine on AKS")
    assert "| 1 | Azure CNI powered by Cilium | exact after pre-migration edits |" in md
    assert md.count(paragraph) == 1
