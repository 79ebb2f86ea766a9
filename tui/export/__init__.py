"""Exports of a recording, headless and deterministic: an asciicast, SVG pictures, a handout."""
