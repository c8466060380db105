"""Migration between engines and engine choice: `check --from/--to`, `migrate` and `recommend`.

Modules: `services` and `workloads` read the optional cluster facts (Service manifests, pods, namespaces);
`inputs` loads everything a migration needs; `checks` is the table of migration checks (Microsoft's five
validator checks MS1-MS5 and the pitfalls P01-P27 of migration-pitfalls.md), whose detectors live in
`validator`, `native` and `pitfalls`; `edits` builds the pre-migration edits and post-migration add-ons;
`bundle` runs a migration; `report` renders it; `recommend` ranks engines for a platform.
"""

from __future__ import annotations
