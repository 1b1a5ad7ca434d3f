variable "name" {
  type = string
}

variable "description" {
  type = string
}

variable "topics" {
  type = list(string)
}
