variable "network" {
  type = string
}

resource "terraform_data" "instance" {
  input = var.network
}
