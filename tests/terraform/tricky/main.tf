# Reference shapes that are easy to get wrong; see tests/test_graph_edge_cases.py.
resource "terraform_data" "web" {
  count = 3
  input = "web"
}

# An indexed reference and a splat in one expression: every instance is a dependency.
resource "terraform_data" "mixed" {
  input = "${terraform_data.web[0].id}-${join(",", terraform_data.web[*].id)}"
}

# Only web[1].
resource "terraform_data" "one" {
  input = terraform_data.web[1].id
}

# A literal that merely looks like a reference list.
resource "terraform_data" "literal" {
  input = { references = ["terraform_data.web"] }
}

module "solo" {
  for_each = toset(["p", "q"])
  source   = "./modules/solo"
}

# One instance of a for_each module.
resource "terraform_data" "uses_p" {
  input = module.solo["p"].out
}

# An output that depends_on a whole nested module.
module "outer" {
  source = "./modules/outer"
}

resource "terraform_data" "uses_outer" {
  input = module.outer.dep_out
}

# Keys with dots, brackets, quotes and a code point above U+FFFF.
resource "terraform_data" "keys" {
  for_each = toset(["a.b", "x[\"y\"]", "\U000E0001tag"])
  input    = each.key
}

resource "terraform_data" "all_keys" {
  input = [for k in terraform_data.keys : k.id]
}
