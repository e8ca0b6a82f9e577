"""Qt widgets of the main window: one module per view (tree, object table, transfers)."""
