//! TODO(client): filled by its owner.
