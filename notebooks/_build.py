"""Regenerate the example notebooks from this readable source (outputs are left empty).

Run: .venv/bin/python notebooks/_build.py. CI executes the notebooks, so every cell here must
work against the simulator (``make demo`` points the kernel at one).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).parent


def md(text: str) -> nbformat.NotebookNode:
    return new_markdown_cell(text.strip())


def code(text: str) -> nbformat.NotebookNode:
    return new_code_cell(text.strip())


QUICKSTART = [
    md("""
# cloudstack-magic quickstart

Explore an Apache CloudStack cloud from a notebook. `make demo` runs this notebook against the
embedded simulator; with your own cloud, put its endpoint and keys in `cloudstack.ini` (or the
`CLOUDSTACK_*` environment variables, or a CloudMonkey profile) — never in the notebook.
"""),
    code("%load_ext cloudstack_magic"),
    md("Which regions are configured? (Endpoints and where they come from; keys stay hidden.)"),
    code("%cloudstack regions"),
    md("## Listing\nEvery page is fetched, concurrently, and comes back as a pandas DataFrame."),
    code("vms = %cloudstack listVirtualMachines listall=true\nlen(vms), vms.attrs['count']"),
    code("vms[['name', 'state', 'zonename', 'cpunumber', 'memory', 'created']].head()"),
    code("vms.groupby('state').size()"),
    md("Filters are plain parameters; quoting works as in a shell, and `{expr}` / `$var` "
       "interpolate Python values."),
    code("state = 'Running'\nrunning = %cloudstack listVirtualMachines listall=true state=$state\n"
         "len(running)"),
    code("%cloudstack listZones"),
    md("## Discovering the API\nHelp comes from the API spec: description, async flag and "
       "parameters."),
    code("%cloudstack apis VirtualMachine"),
    code("%cloudstack help deployVirtualMachine"),
    md("## Deploying\nAn async job shows live progress and returns its result. A cell can hold "
       "one command spread over several lines."),
    code("zones = %cloudstack listZones\n"
         "templates = %cloudstack listTemplates templatefilter=featured\n"
         "offerings = %cloudstack listServiceOfferings\n"
         "zone, template, offering = zones.id[0], templates.id[0], offerings.id[0]"),
    code("%%cloudstack web\n"
         "deployVirtualMachine\n"
         "    zoneid = {zone}\n"
         "    templateid = {template}\n"
         "    serviceofferingid = {offering}\n"
         "    name = web-quickstart   # names must be unique\n"),
    code("web"),
    md("`--dry-run` shows what would be sent, with the key and signature redacted."),
    code("%cloudstack --dry-run stopVirtualMachine id={web['id']}"),
    md("## The library underneath\nThe same client works in plain `asyncio` code."),
    code("from cloudstack_magic import CloudStack\n\n"
         "async with CloudStack.from_config() as cs:\n"
         "    zones = await cs.listZones()\n"
         "[z['name'] for z in zones['zone']]"),
]

INVENTORY = [
    md("""
# Inventory analysis

The questions operators ask of a cloud, answered with pandas on top of `%cloudstack`.
"""),
    code("%load_ext cloudstack_magic\nimport pandas as pd"),
    code("vms = %cloudstack listVirtualMachines listall=true\n"
         "hosts = %cloudstack listHosts type=Routing\n"
         "volumes = %cloudstack listVolumes listall=true\n"
         "len(vms), len(hosts), len(volumes)"),
    md("Capacity by zone and state: CPUs and memory (GiB) of every VM."),
    code("(vms.assign(memory_gib=vms.memory / 1024)\n"
         "    .pivot_table(index='zonename', columns='state', values='memory_gib', aggfunc='sum',"
         " fill_value=0)\n"
         "    .round(1))"),
    md("Which accounts use the most?"),
    code("vms.groupby('account').agg(vms=('id', 'size'), cpus=('cpunumber', 'sum'))"
         ".sort_values('cpus', ascending=False).head(10)"),
    md("Stopped VMs older than 30 days: candidates for clean-up."),
    code("cutoff = pd.Timestamp.now(tz='UTC') - pd.Timedelta(days=30)\n"
         "stale = vms[(vms.state == 'Stopped') & (vms.created < cutoff)]\n"
         "stale[['name', 'account', 'created']].sort_values('created').head(10)"),
    md("Tags are kept as Python objects; explode them into a tidy table."),
    code("tags = vms[['name', 'tags']].explode('tags').dropna()\n"
         "tags = tags.assign(key=tags.tags.str['key'], value=tags.tags.str['value'])"
         ".drop(columns='tags')\n"
         "tags.groupby(['key', 'value']).size().sort_values(ascending=False).head(10)"),
    md("Volumes not attached to any VM."),
    code("detached = volumes[volumes.get('virtualmachineid').isna()] "
         "if 'virtualmachineid' in volumes else volumes\n"
         "detached[['name', 'type', 'size']].head()"),
    md("Export for the spreadsheet crowd."),
    code("vms.drop(columns=['nic', 'tags'], errors='ignore').to_csv('inventory.csv', index=False)\n"
         "import os; os.path.getsize('inventory.csv') > 0"),
]

TEACHING = [
    md("""
# Teaching demo: how CloudStack's API works

Run against the simulator, so students can break things safely.
"""),
    code("%load_ext cloudstack_magic"),
    md("## 1. Every call is a signed HTTP request\n`--dry-run` shows the request; the key and "
       "signature are redacted."),
    code("%cloudstack --dry-run listZones"),
    md("## 2. Lists come in pages\nThe server returns at most `pagesize` rows and the **total** in "
       "`count`; the magic fetches every page. Ask for one page to see it yourself."),
    code("page = %cloudstack --raw listVirtualMachines listall=true page=2 pagesize=5\n"
         "page['count'], len(page['virtualmachine'])"),
    md("## 3. State changes are async jobs\nThe server answers at once with a job id; the job "
       "runs on. `--no-wait` shows that id."),
    code("vm = %cloudstack listVirtualMachines listall=true state=Running\n"
         "vm_id = vm.id[0]\n"
         "job = %cloudstack --no-wait stopVirtualMachine id=$vm_id\n"
         "job"),
    code("import asyncio\nawait asyncio.sleep(1.5)\n"
         "%cloudstack queryAsyncJobResult jobid={job['jobid']}"),
    md("## 4. Errors say what went wrong\nA typo gets a suggestion, not a traceback."),
    code("try:\n    %cloudstack listVirtualMachine\nexcept Exception as e:\n    print(e)"),
    md("## 5. Several jobs at once\n`--parallel` runs the commands of a cell concurrently, with "
       "one progress row each."),
    code("zones = %cloudstack listZones\n"
         "templates = %cloudstack listTemplates templatefilter=featured\n"
         "offerings = %cloudstack listServiceOfferings\n"
         "z, t, o = zones.id[0], templates.id[0], offerings.id[0]"),
    code("%%cloudstack --parallel class_vms\n"
         "deployVirtualMachine zoneid=$z templateid=$t serviceofferingid=$o name=student-1\n"
         "deployVirtualMachine zoneid=$z templateid=$t serviceofferingid=$o name=student-2\n"
         "deployVirtualMachine zoneid=$z templateid=$t serviceofferingid=$o name=student-3\n"),
    code("[r['virtualmachine']['name'] if 'virtualmachine' in r else r['name'] "
         "for r in class_vms]"),
]


def main() -> None:
    for name, cells in [("quickstart", QUICKSTART), ("inventory-analysis", INVENTORY),
                        ("teaching-demo", TEACHING)]:
        nb = new_notebook(cells=cells, metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        })
        nbformat.write(nb, HERE / f"{name}.ipynb")


if __name__ == "__main__":
    main()
