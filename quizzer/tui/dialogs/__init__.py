"""Modal dialogs of the study app."""
