"""Stable diagnostic codes. Never renumber: users filter on them and CI pins them."""

from __future__ import annotations

# Input (exit 2)
YAML_SYNTAX = "NPX001"
INVALID_FIELD = "NPX002"
UNKNOWN_KIND = "NPX003"
INVALID_VALUE = "NPX004"
UNREADABLE = "NPX005"
UNKNOWN_ENGINE = "NPX006"
DUPLICATE_OBJECT = "NPX007"
IGNORED_OBJECT = "NPX008"
MISSING_NAMESPACE = "NPX009"
OUTPUT_CLASH = "NPX020"
OUTPUT_REFUSED = "NPX021"
SUMMARY = "NPX030"

# Translation (exit 1 when an error)
NOT_EXPRESSIBLE = "NPX100"
ENGINE_TOO_OLD = "NPX101"
UNENFORCED = "NPX102"
LOWERED = "NPX103"
CHANGED = "NPX104"
NEEDS_ADDON = "NPX105"
WIDENED = "NPX106"
IMPORT_UNSUPPORTED = "NPX110"
IMPORT_NOTE = "NPX111"
VERIFY_MISMATCH = "NPX120"
VERIFY_COVERAGE = "NPX121"

# Engine caveats and platform facts
RETIREMENT = "NPX200"
ENGINE_CAVEAT = "NPX201"

CODES: dict[str, str] = {
    YAML_SYNTAX: "The input is not valid YAML or JSON.",
    INVALID_FIELD: "A field is missing, unknown or of the wrong type.",
    UNKNOWN_KIND: "The document's apiVersion/kind is not one netpolx reads.",
    INVALID_VALUE: "A value is malformed (CIDR, port, label, name).",
    UNREADABLE: "A file or directory cannot be read.",
    UNKNOWN_ENGINE: "The engine name or version is not known.",
    DUPLICATE_OBJECT: "Two inputs define the same object.",
    IGNORED_OBJECT: "A document was skipped (not a policy).",
    MISSING_NAMESPACE: "A namespaced object has no metadata.namespace.",
    OUTPUT_CLASH: "Two sources translate to the same output object (kubectl apply would keep only one).",
    OUTPUT_REFUSED: "The output folder cannot be used: not new or empty (see --prune), not netpolx's, or a link.",
    SUMMARY: "The count of diagnostics by severity: the last line of a text run, in the diagnostic line format.",
    NOT_EXPRESSIBLE: "The target engine cannot express a feature without changing what traffic is allowed.",
    ENGINE_TOO_OLD: "The feature needs a newer engine version.",
    UNENFORCED: "The platform accepts the object but does not enforce it (or skips the whole policy).",
    LOWERED: "The feature was rewritten into an exactly equivalent form.",
    CHANGED: "The translation changes what traffic is allowed, as announced here.",
    NEEDS_ADDON: "The feature needs a platform add-on or option (e.g. AKS ACNS).",
    WIDENED: "The translation would allow more traffic than the source: refused unless --allow-widening is given.",
    IMPORT_UNSUPPORTED: "A native field has no equivalent in the intent model; import refused.",
    IMPORT_NOTE: "A native field was imported with a caveat.",
    VERIFY_MISMATCH: "Verification found connections whose verdict changed.",
    VERIFY_COVERAGE: "What a verification proved, assumed and left out.",
    RETIREMENT: "The engine is retiring.",
    ENGINE_CAVEAT: "A known engine behaviour that can surprise.",
}

# Migration checks (`check --from/--to`, `migrate`): one stable code per check / pitfall (NPX500-NPX549).
# MS1-MS5 are Microsoft's azure-npm-to-cilium-validator checks; Pnn the pitfalls of migration-pitfalls.md.
MIG_ENDPORT = "NPX500"
MIG_IPBLOCK = "NPX501"
MIG_NAMED_PORT = "NPX502"
MIG_EGRESS_NODE = "NPX503"
MIG_ETP_CLUSTER = "NPX504"
MIG_CIDR_WIDENS = "NPX505"
MIG_PROTOCOL_DEFAULT = "NPX506"
MIG_IMPLICIT_INGRESS = "NPX507"
MIG_EMPTY_SELECTOR = "NPX508"
MIG_AND_OR = "NPX509"
MIG_NAMESPACE_LABEL = "NPX510"
MIG_CNP_NAMESPACE_LABELS = "NPX511"
MIG_NO_DNS = "NPX512"
MIG_FQDN_DNS = "NPX513"
MIG_L7_FQDN = "NPX514"
MIG_ORDER_DENY = "NPX515"
MIG_CILIUM_ONLY = "NPX516"
MIG_CALICO_ONLY = "NPX517"
MIG_GNP_EMPTY_NAMESPACE = "NPX518"
MIG_APISERVER = "NPX519"
MIG_HOST_NETWORK = "NPX520"
MIG_SCTP_ICMP = "NPX521"
MIG_NPM_LIMITS = "NPX522"
MIG_IMDS = "NPX523"
MIG_NO_NAMESPACE = "NPX524"
MIG_SELF_CHECK = "NPX525"
MIG_WORLD_INGRESS = "NPX526"
MIG_NOT_CHECKED = "NPX527"
MIG_SOURCE_KIND = "NPX528"
MIG_ENGINE_MISSING = "NPX529"
MIG_VERIFY_SKIPPED = "NPX530"

CODES.update({
    MIG_ENDPORT: "Migration (MS1, P06): a port range (endPort) needs Cilium >= 1.17.",
    MIG_IPBLOCK: "Migration (MS2, P01): Cilium ipBlocks never match pod or node IPs.",
    MIG_NAMED_PORT: "Migration (MS3, P05): named ports are mis-enforced by Cilium or skipped by Azure NPM on Windows.",
    MIG_EGRESS_NODE: "Migration (MS4, P03): egress lock-down; Azure NPM allowed egress to the pod's own node, "
    "Cilium does not.",
    MIG_ETP_CLUSTER: "Migration (MS5, P04): LoadBalancer/NodePort Service with externalTrafficPolicy Cluster not "
    "covered by an allow-all ingress rule; Cilium enforces ingress policy on that path.",
    MIG_CIDR_WIDENS: "Migration (P02): a Cilium CIDR or world peer becomes an ipBlock that also matches pod IPs.",
    MIG_PROTOCOL_DEFAULT: "Migration (P07): port protocol defaults differ (NetworkPolicy TCP, Cilium any).",
    MIG_IMPLICIT_INGRESS: "Migration (P08): policyTypes absent with only egress rules also isolates ingress.",
    MIG_EMPTY_SELECTOR: "Migration (P09): empty selectors mean different scopes in each engine.",
    MIG_AND_OR: "Migration (P10): separate namespace and pod peers are OR, not AND.",
    MIG_NAMESPACE_LABEL: "Migration (P11): a namespace label key that does not exist on the target.",
    MIG_CNP_NAMESPACE_LABELS: "Migration (P12): namespace labels in a namespaced CiliumNetworkPolicy depend on the "
    "Cilium version.",
    MIG_NO_DNS: "Migration (P13): egress-isolated pods have no DNS allow (UDP and TCP 53).",
    MIG_FQDN_DNS: "Migration (P14): DNS-name egress without a DNS rule for the same pods.",
    MIG_L7_FQDN: "Migration (P15): FQDN or L7 rules the target cannot enforce (or needs ACNS for).",
    MIG_ORDER_DENY: "Migration (P16): deny, pass, log or order-dependent rules.",
    MIG_CILIUM_ONLY: "Migration (P17): Cilium-only constructs (deny, entities, services, ICMP).",
    MIG_CALICO_ONLY: "Migration (P18): Calico-only constructs (global policy, network sets, service accounts, "
    "negations, ICMP).",
    MIG_GNP_EMPTY_NAMESPACE: "Migration (P19): a GlobalNetworkPolicy rule without namespaceSelector also matches "
    "non-namespaced endpoints.",
    MIG_APISERVER: "Migration (P20): API-server traffic written as ipBlocks or ports to node IPs.",
    MIG_HOST_NETWORK: "Migration (P21): a selector matches host-network pods, which no engine polices.",
    MIG_SCTP_ICMP: "Migration (P22): SCTP or ICMP, which differ by engine.",
    MIG_NPM_LIMITS: "Migration (P23): Azure NPM limits (Windows: negatives, except, named ports, SCTP; IPv6; size).",
    MIG_IMDS: "Migration (P24): egress isolation without an allow for Azure IMDS.",
    MIG_NO_NAMESPACE: "Migration (P25): a namespaced policy without metadata.namespace.",
    MIG_SELF_CHECK: "Migration (P26): translator self-check: CIDRs, ports or peers lost, or toCIDR voiding except.",
    MIG_WORLD_INGRESS: "Migration (P27): north-south ingress from world may arrive as remote-node in Cilium.",
    MIG_NOT_CHECKED: "Migration: a check was skipped for lack of input (Services or cluster facts).",
    MIG_SOURCE_KIND: "Migration: an input kind that the --from engine does not enforce.",
    MIG_ENGINE_MISSING: "Migration: an engine backend is not installed, so a check could not run.",
    MIG_VERIFY_SKIPPED: "Migration: equivalence could not be verified.",
})

# Lint, explain and graph (NPX600-NPX649); the lint rules themselves are data in translator/lint/rules.py
LINT_OR_OF_PEERS = "NPX600"
LINT_EGRESS_ONLY_NO_POLICY_TYPES = "NPX601"
LINT_NAMESPACE_NAME_LABEL = "NPX602"
LINT_IPBLOCK_MATCHES_CLUSTER = "NPX603"
LINT_EGRESS_WITHOUT_DNS = "NPX604"
LINT_DNS_ONE_PROTOCOL = "NPX605"
LINT_SELECTS_NO_POD = "NPX606"
LINT_SHADOWED_RULE = "NPX607"
LINT_REDUNDANT_RULE = "NPX608"
LINT_DUPLICATE_POLICY = "NPX609"
LINT_REDUNDANT_POLICY = "NPX610"
LINT_SHARED_NAMESPACE_EMPTY_SELECTOR = "NPX611"
LINT_FIXED = "NPX630"
LINT_NOT_FIXED = "NPX631"
GRAPH_NO_PROBES = "NPX640"
NEEDS_COMPONENT = "NPX641"
GRAPH_TOO_LARGE = "NPX642"

CODES.update({
    LINT_OR_OF_PEERS: "Lint: a namespaceSelector-only peer next to a podSelector-only peer (OR); AND was likely meant.",
    LINT_EGRESS_ONLY_NO_POLICY_TYPES: "Lint: no policyTypes and only egress rules, so ingress is isolated too.",
    LINT_NAMESPACE_NAME_LABEL: "Lint: namespaces selected by a `name` label, which namespaces do not have by default.",
    LINT_IPBLOCK_MATCHES_CLUSTER: "Lint: an ipBlock without except also matches pod and node IPs (engine-dependent).",
    LINT_EGRESS_WITHOUT_DNS: "Lint: egress is isolated but DNS (port 53 to the cluster resolver) is not allowed.",
    LINT_DNS_ONE_PROTOCOL: "Lint: DNS is allowed over only one of UDP and TCP.",
    LINT_SELECTS_NO_POD: "Lint: the policy selects no pod of the cluster.",
    LINT_SHADOWED_RULE: "Lint: a rule never takes effect because an earlier or broader rule decides first.",
    LINT_REDUNDANT_RULE: "Lint: a rule adds nothing; another rule already allows or denies the same traffic.",
    LINT_DUPLICATE_POLICY: "Lint: two policies say exactly the same thing.",
    LINT_REDUNDANT_POLICY: "Lint: a policy adds nothing to another, broader policy.",
    LINT_SHARED_NAMESPACE_EMPTY_SELECTOR: "Lint: an empty podSelector isolates workloads no other policy allows.",
    LINT_FIXED: "Lint --fix: a finding was fixed in the file.",
    LINT_NOT_FIXED: "Lint --fix: a finding could not be fixed automatically.",
    GRAPH_NO_PROBES: "Graph: no probes (ports) to decide flows for.",
    GRAPH_TOO_LARGE: "Graph: more flows to decide than the command evaluates; narrow the cluster file or the probes.",
    NEEDS_COMPONENT: "A netpolx component this command needs is not available in this build.",
})

# Cilium target pitfalls (NPX300-NPX329), reported when compiling for Cilium (backends/cilium/pitfalls.py)
CILIUM_NAMED_PORT = "NPX300"
CILIUM_SCTP = "NPX301"
CILIUM_EGRESS_WITHOUT_DNS = "NPX302"
CILIUM_APISERVER_INGRESS = "NPX303"
CILIUM_REGEX_GLOB = "NPX320"

CODES.update({
    CILIUM_NAMED_PORT: "Cilium: a named port; Cilium misbehaves when one name maps to several port numbers.",
    CILIUM_SCTP: "Cilium: SCTP is only enforced when Cilium's SCTP support (beta) is enabled.",
    CILIUM_EGRESS_WITHOUT_DNS: "Cilium: egress is isolated but no policy for the same pods allows DNS.",
    CILIUM_APISERVER_INGRESS: "Cilium: the kube-apiserver entity may not match ingress on AKS and GKE.",
    CILIUM_REGEX_GLOB: "Cilium: an HTTP method, path or host regex that looks like a shell glob (`/v1/*`).",
})

# Calico engine and ordered -> additive lowering (NPX400-NPX429): backends/calico, translator/compile/ordered.py
CALICO_TIER = "NPX400"
CALICO_NETWORKSET_SNAPSHOT = "NPX401"
CALICO_DEFAULT_ORDER = "NPX402"
CALICO_LAYOUT = "NPX403"
CALICO_TIER_ORDER_UNKNOWN = "NPX404"
CALICO_NO_MATCH = "NPX405"
CALICO_NEEDS_ALP = "NPX406"
ORDERED_NOT_ADDITIVE = "NPX410"
ORDERED_LOWERED = "NPX411"

CODES.update({
    CALICO_TIER: "Calico: a generated policy names a tier; the Tier object must exist (with the stated order).",
    CALICO_NETWORKSET_SNAPSHOT: "Calico: a (Global)NetworkSet was expanded into its CIDRs; later changes to the set "
    "are not reflected.",
    CALICO_DEFAULT_ORDER: "Calico: a policy without order (evaluated last in its tier, by name) got an explicit "
    "intent order.",
    CALICO_LAYOUT: "Calico: unordered intents with deny or pass rules, or rules that do not isolate, were laid out "
    "as ordered Calico policies (explicit orders, trailing Pass) with the same meaning.",
    CALICO_TIER_ORDER_UNKNOWN: "Calico: a tier's order is not known from the input.",
    CALICO_NO_MATCH: "Calico: a rule or policy can never match and was left out.",
    CALICO_NEEDS_ALP: "Calico: HTTP matches are only enforced with application layer policy.",
    ORDERED_NOT_ADDITIVE: "Ordered (first-match) rules, deny or pass rules have no equivalent additive form here.",
    ORDERED_LOWERED: "Ordered (first-match) rules, deny or pass rules were compiled into equivalent allow rules.",
})
