"""Errors the user can fix: they print as one line and exit with code 2; and the stop that
SIGTERM asks for."""


class InputError(ValueError):
    """Bad input (scenario file, option, parameter value): the message names what and where."""


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: the command stops as on Ctrl-C (an interrupt, so the same clean-up
    runs), and exits with code 143."""
