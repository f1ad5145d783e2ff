"""Choosing a frontend: the one detector, mode validation, and staying light to import."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import types

import pytest

from cloudstack_magic.progress._reporter import NoView, detect_frontend, reporter_for, resolve_mode
from cloudstack_magic.progress._text import TextView
from cloudstack_magic.progress._widget import WidgetView


class ZMQInteractiveShell:
    """Stands in for ipykernel's shell class."""


class TerminalInteractiveShell:
    pass


def modules_with(shell, *, kernel: bool = True, raises: bool = False) -> dict[str, object]:
    def get_ipython():
        if raises:
            raise RuntimeError("half torn down")
        return shell

    modules: dict[str, object] = {"IPython": types.SimpleNamespace(get_ipython=get_ipython)}
    if kernel:
        modules["ipykernel.zmqshell"] = types.SimpleNamespace(ZMQInteractiveShell=ZMQInteractiveShell)
    return modules


def test_plain_python_is_none():
    assert detect_frontend({}) == "none"


def test_ipython_imported_but_no_shell_is_none():
    assert detect_frontend(modules_with(None)) == "none"


def test_a_kernel_shell_gets_widgets():
    assert detect_frontend(modules_with(ZMQInteractiveShell())) == "widget"


def test_terminal_ipython_gets_text_even_if_ipykernel_was_imported():
    assert detect_frontend(modules_with(TerminalInteractiveShell())) == "text"
    assert detect_frontend(modules_with(TerminalInteractiveShell(), kernel=False)) == "text"


def test_a_failing_get_ipython_is_none():
    assert detect_frontend(modules_with(ZMQInteractiveShell(), raises=True)) == "none"


def test_this_test_process_is_not_a_notebook():
    assert detect_frontend() in ("none", "text")
    assert resolve_mode("auto") in ("none", "text")


def test_bad_mode_gets_one_clear_line():
    with pytest.raises(ValueError) as info:
        resolve_mode("widgets")
    assert str(info.value) == "progress mode must be one of auto, widget, text, none; got 'widgets'"


def test_auto_in_a_kernel_without_ipywidgets_falls_back_to_text(monkeypatch):
    import cloudstack_magic.progress._reporter as progress

    monkeypatch.setattr(progress, "detect_frontend", lambda: "widget")
    assert resolve_mode("auto", widgets_available=False) == "text"
    assert resolve_mode("auto", widgets_available=True) == "widget"


@pytest.mark.parametrize(("mode", "view_type"), [("none", NoView), ("text", TextView), ("widget", WidgetView)])
def test_reporter_for_builds_the_view_of_each_mode(mode, view_type):
    assert isinstance(reporter_for(mode, "t").view, view_type)


def test_importing_the_progress_layer_stays_light_and_plain_scripts_get_nothing():
    script = textwrap.dedent(
        """
        import sys
        from cloudstack_magic.progress._reporter import reporter_for, NoView
        from cloudstack_magic.progress._background import start_background
        heavy = sorted(m for m in ("IPython", "ipywidgets", "pandas", "ipykernel") if m in sys.modules)
        print(heavy, isinstance(reporter_for("auto", "t").view, NoView))
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[] True", out.stderr


def test_widget_mode_without_ipywidgets_falls_back_to_a_text_line(monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # makes `import ipywidgets` fail
    reporter = reporter_for("widget", "t")
    assert isinstance(reporter.view, TextView)
    assert "pip install ipywidgets" in caplog.text
