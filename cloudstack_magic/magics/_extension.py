"""``%load_ext cloudstack_magic`` / ``%unload_ext``: everything load registers, unload removes.

Load registers the ``CloudStackMagic`` magics (which also puts it in ``shell.configurables``
for ``%config``), pushes it under a hidden name for the rewritten cells to call, appends the
await transformer, registers the orphan guard on ``post_run_cell``, installs the DataFrame
display formatters and the completion matcher. Unload undoes each of these, closes every
client on its own loop and stops the fallback loop, so ``%reload_ext`` starts clean.
"""

from __future__ import annotations

from typing import Any

from ._transformer import HIDDEN_NAME, MAGIC_NAME, AwaitTransformer

__all__ = ["load_ipython_extension", "unload_ipython_extension"]

#: Where a loaded extension keeps what unload must undo (one attribute on the shell).
_STATE_ATTR = "_cloudstack_magic_state"


def load_ipython_extension(shell: Any) -> None:
    """Register ``%cloudstack``; loading twice is a no-op."""
    if getattr(shell, _STATE_ATTR, None) is not None:
        return
    from ._completion import make_matcher
    from ..config._regions import list_regions
    from ..present._views import install_formatters
    from ._magics import CloudStackMagic

    magic = CloudStackMagic(shell)
    shell.register_magics(magic)
    shell.push({HIDDEN_NAME: magic}, interactive=False)
    transformer = AwaitTransformer(shell, target=magic)
    shell.input_transformers_post.append(transformer)
    shell.events.register("post_run_cell", magic.guard)
    uninstall_formatters = install_formatters(shell, lambda: magic.displaylimit)

    def region_names() -> list[str]:
        return [region.name for region in list_regions()] + list(magic.session.local_regions)

    def current_spec() -> Any:
        return magic.session.spec_for(magic.region or None)

    matcher = make_matcher(current_spec, magic.session.fetch_rows(magic.settings), get_regions=region_names)
    completer = getattr(shell, "Completer", None)
    if completer is not None:
        completer.custom_matchers.append(matcher)
    setattr(shell, _STATE_ATTR, (magic, transformer, uninstall_formatters, matcher))
    magic.session.warm_up()


def unload_ipython_extension(shell: Any) -> None:
    """Remove everything :func:`load_ipython_extension` added and close the clients."""
    state = getattr(shell, _STATE_ATTR, None)
    if state is None:
        return
    magic, transformer, uninstall_formatters, matcher = state
    setattr(shell, _STATE_ATTR, None)
    if transformer in shell.input_transformers_post:
        shell.input_transformers_post.remove(transformer)
    try:
        shell.events.unregister("post_run_cell", magic.guard)
    except ValueError:
        pass
    completer = getattr(shell, "Completer", None)
    if completer is not None and matcher in completer.custom_matchers:
        completer.custom_matchers.remove(matcher)
    uninstall_formatters()
    for kind in ("line", "cell"):
        registered = shell.magics_manager.magics[kind]
        if getattr(registered.get(MAGIC_NAME), "__self__", None) is magic:
            del registered[MAGIC_NAME]
    shell.magics_manager.registry.pop(type(magic).__name__, None)
    if magic in shell.configurables:
        shell.configurables.remove(magic)
    if shell.user_ns.get(HIDDEN_NAME) is magic:
        del shell.user_ns[HIDDEN_NAME]
    shell.user_ns_hidden.pop(HIDDEN_NAME, None)
    magic.guard.cancel_all()
    magic.stop_simulator()
    magic.session.close()
