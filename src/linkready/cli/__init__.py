"""Command-line interface. Thin: parses arguments, shows progress, maps errors to exit codes."""
