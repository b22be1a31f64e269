"""Leaves shared by every stage: parameter checks, glyph geometry, atomic files."""
