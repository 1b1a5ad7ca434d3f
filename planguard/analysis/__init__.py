"""The analysis: plan → graph → score, ending in the one versioned `Report`."""
