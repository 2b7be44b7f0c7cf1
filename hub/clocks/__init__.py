"""Statutory clocks, early-identification signals, feed freshness and partnership KPIs.

Pure functions over a child's facts (``hub.clocks.facts``) and versioned rule files in
``hub/clocks/data``; ``hub.files.clocks`` reads those files. Time is always passed in.
"""
