"""objcg-lab's engine: a deterministic, step-able simulation of Linux v5.9's obj_cgroup
machinery. Pure Python; it never imports the UI."""
from engine.machine import CommandRecord, Machine, Step
from engine.script import Command, ScriptError, parse_line, parse_script

__all__ = ["Command", "CommandRecord", "Machine", "ScriptError", "Step", "parse_line", "parse_script"]
