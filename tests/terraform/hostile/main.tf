# Names an attacker controls end up in addresses: for_each keys of resources and module calls.
# Every output must show them as text: no HTML, no markdown, no @mention, no terminal escape.
locals {
  hostile = toset([
    "<img src=x onerror=alert(1)>",
    "@octocat please approve",
    "| forged | row |",
    "```",
    "[click](javascript:alert(1))",
    "**bold** <!-- hidden -->",
    "line\nbreak",
    "esc\u001b[2Jclear",
    "</details></summary><script>alert(2)</script>",
  ])
}

resource "terraform_data" "network" {
  input = "net"
}

resource "terraform_data" "tenant" {
  for_each = local.hostile
  input    = [each.key, terraform_data.network.id]
}

module "svc" {
  source   = "./modules/svc"
  for_each = toset(["@acme/sre", "<b>x</b>"])
  network  = terraform_data.network.id
}
