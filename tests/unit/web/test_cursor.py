"""The one cursor codec of the read model: round trips, and refuses what it did not issue."""

import base64
import json

import pytest

from hub.web.readmodel.queries import QueryError, decode_cursor, encode_cursor


def _forge(values: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def test_round_trip_of_both_shapes() -> None:
    assert decode_cursor(encode_cursor((1, 2, "e1"))) == (1, 2, "e1")
    assert decode_cursor(encode_cursor((5, "R1")), (int, str)) == (5, "R1")


@pytest.mark.parametrize(
    "forged",
    [
        _forge([2**63, 0, "e"]),  # beyond SQLite's 64-bit integers: was a 500
        _forge([-(2**63) - 1, 0, "e"]),
        _forge([True, 0, "e"]),  # a bool is not a position
        _forge([1, 2]),  # wrong shape
        _forge({"a": 1}),
        _forge([1, 2, 3]),  # wrong type
        "not base64 at all!",
        "",
    ],
)
def test_forged_cursors_are_a_query_error(forged: str) -> None:
    with pytest.raises(QueryError, match="cursor is not one this service issued"):
        decode_cursor(forged)


def test_review_queue_cursor_shape_is_checked() -> None:
    with pytest.raises(QueryError):
        decode_cursor(encode_cursor((1, 2, "e")), (int, str))
