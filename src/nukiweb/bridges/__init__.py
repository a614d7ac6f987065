"""How commands reach devices: the bridge hub and the bridges connected to it."""
