"""The figures, one asset per figure mart, and the findings report."""
