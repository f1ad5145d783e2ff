"""The simulator's one error type and CloudStack's error codes.

Handlers raise :class:`ApiError`; a middleware in ``app.py`` renders it as the body CloudStack's
``ApiServer.getSerializedApiError`` writes (``uuidList``, ``errorcode``, ``cserrorcode``,
``errortext``) with the HTTP status equal to ``errorcode``, as the real server does.
"""

from __future__ import annotations

__all__ = [
    "ACCOUNT_ERROR",
    "API_LIMIT_EXCEED",
    "ApiError",
    "CS_CAPACITY",
    "CS_INTERNAL",
    "CS_INVALID_PARAMETER",
    "CS_IN_USE",
    "CS_PERMISSION",
    "CS_SERVER_API",
    "INSUFFICIENT_CAPACITY_ERROR",
    "INTERNAL_ERROR",
    "JobError",
    "MALFORMED_PARAMETER_ERROR",
    "PARAM_ERROR",
    "RESOURCE_IN_USE_ERROR",
    "RESOURCE_UNAVAILABLE_ERROR",
    "UNAUTHORIZED",
    "UNSUPPORTED_ACTION_ERROR",
    "UNVERIFIED_TEXT",
    "param_error",
    "permission_error",
    "state_error",
]

# ApiErrorCode.java
UNAUTHORIZED = 401
API_LIMIT_EXCEED = 429
MALFORMED_PARAMETER_ERROR = 430
PARAM_ERROR = 431
UNSUPPORTED_ACTION_ERROR = 432
INTERNAL_ERROR = 530
ACCOUNT_ERROR = 531
ACCOUNT_RESOURCE_LIMIT_ERROR = 532
INSUFFICIENT_CAPACITY_ERROR = 533
RESOURCE_UNAVAILABLE_ERROR = 534
RESOURCE_ALLOCATION_ERROR = 535
RESOURCE_IN_USE_ERROR = 536
NETWORK_RULE_CONFLICT_ERROR = 537

# CSExceptionErrorCode.java: which Java exception class the server says it caught.
CS_INTERNAL = 4250  # CloudRuntimeException
CS_CAPACITY = 4335  # InsufficientServerCapacityException
CS_INVALID_PARAMETER = 4350  # InvalidParameterValueException
CS_PERMISSION = 4365  # PermissionDeniedException
CS_IN_USE = 4375  # ResourceInUseException
CS_SERVER_API = 9999  # ServerApiException

UNVERIFIED_TEXT = "unable to verify user credentials and/or request signature"


class ApiError(Exception):
    """An error answer: HTTP status ``code`` with CloudStack's error body.

    ``cserrorcode`` None leaves the field out (the 401 signature failure has none);
    ``response_name`` overrides the ``<command>response`` key (``errorresponse`` for unknown
    commands); ``headers`` adds e.g. ``Retry-After``.
    """

    def __init__(
        self,
        code: int,
        text: str,
        cserrorcode: int | None = CS_SERVER_API,
        *,
        response_name: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{code}: {text}")
        self.code = code
        self.text = text
        self.cserrorcode = cserrorcode
        self.response_name = response_name
        self.headers = headers or {}

    def body(self) -> dict[str, object]:
        body: dict[str, object] = {"uuidList": [], "errorcode": self.code}
        if self.cserrorcode is not None:
            body["cserrorcode"] = self.cserrorcode
        body["errortext"] = self.text
        return body


class JobError(ApiError):
    """A state or permission error of an async command: the server accepts the command and
    the *job* fails with it (``dispatch`` turns it into a failed job, never a synchronous 431)."""


def state_error(text: str) -> JobError:
    """``InvalidParameterValueException`` thrown while the command runs (a VM in the wrong state...)."""
    return JobError(PARAM_ERROR, text, CS_INVALID_PARAMETER)


def permission_error(account: str, what: str) -> JobError:
    """``PermissionDeniedException``: the caller's account does not own ``what``."""
    return JobError(ACCOUNT_ERROR, f"Account {account} does not have permission to operate on {what}",
                    CS_PERMISSION)


def param_error(text: str) -> ApiError:
    """A 431 as ``InvalidParameterValueException`` produces it."""
    return ApiError(PARAM_ERROR, text, CS_INVALID_PARAMETER)
