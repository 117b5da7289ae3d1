"""Back Spasm Coach: an Alexa skill for someone caught in a lower-back spasm."""
