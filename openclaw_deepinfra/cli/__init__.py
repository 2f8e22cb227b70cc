"""`openclaw-deepinfra`: a thin gateway front end over the reference host and the plugin."""
