"""The IPython layer: ``%cloudstack`` parsing, the session that runs calls, completion, the cell
rewrite that awaits magics on the kernel's loop, and the synchronous fallback.

Every module here is private; the public names are re-exported from ``cloudstack_magic``.
Nothing is imported here, so importing one module of the layer does not load the others.
"""
