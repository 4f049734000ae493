//! TODO(delivery): filled by its owner.
