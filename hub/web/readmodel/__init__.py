"""The web's read model: a SQLite store projected from the hub's topics, and its queries."""
