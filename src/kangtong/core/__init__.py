"""Foundation shared by every layer: settings, domain errors, the clock, JSON helpers, identifiers."""
