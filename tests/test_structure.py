"""Package-wide structure: layering, import cycles, import weight, command line."""

import subprocess
import sys
from pathlib import Path

import pytest

import neurost

ROOT = Path(__file__).resolve().parents[1]


def _python(code):
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()


def _lint_imports(config):
    from importlinter.cli import lint_imports

    return lint_imports(config_filename=str(config), no_cache=True)


def test_layer_contract_is_kept():
    assert _lint_imports(ROOT / "setup.cfg") == 0


def test_layer_contract_detects_upward_import(tmp_path):
    # _utils is imported by datasets; declaring it the higher layer must fail.
    config = tmp_path / "inverted.ini"
    config.write_text(
        "[importlinter]\nroot_package = neurost\n"
        "[importlinter:contract:inverted]\nname = inverted\ntype = layers\n"
        "layers =\n    neurost._utils\n    neurost.datasets\n"
    )
    assert _lint_imports(config) != 0


def _acyclic_config(tmp_path, package):
    """An import-linter contract: no cycle between the modules of any (sub)package."""
    config = tmp_path / "acyclic.ini"
    config.write_text(
        f"[importlinter]\nroot_package = {package}\n"
        "[importlinter:contract:acyclic]\n"
        "name = No import cycle between the modules of a package\n"
        f"type = acyclic_siblings\nancestors =\n    {package}\n"
    )
    return config


def test_no_import_cycle(tmp_path, capsys):
    # Lazy imports inside functions count: they are cycles all the same.
    code = _lint_imports(_acyclic_config(tmp_path, "neurost"))
    report = capsys.readouterr().out
    assert code == 0, report.partition("Broken contracts")[2] or report


def test_import_cycle_is_detected(tmp_path, monkeypatch, capsys):
    package = tmp_path / "cyclic"
    (package / "inner").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from .inner import b\n")
    (package / "inner" / "__init__.py").write_text("")
    (package / "inner" / "b.py").write_text("def f():\n    from .. import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert _lint_imports(_acyclic_config(tmp_path, "cyclic")) != 0
    # the lazy import in cyclic.inner.b closes the cycle a -> inner.b -> a
    assert "- .inner -> .a (1 import)" in capsys.readouterr().out


@pytest.mark.parametrize(
    "module", ["neurost", "neurost.io", "neurost.atlases", "neurost.datasets"]
)
def test_import_does_not_load_torch(module):
    loaded = _python(
        f"import sys, {module}; print(sorted(m for m in ('torch', 'nilearn.plotting') "
        "if m in sys.modules))"
    )
    assert loaded == "[]"


def test_top_level_import_is_lazy():
    loaded = _python(
        "import sys, neurost; print(any(m.startswith('neurost.') for m in sys.modules))"
    )
    assert loaded == "False"
    assert neurost.io.__name__ == "neurost.io"


def test_unknown_attribute_raises():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        neurost.nope


def test_version_and_help():
    from neurost.cli.main import main

    with pytest.raises(SystemExit) as excinfo:
        main(["--version"])
    assert excinfo.value.code == 0
    output = _python("from neurost.cli.main import main; main(['--help'])")
    assert "demo" in output
    assert _python("import neurost; print(neurost.__version__)") == neurost.__version__


def test_unknown_command_is_refused(capsys):
    from neurost.cli.main import main

    with pytest.raises(SystemExit) as excinfo:
        main(["frobnicate"])
    assert excinfo.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
