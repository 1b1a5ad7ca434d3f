variable "endpoint" {}

resource "terraform_data" "job" {
  input = var.endpoint
}

# Refers to the job of its own module instance only.
resource "terraform_data" "job_log" {
  input = terraform_data.job.output
}
