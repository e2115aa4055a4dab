import subprocess
import sys
from pathlib import Path

import pytest

import augan

PACKAGE = Path(augan.__file__).parent
METRIC_MODULES = sorted(p.stem for p in (PACKAGE / "metrics").glob("*.py") if p.stem != "__init__")

# `augan/__init__.py` imports the estimators for users, so the child process registers an empty `augan` package
# in its place: what is then loaded is what the metrics module itself needs.
_CHILD = """
import sys, types
package = types.ModuleType("augan")
package.__path__ = [{path!r}]
sys.modules["augan"] = package
import augan.metrics.{module}
loaded = sorted(name for name in sys.modules if name in ("augan.oversampler", "augan.synthesizer"))
print(",".join(loaded))
"""


def test_every_metrics_module_is_found():
    assert {"utility", "detection", "fidelity", "encoding", "statistics"} <= set(METRIC_MODULES)


@pytest.mark.slow  # a subprocess that imports the module
@pytest.mark.parametrize("module", METRIC_MODULES)
def test_metrics_module_imports_neither_the_oversampler_nor_the_estimator(module):
    # A fresh interpreter: modules other tests imported would hide the import otherwise.
    child = subprocess.run([sys.executable, "-c", _CHILD.format(path=str(PACKAGE), module=module)],
                           capture_output=True, text=True, timeout=300, check=True)
    assert child.stdout.strip() == ""


def test_the_metric_functions_readme_names_import_from_augan_metrics():
    from augan.metrics import c2st, discriminator_auc, downstream_gain, fidelity_scores, privacy_scores
    from augan.metrics.detection import c2st as c2st_itself
    from augan.metrics.utility import downstream_gain as gain_itself

    assert c2st is c2st_itself and downstream_gain is gain_itself
    assert all(callable(f) for f in (discriminator_auc, fidelity_scores, privacy_scores))
    import augan.metrics

    assert set(augan.metrics.__all__) <= set(dir(augan.metrics))
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        augan.metrics.nothing  # noqa: B018


@pytest.mark.slow  # a fresh interpreter
def test_importing_augan_metrics_loads_no_metric_module_before_use():
    child = subprocess.run([sys.executable, "-c", "import sys, augan.metrics; print(sorted(m for m in sys.modules "
                            "if m.startswith('augan.metrics.') or m == 'torch_fidelity'))"],
                           capture_output=True, text=True, timeout=300, check=True)
    assert child.stdout.strip() == "[]"
