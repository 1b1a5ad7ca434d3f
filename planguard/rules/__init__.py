"""Knowledge as data: resource classes, attribute hazards and scoring weights.

The built-in rulesets are `rulesets/resources/*.yaml`; `schema/planguard-ruleset.schema.json`
describes them.
"""
