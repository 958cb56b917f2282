"""Pagination tokens (``pagination.Pager``): bound to their listing and their process, never repeated."""

from __future__ import annotations

import pytest

from workmail_emulator import exceptions as exc
from workmail_emulator.pagination import Pager


def test_pages_walk_the_list_in_order_and_the_last_has_no_token() -> None:
    pager, items, seen = Pager(), list(range(7)), []
    page, token = pager.page(items, 3, None, "ctx")
    seen += page
    while token is not None:
        page, token = pager.page(items, 3, token, "ctx")
        seen += page
    assert seen == items


def test_a_token_is_refused_for_another_listing_and_by_another_process() -> None:
    pager = Pager()
    _, token = pager.page(list(range(5)), 2, None, "users:m-1")
    assert token is not None
    with pytest.raises(exc.InvalidParameterException, match="invalid or expired"):
        pager.page(list(range(5)), 2, token, "users:m-2")
    with pytest.raises(exc.InvalidParameterException):
        Pager().page(list(range(5)), 2, token, "users:m-1")


def test_two_tokens_for_the_same_page_differ() -> None:
    pager = Pager()
    first = pager.page(list(range(5)), 2, None, "ctx")[1]
    second = pager.page(list(range(5)), 2, None, "ctx")[1]
    assert first and second and first != second
    assert pager.page(list(range(5)), 2, first, "ctx")[0] == pager.page(list(range(5)), 2, second, "ctx")[0] == [2, 3]
