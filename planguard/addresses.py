"""Terraform addresses: resource instance addresses and module-relative references.

Terraform writes instance keys as `[0]` (count) or `["key"]` (for_each, JSON-quoted, so a key
may contain dots and brackets). A small scanner handles that; string splitting on "." does not.
"""

from __future__ import annotations

import functools
import json
import re

from planguard.records import Record

InstanceKey = int | str
"""A count index (int) or a for_each key (str)."""

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_IGNORED_ROOTS = frozenset({"local", "each", "count", "path", "self", "terraform"})


class Step(Record, frozen=True):
    """One traversal step: a name and the instance key that follows it, if any."""

    name: str
    key: InstanceKey | None = None


class ModuleInstance(Record, frozen=True):
    """A module instance (`module.a["x"].module.b`) in the forms the graph needs, made once.

    A plan has few module instances and many resources in each: they all share one of these.
    """

    steps: tuple[Step, ...]
    path: tuple[str, ...]
    """Module call names from the root, without instance keys."""
    keys: tuple[InstanceKey | None, ...]
    """The instance key of each module call from the root (None: a single instance)."""
    address: str
    """E.g. `module.app["a"]`; empty for the root module."""
    config_prefix: str
    """What a configuration address in it starts with: `module.app.`; empty for the root."""

    @staticmethod
    def of(steps: tuple[Step, ...]) -> ModuleInstance:
        path = tuple(step.name for step in steps)
        return ModuleInstance(
            steps,
            path,
            tuple(step.key for step in steps),
            ".".join(f"module.{step.name}{format_key(step.key)}" for step in steps),
            _config_prefix(path),
        )


class ResourceAddress(Record, frozen=True):
    """An absolute resource (instance) address such as `module.a["x"].aws_vpc.main[0]`."""

    where: ModuleInstance
    mode: str
    type: str
    name: str
    key: InstanceKey | None = None

    @property
    def module(self) -> tuple[Step, ...]:
        return self.where.steps

    @property
    def module_path(self) -> tuple[str, ...]:
        return self.where.path

    @property
    def module_keys(self) -> tuple[InstanceKey | None, ...]:
        return self.where.keys

    @property
    def module_address(self) -> str:
        return self.where.address

    @property
    def config_address(self) -> str:
        """The address of the configuration block: no instance keys anywhere."""
        data = "data." if self.mode == "data" else ""
        return f"{self.where.config_prefix}{data}{self.type}.{self.name}"


class ResourceRef(Record, frozen=True):
    """A reference to a resource (or data source) in the same module."""

    mode: str
    type: str
    name: str
    key: InstanceKey | None


class VarRef(Record, frozen=True):
    """`var.NAME`: fed by the parent's module call argument of the same name."""

    name: str


class ModuleRef(Record, frozen=True):
    """`module.CALL[.OUTPUT]`: one output of a child module, or all of them."""

    call: str
    output: str | None
    key: InstanceKey | None = None
    """`module.m["k"].out` names one instance of the call; None means any instance."""


Reference = ResourceRef | VarRef | ModuleRef


def config_address(module_path: tuple[str, ...], mode: str, rtype: str, name: str) -> str:
    """Render a configuration-level address (module calls without keys)."""
    data = "data." if mode == "data" else ""
    return f"{_config_prefix(module_path)}{data}{rtype}.{name}"


def _config_prefix(module_path: tuple[str, ...]) -> str:
    return "".join(f"module.{call}." for call in module_path)


def format_key(key: InstanceKey | None) -> str:
    """Render an instance key the way Terraform does in addresses."""
    if key is None:
        return ""
    if isinstance(key, int):
        return f"[{key}]"
    return f"[{json.dumps(key)}]"


def split_traversal(text: str) -> list[Step]:
    """Split `a.b["x.y"].c[0]` into steps; raise ValueError on malformed text."""
    steps: list[Step] = []
    pos = 0
    while pos < len(text):
        match = _NAME.match(text, pos)
        if match is None:
            raise ValueError(f"expected a name at character {pos + 1} of {text!r}")
        pos = match.end()
        key: InstanceKey | None = None
        if pos < len(text) and text[pos] == "[":
            key, pos = _read_key(text, pos)
        steps.append(Step(match.group(), key))
        if pos < len(text):
            if text[pos] != ".":
                raise ValueError(f"expected '.' at character {pos + 1} of {text!r}")
            pos += 1
    return steps


def _read_key(text: str, pos: int) -> tuple[InstanceKey | None, int]:
    """Read `[...]` starting at `pos`; return the key (None for a splat) and the end."""
    if text.startswith('["', pos):
        value, end = _decode_key(text, pos + 1)
        if not text.startswith("]", end):
            raise ValueError(f"unclosed instance key in {text!r}")
        return str(value), end + 1
    close = text.find("]", pos)
    if close < 0:
        raise ValueError(f"unclosed instance key in {text!r}")
    inner = text[pos + 1 : close]
    # `[*]` and expressions such as `[each.key]` select any instance: no single key.
    return (int(inner) if inner.isdigit() else None), close + 1


# Terraform writes keys with HCL escapes; `\UXXXXXXXX` (a code point above U+FFFF) is not JSON.
_DECODER = json.JSONDecoder()
_HCL_LONG_ESCAPE = re.compile(r"(?<!\\)\\U([0-9A-Fa-f]{8})")


def _decode_key(text: str, pos: int) -> tuple[str, int]:
    """Decode the quoted key at `pos`; return it and the position after its closing quote."""
    try:
        value, end = _DECODER.raw_decode(text, pos)
        return str(value), end
    except json.JSONDecodeError:
        pass
    close = pos + 1
    while close < len(text) and not (text[close] == '"' and text[close - 1] != "\\"):
        close += 1
    quoted = _HCL_LONG_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text[pos : close + 1])
    try:
        return str(json.loads(quoted)), close + 1
    except json.JSONDecodeError as exc:
        raise ValueError(f"unreadable instance key in {text!r}") from exc


# The common address: plain names, count indexes and for_each keys without escapes. Its module
# prefix is shared by every resource of a module instance, so it is parsed once per plan.
_KEY = r'\[(?:\d+|"[^"\\\x00-\x1f]*")\]'
_FAST_ADDRESS = re.compile(
    rf"((?:module\.{_NAME.pattern}(?:{_KEY})?\.)*)(data\.)?({_NAME.pattern})\.({_NAME.pattern})({_KEY})?"
)


_FAST_MODULE_STEP = re.compile(
    rf'module\.({_NAME.pattern})(?:\[(?:(\d+)|"([^"\\\x00-\x1f]*)")\])?\.'
)
"""One step of a module prefix `_FAST_ADDRESS` matched: name, then a count index or a key."""


def parse_address(text: str) -> ResourceAddress:
    """Parse an absolute resource instance address; raise ValueError when it is not one."""
    fast = _FAST_ADDRESS.fullmatch(text)
    if fast is None or not text.isascii() or fast.group(3) in ("data", "module"):
        return _parse_address_slowly(text)  # rare forms, and the errors, say it one way
    prefix, data, rtype, name, key = fast.groups()
    return ResourceAddress(
        _module_instance(prefix), "data" if data else "managed", rtype, name, _fast_key(key)
    )


@functools.lru_cache(maxsize=1 << 16)
def _module_instance(prefix: str) -> ModuleInstance:
    """The module instance of a prefix such as `module.a["x"].module.b.`, parsed once: one
    that `_FAST_ADDRESS` matched, so every step is `module.NAME`, `[digits]` or a plain
    quoted key (a plan of many module instances parses thousands of these)."""
    return ModuleInstance.of(
        tuple(
            Step(step[1], key if (key := step[3]) is not None or step[2] is None else int(step[2]))
            for step in _FAST_MODULE_STEP.finditer(prefix)
        )
    )


def _fast_key(text: str | None) -> InstanceKey | None:
    if text is None:
        return None
    inner = text[1:-1]
    return inner[1:-1] if inner.startswith('"') else int(inner)


def _parse_address_slowly(text: str) -> ResourceAddress:
    steps = split_traversal(text)
    module: list[Step] = []
    while len(steps) >= 2 and steps[0].name == "module" and steps[0].key is None:
        module.append(Step(steps[1].name, steps[1].key))
        steps = steps[2:]
    mode = "managed"
    if steps and steps[0].name == "data" and steps[0].key is None:
        mode, steps = "data", steps[1:]
    if len(steps) != 2 or steps[0].key is not None:
        raise ValueError(f"{text!r} is not a resource address")
    where = ModuleInstance.of(tuple(module))
    return ResourceAddress(where, mode, steps[0].name, steps[1].name, steps[1].key)


def parse_reference(text: str) -> Reference | None:
    """Parse a module-relative reference; None for ones that name no resource (local.x …)."""
    try:
        steps = split_traversal(text)
    except ValueError:
        return None
    if len(steps) < 2 or steps[0].name in _IGNORED_ROOTS:
        return None
    head = steps[0].name
    if head == "var":
        return VarRef(steps[1].name)
    if head == "module":
        return ModuleRef(steps[1].name, steps[2].name if len(steps) > 2 else None, steps[1].key)
    if head == "data":
        if len(steps) < 3:
            return None
        return ResourceRef("data", steps[1].name, steps[2].name, steps[2].key)
    return ResourceRef("managed", head, steps[1].name, steps[1].key)


def parse_config_address(text: str) -> tuple[tuple[str, ...], Reference | None]:
    """Split a config-level address (`module.a.aws_vpc.x`, `module.a`) into module path + rest.

    Used for `depends_on` (module-relative) and `prior_state` `depends_on` (absolute): both
    name configuration blocks, never instances.
    """
    steps = split_traversal(text)
    path: list[str] = []
    while len(steps) >= 2 and steps[0].name == "module":
        path.append(steps[1].name)
        steps = steps[2:]
    if not steps:
        return tuple(path), None
    rest = ".".join(step.name + format_key(step.key) for step in steps)
    return tuple(path), parse_reference(rest)
