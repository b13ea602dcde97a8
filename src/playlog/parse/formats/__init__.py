"""The log formats: one module each, registered in playlog.parse.registry."""
