"""Commander: a desktop assistant for the person running a production incident."""

__version__ = "0.1.0"
