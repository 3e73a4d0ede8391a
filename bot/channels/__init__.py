"""Channel adapters at the edge: Telegram, WhatsApp (webhooks and sending); the web chat lives in
bot/webchat. Channel SDK types never leave this package."""
