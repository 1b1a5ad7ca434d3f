module "elasticSearch" {
  source = "./module/"
}