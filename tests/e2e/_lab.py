"""Driving a JupyterLab notebook the way a user does: open it, Run All, type, press Tab, click.

Selectors are JupyterLab 4's own (Lumino menus carry ``data-command``, the notebook toolbar's
execution indicator carries ``data-status``), so a test reads as the steps a user takes.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import nbformat

from .conftest import SCREENSHOTS, Lab

#: Generous: a Run All of a notebook against the simulator takes seconds; this catches a hang.
RUN_TIMEOUT = 300.0
#: The notebook on screen (other open tabs stay in the DOM, hidden).
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
CODE_CELL = f"{PANEL} .jp-CodeCell"


def write_notebook(lab: Lab, name: str, cells: list[str]) -> str:
    """A notebook of code cells in the served folder; returns its name."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, Path(lab.root) / name)
    return name


def open_notebook(page: Any, lab: Lab, name: str) -> None:
    """Open ``name`` and wait until its kernel is ready."""
    page.goto(f"{lab.url}lab/tree/{name}?reset")  # ?reset: a fresh workspace, only this tab
    page.wait_for_selector(".jp-StatusBar-TextItem:has-text('| Idle')", timeout=RUN_TIMEOUT * 1000)
    page.wait_for_selector(CODE_CELL)
    # the file browser takes a fifth of the width: close it (Ctrl+B), as a user with a wide
    # table would, so outputs get the room
    left = page.locator("#jp-left-stack")
    if left.is_visible():
        page.keyboard.press("Escape")
        page.keyboard.press("Control+b")
        left.wait_for(state="hidden", timeout=10_000)


def wait_idle(page: Any, timeout: float = RUN_TIMEOUT) -> float:
    """Wait until no cell is queued or running and the kernel is idle; the seconds it took."""
    started = time.monotonic()
    page.wait_for_function(
        """() => {
            const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
            const indicator = panel && panel.querySelector('.jp-Notebook-ExecutionIndicator');
            const prompts = panel ? [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')] : [];
            return indicator && indicator.getAttribute('data-status') === 'idle'
                && !prompts.some(p => p.textContent.includes('*'));
        }""",
        timeout=timeout * 1000,
        polling=100,
    )
    return time.monotonic() - started


def command(page: Any, menu: str, data_command: str) -> None:
    """Click a main-menu entry, as a user does: the menu, then the item (a menu left open by
    an earlier step is closed first)."""
    item = page.locator(f"li.lm-Menu-item[data-command='{data_command}']")
    for _ in range(3):
        if not item.is_visible():
            page.locator("li.lm-MenuBar-item").filter(has_text=menu).first.click()
        try:
            item.wait_for(state="visible", timeout=5_000)
            break
        except Exception:
            page.keyboard.press("Escape")
    item.click()


def run_all(page: Any, timeout: float = RUN_TIMEOUT) -> float:
    """Run > Run All Cells, then wait until this run ended; the seconds it took.

    "Ended" is read from the prompts, not from an idle kernel alone (a busy machine may not
    have queued the cells yet): the first cell got a new number and nothing is queued or running.
    """
    before = max([n for n in execution_counts(page) if n is not None], default=0)
    started = time.monotonic()
    command(page, "Run", "runmenu:run-all")
    page.wait_for_function(
        """(before) => {
            const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
            const indicator = panel && panel.querySelector('.jp-Notebook-ExecutionIndicator');
            const prompts = panel ? [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')] : [];
            const first = prompts.length ? prompts[0].textContent.match(/\\[(\\d+)\\]/) : null;
            return indicator && indicator.getAttribute('data-status') === 'idle'
                && !prompts.some(p => p.textContent.includes('*'))
                && first !== null && parseInt(first[1]) > before;
        }""",
        arg=before,
        timeout=timeout * 1000,
        polling=100,
    )
    return time.monotonic() - started


def execution_counts(page: Any) -> list[int | None]:
    """Each code cell's ``[n]`` (None when it did not run)."""
    found = []
    for text in page.locator(f"{CODE_CELL} .jp-InputPrompt").all_inner_texts():
        match = re.search(r"\[(\d+)\]", text)
        found.append(int(match[1]) if match else None)
    return found


def error_outputs(page: Any) -> list[str]:
    """Texts of outputs that are errors: tracebacks and ``UsageError`` lines."""
    texts = page.locator(f"{PANEL} .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").all_inner_texts()
    return [t for t in texts if re.search(r"Traceback|Error\b|Exception\b", t)]


def cell(page: Any, index: int) -> Any:
    return page.locator(CODE_CELL).nth(index)


def run_cell(page: Any, index: int) -> None:
    """Select a cell and run it with Shift+Enter (does not wait for it to end)."""
    target = cell(page, index)
    target.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Shift+Enter")


def is_running(page: Any, index: int) -> bool:
    return "*" in cell(page, index).locator(".jp-InputPrompt").inner_text()


def shoot(target: Any, name: str) -> Path:
    """A screenshot of a page or an element into build/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    target.screenshot(path=str(path))
    return path


def shoot_around(page: Any, targets: list[Any], name: str, margin: float = 8) -> Path:
    """A screenshot of the page area that holds every one of ``targets`` (e.g. a cell and the
    completer popup that hangs below it)."""
    boxes = [box for box in (t.bounding_box() for t in targets) if box is not None]
    left = max(min(b["x"] for b in boxes) - margin, 0)
    top = max(min(b["y"] for b in boxes) - margin, 0)
    right = max(b["x"] + b["width"] for b in boxes) + margin
    bottom = max(b["y"] + b["height"] for b in boxes) + margin
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), clip={"x": left, "y": top, "width": right - left, "height": bottom - top})
    return path


def type_in_cell(page: Any, index: int, text: str) -> None:
    """Replace a cell's text with ``text`` by typing it, the cursor left at its end."""
    editor = cell(page, index).locator(".jp-InputArea-editor .cm-content")
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.type(text)


def cell_text(page: Any, index: int) -> str:
    return str(cell(page, index).locator(".jp-InputArea-editor .cm-content").inner_text())


def completions(page: Any, wait: float = 15.0) -> list[tuple[str, str]]:
    """Press Tab; the (text, type) pairs of the completer popup ([] when none opened)."""
    page.keyboard.press("Tab")
    popup = page.locator(".jp-Completer")
    try:
        popup.locator(".jp-Completer-item").first.wait_for(state="visible", timeout=wait * 1000)
    except Exception:
        return []
    items = popup.locator(".jp-Completer-item")
    page.wait_for_function(  # the popup drawn and settled: the same rows twice in a row
        """() => { const now = [...document.querySelectorAll('.jp-Completer-item')].map(e => e.textContent).join('|');
                   const same = now === window.__lastCompleterRows; window.__lastCompleterRows = now; return same; }""",
        polling=200, timeout=15_000)
    found = []
    for index in range(items.count()):
        item = items.nth(index)
        text = item.locator(".jp-Completer-match").inner_text()
        kind = item.locator(".jp-Completer-typeExtended").all_inner_texts()
        found.append((text, kind[0] if kind else ""))
    return found


def close_popup(page: Any) -> None:
    page.keyboard.press("Escape")


def page_item_heights(page: Any) -> list[float]:
    """On-screen heights of the completer popup's rows (a wrapped label makes one taller)."""
    heights: list[float] = page.locator(".jp-Completer-item").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().height)")
    return heights
