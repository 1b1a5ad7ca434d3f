"""Stage 1 of the pipeline: a `terraform show -json` plan becomes typed records."""
