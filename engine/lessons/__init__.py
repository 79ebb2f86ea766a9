"""Scripted lessons: TOML data, checked strictly, played headless or by the TUI.

No UI imports here (the TUI imports this, never the reverse).
"""
from engine.lessons.check import FieldCheck, Report, check_file, check_lesson
from engine.lessons.loader import load_lesson, parse_lesson
from engine.lessons.model import Commands, Explain, Goal, Lesson, Predict, Problem, Run, Step
from engine.lessons.player import GoalStatus, LessonError, Player, PredictResult

__all__ = ["Commands", "Explain", "FieldCheck", "Goal", "GoalStatus", "Lesson", "LessonError",
           "Player", "Predict", "PredictResult", "Problem", "Report", "Run", "Step",
           "check_file", "check_lesson", "load_lesson", "parse_lesson"]
