"""Input rails (what kind of message is this?) and output rails (is the reply safe to show?)."""
