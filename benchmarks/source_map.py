"""How long the source map takes on a large configuration (run on demand, not in tests).

    python benchmarks/source_map.py [--files 200] [--resources-per-file 25]

Writes a root module of FILES files, each with RESOURCES resource blocks (references, nested
blocks, a lifecycle) and a local module called from every file, then times `build_source_map`
and reports wall time and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from planguard.source.read import WorkTree
from planguard.source.sourcemap import build_source_map

BLOCK = """\
resource "aws_instance" "r{i}" {{
  ami           = var.ami
  instance_type = local.size
  subnet_id     = aws_subnet.s{prev}.id
  tags = {{ Name = "r{i}-${{var.env}}" }}
  ebs_block_device {{
    device_name = "/dev/sdb"
    volume_size = 100
  }}
  lifecycle {{
    create_before_destroy = true
    ignore_changes        = [tags]
  }}
}}

"""


def write(root: Path, files: int, per_file: int) -> int:
    (root / "modules" / "svc").mkdir(parents=True)
    (root / "modules" / "svc" / "main.tf").write_text(
        'variable "id" {}\nresource "terraform_data" "svc" {\n  input = var.id\n}\n'
    )
    (root / "variables.tf").write_text(
        'variable "ami" {}\nvariable "env" {}\nlocals {\n  size = "t3.micro"\n}\n'
    )
    count = 0
    for f in range(files):
        text = [f'module "svc{f}" {{\n  source = "./modules/svc"\n  id     = "{f}"\n}}\n\n']
        for r in range(per_file):
            i = f * per_file + r
            text.append(BLOCK.format(i=i, prev=max(i - 1, 0)))
            count += 1
        (root / f"file{f:04d}.tf").write_text("".join(text))
    return count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--resources-per-file", type=int, default=25)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        blocks = write(root, args.files, args.resources_per_file)
        size = sum(p.stat().st_size for p in root.rglob("*.tf"))
        start = time.perf_counter()
        found = build_source_map(WorkTree(root), "")
        wall = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"{blocks} resource blocks in {args.files} files ({size / 1e6:.1f} MB):"
            f" {wall:.2f} s, {len(found.objects)} objects, peak RSS {peak:.0f} MiB"
        )


if __name__ == "__main__":
    main()
