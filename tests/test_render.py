"""Render pipelines: `render` as a Helm post-renderer and an Argo CD plugin, `krm` as a KRM function (ResourceList
in, ResourceList out) and as a Kustomize exec plugin (through the real `kubectl kustomize` when it is installed)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.shared import ROOT
from translator.compile.manifests import split

BIN = Path(sys.executable).parent
NETPOLX = str(BIN / "netpolx")
INTEGRATIONS = ROOT / "integrations"

INTENT = """apiVersion: netpolx.io/v1alpha1
kind: NetworkIntent
metadata: {name: web, namespace: shop}
spec:
  subject: {pods: {matchLabels: {app: web}}}
  ingress:
    - peers: [{pods: {matchLabels: {app: lb}}}]
      ports: [{port: 8080}]
"""
L7 = INTENT.replace("ports: [{port: 8080}]", "ports: [{port: 8080}]\n      http: [{method: GET}]")

# What `helm template`/`helm install` hands a post-renderer: `---` and a `# Source:` comment before each document,
# odd spacing and comments that must survive byte-for-byte.
HELM_STREAM = f"""---
# Source: web/templates/cm.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config   # kept
data:
  key:   "value"
  nested: |
    ---
    not a separator
---
# Source: web/templates/intent.yaml
{INTENT}---
# Source: web/templates/np.yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: native, namespace: shop}}
spec: {{podSelector: {{}}}}
---
# Source: web/templates/deploy.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec: {{replicas: 1}}
"""


def run(*args: str, stdin: str = "", cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([NETPOLX, *args], input=stdin, capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, **(env or {})}, timeout=120)


def test_split_keeps_every_byte() -> None:
    assert "".join(split(HELM_STREAM)) == HELM_STREAM
    assert len(split(HELM_STREAM)) == 4, "an indented --- inside a block scalar is not a separator"


def test_post_renderer_replaces_only_the_intent() -> None:
    result = run("render", "--engine", "cilium", stdin=HELM_STREAM)
    assert result.returncode == 0, result.stderr
    before, after = split(HELM_STREAM), split(result.stdout)
    assert len(after) == len(before)
    for old, new in zip(before, after):
        if "NetworkIntent" in old:
            assert new.startswith("---\n# Source: web/templates/intent.yaml\n")
            docs = list(yaml.safe_load_all(new))
            assert [d["kind"] for d in docs if d] == ["CiliumNetworkPolicy"]
            assert docs[-1]["metadata"] == {"name": "web", "namespace": "shop"}
        else:
            assert new == old, "byte-for-byte"


def test_stream_without_intents_is_unchanged() -> None:
    text = HELM_STREAM.replace(INTENT, "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n")
    result = run("render", "--engine", "calico", stdin=text)
    assert (result.returncode, result.stdout) == (0, text)


def test_refusal_names_the_template_and_writes_nothing() -> None:
    result = run("render", "--engine", "kubernetes", stdin=HELM_STREAM.replace(INTENT, L7))
    assert result.returncode == 1 and result.stdout == ""
    assert "web/templates/intent.yaml:9: error NPX100" in result.stderr


def test_plain_stream_lines_are_the_streams() -> None:
    text = "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n---\n" + L7
    result = run("render", "--engine", "kubernetes", stdin=text)
    assert result.returncode == 1 and "<stdin>:13: error NPX100" in result.stderr


def test_files_and_directories(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}  # keep\n")
    (tmp_path / "sub" / "b.yaml").write_text(INTENT)
    (tmp_path / ".netpolx.yaml").write_text("engine: calico\n")
    result = run("render", "-f", ".", "-R", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}  # keep\n---\n")
    kinds = [d["kind"] for d in yaml.safe_load_all(result.stdout) if d]
    assert kinds == ["ConfigMap", "NetworkPolicy"], "the config file is not a manifest"


# -- KRM function -----------------------------------------------------------------------------------------------------

def resource_list(items: list[dict], function_config: dict | None) -> str:
    data: dict = {"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": items}
    if function_config is not None:
        data["functionConfig"] = function_config
    return yaml.safe_dump(data, sort_keys=False)


def annotated(text: str, path: str, index: int = 0) -> dict:
    obj = yaml.safe_load(text)
    obj["metadata"].setdefault("annotations", {}).update(
        {"config.kubernetes.io/path": path, "config.kubernetes.io/index": str(index),
         "internal.config.kubernetes.io/path": path, "internal.config.kubernetes.io/index": str(index)})
    return obj


CONFIGMAP = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "annotations": {
    "config.kubernetes.io/path": "cm.yaml", "config.kubernetes.io/index": "0"}}, "data": {"x": "1"}}
FN_CONFIG = {"apiVersion": "netpolx.io/v1alpha1", "kind": "NetpolxTranslate", "metadata": {"name": "t"},
             "spec": {"engine": "cilium"}}


@pytest.mark.parametrize("config", [FN_CONFIG, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"},
                                                "data": {"engine": "cilium"}}])
def test_krm_function_compiles_intents_in_items(config: dict) -> None:
    items = [CONFIGMAP, annotated(INTENT, "intents/web.yaml")]
    result = run("krm", stdin=resource_list(items, config))
    assert result.returncode == 0, result.stderr
    out = yaml.safe_load(result.stdout)
    assert (out["apiVersion"], out["kind"]) == ("config.kubernetes.io/v1", "ResourceList")
    assert out["items"][0] == CONFIGMAP
    assert [i["kind"] for i in out["items"]] == ["ConfigMap", "CiliumNetworkPolicy"]
    assert "results" not in out or all(r["severity"] != "error" for r in out["results"])


def test_krm_results_carry_file_line_field_and_resource(tmp_path: Path) -> None:
    (tmp_path / "intents").mkdir()
    (tmp_path / "intents" / "web.yaml").write_text("# leading comment\n" + L7)
    items = [CONFIGMAP, annotated(L7, "intents/web.yaml")]
    config = {**FN_CONFIG, "spec": {"engine": "kubernetes"}}
    result = run("krm", stdin=resource_list(items, config), cwd=tmp_path)
    assert result.returncode == 1
    out = yaml.safe_load(result.stdout)
    assert out["items"] == items, "on error the items are returned unchanged"
    [error] = [r for r in out["results"] if r["severity"] == "error"]
    assert error["file"] == {"path": "intents/web.yaml", "index": 0}
    assert error["tags"] == {"code": "NPX100", "line": "10"}, "the line in the file the item came from"
    assert error["field"] == {"path": "spec.ingress[0].http"}
    assert error["resourceRef"] == {"apiVersion": "netpolx.io/v1alpha1", "kind": "NetworkIntent", "name": "web",
                                    "namespace": "shop"}
    assert error["message"].startswith("NPX100: shop/web: L7 HTTP")


def test_krm_function_config_errors() -> None:
    bad = {**FN_CONFIG, "spec": {"engin": "cilium"}}
    result = run("krm", stdin=resource_list([CONFIGMAP], bad))
    assert result.returncode == 1
    messages = [r["message"] for r in yaml.safe_load(result.stdout)["results"]]
    assert any("unknown key 'engin'; did you mean 'engine'?" in m for m in messages)
    missing = run("krm", stdin=resource_list([CONFIGMAP], None))
    assert missing.returncode == 1 and "no engine" in missing.stdout


def test_krm_rejects_what_is_not_a_resource_list() -> None:
    result = run("krm", stdin=INTENT)
    assert result.returncode == 2 and "not a KRM ResourceList" in result.stderr and result.stdout == ""


def kustomize_project(tmp_path: Path, intent: str) -> tuple[Path, dict]:
    plugins = tmp_path / "plugins" / "netpolx.io" / "v1alpha1" / "netpolxtranslate"
    plugins.mkdir(parents=True)
    shutil.copy(INTEGRATIONS / "kustomize" / "NetpolxTranslate", plugins / "NetpolxTranslate")
    app = tmp_path / "app"
    app.mkdir()
    (app / "kustomization.yaml").write_text("resources: [cm.yaml, intent.yaml]\ntransformers: [to-cilium.yaml]\n")
    (app / "cm.yaml").write_text(yaml.safe_dump({k: v for k, v in CONFIGMAP.items() if k != "metadata"}
                                                | {"metadata": {"name": "a"}}))
    (app / "intent.yaml").write_text(intent)
    (app / "to-cilium.yaml").write_text(yaml.safe_dump(FN_CONFIG))
    return app, {"NETPOLX": NETPOLX, "KUSTOMIZE_PLUGIN_HOME": str(tmp_path / "plugins")}


def test_exec_plugin_protocol(tmp_path: Path) -> None:
    """What Kustomize does with an exec plugin: the config file as argument, the manifests on stdin."""
    app, _ = kustomize_project(tmp_path, INTENT)
    stream = (app / "cm.yaml").read_text() + "---\n" + INTENT
    result = run("krm", str(app / "to-cilium.yaml"), stdin=stream)
    assert result.returncode == 0, result.stderr
    assert [d["kind"] for d in yaml.safe_load_all(result.stdout) if d] == ["ConfigMap", "CiliumNetworkPolicy"]


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_real_kubectl_kustomize_runs_the_exec_plugin(tmp_path: Path) -> None:
    app, env = kustomize_project(tmp_path, INTENT)
    built = subprocess.run(["kubectl", "kustomize", "--enable-alpha-plugins", str(app)], capture_output=True,
                           text=True, env={**os.environ, **env}, timeout=120)
    assert built.returncode == 0, built.stderr
    docs = [d for d in yaml.safe_load_all(built.stdout) if d]
    assert sorted(d["kind"] for d in docs) == ["CiliumNetworkPolicy", "ConfigMap"]
    refused = kustomize_project(tmp_path / "l7", L7.replace("engine", "engine"))
    (refused[0] / "to-cilium.yaml").write_text(yaml.safe_dump({**FN_CONFIG, "spec": {"engine": "kubernetes"}}))
    failed = subprocess.run(["kubectl", "kustomize", "--enable-alpha-plugins", str(refused[0])], capture_output=True,
                            text=True, env={**os.environ, **refused[1]}, timeout=120)
    assert failed.returncode != 0 and "NPX100" in failed.stderr


@pytest.mark.skipif(shutil.which("helm") is None, reason="helm is not installed (no package registry ships it)")
def test_real_helm_post_renderer(tmp_path: Path) -> None:
    chart = tmp_path / "web"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: web\nversion: 0.1.0\n")
    (chart / "templates" / "intent.yaml").write_text(INTENT)
    (chart / "templates" / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    out = subprocess.run(["helm", "template", "web", str(chart), "--post-renderer", NETPOLX, "--post-renderer-args",
                          "render", "--post-renderer-args", "--engine=cilium"], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert sorted(d["kind"] for d in yaml.safe_load_all(out.stdout) if d) == ["CiliumNetworkPolicy", "ConfigMap"]


def test_helm_wrapper_script() -> None:
    script = INTEGRATIONS / "helm" / "netpolx-post-renderer"
    result = subprocess.run([str(script)], input=HELM_STREAM, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "NETPOLX": NETPOLX, "NETPOLX_ENGINE": "calico"})
    assert result.returncode == 0, result.stderr
    assert "projectcalico.org/v3" in result.stdout and "NetworkIntent" not in result.stdout


# -- Argo CD config-management plugin --------------------------------------------------------------------------------

def test_argocd_plugin_generates_the_rendered_manifests(tmp_path: Path) -> None:
    plugin = yaml.safe_load((INTEGRATIONS / "argocd" / "plugin.yaml").read_text())
    assert (plugin["apiVersion"], plugin["kind"]) == ("argoproj.io/v1alpha1", "ConfigManagementPlugin")
    spec = plugin["spec"]
    assert set(spec) <= {"version", "init", "generate", "discover", "parameters", "preserveFileMode"}
    app = tmp_path / "app"
    (app / "base").mkdir(parents=True)
    (app / spec["discover"]["fileName"]).write_text("engine: cilium\n")
    (app / "base" / "intent.yaml").write_text(INTENT)
    (app / "deploy.yaml").write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n")
    # Argo CD runs the command in the application's folder with ARGOCD_ENV_* from the Application's plugin env.
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "ARGOCD_APP_NAME": "web"}
    command = [*spec["generate"]["command"], *spec["generate"].get("args", [])]
    out = subprocess.run(command, cwd=app, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert [d["kind"] for d in yaml.safe_load_all(out.stdout) if d] == ["CiliumNetworkPolicy", "Deployment"]
    env["ARGOCD_ENV_NETPOLX_ENGINE"] = "calico"
    out = subprocess.run(command, cwd=app, env=env, capture_output=True, text=True, timeout=120)
    assert [d["kind"] for d in yaml.safe_load_all(out.stdout) if d] == ["NetworkPolicy", "Deployment"]
    assert "projectcalico.org/v3" in out.stdout
