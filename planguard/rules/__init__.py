"""Knowledge as data: resource classes, attribute hazards and scoring weights (`rulesets/`)."""
