//! TODO(testing): filled by its owner.
