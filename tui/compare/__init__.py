"""`objcg-lab compare FILE` on a terminal: v5.8 and v5.9 side by side."""
