# Unrelated resources, so that the replace cascade is not half of the environment.
resource "terraform_data" "backup" {
  count = 2
  input = "backup-${count.index}"
}
