"""Identity resolution: match a person record to a child record, with explanations.

The public API is re-exported here as it lands (records, model, matcher, index, training).
"""

__all__: list[str] = []
