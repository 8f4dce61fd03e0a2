// Report module — see docs/architecture.md.
