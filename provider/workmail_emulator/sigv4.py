"""SigV4 signature verification for the emulator's strict mode (``--credentials AKID:SECRET``).

The signature is recomputed with botocore's own ``SigV4Auth`` (the code every boto3 client signs with)
rather than a second, hand-written canonicalization that could agree with itself but not with AWS. Two
things keep botocore from signing "its own" request instead of the received one: the timestamp comes
from the request's ``X-Amz-Date`` (``add_auth`` would take the clock, so its public steps
``canonical_request`` / ``string_to_sign`` / ``signature`` are called instead), and ``headers_to_sign``
is overridden to return exactly the headers named in ``SignedHeaders``, as received.

Errors imitate AWS JSON services (DynamoDB, Kinesis): ``InvalidSignatureException`` (400) for a wrong
signature, a clock more than 5 minutes off or a wrong credential scope, ``IncompleteSignatureException``
(400) for an ``Authorization`` header that lacks a part. Session tokens are not validated: a request's
``X-Amz-Security-Token`` only has to be signed, like any other header.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.message import Message
from email.utils import parsedate_to_datetime
from hashlib import sha256

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

from . import exceptions as exc

ALGORITHM = "AWS4-HMAC-SHA256"
SERVICE = "workmail"
TERMINATOR = "aws4_request"
MAX_SKEW = timedelta(minutes=5)  # what AWS allows for most services
TIMESTAMP = "%Y%m%dT%H%M%SZ"
MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
    "Access Key and signing method. Consult the service documentation for details."
)
_PART = re.compile(r"\s*([A-Za-z]+)=([^,\s]*)\s*")
_SIGNATURE = re.compile(r"^[0-9a-f]{64}$")
ACCESS_KEY_ID = re.compile(r"[^/\s,]+")  # what fits in a Credential scope


@dataclass(frozen=True)
class Authorization:
    """The parts of a SigV4 ``Authorization`` header."""

    access_key: str
    date: str
    region: str
    service: str
    terminator: str
    signed_headers: tuple[str, ...]
    signature: str


def access_key_id(header: str | None) -> str | None:
    """The access key id of a SigV4 ``Authorization`` header, None when it is not one (AWS then says 403)."""
    match = re.match(ALGORITHM + r"\s+Credential=(" + ACCESS_KEY_ID.pattern + ")/", header or "")
    return match.group(1) if match else None


def signing_region(header: str | None) -> str | None:
    """The region a SigV4 ``Authorization`` header's credential scope names, None when it names none."""
    match = re.match(ALGORITHM + r"\s+Credential=[^/\s,]+/[^/\s,]+/([^/\s,]+)/", header or "")
    return match.group(1) if match else None


def parse_authorization(header: str) -> Authorization:
    """Split the header into its parts; a missing or malformed part is AWS's IncompleteSignatureException."""
    rest = header[len(ALGORITHM) :] if header.startswith(ALGORITHM) else ""
    parts: dict[str, str] = {}
    for item in rest.split(","):
        match = _PART.fullmatch(item)
        if match:
            parts[match.group(1)] = match.group(2)
    problems = [
        f"Authorization header requires '{name}' parameter."
        for name in ("Credential", "Signature", "SignedHeaders")
        if not parts.get(name)
    ]
    scope = parts.get("Credential", "").split("/")
    if "Credential" in parts and (len(scope) != 5 or not all(scope)):
        problems.append(
            "Authorization header requires a Credential of the form <key>/<date>/<region>/<service>/aws4_request."
        )
    if problems:
        raise exc.IncompleteSignatureException(" ".join(problems))
    signed = tuple(name.lower() for name in parts["SignedHeaders"].split(";"))
    if not all(signed):
        raise exc.InvalidSignatureException(MISMATCH)
    key, date, region, service, terminator = scope
    return Authorization(key, date, region, service, terminator, signed, parts["Signature"])


def verify(
    method: str,
    path: str,
    headers: Message,
    body: bytes,
    secret: str,
    now: datetime | None = None,
) -> None:
    """Raise the error AWS would answer unless the request is correctly signed with ``secret``."""
    auth = parse_authorization(headers.get("Authorization", ""))
    timestamp, date_header = _timestamp(headers)
    # The operation must be signed too (as AWS JSON services require), or a request could be replayed as another.
    required = ["host", date_header] + (["x-amz-target"] if headers.get("X-Amz-Target") is not None else [])
    missing = [name for name in required if name not in auth.signed_headers]
    if headers.get("X-Amz-Security-Token") is not None and "x-amz-security-token" not in auth.signed_headers:
        missing.append("x-amz-security-token")
    if missing:
        raise exc.IncompleteSignatureException(
            f"The headers {', '.join(missing)} must be in SignedHeaders of the AWS Authorization."
        )
    _check_clock(timestamp, now or datetime.now(timezone.utc))
    _check_scope(auth, timestamp)

    signed = HTTPHeaders()
    for name in auth.signed_headers:
        values = headers.get_all(name)
        if values is None:  # the client signed a header that did not arrive
            raise exc.InvalidSignatureException(MISMATCH)
        for value in values:
            signed[name] = value  # appends: repeated headers are joined with "," as SigV4 says
    content_sha = signed.get("x-amz-content-sha256")
    if content_sha is not None and content_sha.strip().lower() != sha256(body).hexdigest():
        raise exc.InvalidSignatureException(MISMATCH)  # botocore would trust the header and not hash the body

    request = AWSRequest(method=method, url="http://workmail-emulator" + path, data=body)
    request.headers = signed
    request.context["timestamp"] = timestamp
    signer = _ReceivedRequestSigner(Credentials(auth.access_key, secret), auth.service, auth.region, signed)
    expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
    if not hmac.compare_digest(expected, auth.signature if _SIGNATURE.match(auth.signature) else ""):
        raise exc.InvalidSignatureException(MISMATCH)


class _ReceivedRequestSigner(SigV4Auth):
    """botocore's SigV4 signer limited to the headers the client said it signed."""

    def __init__(self, credentials: Credentials, service: str, region: str, signed: HTTPHeaders) -> None:
        super().__init__(credentials, service, region)
        self._signed = signed

    def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:
        return self._signed


def _timestamp(headers: Message) -> tuple[str, str]:
    """The signing time (SigV4 basic format) and the header it came from: X-Amz-Date, else Date."""
    amz_date = headers.get("X-Amz-Date")
    if amz_date is not None:
        try:
            datetime.strptime(amz_date, TIMESTAMP)
        except ValueError:
            raise exc.IncompleteSignatureException(
                f"Date must be in ISO-8601 'basic format'. Got '{amz_date}'."
            ) from None
        return amz_date, "x-amz-date"
    http_date = headers.get("Date")
    if http_date is None:
        raise exc.IncompleteSignatureException(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
        )
    try:
        parsed = parsedate_to_datetime(http_date)
    except (TypeError, ValueError):
        raise exc.IncompleteSignatureException(f"The Date header is not an RFC 1123 date: '{http_date}'.") from None
    if parsed.tzinfo is None:  # "-0000", which botocore writes, parses without a zone; it means UTC
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc).strftime(TIMESTAMP), "date"


def _check_clock(timestamp: str, now: datetime) -> None:
    """AWS refuses a signature made more than 5 minutes before or after its own clock."""
    signed_at = datetime.strptime(timestamp, TIMESTAMP).replace(tzinfo=timezone.utc)
    now = now.astimezone(timezone.utc)
    stamp = now.strftime(TIMESTAMP)
    if signed_at < now - MAX_SKEW:
        earliest = (now - MAX_SKEW).strftime(TIMESTAMP)
        raise exc.InvalidSignatureException(
            f"Signature expired: {timestamp} is now earlier than {earliest} ({stamp} - 5 min.)"
        )
    if signed_at > now + MAX_SKEW:
        latest = (now + MAX_SKEW).strftime(TIMESTAMP)
        raise exc.InvalidSignatureException(
            f"Signature not yet current: {timestamp} is still later than {latest} ({stamp} + 5 min.)"
        )


def _check_scope(auth: Authorization, timestamp: str) -> None:
    """The credential scope must name this service and the signing day; any region is accepted."""
    if auth.service != SERVICE:
        raise exc.InvalidSignatureException(f"Credential should be scoped to correct service: '{SERVICE}'.")
    if auth.terminator != TERMINATOR:
        raise exc.InvalidSignatureException(
            f"Credential should be scoped with a valid terminator: '{TERMINATOR}', not '{auth.terminator}'."
        )
    if auth.date != timestamp[:8]:
        raise exc.InvalidSignatureException(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
            f"'{auth.date}' != '{timestamp[:8]}', from '{timestamp}'."
        )
