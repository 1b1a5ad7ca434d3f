"""Write a realistic large `terraform show -json` plan, deterministically, for benchmarks.

The shape is a common one for big estates: a root network, one module per environment
(`for_each`), one module per service inside it (`for_each`), and inside each service a dozen
resource blocks (some with `count`) across several providers that refer to each other. Every
section a real plan has is written: `configuration` (with references), `prior_state` (with
`depends_on`), `planned_values`, `resource_changes` (mostly no-op, some updates, creates,
replacements in both orders, deletes, a tainted object), `resource_drift` with
`relevant_attributes`, sensitive values with their masks, `variables` and `output_changes`.

Values are seeded from each address, so the same size always gives the same bytes. The file is
written a resource at a time, so generating 300k resources needs little memory.

    python benchmarks/generate.py --resources 100000 --out benchmarks/plans/plan-100k.json
    python benchmarks/generate.py --resources 100000 --lean --out benchmarks/plans/lean-100k.json

`--lean` writes small values (an id, a name and one tag: about 1 KB per resource over all
sections), the shape where planguard's own per-resource work, not JSON decoding, dominates.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

TERRAFORM_VERSION = "1.11.4"
PROVIDERS = {
    "aws": "registry.terraform.io/hashicorp/aws",
    "google": "registry.terraform.io/hashicorp/google",
    "azurerm": "registry.terraform.io/hashicorp/azurerm",
    "random": "registry.terraform.io/hashicorp/random",
}
ENV_NAMES = (
    "prod",
    "staging",
    "dev",
    "qa",
    "perf",
    "sandbox",
    "dr",
    "uat",
    "demo",
    "ci",
    "eu",
    "ap",
)


@dataclass(frozen=True)
class Block:
    """One resource block of a module: its type, name, count, and what it refers to."""

    type: str
    name: str
    count: int | None = None
    refs: tuple[str, ...] = ()
    """Module-relative references in its arguments (Terraform's chain order: longest first)."""
    depends_on: tuple[str, ...] = ()
    mode: str = "managed"

    @property
    def address(self) -> str:
        prefix = "data." if self.mode == "data" else ""
        return f"{prefix}{self.type}.{self.name}"

    @property
    def provider(self) -> str:
        return self.type.split("_", 1)[0]


SERVICE_BLOCKS = (
    Block("aws_ami", "base", mode="data"),
    Block("aws_security_group", "this", refs=("var.vpc_id",)),
    Block(
        "aws_security_group_rule",
        "ingress",
        count=2,
        refs=("aws_security_group.this.id", "aws_security_group.this"),
    ),
    Block("aws_iam_role", "this"),
    Block("aws_iam_role_policy", "this", refs=("aws_iam_role.this.id", "aws_iam_role.this")),
    Block(
        "aws_lb",
        "this",
        refs=("aws_security_group.this.id", "aws_security_group.this", "var.subnet_ids"),
    ),
    Block("aws_lb_target_group", "this", refs=("var.vpc_id",)),
    Block(
        "aws_lb_listener",
        "https",
        refs=(
            "aws_lb.this.arn",
            "aws_lb.this",
            "aws_lb_target_group.this.arn",
            "aws_lb_target_group.this",
        ),
    ),
    Block(
        "aws_instance",
        "app",
        count=3,
        refs=(
            "data.aws_ami.base.id",
            "data.aws_ami.base",
            "aws_security_group.this.id",
            "aws_security_group.this",
            "var.subnet_ids",
        ),
        depends_on=("aws_iam_role_policy.this",),
    ),
    Block("random_password", "db"),
    Block(
        "aws_db_instance",
        "db",
        refs=(
            "random_password.db.result",
            "random_password.db",
            "aws_security_group.this.id",
            "aws_security_group.this",
            "var.kms_key_arn",
        ),
    ),
    Block(
        "aws_route53_record",
        "this",
        refs=("aws_lb.this.dns_name", "aws_lb.this", "var.zone_id"),
    ),
    Block("google_storage_bucket", "assets"),
    Block(
        "azurerm_key_vault_secret",
        "db",
        refs=("random_password.db.result", "random_password.db"),
    ),
)
ENV_BLOCKS = (
    Block("aws_route53_zone", "env"),
    Block("aws_kms_key", "env"),
)
ROOT_BLOCKS = (
    Block("aws_vpc", "main"),
    Block("aws_subnet", "private", count=3, refs=("aws_vpc.main.id", "aws_vpc.main")),
)
VARIABLE_SOURCES = {
    "var.vpc_id": ("aws_vpc.main",),
    "var.subnet_ids": ("aws_subnet.private",),
    "var.kms_key_arn": ("module.env.aws_kms_key.env",),
    "var.zone_id": ("module.env.aws_route53_zone.env",),
}
PER_SERVICE = sum(block.count or 1 for block in SERVICE_BLOCKS)


@dataclass(frozen=True)
class Instance:
    """One resource instance of the plan and what happens to it."""

    module: str
    """Absolute module address, '' for the root."""
    block: Block
    index: int | None
    action: tuple[str, ...]
    reason: str | None = None
    drifted: bool = False

    @property
    def address(self) -> str:
        suffix = "" if self.index is None else f"[{self.index}]"
        local = f"{self.block.address}{suffix}"
        return f"{self.module}.{local}" if self.module else local

    @property
    def exists_before(self) -> bool:
        return self.action != ("create",)

    @property
    def exists_after(self) -> bool:
        return self.action != ("delete",)


# ---------------------------------------------------------------------------------------------
# Which instances, and what happens to each


def layout(resources: int) -> tuple[list[str], int]:
    """Environments and services per environment for about `resources` instances."""
    envs = max(1, min(len(ENV_NAMES), round(math.sqrt(resources) / 25)))
    fixed = sum(b.count or 1 for b in ROOT_BLOCKS) + envs * len(ENV_BLOCKS)
    services = max(1, math.ceil((resources - fixed) / PER_SERVICE / envs))
    return list(ENV_NAMES[:envs]), services


def service_key(number: int) -> str:
    kinds = ("api", "web", "worker", "billing", "search", "auth", "queue", "report")
    return f"{kinds[number % len(kinds)]}-{number:05d}"


def instances(resources: int) -> Iterator[Instance]:
    """Exactly `resources` instances, grouped by module instance (root first)."""
    envs, services = layout(resources)
    made = 0
    for module, block in _module_blocks(envs, services):
        for index in range(block.count) if block.count is not None else (None,):
            if made == resources:
                return
            made += 1
            yield _with_action(module, block, index)


def _module_blocks(envs: list[str], services: int) -> Iterator[tuple[str, Block]]:
    for block in ROOT_BLOCKS:
        yield "", block
    for env in envs:
        env_module = f'module.env["{env}"]'
        for block in ENV_BLOCKS:
            yield env_module, block
        for number in range(services):
            for block in SERVICE_BLOCKS:
                yield f'{env_module}.module.svc["{service_key(number)}"]', block


def _rng(address: str, salt: str = "") -> random.Random:
    return random.Random(zlib.crc32(f"{salt}{address}".encode()))


_REPLACE_REASONS = (
    "replace_because_cannot_update",
    "replace_because_cannot_update",
    "replace_because_tainted",
)


def _with_action(module: str, block: Block, index: int | None) -> Instance:
    probe = Instance(module, block, index, ("no-op",))
    roll = _rng(probe.address, "action").random()
    if block.mode == "data":
        return Instance(module, block, index, ("read",) if roll < 0.05 else ("no-op",))
    drifted = _rng(probe.address, "drift").random() < 0.02
    if roll < 0.80:
        return Instance(module, block, index, ("no-op",), drifted=drifted)
    if roll < 0.90:
        return Instance(module, block, index, ("update",), drifted=drifted)
    if roll < 0.95:
        return Instance(module, block, index, ("create",))
    if roll < 0.97:
        reason = _REPLACE_REASONS[int(roll * 1000) % 3]
        return Instance(module, block, index, ("delete", "create"), reason, drifted)
    if roll < 0.99:
        return Instance(module, block, index, ("create", "delete"), "replace_because_cannot_update")
    reason = (
        "delete_because_count_index" if index is not None else "delete_because_no_resource_config"
    )
    return Instance(module, block, index, ("delete",), reason)


# ---------------------------------------------------------------------------------------------
# Attribute values


LEAN = False
"""Small values (`--lean`); set once by `write_plan`, before anything is written."""


def values(inst: Instance, side: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(values, sensitive mask) of one side ("before" or "after") of an instance."""
    rng = _rng(inst.address)
    changed = side == "after" and inst.action != ("no-op",)
    name = inst.address.replace('"', "").replace("[", "-").replace("]", "").replace(".", "-")[-60:]
    ident = f"{inst.block.type[:3]}-{rng.getrandbits(64):016x}"
    if LEAN:
        revision = f"r{rng.randrange(500) + (1 if changed else 0)}"
        return {"id": ident, "name": name, "tags": {"Revision": revision}}, {"tags": {}}
    tags = {
        "Name": name,
        "Environment": inst.module.split('"')[1] if inst.module else "shared",
        "Owner": f"team-{rng.randrange(40):02d}",
        "ManagedBy": "terraform",
        "Revision": f"r{rng.randrange(500) + (1 if changed else 0)}",
    }
    body: dict[str, Any] = {
        "id": ident,
        "arn": f"arn:aws:{inst.block.provider}:us-east-1:123456789012:{inst.block.type}/{ident}",
        "name": name,
        "tags": tags,
        "tags_all": dict(tags),
    }
    sensitive: dict[str, Any] = {"tags": {}, "tags_all": {}}
    _type_values(inst, rng, changed, body, sensitive)
    return body, sensitive


def _type_values(
    inst: Instance,
    rng: random.Random,
    changed: bool,
    body: dict[str, Any],
    sensitive: dict[str, Any],
) -> None:
    kind = inst.block.type
    secret = f"S3cr3t-{rng.getrandbits(96):024x}"
    if kind in ("random_password",):
        body.update(result=secret, length=32, special=True, override_special="!#$%")
        sensitive["result"] = True
    elif kind == "aws_db_instance":
        body.update(
            engine="postgres",
            engine_version="16.4" if changed and inst.action[0] != "update" else "15.7",
            instance_class="db.r6g.large",
            allocated_storage=100,
            password=secret,
            username="app",
            deletion_protection=False,
            skip_final_snapshot=True,
            storage_encrypted=True,
            vpc_security_group_ids=[f"sg-{rng.getrandbits(32):08x}"],
        )
        sensitive["password"] = True
        sensitive["vpc_security_group_ids"] = [False]
    elif kind == "azurerm_key_vault_secret":
        body.update(value=secret, key_vault_id=f"/subscriptions/{rng.getrandbits(64):x}/vaults/kv")
        sensitive["value"] = True
    elif kind == "aws_instance":
        body.update(
            ami=f"ami-{rng.getrandbits(48):012x}",
            instance_type="m6i.large" if not changed else "m6i.xlarge",
            subnet_id=f"subnet-{rng.getrandbits(32):08x}",
            user_data=f"#!/bin/bash\necho {rng.getrandbits(128):032x}\n",
            root_block_device=[{"volume_size": 50, "volume_type": "gp3", "encrypted": True}],
            ebs_block_device=[],
        )
        sensitive["root_block_device"] = [{}]
        sensitive["ebs_block_device"] = []
    elif kind == "aws_iam_role_policy":
        statements = [
            {
                "Effect": "Allow",
                "Action": [f"s3:Get{n}", f"s3:Put{n}"],
                "Resource": f"arn:aws:s3:::b-{n}/*",
            }
            for n in range(rng.randrange(2, 6))
        ]
        body["policy"] = json.dumps({"Version": "2012-10-17", "Statement": statements})
    else:
        body.update(
            description=f"{kind} managed for {body['name']}",
            port=rng.choice((443, 8443, 5432, 6379)),
            enabled=not changed,
            settings=[{"key": f"k{n}", "value": f"v{rng.randrange(100)}"} for n in range(2)],
        )
        sensitive["settings"] = [{}, {}]


# ---------------------------------------------------------------------------------------------
# Sections


def resource_change(inst: Instance, drift: bool = False) -> dict[str, Any]:
    action = ("update",) if drift else inst.action
    before, before_mask = values(inst, "before") if inst.exists_before else (None, False)
    after, after_mask = values(inst, "after") if inst.exists_after else (None, False)
    if drift and before is not None and after is not None:
        after = {**before, "tags": {**before["tags"], "ChangedOutside": "console"}}
    change: dict[str, Any] = {
        "actions": list(action),
        "before": before,
        "after": after,
        "after_unknown": {"id": True, "arn": True} if action == ("create",) else {},
        "before_sensitive": before_mask,
        "after_sensitive": after_mask,
    }
    if inst.block.type == "aws_db_instance" and inst.reason == "replace_because_cannot_update":
        change["replace_paths"] = [["engine_version"]]
    elif inst.block.type == "aws_instance" and inst.reason == "replace_because_cannot_update":
        change["replace_paths"] = [["ami"]]
    body: dict[str, Any] = {"address": inst.address}
    if inst.module:
        body["module_address"] = inst.module
    body.update(mode=inst.block.mode, type=inst.block.type, name=inst.block.name)
    if inst.index is not None:
        body["index"] = inst.index
    body["provider_name"] = PROVIDERS[inst.block.provider]
    body["change"] = change
    if inst.reason and not drift:
        body["action_reason"] = inst.reason
    return body


def state_resource(inst: Instance, side: str) -> dict[str, Any]:
    vals, mask = values(inst, side)
    body: dict[str, Any] = {
        "address": inst.address,
        "mode": inst.block.mode,
        "type": inst.block.type,
        "name": inst.block.name,
    }
    if inst.index is not None:
        body["index"] = inst.index
    body.update(
        provider_name=PROVIDERS[inst.block.provider],
        schema_version=0,
        values=vals,
        sensitive_values=mask,
    )
    if side == "before":
        depends = _state_depends(inst)
        if depends:
            body["depends_on"] = depends
        if inst.reason == "replace_because_tainted":
            body["tainted"] = True
    return body


def _state_depends(inst: Instance) -> list[str]:
    """Absolute addresses of what the object depended on when it was applied."""
    # Terraform records dependencies as configuration addresses: module paths without keys.
    config_module = re.sub(r"\[[^\]]*\]", "", inst.module)
    prefix = f"{config_module}." if config_module else ""
    found = []
    for ref in (*inst.block.refs, *inst.block.depends_on):
        if ref.startswith("var."):
            continue
        parts = ref.split(".")
        local = ".".join(parts[:3] if parts[0] == "data" else parts[:2])
        found.append(prefix + local)
    for ref in inst.block.refs:  # a variable's dependency is what the caller passed in
        found.extend(VARIABLE_SOURCES.get(ref, ()))
    return sorted(set(found))


def expressions(block: Block) -> dict[str, Any]:
    """Arguments of a block: one per reference, plus constants (never referenced)."""
    out: dict[str, Any] = {"tags": {"constant_value": {"ManagedBy": "terraform"}}}
    for n, ref in enumerate(block.refs):
        if ref.count(".") > 1 or ref.startswith("var."):
            chain = [ref]
            base = ref.rsplit(".", 1)[0]
            if not ref.startswith("var.") and base != ref:
                chain.append(base)
            out[f"arg_{n}"] = {"references": chain}
    return out


def config_resource(block: Block) -> dict[str, Any]:
    body: dict[str, Any] = {
        "address": block.address,
        "mode": block.mode,
        "type": block.type,
        "name": block.name,
        "provider_config_key": block.provider,
        "expressions": expressions(block),
        "schema_version": 0,
    }
    if block.count is not None:
        body["count_expression"] = {"constant_value": block.count}
    if block.depends_on:
        body["depends_on"] = list(block.depends_on)
    return body


def configuration() -> dict[str, Any]:
    service = {
        "resources": [config_resource(b) for b in SERVICE_BLOCKS],
        "outputs": {
            "endpoint": {
                "expression": {
                    "references": ["aws_route53_record.this.fqdn", "aws_route53_record.this"]
                }
            }
        },
        "variables": {name: {} for name in ("vpc_id", "subnet_ids", "kms_key_arn", "zone_id")},
    }
    env = {
        "resources": [config_resource(b) for b in ENV_BLOCKS],
        "module_calls": {
            "svc": {
                "source": "./modules/service",
                "for_each_expression": {"references": ["var.services"]},
                "expressions": {
                    "vpc_id": {"references": ["var.vpc_id"]},
                    "subnet_ids": {"references": ["var.subnet_ids"]},
                    "kms_key_arn": {"references": ["aws_kms_key.env.arn", "aws_kms_key.env"]},
                    "zone_id": {
                        "references": ["aws_route53_zone.env.zone_id", "aws_route53_zone.env"]
                    },
                },
                "module": service,
            }
        },
        "variables": {name: {} for name in ("vpc_id", "subnet_ids", "services")},
    }
    return {
        "provider_config": {
            key: {
                "name": key,
                "full_name": full,
                "expressions": {"region": {"references": ["var.region"]}},
            }
            for key, full in PROVIDERS.items()
        },
        "root_module": {
            "resources": [config_resource(b) for b in ROOT_BLOCKS],
            "module_calls": {
                "env": {
                    "source": "./modules/env",
                    "for_each_expression": {"references": ["var.environments"]},
                    "expressions": {
                        "vpc_id": {"references": ["aws_vpc.main.id", "aws_vpc.main"]},
                        "subnet_ids": {"references": ["aws_subnet.private"]},
                        "services": {"references": ["var.services"]},
                    },
                    "module": env,
                }
            },
            "outputs": {
                "vpc_id": {"expression": {"references": ["aws_vpc.main.id", "aws_vpc.main"]}}
            },
            "variables": {
                "region": {"default": "us-east-1"},
                "environments": {},
                "services": {},
                "db_password": {"sensitive": True},
            },
        },
    }


# ---------------------------------------------------------------------------------------------
# Writing


class Writer:
    """Compact JSON, written piece by piece (Terraform's own output is one long line)."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out

    def raw(self, text: str) -> None:
        self.out.write(text)

    def value(self, value: object) -> None:
        self.out.write(json.dumps(value, separators=(",", ":")))

    def array(self, items: Iterator[dict[str, Any]]) -> None:
        self.raw("[")
        for n, item in enumerate(items):
            if n:
                self.raw(",")
            self.value(item)
        self.raw("]")


def module_tree(writer: Writer, insts: list[Instance], side: str) -> None:
    """`{"resources": [...], "child_modules": [...]}` for the root, nesting module instances."""
    by_module: dict[str, list[Instance]] = {}
    for inst in insts:
        by_module.setdefault(inst.module, []).append(inst)
    children: dict[str, list[str]] = {}
    for module in by_module:
        path = module
        while path:
            parent = path.rsplit(".module.", 1)[0] if ".module." in path else ""
            siblings = children.setdefault(parent, [])
            if path not in siblings:
                siblings.append(path)
            path = parent
    _module(writer, "", by_module, children, side)


def _module(
    writer: Writer,
    module: str,
    by_module: dict[str, list[Instance]],
    children: dict[str, list[str]],
    side: str,
) -> None:
    writer.raw("{")
    if module:
        writer.raw(f'"address":{json.dumps(module)},')
    writer.raw('"resources":')
    writer.array(state_resource(i, side) for i in by_module.get(module, []))
    kids = children.get(module, [])
    if kids:
        writer.raw(',"child_modules":[')
        for n, child in enumerate(kids):
            if n:
                writer.raw(",")
            _module(writer, child, by_module, children, side)
        writer.raw("]")
    writer.raw("}")


def write_plan(resources: int, out: IO[str], lean: bool = False) -> None:
    global LEAN  # noqa: PLW0603 (one switch for the whole file, see LEAN)
    LEAN = lean
    insts = list(instances(resources))
    envs, services = layout(resources)
    w = Writer(out)
    w.raw(f'{{"format_version":"1.2","terraform_version":"{TERRAFORM_VERSION}","variables":')
    w.value(
        {
            "region": {"value": "us-east-1"},
            "environments": {"value": envs},
            "services": {"value": [service_key(n) for n in range(services)]},
            "db_password": {"value": "hunter2-canary-variable"},
        }
    )
    w.raw(',"planned_values":{"outputs":{"vpc_id":{"sensitive":false}},"root_module":')
    module_tree(w, [i for i in insts if i.exists_after and i.block.mode == "managed"], "after")
    w.raw('},"resource_drift":')
    w.array(resource_change(i, drift=True) for i in insts if i.drifted and i.exists_before)
    w.raw(',"resource_changes":')
    w.array(resource_change(i) for i in insts)
    w.raw(',"output_changes":')
    w.value(
        {
            "vpc_id": {
                "actions": ["no-op"],
                "before": "vpc-1",
                "after": "vpc-1",
                "after_unknown": False,
                "before_sensitive": False,
                "after_sensitive": False,
            }
        }
    )
    w.raw(
        f',"prior_state":{{"format_version":"1.0","terraform_version":"{TERRAFORM_VERSION}","values":{{"root_module":'
    )
    module_tree(w, [i for i in insts if i.exists_before], "before")
    w.raw('}},"configuration":')
    w.value(configuration())
    w.raw(',"relevant_attributes":')
    w.array(
        {"resource": i.address, "attribute": ["tags"]}
        for i in insts
        if i.drifted and i.exists_before
    )
    w.raw(',"timestamp":"2026-11-22T00:00:00Z","applyable":true,"complete":true,"errored":false}')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--resources", type=int, required=True, help="resource changes to write")
    parser.add_argument("--out", type=Path, required=True, help="plan file to write ('-' = stdout)")
    parser.add_argument("--lean", action="store_true", help="small values (~1 KB per resource)")
    args = parser.parse_args(argv)
    if args.resources < 1:
        parser.error("--resources must be at least 1")
    if str(args.out) == "-":
        write_plan(args.resources, sys.stdout, args.lean)
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as out:
        write_plan(args.resources, out, args.lean)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
