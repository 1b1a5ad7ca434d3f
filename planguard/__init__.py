"""planguard: gate Terraform/OpenTofu plans by the blast radius of what they replace or destroy."""

from __future__ import annotations

__version__ = "0.1.0"
