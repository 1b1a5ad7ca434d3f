"""The one plan loader: a path, `-` (stdin) or a binary plan file → a `Plan`.

I/O lives here; `parse.py` is pure. Every failure becomes a `PlanInputError` that says what is
wrong, where, and what to do — and never quotes plan content (it may hold secrets).
"""

from __future__ import annotations

import gc
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from planguard.errors import PlanInputError
from planguard.plan import fast, jsontext, shape
from planguard.plan.model import Plan
from planguard.plan.parse import parse_plan
from planguard.records import replace

_ZIP_MAGIC = b"PK\x03\x04"
_SHOW_HINT = "make one with: terraform plan -out=tfplan && terraform show -json tfplan > plan.json"


def load_plan(
    source: str,
    terraform_bin: str = "terraform",
    workdir: Path | None = None,
    shown_as: str | None = None,
) -> Plan:
    """Read, decode and parse one plan; `source` is a file path or `-` for stdin. `workdir`:
    the initialized working directory a binary plan is read in, when the plan file's own
    directory is not one (default: the current directory); `shown_as`: the name to show for
    it (a private copy's original)."""
    name = shown_as or ("<stdin>" if source == "-" else source)
    data = _read(source)
    if is_saved_plan(data):
        data = _show_binary(Path(source), terraform_bin, workdir or Path.cwd())
    return plan_from_bytes(data, name)


def is_saved_plan(data: bytes) -> bool:
    """A binary plan (`terraform plan -out`): a zip archive, read through `show -json`."""
    return data.startswith(_ZIP_MAGIC)


def plan_from_bytes(data: bytes, name: str) -> Plan:
    data = _as_utf8(data, name)
    if _WRAPPED.match(data):
        plan = _parse(_unwrap(data, name), name)
        return replace(plan, warnings=(*plan.warnings, _UNWRAPPED))
    return _parse(data, name)


def _parse(data: bytes, name: str) -> Plan:
    """The plan in `data`: UTF-8, without a byte order mark."""
    plan = fast.read_plan(data, name)
    if plan is not None:
        return plan
    # Not a plan the fast reader takes whole: read it carefully, for the exact error if any.
    doc = _decode(data, name)
    _reject_other_documents(doc, name)
    try:
        return parse_plan(doc, name)
    except RecursionError:
        raise _too_deep(name) from None
    except shape.ShapeError as exc:
        raise PlanInputError(
            f"{name}: {exc}. Is this unmodified `terraform show -json` output?"
        ) from None


_BOM = b"\xef\xbb\xbf"
_WIDE_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le", "UTF-32 LE"),  # before UTF-16 LE: it starts the same
    (b"\x00\x00\xfe\xff", "utf-32-be", "UTF-32 BE"),
    (b"\xff\xfe", "utf-16-le", "UTF-16 LE"),
    (b"\xfe\xff", "utf-16-be", "UTF-16 BE"),
)


def _as_utf8(data: bytes, name: str) -> bytes:
    """`data` as UTF-8 without a byte order mark, by the BOM it starts with: PowerShell 5.1's
    `terraform show -json tfplan > plan.json` writes UTF-16 LE with a BOM, others UTF-8 with one.
    Without a BOM the file is UTF-8 (a prefix test: the fast path stays fast)."""
    if data.startswith(_BOM):
        return data[len(_BOM) :]
    for bom, codec, label in _WIDE_BOMS:
        if data.startswith(bom):
            try:
                text = str(memoryview(data)[len(bom) :], codec)
            except UnicodeDecodeError as exc:
                raise PlanInputError(
                    f"{name}: starts with a {label} byte order mark, but byte"
                    f" {exc.start + len(bom)} is not {label}: the file is damaged or cut off."
                    " Write it again, or pass planguard the binary plan (tfplan) itself"
                ) from None
            return text.encode("utf-8")
    return data


DEFAULT_MAX_PLAN_BYTES = 2 << 30
"""A 300,000-resource plan is about 1.2 GB; PLANGUARD_MAX_PLAN_BYTES raises the limit."""
_BIG = 64 << 20


def max_plan_bytes() -> int:
    raw = os.environ.get("PLANGUARD_MAX_PLAN_BYTES", "")
    try:
        return int(raw) if raw.strip() else DEFAULT_MAX_PLAN_BYTES
    except ValueError:
        raise PlanInputError(f"PLANGUARD_MAX_PLAN_BYTES={raw!r} is not a number of bytes") from None


def _too_big(name: str, size: int, limit: int) -> PlanInputError:
    return PlanInputError(
        f"{name}: {size:,} bytes is more than the {limit:,} planguard reads; if this really is"
        " one plan, raise the limit with PLANGUARD_MAX_PLAN_BYTES"
    )


def _read(source: str) -> bytes:
    limit = max_plan_bytes()
    if source == "-":
        data = sys.stdin.buffer.read(limit + 1)
        if len(data) > limit:
            raise _too_big("<stdin>", len(data), limit)
        return data
    path = Path(source)
    try:
        size = path.stat().st_size
        if size > limit:
            raise _too_big(source, size, limit)
        return path.read_bytes()
    except FileNotFoundError:
        raise PlanInputError(f"{source}: no such file. {_SHOW_HINT}") from None
    except IsADirectoryError:
        raise PlanInputError(f"{source}: is a directory, not a plan file") from None
    except OSError as exc:
        raise PlanInputError(f"{source}: cannot read: {exc.strerror}") from None


_WRAPPED = re.compile(rb"\s*\[command\]")
"""How @actions/exec echoes the command it runs (`[command]/…/terraform-bin show -json tfplan`):
the start of what hashicorp/setup-terraform's `terraform_wrapper` writes to stdout."""

_WRAPPER_FIX = (
    "set `terraform_wrapper: false` in the hashicorp/setup-terraform step (setup-opentofu:"
    " `tofu_wrapper: false`), or run the unwrapped binary: terraform-bin show -json tfplan"
    " > plan.json"
)
_UNWRAPPED = (
    "read the plan out of the output of setup-terraform's terraform_wrapper (a `[command]` line"
    " before the plan JSON, `::debug::` lines after it); to write the plan alone,"
    f" {_WRAPPER_FIX}"
)


def _unwrap(data: bytes, name: str) -> bytes:
    """The plan inside setup-terraform wrapper output: after the `[command]` line, exactly one
    line of JSON object (Terraform writes a plan on one line), then only workflow commands
    (`::debug::…`, `::set-output …`, which repeat the plan escaped). Anything else is refused:
    which part is the plan would be a guess."""
    _, *rest = data.strip().splitlines()
    body, tail = rest, []
    for at, line in enumerate(rest):
        if line.startswith(b"::"):
            body, tail = rest[:at], rest[at:]
            break
    lines = [line.strip() for line in body if line.strip()]
    problem = _wrapper_problem(lines, tail)
    if problem is not None:
        raise PlanInputError(
            f"{name}: is the output of hashicorp/setup-terraform's terraform_wrapper (it starts"
            f" with a `[command]` line), and planguard cannot tell the plan in it: {problem}."
            f" To write the plan alone, {_WRAPPER_FIX}"
        )
    return lines[0]


def _wrapper_problem(lines: list[bytes], tail: list[bytes]) -> str | None:
    if not lines:
        return "no line of JSON follows the `[command]` line"
    if len(lines) > 1:
        return (
            f"{len(lines)} lines, not one line of plan JSON, come before the wrapper's"
            " `::debug::` lines"
        )
    if not (lines[0].startswith(b"{") and lines[0].endswith(b"}")):
        return (
            "the line after the `[command]` line is not one whole JSON object (cut off, or run"
            " together with the wrapper's `::debug::` lines)"
        )
    if any(line.strip() and not line.startswith(b"::") for line in tail):
        return "other output is mixed into the wrapper's `::debug::` lines after the plan"
    return None


def _show_binary(path: Path, terraform_bin: str, workdir: Path) -> bytes:
    """Run `<bin> show -json PLANFILE`: a binary plan needs the binary that made it."""
    exe = shutil.which(terraform_bin)
    if exe is None:
        raise PlanInputError(
            f"{path}: is a binary plan; reading it needs `{terraform_bin} show -json`, but"
            f" `{terraform_bin}` is not on PATH. Install it, pass --terraform-bin (e.g. tofu"
            " for an OpenTofu plan), or pass the JSON from `terraform show -json` instead."
        )
    # `show` needs the initialized working directory: the plan's own when it is one.
    cwd = path.parent if (path.parent / ".terraform").is_dir() else workdir
    result = subprocess.run(
        [exe, "show", "-json", str(path.resolve())], capture_output=True, check=False, cwd=cwd
    )
    if result.returncode != 0:
        # stderr of `show` carries diagnostics, not attribute values; keep only its tail.
        tail = result.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise PlanInputError(
            f"{path}: `{terraform_bin} show -json` failed (exit {result.returncode}): "
            f"{' '.join(tail)}. Run planguard in the initialized working directory of the plan,"
            " with the same Terraform or OpenTofu (--terraform-bin) that made it."
        )
    return result.stdout


_LEADING_SPACE = re.compile(r"\s*.?", re.DOTALL)
"""The whitespace before the first character, and that character (no copy of the text)."""


def _starts_an_object(text: str) -> bool:
    head = _LEADING_SPACE.match(text)
    return head is not None and head.group().endswith("{")


def _decode(data: bytes, name: str) -> dict[str, object]:
    try:
        text = data.decode("utf-8-sig")  # PowerShell 5 redirection writes a BOM
    except UnicodeDecodeError as exc:
        raise PlanInputError(
            f"{name}: byte {exc.start} is not UTF-8; a `terraform show -json` plan is UTF-8 JSON"
        ) from None
    if not text.strip():
        raise PlanInputError(f"{name}: is empty. {_SHOW_HINT}")
    if len(text) > _BIG and not _starts_an_object(text):
        # Say so at once instead of decoding a large file that cannot be a plan.
        raise PlanInputError(f"{name}: does not start with `{{`: not a plan object. {_SHOW_HINT}")
    # Plans are large trees of small objects: cyclic GC passes during decoding are pure cost.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        doc = jsontext.loads(text)
    except json.JSONDecodeError as exc:
        raise PlanInputError(_decode_error(name, text, exc)) from None
    except ValueError as exc:
        raise PlanInputError(f"{name}: {exc}") from None
    except RecursionError:
        raise _too_deep(name) from None
    finally:
        if gc_was_enabled:
            gc.enable()
    if not isinstance(doc, dict):
        raise PlanInputError(f"{name}: is {shape.json_type(doc)}, not a plan object. {_SHOW_HINT}")
    return doc


def _too_deep(name: str) -> PlanInputError:
    return PlanInputError(
        f"{name}: nested deeper than planguard reads (about {sys.getrecursionlimit():,} levels"
        " of JSON, or modules inside modules); Terraform never writes that"
    )


def _decode_error(name: str, text: str, exc: json.JSONDecodeError) -> str:
    where = f"{name}:{exc.lineno}:{exc.colno}"
    if exc.msg == "Extra data" and _looks_like_log(text):
        return _LOG_STREAM.format(name=name)
    if exc.msg == "Extra data":
        count, whole = _count_documents(text)
        if count > 1:
            return _concatenated(name, count, whole)
    if _looks_like_utf16(text):
        return (
            f"{name}: has NUL bytes between its characters: it looks like UTF-16 without a byte"
            " order mark. Write it as UTF-8 (or as UTF-16 with one, as PowerShell's `>` does),"
            " or pass planguard the binary plan (tfplan) itself"
        )
    stripped = text.strip()
    if stripped.startswith("{") and not stripped.endswith("}"):
        return f"{where}: the JSON ends early ({exc.msg}): the file looks truncated. {_SHOW_HINT}"
    if "Terraform will perform" in text or "Terraform used the selected providers" in text:
        return (
            f"{name}: is the human-readable plan (`terraform show` without -json), not JSON."
            f" {_SHOW_HINT}"
        )
    return f"{where}: not valid JSON ({exc.msg}). {_SHOW_HINT}"


def _concatenated(name: str, count: int, whole: bool) -> str:
    rest = "" if whole else ", then text that is not JSON"
    file = "all.json" if name == "<stdin>" else shlex.quote(name)
    return (
        f"{name}: holds {count} JSON documents one after another{rest}, not one plan: several"
        " `terraform show -json` outputs written into one file (as `terragrunt run-all show"
        " -json` or a shell loop does). planguard reads one plan per file, and many files or a"
        " directory of them at once: write each root's plan to its own file and pass them all"
        " (Terragrunt: plan with --json-out-dir DIR and pass DIR), or split this file with"
        f' mkdir plans && jq -c . {file} | awk \'{{print > ("plans/" NR ".json")}}\''
        " and pass plans/"
    )


_SPACE = re.compile(r"\s*")


def _count_documents(text: str) -> tuple[int, bool]:
    """How many JSON documents follow one another in `text`, and whether that is all of it."""
    decoder = json.JSONDecoder()
    count, pos = 0, 0
    while True:
        space = _SPACE.match(text, pos)
        pos = space.end() if space is not None else pos
        if pos == len(text):
            return count, True
        try:
            _, pos = decoder.raw_decode(text, pos)
        except (ValueError, RecursionError):
            return count, False
        count += 1


def _looks_like_utf16(text: str) -> bool:
    """A NUL byte and `{` as the first characters: UTF-16 (LE or BE) of a JSON object."""
    head = text[:8]
    return "\x00" in head and head.lstrip(" \t\r\n\x00").startswith("{")


_LOG_STREAM = (
    "{name}: is a `terraform plan -json` log stream (one JSON message per line), not a plan."
    " planguard needs the plan document: terraform plan -out=tfplan && terraform show -json"
    " tfplan > plan.json"
)


def _looks_like_log(text: str) -> bool:
    first = text.lstrip().split("\n", 1)[0]
    try:
        line = json.loads(first)
    except ValueError:
        return False
    return isinstance(line, dict) and ("@level" in line or "@message" in line)


def _reject_other_documents(doc: dict[str, object], name: str) -> None:
    """State files and log lines are JSON too; say what they are instead of a shape error."""
    if "@level" in doc or "@message" in doc:
        raise PlanInputError(_LOG_STREAM.format(name=name))
    if "lineage" in doc and "serial" in doc:
        raise PlanInputError(
            f"{name}: is a Terraform state file (terraform.tfstate), not a plan. {_SHOW_HINT}"
        )
    plan_keys = ("resource_changes", "planned_values", "configuration", "output_changes")
    if "values" in doc and not any(key in doc for key in plan_keys):
        raise PlanInputError(
            f"{name}: is `terraform show -json` of the *state* (no plan file given). {_SHOW_HINT}"
        )
    if not any(key in doc for key in (*plan_keys, "prior_state", "format_version")):
        raise PlanInputError(
            f"{name}: is JSON but has none of the keys of a plan (resource_changes,"
            f" planned_values, configuration). {_SHOW_HINT}"
        )
