import importlib
import pkgutil

import afterbeep

CAPABILITIES = ["scripts", "audio", "detect", "store", "cli"]


def test_top_level_all_names_exist():
    for name in afterbeep.__all__:
        assert hasattr(afterbeep, name), name


def test_every_capability_declares_existing_public_names():
    for capability in CAPABILITIES:
        module = importlib.import_module(f"afterbeep.{capability}")
        names = getattr(module, "__all__", None)
        if names is None:  # a capability still empty has no public surface yet
            assert not [m for m in pkgutil.iter_modules(module.__path__)], capability
            continue
        missing = [name for name in names if not hasattr(module, name)]
        assert not missing, f"afterbeep.{capability}.__all__ names missing objects: {missing}"
        assert not [n for n in names if n.startswith("_")], capability


def test_errors_form_one_tree():
    for name in (
        "InvalidInput",
        "ComplianceBlocked",
        "CarrierError",
        "ConfigError",
        "MissingExtra",
    ):
        assert issubclass(getattr(afterbeep, name), afterbeep.AfterbeepError)
