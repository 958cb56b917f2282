"""Errors the emulator answers with, shaped like WorkMail's (AWS JSON 1.1) error responses.

One class per error code the emulator raises. Each names its code (the ``__type`` of the answer,
the only part botocore reads to pick the error) and its HTTP status. Every modeled WorkMail
exception is a 400; the few common AWS errors that are not 400 say so.
"""

from __future__ import annotations


class WorkMailError(Exception):
    """An error answered to the client; ``code`` becomes ``__type``.

    Subclasses fix ``code`` and ``status``. The keyword arguments are for an answer whose code is only
    known at run time: a fault the admin API was asked to inject.
    """

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


# --- WorkMail's modeled exceptions (all HTTP 400) -------------------------------------------------


class InvalidParameterException(WorkMailError):
    """A parameter breaks the service model or one of WorkMail's rules."""

    code = "InvalidParameterException"
    status = 400


class InvalidPasswordException(WorkMailError):
    """A password that does not meet WorkMail's complexity requirements."""

    code = "InvalidPasswordException"
    status = 400


class OrganizationNotFoundException(WorkMailError):
    """No organization has the given id."""

    code = "OrganizationNotFoundException"
    status = 400


class OrganizationStateException(WorkMailError):
    """The organization is not in a state that allows the operation (not Active, or already deleted)."""

    code = "OrganizationStateException"
    status = 400


class EntityNotFoundException(WorkMailError):
    """No user, group or resource matches the identifier (or none is visible yet)."""

    code = "EntityNotFoundException"
    status = 400


class EntityStateException(WorkMailError):
    """The entity is not in a state that allows the operation (deleted, disabled, enabled...)."""

    code = "EntityStateException"
    status = 400


class EntityAlreadyRegisteredException(WorkMailError):
    """The entity is already registered to WorkMail with another address."""

    code = "EntityAlreadyRegisteredException"
    status = 400


class EmailAddressInUseException(WorkMailError):
    """The address belongs to another entity (or, by setting, is the entity's own primary)."""

    code = "EmailAddressInUseException"
    status = 400


class MailDomainNotFoundException(WorkMailError):
    """The address's domain is not registered in the organization."""

    code = "MailDomainNotFoundException"
    status = 400


class MailDomainStateException(WorkMailError):
    """The mail domain is not verified."""

    code = "MailDomainStateException"
    status = 400


class MailDomainInUseException(WorkMailError):
    """The mail domain is used by another organization or by addresses of this one."""

    code = "MailDomainInUseException"
    status = 400


class LimitExceededException(WorkMailError):
    """A quota is reached: organizations, mail domains or aliases."""

    code = "LimitExceededException"
    status = 400


class NameAvailabilityException(WorkMailError):
    """The name or organization alias is already in use."""

    code = "NameAvailabilityException"
    status = 400


class ReservedNameException(WorkMailError):
    """The name is one WorkMail reserves."""

    code = "ReservedNameException"
    status = 400


class UnsupportedOperationException(WorkMailError):
    """The operation does not apply to this entity (a system user)."""

    code = "UnsupportedOperationException"
    status = 400


# --- common AWS errors ----------------------------------------------------------------------------


class SerializationException(WorkMailError):
    """A body that is not JSON, of an unsupported content type, or of an unreadable length."""

    code = "SerializationException"
    status = 400


class UnknownOperationException(WorkMailError):
    """An ``X-Amz-Target`` that names no operation this emulator implements."""

    code = "UnknownOperationException"
    status = 400


class UnrecognizedClientException(WorkMailError):
    """An access key id the emulator was not told to let in."""

    code = "UnrecognizedClientException"
    status = 400


class InvalidSignatureException(WorkMailError):
    """A SigV4 signature that does not verify with the key's secret (strict mode)."""

    code = "InvalidSignatureException"
    status = 400


class IncompleteSignatureException(WorkMailError):
    """A SigV4 ``Authorization`` header that lacks a part (strict mode)."""

    code = "IncompleteSignatureException"
    status = 400


class MissingAuthenticationTokenException(WorkMailError):
    """A request without SigV4 credentials; AWS answers 403."""

    code = "MissingAuthenticationTokenException"
    status = 403


class RequestEntityTooLargeException(WorkMailError):
    """A body over the emulator's size limit."""

    code = "RequestEntityTooLargeException"
    status = 413


class InternalFailure(WorkMailError):
    """Something failed inside the emulator (a bug, or a state file it cannot write); AWS answers 500."""

    code = "InternalFailure"
    status = 500


# Errors a client may name in an admin fault rule without giving a status.
DEFAULT_FAULT_STATUS: dict[str, int] = {
    "ThrottlingException": 400,
    "InternalFailure": 500,
    "ServiceUnavailable": 503,
    "AccessDeniedException": 400,
    "ExpiredTokenException": 400,
}
