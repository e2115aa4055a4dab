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
