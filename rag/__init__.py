"""Cited-answer research assistant over policy documents."""
