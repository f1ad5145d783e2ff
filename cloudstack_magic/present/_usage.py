"""The ``%cloudstack`` syntax text, alone: the magics class needs it when it is defined (the
docstring of ``%cloudstack?`` ends with it), so at ``%load_ext``, before any view is built.
"""

from __future__ import annotations

__all__ = ["USAGE"]

#: The syntax, with examples; the ``%cloudstack`` magic's docstring (``%cloudstack?``) ends with it.
USAGE = """\
Syntax
------
%cloudstack [options] COMMAND key=value key="quoted value" …
    Runs one API call and returns a DataFrame for lists, or a readable view of the resource,
    job result or success reply. Values are shell-quoted; $var and {expression} interpolate
    from the notebook's variables as in other IPython magics.
x = %cloudstack …   /   %cloudstack -o x …
    Store the result in x instead of displaying it (on failure x is left untouched).
%%cloudstack [options] [VAR]
    The cell body holds a command whose parameters may span lines (key = value, # comments);
    a word without '=' starts the next command. Commands run in order (--parallel: at once).

Values
------
key=:name       the Python object `name` from the namespace: a dict becomes a map parameter
                (tags=:mytags), a list a comma-separated list, a bool true/false
key=@path       the file's text, at most 1 MiB (userdata=@cloud-init.yaml is base64-encoded, POSTed)
key=":x"        quote to send ':' or '@' literally

Discovery
---------
%cloudstack help COMMAND     the API's description, async flag and parameters
%cloudstack apis [word]      APIs whose name (or description) contains word
%cloudstack regions          configured regions (name, endpoint, source; never keys)
%cloudstack use NAME         switch the default region
%cloudstack sync [-r NAME]   store the server's own API list (help, completion, checks use it)
%cloudstack simulate start [--vms N …] | stop   a simulator in this kernel, region 'simulator'
Tab completes command names, then parameter names (required first), then ids for …id=
parameters (names shown alongside).

Examples
--------
In [1]: %load_ext cloudstack_magic
In [2]: %cloudstack listVirtualMachines state=Running
In [3]: zones = %cloudstack listZones
In [4]: %cloudstack -r prod,lab listVirtualMachines listall=true    # adds a `region` column
In [5]: %%cloudstack vm
   ...: deployVirtualMachine
   ...:     zoneid = {zones.id[0]}
   ...:     templateid = $template serviceofferingid = $offering
   ...:     userdata = @cloud-init.yaml
   ...:     tags = :mytags
In [6]: %cloudstack --dry-run stopVirtualMachine id=$vm_id    # shows the request, sends nothing
In [7]: %cloudstack --no-wait stopVirtualMachine id=$vm_id    # returns the job id at once
In [8]: %cloudstack help deployVirtualMachine
"""
