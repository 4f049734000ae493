//! TODO(error): filled by its owner.
