"""Code written for nautobot-ssot 4.7 runs unchanged: its public names, behaviour and a small integration."""
