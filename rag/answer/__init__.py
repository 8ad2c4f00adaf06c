"""Answering: retrieve -> read (our reader model) -> disagree -> compose -> cite; chain.py runs them."""
