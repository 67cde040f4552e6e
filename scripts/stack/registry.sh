# placeholder
REGISTRY_NAME=registry
registry_ready() { return 1; }
registry_up() { stack_die "registry not yet"; }
