//! TODO(model): filled by its owner.
