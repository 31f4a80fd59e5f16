"""Grab bag of helpers."""
