"""Offline approvals: a reviewer signs the plan fingerprint with their SSH key
(`ssh-keygen -Y sign`); the gate verifies it against an allowed-signers file in git's format
(`ssh-keygen -Y verify`). An agent without the reviewer's private key cannot forge one.

The approval file is JSON: the signed statement's fields plus the armored signature.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

from planguard.approvals.model import Approval, ApprovalSet, ApprovalSource, RejectedApproval
from planguard.errors import UsageError
from planguard.policy.model import normalise_reviewer

NAMESPACE = "planguard-approval"
FORMAT = 1
_TIMEOUT = 30


def statement(fingerprint: str, reviewer: str, signed_at: str) -> bytes:
    """The exact bytes a reviewer signs."""
    return (
        f"planguard approval v{FORMAT}\nfingerprint {fingerprint}\n"
        f"reviewer {reviewer}\nsigned_at {signed_at}\n"
    ).encode()


def sign_approval(fingerprint: str, reviewer: str, key: Path, signed_at: str) -> str:
    """The approval file's text, signed with the private `key` (ssh-agent keys work too when
    `key` is the public key file)."""
    reviewer = normalise_reviewer(reviewer)
    message = statement(fingerprint, reviewer, signed_at)
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
        "signed_at": signed_at,
        "signature": signature,
    }
    return json.dumps(body, indent=2) + "\n"


def verify_approvals(files: Iterable[Path], allowed_signers: Path) -> ApprovalSet:
    """Each file is accepted only if its signature verifies for the reviewer it names."""
    if not allowed_signers.is_file():
        raise UsageError(
            f"{allowed_signers}: allowed-signers file not found (git's format: one"
            " `principals key-type key` line per reviewer key)"
        )
    principals = _principal_lines(allowed_signers)
    accepted: list[Approval] = []
    rejected: list[RejectedApproval] = []
    for path in files:
        result = _verify_one(path, allowed_signers, principals)
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
    path: Path, allowed_signers: Path, principals: dict[str, tuple[str, ...]]
) -> Approval | RejectedApproval:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        fingerprint, reviewer, signed_at, signature = (
            doc["fingerprint"],
            doc["reviewer"],
            doc["signed_at"],
            doc["signature"],
        )
        if doc.get("planguard_approval") != FORMAT or not all(
            isinstance(v, str) for v in (fingerprint, reviewer, signed_at, signature)
        ):
            raise ValueError
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
        return RejectedApproval("?", ApprovalSource.SSH, "not a planguard approval file", str(path))
    reviewer = normalise_reviewer(reviewer)
    with tempfile.TemporaryDirectory(prefix="planguard-verify-") as tmp:
        sig = Path(tmp) / "approval.sig"
        sig.write_text(signature, encoding="ascii", errors="replace")
        args = ["-Y", "verify", "-f", str(allowed_signers), "-I", reviewer, "-n", NAMESPACE]
        done = _ssh_keygen([*args, "-s", str(sig)], statement(fingerprint, reviewer, signed_at))
    if done.returncode != 0:
        reason = f"signature does not verify for {reviewer!r} in {allowed_signers.name}"
        return RejectedApproval(reviewer, ApprovalSource.SSH, reason, str(path))
    return Approval(
        reviewer=reviewer,
        source=ApprovalSource.SSH,
        at=signed_at,
        fingerprint=fingerprint.lower(),
        aliases=principals.get(reviewer, ()),
        detail=str(path),
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
