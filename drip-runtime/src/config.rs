//! TODO(config): filled by its owner.
