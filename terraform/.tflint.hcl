# tflint with its bundled terraform ruleset only (no plugin download).
config {
  # Registry modules are not downloaded in the checks; local ones are linted.
  call_module_type = "local"
}

plugin "terraform" {
  enabled = true
  preset  = "all"
}
