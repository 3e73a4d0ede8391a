"""The web chat: an accessible page at /chat that talks to the gateway over a websocket."""
