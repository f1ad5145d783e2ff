"""Every example notebook runs top to bottom with a real kernel against the simulator.

This is the check behind ``make demo``: the same ``execute_notebook`` the demo uses, one kernel
per notebook, and no cell may end in an error — on the first Run All nor on a second one in the
same kernel against the same simulator (names must not collide, clean-up cells must work).
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
def test_notebook_runs_twice_in_one_kernel_without_errors(notebook: Path, tmp_path: Path) -> None:
    with simulated_cloud(tmp_path, vms=150, job_seconds=0.5) as env:
        run = execute_notebook(notebook, tmp_path, env, html=notebook.stem == "quickstart", runs=2)
    assert run.errors == []
    executed = nbformat.read(run.executed, as_version=4)
    code_cells = [c for c in executed.cells if c.cell_type == "code"]
    assert code_cells and all(c.execution_count for c in code_cells)
    # the second run's counters follow the first's: one kernel ran every cell twice
    assert min(c.execution_count for c in code_cells) == len(code_cells) + 1
    text = run.executed.read_text()
    # the simulator's demo secret must never reach a saved notebook
    from cloudstack_magic.simulator import DEMO_SECRET_KEY

    assert DEMO_SECRET_KEY not in text
    if run.html is not None:
        page = run.html.read_text(encoding="utf-8")
        assert "<html" in page.lower()
        # the regions table names the config file: relative to the build folder, not absolute
        assert "build/cloudstack.ini" in page
        for path in {str(tmp_path), str(PROJECT_ROOT), str(Path.home())}:
            assert path + "/" not in page and path + "/" not in text
        # outputs without an Out[n] prompt (job summaries, charts) start where the others do
        assert ".jp-InputPrompt, .jp-OutputPrompt { width: 10ch; min-width: 10ch" in page


# -- charts and the shared HTML ------------------------------------------------------------------
#: The questions each notebook answers with a picture (issue 11 item 2), counted as PNG outputs.
CHARTS = {"inventory-analysis": 5, "teaching-demo": 2}


def _pngs(executed: Path) -> list[bytes]:
    import base64

    nb = nbformat.read(executed, as_version=4)
    return [base64.b64decode(output["data"]["image/png"])
            for cell in nb.cells if cell.cell_type == "code"
            for output in cell.get("outputs", []) if "image/png" in output.get("data", {})]


@pytest.mark.parametrize("stem", sorted(CHARTS))
def test_charts_are_drawn_on_an_opaque_light_card(stem: str, tmp_path: Path) -> None:
    """Readable in JupyterLab's dark theme too: a transparent figure would put its dark labels on
    the dark page, so every chart must be opaque with a light background."""
    from io import BytesIO

    from PIL import Image

    with simulated_cloud(tmp_path, vms=150, job_seconds=0.5) as env:
        run = execute_notebook(PROJECT_ROOT / "notebooks" / f"{stem}.ipynb", tmp_path, env)
    assert run.errors == []
    charts = _pngs(run.executed)
    assert len(charts) >= CHARTS[stem]
    for png in charts:
        image = Image.open(BytesIO(png)).convert("RGBA")
        alpha_low, _ = image.getchannel("A").getextrema()
        assert alpha_low == 255, "a chart has transparent pixels"
        corner = image.getpixel((1, 1))
        assert min(corner[:3]) >= 240, f"chart background {corner} is not light"
    page = run.html.read_text(encoding="utf-8") if run.html else ""
    assert page.count("data:image/png;base64") >= CHARTS[stem]
    # shared as it is: no absolute path of this machine in the saved notebook or page
    for text in (page, run.executed.read_text(encoding="utf-8")):
        for path in {str(tmp_path), str(PROJECT_ROOT), str(Path.home())}:
            assert path + "/" not in text
