//! A local, Drip-compatible usage-billing API server.
