variable "test_var" {
      default = "updated"
  }
  resource "test_instance" "test" {
      ami = var.test_var
  }
