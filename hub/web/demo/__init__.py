"""The demo's one-click sign-in: people from the simulated organisations, and example children.

Only a service signing tokens with a development key offers any of this
(`hub.web.context.dev_mode`); a real deployment signs people in through the token box.
"""
