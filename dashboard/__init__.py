"""protestmap: news articles about unrest in, coded and geocoded events out."""

__version__ = "0.1.0"
