"""Stage 2: the resource dependency graph and blast radius."""
