"""The public surface: ``__all__`` is sorted and matches the real public names, and every
exception the client raises is drawn in the tree of ``_errors``."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

import cloudstack_magic
from cloudstack_magic import _errors


def test_all_matches_the_public_names() -> None:
    helpers = {"annotations", "TYPE_CHECKING", "Any"}  # the module's own imports, not its API
    public = {name for name, obj in vars(cloudstack_magic).items()
              if not name.startswith("_") and not inspect.ismodule(obj) and name not in helpers}
    public |= set(cloudstack_magic._LAZY)  # loaded on first access
    assert set(cloudstack_magic.__all__) - {"__version__"} == public
    assert cloudstack_magic.__all__ == sorted(cloudstack_magic.__all__)


def test_lazy_names_resolve_and_unknown_names_fail() -> None:
    from importlib import import_module

    for name, module in cloudstack_magic._LAZY.items():
        assert getattr(cloudstack_magic, name) is getattr(import_module(module, "cloudstack_magic"), name)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        cloudstack_magic.nope  # noqa: B018


def test_client_names_are_exported() -> None:
    for name in ("CloudStack", "CloudStackClientException", "PreparedRequest", "ListChangedWarning",
                 "ClientOptions", "abandoned_job"):
        assert name in cloudstack_magic.__all__, name


def test_every_exported_exception_is_in_the_tree() -> None:
    tree = _errors.__doc__ or ""
    for name in cloudstack_magic.__all__:
        obj = getattr(cloudstack_magic, name)
        if inspect.isclass(obj) and issubclass(obj, BaseException) and not issubclass(obj, Warning):
            assert name in tree, name
            assert issubclass(obj, cloudstack_magic.CloudStackClientException)


def test_warning_is_a_user_warning() -> None:
    assert issubclass(cloudstack_magic.ListChangedWarning, UserWarning)


def test_import_stays_light() -> None:
    code = ("import sys, cloudstack_magic; "
            "print(','.join(m for m in ('IPython', 'pandas', 'ipywidgets') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
