"""What a user sees in JupyterLab, checked in the DOM of headless Chromium.

Run with ``make e2e`` (see ``conftest.py`` for what it starts). Each test is a user's steps:
Run All twice, a list as a table with its footer, a live job row that becomes one line,
Cancel and Interrupt of a 60 s job, Tab completion, and the dark theme. Time bounds are
generous (they catch a hang); the times measured go to ``build/screenshots/timings.json``.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from . import _lab as ui
from .conftest import Lab, write_setting

pytestmark = pytest.mark.timeout(900)

NOTEBOOKS = ("quickstart", "inventory-analysis", "teaching-demo")
#: A cancelled 60 s job must end far sooner; this bound only catches a hang.
HANG = 30.0
WIDGET = ".jupyter-widgets"
CONTRAST = """(root) => {
    const parse = (c) => {
        const m = c.match(/rgba?\\(([^)]+)\\)/);
        if (!m) return null;
        const p = m[1].split(',').map(parseFloat);
        return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
    };
    const lum = (c) => {
        const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
        return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
    };
    const background = (el) => {
        for (; el; el = el.parentElement) {
            const c = parse(getComputedStyle(el).backgroundColor);
            if (c && c.a > 0.5) return c;
        }
        return {r: 255, g: 255, b: 255, a: 1};
    };
    const found = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const text = walker.currentNode.textContent.trim();
        const el = walker.currentNode.parentElement;
        if (!text || !el || !el.getClientRects().length) continue;
        const style = getComputedStyle(el);
        if (style.visibility === 'hidden' || parseFloat(style.opacity) === 0) continue;
        const a = lum(parse(style.color)), b = lum(background(el));
        found.push([text.slice(0, 40), (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)]);
    }
    return found;
}"""


def scratch(lab: Lab, page: Any, name: str, cells: list[str]) -> None:
    """A notebook of ``cells`` after ``%load_ext cloudstack_magic``, opened, the extension loaded."""
    ui.write_notebook(lab, name, ["%load_ext cloudstack_magic", *cells])
    ui.open_notebook(page, lab, name)
    ui.run_cell(page, 0)
    ui.wait_idle(page)


def output_texts(page: Any, index: int) -> list[str]:
    return [t.strip() for t in ui.cell(page, index).locator(".jp-OutputArea-output").all_inner_texts()]


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_run_all_twice_without_an_error(lab: Lab, page: Any, notebook: str) -> None:
    ui.open_notebook(page, lab, f"{notebook}.ipynb")
    cells = len(ui.execution_counts(page))
    for run in (1, 2):
        seconds = ui.run_all(page)
        lab.record(f"run all {notebook} #{run} (s)", seconds)
        counts = ui.execution_counts(page)
        assert ui.error_outputs(page) == [], f"Run All #{run} of {notebook}"
        # Run All stops at a failing cell: every cell numbered means every cell ran
        assert None not in counts, f"Run All #{run} of {notebook} stopped: {counts}"
        assert min(c for c in counts if c is not None) > cells * (run - 1)
        if run == 1:
            ui.shoot(page, f"run-all-{notebook}")


def test_a_list_renders_as_a_table_with_its_footer(lab: Lab, page: Any) -> None:
    scratch(lab, page, "list.ipynb", ["%cloudstack listVirtualMachines listall=true"])
    ui.run_cell(page, 1)
    ui.wait_idle(page)
    output = ui.cell(page, 1).locator(".jp-OutputArea")
    assert output.locator("table").count() == 1
    text = output.inner_text()
    ui.shoot(output, "list-table")
    assert re.search(r"\b\d+ of [\d,]+ rows\b", text), text[-500:]
    assert re.search(r"\b\d+ of \d+ columns\b", text), text[-500:]
    assert "--columns all" in text and "_" in text
    assert not re.search(r"\d+ rows × \d+ columns", text), "pandas' own footer contradicts ours"
    assert "`" not in text, "backticks printed literally"


def test_a_live_job_row_becomes_one_line_of_text(lab: Lab, page: Any) -> None:
    vm = lab.running_vm(lab.cloud)
    scratch(lab, page, "job.ipynb", [f"%cloudstack stopVirtualMachine id={vm}"])
    ui.run_cell(page, 1)
    # the live view, then its job row: the job's id, "pending", its elapsed time
    row = ui.cell(page, 1).locator(f".jp-OutputArea-output {WIDGET}", has_text="pending").first
    row.wait_for(state="visible", timeout=HANG * 1000)
    assert ui.is_running(page, 1), "the live row appears while the job runs"
    assert re.search(r"[0-9a-f-]{36}", row.inner_text()), row.inner_text()
    ui.shoot(ui.cell(page, 1), "job-live")
    ui.wait_idle(page)
    outputs = ui.cell(page, 1).locator(".jp-OutputArea-output")
    assert ui.cell(page, 1).locator(WIDGET).count() == 0, "the live widgets are gone"
    summary = outputs.first.inner_text().strip()
    assert re.fullmatch(r"stopVirtualMachine: job [0-9a-f-]{36} succeeded in [\d.]+ s", summary), summary
    assert "\n" not in summary
    box = outputs.first.bounding_box()
    line = outputs.first.evaluate("e => parseFloat(getComputedStyle(e.querySelector('pre') || e).lineHeight) || 20")
    assert box is not None and box["height"] < 2 * line, "the summary is one line on screen"


def _start_slow_job(lab: Lab, page: Any, name: str) -> None:
    vm = lab.running_vm(lab.slow)
    scratch(lab, page, name, [f"job = %cloudstack -r slow stopVirtualMachine id={vm}", "job"])
    ui.run_cell(page, 1)
    ui.cell(page, 1).locator(f".jp-OutputArea-output {WIDGET}").first.wait_for(state="visible", timeout=HANG * 1000)
    page.wait_for_timeout(500)  # a moment into the 60 s job
    assert ui.is_running(page, 1)


def _assert_stopped_with_the_check_line(lab: Lab, page: Any, seconds: float, how: str) -> None:
    lab.record(f"{how} ended a 60 s job after (s)", seconds)
    assert seconds < HANG, f"{how} did not end the wait"
    jobids = {r["jobid"] for r in lab.slow.stats()["recent"] if "jobid" in r}
    texts = output_texts(page, 1)
    whole = "\n".join(texts)
    jobid = next(j for j in jobids if j in whole)
    assert f"%cloudstack -r slow queryAsyncJobResult jobid={jobid}" in whole, whole
    (view,) = [t for t in texts if "queryAsyncJobResult" in t]
    assert view.count(jobid) == 1, f"the job id once, in its check line:\n{view}"
    assert whole.count(jobid) == 1, f"the job id once in the whole output:\n{whole}"
    errors = ui.error_outputs(page)
    assert len(errors) == 1 and "\n" not in errors[0].strip(), errors  # then one error line
    assert "Traceback" not in whole
    ui.shoot(ui.cell(page, 1), f"{how.lower()}-check-line")


def test_cancel_ends_a_60_s_job_and_names_the_region(lab: Lab, page: Any) -> None:
    _start_slow_job(lab, page, "cancel.ipynb")
    # one clock: the live header's elapsed time and the job row's say the same
    live = ui.cell(page, 1).locator(f".jp-OutputArea-output {WIDGET}").first
    live.locator("text=pending").wait_for(timeout=HANG * 1000)
    page.wait_for_function(
        """(el) => { const t = el.innerText.match(/\\d+\\.\\d+ s\\b/g);
                     return t !== null && t.length === 2 && t[0] === t[1]; }""",
        arg=live.element_handle(), timeout=HANG * 1000, polling=50,
    )
    started = time.monotonic()
    ui.cell(page, 1).locator("button", has_text="Cancel").click()
    ui.wait_idle(page, timeout=HANG * 2)
    _assert_stopped_with_the_check_line(lab, page, time.monotonic() - started, "Cancel")


def test_interrupt_ends_a_60_s_job_and_names_the_region(lab: Lab, page: Any) -> None:
    _start_slow_job(lab, page, "interrupt.ipynb")
    started = time.monotonic()
    ui.command(page, "Kernel", "kernelmenu:interrupt")
    ui.wait_idle(page, timeout=HANG * 2)
    _assert_stopped_with_the_check_line(lab, page, time.monotonic() - started, "Interrupt")


def test_completion_offers_commands_parameters_ids_and_only_values(lab: Lab, page: Any) -> None:
    scratch(lab, page, "complete.ipynb", [""])
    started = time.monotonic()
    ui.type_in_cell(page, 1, "%cloudstack listVirtualM")
    commands = ui.completions(page)
    lab.record("first Tab answered after (s, incl. typing)", time.monotonic() - started)
    assert [text for text, _ in commands] == [
        "listVirtualMachines", "listVirtualMachinesMetrics", "listVirtualMachinesUsageHistory"]
    ui.close_popup(page)

    ui.type_in_cell(page, 1, "%cloudstack deployVirtualMachine ")
    params = dict(ui.completions(page))
    assert {"serviceofferingid=", "templateid=", "zoneid="} <= set(params)
    assert params["zoneid="].replace("\u00a0", " ") == "uuid · required"
    ui.close_popup(page)

    ui.type_in_cell(page, 1, "%cloudstack stopVirtualMachine id=")
    ids = ui.completions(page)
    vm_ids = {str(vm["id"]) for vm in lab.cloud.runtime.cloud.vms}
    assert ids and {text for text, _ in ids} <= vm_ids
    assert all(label and label != "id" for _, label in ids), "each id comes with its name"
    heights = ui.page_item_heights(page)
    assert max(heights) <= 1.5 * min(heights), f"a label wrapped onto two rows: {heights}"
    ui.shoot_around(page, [ui.cell(page, 1), page.locator(".jp-Completer")], "completion-ids")
    ui.close_popup(page)

    ui.type_in_cell(page, 1, "%cloudstack listVirtualMachines state=")
    values = [text for text, _ in ui.completions(page)]
    assert values == ["Running", "Stopped", "Present", "Destroyed", "Expunged"]
    ui.close_popup(page)

    # nothing to offer (a free-text value): one row says so, no Python names; the text stays
    ui.type_in_cell(page, 1, "%cloudstack listVirtualMachines name=")
    assert [(text, kind.replace("\u00a0", " ")) for text, kind in ui.completions(page)] == [
        ("", "no values to offer")]
    ui.close_popup(page)
    assert ui.cell_text(page, 1) == "%cloudstack listVirtualMachines name="


def test_dark_theme_keeps_the_views_readable(lab: Lab, page: Any) -> None:
    write_setting(lab.settings, "@jupyterlab/apputils-extension/themes", {"theme": "JupyterLab Dark"})
    try:
        vm = lab.running_vm(lab.cloud)
        scratch(lab, page, "dark.ipynb", ["%cloudstack listVirtualMachines listall=true",
                                          f"%cloudstack stopVirtualMachine id={vm}"])
        assert page.evaluate("document.body.dataset.jpThemeLight") == "false", "the dark theme is on"
        ui.run_cell(page, 1)
        ui.wait_idle(page)
        ui.run_cell(page, 2)
        row = ui.cell(page, 2).locator(f".jp-OutputArea-output {WIDGET}", has_text="pending").first
        row.wait_for(state="visible", timeout=HANG * 1000)
        live = ui.cell(page, 2).locator(".jp-OutputArea").evaluate(CONTRAST)
        ui.shoot(ui.cell(page, 2), "dark-job-live")
        ui.wait_idle(page)
        measured = live + ui.cell(page, 1).locator(".jp-OutputArea").evaluate(CONTRAST)
        measured += ui.cell(page, 2).locator(".jp-OutputArea").evaluate(CONTRAST)
        ui.shoot(ui.cell(page, 1).locator(".jp-OutputArea"), "dark-list")
        assert len(measured) > 20
        lab.record("dark theme: lowest text contrast", min(ratio for _, ratio in measured))
        # WCAG AA for normal text: 4.5:1
        unreadable = sorted({(text, round(ratio, 2)) for text, ratio in measured if ratio < 4.5})
        assert unreadable == [], f"text too faint on the dark background: {unreadable[:10]}"
    finally:
        write_setting(lab.settings, "@jupyterlab/apputils-extension/themes", {"theme": "JupyterLab Light"})
