"""The HTML report in a real headless Chromium (Debian's `chromium`, driven by Playwright).

Skipped when no Chromium is installed, unless PLANGUARD_REQUIRE_BROWSER=1 (set by .ci/run,
which installs it). The screenshot goes to $PLANGUARD_ARTIFACTS (default: the test's tmp dir).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from helpers import cli

REQUIRED = os.environ.get("PLANGUARD_REQUIRE_BROWSER") == "1"


def _chromium() -> str:
    for candidate in (os.environ.get("PLANGUARD_CHROMIUM"), "chromium", "chromium-browser"):
        found = shutil.which(candidate) if candidate else None
        if found:
            return found
    if REQUIRED:
        pytest.fail(
            "PLANGUARD_REQUIRE_BROWSER=1 but no chromium on PATH (apt-get install chromium)"
        )
    pytest.skip("no chromium on PATH (apt-get install chromium)")


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    executable = _chromium()
    if REQUIRED:
        from playwright.sync_api import sync_playwright
    else:
        sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.mark.usefixtures("clean_env")
def test_the_html_report_works_in_chromium(
    browser,  # type: ignore[no-untyped-def]
    real_plans: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".planguard.yml").write_text('reviewers:\n  default: ["@alice"]\n')
    plans = [f"cascade={real_plans['replace_cascade']}", f"hostile={real_plans['hostile']}"]
    page_file = tmp_path / "report.html"
    result = cli(["check", *plans, "--format", "html", "-o", str(page_file)])
    assert result.code == 1, result.err  # review required
    report = json.loads(cli(["check", *plans, "--format", "json"]).out)["report"]
    drawn = sum(len(root["blast_view"]["nodes"]) for root in report["roots"])
    assert drawn > 20

    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.on(
        "request",
        lambda r: None if r.url.startswith(("file:", "data:")) else problems.append(r.url),
    )
    page.goto(page_file.as_uri())

    assert page.locator("g.node").count() == drawn
    assert page.locator("tr.finding").count() == sum(len(r["findings"]) for r in report["roots"])
    # Clicking a finding focuses its node and explains it.
    row = page.locator('tr.finding[data-key="r0:terraform_data.network"]')
    row.click()
    focused = page.locator("g.node.focused")
    assert focused.count() == 1
    assert focused.get_attribute("data-key") == "r0:terraform_data.network"
    panel = page.inner_text("#panel")
    assert "terraform_data.network" in panel and "blast radius: 13 dependent(s)" in panel
    assert "downtime" in panel  # the score components say why
    # Clicking a node in the graph explains that node, hostile names as plain text.
    hostile = page.locator('g.node[data-key^="r1:terraform_data.tenant"]').first
    hostile.click()
    assert "in the blast radius of terraform_data.network" in page.inner_text("#panel")
    assert page.locator("#panel img, #panel script, #panel b").count() == 0
    # Search and tier filter.
    page.fill("#search", "subnet")
    assert page.inner_text("#count").startswith("2 of ")
    page.fill("#search", "")
    page.select_option("#tier", "high")
    visible = page.locator("tr.finding:not([hidden])")
    assert visible.count() >= 1
    assert all(t == "high" for t in visible.evaluate_all("rows => rows.map(r => r.dataset.tier)"))

    artifacts = Path(os.environ.get("PLANGUARD_ARTIFACTS", str(tmp_path)))
    artifacts.mkdir(parents=True, exist_ok=True)
    shot = artifacts / "html-report.png"
    page.select_option("#tier", "")
    row.click()
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    page.close()
    assert problems == []
