"""The AKS profile of the Cilium engine, engine caveats, and the pitfall warnings when the target is Cilium."""

from __future__ import annotations

import json

import pytest

from tests.backends.cilium_helpers import codes_of, compile_for, find, intent
from tests.conftest import run_cli
from translator import codes

FQDN = intent("{subject: {pods: {}}, allowDNS: true, egress: [{peers: [{fqdn: a.io}], ports: [{port: 443}]}]}")
HTTP = intent("{subject: {pods: {}}, ingress: [{ports: [{port: 80}], http: [{method: GET}]}]}")
HTTP_CCNP = intent("{scope: Cluster, subject: {pods: {}}, ingress: [{ports: [{port: 80}], http: [{method: GET}]}]}",
                   namespace=None)


@pytest.mark.parametrize(("engine", "text", "code"), [
    ("cilium@aks", FQDN, codes.NEEDS_ADDON),
    ("cilium@aks", HTTP, codes.NEEDS_ADDON),
    ("cilium@aks,acns=true", HTTP_CCNP, codes.NOT_EXPRESSIBLE),
    ("cilium,platform=aks", intent("{subject: {pods: {}}, ingress: [{ports: [{protocol: SCTP, port: 1}]}]}"),
     codes.UNENFORCED),
])
def test_aks_refusals(engine: str, text: str, code: str) -> None:
    objects, diags = compile_for(text, engine)
    assert objects == []
    assert code in codes_of(diags, "error")
    assert "AKS" in diags.errors[0].message


@pytest.mark.parametrize("text", [FQDN, HTTP])
def test_acns_lifts_the_fqdn_and_l7_refusals(text: str) -> None:
    objects, diags = compile_for(text, "cilium@aks,acns=true")
    assert objects and not diags.has_errors
    assert compile_for(text, "cilium")[0] == objects  # upstream Cilium: the same objects


def test_l7_in_a_ccnp_is_fine_outside_aks() -> None:
    objects, diags = compile_for(HTTP_CCNP)
    assert objects[0]["kind"] == "CiliumClusterwideNetworkPolicy" and not diags.has_errors


def test_cli_platform_and_acns_flags(tmp_path: object) -> None:
    path = "samples/intents/fqdn-egress.yaml"
    refused = run_cli("translate", "--engine", "cilium", "--platform", "aks", "-f", path)
    assert refused.code == 1 and refused.stdout == "" and "NPX105" in refused.stderr and "--acns" in refused.stderr
    ok = run_cli("translate", "--engine", "cilium", "--platform", "aks", "--acns", "-f", path)
    assert ok.code == 0 and "toFQDNs" in ok.stdout


def test_check_prints_engine_and_aks_caveats() -> None:
    plain = run_cli("check", "--engine", "cilium", "-f", "samples/intents/icmp.yaml")
    assert plain.code == 0 and "never match pods or nodes" in plain.stderr and "1.31" not in plain.stderr
    aks = run_cli("check", "--engine", "cilium@aks", "-f", "samples/intents/icmp.yaml",
                  "--diagnostics-format", "json")
    messages = [d["message"] for d in json.loads(aks.stderr) if d["code"] == codes.ENGINE_CAVEAT]
    assert any("1.31 -> 1.16.16" in m for m in messages)
    assert any("hostNetwork" in m for m in messages) and any("cannot select pod or node IPs" in m for m in messages)


# -- pitfalls ------------------------------------------------------------------------------------------------

def test_named_port_and_sctp_warnings() -> None:
    text = intent("{subject: {pods: {}}, ingress: [{ports: [{port: http}, {protocol: SCTP, port: 3868}]}]}")
    _, diags = compile_for(text)
    [named] = find(diags, codes.CILIUM_NAMED_PORT)
    assert "'http'" in named.message and named.location.path == ("spec", "ingress", 0, "ports", 0, "port")
    [sctp] = find(diags, codes.CILIUM_SCTP)
    assert "3868/SCTP" in sctp.message and sctp.severity.value == "warning"


def test_egress_isolation_without_dns() -> None:
    lonely = intent("{subject: {pods: {matchLabels: {app: a}}}, egress: [{peers: [{entity: world}], "
                    "ports: [{port: 443}]}]}")
    _, diags = compile_for(lonely)
    [warning] = find(diags, codes.CILIUM_EGRESS_WITHOUT_DNS)
    assert warning.message.startswith("ns/p isolates egress") and "allowDNS" in warning.message
    with_default_deny = lonely + "---\n" + intent("{subject: {pods: {}}, isolate: [egress], allowDNS: true}",
                                                  name="dd")
    assert find(compile_for(with_default_deny)[1], codes.CILIUM_EGRESS_WITHOUT_DNS) == []
    other_namespace = lonely + "---\n" + intent("{subject: {pods: {}}, allowDNS: true}", name="dd", namespace="x")
    assert len(find(compile_for(other_namespace)[1], codes.CILIUM_EGRESS_WITHOUT_DNS)) == 1


def test_kube_apiserver_ingress_warning() -> None:
    _, diags = compile_for(intent("{subject: {pods: {}}, ingress: [{peers: [{entity: kube-apiserver}]}], "
                                  "egress: [{peers: [{entity: kube-apiserver}]}]}"))
    [warning] = find(diags, codes.CILIUM_APISERVER_INGRESS)
    assert "remote-node" in warning.message and warning.location.path[:2] == ("spec", "ingress")


RANGE = intent("{subject: {pods: {}}, ingress: [{ports: [{port: 9090, endPort: 9099}]}]}")


def test_a_port_range_for_aks_without_a_version_is_written_with_a_note_naming_the_versions() -> None:
    objects, diags = compile_for(RANGE, "cilium@aks")
    assert objects[0]["spec"]["ingress"][0]["toPorts"][0]["ports"] == [{"port": "9090", "endPort": 9099,
                                                                        "protocol": "TCP"}]
    (note,) = find(diags, codes.ENGINE_CAVEAT)
    assert note.severity.value == "info" and "1.31" in note.message and "cilium@1.16" in note.message
    assert not find(compile_for(RANGE, "cilium")[1], codes.ENGINE_CAVEAT), "upstream: no AKS version question"
    single, diags = compile_for(RANGE, "cilium@1.16,platform=aks")
    assert len(single[0]["spec"]["ingress"][0]["toPorts"][0]["ports"]) == 10 and not find(diags, codes.ENGINE_CAVEAT)
