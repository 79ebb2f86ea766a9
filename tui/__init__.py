"""objcg-lab's user interfaces: the command line and the Textual explorer."""
