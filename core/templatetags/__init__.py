"""Template filters and tags of the staff pages (display only: formats what views hand them)."""
