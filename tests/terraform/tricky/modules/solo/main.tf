resource "terraform_data" "r" {
  input = "solo"
}

output "out" {
  value = terraform_data.r.output
}
