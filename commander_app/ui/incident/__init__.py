"""The incident itself: its list, one-glance header, board, capture bar and timeline."""
