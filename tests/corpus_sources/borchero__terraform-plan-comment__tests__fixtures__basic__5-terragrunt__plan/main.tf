terraform {
  backend "local" {
    path = ".tfstate"
  }
}
