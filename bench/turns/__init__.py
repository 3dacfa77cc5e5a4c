"""End-of-turn benchmark: labelled silences in complete user turns, scored causally."""
