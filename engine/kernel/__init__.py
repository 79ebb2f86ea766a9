"""Simulated kernel functions, one module per kernel area, named as in Linux v5.9.

Each function is a generator: it changes state only through `State` and yields a
step tuple `(step_id, *args)` at each point a teacher would pause. `engine.steps`
holds the text and the explanation of every step id.
"""
