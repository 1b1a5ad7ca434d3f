resource "terraform_data" "audit" {
  input = "audit-log"
}
