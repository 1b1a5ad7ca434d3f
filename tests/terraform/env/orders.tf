# Two otherwise identical resources: one replaced create-first, one delete-first.
resource "terraform_data" "cache" {
  input = "cache"
  lifecycle {
    create_before_destroy = true
  }
}

resource "terraform_data" "queue" {
  input = "queue"
}
