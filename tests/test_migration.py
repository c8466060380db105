"""`migrate`: the bundle (golden files for both sample stories), exit codes, verification, pre-migration edits
checked on the old engine, nothing written on bad input, stale files removed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from tests.conftest import run_cli
from tests.shared import ROOT, validate_object
from translator.output.files import MANIFEST

SAMPLES = ROOT / "samples" / "migration"
EXPECTED = ROOT / "samples" / "expected-migration"
STORIES = {
    "npm-cluster": ["--from", "azure-npm", "--to", "cilium", "--platform", "aks",
                    "-f", "samples/migration/npm-cluster/policies.yaml",
                    "--services", "samples/migration/npm-cluster/services.yaml",
                    "--cluster", "samples/migration/npm-cluster/cluster.yaml"],
    "calico-cluster": ["--from", "calico", "--to", "cilium",
                       "-f", "samples/migration/calico-cluster/policies.yaml",
                       "--cluster", "samples/migration/calico-cluster/cluster.yaml"],
}
FIVE = ["MS1", "MS2", "MS3", "MS4", "MS5"]
# npm-cluster: verified equivalent, every error finding answered by the bundle; calico-cluster: refusals.
EXIT = {"npm-cluster": 0, "calico-cluster": 1}


def migrate(out: Path, *args: str) -> tuple[int, str, str]:
    result = run_cli("migrate", *args, "--output-dir", str(out))
    return result.code, result.stdout, result.stderr


def bundle(out: Path) -> dict[str, str]:
    return {str(p.relative_to(out)): p.read_text(encoding="utf-8") for p in sorted(out.rglob("*"))
            if p.is_file() and p.name != MANIFEST}


@pytest.fixture
def at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


@pytest.mark.parametrize("story", sorted(STORIES))
def test_bundle_matches_golden_files(story: str, tmp_path: Path, update_golden: bool, at_root: None) -> None:
    out = tmp_path / "bundle"
    code, _, stderr = migrate(out, *STORIES[story])
    assert code == EXIT[story], stderr
    actual = bundle(out)
    expected_dir = EXPECTED / story
    if update_golden:
        shutil.rmtree(expected_dir, ignore_errors=True)
        for rel, text in actual.items():
            (expected_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            (expected_dir / rel).write_text(text, encoding="utf-8")
    expected = bundle(expected_dir)
    assert sorted(actual) == sorted(expected), "the bundle's files differ; run the test with --update-golden"
    for rel in actual:
        assert actual[rel] == expected[rel], f"{rel} differs from samples/expected-migration/{story}/{rel}"


@pytest.mark.parametrize("story", sorted(STORIES))
def test_every_generated_object_is_schema_valid(story: str, tmp_path: Path, at_root: None) -> None:
    out = tmp_path / "bundle"
    migrate(out, *STORIES[story])
    objects = [obj for folder in ("target", "pre-migration", "post-migration")
               for path in sorted((out / folder).glob("*.yaml")) for obj in yaml.safe_load_all(path.read_text())
               if obj is not None and not path.name.endswith(".intent.yaml")]
    assert objects
    for obj in objects:
        validate_object(obj)


def test_npm_story_reports_the_five_checks_and_the_verify_result(tmp_path: Path, at_root: None) -> None:
    out = tmp_path / "bundle"
    code, stdout, _ = migrate(out, *STORIES["npm-cluster"])
    assert code == 0
    report = json.loads((out / "report.json").read_text())
    rows = {r["check"]: r for r in report["microsoft_checks"]}
    assert sorted(rows) == FIVE and all(rows[c]["status"] == "flagged" for c in FIVE)
    assert rows["MS5"]["flagged"] == ["Service shop/frontend"]
    assert report["verify"]["status"] == "equivalent" and report["verify"]["cluster"] == "given"
    markdown = (out / "report.md").read_text()
    for check in FIVE:
        assert f"| {check} |" in markdown
    assert "**equivalent**" in markdown
    assert "verify: equivalent" in stdout
    statuses = {p["policy"]: p["status"] for p in report["policies"]}
    assert statuses["NetworkPolicy shop/db-from-backend"] == "exact"
    assert statuses["NetworkPolicy shop/frontend-from-anywhere"] == "changed"


def test_pre_migration_edits_keep_pods_reachable_on_cilium(tmp_path: Path, at_root: None) -> None:
    out = tmp_path / "bundle"
    migrate(out, *STORIES["npm-cluster"])
    edited = yaml.safe_load((out / "pre-migration" / "networkpolicy_shop_backend-from-frontend.yaml").read_text())
    peers = edited["spec"]["ingress"][0]["from"]
    assert {"ipBlock": {"cidr": "10.244.1.0/24"}} in peers
    assert {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "shop"}},
            "podSelector": {"matchLabels": {"app": "frontend"}}} in peers
    named = yaml.safe_load((out / "pre-migration" / "networkpolicy_shop_frontend-from-anywhere.yaml").read_text())
    assert named["spec"]["ingress"][0]["ports"] == [{"protocol": "TCP", "port": 8080}]
    target = yaml.safe_load((out / "target" / "ciliumnetworkpolicy_shop_backend-from-frontend.yaml").read_text())
    assert "annotations" not in target["metadata"], "the edit marker stays on the old engine's objects"


def test_without_the_edits_verification_shows_the_flows_that_change(tmp_path: Path, at_root: None) -> None:
    out = tmp_path / "bundle"
    args = [a for a in STORIES["npm-cluster"] if a]
    cut = args.index("--cluster")
    code, _, _ = migrate(out, *args[:cut], *args[cut + 2:])
    assert code == 1
    report = json.loads((out / "report.json").read_text())
    verify = report["verify"]
    assert verify["status"] == "not equivalent" and verify["cluster"] == "synthesized"
    assert verify["differences"] >= len(verify["flows"]) > 0
    assert all(f["before"] != f["after"] for f in verify["flows"])
    edits = {e["policy"]: e for e in report["pre_migration"]["edits"]}
    assert any("not applied" in m for m in edits["NetworkPolicy shop/frontend-from-anywhere"]["manual"]), \
        "an edit that is not exact for every cluster is not applied"


def test_all_exact_exits_0(tmp_path: Path) -> None:
    policy = tmp_path / "np.yaml"
    policy.write_text("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: db, namespace: a}\n"
                      "spec:\n  podSelector: {matchLabels: {app: db}}\n  policyTypes: [Ingress]\n  ingress:\n"
                      "    - from: [{podSelector: {matchLabels: {app: api}}}]\n"
                      "      ports: [{protocol: TCP, port: 5432}]\n")
    out = tmp_path / "bundle"
    code, stdout, stderr = migrate(out, "--to", "calico", "-f", str(policy))
    assert code == 0, stdout + stderr
    report = json.loads((out / "report.json").read_text())
    assert report["summary"]["exact"] == 1 and report["verify"]["status"] == "equivalent"
    assert report["source"] == "kubernetes"


def test_refused_policy_exits_1_and_is_explained(tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    code, _, _ = migrate(out, "--to", "kubernetes", "-f", str(ROOT / "samples" / "intents" / "fqdn-egress.yaml"))
    assert code == 1
    report = json.loads((out / "report.json").read_text())
    (policy,) = report["policies"]
    assert policy["status"] == "refused" and not policy["target_files"]
    assert any(r["severity"] == "error" and "DNS" in r["message"] for r in policy["reasons"])
    assert not list((out / "target").glob("*")) if (out / "target").exists() else True


def test_bad_input_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: x, namespace: a}\n"
                   "spec:\n  podSelector: {}\n  ingress: [{ports: [{port: 70000}]}]\n")
    out = tmp_path / "bundle"
    code, _, stderr = migrate(out, "--to", "cilium", "-f", str(bad))
    assert code == 2 and "bad.yaml:" in stderr
    assert not out.exists()
    code, _, stderr = migrate(out, "--to", "nonsense", "-f", str(bad))
    assert code == 2 and "NPX006" in stderr and not out.exists()


def test_rerun_needs_prune_and_removes_only_files_of_the_previous_bundle(tmp_path: Path, at_root: None) -> None:
    out = tmp_path / "bundle"
    migrate(out, *STORIES["npm-cluster"])
    assert (out / "pre-migration").exists() and (out / MANIFEST).is_file()
    before = bundle(out)
    db_only = tmp_path / "db.yaml"
    db_only.write_text("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: db, namespace: a}\n"
                       "spec:\n  podSelector: {}\n  policyTypes: [Ingress]\n")
    code, _, stderr = migrate(out, "--to", "cilium", "-f", str(db_only))
    assert code == 2 and "NPX021" in stderr and "--prune" in stderr and bundle(out) == before
    mine = out / "notes.txt"
    mine.write_text("kept")
    code, _, stderr = migrate(out, "--to", "cilium", "-f", str(db_only), "--prune")
    assert code == 2 and "notes.txt" in stderr and bundle(out) == {**before, "notes.txt": "kept"}
    mine.unlink()
    code, _, stderr = migrate(out, "--to", "cilium", "-f", str(db_only), "--prune")
    assert code == 0, stderr
    files = set(bundle(out))
    assert not any(f.startswith("pre-migration/") for f in files)
    assert "target/ciliumnetworkpolicy_a_db.yaml" in files
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle", "db.yaml"], "no staging folder is left"


def test_html_report_is_self_contained(tmp_path: Path, at_root: None) -> None:
    out = tmp_path / "bundle"
    migrate(out, *STORIES["npm-cluster"])
    page = (out / "report.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page
    lowered = page.lower()
    assert "<script" not in lowered and "<link" not in lowered and "src=" not in lowered
    assert "http://" not in lowered and "https://" not in lowered
    for check in FIVE:
        assert f"<td>{check}</td>" in page


def test_self_check_finds_lost_cidrs_and_voided_excepts() -> None:
    import ipaddress

    from translator.migration.selfcheck import _voided_excepts, covered

    net = ipaddress.ip_network("10.0.0.0/8")
    assert covered(net, [ipaddress.ip_network("0.0.0.0/0")])
    assert covered(net, [ipaddress.ip_network("10.0.0.0/9"), ipaddress.ip_network("10.128.0.0/9")])
    assert not covered(net, [ipaddress.ip_network("10.0.0.0/9")])
    cnp = {"spec": {"egress": [{"toCIDR": ["10.0.0.0/8"], "toCIDRSet": [{"cidr": "10.0.0.0/8",
                                                                          "except": ["10.1.0.0/16"]}]}]}}
    assert len(list(_voided_excepts(cnp))) == 1
    cnp["spec"]["egress"][0]["toCIDR"] = ["192.168.0.0/16"]
    assert not list(_voided_excepts(cnp))


def test_pod_selector_for_picks_the_fewest_labels_that_select_exactly_those_pods() -> None:
    from translator.cluster.workloads import PodFacts, Workloads
    from translator.migration.edits import pod_selector_for

    a = PodFacts("ns", "a", {"app": "web", "pod-template-hash": "x1", "tier": "front"}, "10.0.0.1")
    b = PodFacts("ns", "b", {"app": "web", "pod-template-hash": "x2", "tier": "back"}, "10.0.0.2")
    c = PodFacts("ns", "c", {"app": "db"}, "10.0.0.3")
    wl = Workloads({}, [a, b, c])
    assert pod_selector_for([a, b], wl)["podSelector"] == {"matchLabels": {"app": "web"}}
    assert pod_selector_for([a], wl)["podSelector"] == {"matchLabels": {"tier": "front"}}
    twin = PodFacts("ns", "d", {"app": "web", "tier": "front"}, "10.9.0.1")
    assert pod_selector_for([a], Workloads({}, [a, b, c, twin])) is None, "no selector picks a without its twin"


def test_the_plan_names_what_to_delete_how_to_roll_back_and_windows_pools(tmp_path: Path, at_root: None) -> None:
    out = tmp_path / "bundle"
    code, stdout, _ = migrate(out, *STORIES["npm-cluster"])
    assert code == 0 and stdout.startswith("Exit 0: nothing refused, verified equivalent")
    report = json.loads((out / "report.json").read_text())
    assert report["headline"].startswith("Exit 0")
    plan = [s["step"] for s in report["plan"]]
    order = [next(i for i, s in enumerate(plan) if s.startswith(p)) for p in
             ("If the cluster has Windows node pools", "On azure-npm, before switching", "Switch the data plane",
              "Apply the translation", "Review and apply the post-migration add-ons", "Delete the 7 old objects")]
    assert order == sorted(order), plan
    delete = report["delete"]
    assert delete == [{"resource": "networkpolicy.networking.k8s.io", "namespace": "shop",
                       "names": ["default-deny", "allow-dns", "frontend-from-anywhere", "backend-from-frontend",
                                 "backend-egress", "batch-to-partner", "db-from-backend"],
                       "command": "kubectl delete networkpolicy.networking.k8s.io -n shop default-deny allow-dns "
                                  "frontend-from-anywhere backend-from-frontend backend-egress batch-to-partner "
                                  "db-from-backend"}]
    assert any("kubectl apply -f rollback/" in r for r in report["rollback"])
    restored = yaml.safe_load((out / "rollback" / "networkpolicy_shop_frontend-from-anywhere.yaml").read_text())
    assert restored["spec"]["ingress"][0]["ports"][0]["port"] == "http", "rollback holds the policy as it was"
    assert "netpolx.io/pre-migration" not in (restored["metadata"].get("annotations") or {})


def test_post_migration_add_ons_are_one_file_per_concern(tmp_path: Path, at_root: None) -> None:
    out = tmp_path / "bundle"
    migrate(out, *STORIES["npm-cluster"])
    files = sorted(p.name for p in (out / "post-migration").iterdir())
    assert files == ["load-balancers.yaml", "node-egress.yaml", "nodes-for-ipblocks.yaml"]
    node_egress = [d for d in yaml.safe_load_all((out / "post-migration" / "node-egress.yaml").read_text()) if d]
    assert len(node_egress) == 3, "three add-ons of one concern share one file"
    report = json.loads((out / "report.json").read_text())
    assert {a["concern"] for a in report["post_migration"]} == {"node-egress", "load-balancers",
                                                               "nodes-for-ipblocks"}


def test_a_policy_is_changed_only_when_its_translation_changed(tmp_path: Path, at_root: None) -> None:
    out = tmp_path / "bundle"
    migrate(out, *STORIES["npm-cluster"])
    report = json.loads((out / "report.json").read_text())
    policies = {p["policy"]: p for p in report["policies"]}
    deny = policies["NetworkPolicy shop/default-deny"]
    assert deny["findings"] and deny["status"] == "exact", "a migration finding is not a translation change"
    assert all(p["status"] == "exact" for p in policies.values() if not any(
        r["severity"] != "info" for r in p["reasons"]) and not p["changed_flows"])
    assert policies["NetworkPolicy shop/frontend-from-anywhere"]["status"] == "changed"


@pytest.mark.parametrize(("fail_on", "code", "why"), [
    ("error", 0, "Exit 0"),
    ("warning", 1, "Exit 1: "),
    ("changed", 1, "changed policies"),
])
def test_fail_on_decides_the_exit_code_and_the_headline_says_why(fail_on: str, code: int, why: str, tmp_path: Path,
                                                                 at_root: None) -> None:
    out = tmp_path / "bundle"
    got, stdout, _ = migrate(out, *STORIES["npm-cluster"], "--fail-on", fail_on)
    assert got == code
    headline = json.loads((out / "report.json").read_text())["headline"]
    assert why in headline and stdout.startswith(headline)
    assert f"**{headline}**" in (out / "report.md").read_text()


def test_without_a_cluster_migrate_says_which_fixes_need_one(tmp_path: Path, at_root: None) -> None:
    out = tmp_path / "bundle"
    args = list(STORIES["npm-cluster"])
    cut = args.index("--cluster")
    code, stdout, _ = migrate(out, *args[:cut], *args[cut + 2:])
    assert code == 1
    assert "coverage: Without --cluster, netpolx could not compute 6 pre-migration edits" in stdout
    coverage = json.loads((out / "report.json").read_text())["coverage"]
    assert any("named port 'http' kept: give --cluster" in c for c in coverage)
    assert not (out / "pre-migration").exists() or not any((out / "pre-migration").iterdir())


def test_a_policy_without_namespace_stops_the_plan_and_its_steps_name_one_namespace(tmp_path: Path,
                                                                                    at_root: None) -> None:
    policy = tmp_path / "vals.yaml"
    policy.write_text("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: vals\nspec:\n"
                      "  podSelector: {matchLabels: {app: api}}\n  policyTypes: [Ingress]\n", encoding="utf-8")
    out = tmp_path / "bundle"
    code, stdout, err = migrate(out, "--from", "azure-npm", "--to", "cilium", "-f", str(policy))
    assert code == 1 and stdout.startswith("Exit 1"), stdout
    assert "vals.yaml:3: error NPX524" in err and "namespace it runs in" in err
    report = json.loads((out / "report.json").read_text())
    assert [d["command"] for d in report["delete"]] == [
        "kubectl delete networkpolicy.networking.k8s.io -n default vals"]
    written = yaml.safe_load(next((out / "target").glob("*.yaml")).read_text())
    assert written["metadata"]["namespace"] == "default", "the translation and the delete step name one namespace"
