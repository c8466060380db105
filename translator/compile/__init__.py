"""Compiling intents for an engine: the pipeline (features -> capability check -> lowering -> generation), the
ordered -> additive lowering (ordered, on the set algebra of boxes), and the manifest-stream front ends for render
tools (manifests: Helm/Argo CD/Kustomize exec; krm: the KRM function protocol)."""
