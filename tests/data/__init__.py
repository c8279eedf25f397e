"""Tests of minigrad.data."""
