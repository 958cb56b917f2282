"""Errors the emulator answers with, shaped like WorkMail's (AWS JSON 1.1) error responses.

Every modeled WorkMail exception is an HTTP 400 whose body carries ``__type`` and ``Message``;
botocore reads the code from ``__type`` only, so that is what clients see.
"""

from __future__ import annotations


class WorkMailError(Exception):
    """An error answered to the client; ``code`` becomes ``__type``."""

    code: str = "InternalFailure"
    status: int = 400

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status

    def body(self) -> dict[str, str]:
        return {"__type": self.code, "Message": self.message}


def _modeled(name: str) -> type[WorkMailError]:
    return type(name, (WorkMailError,), {"code": name, "status": 400, "__doc__": f"WorkMail's {name}."})


InvalidParameterException = _modeled("InvalidParameterException")
OrganizationNotFoundException = _modeled("OrganizationNotFoundException")
OrganizationStateException = _modeled("OrganizationStateException")
EntityNotFoundException = _modeled("EntityNotFoundException")
EntityStateException = _modeled("EntityStateException")
EntityAlreadyRegisteredException = _modeled("EntityAlreadyRegisteredException")
EmailAddressInUseException = _modeled("EmailAddressInUseException")
MailDomainNotFoundException = _modeled("MailDomainNotFoundException")
MailDomainStateException = _modeled("MailDomainStateException")
MailDomainInUseException = _modeled("MailDomainInUseException")
LimitExceededException = _modeled("LimitExceededException")
NameAvailabilityException = _modeled("NameAvailabilityException")
ReservedNameException = _modeled("ReservedNameException")
UnsupportedOperationException = _modeled("UnsupportedOperationException")

# Common (non-modeled) AWS errors.
SerializationException = _modeled("SerializationException")
UnknownOperationException = _modeled("UnknownOperationException")
UnrecognizedClientException = _modeled("UnrecognizedClientException")
# SigV4 failures in strict mode (``credentials``): AWS JSON services answer these with 400.
InvalidSignatureException = _modeled("InvalidSignatureException")
IncompleteSignatureException = _modeled("IncompleteSignatureException")


class MissingAuthenticationTokenException(WorkMailError):
    """A request without SigV4 credentials; AWS answers 403."""

    code = "MissingAuthenticationTokenException"
    status = 403


class RequestEntityTooLargeException(WorkMailError):
    """A body over the emulator's size limit."""

    code = "RequestEntityTooLargeException"
    status = 413


# Errors a client may name in an admin fault rule without giving a status.
DEFAULT_FAULT_STATUS: dict[str, int] = {
    "ThrottlingException": 400,
    "InternalFailure": 500,
    "ServiceUnavailable": 503,
    "AccessDeniedException": 400,
    "ExpiredTokenException": 400,
}
