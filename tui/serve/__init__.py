"""`objcg-lab serve`: the explorer, lessons and replays in a classroom's browsers."""
