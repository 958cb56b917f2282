"""Turn WorkMail and AWS SDK failures into one line a person can act on.

Every expected failure of the provider is a ``WorkMailProviderError``; its text is what the user sees
after ``error:`` in ``pulumi up``. Messages never quote credentials: text that comes from AWS is
scrubbed of anything that looks like an access key, secret or session token.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
    ReadTimeoutError,
)


def one_line(text: str) -> str:
    """``text`` as one line of printable characters: names and messages that came from WorkMail (or an
    endpoint posing as it) cannot break a message into lines or send terminal escapes."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


class WorkMailProviderError(Exception):
    """An expected failure whose message is complete without a traceback (and is always one line)."""

    def __init__(self, message: str, *, code: str | None = None, retryable: bool = False) -> None:
        message = one_line(message)
        super().__init__(message)
        self.message = message
        self.code = code
        self.retryable = retryable


@dataclass(frozen=True)
class Context:
    """What a call was about, so the message can name it."""

    operation: str
    organization_id: str
    region: str
    entity: str = ""  # e.g. "user alice (6206e9b2-…)" or the identifier as given
    email: str = ""
    owner: str = ""  # who holds ``email`` when it is in use, e.g. "group sales (…)"
    owner_primary: bool | None = None  # whether ``email`` is the holder's primary address (None: unknown)
    endpoint: str = ""  # the URL the client calls, for messages about an endpoint that is not WorkMail


_AUTH_CODES = {
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "MissingAuthenticationTokenException",
    "MissingAuthenticationToken",
    "IncompleteSignature",
    "IncompleteSignatureException",
}
_EXPIRED_CODES = {"ExpiredTokenException", "ExpiredToken", "RequestExpired", "TokenRefreshRequired"}
_THROTTLE_CODES = {"ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded"}
_SERVER_CODES = {"InternalFailure", "InternalServerError", "ServiceUnavailable", "InternalError"}
MESSAGE_MAX = 300  # characters of an error message quoted from the answer
_KEY_LIKE = re.compile(r"\b(?:AKIA|ASIA|AROA|AIDA)[A-Z0-9]{12,}\b")
_SECRET_ENV = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")


def scrub(text: str) -> str:
    """Remove credential values (from the environment) and access-key-shaped words from ``text``."""
    for name in _SECRET_ENV:
        value = os.environ.get(name)
        if value and len(value) >= 4:
            text = text.replace(value, "***")
    return _KEY_LIKE.sub("***", text)


def _entity(ctx: Context) -> str:
    return ctx.entity or "the entity"


def translate(error: Exception, ctx: Context) -> WorkMailProviderError:
    """The one place where SDK errors become provider errors."""
    if isinstance(error, WorkMailProviderError):
        return error
    if isinstance(error, ClientError):
        return _client_error(error, ctx)
    if isinstance(error, NoCredentialsError | PartialCredentialsError):
        return WorkMailProviderError(
            "No usable AWS credentials were found; set AWS_PROFILE (or the stack config aws:profile), "
            "or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, then run again.",
            code="NoCredentials",
        )
    if isinstance(error, ProfileNotFound):
        return WorkMailProviderError(
            f"{scrub(str(error))}; check aws:profile in the stack config or AWS_PROFILE.",
            code="ProfileNotFound",
        )
    if isinstance(error, NoRegionError):
        return WorkMailProviderError(
            "No AWS region is set for WorkMail; set `region` on the resource, `aws:region` in the stack "
            "config, or AWS_REGION / AWS_DEFAULT_REGION.",
            code="NoRegion",
        )
    if isinstance(error, EndpointConnectionError | ConnectionClosedError | ReadTimeoutError):
        # Nothing listens at the endpoint (refused, unknown host): botocore has already retried, so fail now.
        # A connection lost mid-request may be a passing fault and may have carried a write: worth waiting.
        refused = isinstance(error, EndpointConnectionError)
        return WorkMailProviderError(
            f"Could not reach WorkMail in {ctx.region} while trying to {ctx.operation}: "
            f"{scrub(str(error)).rstrip('.')}. "
            "Check the network, or AWS_ENDPOINT_URL_WORKMAIL if you use an emulator; nothing was changed "
            "by this step unless a later refresh shows otherwise.",
            code="ConnectionError",
            retryable=not refused,
        )
    if isinstance(error, BotoCoreError):
        return WorkMailProviderError(f"Could not {ctx.operation}: {scrub(str(error))}", code=type(error).__name__)
    return WorkMailProviderError(f"Could not {ctx.operation}: {scrub(repr(error))}", code=type(error).__name__)


def email_in_use(ctx: Context) -> WorkMailProviderError:
    """The address belongs to someone else; ``ctx.owner`` names them when known."""
    holder = ctx.owner or "another user, group or resource"
    if ctx.owner and ctx.owner_primary:
        # A primary address cannot be removed, only replaced.
        advice = (
            f"it is the primary address there, which cannot be removed: set another primary address for "
            f"{ctx.owner.split(' (', 1)[0]} first"
        )
    else:
        advice = "remove it there first"
    return WorkMailProviderError(
        f"{ctx.email} is already used by {holder} in organization {ctx.organization_id}; {advice}.",
        code="EmailAddressInUseException",
    )


def _client_error(error: ClientError, ctx: Context) -> WorkMailProviderError:
    info = error.response.get("Error", {})
    code = str(info.get("Code", "Unknown"))
    aws_message = " ".join(scrub(str(info.get("Message") or "")).split()).rstrip(".")
    if len(aws_message) > MESSAGE_MAX:  # an endpoint that is not WorkMail may answer with a whole page
        aws_message = aws_message[: MESSAGE_MAX - 1] + "…"
    attempts = int(error.response.get("ResponseMetadata", {}).get("RetryAttempts", 0)) + 1
    tries = f"{attempts} attempt{'s' if attempts != 1 else ''}"
    org = ctx.organization_id
    domain = ctx.email.rsplit("@", 1)[-1] if "@" in ctx.email else ""

    def fail(text: str, retryable: bool = False) -> WorkMailProviderError:
        return WorkMailProviderError(text, code=code, retryable=retryable)

    if code == "EmailAddressInUseException":
        return email_in_use(ctx)
    if code == "EntityNotFoundException":
        return fail(
            f"WorkMail found no {_entity(ctx)} in organization {org} ({ctx.region}); check entity_id (an entity "
            "id, an email address or a name of a user, group or resource) and whether it was deleted."
        )
    if code == "EntityStateException":
        return fail(
            f"{_entity(ctx)} in organization {org} is not enabled for WorkMail; register it to WorkMail "
            "(RegisterToWorkMail or the console) before managing its primary address.",
            retryable=True,
        )
    if code == "MailDomainNotFoundException":
        return fail(
            f"The domain {domain or 'of the address'} is not registered in organization {org}; register it "
            "(RegisterMailDomain, or aws.workmail.Domain) before using it in an address."
        )
    if code == "MailDomainStateException":
        return fail(
            f"The domain {domain or 'of the address'} is registered in organization {org} but not verified "
            "yet; finish its DNS verification, then run the update again.",
            retryable=True,
        )
    if code == "OrganizationNotFoundException":
        return fail(
            f"Organization {org} was not found in region {ctx.region}; check organization_id and the region "
            "(resource `region`, stack config aws:region, or AWS_REGION)."
        )
    if code == "OrganizationStateException":
        return fail(
            f"Organization {org} is not active (it may be creating, deleting or deleted: {aws_message}); wait "
            "until DescribeOrganization shows it Active, or check organization_id."
        )
    if code == "UnsupportedOperationException":
        return fail(
            f"Organization {org} does not allow this change ({aws_message}); its directory is probably "
            "read-only (AD Connector), so change the address in the directory instead."
        )
    if code == "DirectoryServiceAuthenticationFailedException":
        return fail(
            f"WorkMail could not authenticate to the directory of organization {org}; check the "
            "directory's service account, then try again."
        )
    if code == "DirectoryUnavailableException":
        return fail(f"The directory of organization {org} is unavailable; try again later.", retryable=True)
    if code == "InvalidParameterException":
        return fail(
            f"WorkMail rejected the request to {ctx.operation}: {aws_message}. Check the email and entity_id "
            "values (an address on a domain of the organization; an entity id, address or name)."
        )
    if code == "LimitExceededException":
        return fail(
            f"WorkMail refused to {ctx.operation} because a limit was reached ({aws_message}); an entity "
            "keeps at most 100 aliases, and the old primary becomes one. Remove an alias first."
        )
    if code in _THROTTLE_CODES:
        return fail(
            f"WorkMail throttled the request to {ctx.operation} after {tries}; run again later, "
            "or allow more retries with AWS_MAX_ATTEMPTS.",
            retryable=True,
        )
    if code in _EXPIRED_CODES:
        return fail("The AWS credentials have expired; refresh them (for example `aws sso login`) and run again.")
    if code in _AUTH_CODES:
        return fail(
            f"AWS did not accept the credentials ({code}); check AWS_PROFILE / aws:profile or the access keys "
            "in use, and that they belong to the account that owns the organization."
        )
    if code in ("AccessDeniedException", "AccessDenied"):
        operation = error.operation_name
        return fail(
            f"Access denied: the caller may not call workmail:{operation} on organization {org}; grant "
            f"workmail:{operation} in its IAM policy. ({aws_message})"
        )
    status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
    if code in _SERVER_CODES or status >= 500:
        return fail(
            f"WorkMail had an internal error ({code}) after {tries} while trying to {ctx.operation}; run again.",
            retryable=True,
        )
    if code.isdigit():  # botocore found no error code in the body, only the HTTP status
        return fail(
            f"The endpoint {ctx.endpoint or 'in use'} answered {error.operation_name} with HTTP {code} and no "
            f"WorkMail error, so it may not be WorkMail ({aws_message or 'empty body'}); check "
            "AWS_ENDPOINT_URL_WORKMAIL (or AWS_ENDPOINT_URL) and the region, then run again."
        )
    return fail(f"WorkMail {error.operation_name} failed with {code} while trying to {ctx.operation}: {aws_message}.")
