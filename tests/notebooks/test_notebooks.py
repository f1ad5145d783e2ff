"""Every example notebook runs top to bottom with a real kernel against the simulator.

This is the check behind ``make demo``: the same ``execute_notebook`` the demo uses, one kernel
per notebook, and no cell may end in an error.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from cloudstack_magic.demo import PROJECT_ROOT, execute_notebook, simulated_cloud

NOTEBOOKS = sorted((PROJECT_ROOT / "notebooks").glob("*.ipynb"))

pytestmark = [pytest.mark.kernel, pytest.mark.timeout(300)]


def test_the_examples_are_there() -> None:
    assert {p.stem for p in NOTEBOOKS} >= {"quickstart", "inventory-analysis", "teaching-demo"}


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_without_errors(notebook: Path, tmp_path: Path) -> None:
    with simulated_cloud(tmp_path, vms=150, job_seconds=0.5) as env:
        run = execute_notebook(notebook, tmp_path, env, html=notebook.stem == "quickstart")
    assert run.errors == []
    executed = nbformat.read(run.executed, as_version=4)
    code_cells = [c for c in executed.cells if c.cell_type == "code"]
    assert code_cells and all(c.execution_count for c in code_cells)
    text = run.executed.read_text()
    # the simulator's demo secret must never reach a saved notebook
    from cloudstack_magic.simulator import DEMO_SECRET_KEY

    assert DEMO_SECRET_KEY not in text
    if run.html is not None:
        assert "<html" in run.html.read_text().lower()
