"""The API catalogue: ``Api``, ``Param``, ``Spec`` and the packaged CloudStack 4.18 ``listApis``.

Shared by the client, the magics and the simulator: it is data about CloudStack, not client code.

Every module here is private; the public names are re-exported from ``cloudstack_magic``.
Nothing is imported here, so importing one module of the layer does not load the others.
"""
