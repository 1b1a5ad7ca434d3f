# A small environment of builtin resources (no provider download) shaped like a real one:
# a network, subnets (count), a module with a load balancer and services (for_each), DNS,
# a monitor that only depends_on the network, and an unrelated audit log.
variable "network_name" {
  default = "net-a"
}

variable "regions" {
  type    = list(string)
  default = ["eu", "us"]
}

variable "services" {
  type    = map(number)
  default = { api = 1, web = 2 }
}

resource "terraform_data" "network" {
  input            = var.network_name
  triggers_replace = var.network_name
}

resource "terraform_data" "subnet" {
  count            = length(var.regions)
  input            = "${terraform_data.network.output}-${var.regions[count.index]}"
  triggers_replace = terraform_data.network.id
}

module "app" {
  source     = "./modules/app"
  subnet_ids = terraform_data.subnet[*].id
  services   = var.services
}

resource "terraform_data" "dns" {
  input = module.app.endpoint
}

resource "terraform_data" "monitor" {
  input      = "watching"
  depends_on = [terraform_data.network]
}

data "terraform_remote_state" "shared" {
  backend    = "local"
  config     = { path = "${path.module}/shared.tfstate" }
  depends_on = [terraform_data.network]
}

resource "terraform_data" "uses_shared" {
  input = data.terraform_remote_state.shared.outputs.region
}

output "endpoint" {
  value = terraform_data.dns.output
}

# Two instances of a module (for_each) behind a module-level depends_on, fed by another
# module's output.
module "worker" {
  for_each   = toset(["a", "b"])
  source     = "./modules/worker"
  endpoint   = module.app.endpoint
  depends_on = [terraform_data.monitor]
}
