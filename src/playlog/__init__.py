"""playlog: listening and event-page analytics over log files."""

__version__ = "0.1.0"
