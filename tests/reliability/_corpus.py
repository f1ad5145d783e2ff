"""The bad-input corpus: what a new user types wrong, and what a broken cloud answers.

Each :class:`Case` is one notebook cell that must end in ONE line saying what was wrong and
what to do (``expect``, a regular expression searched in that line), with no traceback, the
output variable ``out`` untouched, and the kernel still answering the next call. ``not_sent``
cases must be refused before anything reaches the simulator. ``absent`` must not match (a
refusal must not be called an unknown outcome, say). ``setup``/``teardown`` run in cells of
their own around the case.

Placeholders, filled in by the test: ``<ZONE>``, ``<TEMPLATE>``, ``<OFFERING>``, ``<VM>`` (ids
of the simulator's cloud), ``<UUID>`` (a well-formed id for the canned servers) and
``<CLOSED>`` (a 127.0.0.1 port nobody listens on). Regions: ``sim`` (the simulator, also the
default region), one per answer mode of ``_answers`` (``html504``, ``s431``, ``drop``…),
and ``closed``; the ``ini-*``, ``no-key`` and ``no-secret`` cases point CLOUDSTACK_CONFIG at a
file of ``BROKEN_INI`` for the one cell.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CASES", "Case", "FILES"]


@dataclass(frozen=True)
class Case:
    id: str
    cell: str
    expect: str
    not_sent: bool = False
    absent: str | None = None
    setup: str = ""
    teardown: str = ""


DEPLOY = "deployVirtualMachine zoneid=<UUID> templateid=<UUID> serviceofferingid=<UUID> name=web-1"
SIM_DEPLOY = "deployVirtualMachine zoneid=<ZONE> templateid=<TEMPLATE> serviceofferingid=<OFFERING>"
UNKNOWN = r"(?i)(may or may not have run|outcome is unknown|unknown outcome).*listAsyncJobs"
#: Files the @file cases read, made in the kernel's working directory by the test.
FILES = {
    "huge.txt": b"a" * (2 * 1024 * 1024 + 1),  # above the "e.g. 1 MiB" of the issue, and any userdata limit
    "binary.bin": bytes(range(256)) * 64,
}

_config = "import os; os.environ['CLOUDSTACK_CONFIG'] = '{name}'"
_unconfig = "import os; os.environ.pop('CLOUDSTACK_CONFIG', None)"


def _broken_ini(case_id: str, file: str, region: str, expect: str) -> Case:
    return Case(case_id, f"out = %cloudstack -r {region} listZones", expect,
                setup=_config.format(name=file), teardown=_unconfig)


#: INI files for the malformed-configuration cases (written by the test, mode 0600).
BROKEN_INI = {
    "broken-header.ini": "[broken\nendpoint = http://127.0.0.1:1/client/api\n",
    "no-section.ini": "endpoint = http://127.0.0.1:1/client/api\nkey = k\n",
    "bad-timeout.ini": "[badtimeout]\nendpoint = http://127.0.0.1:1/client/api\nkey = k\nsecret = s\ntimeout = soon\n",
    "bad-endpoint.ini": "[badurl]\nendpoint = ftp://files.example.com/api\nkey = k\nsecret = s\n",
    "bad-verify.ini": "[badverify]\nendpoint = https://127.0.0.1:1/client/api\nkey = k\nsecret = s\nverify = perhaps\n",
    "nokey.ini": "[nokey]\nendpoint = http://127.0.0.1:1/client/api\n",
    "nosecret.ini": "[nosecret]\nendpoint = http://127.0.0.1:1/client/api\nkey = some-key\n",
    "duplicate.ini": "[dup]\nendpoint = http://127.0.0.1:1/client/api\nendpoint = http://127.0.0.1:2/client/api\n",
}

CASES: list[Case] = [
    # -- quoting ------------------------------------------------------------------------------
    Case("quote-single", "out = %cloudstack listZones name='fra", r"(?i)unterminated|quot", not_sent=True),
    Case("quote-double", 'out = %cloudstack listZones name="fra', r"(?i)unterminated|quot", not_sent=True),
    Case("quote-cell", '%%cloudstack out\nlistZones\n    name = "fra\n', r"(?i)unterminated|quot", not_sent=True),
    Case("quote-mixed", "out = %cloudstack listZones name=\"fra'", r"(?i)unterminated|quot", not_sent=True),
    # -- unknown command ------------------------------------------------------------------------
    Case("command-typo", "out = %cloudstack listVirtualMachine", r"did you mean listVirtualMachines"),
    Case("command-swapped", "out = %cloudstack lsitZones", r"did you mean listZones"),
    Case("command-nonsense", "out = %cloudstack frobnicate", r"frobnicate.*(did you mean|apis|no such)"),
    Case("command-zero-width", "out = %cloudstack listZone\u200bs", r"(?i)listZone|command"),
    Case("help-unknown", "out = %cloudstack help nope", r"no API called 'nope'"),
    # -- unknown parameter ----------------------------------------------------------------------
    Case("param-stat", "out = %cloudstack listVirtualMachines listall=true stat=Running", r"stat\b.*\bstate\b",
         not_sent=True),
    Case("param-filter", "out = %cloudstack listVirtualMachines filter=name,state", r"filter.*--columns",
         not_sent=True),
    Case("param-nmae", "out = %cloudstack listZones nmae=fra1", r"nmae.*\bname\b", not_sent=True),
    Case("param-deploy", f"out = %cloudstack {SIM_DEPLOY} dispalyname=web", r"dispalyname.*displayname",
         not_sent=True),
    Case("param-cell", "%%cloudstack out\nlistZones\n    nmae = fra1\nlistHosts\n", r"nmae.*\bname\b",
         not_sent=True),
    Case("param-many-bogus", "out = %cloudstack listZones" + "".join(f" bogus{n}=1" for n in range(3000)),
         r"bogus\d", not_sent=True),
    Case("param-unicode", "out = %cloudstack listZones nämé=zürich", r"nämé", not_sent=True),
    # -- unknown option -------------------------------------------------------------------------
    Case("option-unknown", "out = %cloudstack --nope listZones", r"unrecognized arguments: --nope", not_sent=True),
    Case("option-limit-type", "out = %cloudstack --limit abc listZones", r"--limit.*abc", not_sent=True),
    Case("option-limit-zero", "out = %cloudstack --limit 0 listZones", r"--limit must be 1 or more", not_sent=True),
    Case("option-progress", "out = %cloudstack --progress fancy listZones", r"--progress must be one of",
         not_sent=True),
    Case("option-output-name", "%cloudstack -o 1x listZones", r"not a Python variable name", not_sent=True),
    Case("option-output-missing", "out = %cloudstack --output", r"(?i)expected one argument|--output",
         not_sent=True),
    Case("option-none", "out = %cloudstack", r"no command given", not_sent=True),
    Case("option-columns", "out = %cloudstack --columns nosuch listZones", r"--columns: no column nosuch"),
    Case("option-cell-words", "%%cloudstack out extra\nlistZones\n", r"one VAR", not_sent=True),
    # -- unknown region -------------------------------------------------------------------------
    Case("region-unknown", "out = %cloudstack -r nowhere listZones", r"unknown region 'nowhere'", not_sent=True),
    Case("region-use", "out = %cloudstack use nowhere", r"unknown region 'nowhere'", not_sent=True),
    Case("region-typo", "out = %cloudstack -r smi listZones", r"unknown region 'smi'.*\bsim\b", not_sent=True),
    # -- wrong types ----------------------------------------------------------------------------
    Case("type-boolean", "out = %cloudstack listVirtualMachines listall=maybe", r"listall.*(?i:boolean).*true",
         not_sent=True),
    Case("type-boolean-yes", "out = %cloudstack listVirtualMachines listall=yes", r"listall.*(?i:boolean)",
         not_sent=True),
    Case("type-integer", "out = %cloudstack listVirtualMachines page=x pagesize=10", r"page.*(?i:integer)",
         not_sent=True),
    Case("type-integer-float", "out = %cloudstack listVirtualMachines page=1 pagesize=1.5",
         r"pagesize.*(?i:integer)", not_sent=True),
    Case("type-uuid", "out = %cloudstack listVirtualMachines id=not-a-uuid", r"\bid\b.*(?i:uuid)", not_sent=True),
    Case("type-uuid-deploy", "out = %cloudstack deployVirtualMachine zoneid=z templateid=t serviceofferingid=s",
         r"(?i)uuid", not_sent=True),
    # listApis types ``ids`` as a plain "list", so the server (as CloudStack's 431 does) refuses it
    Case("type-uuid-list", "out = %cloudstack listVirtualMachines ids=a,b", r"ids|(?i:uuid)"),
    Case("type-date", "out = %cloudstack listEvents startdate=yesterday", r"startdate.*(?i:date)", not_sent=True),
    Case("type-map", "out = %cloudstack listVirtualMachines tags=:five", r"tags.*(?i:map)", not_sent=True,
         setup="five = 5"),
    Case("type-missing-required", "out = %cloudstack deployVirtualMachine zoneid=<ZONE>",
         r"deployVirtualMachine needs.*serviceofferingid", not_sent=True),
    # -- page without pagesize ------------------------------------------------------------------
    Case("page-without-pagesize", "out = %cloudstack listVirtualMachines page=2", r"pagesize"),
    Case("page-without-pagesize-cell", "%%cloudstack out\nlistZones\n    page = 1\n", r"pagesize"),
    # -- @file ----------------------------------------------------------------------------------
    Case("file-missing", "out = %cloudstack listZones name=@missing.txt", r"missing\.txt", not_sent=True),
    Case("file-missing-userdata", f"out = %cloudstack {SIM_DEPLOY} userdata=@cloud-init.yaml",
         r"cloud-init\.yaml", not_sent=True),
    Case("file-huge", "out = %cloudstack listZones name=@huge.txt", r"(?i)huge\.txt.*(MiB|too (large|big)|size)",
         not_sent=True),
    Case("file-binary", "out = %cloudstack listZones name=@binary.bin", r"(?i)binary", not_sent=True),
    Case("file-device", "out = %cloudstack listVirtualMachines name=@/dev/zero",
         r"(?i)/dev/zero.*(device|not a (regular )?file)", not_sent=True),
    Case("file-directory", "out = %cloudstack listZones name=@.", r"(?i)directory|not a (regular )?file",
         not_sent=True),
    # -- :var and {expr} ------------------------------------------------------------------------
    Case("var-undefined", "out = %cloudstack listZones name=:nosuchvar", r"nosuchvar", not_sent=True),
    Case("dollar-undefined", "out = %cloudstack listZones name=$nosuchvar", r"nosuchvar", not_sent=True),
    Case("expr-zero-division", "out = %cloudstack listZones name={1/0}", r"(?i)zero|division", not_sent=True),
    Case("expr-undefined", "out = %cloudstack listZones name={undefined_thing}", r"undefined_thing",
         not_sent=True),
    Case("expr-raising", "out = %cloudstack listZones name={raise_it()}", r"boom",
         setup="def raise_it():\n    raise RuntimeError('boom')", not_sent=True),
    Case("expr-cell", "%%cloudstack out\nlistZones\n    name = {1/0}\n", r"(?i)zero|division", not_sent=True),
    # -- credentials and configuration ----------------------------------------------------------
    _broken_ini("no-key", "nokey.ini", "nokey", r"(?i)nokey.*key"),
    _broken_ini("no-secret", "nosecret.ini", "nosecret", r"(?i)nosecret.*secret"),
    Case("no-config-at-all", "out = %cloudstack -r cloudstack listZones",
         r"(?i)CLOUDSTACK_ENDPOINT|cloudstack\.ini",
         setup="import os; _rel_cwd = os.getcwd(); os.chdir('empty')", teardown="os.chdir(_rel_cwd)"),
    _broken_ini("ini-header", "broken-header.ini", "broken", r"broken-header\.ini"),
    _broken_ini("ini-no-section", "no-section.ini", "anything", r"no-section\.ini"),
    _broken_ini("ini-bad-timeout", "bad-timeout.ini", "badtimeout", r"timeout.*soon|soon.*timeout"),
    _broken_ini("ini-bad-endpoint", "bad-endpoint.ini", "badurl", r"(?i)http"),
    _broken_ini("ini-bad-verify", "bad-verify.ini", "badverify", r"verify"),
    _broken_ini("ini-duplicate", "duplicate.ini", "dup", r"duplicate\.ini"),
    # -- unreachable endpoint -------------------------------------------------------------------
    Case("unreachable", "out = %cloudstack -r closed listZones", r"127\.0\.0\.1:<CLOSED>"),
    Case("unreachable-deploy", f"out = %cloudstack -r closed {DEPLOY}", r"(?i)cannot connect.*nothing was sent"),
    # -- answers that are not CloudStack JSON ---------------------------------------------------
    Case("html-502", "out = %cloudstack -r html502 listZones", r"502.*(?i:html|not CloudStack)"),
    Case("html-200", "out = %cloudstack -r html200 listZones", r"(?i)html|not CloudStack"),
    Case("json-invalid", "out = %cloudstack -r badjson listZones", r"(?i)json"),
    Case("json-empty", "out = %cloudstack -r empty listZones", r"(?i)empty|json"),
    Case("http-404", "out = %cloudstack -r notfound listZones", r"404"),
    Case("redirect-loop", "out = %cloudstack -r redirect listZones", r"(?i)redirect"),
    Case("dropped", "out = %cloudstack -r drop listZones", r"(?i)connection|dropped|broke"),
    Case("no-answer", "out = %cloudstack -r slow listZones", r"(?i)no answer|timed? ?out"),
    # -- unknown outcomes of state-changing commands --------------------------------------------
    Case("unknown-html504", f"out = %cloudstack -r html504 {DEPLOY}", UNKNOWN),
    Case("unknown-html502", "out = %cloudstack -r html502 updateVirtualMachine id=<UUID> displayname=x", UNKNOWN),
    Case("unknown-dropped", f"out = %cloudstack -r drop {DEPLOY}", UNKNOWN),
    Case("unknown-timeout", f"out = %cloudstack -r slow {DEPLOY}", UNKNOWN),
    Case("unknown-redirect", f"out = %cloudstack -r redirect {DEPLOY}", UNKNOWN),
    # -- CloudStack refusals --------------------------------------------------------------------
    Case("status-401", "out = %cloudstack -r s401 listZones", r"(?i)401.*(key|secret|signature)"),
    Case("status-401-output", "%cloudstack -o out -r s401 listZones", r"401"),
    Case("status-429-cell", "%%cloudstack out\nlistZones\n", r"(?i)(rate|api) limit",
         setup="%config CloudStackMagic.region = 's429'", teardown="%config CloudStackMagic.region = ''"),
    Case("status-431", "out = %cloudstack -r s431 listZones", r"431"),
    Case("status-432", "out = %cloudstack -r s432 listZones", r"432"),
    Case("status-429", "out = %cloudstack -r s429 listZones", r"(?i)(rate|api) limit.*retry"),
    Case("status-530", "out = %cloudstack -r s530 listZones", r"530"),
    Case("status-431-oversized", "out = %cloudstack -r s431big updateVirtualMachine id=<UUID> displayname=x",
         r"431|(?i:unreadable|refused)", absent=r"(?i)may or may not|broke"),
    Case("status-530-deploy", f"out = %cloudstack -r s530 {DEPLOY}", r"530", absent=r"(?i)may or may not"),
    # -- jobs -----------------------------------------------------------------------------------
    Case("job-failed", "out = %cloudstack -r jobs deployVirtualMachine zoneid=<UUID> templateid=<UUID> "
         "serviceofferingid=<UUID> name=failme", r"(?i)(?=.*insufficient capacity)(?=.*0b6c2d4e-1111)"),
    Case("job-timeout", "out = %cloudstack -r jobs deployVirtualMachine zoneid=<UUID> templateid=<UUID> "
         "serviceofferingid=<UUID> name=hang", r"0b6c2d4e-2222",
         setup="%config CloudStackMagic.job_timeout = 1.5", teardown="%config CloudStackMagic.job_timeout = 1800"),
    # -- very long lines, unicode and newlines in values ----------------------------------------
    # sent anyway (--no-validate): the simulator's 431 echoes the 100,000 characters in its header
    Case("long-value", "out = %cloudstack --no-validate updateVirtualMachine id=" + "f" * 100_000,
         r"(?i)431|invalid|refused|unreadable", absent=r"(?i)may or may not|broke"),
    Case("long-uuid", "out = %cloudstack listVirtualMachines id=" + "f" * 50_000, r"(?i)uuid", not_sent=True),
    Case("unicode-boolean", "out = %cloudstack listVirtualMachines listall=🚀", r"listall.*(?i:boolean)",
         not_sent=True),
    Case("unicode-uuid", "out = %cloudstack listVirtualMachines id=ü-not-a-uuid", r"(?i)uuid", not_sent=True),
    Case("newline-boolean", "out = %cloudstack listVirtualMachines listall=:two_lines",
         r"listall.*(?i:boolean)", setup="two_lines = 'true\\nfalse'", not_sent=True),
    Case("newline-uuid", "out = %cloudstack listVirtualMachines id=:two_words", r"(?i)uuid",
         setup="two_words = 'abc\\ndef'", not_sent=True),
    Case("newline-expr", "out = %cloudstack listVirtualMachines id={'abc\\ndef'}", r"(?i)uuid|def", not_sent=True),
    Case("newline-cell-quoted", '%%cloudstack out\nlistVirtualMachines\n    listall = "tr\nue"\n',
         r"listall.*(?i:boolean)", not_sent=True),
    # -- junk %%cloudstack bodies ---------------------------------------------------------------
    Case("junk-equals", "%%cloudstack out\n= = =\n", r"=", not_sent=True),
    Case("junk-leading-value", "%%cloudstack out\n=value\n", r"(?i)before any command|=value", not_sent=True),
    Case("junk-param-first", "%%cloudstack out\nname=fra1\nlistZones\n", r"(?i)name=fra1|command", not_sent=True),
    Case("junk-comment-only", "%%cloudstack out\n# only a comment\n", r"no command given", not_sent=True),
    Case("junk-blank", "%%cloudstack out\n\n\n", r"no command given", not_sent=True),
    Case("junk-bare-word-line", "out = %cloudstack listZones name", r"(?i)name", not_sent=True),
    Case("junk-bare-equals", "out = %cloudstack listZones =x", r"=x|before any command", not_sent=True),
    Case("junk-control-chars", "%%cloudstack out\nlist\x01Zones\n", r"(?i)command|list"),
]
