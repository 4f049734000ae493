//! TODO(privacy): filled by its owner.
