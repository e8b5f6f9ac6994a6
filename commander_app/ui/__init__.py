"""PySide6 widgets: thin views over the store; no business rules here."""
