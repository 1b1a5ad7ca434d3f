"""The scan holds to hcl2 itself: a file it proves parses does parse, the blocks it finds in a
file that parses are the parser's blocks, and a block parsed alone is the block the whole
file's parse gives. Checked on generated HCL (valid and near-valid, from the grammar's pieces
and its traps: keywords as names, heredocs, interpolations, comments, line breaks anywhere)
and on every `.tf` file the tests hold.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import depth, explore
from hypothesis import strategies as st

from planguard.source.hcl import ParsedFile, ParseFailure, parse_blocks, parse_file
from planguard.source.lex import tokenize
from planguard.source.recognize import proves
from planguard.source.scan import scan

TESTS = Path(__file__).parent

NAMES = st.sampled_from(
    ["a", "var", "x_1", "a-b", "in", "for", "if", "for_each", "true", "null", "each", "count"]
)
LEAVES = st.sampled_from(
    [
        "1",
        "1.5",
        "-1",
        "1e3",
        '"s"',
        '""',
        '"a\\"b"',
        '"${var.x}"',
        '"a${b}c${d.e}"',
        '"${ {a = 1} }"',
        '"%{ if x }y%{ endif }"',
        '"$${x}"',
        '"100%"',
        '<<EOT\nresource "x" "y" {\nEOT\n',
        "<<-EOT\n  }\n  EOT\n",
        "<<EOT\nnever ends\n",
        "x.0",
        "x.0.1",
        "a.b[0].c",
        "a.*.b",
        "a[*].b",
        "provider::p::f(1)",
    ]
)
GAPS = st.sampled_from(["", " ", "\n", " # c\n", "// c\n", "/* c */", "/* \n */", "\r\n"])


def _expressions() -> st.SearchStrategy[str]:
    def grow(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        gap = GAPS
        pair = st.tuples(inner, gap, inner)
        return st.one_of(
            st.builds(
                lambda a, g, b, op: f"{a}{g}{op} {b}",
                inner,
                gap,
                inner,
                st.sampled_from(["+", "-", "==", "&&", "*", "<"]),
            ),
            st.builds(lambda a, b, c, g: f"{a} ?{g}{b} : {c}", inner, inner, inner, gap),
            st.builds(
                lambda n, args, g: f"{n}({g}{', '.join(args)}{g})",
                NAMES,
                st.lists(inner, max_size=3),
                gap,
            ),
            st.builds(
                lambda items, g, t: f"[{g}{(',' + g).join(items)}{t}]",
                st.lists(inner, max_size=3),
                gap,
                st.sampled_from(["", ",", ",\n"]),
            ),
            st.builds(
                lambda kvs, g: "{" + g + g.join(f"{k} = {v}" for k, v in kvs) + g + "}",
                st.lists(st.tuples(NAMES, inner), max_size=3),
                st.sampled_from(["\n", ", ", " "]),
            ),
            st.builds(lambda v, c, g: f"[for k, v in {c} :{g}{v}{g}]", inner, inner, gap),
            st.builds(lambda v, c: f"{{for k, v in {c} : k => {v}...}}", inner, inner),
            st.builds(lambda a, i: f"{a}[{i}]", inner, inner),
            st.builds(lambda a, n: f"{a}.{n}", inner, NAMES),
            st.builds(lambda a, g: f"({g}{a}{g})", inner, gap),
            st.builds(lambda a, op: f"{op}{a}", inner, st.sampled_from(["-", "!", "!-"])),
            st.builds(lambda a: f'"x${{{a}}}y"', inner),
            pair.map(lambda t: f"{t[0]}{t[1]}{t[2]}"),
        )

    return st.recursive(st.one_of(LEAVES, NAMES), grow, max_leaves=6)


def _bodies(depth_left: int) -> st.SearchStrategy[str]:
    attribute = st.builds(
        lambda n, e, g: f"{n} ={g}{e}", NAMES, _expressions(), st.sampled_from(["", " ", "  "])
    )
    items = [attribute]
    if depth_left:
        block = st.builds(
            lambda kind, labels, gap, body: f"{kind} {' '.join(labels)}{gap}{{\n{body}\n}}",
            st.sampled_from(["resource", "locals", "lifecycle", "module", "in", "dynamic"]),
            st.lists(st.sampled_from(['"a"', '"b"', "c", '"${x}"', '""']), max_size=2),
            st.sampled_from([" ", "\n", ""]),
            _bodies(depth_left - 1),
        )
        one_line = st.builds(
            lambda kind, a: f'{kind} "x" {{ {a} }}',
            st.sampled_from(["resource", "lifecycle"]),
            attribute,
        )
        items += [block, one_line]
    return st.lists(
        st.tuples(st.one_of(*items), st.sampled_from(["\n", "\n\n", " ", "", " # end\n", "}\n"])),
        max_size=4,
    ).map(lambda parts: "".join(a + sep for a, sep in parts))


def _holds_to_the_parser(text: str) -> None:
    tokens = tokenize(text if text.endswith("\n") else text + "\n")
    parsed = parse_file(text)
    if tokens is not None and proves(tokens):
        assert isinstance(parsed, ParsedFile), f"proved, but hcl2 rejects:\n{text}"
    found = scan(text)
    if found is None or isinstance(parsed, ParseFailure):
        return
    got = [(i.kind, i.labels, i.line, i.end_line) for i in found.items]
    want = [(b.kind, b.labels, b.line, b.end_line) for b in parsed.blocks]
    if parsed.attributes:
        return  # a top-level attribute: the scan gives up on such files (checked below)
    assert got == want, text
    if found.proven:
        for item, block in zip(found.items, parsed.blocks, strict=True):
            alone = parse_blocks(found.excerpt(text, item), item.line)
            assert isinstance(alone, ParsedFile) and alone.blocks == (block,), text
    for item, block in zip(found.items, parsed.blocks, strict=True):
        if block.kind == "locals":
            assert {a.name for a in block.attributes} <= set(item.names), text
        if "prevent_destroy" in str(block):
            assert item.protects, text


@pytest.mark.parametrize(
    "text",
    [
        "a =1-11\n",  # found by the thorough run: hcl2 lexes `-11` as one signed literal
        "a = 1 -11\n",
        'resource "t" "n" {\n  size = 2-1\n}\n',
    ],
)
def test_what_the_parser_lexes_its_own_way_is_not_proven(text: str) -> None:
    _holds_to_the_parser(text)


@depth(60, 5000)
def test_generated_files_hold_to_the_parser(examples: int) -> None:
    explore(examples, _holds_to_the_parser, _bodies(2))


def test_every_test_file_holds_to_the_parser_and_most_are_proven() -> None:
    proven = 0
    files = sorted(p for p in TESTS.rglob("*.tf") if p.is_file())
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        _holds_to_the_parser(text)
        found = scan(text)
        proven += bool(found and found.proven)
    assert files and proven >= 0.9 * len(files)


def test_a_file_with_a_top_level_attribute_is_never_cut() -> None:
    assert scan('x = 1\nresource "a" "b" {}\n') is None


def test_what_the_scan_is_not_sure_of_is_given_up() -> None:
    for text in (
        'resource "a" "b" {\n  x = "%{ if y }z%{ endif }"\n}\n',  # a directive
        'resource "a" "b" {\n  x = "$${y}"\n}\n',  # an escaped interpolation
        'resource "a" "b" {\n  x = "two\nlines"\n}\n',
        '\ufeffresource "a" "b" {}\n',  # a byte-order mark
        'resource "a" "${b}" {}\n',  # a label with an interpolation
    ):
        assert scan(text) is None, text


def test_a_multi_line_conditional_is_cut_but_not_proven() -> None:
    text = 'resource "a" "b" {\n  x = var.y ?\n    1 : 2\n}\n'
    found = scan(text)
    assert found is not None and not found.proven and isinstance(parse_file(text), ParsedFile)
