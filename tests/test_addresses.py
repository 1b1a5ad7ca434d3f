"""Address parsing: the fast path for common addresses says exactly what the scanner says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import depth, explore
from hypothesis import strategies as st

from planguard.addresses import _parse_address_slowly, parse_address

CORPUS = Path(__file__).parent / "corpus"

names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_-]{0,6}", fullmatch=True)
keys = st.one_of(
    st.none(),
    st.integers(0, 10_000),
    st.text(st.characters(codec="utf-8"), max_size=8),
)


def _key(key: int | str | None) -> str:
    if key is None:
        return ""
    return f"[{key}]" if isinstance(key, int) else f"[{json.dumps(key, ensure_ascii=False)}]"


@st.composite
def addresses(draw: st.DrawFn) -> str:
    modules = draw(st.lists(st.tuples(names, keys), max_size=3))
    prefix = "".join(f"module.{name}{_key(key)}." for name, key in modules)
    data = "data." if draw(st.booleans()) else ""
    return f"{prefix}{data}{draw(names)}.{draw(names)}{_key(draw(keys))}"


def _either(text: str) -> object:
    try:
        return parse_address(text)
    except ValueError:
        return ValueError


def _slow(text: str) -> object:
    try:
        return _parse_address_slowly(text)
    except ValueError:
        return ValueError


@depth(150, 500)
def test_fast_and_slow_address_parsing_agree(examples: int) -> None:
    def check(text: str) -> None:
        assert _either(text) == _slow(text)

    explore(examples, check, st.one_of(addresses(), st.text(max_size=40)))


def _corpus_addresses() -> list[str]:
    found = []
    for path in sorted(CORPUS.rglob("*.json")):
        try:
            doc = json.loads(path.read_bytes())
        except ValueError:
            continue
        if isinstance(doc, dict):
            found += [c.get("address") for c in doc.get("resource_changes") or []]
    return [a for a in found if isinstance(a, str)]


def test_fast_and_slow_address_parsing_agree_on_every_corpus_address() -> None:
    texts = _corpus_addresses()
    assert len(texts) > 500
    assert [parse_address(t) for t in texts] == [_slow(t) for t in texts]


@pytest.mark.parametrize(
    ("text", "module", "key"),
    [
        ('module.a["x.y"].module.b[3].aws_vpc.main["k"]', (("a", "x.y"), ("b", 3)), "k"),
        ("data.aws_ami.base[07]", (), 7),
        ('module.a["q\\"]"].t.n', (("a", 'q"]'),), None),
    ],
)
def test_addresses_with_keys(
    text: str, module: tuple[tuple[str, object], ...], key: object
) -> None:
    parsed = parse_address(text)
    assert tuple((s.name, s.key) for s in parsed.module) == module
    assert parsed.key == key


@pytest.mark.parametrize("text", ["data.x", "module.a", "module.a.b", "a.b.c", "a[0].b"])
def test_not_resource_addresses(text: str) -> None:
    with pytest.raises(ValueError, match=r"not a resource address|expected"):
        parse_address(text)
