// Coordinator module — see docs/architecture.md.
