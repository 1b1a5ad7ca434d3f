module "inner" {
  source = "../inner"
}

output "dep_out" {
  value      = "constant"
  depends_on = [module.inner]
}
