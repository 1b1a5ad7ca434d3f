"""Offline approvals: a reviewer signs the plan fingerprint with their SSH key
(`ssh-keygen -Y sign`); the gate verifies it against an allowed-signers file in git's format
(`ssh-keygen -Y verify`). An agent without the reviewer's private key cannot forge one.

The approval file is JSON: the signed statement's fields plus the armored signature. Format 2
names the repository, the roots and a not-after time too, so an approval of one environment
cannot be replayed in another, or forever; format 1 files are refused.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

from planguard.approvals.model import (
    Approval,
    ApprovalScope,
    ApprovalSet,
    ApprovalSource,
    RejectedApproval,
)
from planguard.errors import UsageError
from planguard.policy.model import normalise_reviewer

NAMESPACE = "planguard-approval"
FORMAT = 2
_TIMEOUT = 30


def statement(fingerprint: str, reviewer: str, scope: ApprovalScope) -> bytes:
    """The exact bytes a reviewer signs."""
    return (
        f"planguard approval v{FORMAT}\nfingerprint {fingerprint}\nreviewer {reviewer}\n"
        f"repository {scope.repository}\nroots {','.join(scope.roots)}\n"
        f"signed_at {scope.signed_at}\nnot_after {scope.not_after}\n"
    ).encode()


def sign_approval(fingerprint: str, reviewer: str, key: Path, scope: ApprovalScope) -> str:
    """The approval file's text, signed with the private `key` (ssh-agent keys work too when
    `key` is the public key file)."""
    reviewer = normalise_reviewer(reviewer)
    message = statement(fingerprint, reviewer, scope)
    with tempfile.TemporaryDirectory(prefix="planguard-sign-") as tmp:
        data = Path(tmp) / "approval"
        data.write_bytes(message)
        done = _ssh_keygen(["-Y", "sign", "-f", str(key), "-n", NAMESPACE, str(data)])
        if done.returncode != 0:
            raise UsageError(f"{key}: ssh-keygen could not sign: {_tail(done.stderr)}")
        signature = (Path(tmp) / "approval.sig").read_text(encoding="ascii")
    body = {
        "planguard_approval": FORMAT,
        "fingerprint": fingerprint,
        "reviewer": reviewer,
        "repository": scope.repository,
        "roots": list(scope.roots),
        "signed_at": scope.signed_at,
        "not_after": scope.not_after,
        "signature": signature,
    }
    return json.dumps(body, indent=2) + "\n"


def verify_approvals(
    files: Iterable[Path], allowed_signers: Path, shown: str | None = None
) -> ApprovalSet:
    """Each file is accepted only if its signature verifies for the reviewer it names.
    `shown`: how to name the keys file to the user (a private copy's name means nothing)."""
    if not allowed_signers.is_file():
        raise UsageError(
            f"{allowed_signers}: allowed-signers file not found (git's format: one"
            " `principals key-type key` line per reviewer key)"
        )
    principals = _principal_lines(allowed_signers)
    accepted: list[Approval] = []
    rejected: list[RejectedApproval] = []
    for path in files:
        result = _verify_one(path, allowed_signers, principals, shown or str(allowed_signers))
        if isinstance(result, Approval):
            accepted.append(result)
        else:
            rejected.append(result)
    return ApprovalSet(tuple(accepted), tuple(rejected))


def approval_files(paths: Iterable[str]) -> list[Path]:
    """Files as given; directories contribute their `*.approval` files."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out += sorted(path.glob("*.approval"))
        elif path.is_file():
            out.append(path)
        else:
            raise UsageError(f"{raw}: no such approval file or directory")
    return out


def _verify_one(
    path: Path, allowed_signers: Path, principals: dict[str, tuple[str, ...]], shown: str
) -> Approval | RejectedApproval:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(doc, dict) and doc.get("planguard_approval") == 1:
            reason = "format 1 names no repository, roots or expiry: ask for a new approval"
            who = str(doc.get("reviewer", "?"))
            return RejectedApproval(who, ApprovalSource.SSH, reason, str(path))
        fields = ("fingerprint", "reviewer", "repository", "signed_at", "not_after", "signature")
        fingerprint, reviewer, repository, signed_at, not_after, signature = (
            doc[f] for f in fields
        )
        roots = doc["roots"]
        if (
            doc.get("planguard_approval") != FORMAT
            or not all(isinstance(doc[f], str) for f in fields)
            or not isinstance(roots, list)
            or not all(isinstance(r, str) for r in roots)
        ):
            raise ValueError
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
        return RejectedApproval("?", ApprovalSource.SSH, "not a planguard approval file", str(path))
    scope = ApprovalScope(repository, tuple(roots), signed_at, not_after)
    reviewer = normalise_reviewer(reviewer)
    with tempfile.TemporaryDirectory(prefix="planguard-verify-") as tmp:
        sig = Path(tmp) / "approval.sig"
        sig.write_text(signature, encoding="ascii", errors="replace")
        args = ["-Y", "verify", "-f", str(allowed_signers), "-I", reviewer, "-n", NAMESPACE]
        done = _ssh_keygen([*args, "-s", str(sig)], statement(fingerprint, reviewer, scope))
    if done.returncode != 0:
        reason = f"signature does not verify for {reviewer!r} in {shown}"
        return RejectedApproval(reviewer, ApprovalSource.SSH, reason, str(path))
    return Approval(
        reviewer=reviewer,
        source=ApprovalSource.SSH,
        at=signed_at,
        fingerprint=fingerprint.lower(),
        aliases=principals.get(reviewer, ()),
        detail=str(path),
        scope=scope,
    )


def _principal_lines(allowed_signers: Path) -> dict[str, tuple[str, ...]]:
    """Every principal → all principals sharing a key line with it (the same person)."""
    out: dict[str, tuple[str, ...]] = {}
    text = allowed_signers.read_text(encoding="utf-8", errors="replace")
    for line in (raw.strip() for raw in text.splitlines()):
        if not line or line.startswith("#"):
            continue
        names = tuple(n.strip('"').lower() for n in line.split()[0].split(","))
        for name in names:
            out[name] = tuple(sorted(set(out.get(name, ())) | set(names)))
    return out


def _ssh_keygen(args: list[str], stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    binary = shutil.which("ssh-keygen")
    if binary is None:
        raise UsageError(
            "ssh-keygen not found: install OpenSSH (8.2 or later) to sign or verify approvals"
        )
    try:
        return subprocess.run(
            [binary, *args], input=stdin, capture_output=True, timeout=_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        raise UsageError(f"ssh-keygen {args[1]} timed out after {_TIMEOUT}s") from None


def _tail(stderr: bytes) -> str:
    lines = stderr.decode(errors="replace").strip().splitlines()
    return lines[-1] if lines else "no message"
