"""The async CloudStack client: signing, parameters, options, transport, paging, jobs.

Usable from plain ``asyncio``; it knows nothing of IPython or pandas.

Every module here is private; the public names are re-exported from ``cloudstack_magic``.
Nothing is imported here, so importing one module of the layer does not load the others.
"""
