"""The main job: ``make demo`` and ``make lab``.

``python -m cloudstack_magic.demo`` starts the simulator on loopback, writes a ``cloudstack.ini``
region for it (mode 0600, under ``build/``), executes the example notebooks with a real kernel
(nbclient), writes each executed notebook and an HTML copy under ``build/``, prints a short
summary and stops the simulator. The saved copies name files relative to the project (or
``~``), never by this machine's absolute paths, so they can be shared as they are. ``--lab``
instead opens JupyterLab with the simulator running and the extension's configuration pointing
at it, until Ctrl-C.

The kernel finds its credentials the way a user's would: ``CLOUDSTACK_CONFIG`` names the written
file. Nothing secret is typed into a notebook.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["NotebookRun", "execute_notebook", "main", "simulated_cloud", "without_machine_paths"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_NOTEBOOKS = [PROJECT_ROOT / "notebooks" / f"{name}.ipynb"
                     for name in ("quickstart", "inventory-analysis", "teaching-demo")]
DEFAULT_BUILD = PROJECT_ROOT / "build"
REGION = "simulator"


@dataclass(frozen=True)
class NotebookRun:
    """What executing one notebook produced."""

    notebook: Path
    executed: Path
    html: Path | None
    cells: int
    errors: list[str]
    seconds: float


@contextmanager
def simulated_cloud(build_dir: Path, *, vms: int = 300, job_seconds: float = 1.0,
                    seed: int = 42) -> Iterator[dict[str, str]]:
    """Run the simulator on a background thread and yield the environment a kernel needs.

    The environment names a freshly written ``cloudstack.ini`` (0600) whose ``[simulator]``
    region is the default; the file is removed when the block ends.
    """
    from .config._regions import write_region_file
    from .simulator import SimulatorThread

    build_dir.mkdir(parents=True, exist_ok=True)
    config = build_dir / "cloudstack.ini"
    with SimulatorThread(vms=vms, job_seconds=job_seconds, seed=seed) as sim:
        write_region_file(config, REGION, sim.endpoint, sim.api_key, sim.secret_key)
        env = {"CLOUDSTACK_CONFIG": str(config), "CLOUDSTACK_REGION": REGION}
        try:
            yield {**env, "_endpoint": sim.endpoint}
        finally:
            config.unlink(missing_ok=True)


def execute_notebook(notebook: Path, build_dir: Path, env: Mapping[str, str], *,
                     timeout: int = 120, html: bool = True, runs: int = 1) -> NotebookRun:
    """Execute ``notebook`` with a real kernel whose environment includes ``env``.

    ``runs`` > 1 runs every cell again in the same kernel, as a second Run All in JupyterLab
    does: a notebook must not depend on a fresh kernel or a fresh cloud. The executed copy (of
    the last run, and an HTML rendering) go to ``build_dir``. Cell errors of every run are
    collected, not raised, so the summary can list them all.
    """
    import asyncio

    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    nb = nbformat.read(notebook, as_version=4)
    started = time.perf_counter()
    with _environment(env), tempfile.TemporaryDirectory(prefix="cs-kernel-") as sockets:
        # IPC sockets in a private folder: the kernel's traffic never touches a TCP port.
        manager = KernelManager(kernel_name="python3", transport="ipc",
                                ip=str(Path(sockets) / "kernel"))
        client = NotebookClient(nb, km=manager, timeout=timeout, allow_errors=True,
                                resources={"metadata": {"path": str(notebook.parent)}})
        errors = asyncio.run(_run_all(client, runs))
    seconds = time.perf_counter() - started
    build_dir.mkdir(parents=True, exist_ok=True)
    executed = build_dir / notebook.name
    nb = nbformat.reads(without_machine_paths(nbformat.writes(nb), build_dir), as_version=4)
    nbformat.write(nb, executed)
    html_path = None
    if html:
        from nbconvert import HTMLExporter

        body, _ = HTMLExporter().from_notebook_node(nb)
        html_path = executed.with_suffix(".html")
        html_path.write_text(body.replace("</head>", f"<style>{_ALIGNED_OUTPUTS}</style></head>", 1),
                             encoding="utf-8")
    cells = sum(1 for cell in nb.cells if cell.cell_type == "code")
    return NotebookRun(notebook, executed, html_path, cells, errors, seconds)


async def _run_all(client: Any, runs: int) -> list[str]:
    """Every code cell, ``runs`` times, in one kernel (nbclient's ``execute`` runs them once).

    cleanup_kc: nbclient keeps a kernel (and its client's sockets) alive when the caller passed
    the manager; this run owns both.
    """
    errors: list[str] = []
    async with client.async_setup_kernel(cleanup_kc=True):
        for run in range(1, runs + 1):
            for index, cell in enumerate(client.nb.cells):
                await client.async_execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
            label = f"run {run}, " if runs > 1 else ""
            errors += [
                f"{label}cell {index}: {output.get('ename')}: {output.get('evalue')}"
                for index, cell in enumerate(client.nb.cells)
                for output in cell.get("outputs", [])
                if output.get("output_type") == "error"
            ]
        client.set_widgets_metadata()
    return errors


#: nbconvert's page gives an output without a prompt (a chart, printed text, a job summary) a
#: narrower prompt cell than one with ``Out[n]:``, so those outputs start left of the code and of
#: the other results. Every prompt gets one width, wide enough for ``Out[999]:``.
_ALIGNED_OUTPUTS = (".jp-InputPrompt, .jp-OutputPrompt { width: 10ch; min-width: 10ch; "
                    "box-sizing: content-box; }")


def without_machine_paths(text: str, build_dir: Path) -> str:
    """``text`` with this machine's absolute paths made relative: the build folder as
    ``build``, the project's files relative to it, the home folder as ``~``.

    Outputs name files (the region's ``cloudstack.ini``, a traceback's modules); a saved notebook
    or HTML page is shared, and should not carry where someone's checkout lives.
    """
    home = str(Path.home())
    for prefix, replacement in ((str(build_dir.resolve()), "build"), (str(build_dir), "build"),
                                (str(PROJECT_ROOT) + os.sep, ""), (str(PROJECT_ROOT), "."),
                                (home + os.sep, "~" + os.sep)):
        if len(prefix) > 1:
            text = text.replace(prefix, replacement)
    return text


@contextmanager
def _environment(env: Mapping[str, str]) -> Iterator[None]:
    # The kernel inherits this process's environment; private keys (leading "_") stay out, and
    # so do the caller's own CLOUDSTACK_* settings (an exported CLOUDSTACK_ENDPOINT would win
    # over the config file, as it does in `cs`).
    stale = [k for k in os.environ if k.startswith("CLOUDSTACK_") and k not in env]
    saved = {k: os.environ.get(k) for k in [*env, *stale]}
    for key in stale:
        del os.environ[key]
    os.environ.update({k: v for k, v in env.items() if not k.startswith("_")})
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _run_demo(args: argparse.Namespace) -> int:
    print(f"starting the simulator ({args.vms} VMs) …", flush=True)
    with simulated_cloud(args.build, vms=args.vms) as env:
        print(f"simulator ready at {env['_endpoint']}", flush=True)
        runs = []
        for notebook in args.notebooks:
            print(f"executing {_relative(notebook)} …", flush=True)
            runs.append(execute_notebook(notebook, args.build, env))
    failed = False
    for run in runs:
        status = "ok" if not run.errors else f"{len(run.errors)} failing cell(s)"
        print(f"{_relative(run.notebook)}: {run.cells} code cells in {run.seconds:.1f} s — {status}")
        print(f"  executed notebook: {_relative(run.executed)}")
        if run.html:
            print(f"  HTML copy:         {_relative(run.html)}")
        for error in run.errors:
            print(f"  {error}")
        failed = failed or bool(run.errors)
    print("simulator stopped")
    return 1 if failed else 0


def _run_lab(args: argparse.Namespace) -> int:
    with simulated_cloud(args.build, vms=args.vms) as env:
        print(f"simulator ready at {env['_endpoint']}; opening JupyterLab (Ctrl-C stops both)")
        lab_env = {**os.environ, **{k: v for k, v in env.items() if not k.startswith("_")}}
        command = [sys.executable, "-m", "jupyterlab", "--ServerApp.ip=127.0.0.1",
                   f"--ServerApp.root_dir={PROJECT_ROOT / 'notebooks'}"]
        if os.geteuid() == 0:
            command.append("--allow-root")
        try:
            return subprocess.call(command, env=lab_env)
        except KeyboardInterrupt:
            return 0


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cloudstack_magic.demo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path, default=DEFAULT_NOTEBOOKS,
                        help="notebooks to execute (default: the three in notebooks/)")
    parser.add_argument("--lab", action="store_true", help="open JupyterLab instead")
    parser.add_argument("--vms", type=int, default=300, help="VMs in the simulated cloud")
    parser.add_argument("--build", type=Path, default=DEFAULT_BUILD, help="output folder")
    args: Any = parser.parse_args(argv)
    return _run_lab(args) if args.lab else _run_demo(args)


if __name__ == "__main__":
    sys.exit(main())
