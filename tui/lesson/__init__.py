"""The lesson player: a lesson's narration beside the explorer's live panels.

engine.lessons holds what a lesson is and how it is played (Player, progress); this
package only draws it and maps keys to the Player's moves."""
