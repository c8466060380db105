"""Access to ../shared (corpus and CRDs): skipped cleanly when absent, a failure in CI (NETPOLX_REQUIRE_CORPUS=1)."""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NETPOLX_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "upstream" / "corpus"
CRDS = SHARED / "upstream" / "crds"


def require(path: Path) -> Path:
    """`path` if it exists; otherwise skip the test (fail when NETPOLX_REQUIRE_CORPUS=1, as in CI)."""
    if not path.exists():
        if os.environ.get("NETPOLX_REQUIRE_CORPUS"):
            pytest.fail(f"{path} is missing; CI needs ../shared beside the clone")
        pytest.skip(f"{path} not present (the shared corpus is only beside the repository in CI)")
    return path


def corpus(*parts: str) -> Path:
    """A path in ../shared/upstream/corpus (skips when absent)."""
    return require(CORPUS.joinpath(*parts))


def load_json(path: Path) -> Any:
    """JSON from a file."""
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def crd_schema(file_name: str, version: str | None = None) -> dict[str, Any]:
    """The openAPIV3Schema of a CRD file in ../shared/upstream/crds (first served version unless given)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the CRDs are large: libyaml parses them ~10x faster
    crd = yaml.load(require(CRDS / file_name).read_text(encoding="utf-8"), Loader=loader)
    versions = crd["spec"]["versions"]
    chosen = next(v for v in versions if version is None or v["name"] == version)
    schema: dict[str, Any] = _structural(chosen["schema"]["openAPIV3Schema"])
    return schema


def _structural(schema: Any) -> Any:
    """Make a Kubernetes structural schema plain JSON Schema: int-or-string, nullable, and embedded resources."""
    if isinstance(schema, list):
        return [_structural(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _structural(v) for k, v in schema.items() if not k.startswith("x-kubernetes-validations")}
    if schema.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
        out.pop("x-kubernetes-int-or-string", None)
    if schema.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"] if isinstance(out["type"], str) else [*out["type"], "null"]
    return out


def validate_crd(obj: dict[str, Any], file_name: str, version: str | None = None) -> None:
    """Raise jsonschema.ValidationError when `obj` does not satisfy the CRD's schema."""
    schema = crd_schema(file_name, version)
    # Structural schemas reject unknown fields only through additionalProperties/pruning; we check that every
    # field we emit is declared, which catches typos that the API server would silently prune.
    _check_known_fields(obj, schema, ())
    # Not jsonschema.validate(): its check_schema rejects Go-style regex patterns that Python cannot compile.
    jsonschema.Draft7Validator(schema).validate(obj)


def _check_known_fields(obj: Any, schema: dict[str, Any], path: tuple[str | int, ...]) -> None:
    if isinstance(obj, dict) and isinstance(schema, dict):
        props = schema.get("properties")
        if props is not None and not schema.get("x-kubernetes-preserve-unknown-fields"):
            for key, value in obj.items():
                if path == () and key in ("apiVersion", "kind", "metadata"):
                    continue
                if key not in props:
                    raise jsonschema.ValidationError(f"unknown field {'.'.join(map(str, (*path, key)))}")
                _check_known_fields(value, props[key], (*path, key))
        elif isinstance(schema.get("additionalProperties"), dict):
            for key, value in obj.items():
                _check_known_fields(value, schema["additionalProperties"], (*path, key))
    elif isinstance(obj, list) and isinstance(schema, dict) and isinstance(schema.get("items"), dict):
        for i, value in enumerate(obj):
            _check_known_fields(value, schema["items"], (*path, i))


@cache
def _k8s_validator() -> Any:
    kubernetes_validate = pytest.importorskip("kubernetes_validate")
    # It reads and parses its JSON schema files on every call (most of the time of validating an object): the
    # files do not change, so read each once.
    utils = kubernetes_validate.utils
    if not hasattr(utils.schema_contents, "cache_info"):
        utils.schema_contents = cache(utils.schema_contents)
    return kubernetes_validate


def validate_networkpolicy(obj: dict[str, Any], k8s_version: str = "1.30") -> None:
    """Validate a NetworkPolicy against the Kubernetes OpenAPI schema shipped by kubernetes-validate (strict)."""
    kv = _k8s_validator()
    kv.validate(obj, k8s_version, strict=True)


# Which schema checks each generated kind. Every generated object in every test goes through validate_object.
CRD_FILES: dict[tuple[str, str], list[str]] = {
    ("cilium.io/v2", "CiliumNetworkPolicy"): ["cilium-cnp.yaml", "cilium-cnp.v1.18.0-rc.0.yaml"],
    ("cilium.io/v2", "CiliumClusterwideNetworkPolicy"): ["cilium-ccnp.yaml", "cilium-ccnp.v1.18.0-rc.0.yaml"],
    ("projectcalico.org/v3", "NetworkPolicy"): ["calico-networkpolicy.projectcalico.org_v3.yaml"],
    ("projectcalico.org/v3", "GlobalNetworkPolicy"): ["calico-globalnetworkpolicy.projectcalico.org_v3.yaml"],
    ("crd.projectcalico.org/v1", "NetworkPolicy"): ["calico-networkpolicy.crd.projectcalico.org_v1.yaml",
                                                    "calico-networkpolicy.crd.projectcalico.org_v1.v3.32.1.yaml"],
    ("crd.projectcalico.org/v1", "GlobalNetworkPolicy"): [
        "calico-globalnetworkpolicy.crd.projectcalico.org_v1.yaml",
        "calico-globalnetworkpolicy.crd.projectcalico.org_v1.v3.32.1.yaml"],
    # The experimental channel is a superset of the standard one (nodes and domainNames peers); objects without
    # those peers are checked against the standard channel in tests/backends/test_cluster_network_policy.py.
    ("policy.networking.k8s.io/v1alpha2", "ClusterNetworkPolicy"): ["clusternetworkpolicy-v1alpha2-experimental.yaml"],
}


def validate_object(obj: dict[str, Any]) -> None:
    """Validate one generated object against the real schema of its kind (every version we have)."""
    key = (obj.get("apiVersion"), obj.get("kind"))
    if key == ("networking.k8s.io/v1", "NetworkPolicy"):
        validate_networkpolicy(obj)
        return
    if key not in CRD_FILES:
        raise AssertionError(f"no schema known for generated {key}")
    for file_name in CRD_FILES[key]:
        validate_crd(obj, file_name)


def skip_without_browser(reason: str) -> None:
    """Skip a browser test on a machine without Chromium; in CI (NETPOLX_REQUIRE_BROWSER=1) that is a failure."""
    if os.environ.get("NETPOLX_REQUIRE_BROWSER"):
        pytest.fail(f"{reason}; CI installs it in .ci/run")
    pytest.skip(reason)
