"""Errors the user can fix: they print as one line and exit with code 2."""


class InputError(ValueError):
    """Bad input (scenario file, option, parameter value): the message names what and where."""
