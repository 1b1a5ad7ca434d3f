"""The fast plan reader (msgspec's only home): decode just what planguard uses.

A plan is mostly attribute values: `planned_values`, the values in `prior_state`, and `before`/
`after` of every change. planguard needs none of them for the graph and only a few for the
hazard rules. msgspec decodes the document against the typed subset below, in C, so the rest is
checked for well-formedness and skipped without ever becoming Python objects; `before`/`after`
stay JSON slices (`msgspec.Raw`) that are decoded only when a rule looks at a changed resource.
On a 100k-resource plan this reads in a tenth of the time and a quarter of the memory that
`json.load` alone needs (docs/benchmarks.md).

It is the fast path only. Anything it does not accept whole — malformed JSON, a wrong type, an
unknown action, an address it cannot parse, another kind of document — returns None, and the
loader reads the plan with the standard library and `parse.py`, whose errors name the exact
JSON path. A test holds both readers to the same `Plan` on every plan in the tests.
"""

from __future__ import annotations

import codecs
from typing import Any

import msgspec

from planguard.addresses import ResourceAddress, parse_address
from planguard.lifetime import keep
from planguard.plan import jsontext
from planguard.plan.config import parse_module
from planguard.plan.model import (
    Action,
    ActionReason,
    DeferredChange,
    ModuleConfig,
    OutputChange,
    Plan,
    RelevantAttribute,
    ResourceChange,
    StateResource,
    Values,
)
from planguard.plan.parse import ACTIONS, drift_address, format_warnings
from planguard.plan.shape import ShapeError

_NULL = msgspec.Raw(b"null")
_ABSENT = msgspec.Raw(b"")
"""Marks a key that is not in the document (a present key is never empty JSON)."""


class _Change(msgspec.Struct, frozen=True):
    actions: tuple[str, ...] | None = None
    before: msgspec.Raw = _NULL
    after: msgspec.Raw = _NULL
    before_sensitive: msgspec.Raw = _NULL
    after_sensitive: msgspec.Raw = _NULL
    replace_paths: tuple[tuple[str | int, ...], ...] | None = None
    importing: Any = None


class _ResourceChange(msgspec.Struct, frozen=True):
    address: str
    change: _Change
    provider_name: str | None = None
    action_reason: str | None = None
    previous_address: str | None = None
    deposed: str | None = None


class _Drift(msgspec.Struct, frozen=True):
    """A `resource_drift` entry: Terraform 1.0.0 wrote it without `address`, and planguard makes
    one from the other parts, left as JSON slices until then."""

    change: _Change
    address: str | None = None
    provider_name: str | None = None
    action_reason: str | None = None
    previous_address: str | None = None
    deposed: str | None = None
    module_address: msgspec.Raw = _NULL
    mode: msgspec.Raw = _NULL
    type: msgspec.Raw = _NULL
    name: msgspec.Raw = _NULL
    index: msgspec.Raw = _NULL


class _Deferred(msgspec.Struct, frozen=True):
    resource_change: _ResourceChange
    reason: str | None = None


class _Output(msgspec.Struct, frozen=True):
    actions: tuple[str, ...] | None = None
    before_sensitive: Any = None
    after_sensitive: Any = None


class _StateResource(msgspec.Struct, frozen=True):
    address: str
    depends_on: tuple[str, ...] | None = None
    tainted: bool | None = None
    deposed_key: str | None = None


class _StateModule(msgspec.Struct, frozen=True):
    resources: tuple[_StateResource, ...] | None = None
    child_modules: tuple[_StateModule, ...] | None = None


class _StateValues(msgspec.Struct, frozen=True):
    root_module: _StateModule | None = None


class _State(msgspec.Struct, frozen=True):
    values: _StateValues | None = None


class _Relevant(msgspec.Struct, frozen=True):
    resource: str
    attribute: tuple[Any, ...] | None = None


class _Configuration(msgspec.Struct, frozen=True):
    root_module: dict[str, Any] | None = None


class _Document(msgspec.Struct, frozen=True):
    format_version: str | None = None
    terraform_version: str | None = None
    complete: bool | None = None
    errored: bool | None = None
    applyable: bool | None = None
    resource_changes: tuple[_ResourceChange, ...] | None = None
    resource_drift: tuple[_Drift, ...] | None = None
    deferred_changes: tuple[_Deferred, ...] | None = None
    output_changes: dict[str, _Output] | None = None
    prior_state: _State | None = None
    relevant_attributes: tuple[_Relevant, ...] | None = None
    configuration: _Configuration | None = None
    action_invocations: tuple[msgspec.Raw, ...] | None = None
    planned_values: msgspec.Raw = _ABSENT
    # Keys of other JSON documents: when present, the careful reader names the document.
    level: msgspec.Raw = msgspec.field(default=_ABSENT, name="@level")
    message: msgspec.Raw = msgspec.field(default=_ABSENT, name="@message")
    lineage: msgspec.Raw = _ABSENT


_DECODER = msgspec.json.Decoder(_Document)


class _NotFast(Exception):
    """The fast reader does not take this document whole; the careful one will."""


def read_plan(data: bytes, source: str) -> Plan | None:
    """The plan in `data` (JSON without a BOM), or None to use the careful reader."""
    if not _is_utf8(data):
        return None  # msgspec checks the text only where it decodes it
    try:
        doc = _DECODER.decode(data)
        keep(doc)
        if not _is_plan(doc):
            return None
        return _plan(doc, source)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError, _NotFast, ShapeError):
        return None


_UTF8_CHUNK = 1 << 20


def _is_utf8(data: bytes) -> bool:
    """Whether all of `data` is UTF-8, without holding a decoded copy of a large file."""
    if data.isascii():
        return True
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    try:
        for start in range(0, len(view), _UTF8_CHUNK):
            decoder.decode(view[start : start + _UTF8_CHUNK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _is_plan(doc: _Document) -> bool:
    other = (doc.level, doc.message, doc.lineage)
    return all(raw is _ABSENT for raw in other) and (
        doc.resource_changes is not None
        or doc.planned_values is not _ABSENT
        or doc.configuration is not None
        or doc.output_changes is not None
    )


def _plan(doc: _Document, source: str) -> Plan:
    warnings = format_warnings(doc.format_version)  # a future format falls back before any work
    changes = tuple(_change(c) for c in doc.resource_changes or ())
    return Plan(
        source=source,
        format_version=doc.format_version,
        terraform_version=doc.terraform_version,
        complete=doc.complete,
        errored=doc.errored,
        applyable=doc.applyable,
        resource_changes=changes,
        resource_drift=tuple(_change(c) for c in doc.resource_drift or ()),
        deferred=tuple(
            DeferredChange(d.reason or "unknown", _change(d.resource_change))
            for d in doc.deferred_changes or ()
        ),
        output_changes=tuple(
            OutputChange(
                name,
                _action(body.actions),
                bool(body.before_sensitive or body.after_sensitive),
            )
            for name, body in sorted((doc.output_changes or {}).items())
        ),
        prior_state=_state(doc.prior_state, {c.address: c.location for c in changes}),
        relevant_attributes=tuple(
            RelevantAttribute(
                r.resource, tuple(p for p in r.attribute or () if isinstance(p, (str, int)))
            )
            for r in doc.relevant_attributes or ()
        ),
        configuration=_configuration(doc.configuration),
        action_invocations=len(doc.action_invocations or ()),
        warnings=warnings,
    )


def _change(raw: _ResourceChange | _Drift) -> ResourceChange:
    change = raw.change
    address = raw.address if raw.address is not None else _drift_address(raw)
    return ResourceChange(
        address=address,
        location=_address(address),
        action=_action(change.actions),
        provider_name=raw.provider_name or "",
        action_reason=None if raw.action_reason is None else ActionReason(raw.action_reason),
        replace_paths=change.replace_paths or (),
        previous_address=raw.previous_address,
        deposed=raw.deposed,
        importing=change.importing is not None,
        before=Values(change.before, change.before_sensitive, _decode_value),
        after=Values(change.after, change.after_sensitive, _decode_value),
    )


def _drift_address(raw: _ResourceChange | _Drift) -> str:
    if not isinstance(raw, _Drift):
        raise _NotFast
    parts = (raw.module_address, raw.mode, raw.type, raw.name, raw.index)
    try:
        made = drift_address(*(_decode_value(part) for part in parts))
    except ValueError:
        raise _NotFast from None
    if made is None:
        raise _NotFast
    return made


def _decode_value(raw: msgspec.Raw) -> object:
    """A value kept as raw JSON, decoded when a rule asks for it.

    msgspec refuses numbers beyond a double (`1e400`) that the standard library reads as inf;
    such a value is read the careful way, so both readers see the same value.
    """
    try:
        return msgspec.json.decode(raw)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return jsontext.loads(bytes(raw))


def _action(words: tuple[str, ...] | None) -> Action:
    action = ACTIONS.get(",".join(words or ()))
    if action is None:
        raise _NotFast
    return action


def _address(text: str) -> ResourceAddress:
    try:
        return parse_address(text)
    except ValueError:
        raise _NotFast from None


def _state(state: _State | None, known: dict[str, ResourceAddress]) -> tuple[StateResource, ...]:
    """The objects of the prior state; `known` has the parsed addresses of the changes."""
    values = state.values if state is not None else None
    root = values.root_module if values is not None else None
    found: list[StateResource] = []
    stack = [root] if root is not None else []
    while stack:
        module = stack.pop()
        for body in module.resources or ():
            found.append(
                StateResource(
                    address=body.address,
                    location=known.get(body.address) or _address(body.address),
                    depends_on=body.depends_on or (),
                    tainted=bool(body.tainted),
                    deposed_key=body.deposed_key,
                )
            )
        stack.extend(module.child_modules or ())  # the careful reader's order: last child first
    return tuple(found)


def _configuration(config: _Configuration | None) -> ModuleConfig | None:
    if config is None:
        return None
    return parse_module(config.root_module or {}, "$.configuration.root_module")
