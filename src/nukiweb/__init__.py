"""nukiweb: an open, self-hostable implementation of the Nuki Web API."""

__version__ = "0.1.0"
