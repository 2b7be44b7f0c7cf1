"""The pydantic mirror and the Avro contract cannot drift: both are derived and compared.

For every named record and enum of the current version of each schema, the model or enum of
the same name in ``hub.models`` has the same fields in the same order, the same types, the
same optionality and defaults, and the same enum symbols; and every model or enum in
``hub.models`` appears in some schema.
"""

import types
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Union, get_args, get_origin

import pytest
from pydantic import AwareDatetime, BaseModel

from hub import models
from hub.models import EVENT_SCHEMA_VERSION, AvroModel, PayloadModel
from schemas.catalogue import ALL_SUBJECTS, EVENT, SUBJECTS, default_catalogue, read_schema_json

_PRIMITIVES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "int": (int,),
    "long": (int,),
    "boolean": (bool,),
    "double": (float,),
}
_LOGICAL: dict[str, tuple[type, ...]] = {
    "date": (date,),
    "timestamp-millis": (datetime, AwareDatetime),
}
_EXPORTS: dict[str, Any] = {name: getattr(models, name) for name in models.__all__}


def _definitions(node: Any, found: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every named record/enum definition in a raw schema, by short name."""
    if isinstance(node, list):
        for item in node:
            _definitions(item, found)
    elif isinstance(node, dict):
        if node.get("type") in ("record", "enum"):
            found[node["name"]] = node
        for value in node.values():
            _definitions(value, found)
    return found


def _current_definitions(subjects: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for subject in subjects:
        _definitions(read_schema_json(default_catalogue().current(subject).path), found)
    return found


DEFINITIONS = _current_definitions(SUBJECTS)
# Every topic's records: the pipeline's and the audit's are mirrored by name (not yet field
# for field: their models use Literal types where the Avro has enums).
ALL_DEFINITIONS = _current_definitions(ALL_SUBJECTS)
RECORDS = sorted(n for n, d in DEFINITIONS.items() if d["type"] == "record")
ENUMS = sorted(n for n, d in DEFINITIONS.items() if d["type"] == "enum")


def _strip(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _is_union(annotation: Any) -> bool:
    return get_origin(annotation) in (Union, types.UnionType)


def _check_union(avro: list[Any], ann: Any, where: str) -> None:
    assert _is_union(ann), f"{where}: Avro union, model has {ann}"
    members = [_strip(a) for a in get_args(ann)]
    if avro[0] == "null":
        assert len(avro) == 2 and type(None) in members, f"{where}: optional must be [null, X]"
        (other,) = [a for a in members if a is not type(None)]
        _check_type(avro[1], other, where)
        return
    # The payload union: one record per branch, same names.
    names = [b if isinstance(b, str) else b["name"] for b in avro]
    assert [m.__name__ for m in members] == [n.rpartition(".")[2] for n in names], where


def _check_type(avro: Any, ann: Any, where: str) -> None:
    ann = _strip(ann)
    if isinstance(avro, list):
        _check_union(avro, ann, where)
    elif isinstance(avro, str) and avro in _PRIMITIVES:
        assert ann in _PRIMITIVES[avro], f"{where}: {avro} vs {ann}"
    elif isinstance(avro, str):  # a reference to a named type
        _check_type(DEFINITIONS[avro.rpartition(".")[2]], ann, where)
    elif "logicalType" in avro:
        assert ann in _LOGICAL[avro["logicalType"]], f"{where}: {avro} vs {ann}"
    elif avro["type"] == "array":
        assert get_origin(ann) is tuple, f"{where}: array must be tuple[X, ...], got {ann}"
        item, ellipsis = get_args(ann)
        assert ellipsis is Ellipsis, where
        _check_type(avro["items"], item, f"{where}[]")
    elif avro["type"] in ("record", "enum"):
        assert isinstance(ann, type) and ann.__name__ == avro["name"], f"{where}: {ann}"
    else:
        _check_type(avro["type"], ann, where)


@pytest.mark.parametrize("name", RECORDS)
def test_record_fields_match_model(name: str) -> None:
    record, model = DEFINITIONS[name], _EXPORTS.get(name)
    assert isinstance(model, type) and issubclass(model, AvroModel), f"no model {name}"
    avro_fields = {f["name"]: f for f in record["fields"]}
    assert list(avro_fields) == list(model.model_fields), f"{name}: field names/order differ"
    for field_name, info in model.model_fields.items():
        avro_field, where = avro_fields[field_name], f"{name}.{field_name}"
        assert ("default" not in avro_field) == info.is_required(), f"{where}: optionality"
        if "default" in avro_field:
            default = info.get_default(call_default_factory=True)
            expected = avro_field["default"]
            assert (list(default) if isinstance(default, tuple) else default) == expected, where
        _check_type(avro_field["type"], info.annotation, where)


@pytest.mark.parametrize("name", ENUMS)
def test_enum_symbols_match(name: str) -> None:
    enum = _EXPORTS.get(name)
    assert isinstance(enum, type) and issubclass(enum, StrEnum), f"no enum {name}"
    assert [member.value for member in enum] == DEFINITIONS[name]["symbols"]
    assert [member.name for member in enum] == DEFINITIONS[name]["symbols"]


def test_every_model_and_enum_is_in_the_contract() -> None:
    mirrored = {
        name
        for name, obj in _EXPORTS.items()
        if isinstance(obj, type)
        and (issubclass(obj, StrEnum) or issubclass(obj, AvroModel))
        and obj not in (AvroModel, PayloadModel)
    }
    assert mirrored >= set(RECORDS) | set(ENUMS)
    assert mirrored <= set(ALL_DEFINITIONS)


def test_models_mirror_the_current_event_version() -> None:
    assert default_catalogue().current(EVENT).version == EVENT_SCHEMA_VERSION


def test_every_payload_model_is_a_branch_and_an_event_type() -> None:
    branches = [b if isinstance(b, str) else b["name"] for b in _payload_branches()]
    assert branches == [t.value for t in models.EventType]
    assert DEFINITIONS["EventType"]["symbols"] == branches
    assert all(issubclass(models.PAYLOAD_MODELS[t], BaseModel) for t in models.EventType)


def _payload_branches() -> list[Any]:
    event = read_schema_json(default_catalogue().current(EVENT).path)
    (payload,) = [f for f in event["fields"] if f["name"] == "payload"]
    return list(payload["type"])


def test_recipient_roles_are_caller_roles() -> None:
    # Two Avro enums, one set of role names: a practitioner a grant names is a caller role.
    caller_roles = {role.value: role.name for role in models.CallerRole}
    assert {r.value: r.name for r in models.RecipientRole}.items() <= caller_roles.items()
    assert set(caller_roles) - {r.value for r in models.RecipientRole} == {"OPS", "ADMIN"}
