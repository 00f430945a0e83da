"""Subcommands of the `aligned` CLI, one module each (see `sim.cli.COMMANDS`)."""
