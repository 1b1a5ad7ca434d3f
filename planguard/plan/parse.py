"""Decoded `terraform show -json` document → `Plan` records, with path-precise errors."""

from __future__ import annotations

import json
from collections.abc import Iterator

from planguard.addresses import ResourceAddress, parse_address
from planguard.plan import shape
from planguard.plan.config import parse_module
from planguard.plan.model import (
    Action,
    ActionReason,
    AttributePath,
    DeferredChange,
    ModuleConfig,
    OutputChange,
    Plan,
    RelevantAttribute,
    ResourceChange,
    StateResource,
    Values,
)

SUPPORTED_MAJORS = ("0", "1")
ACTIONS = {action.value: action for action in Action}


def parse_plan(doc: dict[str, object], source: str) -> Plan:
    """Build a `Plan`; raise `shape.ShapeError` naming the JSON path of the first problem."""
    format_version = shape.opt_str(doc, "format_version", "$")
    warnings = format_warnings(format_version)
    return Plan(
        source=source,
        format_version=format_version,
        terraform_version=shape.opt_str(doc, "terraform_version", "$"),
        complete=shape.opt_bool(doc, "complete", "$"),
        errored=shape.opt_bool(doc, "errored", "$"),
        applyable=shape.opt_bool(doc, "applyable", "$"),
        resource_changes=_changes(doc, "resource_changes"),
        resource_drift=_changes(doc, "resource_drift", drift=True),
        deferred=_deferred(doc),
        output_changes=_outputs(doc),
        prior_state=_state(doc),
        relevant_attributes=_relevant(doc),
        configuration=_configuration(doc),
        action_invocations=sum(1 for _ in shape.items(doc, "action_invocations", "$")),
        warnings=warnings,
    )


def format_warnings(version: str | None) -> tuple[str, ...]:
    """Warnings about the format version; a ShapeError for a major this planguard cannot read."""
    if version is None:
        return ("the plan has no format_version; read it as format 1.x",)
    major = version.split(".", 1)[0]
    if major not in SUPPORTED_MAJORS:
        raise shape.ShapeError(
            "$.format_version",
            f"a 0.x or 1.x plan format (this planguard reads {', '.join(SUPPORTED_MAJORS)}.x;"
            f" the plan says {version!r}: upgrade planguard)",
            version,
        )
    return ()


def _changes(
    doc: dict[str, object], key: str, *, drift: bool = False
) -> tuple[ResourceChange, ...]:
    return tuple(
        _change(shape.obj(raw, where), where, drift=drift)
        for where, raw in shape.items(doc, key, "$")
    )


def drift_address(
    module_address: object, mode: object, rtype: object, name: object, index: object
) -> str | None:
    """The address of a `resource_drift` entry Terraform 1.0.0 wrote without one, made from
    the parts it did write (`module.a["x"].data.t.n[0]`); None when they do not make one."""
    if not (isinstance(rtype, str) and rtype and isinstance(name, str) and name):
        return None
    if mode not in ("managed", "data"):
        return None
    if module_address is not None and not (isinstance(module_address, str) and module_address):
        return None
    if index is None:
        key = ""
    elif isinstance(index, bool) or not isinstance(index, (int, str)):
        return None
    elif isinstance(index, int):
        if not 0 <= index < _MAX_INDEX:
            return None
        key = f"[{index}]"
    else:
        key = f"[{json.dumps(index, ensure_ascii=False)}]"  # as Terraform quotes a for_each key
    module = f"{module_address}." if module_address else ""
    data = "data." if mode == "data" else ""
    return f"{module}{data}{rtype}.{name}{key}"


_MAX_INDEX = 1 << 63
"""Terraform's count indexes are Go ints: beyond that a number is not an index."""


def _change(raw: dict[str, object], where: str, *, drift: bool = False) -> ResourceChange:
    if drift and raw.get("address") is None:
        # Terraform 1.0.0 left `address` out of resource_drift (fixed in 1.0.1).
        made = drift_address(
            raw.get("module_address"),
            raw.get("mode"),
            raw.get("type"),
            raw.get("name"),
            raw.get("index"),
        )
        if made is None:
            raise shape.ShapeError(
                f"{where}.address",
                "a resource address, or module_address, mode, type, name and index to make one",
                None,
            )
        raw = {**raw, "address": made}
    address = shape.req_str(raw, "address", where)
    try:
        location = parse_address(address)
    except ValueError as exc:
        raise shape.ShapeError(f"{where}.address", "a resource address", address) from exc
    change = shape.obj(raw.get("change"), f"{where}.change")
    return ResourceChange(
        address=address,
        location=location,
        action=_action(change, f"{where}.change"),
        provider_name=shape.opt_str(raw, "provider_name", where) or "",
        action_reason=_reason(shape.opt_str(raw, "action_reason", where)),
        replace_paths=_paths(change, f"{where}.change"),
        previous_address=shape.opt_str(raw, "previous_address", where),
        deposed=shape.opt_str(raw, "deposed", where),
        importing=change.get("importing") is not None,
        before=Values(change.get("before"), change.get("before_sensitive")),
        after=Values(change.get("after"), change.get("after_sensitive")),
    )


def _action(change: dict[str, object], where: str) -> Action:
    words = shape.str_list(change, "actions", where)
    action = ACTIONS.get(",".join(words))
    if action is None:
        known = ", ".join(f"[{a.value}]" for a in Action)
        raise shape.ShapeError(
            f"{where}.actions", f"one of the known action lists ({known})", words
        )
    return action


def _paths(change: dict[str, object], where: str) -> tuple[AttributePath, ...]:
    paths = []
    for path, raw in shape.items(change, "replace_paths", where):
        if not isinstance(raw, list) or not all(isinstance(p, (str, int)) for p in raw):
            raise shape.ShapeError(path, "a list of attribute names and indexes", raw)
        paths.append(tuple(raw))
    return tuple(paths)


def _deferred(doc: dict[str, object]) -> tuple[DeferredChange, ...]:
    out = []
    for where, raw in shape.items(doc, "deferred_changes", "$"):
        body = shape.obj(raw, where)
        change = shape.obj(body.get("resource_change"), f"{where}.resource_change")
        reason = shape.opt_str(body, "reason", where) or "unknown"
        out.append(DeferredChange(reason, _change(change, f"{where}.resource_change")))
    return tuple(out)


def _outputs(doc: dict[str, object]) -> tuple[OutputChange, ...]:
    out = []
    for name, raw in sorted(shape.opt_obj(doc, "output_changes", "$").items()):
        where = f"$.output_changes.{name}"
        body = shape.obj(raw, where)
        sensitive = bool(body.get("before_sensitive") or body.get("after_sensitive"))
        out.append(OutputChange(name, _action(body, where), sensitive))
    return tuple(out)


def _state(doc: dict[str, object]) -> tuple[StateResource, ...]:
    prior = shape.opt_obj(doc, "prior_state", "$")
    values = shape.opt_obj(prior, "values", "$.prior_state")
    root = shape.opt_obj(values, "root_module", "$.prior_state.values")
    return tuple(
        StateResource(
            address=address,
            location=location,
            depends_on=shape.str_list(body, "depends_on", where),
            tainted=bool(shape.opt_bool(body, "tainted", where)),
            deposed_key=shape.opt_str(body, "deposed_key", where),
        )
        for where, body, address, location in _walk_modules(
            root, "$.prior_state.values.root_module"
        )
    )


def _walk_modules(
    root: dict[str, object], where: str
) -> Iterator[tuple[str, dict[str, object], str, ResourceAddress]]:
    """Yield (path, body, address, parsed address) for every resource of a module tree."""
    stack = [(root, where)]
    while stack:
        module, path = stack.pop()
        for rpath, raw in shape.items(module, "resources", path):
            body = shape.obj(raw, rpath)
            address = shape.req_str(body, "address", rpath)
            try:
                location = parse_address(address)
            except ValueError as exc:
                raise shape.ShapeError(f"{rpath}.address", "a resource address", address) from exc
            yield rpath, body, address, location
        for cpath, child in shape.items(module, "child_modules", path):
            stack.append((shape.obj(child, cpath), cpath))


def _relevant(doc: dict[str, object]) -> tuple[RelevantAttribute, ...]:
    out = []
    for where, raw in shape.items(doc, "relevant_attributes", "$"):
        body = shape.obj(raw, where)
        attribute = body.get("attribute") or []
        if not isinstance(attribute, list):
            raise shape.ShapeError(f"{where}.attribute", "a list", attribute)
        path = tuple(p for p in attribute if isinstance(p, (str, int)))
        out.append(RelevantAttribute(shape.req_str(body, "resource", where), path))
    return tuple(out)


def _configuration(doc: dict[str, object]) -> ModuleConfig | None:
    config = doc.get("configuration")
    if config is None:
        return None
    body = shape.obj(config, "$.configuration")
    root = shape.opt_obj(body, "root_module", "$.configuration")
    return parse_module(root, "$.configuration.root_module")


def _reason(text: str | None) -> ActionReason | None:
    return None if text is None else ActionReason(text)
