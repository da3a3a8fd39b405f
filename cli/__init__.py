"""The `campaigns` command: the entry points above both halves, wiring service and gateway together."""
