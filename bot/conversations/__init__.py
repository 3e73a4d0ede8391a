"""Conversations: state, routing to Rasa or a human, durable inbox and outbox."""
