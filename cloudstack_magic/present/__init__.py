"""How results look: views (text and HTML), rows to typed DataFrames, display formatters and help.

Every module here is private; the public names are re-exported from ``cloudstack_magic``.
Nothing is imported here, so importing one module of the layer does not load the others.
"""
