"""Import of every non-templated policy of the shared Cilium corpus (../shared/upstream/corpus/cilium).

This is the report issue 4 asks for: each document is one test case (id = its path and document index). The
ones listed in REFUSED are refused, with the field named in the error; every other one imports without error.
Imported ones then go CNP -> intent -> CNP -> intent: the generated objects pass the CRD schemas and read back as
the same intents, unless compiling announced a change (e.g. a DNS rule added for FQDN peers).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest
import yaml

from tests.backends.cilium_helpers import compile_for, load, reimport
from tests.shared import CORPUS, corpus, load_json
from translator import codes
from translator.load.source import dump_yaml

pytestmark = pytest.mark.corpus
CILIUM = ("cilium",)
M = "cilium-cli/connectivity/builder/manifests/"

# (path, document index) -> (error code, the field the message names)
REFUSED: dict[tuple[str, int], tuple[str, str]] = {
    # mutual authentication (SPIFFE) has no equivalent in the intent model
    (M + "echo-ingress-mutual-authentication-fail-port-range.yaml", 0): (codes.IMPORT_UNSUPPORTED, "authentication"),
    (M + "echo-ingress-mutual-authentication-fail.yaml", 0): (codes.IMPORT_UNSUPPORTED, "authentication"),
    (M + "echo-ingress-mutual-authentication-port-range.yaml", 0): (codes.IMPORT_UNSUPPORTED, "authentication"),
    (M + "echo-ingress-mutual-authentication.yaml", 0): (codes.IMPORT_UNSUPPORTED, "authentication"),
    ("examples/kubernetes/servicemesh/cnp-with-mutual-auth.yaml", 0): (codes.IMPORT_UNSUPPORTED, "authentication"),
    # host firewall policies select nodes, intents select pods
    (M + "host-firewall-egress.yaml", 0): (codes.IMPORT_UNSUPPORTED, "nodeSelector"),
    (M + "host-firewall-ingress.yaml", 0): (codes.IMPORT_UNSUPPORTED, "nodeSelector"),
    ("examples/policies/host/allow-extended-protocols.yaml", 0): (codes.IMPORT_UNSUPPORTED, "nodeSelector"),
    ("examples/policies/host/demo-host-policy.yaml", 0): (codes.IMPORT_UNSUPPORTED, "nodeSelector"),
    ("examples/policies/host/lock-down-dev-vms-remote-node.yaml", 0): (codes.IMPORT_UNSUPPORTED, "nodeSelector"),
    ("examples/policies/host/lock-down-gke.yaml", 0): (codes.IMPORT_UNSUPPORTED, "nodeSelector"),
    ("examples/policies/host/lock-down-ingress.yaml", 0): (codes.IMPORT_UNSUPPORTED, "nodeSelector"),
    ("test/k8s/manifests/ccnp-default-deny-host-ingress.yaml", 0): (codes.IMPORT_UNSUPPORTED, "nodeSelector"),
    ("test/k8s/manifests/ccnp-host-ingress-from-cidr-to-ports.yaml", 0): (codes.IMPORT_UNSUPPORTED, "nodeSelector"),
    ("test/k8s/manifests/ccnp-host-policy-nodeport-tests.yaml", 0): (codes.IMPORT_UNSUPPORTED, "nodeSelector"),
    ("test/k8s/manifests/host-policies.yaml", 0): (codes.IMPORT_UNSUPPORTED, "nodeSelector"),
    # TLS interception and SNI
    (M + "template/testdata/trim_suffix/out.yaml", 0): (codes.IMPORT_UNSUPPORTED, "serverNames"),
    (M + "template/testdata/wildcard_prefix/out.yaml", 0): (codes.IMPORT_UNSUPPORTED, "serverNames"),
    ("examples/policies/l4/l4_sni.yaml", 0): (codes.IMPORT_UNSUPPORTED, "serverNames"),
    ("examples/kubernetes-tls-inspection/l7-visibility-tls.yaml", 0): (codes.IMPORT_UNSUPPORTED, "terminatingTLS"),
    # Kafka rules
    ("examples/kubernetes-kafka/kafka-sw-security-policy.yaml", 0): (codes.IMPORT_UNSUPPORTED, "kafka"),
    ("examples/policies/getting-started/kafka.yaml", 0): (codes.IMPORT_UNSUPPORTED, "kafka"),
    ("examples/policies/l7/kafka/kafka-role.yaml", 0): (codes.IMPORT_UNSUPPORTED, "kafka"),
    ("examples/policies/l7/kafka/kafka.yaml", 0): (codes.IMPORT_UNSUPPORTED, "kafka"),
    ("test/k8s/manifests/kafka-sw-security-policy.yaml", 0): (codes.IMPORT_UNSUPPORTED, "kafka"),
    # policies for reserved identities (Cilium's ingress proxy, health and init endpoints)
    ("examples/kubernetes/servicemesh/policy/allow-ingress-cidr.yaml", 0): (codes.IMPORT_UNSUPPORTED,
                                                                             "endpointSelector"),
    ("examples/kubernetes/servicemesh/policy/allow-ingress-cluster.yaml", 0): (codes.IMPORT_UNSUPPORTED,
                                                                                "endpointSelector"),
    ("examples/policies/kubernetes/clusterwide/health.yaml", 0): (codes.IMPORT_UNSUPPORTED, "endpointSelector"),
    ("examples/policies/l4/init.yaml", 0): (codes.IMPORT_UNSUPPORTED, "endpointSelector"),
    # ClusterMesh cluster names, node selectors, label requirements, Services by labels
    ("examples/policies/kubernetes/clustermesh/cross-cluster-any-namespace-policy.yaml", 0): (
        codes.IMPORT_UNSUPPORTED, "io.cilium.k8s.policy.cluster"),
    ("examples/policies/kubernetes/clustermesh/cross-cluster-policy.yaml", 0): (codes.IMPORT_UNSUPPORTED,
                                                                                 "io.cilium.k8s.policy.cluster"),
    ("examples/policies/l3/requires/requires.yaml", 0): (codes.IMPORT_UNSUPPORTED, "fromRequires"),
    ("examples/policies/l3/service/service.yaml", 0): (codes.IMPORT_UNSUPPORTED, "k8sServiceSelector"),
    ("test/k8s/manifests/external-policy-labeled.yaml", 0): (codes.IMPORT_UNSUPPORTED, "k8sServiceSelector"),
    # not valid input: a field of old Cilium releases, and a template placeholder in a CIDR
    ("examples/policies/auth/auth.yaml", 0): (codes.INVALID_FIELD, "'auth'"),
    ("test/k8s/manifests/cnp-ingress-from-cidr-to-ports.yaml", 0): (codes.INVALID_VALUE, "NODE_WITHOUT_CILIUM_IP"),
}


# Imported, but compiling back to Cilium is not exact: (path, index) -> the code that says so.
NOT_EXACT: dict[tuple[str, int], str] = {
    # FQDN peers whose DNS rule is elsewhere (another policy; OpenShift's DNS on port 5353): a DNS rule would have
    # to be added, which allows more, so it is refused without --allow-widening
    ("examples/kubernetes-dns/dns-matchname-openshift.yaml", 0): codes.WIDENED,
    ("examples/kubernetes/servicemesh/envoy/client-egress-l7-http.yaml", 0): codes.WIDENED,
    # enableDefaultDeny: false with HTTP rules: Cilium still answers 403 to other requests on those ports, which
    # the intent (a non-isolating allow) does not say
    ("test/k8s/manifests/l7-policy-allow.yaml", 0): codes.NOT_EXPRESSIBLE,
}


def _documents() -> list[Any]:
    index = CORPUS / "cilium" / "policies_index.json"
    if not index.exists():
        return [pytest.param("", 0, id="corpus-missing")]
    docs = [d for d in load_json(index)["documents"] if not d["templated"]]
    return [pytest.param(d["path"], d["doc_index"], id=f"{d['path']}#{d['doc_index']}") for d in docs]


DOCUMENTS = _documents()


@cache
def _text(path: str, index: int) -> str:
    docs = list(yaml.safe_load_all(corpus(*CILIUM, "policies", path).read_text(encoding="utf-8")))
    return dump_yaml([docs[index]])


@pytest.mark.parametrize(("path", "index"), DOCUMENTS)
def test_import_or_refusal_by_name(path: str, index: int) -> None:
    loaded, diags = load(_text(path, index) if path else corpus(*CILIUM, "policies_index.json").name)
    if (path, index) in REFUSED:
        code, field = REFUSED[(path, index)]
        assert loaded == []
        assert diags.errors and diags.errors[0].code == code
        assert field in diags.errors[0].message
        assert diags.errors[0].location.line is not None
    else:
        assert not diags.has_errors, [d.format() for d in diags]
        assert loaded and all(li.origin == "cilium" for li in loaded)


@pytest.mark.parametrize(("path", "index"), [p for p in DOCUMENTS if (p.values[0], p.values[1]) not in REFUSED])
def test_round_trip(path: str, index: int) -> None:
    first, _ = load(_text(path, index) if path else corpus(*CILIUM, "policies_index.json").name)
    objects, diags = compile_for(dump_yaml([li.intent.dump() for li in first]))  # schema-validated
    changed = [d.code for d in diags if d.severity.value != "info" and d.code in (codes.CHANGED, codes.WIDENED,
                                                                                   codes.NOT_EXPRESSIBLE)]
    if (path, index) in NOT_EXACT:
        assert NOT_EXACT[(path, index)] in changed
        return
    assert changed == [], [d.format() for d in diags]
    assert [li.intent for li in reimport(objects)] == [li.intent for li in first]


def test_the_report_covers_the_corpus() -> None:
    paths = {(p.values[0], p.values[1]) for p in DOCUMENTS}
    if paths == {("", 0)}:
        corpus(*CILIUM, "policies_index.json")  # skips (or fails in CI) when the corpus is missing
    assert set(REFUSED) <= paths and set(NOT_EXACT) <= paths
    assert len(paths) - len(REFUSED) > 3 * len(REFUSED)  # most of the corpus imports
