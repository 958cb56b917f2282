"""Error classes: one per code, each naming its code and HTTP status as WorkMail's model does."""

from __future__ import annotations

import inspect

from workmail_emulator import exceptions as exc
from workmail_emulator.shapes import service_model

COMMON = {
    "SerializationException": 400,
    "UnknownOperationException": 400,
    "UnrecognizedClientException": 400,
    "InvalidSignatureException": 400,
    "IncompleteSignatureException": 400,
    "MissingAuthenticationTokenException": 403,
    "RequestEntityTooLargeException": 413,
    "InternalFailure": 500,
}


def _classes() -> dict[str, type[exc.WorkMailError]]:
    return {
        name: cls
        for name, cls in vars(exc).items()
        if inspect.isclass(cls) and issubclass(cls, exc.WorkMailError) and cls is not exc.WorkMailError
    }


def test_every_error_class_is_named_after_its_code() -> None:
    classes = _classes()
    assert classes, "no error classes found"
    for name, cls in classes.items():
        assert cls.code == name, name
        assert cls("m").body() == {"__type": name, "Message": "m"}


def test_every_non_common_error_is_one_of_workmails_modeled_errors_answered_with_400() -> None:
    modeled = {shape.name for shape in service_model().error_shapes}
    for name, cls in _classes().items():
        if name in COMMON:
            assert cls.status == COMMON[name], name
        else:
            assert name in modeled, f"{name} is not an error WorkMail's model declares"
            assert cls.status == 400, name


def test_an_injected_fault_can_still_carry_a_code_and_status_of_its_own() -> None:
    error = exc.WorkMailError("Injected fault: ServiceUnavailable.", code="ServiceUnavailable", status=503)
    assert (error.code, error.status) == ("ServiceUnavailable", 503)
    assert error.body()["__type"] == "ServiceUnavailable"
