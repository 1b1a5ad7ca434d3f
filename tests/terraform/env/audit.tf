resource "terraform_data" "audit" {
  input = "audit-log"
}

resource "terraform_data" "cache" {
  input = "cache"
  lifecycle {
    create_before_destroy = true
  }
}

resource "terraform_data" "queue" {
  input = "queue"
}
