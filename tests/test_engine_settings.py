"""Engine settings: each backend declares the settings it reads; unknown keys and values outside a setting's
choices are refused (exit 2, nothing written) with a did-you-mean suggestion."""

from __future__ import annotations

import pytest

from tests.conftest import run_cli
from translator.registry import all_backends, check_target
from translator.target import TargetError, parse_target

SEED = "samples/intents/seed.yaml"


@pytest.mark.parametrize(("engine", "hint"), [
    ("calico,api=crdd", "did you mean 'crd'?"),
    ("calico,apii=crd", "did you mean 'api'?"),
    ("cilium,acnss=true", "did you mean 'acns'?"),
    ("cilium,acns=maybe", "expected one of"),
    ("kubernetes,pod-cidr=10.0.0.0/33", "is not a CIDR"),
])
def test_bad_settings_exit_2_with_a_suggestion_and_write_nothing(engine: str, hint: str) -> None:
    result = run_cli("translate", "--engine", engine, "-f", SEED)
    assert result.code == 2 and result.stdout == ""
    assert "NPX006" in result.stderr and hint in result.stderr


def test_declared_settings_are_accepted() -> None:
    for text in ("calico,api=crd,edition=enterprise,alp=true", "cilium@aks,acns=true,pod-cidr=10.244.0.0/16",
                 "kubernetes,node-cidr=10.224.0.0/16;10.225.0.0/16"):
        check_target(parse_target(text))
    assert run_cli("translate", "--engine", "calico,api=crd", "-f", SEED).code == 0


def test_every_backend_declares_the_cluster_range_settings() -> None:
    for name, cls in all_backends().items():
        assert {"pod-cidr", "node-cidr", "service-cidr"} <= set(cls.settings), name
    with pytest.raises(TargetError, match="has no setting"):
        check_target(parse_target("kubernetes,acns=true"))


def test_the_acns_flag_concerns_only_the_engines_that_read_it() -> None:
    assert run_cli("translate", "--engine", "kubernetes", "--acns", "-f", SEED).code == 0
