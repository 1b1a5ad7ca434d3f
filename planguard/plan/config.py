"""`configuration.root_module` (recursive `module_calls`) as `ModuleConfig` records."""

from __future__ import annotations

from planguard.plan import shape
from planguard.plan.model import ConfigResource, ModuleCall, ModuleConfig, ModuleOutput


def parse_module(raw: dict[str, object], where: str) -> ModuleConfig:
    resources = tuple(
        _resource(shape.obj(item, path), path)
        for path, item in shape.items(raw, "resources", where)
    )
    calls_raw = shape.opt_obj(raw, "module_calls", where)
    calls = tuple(
        _call(name, shape.obj(body, f"{where}.module_calls.{name}"), f"{where}.module_calls.{name}")
        for name, body in sorted(calls_raw.items())
    )
    outputs_raw = shape.opt_obj(raw, "outputs", where)
    outputs = tuple(
        _output(name, shape.obj(body, f"{where}.outputs.{name}"), f"{where}.outputs.{name}")
        for name, body in sorted(outputs_raw.items())
    )
    return ModuleConfig(resources, calls, outputs)


def _resource(raw: dict[str, object], where: str) -> ConfigResource:
    refs = collect_references(raw.get("expressions"))
    for meta in ("count_expression", "for_each_expression"):
        refs += collect_references(raw.get(meta))
    return ConfigResource(
        address=shape.req_str(raw, "address", where),
        mode=shape.opt_str(raw, "mode", where) or "managed",
        type=shape.req_str(raw, "type", where),
        name=shape.req_str(raw, "name", where),
        references=_unique(refs),
        depends_on=shape.str_list(raw, "depends_on", where),
    )


def _call(name: str, raw: dict[str, object], where: str) -> ModuleCall:
    expressions = shape.opt_obj(raw, "expressions", where)
    inputs = {var: _unique(collect_references(expr)) for var, expr in expressions.items()}
    meta = collect_references(raw.get("count_expression"))
    meta += collect_references(raw.get("for_each_expression"))
    return ModuleCall(
        name=name,
        source=shape.opt_str(raw, "source", where) or "",
        inputs=inputs,
        meta_references=_unique(meta),
        depends_on=shape.str_list(raw, "depends_on", where),
        module=parse_module(shape.opt_obj(raw, "module", where), f"{where}.module"),
    )


def _output(name: str, raw: dict[str, object], where: str) -> ModuleOutput:
    return ModuleOutput(
        name=name,
        references=_unique(collect_references(raw.get("expression"))),
        depends_on=shape.str_list(raw, "depends_on", where),
    )


def collect_references(expressions: object) -> list[str]:
    """Every string of every `references` list anywhere below (nested blocks included)."""
    found: list[str] = []
    stack = [expressions]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "constant_value":
                    continue  # a literal: a string in it that looks like a reference is not one
                if key == "references" and isinstance(value, list):
                    found.extend(most_specific([ref for ref in value if isinstance(ref, str)]))
                else:
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)
    return found


def most_specific(refs: list[str]) -> list[str]:
    """Keep only the traversal each of Terraform's reference chains starts with.

    For `aws_instance.web[0].id` Terraform lists the chain `aws_instance.web[0].id`,
    `aws_instance.web[0]`, `aws_instance.web` (each a prefix of the one before); for
    `module.app.endpoint` the chain ends in `module.app`. The shorter forms would widen the edge
    to every instance or every output. A splat or whole-object use (`aws_instance.web[*].id`)
    starts a chain of its own, so it is kept even next to an indexed one.
    """
    kept: list[str] = []
    previous = ""
    for ref in refs:
        if not (previous and previous.startswith((ref + "[", ref + "."))):
            kept.append(ref)
        previous = ref
    return kept


def _unique(refs: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(refs))
