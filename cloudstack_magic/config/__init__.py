"""Regions: where endpoint, key and secret come from (environment, ``cloudstack.ini``, cmk), in
which order, and writing them back atomically.

Every module here is private; the public names are re-exported from ``cloudstack_magic``.
Nothing is imported here, so importing one module of the layer does not load the others.
"""
