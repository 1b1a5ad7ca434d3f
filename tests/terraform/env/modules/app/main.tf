variable "subnet_ids" {}
variable "services" {}

resource "terraform_data" "lb" {
  input            = join(",", var.subnet_ids)
  triggers_replace = var.subnet_ids
}

resource "terraform_data" "service" {
  for_each         = var.services
  input            = "${each.key}-${each.value}"
  triggers_replace = [terraform_data.lb.id]
}

output "endpoint" {
  value = terraform_data.lb.output
}
