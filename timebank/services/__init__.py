"""Business rules and workflows. Services add and flush, never commit, and raise domain errors."""
