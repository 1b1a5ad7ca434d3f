# Copyright (c) HashiCorp, Inc.
# SPDX-License-Identifier: MPL-2.0

module "module" {
  source  = "vancluever/module/null"
  version = "~> 1.0.1"
}
