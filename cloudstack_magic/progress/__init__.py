"""Live progress of listings and jobs: a pure snapshot folded from the client's events, and the
views that draw it (widget, text line, nothing), plus ``--background`` handles.

Every module here is private; the public names are re-exported from ``cloudstack_magic``.
Nothing is imported here, so importing one module of the layer does not load the others.
"""
