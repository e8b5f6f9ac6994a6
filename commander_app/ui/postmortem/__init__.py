"""The postmortem: its dialog and the PDF it writes."""
