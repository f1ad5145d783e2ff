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
    md("A list shows the columns people look for; the footer says what is left out. The frame "
       "itself always holds every column, and `--columns all` shows them all "
       "(`%config CloudStackMagic.columns = 'all'` for every list)."),
    code("%cloudstack --columns all listZones"),
    md("## Discovering the API\nHelp comes from the API spec: description, async flag and "
       "parameters."),
    code("%cloudstack apis VirtualMachine"),
    code("%cloudstack help deployVirtualMachine"),
    md("## Deploying\nAn async job shows live progress and returns its result. A cell can hold "
       "one command spread over several lines."),
    code("zones = %cloudstack listZones\n"
         "zone = zones.id[0]\n"
         "# a template is listed once per zone it is in: ask for the zone's own\n"
         "templates = %cloudstack listTemplates templatefilter=featured zoneid=$zone\n"
         "offerings = %cloudstack listServiceOfferings\n"
         "template, offering = templates.id[0], offerings.id[0]"),
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
    md("## Cleaning up\nDestroy the VM this notebook made, so Run All works again (a name can "
       "be used once per cloud)."),
    code("%cloudstack destroyVirtualMachine id={web['id']} expunge=true"),
]

#: One setup cell for the chart notebooks: opaque white figures (readable on JupyterLab's light
#: and dark themes alike; a transparent figure would put dark labels on a dark page) and the
#: Okabe-Ito palette, which stays distinguishable for colour-blind readers.
CHART_SETUP = """import matplotlib.pyplot as plt

plt.rcParams.update({
    "figure.facecolor": "white", "axes.facecolor": "white", "savefig.facecolor": "white",
    "text.color": "#222222", "axes.labelcolor": "#222222", "axes.edgecolor": "#444444",
    "xtick.color": "#222222", "ytick.color": "#222222", "figure.figsize": (8, 3.4),
    "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.3,
    "axes.prop_cycle": plt.cycler(color=["#0072B2", "#E69F00", "#009E73", "#D55E00",
                                         "#CC79A7", "#56B4E9", "#F0E442", "#000000"]),
})
STATE_COLORS = {"Running": "#009E73", "Stopped": "#E69F00", "Starting": "#56B4E9",
                "Stopping": "#CC79A7", "Error": "#D55E00", "Destroyed": "#999999"}"""

INVENTORY = [
    md("""
# Inventory analysis

The questions operators ask of a cloud, answered with pandas and matplotlib on top of
`%cloudstack`. Every cell only reads, so Run All can be repeated as often as you like.
"""),
    code("%load_ext cloudstack_magic\nimport pandas as pd\n" + CHART_SETUP),
    code("vms = %cloudstack listVirtualMachines listall=true\n"
         "hosts = %cloudstack listHosts type=Routing\n"
         "volumes = %cloudstack listVolumes listall=true\n"
         "accounts = %cloudstack listAccounts listall=true\n"
         "len(vms), len(hosts), len(volumes), len(accounts)"),
    md("A list displays the columns people look for; the variable holds every column, typed."),
    code("vms"),
    md("## Where do the VMs run, and in what state?"),
    code("by_zone = vms.pivot_table(index='zonename', columns='state', values='id', aggfunc='count',"
         " fill_value=0)\n"
         "ax = by_zone.plot.barh(stacked=True, color=[STATE_COLORS.get(s, '#777777') "
         "for s in by_zone.columns])\n"
         "ax.set(xlabel='VMs', ylabel='', title='VMs by zone and state')\n"
         "ax.legend(title='state', loc='upper left', bbox_to_anchor=(1.01, 1))\n"
         "plt.show()"),
    md("## Which accounts use the most?\nCPUs and memory of the VMs that are not destroyed."),
    code("live = vms[vms.state != 'Destroyed']\n"
         "usage = (live.groupby('account')\n"
         "         .agg(vms=('id', 'size'), cpus=('cpunumber', 'sum'), memory_gib=('memory', 'sum'))\n"
         "         .assign(memory_gib=lambda d: d.memory_gib / 1024)\n"
         "         .sort_values('cpus'))\n"
         "fig, (left, right) = plt.subplots(1, 2, sharey=True, figsize=(9, 3.4))\n"
         "usage.cpus.plot.barh(ax=left, color='#0072B2', title='CPUs', label='in use')\n"
         "usage.memory_gib.plot.barh(ax=right, color='#E69F00', title='memory (GiB)', label='in use')\n"
         "left.set_ylabel('')\n"
         "# the account's limits, where the server reports one (4.18: a number or 'Unlimited')\n"
         "limits = accounts.drop_duplicates('name').set_index('name').reindex(usage.index)\n"
         "for ax, column, scale in ((left, 'cpulimit', 1), (right, 'memorylimit', 1024)):\n"
         "    limit = pd.to_numeric(limits.get(column, pd.Series(dtype=object)), errors='coerce') / scale\n"
         "    if limit.notna().any():\n"
         "        ax.scatter(limit, limit.index, marker='|', s=400, color='#D55E00', zorder=3,"
         " label='limit')\n"
         "        ax.legend(loc='lower right')\n"
         "fig.suptitle('Use by account')\n"
         "fig.tight_layout()\n"
         "plt.show()\n"
         "usage.sort_values('cpus', ascending=False)"),
    md("## How full are the hosts?\nAllocated CPUs and memory against each host's capacity. The "
       "server reports the allocation (`cpuallocated`, `memoryallocated`) on CloudStack 4.18; "
       "without it the running VMs' sizes are added up per host."),
    code("running = vms[vms.state == 'Running']\n"
         "on_host = running.groupby('hostid').agg(cpus=('cpunumber', 'sum'), memory=('memory', 'sum'))\n"
         "capacity = hosts.set_index('name')\n"
         "allocated = on_host.reindex(hosts.id).fillna(0).set_axis(hosts.name)\n"
         "if 'memoryallocated' in hosts:\n"
         "    allocated['memory'] = (hosts.memoryallocated / 2**20).to_numpy()\n"
         "cpu_share = 100 * allocated.cpus / capacity.cpunumber\n"
         "if 'cpuallocated' in hosts:  # '37.5%' of the host's CPU\n"
         "    cpu_share = pd.to_numeric(hosts.cpuallocated.str.rstrip('%'), errors='coerce')"
         ".set_axis(hosts.name)\n"
         "memory_share = 100 * allocated.memory / (capacity.memorytotal / 2**20)\n"
         "fig, (left, right) = plt.subplots(1, 2, sharey=True, figsize=(9, 1.2 + 0.28 * len(hosts)))\n"
         "for ax, share, label in ((left, cpu_share, 'CPU'), (right, memory_share, 'memory')):\n"
         "    ax.barh(share.index, [100] * len(share), color='#dddddd', label='capacity')\n"
         "    ax.barh(share.index, share, color='#0072B2', label='allocated')\n"
         "    ax.set(xlim=(0, max(100, share.max() * 1.05)), xlabel=f'{label} allocated (%)')\n"
         "fig.legend(*left.get_legend_handles_labels(), loc='upper right', ncols=2)\n"
         "fig.suptitle('Host allocation against capacity', x=0.3)\n"
         "fig.tight_layout()\n"
         "plt.show()"),
    md("## How old are the VMs?\nStopped VMs that are old are candidates for clean-up."),
    code("age_days = (pd.Timestamp.now(tz='UTC') - vms.created).dt.days\n"
         "states = ['Running', 'Stopped']\n"
         "fig, ax = plt.subplots()\n"
         "ax.hist([age_days[vms.state == s] for s in states], bins=20, stacked=True, label=states,\n"
         "        color=[STATE_COLORS[s] for s in states])\n"
         "ax.set(xlabel='age (days)', ylabel='VMs', title='VM age')\n"
         "ax.legend()\n"
         "plt.show()"),
    code("cutoff = pd.Timestamp.now(tz='UTC') - pd.Timedelta(days=30)\n"
         "stale = vms[(vms.state == 'Stopped') & (vms.created < cutoff)]\n"
         "print(f'{len(stale)} stopped VMs are older than 30 days')\n"
         "stale[['name', 'account', 'created']].sort_values('created').head(10)"),
    md("## How well are the VMs tagged?\nTags are kept as Python objects; explode them into a "
       "tidy table, then count the VMs carrying each key."),
    code("tags = vms[['id', 'tags']].explode('tags').dropna()\n"
         "tags = tags.assign(key=tags.tags.str['key'], value=tags.tags.str['value'])"
         ".drop(columns='tags')\n"
         "coverage = 100 * tags.groupby('key').id.nunique() / len(vms)\n"
         "coverage['(no tags)'] = 100 * (vms.tags.str.len().fillna(0) == 0).mean()\n"
         "coverage = coverage.sort_values()\n"
         "ax = coverage.plot.barh(color=['#999999' if k == '(no tags)' else '#009E73' for k in coverage.index])\n"
         "ax.set(xlabel='VMs (%)', ylabel='tag key', xlim=(0, 100), title='Tag coverage')\n"
         "plt.show()\n"
         "tags.groupby(['key', 'value']).size().sort_values(ascending=False).head(10)"),
    md("## Volumes not attached to any VM\nA volume without a VM still costs storage. (The "
       "simulator attaches every volume; `detachVolume` one to see it listed here.)"),
    code("attached = volumes.virtualmachineid.notna() if 'virtualmachineid' in volumes "
         "else pd.Series(False, index=volumes.index)\n"
         "detached = volumes[~attached]\n"
         "if detached.empty:\n"
         "    print(f'All {len(volumes)} volumes are attached to a VM: nothing to reclaim.')\n"
         "else:\n"
         "    print(f'{len(detached)} of {len(volumes)} volumes are attached to no VM '\n"
         "          f'({detached[\"size\"].sum() / 2**30:,.0f} GiB):')\n"
         "    display(detached[['name', 'type', 'size', 'zonename', 'account', 'created']])"),
    md("Export for the spreadsheet crowd."),
    code("vms.drop(columns=['nic', 'tags'], errors='ignore').to_csv('inventory.csv', index=False)\n"
         "import os; os.path.getsize('inventory.csv') > 0"),
]

TEACHING = [
    md("""
# Teaching demo: how CloudStack's API works

Run against the simulator, so students can break things safely. The last cell cleans up, so
the notebook can be run again and again.
"""),
    code("%load_ext cloudstack_magic\nimport asyncio\nimport time\n" + CHART_SETUP),
    md("## 1. Every call is a signed HTTP request\n`--dry-run` shows the request; the key and "
       "signature are redacted."),
    code("%cloudstack --dry-run listZones"),
    md("## 2. Lists come in pages\nThe server returns at most `pagesize` rows and the **total** in "
       "`count`; the magic fetches every page. Ask for one page to see it yourself."),
    code("page = %cloudstack --raw listVirtualMachines listall=true page=2 pagesize=5\n"
         "page['count'], len(page['virtualmachine'])"),
    md("Here is every page of the list, one request each: full pages, then the rest."),
    code("size = 25\n"
         "first = %cloudstack --raw listVirtualMachines listall=true page=1 pagesize=$size\n"
         "total = first['count']\n"
         "pages = -(-total // size)\n"
         "rows_per_page = [len(first['virtualmachine'])]\n"
         "for number in range(2, pages + 1):\n"
         "    reply = %cloudstack --raw listVirtualMachines listall=true page={number} pagesize=$size\n"
         "    rows_per_page.append(len(reply.get('virtualmachine', [])))\n"
         "fig, ax = plt.subplots(figsize=(8, 2.8))\n"
         "ax.bar(range(1, pages + 1), rows_per_page, color='#0072B2', label='rows in the reply')\n"
         "ax.axhline(size, color='#D55E00', linestyle='--', label=f'pagesize={size}')\n"
         "ax.set(xlabel='page', ylabel='rows', xticks=range(1, pages + 1),\n"
         "       title=f'count={total}: {pages} pages of at most {size} rows')\n"
         "ax.legend(loc='upper left', bbox_to_anchor=(1.01, 1))\n"
         "plt.show()"),
    md("## 3. State changes are async jobs\nThe server answers at once with a job id; the job "
       "runs on. `--no-wait` shows that id."),
    code("vm = %cloudstack listVirtualMachines listall=true state=Running\n"
         "vm_id = vm.id[0]\n"
         "job = %cloudstack --no-wait stopVirtualMachine id=$vm_id\n"
         "job"),
    md("Asking `queryAsyncJobResult` until the job is done is what the magic does for you "
       "(with a live progress row). Here it is by hand, drawn."),
    code("polls, started = [], time.monotonic()\n"
         "for _ in range(300):  # bounded: a job that never ends cannot hang the notebook\n"
         "    status = %cloudstack --raw queryAsyncJobResult jobid={job['jobid']}\n"
         "    polls.append((time.monotonic() - started, status['jobstatus']))\n"
         "    if status['jobstatus'] != 0:\n"
         "        break\n"
         "    await asyncio.sleep(0.1)\n"
         "seconds, states = zip(*polls)\n"
         "fig, ax = plt.subplots(figsize=(8, 2.4))\n"
         "ax.step(seconds, states, where='post', color='#0072B2')\n"
         "ax.scatter(seconds, states, color='#D55E00', zorder=3, label='one queryAsyncJobResult')\n"
         "ax.set(yticks=[0, 1, 2], yticklabels=['pending', 'succeeded', 'failed'], ylim=(-0.3, 2.3),\n"
         "       xlabel='seconds since the job was accepted',\n"
         "       title=f'stopVirtualMachine: {len(polls)} polls, done after {seconds[-1]:.1f} s')\n"
         "ax.legend(loc='upper left')\n"
         "plt.show()\n"
         "status['jobresult']['virtualmachine']['state']"),
    md("## 4. Errors say what went wrong\nA typo gets a suggestion, not a traceback."),
    code("try:\n    %cloudstack listVirtualMachine\nexcept Exception as e:\n    print(e)"),
    md("## 5. Several jobs at once\n`--parallel` runs the commands of a cell concurrently, with "
       "one progress row each."),
    code("zones = %cloudstack listZones\n"
         "z = zones.id[0]\n"
         "templates = %cloudstack listTemplates templatefilter=featured zoneid=$z\n"
         "offerings = %cloudstack listServiceOfferings\n"
         "t, o = templates.id[0], offerings.id[0]"),
    code("%%cloudstack --parallel class_vms\n"
         "deployVirtualMachine zoneid=$z templateid=$t serviceofferingid=$o name=student-1\n"
         "deployVirtualMachine zoneid=$z templateid=$t serviceofferingid=$o name=student-2\n"
         "deployVirtualMachine zoneid=$z templateid=$t serviceofferingid=$o name=student-3\n"),
    md("Each result is the VM itself."),
    code("[r['name'] for r in class_vms]"),
    md("## 6. Clean up\nDestroy the students' VMs and start the stopped one again, so the cloud "
       "is as it was and the notebook can run again."),
    code("first, second, third = (r['id'] for r in class_vms)"),
    code("%%cloudstack --parallel\n"
         "destroyVirtualMachine id=$first expunge=true\n"
         "destroyVirtualMachine id=$second expunge=true\n"
         "destroyVirtualMachine id=$third expunge=true\n"
         "startVirtualMachine id=$vm_id\n"),
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
