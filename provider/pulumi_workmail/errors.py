"""Turn WorkMail and AWS SDK failures into one line a person can act on.

Every expected failure of the provider is a ``WorkMailProviderError``; its text is what the user sees
after ``error:`` in ``pulumi up``. Messages never quote credentials: text that comes from AWS is
scrubbed of anything that looks like an access key, secret or session token.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
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

from .secrecy import censor
from .terms import Code


def one_line(text: str) -> str:
    """``text`` as one line of printable characters: names and messages that came from WorkMail (or an
    endpoint posing as it) cannot break a message into lines or send terminal escapes."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


class WorkMailProviderError(Exception):
    """An expected failure whose message is complete without a traceback (and is always one line, quoting
    no secret address: ``secrecy.censor``)."""

    def __init__(self, message: str, *, code: str | None = None, retryable: bool = False) -> None:
        message = censor(one_line(message))
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


@dataclass(frozen=True)
class Rule:
    """What the provider says for one code, and whether waiting (within ``wait_timeout_seconds``) may help.

    Templates take the fields of ``Fields``: a message can name only what the failing call was about."""

    message: str
    retryable: bool = False


_DIRECTORY = "its directory is probably read-only (AD Connector), so change the address in the directory instead."
_THROTTLED = Rule(
    "WorkMail throttled the request to {operation} after {tries}; run again later, or allow more retries with "
    "AWS_MAX_ATTEMPTS.",
    retryable=True,
)
_EXPIRED = Rule("The AWS credentials have expired; refresh them (for example `aws sso login`) and run again.")
_REFUSED = Rule(
    "AWS did not accept the credentials ({code}); check AWS_PROFILE / aws:profile or the access keys in use, and "
    "that they belong to the account that owns the organization."
)
_DENIED = Rule(
    "Access denied: the caller may not call workmail:{api} on organization {org}; grant workmail:{api} in its IAM "
    "policy. ({aws})"
)
_INTERNAL = Rule(
    "WorkMail had an internal error ({code}) after {tries} while trying to {operation}; run again.", retryable=True
)

# The one table of messages: every code the provider names, WorkMail's and its own, with what to do.
MESSAGES: Mapping[str, Rule] = {
    Code.EMAIL_IN_USE: Rule("{email} is already used by {holder} in organization {org}; {advice}."),  # email_in_use
    Code.ENTITY_NOT_FOUND: Rule(
        "WorkMail found no {entity} in organization {org} ({region}); check entity_id (an entity id, an email "
        "address or a name of a user, group or resource) and whether it was deleted."
    ),
    Code.ENTITY_STATE: Rule(
        "{entity} in organization {org} is not enabled for WorkMail{state}; register it to WorkMail "
        "(RegisterToWorkMail or the console) before managing its addresses.",
        retryable=True,
    ),
    Code.MAIL_DOMAIN_NOT_FOUND: Rule(
        "The domain {domain} is not registered in organization {org}; register it (RegisterMailDomain, or "
        "aws.workmail.Domain) before using it in an address."
    ),
    Code.MAIL_DOMAIN_STATE: Rule(
        "The domain {domain} is registered in organization {org} but not verified yet; finish its DNS "
        "verification, then run the update again.",
        retryable=True,
    ),
    Code.ORGANIZATION_NOT_FOUND: Rule(
        "Organization {org} was not found in region {region}; check organization_id and the region (resource "
        "`region`, stack config aws:region, or AWS_REGION)."
    ),
    Code.ORGANIZATION_STATE: Rule(
        "Organization {org} is not active (it may be creating, deleting or deleted: {aws}); wait until "
        "DescribeOrganization shows it Active, or check organization_id."
    ),
    Code.UNSUPPORTED_OPERATION: Rule("Organization {org} does not allow this change ({aws}); " + _DIRECTORY),
    Code.DIRECTORY_AUTHENTICATION: Rule(
        "WorkMail could not authenticate to the directory of organization {org}; check the directory's service "
        "account, then try again."
    ),
    Code.DIRECTORY_UNAVAILABLE: Rule(
        "The directory of organization {org} is unavailable; try again later.", retryable=True
    ),
    Code.INVALID_PARAMETER: Rule(
        "WorkMail rejected the request to {operation}: {aws}. Check the email and entity_id values (an address on "
        "a domain of the organization; an entity id, address or name)."
    ),
    Code.LIMIT_EXCEEDED: Rule(
        "WorkMail refused to {operation} because a limit was reached ({aws}); an entity keeps at most 100 "
        "aliases, and the old primary becomes one. Remove an alias first."
    ),
    Code.ACCESS_DENIED: _DENIED,
    "AccessDenied": _DENIED,
    **dict.fromkeys(
        ("ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded"), _THROTTLED
    ),
    **dict.fromkeys(("ExpiredTokenException", "ExpiredToken", "RequestExpired", "TokenRefreshRequired"), _EXPIRED),
    **dict.fromkeys(
        (
            "UnrecognizedClientException",
            "InvalidClientTokenId",
            "InvalidSignatureException",
            "SignatureDoesNotMatch",
            "MissingAuthenticationTokenException",
            "MissingAuthenticationToken",
            "IncompleteSignature",
            "IncompleteSignatureException",
        ),
        _REFUSED,
    ),
    **dict.fromkeys(("InternalFailure", "InternalServerError", "ServiceUnavailable", "InternalError"), _INTERNAL),
    # The provider's own, for failures of the AWS SDK (see _SDK_ERRORS) ...
    Code.NO_CREDENTIALS: Rule(
        "No usable AWS credentials were found; set AWS_PROFILE (or the stack config aws:profile), or "
        "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, then run again."
    ),
    Code.PROFILE_NOT_FOUND: Rule("{sdk}; check aws:profile in the stack config or AWS_PROFILE."),
    Code.NO_REGION: Rule(
        "No AWS region is set for WorkMail; set `region` on the resource, `aws:region` in the stack config, or "
        "AWS_REGION / AWS_DEFAULT_REGION."
    ),
    Code.CONNECTION: Rule(
        "Could not reach WorkMail in {region} while trying to {operation}: {sdk}. Check the network, or "
        "AWS_ENDPOINT_URL_WORKMAIL if you use an emulator; nothing was changed by this step unless a later "
        "refresh shows otherwise."
    ),
    # ... and for what WorkMail has no code for
    Code.ENTITY_DELETED: Rule(
        "{entity} in organization {org} is deleted; point entity_id at a live user, group or resource."
    ),
    Code.DUPLICATE_ENTITY: Rule(
        "{entity} in organization {org} is already managed by the resource '{owner}' of this stack; declare one "
        "{resource} per entity (by id, email or name), or two would undo each other's changes on every run."
    ),
    Code.INCOMPLETE_STATE: Rule(
        "The stack's state of this resource has no {field}, and its id {id!r} names none (expected "
        "<organization_id>/<entity id>). Remove it from the state with `pulumi state delete <urn>` and run "
        "`pulumi up`: the create adopts the entity as it is."
    ),
    Code.ALIAS_IS_PRIMARY: Rule(
        "{alias} is the primary address of {entity} in organization {org}, and a primary address is never also "
        "an alias; this resource changed nothing. Remove it from aliases (to change the primary, use "
        "EntityPrimaryEmail, and give this resource depends_on=[that resource])."
    ),
    Code.ALIAS_LIMIT: Rule(
        "{entity} in organization {org} would have {count} aliases ({live} now, {add} to add, {remove} to remove), "
        "more than the {limit} WorkMail allows an entity; nothing was changed. Declare fewer aliases, or remove "
        "undeclared ones (exclusive=True does)."
    ),
    Code.DECLARED_AS_ALIAS: Rule(
        "{email} is declared as an alias of {entity} by the EntityAliases resource '{owner}' of this stack, so it "
        "cannot also be its primary address; this resource changed nothing. Remove it from that resource's aliases."
    ),
    Code.INVALID_ID: Rule(
        "{resource}.get needs the id of an existing resource, <organization_id>/<entity id> (for example "
        "m-0123456789abcdef0123456789abcdef/12345678-1234-1234-1234-123456789012); got {id!r}."
    ),
    Code.NOTHING_TO_GET: Rule("{resource}.get found nothing to read at {id!r}: {why}"),
    Code.INVALID_CONFIGURATION: Rule("{variable} is {value!r}; {expected}, or unset it."),
    Code.PAGINATION: Rule(
        "WorkMail kept answering {api} with more pages after {pages} while trying to {operation}; check "
        "AWS_ENDPOINT_URL_WORKMAIL points at WorkMail, then run again."
    ),
    Code.MALFORMED_ANSWER: Rule(
        "The answer to {api} from {endpoint} is not a WorkMail answer ({what}); check that AWS_ENDPOINT_URL_WORKMAIL "
        "(or AWS_ENDPOINT_URL) points at WorkMail, then run again."
    ),
    Code.NOT_WORKMAIL: Rule(
        "The endpoint {endpoint} answered {api} with HTTP {status} and no WorkMail error, so it may not be WorkMail "
        "({aws}); check AWS_ENDPOINT_URL_WORKMAIL (or AWS_ENDPOINT_URL) and the region, then run again."
    ),
}


def problem(code: str, retryable: bool | None = None, /, **fields: object) -> WorkMailProviderError:
    """The error for ``code`` with the table's message, made from ``fields`` (``retryable`` overrides the
    table's, for a code whose causes differ)."""
    rule = MESSAGES[code]
    return WorkMailProviderError(
        rule.message.format(**fields), code=str(code), retryable=rule.retryable if retryable is None else retryable
    )


def restore_failed(entity: str, original: str, cause: WorkMailProviderError) -> WorkMailProviderError:
    """A delete that could not put the original back: the cause, and how to let go without a restore."""
    return WorkMailProviderError(
        f"Could not restore {entity}'s original primary address {original}: {cause.message} To drop this resource "
        'without touching WorkMail, set on_delete="retain", run `pulumi up`, then delete it again.',
        code=cause.code,
    )


def undo_failed(entity: str, cause: WorkMailProviderError) -> WorkMailProviderError:
    """A delete that could not put an entity's aliases back as they were before the resource."""
    return WorkMailProviderError(
        f"Could not put the aliases of {entity} back as they were: {cause.message} To drop this resource without "
        'touching WorkMail, set on_delete="retain", run `pulumi up`, then delete it again.',
        code=cause.code,
    )


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


def _quoted(text: str) -> str:
    """Text from an answer or the SDK, scrubbed and cut to ``MESSAGE_MAX`` characters: an endpoint that is
    not WorkMail may answer with a whole page, or a next token of any length, which botocore quotes."""
    text = scrub(text)
    return text if len(text) <= MESSAGE_MAX else text[: MESSAGE_MAX - 1] + "…"


def _entity(ctx: Context) -> str:
    return ctx.entity or "the entity"


# The AWS SDK's own failures, most specific first: (exception types, code, retryable).
_SDK_ERRORS: tuple[tuple[tuple[type[Exception], ...], Code, bool], ...] = (
    ((NoCredentialsError, PartialCredentialsError), Code.NO_CREDENTIALS, False),
    ((ProfileNotFound,), Code.PROFILE_NOT_FOUND, False),
    ((NoRegionError,), Code.NO_REGION, False),
    # Nothing listens at the endpoint (refused, unknown host): botocore has already retried, so fail now.
    ((EndpointConnectionError,), Code.CONNECTION, False),
    # A connection lost mid-request may be a passing fault and may have carried a write: worth waiting.
    ((ConnectionClosedError, ReadTimeoutError), Code.CONNECTION, True),
)


def translate(error: Exception, ctx: Context) -> WorkMailProviderError:
    """The one place where SDK errors become provider errors."""
    if isinstance(error, WorkMailProviderError):
        return error
    if isinstance(error, ClientError):
        return _client_error(error, ctx)
    for types, code, retryable in _SDK_ERRORS:
        if isinstance(error, types):
            sdk = scrub(str(error)).rstrip(".")
            return problem(code, retryable, sdk=sdk, region=ctx.region, operation=ctx.operation)
    if isinstance(error, BotoCoreError):
        return WorkMailProviderError(f"Could not {ctx.operation}: {_quoted(str(error))}", code=type(error).__name__)
    return WorkMailProviderError(f"Could not {ctx.operation}: {_quoted(repr(error))}", code=type(error).__name__)


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
    return problem(Code.EMAIL_IN_USE, email=ctx.email, holder=holder, org=ctx.organization_id, advice=advice)


def _client_error(error: ClientError, ctx: Context) -> WorkMailProviderError:
    info = error.response.get("Error", {})
    code = str(info.get("Code", "Unknown"))
    if code == Code.EMAIL_IN_USE:
        return email_in_use(ctx)
    aws = _quoted(" ".join(str(info.get("Message") or "").split()).rstrip("."))
    attempts = int(error.response.get("ResponseMetadata", {}).get("RetryAttempts", 0)) + 1
    status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
    domain = ctx.email.rsplit("@", 1)[-1] if "@" in ctx.email else ""
    fields: dict[str, object] = {
        "code": code,
        "aws": aws,
        "api": error.operation_name,
        "entity": _entity(ctx),
        "org": ctx.organization_id,
        "region": ctx.region,
        "operation": ctx.operation,
        "domain": domain or "of the address",
        "state": "",
        "tries": f"{attempts} attempt{'s' if attempts != 1 else ''}",
    }
    rule = MESSAGES.get(code)
    if rule is None and status >= 500:
        rule = MESSAGES["InternalFailure"]
    if rule is not None:
        return WorkMailProviderError(rule.message.format(**fields), code=code, retryable=rule.retryable)
    if code.isdigit():  # botocore found no error code in the body, only the HTTP status
        fields["aws"] = aws or "empty body"
        return problem(Code.NOT_WORKMAIL, endpoint=ctx.endpoint or "in use", status=code, **fields)
    return WorkMailProviderError(
        f"WorkMail {error.operation_name} failed with {code} while trying to {ctx.operation}: {aws}.", code=code
    )
