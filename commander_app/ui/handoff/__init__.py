"""Handing over command: the offer, accept or decline, and the briefing read aloud."""
