"""Load / unload symmetry, the input transformer's output, and the hidden namespace entry."""

from __future__ import annotations

from typing import Any

import pytest
from IPython.core.error import UsageError

from cloudstack_magic.magics._transformer import HIDDEN_NAME, AwaitTransformer, rewrite_cell


def registrations(shell: Any) -> dict[str, Any]:
    return {
        "line": "cloudstack" in shell.magics_manager.magics["line"],
        "cell": "cloudstack" in shell.magics_manager.magics["cell"],
        "transformer": any(isinstance(t, AwaitTransformer) for t in shell.input_transformers_post),
        "hook": any(type(cb).__name__ == "OrphanGuard" for cb in shell.events.callbacks["post_run_cell"]),
        "hidden": HIDDEN_NAME in shell.user_ns or HIDDEN_NAME in shell.user_ns_hidden,
        "configurable": any(type(c).__name__ == "CloudStackMagic" for c in shell.configurables),
        "matcher": any(getattr(m, "matcher_identifier", "") == "cloudstack_magic.completion"
                       for m in shell.Completer.custom_matchers),
    }


def test_load_unload_load(ip: Any, simulator: Any) -> None:
    import pandas as pd

    printers = ip.display_formatter.formatters["text/plain"].type_printers
    assert all(registrations(ip).values())
    assert pd.DataFrame in printers
    assert HIDDEN_NAME not in ip.run_line_magic("who_ls", "")  # hidden from %who
    magic = ip.user_ns[HIDDEN_NAME]
    ip.run_cell("zones = %cloudstack listZones")
    clients = [client for _, client in magic.session._clients.values()]
    assert clients

    ip.run_cell("%unload_ext cloudstack_magic")
    assert not any(registrations(ip).values())
    assert pd.DataFrame not in printers
    assert all(client._transport._session is None or client._transport._session.closed for client in clients)
    assert ip.transform_cell("x = %cloudstack listZones\n") == (
        "x = get_ipython().run_line_magic('cloudstack', 'listZones')\n")

    ip.run_cell("%load_ext cloudstack_magic")
    ip.run_cell("%config CloudStackMagic.progress = 'none'")
    assert all(registrations(ip).values())
    ip.run_cell("again = %cloudstack listZones")
    assert len(ip.user_ns["again"]) == len(ip.user_ns["zones"])


def test_reload_ext_and_double_load(ip: Any) -> None:
    ip.run_cell("%load_ext cloudstack_magic")  # already loaded: no second transformer
    assert sum(isinstance(t, AwaitTransformer) for t in ip.input_transformers_post) == 1
    ip.run_cell("%reload_ext cloudstack_magic")
    assert sum(isinstance(t, AwaitTransformer) for t in ip.input_transformers_post) == 1
    ip.run_cell("%config CloudStackMagic.progress = 'none'")
    assert ip.run_cell("%cloudstack listZones").result is not None


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("x = %cloudstack listZones\n", f"x = await {HIDDEN_NAME}.arun_line('listZones')\n"),
        ("%cloudstack listZones name='a b'\n", f"await {HIDDEN_NAME}.arun_line(\"listZones name='a b'\")\n"),
        ("%%cloudstack vms\nlistVirtualMachines\n",
         f"await {HIDDEN_NAME}.arun_cell('vms', 'listVirtualMachines\\n')\n"),
        ("for i in (1, 2):\n    r = %cloudstack listZones\n",
         f"for i in (1, 2):\n    r = await {HIDDEN_NAME}.arun_line('listZones')\n"),
        # left synchronous: await is not legal there, or the body is another magic's string
        ("def f():\n    r = %cloudstack listZones\n    return r\n",
         "def f():\n    r = get_ipython().run_line_magic('cloudstack', 'listZones')\n    return r\n"),
        ("f = lambda: get_ipython().run_line_magic('cloudstack', 'listZones')\n",
         "f = lambda: get_ipython().run_line_magic('cloudstack', 'listZones')\n"),
        ("%%time\nx = %cloudstack listZones\n",
         "get_ipython().run_cell_magic('time', '', 'x = %cloudstack listZones\\n')\n"),
        ("%%capture out\nx = %cloudstack listZones\n",
         "get_ipython().run_cell_magic('capture', 'out', 'x = %cloudstack listZones\\n')\n"),
        ("%time x = %cloudstack listZones\n",
         "get_ipython().run_line_magic('time', 'x = %cloudstack listZones')\n"),
        ("%cloudstack?\n", "get_ipython().run_line_magic('pinfo', '%cloudstack')\n"),
        ("x = %timeit listZones\n", "x = get_ipython().run_line_magic('timeit', 'listZones')\n"),
    ],
)
def test_transform_cell(ip: Any, cell: str, expected: str) -> None:
    assert ip.transform_cell(cell) == expected


def test_rewrite_keeps_other_code_and_non_ascii_columns() -> None:
    cell = "s = 'é→'; y = get_ipython().run_line_magic('cloudstack', 'listZones')\nprint(y)\n"
    assert rewrite_cell(cell) == f"s = 'é→'; y = await {HIDDEN_NAME}.arun_line('listZones')\nprint(y)\n"


def test_rewrite_parenthesises_inside_expressions() -> None:
    cell = "n = len(get_ipython().run_line_magic('cloudstack', 'listZones').index)\n"
    assert rewrite_cell(cell) == f"n = len((await {HIDDEN_NAME}.arun_line('listZones')).index)\n"


def test_rewrite_leaves_user_calls_with_variables_alone() -> None:
    cell = "get_ipython().run_line_magic('cloudstack', line)\n"
    assert rewrite_cell(cell) == cell


def test_autoawait_off_keeps_calls_synchronous(ip: Any) -> None:
    ip.run_cell("%autoawait off")
    try:
        assert "run_line_magic('cloudstack'" in ip.transform_cell("x = %cloudstack listZones\n")
        ip.run_cell("x = %cloudstack listZones")  # runs through the synchronous fallback
        assert len(ip.user_ns["x"]) > 0
    finally:
        ip.run_cell("%autoawait on")


def test_awaited_path_runs_on_the_shells_loop(ip: Any) -> None:
    ip.run_cell("x = %cloudstack listZones")
    magic = ip.user_ns[HIDDEN_NAME]
    from IPython.core.async_helpers import get_asyncio_loop

    loops = {loop for _, loop in magic.session._clients}
    assert get_asyncio_loop() in loops  # the awaited call used IPython's loop, not a private one
    assert not any(loop in loops for loop in magic.session.runner.loops())


def test_sync_path_uses_the_private_runner(ip: Any) -> None:
    ip.run_cell("def f():\n    r = %cloudstack listZones\n    return r\nx = f()")
    magic = ip.user_ns[HIDDEN_NAME]
    loops = {loop for _, loop in magic.session._clients}
    assert set(magic.session.runner.loops()) & loops


def test_background_is_refused_outside_a_kernel(ip: Any) -> None:
    with pytest.raises(UsageError, match="--background needs a Jupyter kernel"):
        ip.run_cell("%cloudstack --background listZones")


def test_fresh_shell_needs_no_region_to_load(bare_ip: Any) -> None:
    assert bare_ip.transform_cell("%cloudstack listZones\n").startswith("await ")


def test_reset_does_not_break_the_awaited_path(ip: Any) -> None:
    ip.run_cell("%reset -f")
    assert HIDDEN_NAME not in ip.user_ns
    ip.run_cell("zones = %cloudstack listZones")
    assert len(ip.user_ns["zones"]) > 0
    assert HIDDEN_NAME not in ip.run_line_magic("who_ls", "")
