"""Extract the GitHub API facts the tests check planguard against into committed fixtures.

    python scripts/github_fixtures.py            # fetches the pinned npm packages with `npm pack`

Writes `tests/fixtures/github/`:
- `openapi-subset.json`: the operations planguard calls, from GitHub's OpenAPI description
  (npm `@octokit/openapi`, MIT), with every component they reference;
- `webhook-schemas.json`: the payload schemas of the events planguard reads
  (npm `@octokit/openapi-webhooks`, MIT);
- `events/*.json`: GitHub's own example payloads of those events
  (npm `@octokit/webhooks-examples`, MIT).

Re-run it after bumping a version below; the diff shows what GitHub changed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

PACKAGES = {
    "openapi": ("@octokit/openapi", "23.0.2"),
    "webhooks": ("@octokit/openapi-webhooks", "12.1.0"),
    "examples": ("@octokit/webhooks-examples", "7.6.1"),
}
OPERATIONS = (
    ("get", "/user"),
    ("get", "/repos/{owner}/{repo}/pulls/{pull_number}"),
    ("get", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews"),
    ("get", "/repos/{owner}/{repo}/pulls/{pull_number}/commits"),
    ("get", "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers"),
    ("post", "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers"),
    ("get", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("post", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("patch", "/repos/{owner}/{repo}/issues/comments/{comment_id}"),
    ("delete", "/repos/{owner}/{repo}/issues/comments/{comment_id}"),
    ("post", "/repos/{owner}/{repo}/statuses/{sha}"),
    ("get", "/repos/{owner}/{repo}/commits/{ref}/statuses"),
    ("post", "/repos/{owner}/{repo}/issues/{issue_number}/labels"),
    ("delete", "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}"),
    ("get", "/repos/{owner}/{repo}/pulls/{pull_number}/files"),
    ("post", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews"),
    ("put", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}"),
    ("get", "/repos/{owner}/{repo}/pulls/{pull_number}/comments"),
    ("patch", "/repos/{owner}/{repo}/pulls/comments/{comment_id}"),
    ("delete", "/repos/{owner}/{repo}/pulls/comments/{comment_id}"),
    ("get", "/orgs/{org}/teams/{team_slug}"),
    ("get", "/orgs/{org}/teams/{team_slug}/memberships/{username}"),
)
WEBHOOKS = ("webhook-pull-request-opened", "webhook-pull-request-review-submitted")
EXAMPLES = (("pull_request", "opened"), ("pull_request_review", "submitted"))
OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "github"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        roots = {key: _fetch(name, version, Path(tmp)) for key, (name, version) in PACKAGES.items()}
        spec = json.loads((roots["openapi"] / "generated" / "api.github.com.json").read_text())
        _write("openapi-subset.json", _subset(spec))
        hooks = json.loads((roots["webhooks"] / "generated" / "api.github.com.json").read_text())
        _write("webhook-schemas.json", _webhook_schemas(hooks))
        examples = json.loads((roots["examples"] / "api.github.com" / "index.json").read_text())
        for event, action in EXAMPLES:
            _write(f"events/{event}.{action}.json", _example(examples, event, action))


def _fetch(name: str, version: str, into: Path) -> Path:
    subprocess.run(
        ["npm", "pack", f"{name}@{version}", "--silent"], cwd=into, check=True, capture_output=True
    )
    tgz = next(into.glob(name.lstrip("@").replace("/", "-") + f"-{version}.tgz"))
    target = into / tgz.stem
    with tarfile.open(tgz) as archive:
        archive.extractall(target, filter="data")
    return target / "package"


def _source(key: str) -> dict[str, str]:
    name, version = PACKAGES[key]
    return {
        "package": name,
        "version": version,
        "license": "MIT",
        "tool": "scripts/github_fixtures.py",
    }


def _subset(spec: dict[str, Any]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for method, path in OPERATIONS:
        paths.setdefault(path, {})[method] = spec["paths"][path][method]
    components = _closure({"paths": paths}, spec)
    return {
        "openapi": spec["openapi"],
        "info": {**spec["info"], "x-planguard-source": _source("openapi")},
        "paths": paths,
        "components": components,
    }


def _webhook_schemas(spec: dict[str, Any]) -> dict[str, Any]:
    roots = {"schemas": {name: spec["components"]["schemas"][name] for name in WEBHOOKS}}
    components = _closure(roots, spec)
    for name in WEBHOOKS:
        components.setdefault("schemas", {})[name] = spec["components"]["schemas"][name]
    return {
        "openapi": spec["openapi"],
        "x-planguard-source": _source("webhooks"),
        "components": components,
    }


def _closure(root: Any, spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every `#/components/...` object reachable from `root`."""
    found: dict[str, dict[str, Any]] = {}
    todo = [root]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/"):
                _, _, kind, name = ref.split("/", 3)
                if name not in found.setdefault(kind, {}):
                    found[kind][name] = spec["components"][kind][name]
                    todo.append(found[kind][name])
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    return {kind: dict(sorted(items.items())) for kind, items in sorted(found.items())}


def _example(examples: list[dict[str, Any]], event: str, action: str) -> dict[str, Any]:
    group = next(e for e in examples if e["name"] == event)
    return next(x for x in group["examples"] if x.get("action") == action)


def _write(name: str, data: Any) -> None:
    path = OUT / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    print(f"wrote {path} ({path.stat().st_size:,} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
